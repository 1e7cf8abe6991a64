package lakehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/uuid"
	"github.com/twmb/avro/atype"

	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// DB runs SQL on a DuckDB database; *sql.DB and *sql.Conn satisfy it.
// Writes to bucket-partitioned tables register scalar functions, which needs
// a *sql.Conn: Write takes one from a *sql.DB, or uses db itself when it is
// a *sql.Conn.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// WriteMode says what a write does with the table's current data.
type WriteMode int

const (
	// Append adds the result's rows to the table.
	Append WriteMode = iota
	// Overwrite replaces all current rows with the result's rows.
	Overwrite
)

func (m WriteMode) String() string {
	if m == Overwrite {
		return "overwrite"
	}

	return "append"
}

// SortField is one column of a write's sort order.
type SortField struct {
	Column string
	Desc   bool
}

// WriteSpec says where and how Write writes.
type WriteSpec struct {
	Table TableName
	Mode  WriteMode
	// Partition is the partition spec on creation. On an existing table it
	// must equal the table's spec, or be empty to keep it.
	Partition []PartitionField
	// Sort orders the written rows; recorded as the table's sort order. Empty
	// keeps (and writes by) the table's sort order.
	Sort []SortField
	// Properties are set on the table (on creation and whenever they change).
	Properties  map[string]string
	Title       string
	Description string
	Tags        []string
	// MergeSchema lets an Append add the result's new columns to the table
	// (also enabled by the merge-schema=true property).
	MergeSchema bool
	// Branch writes to this branch instead of main; a missing branch is
	// created from the current main (issue: table operations, branches).
	Branch string
	// OverwriteDynamic makes an Overwrite replace only the partitions present
	// in the result (overwrite-mode: dynamic; issue: data replay).
	OverwriteDynamic bool
	// ColumnTags are tags per column name, kept with the table (issue: table
	// maintenance and metadata, column tags).
	ColumnTags map[string][]string
}

// WriteResult reports one write.
type WriteResult struct {
	Table      TableName
	Rows       int64
	Files      int
	Bytes      int64
	SnapshotID int64 // the table's current snapshot after the write
	Created    bool
	Duration   time.Duration
}

// targetFileSize is the size at which DuckDB starts a new data file.
const targetFileSize = "512MB"

// resultColumn is one column of the relation being written.
type resultColumn struct {
	name    string
	duck    string // DuckDB type as DESCRIBE prints it
	iceType iceberg.Type
}

// writePlan is what the COPY needs: the file schema (with final field ids),
// the select list, the partition helpers and the order.
type writePlan struct {
	schema  *iceberg.Schema
	selects []string
	helpers []helper
	orderBy []string
	sortID  int
	codec   string // Parquet compression
}

// PropCompression is Iceberg's table property for the Parquet codec.
const PropCompression = "write.parquet.compression-codec"

// compressionCodec returns the Parquet codec for a table's properties.
// The default is snappy, not Iceberg's zstd: measured here, zstd made the
// 1M-row benchmark write 23% slower for files about 15% smaller. Set the
// property to zstd for smaller files.
func compressionCodec(props map[string]string) (string, error) {
	c := strings.ToLower(props[PropCompression])
	switch c {
	case "":
		return "snappy", nil
	case "snappy", "zstd", "gzip", "uncompressed", "lz4", "brotli":
		return c, nil
	case "none":
		return "uncompressed", nil
	}
	return "", fmt.Errorf("%w: %s = %q (snappy, zstd, gzip, lz4, brotli, uncompressed)", ErrInvalidSpec, PropCompression, c)
}

// Write writes the rows of the DuckDB relation source (a view or table name
// in db, quoted as needed) to spec.Table in one atomic catalog commit,
// creating the table on first write. See docs/lakehouse.md for the rules.
func (l *Lakehouse) Write(ctx context.Context, db DB, source string, spec WriteSpec) (*WriteResult, error) {
	start := time.Now()
	res, err := l.write(ctx, db, source, spec)
	if err != nil {
		return nil, fmt.Errorf("write table %s: %w", spec.Table, err)
	}
	res.Duration = time.Since(start)
	l.log.Info("table written", "table", spec.Table.String(), "mode", spec.Mode.String(), "rows", res.Rows,
		"files", res.Files, "bytes", res.Bytes, "snapshot", res.SnapshotID, "created", res.Created, "duration", res.Duration)

	return res, nil
}

