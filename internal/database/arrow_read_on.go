//go:build duckdb_arrow

package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/uuid"
)

// arrowBatchRows is the number of rows per Arrow record batch handed to
// DuckDB.
const arrowBatchRows = 65536

// pgArrowColumn is how one PostgreSQL column is built into Arrow.
type pgArrowColumn struct {
	typ arrow.DataType
	// expr converts the imported column when Arrow has no exact type for
	// it (uuid and timetz arrive as text, json as text).
	expr string
	// add appends a non-NULL binary value to the column's builder.
	add func(bld array.Builder) func(b []byte) error
}

// pgLoadArrow is load for PostgreSQL reads when built with duckdb_arrow:
// one goroutine per connection decodes its ranges' COPY streams into Arrow
// record batches, and DuckDB imports the batches from one stream. It uses
// about half the CPU of the table function (strings and values are not
// handed to DuckDB one cgo call at a time). false means a column type is
// not covered and the caller uses the table function.
func pgLoadArrow(ctx context.Context, duck *sql.Conn, cols []pgColumn, parts, threads int, newWorker func(context.Context) (worker, error), use useFunc) (bool, int64, error) {
	acols := make([]pgArrowColumn, len(cols))
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		ac, ok := pgArrowFor(c)
		if !ok {
			return false, 0, nil
		}
		acols[i] = ac
		fields[i] = arrow.Field{Name: c.Name, Type: ac.typ, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan arrow.RecordBatch, 2)
	var (
		next    atomic.Int64
		rows    atomic.Int64
		mu      sync.Mutex
		first   error
		wg      sync.WaitGroup
		workers []worker
	)
	// Connections close only when every range is read: the first one holds
	// the exported snapshot the others import.
	defer func() {
		for _, w := range workers {
			w.close()
		}
	}()
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for w := 0; w < max(1, min(parts, threads)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk, err := newWorker(ctx)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			workers = append(workers, wk)
			mu.Unlock()
			bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer bld.Release()
			adds := make([]func([]byte) error, len(cols))
			for i := range cols {
				adds[i] = acols[i].add(bld.Field(i))
			}
			for {
				p := int(next.Add(1) - 1)
				if p >= parts {
					return
				}
				pr, err := wk.start(ctx, p)
				if err != nil {
					fail(err)
					return
				}
				r := pr.(*pgCopyReader)
				n, err := r.fillArrow(ctx, bld, adds, batches)
				rows.Add(n)
				if err == nil {
					err = r.close()
				}
				if err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(batches)
	}()
	rr := &chanReader{schema: schema, batches: batches, err: func() error {
		mu.Lock()
		defer mu.Unlock()
		return first
	}}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = quoteDuck(c.Name)
		if acols[i].expr != "" {
			sel[i] = fmt.Sprintf(acols[i].expr, sel[i]) + " AS " + quoteDuck(c.Name)
		}
	}
	view := "__flare_database_arrow_" + randomSuffix()
	var release func()
	err := duck.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(rr, view)
		return err
	})
	if err == nil {
		err = use(ctx, "(SELECT "+strings.Join(sel, ", ")+" FROM "+quoteDuck(view)+")")
		_, _ = duck.ExecContext(context.Background(), "DROP VIEW IF EXISTS "+quoteDuck(view))
		release()
	}
	cancel()
	for b := range batches { // let the decoders finish
		b.Release()
	}
	wg.Wait()
	if first != nil {
		return true, 0, first
	}
	if err != nil {
		return true, 0, err
	}
	return true, rows.Load(), nil
}

// fillArrow decodes the rest of a COPY stream into record batches.
func (r *pgCopyReader) fillArrow(ctx context.Context, bld *array.RecordBuilder, adds []func([]byte) error, out chan<- arrow.RecordBatch) (int64, error) {
	ncols := len(adds)
	var n, pending int64
	send := func() error {
		if pending == 0 {
			return nil
		}
		rec := bld.NewRecordBatch()
		pending = 0
		select {
		case out <- rec:
			return nil
		case <-ctx.Done():
			rec.Release()
			return ctx.Err()
		}
	}
	for {
		b, err := r.in.next(2)
		if err != nil {
			return n, r.wrap(err)
		}
		count := int(int16(binary.BigEndian.Uint16(b)))
		if count == -1 {
			r.ended = true
			return n, send()
		}
		if count != ncols {
			return n, r.wrap(fmt.Errorf("COPY row has %d fields, expected %d", count, ncols))
		}
		for c := 0; c < ncols; c++ {
			b, err := r.in.next(4)
			if err != nil {
				return n, r.wrap(err)
			}
			l := int(int32(binary.BigEndian.Uint32(b)))
			if l < 0 {
				bld.Field(c).AppendNull()
				continue
			}
			if b, err = r.in.next(l); err != nil {
				return n, r.wrap(err)
			}
			if err := adds[c](b); err != nil {
				return n, r.wrap(fmt.Errorf("row %d, column %q (%s): %w", r.rows+1, r.w.cols[c].Name, r.w.cols[c].SourceType, err))
			}
		}
		r.rows++
		n++
		pending++
		if pending == arrowBatchRows {
			if err := send(); err != nil {
				return n, err
			}
		}
	}
}

