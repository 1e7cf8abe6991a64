package database

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
)

// pgColumn is one column of a PostgreSQL read.
type pgColumn struct {
	Column
	oid    uint32
	typmod int32
	// base and baseMod are the type read: a domain's base type, else oid.
	base    uint32
	baseMod int32
	// text marks a column selected as text (types without a decoder here).
	text bool
	// selectExpr is the expression selected in the COPY query.
	selectExpr string
	info       duckdb.TypeInfo
	expr       string // DuckDB conversion applied when creating the table
	set        func(ch *duckdb.DataChunk, col, row int, b []byte) error
	bound      boundKind
	partOK     bool
	tz         bool
}

// pgDescribe prepares SELECT * FROM <from> (nothing is executed) and maps
// every result column to a DuckDB type.
func pgDescribe(ctx context.Context, conn *pgx.Conn, c Config, o ReadOptions) ([]pgColumn, error) {
	from := pgFrom(o)
	sd, err := conn.PgConn().Prepare(ctx, "", "SELECT * FROM "+from, nil)
	if err != nil {
		if o.Query == "" && o.DBTable == "" && strings.Contains(err.Error(), "42P01") {
			return nil, fmt.Errorf("%w: %s has no table %s: %s", ErrNoTable, c.where(), o.Table, pgError(err))
		}
		return nil, fmt.Errorf("read %s on %s: %s", describeFrom(o), c.where(), pgError(err))
	}
	// Types that are not built in: domains, enums, arrays of them, ...
	var unknown []uint32
	for _, f := range sd.Fields {
		if _, ok, _ := pgScalarFor(f.DataTypeOID, -1); !ok {
			if _, arr := pgArrayElem[f.DataTypeOID]; !arr {
				unknown = append(unknown, f.DataTypeOID)
			}
		}
	}
	infos, err := pgLookupTypes(ctx, conn, unknown)
	if err != nil {
		return nil, fmt.Errorf("read %s on %s: read pg_type: %w", describeFrom(o), c.where(), err)
	}
	// Source type names and NOT NULL flags, in one query each.
	oids := make([]uint32, len(sd.Fields))
	mods := make([]int32, len(sd.Fields))
	rels := make([]uint32, len(sd.Fields))
	atts := make([]int16, len(sd.Fields))
	for i, f := range sd.Fields {
		oids[i], mods[i], rels[i], atts[i] = f.DataTypeOID, f.TypeModifier, f.TableOID, int16(f.TableAttributeNumber)
	}
	var names []string
	var notNull []bool
	err = conn.QueryRow(ctx, `SELECT array_agg(format_type(u.o, NULLIF(u.m, -1)) ORDER BY u.i),
		array_agg(COALESCE(a.attnotnull, false) ORDER BY u.i)
		FROM unnest($1::oid[], $2::int4[], $3::oid[], $4::int2[]) WITH ORDINALITY AS u(o, m, r, n, i)
		LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = u.r AND a.attnum = u.n AND u.r <> 0`,
		oids, mods, rels, atts).Scan(&names, &notNull)
	if err != nil && len(sd.Fields) > 0 {
		return nil, fmt.Errorf("read %s on %s: type names: %w", describeFrom(o), c.where(), err)
	}
	seen := map[string]bool{}
	cols := make([]pgColumn, len(sd.Fields))
	for i, f := range sd.Fields {
		name := string(f.Name)
		if seen[name] {
			return nil, fmt.Errorf("read %s on %s: the result has two columns named %q; alias them apart", describeFrom(o), c.where(), name)
		}
		seen[name] = true
		col, err := pgMapColumn(name, f.DataTypeOID, f.TypeModifier, infos)
		if err != nil {
			return nil, fmt.Errorf("read %s on %s: column %q (%s): %w", describeFrom(o), c.where(), name, names[i], err)
		}
		col.SourceType = names[i]
		col.Nullable = !notNull[i]
		cols[i] = col
	}
	return cols, nil
}

