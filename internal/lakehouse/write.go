package lakehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
	"github.com/google/uuid"
)

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
	// State is job state committed with the rows (stream offsets,
	// incremental keys): commit.State, keys under commit.StatePrefix. A
	// write with State commits even when it has no rows.
	State *commit.State `json:",omitempty"`
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
	if err := spec.State.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
	}
	db, release, err := datafile.PinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()

	cols, err := datafile.DescribeRelation(ctx, db, source)
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
		f, ok := datafile.FindColumn(sc, s.Column)
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

func (l *Lakehouse) create(ctx context.Context, db DB, source string, cols []datafile.ResultColumn, spec WriteSpec) (*WriteResult, error) {
	fields := make([]iceberg.NestedField, len(cols))
	for i, c := range cols {
		// above the nested ids DescribeRelation handed out; reassigned below
		fields[i] = iceberg.NestedField{ID: 1<<20 + i + 1, Name: c.Name, Type: c.Type}
	}
	sc, err := iceberg.AssignFreshSchemaIDs(iceberg.NewSchema(0, fields...), nil)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	pspec, err := datafile.BuildSpec(spec.Partition, sc)
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
	commit.AddDefaults(props)                                         // retry settings the commit path (and other engines) read
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

	plan := datafile.Plan{Schema: sc, OrderBy: datafile.SortOrderSQL(so, sc)}
	if !so.IsUnsorted() {
		plan.SortID = so.OrderID()
	}
	if plan.Codec, err = datafile.CompressionCodec(props); err != nil {
		return nil, err
	}
	for i, f := range sc.Fields() {
		s, err := datafile.SelectAs(cols[i], f)
		if err != nil {
			return nil, err
		}
		plan.Selects = append(plan.Selects, s)
	}
	if plan.Helpers, err = datafile.HelperColumns(pspec, sc); err != nil {
		return nil, err
	}

	w := &fileWrite{spec: spec, writeID: uuid.NewString(), loc: localPath(loc), sc: sc, specID: pspec.ID(), blind: true}
	files, err := datafile.Copy(ctx, db, source, w.loc, w.writeID, plan, l.log)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Table: spec.Table, Created: true}
	var fsys iceio.IO = iceio.LocalFS{} // on object storage, statistics are read from the staged copies
	if !datafile.IsRemote(loc) {
		if fsys, err = iceio.LoadFS(ctx, props, loc); err != nil {
			return w.fail(l, fmt.Errorf("table file system: %w", err))
		}
	}
	res.Files, res.Rows, res.Bytes = datafile.Totals(files)
	if w.dfs, err = datafile.DataFiles(ctx, fsys, props, pspec, plan, files); err != nil {
		return w.fail(l, err)
	}
	if err := ctx.Err(); err != nil {
		return w.fail(l, err)
	}
	if err := l.ensureNamespace(ctx, spec.Table.Collection); err != nil {
		return w.fail(l, err)
	}
	if fn, ok := ctx.Value(beforeCreateKey{}).(func()); ok {
		fn()
	}
	base, err := l.createTable(ctx, spec.Table, sc,
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
	case !datafile.SameIDs(base.Schema(), sc):
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

// beforeCreateKey is a context key for tests: a func() under it runs right
// before a first write creates its table, so a test can create the table
// first (the create race) at exactly that point.
type beforeCreateKey struct{}

// createTable creates a table in the catalog. Creating takes a transaction
// that reads, then writes; when another process wrote in between, SQLite
// refuses at once with "database is locked" (the busy timeout does not
// apply) and PostgreSQL may fail the serializable transaction. The catalog
// then changed nothing, so the create is tried again (with backoff); by
// then the other process may have created the table, which the caller sees
// as catalog.ErrTableAlreadyExists.
func (l *Lakehouse) createTable(ctx context.Context, n TableName, sc *iceberg.Schema, opts ...catalog.CreateTableOpt) (*table.Table, error) {
	pol := commit.DefaultPolicy
	for k := 1; ; k++ {
		t, err := l.cat.CreateTable(ctx, n.ident(), sc, opts...)
		if err == nil || !commit.Transient(err) || k > pol.Retries {
			return t, err
		}
		l.log.Info("catalog busy while creating the table; trying again", "table", n.String(), "attempt", k, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pol.Backoff(k)):
		}
	}
}