func (l *Lakehouse) write(ctx context.Context, db DB, source string, spec WriteSpec) (*WriteResult, error) {
	if err := spec.Table.validate(); err != nil {
		return nil, err
	}
	if spec.Mode != Append && spec.Mode != Overwrite {
		return nil, fmt.Errorf("%w: unknown write mode %d", ErrInvalidSpec, spec.Mode)
	}
	db, release, err := pinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()

	cols, err := describeRelation(ctx, db, source)
	if err != nil {
		return nil, err
	}
	tbl, err := l.LoadTable(ctx, spec.Table)
	switch {
	case errors.Is(err, ErrNoSuchTable):
		if err := newTableOnBranch(spec); err != nil { // refs.go
			return nil, err
		}
		return l.create(ctx, db, source, cols, spec)
	case err != nil:
		return nil, err
	}

	return l.writeExisting(ctx, db, source, cols, spec, tbl.tbl)
}

// pinConn returns a single connection of db for the write (scalar functions
// are registered per connection), and its release.
func pinConn(ctx context.Context, db DB) (DB, func(), error) {
	if c, ok := db.(interface {
		Conn(context.Context) (*sql.Conn, error)
	}); ok {
		conn, err := c.Conn(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("take a DuckDB connection: %w", err)
		}
		return conn, func() { _ = conn.Close() }, nil
	}

	return db, func() {}, nil
}

func describeRelation(ctx context.Context, db DB, source string) ([]resultColumn, error) {
	rows, err := db.QueryContext(ctx, "DESCRIBE SELECT * FROM "+source)
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", source, err)
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", source, err)
	}
	var out []resultColumn
	seen := map[string]bool{}
	ids := &idGen{}
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("describe %s: %w", source, err)
		}
		name, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		if seen[strings.ToLower(name)] {
			return nil, fmt.Errorf("%w: result has column %s twice (names are case-insensitive)", ErrSchemaMismatch, name)
		}
		seen[strings.ToLower(name)] = true
		dt, err := parseDuckType(typ)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		it, err := icebergType(dt, ids)
		if err != nil {
			return nil, fmt.Errorf("column %s of type %s: %w", name, typ, err)
		}
		out = append(out, resultColumn{name: name, duck: typ, iceType: it})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe %s: %w", source, err)
	}

	return out, nil
}

// selectAs renders "<source column> AS <target name>", cast to the DuckDB
// type of the target Iceberg type unless it already is that type.
func selectAs(src resultColumn, target iceberg.NestedField) (string, error) {
	dt, err := duckTypeOf(target.Type)
	if err != nil {
		return "", fmt.Errorf("column %s: %w", target.Name, err)
	}
	expr := quoteIdent(src.name)
	if !strings.EqualFold(src.duck, dt) {
		expr = "CAST(" + expr + " AS " + dt + ")"
	}

	return expr + " AS " + quoteIdent(target.Name), nil
}

func nullAs(target iceberg.NestedField) (string, error) {
	dt, err := duckTypeOf(target.Type)
	if err != nil {
		return "", fmt.Errorf("column %s: %w", target.Name, err)
	}

	return "CAST(NULL AS " + dt + ") AS " + quoteIdent(target.Name), nil
}

// tableProperties returns the properties a write sets on the table.
func tableProperties(spec WriteSpec) (iceberg.Properties, error) {
	props := iceberg.Properties{}
	maps.Copy(props, spec.Properties)
	if spec.Title != "" {
		props[PropTitle] = spec.Title
	}
	if spec.Description != "" {
		props[PropDescription] = spec.Description
	}
	if len(spec.Tags) > 0 {
		b, err := json.Marshal(spec.Tags)
		if err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		props[PropTags] = string(b)
	}

	return props, nil
}

func buildSortOrder(sorts []SortField, sc *iceberg.Schema) (table.SortOrder, error) {
	if len(sorts) == 0 {
		return table.UnsortedSortOrder, nil
	}
	fields := make([]table.SortField, len(sorts))
	for i, s := range sorts {
		f, ok := findColumn(sc, s.Column)
		if !ok {
			return table.SortOrder{}, fmt.Errorf("%w: sort column %s is not a column of the result", ErrInvalidSpec, s.Column)
		}
		fields[i] = table.SortField{SourceIDs: []int{f.ID}, Transform: iceberg.IdentityTransform{}, Direction: table.SortASC, NullOrder: table.NullsFirst}
		if s.Desc {
			fields[i].Direction, fields[i].NullOrder = table.SortDESC, table.NullsLast
		}
	}
	so, err := table.NewSortOrder(1, fields)
	if err != nil {
		return table.SortOrder{}, fmt.Errorf("%w: sort order: %w", ErrInvalidSpec, err)
	}

	return so, nil
}