// pgMapColumn decides how a column is selected and loaded. Types with no
// binary decoder here (inet, money, enums, ranges, xml, ...) are selected as
// ::text and become VARCHAR; arrays of them become VARCHAR[].
func pgMapColumn(name string, oid uint32, typmod int32, infos map[uint32]pgTypeInfo) (pgColumn, error) {
	col := pgColumn{Column: Column{Name: name}, oid: oid, typmod: typmod, selectExpr: quotePG(name)}
	// Domains read as their base type.
	for depth := 0; depth < 10; depth++ {
		ti, ok := infos[oid]
		if !ok || ti.typtype != 'd' {
			break
		}
		oid = ti.basetype
		if typmod < 0 {
			typmod = ti.typmod
		}
		if _, ok := infos[oid]; !ok {
			if _, ok2, _ := pgScalarFor(oid, -1); !ok2 {
				if _, arr := pgArrayElem[oid]; !arr {
					// A domain over a type we do not know: read as text.
					break
				}
			}
		}
	}
	col.base, col.baseMod = oid, typmod
	sc, ok, err := pgScalarFor(oid, typmod)
	if err != nil {
		return col, err
	}
	if ok {
		col.DuckType, col.info, col.set, col.expr = sc.duck, sc.info, sc.set, sc.expr
		col.bound, col.partOK, col.tz = sc.bound, sc.partitionable, oid == oidTimestampTZ
		return col, nil
	}
	if elem, arr := pgArrayElem[oid]; arr {
		esc, ok, err := pgScalarFor(elem, typmod)
		if err != nil {
			return col, err
		}
		if !ok {
			return col, fmt.Errorf("%w: array element type %d", ErrUnsupportedType, elem)
		}
		// List elements are set as Go values of the element's own type.
		elemInfo := esc.info
		switch elem {
		case oidDate:
			elemInfo = mustType(duckdb.TYPE_DATE)
		case oidTimestamp:
			elemInfo = mustType(duckdb.TYPE_TIMESTAMP)
		case oidTimestampTZ:
			elemInfo = mustType(duckdb.TYPE_TIMESTAMP_TZ)
		}
		info, err := duckdb.NewListInfo(elemInfo)
		if err != nil {
			return col, err
		}
		col.DuckType, col.info = esc.duck+"[]", info
		if esc.duck == "JSON" {
			col.expr = exprJSONList
		}
		col.set = pgArraySetter(esc.value)
		return col, nil
	}
	// Arrays of other types: text[]; anything else: text, as the type's
	// output function renders it (what psql shows and JDBC's getString
	// returns; a plain ::text cast differs for some types, e.g. inet).
	q := quotePG(name)
	col.text = true
	if ti, ok := infos[oid]; ok && ti.category == 'A' && ti.elem != 0 {
		info, _ := duckdb.NewListInfo(mustType(duckdb.TYPE_VARCHAR))
		col.DuckType, col.info = "VARCHAR[]", info
		col.selectExpr = "CASE WHEN " + q + " IS NULL THEN NULL ELSE COALESCE((SELECT array_agg(CASE WHEN e IS NULL THEN NULL ELSE format('%s', e) END ORDER BY o) FROM unnest(" + q + ") WITH ORDINALITY AS u(e, o)), '{}') END"
		col.set = pgArraySetter(func(b []byte) (any, error) { return string(b), nil })
		return col, nil
	}
	col.DuckType, col.info, col.set = "VARCHAR", mustType(duckdb.TYPE_VARCHAR), setBytes
	col.selectExpr = "CASE WHEN " + q + " IS NULL THEN NULL ELSE format('%s', " + q + ") END"
	return col, nil
}