// layoutDiffers says how an existing table's schema or partition spec
// differs from the ones a write's files were written for ("" when they
// agree).
func layoutDiffers(tbl *table.Table, sc *iceberg.Schema, spec iceberg.PartitionSpec) string {
	if !datafile.SameIDs(tbl.Schema(), sc) {
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

// schemaEvolution is what a write changes in the table's schema.
type schemaEvolution struct {
	add     []datafile.ResultColumn
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
		us.AddColumn([]string{c.Name}, c.Type, "", false, nil)
	}
	if err := us.Commit(); err != nil {
		return fmt.Errorf("%w: evolve schema: %w", ErrSchemaMismatch, err)
	}
	return nil
}

// evolutionFor matches a write's result columns to the table's schema and
// returns the schema changes the write makes, or ErrSchemaMismatch.
func evolutionFor(tbl *table.Table, cols []datafile.ResultColumn, spec WriteSpec) (schemaEvolution, error) {
	tsc := tbl.Schema()
	merge := spec.MergeSchema || spec.Properties[PropMergeSchema] == "true" || tbl.Properties()[PropMergeSchema] == "true"
	byName := map[string]datafile.ResultColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.Name)] = c
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
		if datafile.TypeFit(c.Type, f.Type) != datafile.FitNone {
			continue
		}
		if spec.Mode == Overwrite && datafile.TypeFit(f.Type, c.Type) == datafile.FitCast {
			ev.promote[f.Name] = c.Type
			continue
		}
		problems = append(problems, fmt.Sprintf("column %s: table has %s, result has %s", f.Name, f.Type, c.Type))
	}
	for _, c := range cols {
		if inTable[strings.ToLower(c.Name)] {
			continue
		}
		if spec.Mode == Overwrite || merge {
			ev.add = append(ev.add, c)
			continue
		}
		problems = append(problems, fmt.Sprintf("result has column %s that table %s does not have (set merge-schema to add it)", c.Name, spec.Table))
	}
	if len(problems) > 0 {
		return ev, fmt.Errorf("%w: %s", ErrSchemaMismatch, strings.Join(problems, "; "))
	}
	return ev, nil
}

func (l *Lakehouse) writeExisting(ctx context.Context, db DB, source string, cols []datafile.ResultColumn, spec WriteSpec, tbl *table.Table) (*WriteResult, error) {
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

	plan := datafile.Plan{Schema: sc, OrderBy: datafile.SortOrderSQL(so, sc)}
	if plan.Codec, err = datafile.CompressionCodec(staged.Properties()); err != nil {
		return nil, err
	}
	if !so.IsUnsorted() {
		plan.SortID = staged.SortOrder().OrderID()
	}
	byName := map[string]datafile.ResultColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.Name)] = c
	}
	for _, f := range sc.Fields() {
		var s string
		if c, ok := byName[strings.ToLower(f.Name)]; ok {
			s, err = datafile.SelectAs(c, f)
		} else {
			s, err = datafile.NullAs(f)
		}
		if err != nil {
			return nil, err
		}
		plan.Selects = append(plan.Selects, s)
	}
	if plan.Helpers, err = datafile.HelperColumns(pspec, sc); err != nil {
		return nil, err
	}

	w := &fileWrite{spec: spec, writeID: uuid.NewString(), loc: localPath(tbl.Location()), sc: sc, specID: pspec.ID(), ev: ev,
		baseID: branchHead(tbl, spec.Branch)}
	files, err := datafile.Copy(ctx, db, source, w.loc, w.writeID, plan, l.log)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Table: spec.Table}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return w.fail(l, fmt.Errorf("table file system: %w", err))
	}
	res.Files, res.Rows, res.Bytes = datafile.Totals(files)
	if w.dfs, err = datafile.DataFiles(ctx, fsys, staged.Properties(), pspec, plan, files); err != nil {
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