// orderByOf renders a sort order as ORDER BY terms over the file schema.
func orderByOf(so table.SortOrder, sc *iceberg.Schema) []string {
	var out []string
	for _, f := range so.Fields() {
		if len(f.SourceIDs) == 0 {
			continue
		}
		name, ok := sc.FindColumnName(f.SourceIDs[0])
		if !ok || strings.Contains(name, ".") {
			continue
		}
		term := quoteIdent(name)
		if f.Direction == table.SortDESC {
			term += " DESC"
		} else {
			term += " ASC"
		}
		if f.NullOrder == table.NullsLast {
			term += " NULLS LAST"
		} else {
			term += " NULLS FIRST"
		}
		out = append(out, term)
	}

	return out
}

func (l *Lakehouse) create(ctx context.Context, db DB, source string, cols []resultColumn, spec WriteSpec) (*WriteResult, error) {
	fields := make([]iceberg.NestedField, len(cols))
	ids := &idGen{next: 1 << 20} // above the nested ids handed out by describeRelation
	for i, c := range cols {
		fields[i] = iceberg.NestedField{ID: ids.id(), Name: c.name, Type: c.iceType}
	}
	sc, err := iceberg.AssignFreshSchemaIDs(iceberg.NewSchema(0, fields...), nil)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	pspec, err := buildSpec(spec.Partition, sc)
	if err != nil {
		return nil, err
	}
	so, err := buildSortOrder(spec.Sort, sc)
	if err != nil {
		return nil, err
	}
	props, err := tableProperties(spec)
	if err != nil {
		return nil, err
	}
	props[table.PropertyFormatVersion] = "2"
	addCommitDefaults(props)                                          // write_commit.go
	if err := addColumnTags(props, sc, spec.ColumnTags); err != nil { // tags.go
		return nil, err
	}
	loc := l.tableLocation(spec.Table)
	// The metadata CreateTable will write, built here first: its field,
	// partition and sort order ids are the ones the files must carry.
	meta, err := table.NewMetadata(sc, &pspec, so, loc, props)
	if err != nil {
		return nil, fmt.Errorf("table metadata: %w", err)
	}
	sc, pspec, so = meta.CurrentSchema(), meta.PartitionSpec(), meta.SortOrder()

	plan := writePlan{schema: sc, orderBy: orderByOf(so, sc)}
	if !so.IsUnsorted() {
		plan.sortID = so.OrderID()
	}
	if plan.codec, err = compressionCodec(props); err != nil {
		return nil, err
	}
	for i, f := range sc.Fields() {
		s, err := selectAs(cols[i], f)
		if err != nil {
			return nil, err
		}
		plan.selects = append(plan.selects, s)
	}
	if plan.helpers, err = helperColumns(pspec, sc); err != nil {
		return nil, err
	}

	w := &fileWrite{spec: spec, writeID: uuid.NewString(), loc: loc, sc: sc, specID: pspec.ID(), blind: true}
	files, err := l.copyFiles(ctx, db, source, loc, w.writeID, plan)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Table: spec.Table, Created: true}
	fsys, err := iceio.LoadFS(ctx, props, loc)
	if err != nil {
		return w.fail(l, fmt.Errorf("table file system: %w", err))
	}
	if w.dfs, err = dataFiles(ctx, fsys, props, pspec, plan, files, res); err != nil {
		return w.fail(l, err)
	}
	if err := ctx.Err(); err != nil {
		return w.fail(l, err)
	}
	if err := l.ensureNamespace(ctx, spec.Table.Collection); err != nil {
		return w.fail(l, err)
	}
	base, err := l.cat.CreateTable(ctx, spec.Table.ident(), sc,
		catalog.WithLocation(loc), catalog.WithPartitionSpec(&pspec), catalog.WithSortOrder(so), catalog.WithProperties(props))
	switch {
	case errors.Is(err, catalog.ErrTableAlreadyExists):
		// Another writer created the table since we looked: write into it,
		// if it has the layout our files were written for. A table is never
		// dropped here: it may already hold that writer's commits.
		res.Created = false
		if base, err = l.cat.LoadTable(ctx, spec.Table.ident()); err != nil {
			return w.fail(l, fmt.Errorf("load the table another writer created: %w", err))
		}
		if why := layoutDiffers(base, sc, pspec); why != "" {
			return w.fail(l, fmt.Errorf("%w: table %s was created concurrently by another writer with %s; nothing was written, run the job again to write into the existing table: %w",
				ErrWriteConflict, spec.Table, why, ErrSchemaMismatch))
		}
		l.log.Info("table was created concurrently by another writer; writing into it", "table", spec.Table.String())
	case err != nil:
		return w.fail(l, fmt.Errorf("create table: %w", err))
	case !sameIDs(base.Schema(), sc):
		// Cannot happen (CreateTable assigns ids as NewMetadata did); the
		// empty table stays for the next write to fill.
		return w.fail(l, fmt.Errorf("catalog assigned field ids %s, files were written with %s", base.Schema(), sc))
	}
	committed, err := l.commitWrite(ctx, base, w)
	if err != nil {
		return nil, err
	}
	res.SnapshotID = branchHead(committed, "")

	return res, nil
}