// chanReader is the array.RecordReader DuckDB imports: the batches the
// decoders produce, in the order they arrive.
type chanReader struct {
	schema  *arrow.Schema
	batches <-chan arrow.RecordBatch
	cur     arrow.RecordBatch
	err     func() error
	done    bool
	again   error
}

func (c *chanReader) Retain()                        {}
func (c *chanReader) Release()                       {}
func (c *chanReader) Schema() *arrow.Schema          { return c.schema }
func (c *chanReader) Record() arrow.RecordBatch      { return c.cur }
func (c *chanReader) RecordBatch() arrow.RecordBatch { return c.cur }
func (c *chanReader) Err() error {
	if c.again != nil {
		return c.again
	}
	return c.err()
}

func (c *chanReader) Next() bool {
	if c.cur != nil {
		c.cur.Release()
		c.cur = nil
	}
	if c.done {
		// DuckDB asks again only when a statement scans the rows twice.
		c.again = errScannedTwice
		return false
	}
	b, ok := <-c.batches
	if !ok || c.err() != nil {
		if ok {
			b.Release()
		}
		c.done = true
		return false
	}
	c.cur = b
	return true
}

// pgArrowFor maps a column to its Arrow type and appender.
func pgArrowFor(c pgColumn) (pgArrowColumn, bool) {
	if c.text {
		if strings.HasSuffix(c.DuckType, "[]") {
			return pgArrowList(oidText, -1)
		}
		return pgArrowScalar(oidText, -1)
	}
	if elem, ok := pgArrayElem[c.base]; ok {
		return pgArrowList(elem, c.baseMod)
	}
	return pgArrowScalar(c.base, c.baseMod)
}

func pgArrowList(elem uint32, typmod int32) (pgArrowColumn, bool) {
	e, ok := pgArrowScalar(elem, typmod)
	if !ok {
		return pgArrowColumn{}, false
	}
	ac := pgArrowColumn{typ: arrow.ListOf(e.typ)}
	if e.expr != "" {
		switch e.expr {
		case exprJSON:
			ac.expr = exprJSONList
		case "CAST(%s AS UUID)":
			ac.expr = "CAST(%s AS UUID[])"
		case "CAST(%s AS TIMETZ)":
			ac.expr = "CAST(%s AS TIMETZ[])"
		}
	}
	ac.add = func(bld array.Builder) func([]byte) error {
		lb := bld.(*array.ListBuilder)
		add := e.add(lb.ValueBuilder())
		vb := lb.ValueBuilder()
		return func(b []byte) error {
			if len(b) < 12 {
				return fmt.Errorf("array value of %d bytes", len(b))
			}
			ndim := int(int32(binary.BigEndian.Uint32(b)))
			b = b[12:]
			if ndim == 0 {
				lb.Append(true)
				return nil
			}
			if ndim != 1 {
				return fmt.Errorf("a %d-dimensional array cannot be carried into a DuckDB list; unnest it or cast it in a query", ndim)
			}
			n := int(int32(binary.BigEndian.Uint32(b)))
			b = b[8:]
			lb.Append(true)
			for i := 0; i < n; i++ {
				l := int(int32(binary.BigEndian.Uint32(b)))
				b = b[4:]
				if l < 0 {
					vb.AppendNull()
					continue
				}
				if err := add(b[:l]); err != nil {
					return fmt.Errorf("array element %d: %w", i+1, err)
				}
				b = b[l:]
			}
			return nil
		}
	}
	return ac, true
}