// pgArraySetter decodes a one-dimensional binary array into a DuckDB list.
func pgArraySetter(elem func([]byte) (any, error)) func(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return func(ch *duckdb.DataChunk, col, row int, b []byte) error {
		if len(b) < 12 {
			return fmt.Errorf("array value of %d bytes", len(b))
		}
		ndim := int(int32(binary.BigEndian.Uint32(b)))
		b = b[12:]
		if ndim == 0 {
			return duckdb.SetChunkValue(*ch, col, row, []any{})
		}
		if ndim != 1 {
			return fmt.Errorf("a %d-dimensional array cannot be carried into a DuckDB list; unnest it or cast it in a query", ndim)
		}
		n := int(int32(binary.BigEndian.Uint32(b)))
		b = b[8:]
		vals := make([]any, n)
		for i := 0; i < n; i++ {
			l := int(int32(binary.BigEndian.Uint32(b)))
			b = b[4:]
			if l < 0 {
				continue
			}
			v, err := elem(b[:l])
			if err != nil {
				return fmt.Errorf("array element %d: %w", i+1, err)
			}
			vals[i] = v
			b = b[l:]
		}
		return duckdb.SetChunkValue(*ch, col, row, vals)
	}
}

// pgPartitions returns the WHERE clauses of a read (one empty clause for
// an unpartitioned read).
func pgPartitions(cols []pgColumn, o ReadOptions) ([]string, error) {
	if o.PartitionColumn == "" {
		return []string{""}, nil
	}
	col, err := findColumn(cols, o.PartitionColumn, func(c pgColumn) string { return c.Name })
	if err != nil {
		return nil, err
	}
	if !col.partOK {
		return nil, fmt.Errorf("%w: partitionColumn %q has type %s; it must be numeric, date or timestamp", ErrBadOption, col.Name, col.SourceType)
	}
	lo, err := parseBound(col.bound, "lowerBound", o.LowerBound)
	if err != nil {
		return nil, err
	}
	hi, err := parseBound(col.bound, "upperBound", o.UpperBound)
	if err != nil {
		return nil, err
	}
	lit := boundLiteral(col.bound, col.tz)
	wheres, err := partitionWheres(quotePG(col.Name), col.bound, lo, hi, o.NumPartitions, lit)
	if err != nil || len(wheres) == 0 {
		return []string{""}, err
	}
	return wheres, nil
}

// findColumn matches a column name exactly, else case-insensitively when
// that is unambiguous (Spark's default resolution).
func findColumn[C any](cols []C, name string, nameOf func(C) string) (C, error) {
	var zero C
	var folded []C
	for _, c := range cols {
		if nameOf(c) == name {
			return c, nil
		}
		if strings.EqualFold(nameOf(c), name) {
			folded = append(folded, c)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = nameOf(c)
	}
	return zero, fmt.Errorf("%w: partitionColumn %q is not a column of the result (%s)", ErrBadOption, name, strings.Join(names, ", "))
}

func pgCopyQuery(cols []pgColumn, o ReadOptions, where string) string {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = c.selectExpr
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + pgFrom(o)
	if len(cols) == 0 {
		q = "SELECT FROM " + pgFrom(o)
	}
	if where != "" {
		q += " WHERE " + where
	}
	return "COPY (" + q + ") TO STDOUT (FORMAT binary)"
}

// pgRead streams the rows of o into the statement use runs.
func pgRead(ctx context.Context, c Config, o ReadOptions, duck *sql.Conn, use useFunc) (int64, []Column, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first, err := pgConnect(ctx, c)
	if err != nil {
		return 0, nil, 0, err
	}
	firstUsed := false
	defer func() {
		if !firstUsed {
			first.Close(context.Background())
		}
	}()
	cols, err := pgDescribe(ctx, first, c, o)
	if err != nil {
		return 0, nil, 0, err
	}
	if len(cols) == 0 {
		return 0, nil, 0, fmt.Errorf("read %s on %s: the result has no columns", describeFrom(o), c.where())
	}
	wheres, err := pgPartitions(cols, o)
	if err != nil {
		return 0, nil, 0, err
	}
	// A partitioned read sees one snapshot: the first connection exports
	// it and the others import it, so ranges read on different
	// connections never miss or repeat a row that moved meanwhile.
	snapshot := ""
	if len(wheres) > 1 {
		if _, err := first.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
			return 0, nil, 0, fmt.Errorf("read %s on %s: begin: %s", describeFrom(o), c.where(), pgError(err))
		}
		if err := first.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
			return 0, nil, 0, fmt.Errorf("read %s on %s: export snapshot: %s", describeFrom(o), c.where(), pgError(err))
		}
	}
	dcols := make([]duckColumn, len(cols))
	for i, col := range cols {
		dcols[i] = duckColumn{name: col.Name, info: col.info, expr: col.expr}
	}
	var mu sync.Mutex
	newWorker := func(ctx context.Context) (worker, error) {
		mu.Lock()
		if !firstUsed {
			firstUsed = true
			mu.Unlock()
			return &pgWorker{conn: first, cfg: c, cols: cols, opts: o, wheres: wheres}, nil
		}
		mu.Unlock()
		conn, err := pgConnect(ctx, c)
		if err != nil {
			return nil, err
		}
		if snapshot != "" {
			if _, err := conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
				conn.Close(context.Background())
				return nil, fmt.Errorf("read on %s: begin: %s", c.where(), pgError(err))
			}
			if _, err := conn.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snapshot+"'"); err != nil {
				conn.Close(context.Background())
				return nil, fmt.Errorf("read on %s: import snapshot: %s", c.where(), pgError(err))
			}
		}
		return &pgWorker{conn: conn, cfg: c, cols: cols, opts: o, wheres: wheres}, nil
	}
	threads := duckThreads(ctx, duck)
	done, n, err := pgLoadArrow(ctx, duck, cols, len(wheres), threads, newWorker, use)
	if !done {
		n, err = load(ctx, duck, dcols, len(wheres), threads, newWorker, use)
	}
	out := make([]Column, len(cols))
	for i, col := range cols {
		out[i] = col.Column
	}
	return n, out, len(wheres), err
}