// layoutDiffers says how an existing table's schema or partition spec
// differs from the ones a write's files were written for ("" when they
// agree).
func layoutDiffers(tbl *table.Table, sc *iceberg.Schema, spec iceberg.PartitionSpec) string {
	if !sameIDs(tbl.Schema(), sc) {
		return fmt.Sprintf("another schema (table: %s; this write: %s)", columnList(tbl.Schema()), columnList(sc))
	}
	if have := tbl.Spec(); have.ID() != spec.ID() || !have.Equals(spec) {
		return fmt.Sprintf("another partition spec (table: %s; this write: %s)", have, spec)
	}
	return ""
}

func columnList(sc *iceberg.Schema) string {
	parts := make([]string, 0, len(sc.Fields()))
	for _, f := range sc.Fields() {
		parts = append(parts, f.Name+" "+f.Type.String())
	}
	return strings.Join(parts, ", ")
}

func snapshotProps(writeID string) iceberg.Properties {
	return iceberg.Properties{"flare.write-id": writeID}
}

// schemaEvolution is what a write changes in the table's schema.
type schemaEvolution struct {
	add     []resultColumn
	promote map[string]iceberg.Type // table column -> wider type
	drop    []string
}

func (ev schemaEvolution) empty() bool { return len(ev.add)+len(ev.promote)+len(ev.drop) == 0 }

// apply stages the changes in txn.
func (ev schemaEvolution) apply(txn *table.Transaction) error {
	if ev.empty() {
		return nil
	}
	us := txn.UpdateSchema(false, false)
	for _, name := range ev.drop {
		us.DeleteColumn([]string{name})
	}
	for _, name := range slices.Sorted(maps.Keys(ev.promote)) {
		us.UpdateColumn([]string{name}, table.ColumnUpdate{FieldType: iceberg.Optional[iceberg.Type]{Val: ev.promote[name], Valid: true}})
	}
	for _, c := range ev.add {
		us.AddColumn([]string{c.name}, c.iceType, "", false, nil)
	}
	if err := us.Commit(); err != nil {
		return fmt.Errorf("%w: evolve schema: %w", ErrSchemaMismatch, err)
	}
	return nil
}