func pgArrowScalar(oid uint32, typmod int32) (pgArrowColumn, bool) {
	switch oid {
	case oidBool:
		return pgArrowColumn{typ: arrow.FixedWidthTypes.Boolean, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.BooleanBuilder)
			return func(b []byte) error { x.Append(b[0] != 0); return nil }
		}}, true
	case oidInt2:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Int16, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Int16Builder)
			return func(b []byte) error { x.Append(int16(binary.BigEndian.Uint16(b))); return nil }
		}}, true
	case oidInt4:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Int32, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Int32Builder)
			return func(b []byte) error { x.Append(int32(binary.BigEndian.Uint32(b))); return nil }
		}}, true
	case oidInt8:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Int64, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Int64Builder)
			return func(b []byte) error { x.Append(int64(binary.BigEndian.Uint64(b))); return nil }
		}}, true
	case oidOID:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Uint32, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Uint32Builder)
			return func(b []byte) error { x.Append(binary.BigEndian.Uint32(b)); return nil }
		}}, true
	case oidFloat4:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Float32, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Float32Builder)
			return func(b []byte) error { x.Append(math.Float32frombits(binary.BigEndian.Uint32(b))); return nil }
		}}, true
	case oidFloat8:
		return pgArrowColumn{typ: arrow.PrimitiveTypes.Float64, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Float64Builder)
			return func(b []byte) error { x.Append(math.Float64frombits(binary.BigEndian.Uint64(b))); return nil }
		}}, true
	case oidText, oidVarchar, oidBPChar, oidName, oidJSON:
		ac := pgArrowColumn{typ: arrow.BinaryTypes.String, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.StringBuilder)
			return func(b []byte) error { x.BinaryBuilder.Append(b); return nil }
		}}
		if oid == oidJSON {
			ac.expr = exprJSON
		}
		return ac, true
	case oidJSONB:
		return pgArrowColumn{typ: arrow.BinaryTypes.String, expr: exprJSON, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.StringBuilder)
			return func(b []byte) error {
				if len(b) == 0 || b[0] != 1 {
					return fmt.Errorf("jsonb binary version %v is not 1", b[:min(1, len(b))])
				}
				x.BinaryBuilder.Append(b[1:])
				return nil
			}
		}}, true
	case oidBytea:
		return pgArrowColumn{typ: arrow.BinaryTypes.Binary, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.BinaryBuilder)
			return func(b []byte) error { x.Append(b); return nil }
		}}, true
	case oidUUID:
		return pgArrowColumn{typ: arrow.BinaryTypes.String, expr: "CAST(%s AS UUID)", add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.StringBuilder)
			var buf [36]byte
			return func(b []byte) error {
				u, err := uuid.FromBytes(b)
				if err != nil {
					return err
				}
				hexUUID(buf[:], u)
				x.BinaryBuilder.Append(buf[:])
				return nil
			}
		}}, true
	case oidDate:
		return pgArrowColumn{typ: arrow.FixedWidthTypes.Date32, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Date32Builder)
			return func(b []byte) error {
				d := int32(binary.BigEndian.Uint32(b))
				if d == math.MaxInt32 || d == math.MinInt32 {
					return fmt.Errorf("date %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(d < 0))
				}
				x.Append(arrow.Date32(d + 10957))
				return nil
			}
		}}, true
	case oidTimestamp, oidTimestampTZ:
		typ := &arrow.TimestampType{Unit: arrow.Microsecond}
		if oid == oidTimestampTZ {
			typ.TimeZone = "UTC"
		}
		return pgArrowColumn{typ: typ, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.TimestampBuilder)
			return func(b []byte) error {
				us := int64(binary.BigEndian.Uint64(b))
				if us == math.MaxInt64 || us == math.MinInt64 {
					return fmt.Errorf("timestamp %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(us < 0))
				}
				x.Append(arrow.Timestamp(us + pgEpochMicros))
				return nil
			}
		}}, true
	case oidTime:
		return pgArrowColumn{typ: arrow.FixedWidthTypes.Time64us, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Time64Builder)
			return func(b []byte) error {
				us := int64(binary.BigEndian.Uint64(b))
				if us >= 86_400_000_000 {
					return fmt.Errorf("time 24:00:00 cannot be carried into DuckDB exactly")
				}
				x.Append(arrow.Time64(us))
				return nil
			}
		}}, true
	case oidTimeTZ:
		return pgArrowColumn{typ: arrow.BinaryTypes.String, expr: "CAST(%s AS TIMETZ)", add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.StringBuilder)
			return func(b []byte) error {
				v, err := timeTZValue(b)
				if err != nil {
					return err
				}
				x.Append(v.(time.Time).Format("15:04:05.999999-07:00"))
				return nil
			}
		}}, true
	case oidInterval:
		return pgArrowColumn{typ: arrow.FixedWidthTypes.MonthDayNanoInterval, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.MonthDayNanoIntervalBuilder)
			return func(b []byte) error {
				us := int64(binary.BigEndian.Uint64(b[:8]))
				if us > math.MaxInt64/1000 || us < math.MinInt64/1000 {
					return fmt.Errorf("interval of %d microseconds is too long for Arrow's nanoseconds", us)
				}
				x.Append(arrow.MonthDayNanoInterval{Months: int32(binary.BigEndian.Uint32(b[12:16])), Days: int32(binary.BigEndian.Uint32(b[8:12])), Nanoseconds: us * 1000})
				return nil
			}
		}}, true
	case oidNumeric:
		sc, ok, err := pgScalarFor(oidNumeric, typmod)
		if err != nil || !ok {
			return pgArrowColumn{}, false
		}
		var p, s int
		fmt.Sscanf(sc.duck, "DECIMAL(%d,%d)", &p, &s)
		return pgArrowColumn{typ: &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, add: func(bld array.Builder) func([]byte) error {
			x := bld.(*array.Decimal128Builder)
			if p <= 18 {
				return func(b []byte) error {
					v, err := numericToInt64(b, p, s)
					if err != nil {
						return err
					}
					x.Append(decimal128.FromI64(v))
					return nil
				}
			}
			return func(b []byte) error {
				v, err := numericToBig(b, p, s)
				if err != nil {
					return err
				}
				x.Append(decimal128.FromBigInt(v))
				return nil
			}
		}}, true
	}
	return pgArrowColumn{}, false
}

// hexUUID writes the canonical text of a UUID into dst (36 bytes).
func hexUUID(dst []byte, u uuid.UUID) {
	const hexd = "0123456789abcdef"
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst[j] = '-'
			j++
		}
		dst[j], dst[j+1] = hexd[c>>4], hexd[c&15]
		j += 2
	}
}