type pgWorker struct {
	conn   *pgx.Conn
	cfg    Config
	cols   []pgColumn
	opts   ReadOptions
	wheres []string
}

func (w *pgWorker) close() error {
	return w.conn.Close(context.Background())
}

func (w *pgWorker) start(ctx context.Context, part int) (partReader, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := newBlockStream(ctx)
	r := &pgCopyReader{w: w, part: part, in: s, cancel: cancel, done: make(chan error, 1)}
	q := pgCopyQuery(w.cols, w.opts, w.wheres[part])
	go func() {
		_, err := w.conn.PgConn().CopyTo(ctx, s, q)
		s.finish(err)
	}()
	if err := r.header(); err != nil {
		cancel()
		return nil, r.wrap(err)
	}
	return r, nil
}

// pgCopyReader decodes a binary COPY stream into DuckDB chunks.
type pgCopyReader struct {
	w      *pgWorker
	part   int
	in     *blockStream
	cancel context.CancelFunc
	done   chan error
	rows   int64
	ended  bool
}

var pgCopySignature = []byte("PGCOPY\n\xff\r\n\x00")

func (r *pgCopyReader) header() error {
	b, err := r.in.next(len(pgCopySignature) + 8)
	if err != nil {
		return err
	}
	if string(b[:11]) != string(pgCopySignature) {
		return fmt.Errorf("COPY stream does not start with the binary signature")
	}
	ext := int(binary.BigEndian.Uint32(b[15:19]))
	if ext > 0 {
		if _, err := r.in.next(ext); err != nil {
			return err
		}
	}
	return nil
}

func (r *pgCopyReader) wrap(err error) error {
	where := ""
	if len(r.w.wheres) > 1 {
		where = fmt.Sprintf(" (partition %d of %d: %s)", r.part+1, len(r.w.wheres), r.w.wheres[r.part])
	}
	return fmt.Errorf("read %s on %s%s: %w", describeFrom(r.w.opts), r.w.cfg.where(), where, err)
}