// evolutionFor matches a write's result columns to the table's schema and
// returns the schema changes the write makes, or ErrSchemaMismatch.
func evolutionFor(tbl *table.Table, cols []resultColumn, spec WriteSpec) (schemaEvolution, error) {
	tsc := tbl.Schema()
	merge := spec.MergeSchema || spec.Properties[PropMergeSchema] == "true" || tbl.Properties()[PropMergeSchema] == "true"
	byName := map[string]resultColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.name)] = c
	}
	inTable := map[string]bool{}
	var problems []string
	ev := schemaEvolution{promote: map[string]iceberg.Type{}}
	for _, f := range tsc.Fields() {
		inTable[strings.ToLower(f.Name)] = true
		c, ok := byName[strings.ToLower(f.Name)]
		if !ok {
			switch {
			case spec.Mode == Overwrite && !spec.OverwriteDynamic: // dynamic: other partitions keep the column
				ev.drop = append(ev.drop, f.Name)
			case f.Required:
				problems = append(problems, fmt.Sprintf("column %s is required by the table but missing from the result", f.Name))
			}
			continue
		}
		if typeFit(c.iceType, f.Type) != fitNone {
			continue
		}
		if spec.Mode == Overwrite && typeFit(f.Type, c.iceType) == fitCast {
			ev.promote[f.Name] = c.iceType
			continue
		}
		problems = append(problems, fmt.Sprintf("column %s: table has %s, result has %s", f.Name, f.Type, c.iceType))
	}
	for _, c := range cols {
		if inTable[strings.ToLower(c.name)] {
			continue
		}
		if spec.Mode == Overwrite || merge {
			ev.add = append(ev.add, c)
			continue
		}
		problems = append(problems, fmt.Sprintf("result has column %s that table %s does not have (set merge-schema to add it)", c.name, spec.Table))
	}
	if len(problems) > 0 {
		return ev, fmt.Errorf("%w: %s", ErrSchemaMismatch, strings.Join(problems, "; "))
	}
	return ev, nil
}

func (l *Lakehouse) writeExisting(ctx context.Context, db DB, source string, cols []resultColumn, spec WriteSpec, tbl *table.Table) (*WriteResult, error) {
	ev, err := evolutionFor(tbl, cols, spec)
	if err != nil {
		return nil, err
	}
	tbl, err = l.ensureBranch(ctx, tbl, spec) // refs.go: a missing branch is created from main
	if err != nil {
		return nil, err
	}
	// Stage the table changes once to learn the layout the files must
	// have (field ids after evolution, partition spec, sort order); the
	// commit stages them again on whatever table it commits to.
	txn, err := tbl.NewTransactionOnBranchWithError(branchOrMain(spec.Branch))
	if err != nil {
		return nil, fmt.Errorf("%w: branch %s: %w", ErrInvalidSpec, spec.Branch, err)
	}
	if err := ev.apply(txn); err != nil {
		return nil, err
	}
	if !ev.empty() {
		l.log.Info("evolving table schema", "table", spec.Table.String(), "add", len(ev.add), "promote", len(ev.promote), "drop", ev.drop)
	}
	if evolved, err := evolvePartitionForWrite(txn, spec.Partition); err != nil { // evolve.go
		return nil, err
	} else if evolved {
		l.log.Info("evolving table partition spec", "table", spec.Table.String())
	}
	props, err := tableProperties(spec)
	if err != nil {
		return nil, err
	}
	if err := txn.SetProperties(props); err != nil {
		return nil, fmt.Errorf("set properties: %w", err)
	}
	so := tbl.SortOrder()
	if len(spec.Sort) > 0 {
		staged, err := txn.StagedTable()
		if err != nil {
			return nil, fmt.Errorf("stage schema: %w", err)
		}
		if so, err = buildSortOrder(spec.Sort, staged.Schema()); err != nil {
			return nil, err
		}
		if err := txn.ReplaceSortOrder(so); err != nil {
			return nil, fmt.Errorf("sort order: %w", err)
		}
	}
	staged, err := txn.StagedTable()
	if err != nil {
		return nil, fmt.Errorf("stage schema: %w", err)
	}
	sc, pspec := staged.Schema(), staged.Spec()
	if err := setColumnTags(txn, staged.Table, spec.ColumnTags); err != nil { // tags.go: checks the columns exist
		return nil, err
	}

	plan := writePlan{schema: sc, orderBy: orderByOf(so, sc)}
	if plan.codec, err = compressionCodec(staged.Properties()); err != nil {
		return nil, err
	}
	if !so.IsUnsorted() {
		plan.sortID = staged.SortOrder().OrderID()
	}
	byName := map[string]resultColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.name)] = c
	}
	for _, f := range sc.Fields() {
		var s string
		if c, ok := byName[strings.ToLower(f.Name)]; ok {
			s, err = selectAs(c, f)
		} else {
			s, err = nullAs(f)
		}
		if err != nil {
			return nil, err
		}
		plan.selects = append(plan.selects, s)
	}
	if plan.helpers, err = helperColumns(pspec, sc); err != nil {
		return nil, err
	}

	w := &fileWrite{spec: spec, writeID: uuid.NewString(), loc: localPath(tbl.Location()), sc: sc, specID: pspec.ID(), ev: ev,
		baseID: branchHead(tbl, spec.Branch)}
	files, err := l.copyFiles(ctx, db, source, w.loc, w.writeID, plan)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Table: spec.Table}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return w.fail(l, fmt.Errorf("table file system: %w", err))
	}
	if w.dfs, err = dataFiles(ctx, fsys, staged.Properties(), pspec, plan, files, res); err != nil {
		return w.fail(l, err)
	}
	if spec.Mode == Overwrite {
		if err := w.planOverwrite(ctx, tbl, staged.Metadata()); err != nil { // write_commit.go
			return w.fail(l, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return w.fail(l, err)
	}
	committed, err := l.commitWrite(ctx, tbl, w)
	if err != nil {
		return nil, err
	}
	res.SnapshotID = branchHead(committed, spec.Branch)

	return res, nil
}

// stagedFile is one file DuckDB's COPY reported.
type stagedFile struct {
	path      string
	rows      int64
	bytes     int64
	partition []any // helper values in helper order; nil for NULL
}

// copyFiles runs the COPY that writes the data files of a write into
// <loc>/data/<partition folders>/<writeID>-<uuid>.parquet and returns them.
// On failure it removes what it wrote.
func (l *Lakehouse) copyFiles(ctx context.Context, db DB, source, loc, writeID string, plan writePlan) ([]stagedFile, error) {
	for _, h := range plan.helpers {
		if _, ok := h.field.Transform.(iceberg.BucketTransform); ok {
			conn, ok := db.(*sql.Conn)
			if !ok {
				return nil, fmt.Errorf("bucket partitioning needs a *sql.Conn or *sql.DB to register its hash function, got %T", db)
			}
			if err := RegisterBucketFunctions(ctx, conn); err != nil {
				return nil, err
			}
			break
		}
	}
	dataDir := filepath.Join(loc, "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	inner := "SELECT " + strings.Join(plan.selects, ", ") + " FROM " + source
	outer := "SELECT *"
	var partBy []string
	for _, h := range plan.helpers {
		outer += ", " + h.expr + " AS " + quoteIdent(h.column)
		partBy = append(partBy, quoteIdent(h.column))
	}
	outer += " FROM (" + inner + ") AS __flare_write"
	if len(plan.orderBy) > 0 {
		outer += " ORDER BY " + strings.Join(plan.orderBy, ", ")
	}
	opts := []string{
		"FORMAT parquet",
		"COMPRESSION " + plan.codec,
		"FIELD_IDS " + fieldIDsLiteral(plan.schema),
		"FILENAME_PATTERN " + quoteString(writeID+"-{uuid}"),
		"APPEND",
		"RETURN_STATS",
	}
	if len(partBy) > 0 {
		// DuckDB cannot combine FILE_SIZE_BYTES with PARTITION_BY: one file per
		// partition and thread.
		opts = append(opts, "PARTITION_BY ("+strings.Join(partBy, ", ")+")")
	} else {
		opts = append(opts, "FILE_SIZE_BYTES "+quoteString(targetFileSize))
	}
	q := "COPY (" + outer + ") TO " + quoteString(dataDir) + " (" + strings.Join(opts, ", ") + ")"
	l.log.Debug("writing data files", "sql", q)

	files, err := readCopyStats(ctx, db, q, plan.helpers)
	if err != nil {
		removeStaged(loc, writeID, l.log)
		return nil, fmt.Errorf("write data files: %w", err)
	}
	crashpoint.Hit(crashpoint.FilesWritten)
	kept := files[:0]
	for _, f := range files {
		if f.rows == 0 {
			_ = os.Remove(f.path)
			continue
		}
		kept = append(kept, f)
	}

	return kept, nil
}

func readCopyStats(ctx context.Context, db DB, q string, helpers []helper) ([]stagedFile, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, n := range names {
		idx[n] = i
	}
	for _, n := range []string{"filename", "count", "file_size_bytes", "partition_keys"} {
		if _, ok := idx[n]; !ok {
			return nil, fmt.Errorf("COPY ... RETURN_STATS did not return column %s (got %v)", n, names)
		}
	}
	var out []stagedFile
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		f := stagedFile{path: fmt.Sprint(vals[idx["filename"]]), rows: toInt64(vals[idx["count"]]), bytes: toInt64(vals[idx["file_size_bytes"]])}
		if len(helpers) > 0 {
			keys := map[string]any{}
			if m, ok := vals[idx["partition_keys"]].(duckdb.OrderedMap); ok {
				ks, vs := m.Keys(), m.Values()
				for i := range ks {
					keys[fmt.Sprint(ks[i])] = vs[i]
				}
			}
			for _, h := range helpers {
				v, ok := keys[h.column]
				if !ok {
					return nil, fmt.Errorf("file %s: no value for partition %s in COPY stats", f.path, h.column)
				}
				f.partition = append(f.partition, v)
			}
		}
		out = append(out, f)
	}

	return out, rows.Err()
}

func toInt64(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case uint64:
		return int64(v)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	}

	return 0
}