func (r *pgCopyReader) fill(ch duckdb.DataChunk, max int) (int, error) {
	if r.ended {
		return 0, nil
	}
	ncols := len(r.w.cols)
	n := 0
	for n < max {
		b, err := r.in.next(2)
		if err != nil {
			return 0, r.wrap(err)
		}
		count := int(int16(binary.BigEndian.Uint16(b)))
		if count == -1 {
			r.ended = true
			break
		}
		if count != ncols {
			return 0, r.wrap(fmt.Errorf("COPY row has %d fields, expected %d", count, ncols))
		}
		for c := 0; c < ncols; c++ {
			b, err := r.in.next(4)
			if err != nil {
				return 0, r.wrap(err)
			}
			l := int(int32(binary.BigEndian.Uint32(b)))
			if l < 0 {
				if err := duckdb.SetChunkValue[any](ch, c, n, nil); err != nil {
					return 0, r.wrap(err)
				}
				continue
			}
			if b, err = r.in.next(l); err != nil {
				return 0, r.wrap(err)
			}
			if err := r.w.cols[c].set(&ch, c, n, b); err != nil {
				return 0, r.wrap(fmt.Errorf("row %d, column %q (%s): %w", r.rows+int64(n)+1, r.w.cols[c].Name, r.w.cols[c].SourceType, err))
			}
		}
		n++
	}
	r.rows += int64(n)
	return n, nil
}

func (r *pgCopyReader) close() error {
	defer r.cancel()
	if !r.ended {
		return nil
	}
	// Drain to learn how the COPY ended.
	if err := r.in.wait(); err != nil {
		return r.wrap(fmt.Errorf("%s", pgError(err)))
	}
	return nil
}

// blockStream carries COPY data from pgconn's writer goroutine to the
// decoder in large blocks: one channel hand-off per block, not per row.
type blockStream struct {
	ctx    context.Context
	full   chan []byte
	free   chan []byte
	cur    []byte
	result chan error

	buf     []byte // block being read
	pos     int
	scratch []byte
	waited  bool
	err     error // CopyTo's result, once waited
}

const blockSize = 1 << 20

func newBlockStream(ctx context.Context) *blockStream {
	return &blockStream{ctx: ctx, full: make(chan []byte, 4), free: make(chan []byte, 6), result: make(chan error, 1)}
}

// Write is called by pgconn for every CopyData message (one row).
func (s *blockStream) Write(p []byte) (int, error) {
	if len(s.cur)+len(p) > blockSize && len(s.cur) > 0 {
		if err := s.send(); err != nil {
			return 0, err
		}
	}
	if s.cur == nil {
		select {
		case s.cur = <-s.free:
			s.cur = s.cur[:0]
		default:
			s.cur = make([]byte, 0, blockSize)
		}
	}
	s.cur = append(s.cur, p...)
	return len(p), nil
}

func (s *blockStream) send() error {
	select {
	case s.full <- s.cur:
		s.cur = nil
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// finish is called once by the writer goroutine with CopyTo's result.
func (s *blockStream) finish(err error) {
	if err == nil && len(s.cur) > 0 {
		err = s.send()
	}
	s.result <- err
	close(s.full)
}

// next returns the next n bytes of the stream; the slice is valid until
// the following call.
func (s *blockStream) next(n int) ([]byte, error) {
	if s.pos+n <= len(s.buf) {
		b := s.buf[s.pos : s.pos+n]
		s.pos += n
		return b, nil
	}
	s.scratch = append(s.scratch[:0], s.buf[s.pos:]...)
	for len(s.scratch) < n {
		if !s.advance() {
			return nil, s.streamErr()
		}
		take := min(n-len(s.scratch), len(s.buf))
		s.scratch = append(s.scratch, s.buf[:take]...)
		s.pos = take
	}
	return s.scratch, nil
}

// advance moves to the next block; false when the stream has ended.
func (s *blockStream) advance() bool {
	if s.buf != nil {
		select {
		case s.free <- s.buf[:0]:
		default:
		}
	}
	b, ok := <-s.full
	if !ok {
		s.buf, s.pos = nil, 0
		return false
	}
	s.buf, s.pos = b, 0
	return true
}

func (s *blockStream) streamErr() error {
	if err := s.wait(); err != nil {
		return fmt.Errorf("%s", pgError(err))
	}
	return io.ErrUnexpectedEOF
}

// wait returns CopyTo's result once the writer has finished.
func (s *blockStream) wait() error {
	if !s.waited {
		for range s.full {
		}
		s.err, s.waited = <-s.result, true
	}
	return s.err
}