// removeStaged deletes, best effort, the files a write staged under
// <loc>/data (their names start with the write id).
func removeStaged(loc, writeID string, log interface {
	Warn(string, ...any)
}) {
	root := filepath.Join(loc, "data")
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // best effort
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), writeID+"-") {
			if rerr := os.Remove(p); rerr != nil {
				log.Warn("could not remove staged file", "path", p, "err", rerr)
			}
		}
		return nil
	})
}

// dataFiles builds the Iceberg DataFiles of the staged files: statistics from
// the Parquet footers (through iceberg-go), partition values from the helper
// columns. It fills res's counters.
func dataFiles(ctx context.Context, fsys iceio.IO, props iceberg.Properties, spec iceberg.PartitionSpec, plan writePlan, files []stagedFile, res *WriteResult) ([]iceberg.DataFile, error) {
	sc := plan.schema
	logical := map[int]string{}
	for i := range spec.NumFields() {
		pf := spec.Field(i)
		src, ok := sc.FindFieldByID(pf.SourceID())
		if !ok {
			continue
		}
		switch pf.Transform.ResultType(src.Type).(type) {
		case iceberg.DateType:
			logical[pf.FieldID] = atype.Date
		case iceberg.TimeType:
			logical[pf.FieldID] = atype.TimeMicros
		case iceberg.TimestampType, iceberg.TimestampTzType:
			logical[pf.FieldID] = atype.TimestampMicros
		case iceberg.DecimalType:
			logical[pf.FieldID] = atype.Decimal
		case iceberg.UUIDType:
			logical[pf.FieldID] = atype.UUID
		}
	}
	out := make([]iceberg.DataFile, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = dataFile(ctx, fsys, sc, spec, plan, f, logical, props)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, f := range files {
		res.Rows += f.rows
		res.Bytes += f.bytes
	}
	res.Files = len(files)

	return out, nil
}

func dataFile(ctx context.Context, fsys iceio.IO, sc *iceberg.Schema, spec iceberg.PartitionSpec, plan writePlan, f stagedFile, logical map[int]string, props iceberg.Properties) (iceberg.DataFile, error) {
	stats, err := table.FileToDataFile(ctx, fsys, f.path, sc, *iceberg.UnpartitionedSpec, 0, props)
	if err != nil {
		return nil, fmt.Errorf("read statistics of %s: %w", f.path, err)
	}
	crashpoint.Hit(crashpoint.StatsRead)
	pv := map[int]any{}
	for i, h := range plan.helpers {
		v, err := partitionValue(h, f.partition[i])
		if err != nil {
			return nil, fmt.Errorf("file %s: %w", f.path, err)
		}
		// helpers follow the spec's field order; the committed spec's ids win
		pv[spec.Field(i).FieldID] = v
	}
	b, err := iceberg.NewDataFileBuilder(spec, iceberg.EntryContentData, f.path, iceberg.ParquetFile,
		pv, logical, nil, stats.Count(), stats.FileSizeBytes())
	if err != nil {
		return nil, fmt.Errorf("data file %s: %w", f.path, err)
	}
	b.ColumnSizes(stats.ColumnSizes()).ValueCounts(stats.ValueCounts()).NullValueCounts(stats.NullValueCounts()).
		NaNValueCounts(stats.NaNValueCounts()).LowerBoundValues(stats.LowerBoundValues()).
		UpperBoundValues(stats.UpperBoundValues()).SplitOffsets(slices.Clone(stats.SplitOffsets()))
	if plan.sortID > 0 {
		b.SortOrderID(plan.sortID)
	}

	return b.Build(), nil
}

// sameIDs reports whether two schemas have the same fields with the same ids.
func sameIDs(a, b *iceberg.Schema) bool {
	as, bs := a.AsStruct(), b.AsStruct()
	return (&as).String() == (&bs).String()
}
