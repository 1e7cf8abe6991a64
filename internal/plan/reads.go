package plan

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

func (jc *jobCompiler) read(ctx context.Context, in *manifest.Input) *Read {
	if in.Incremental != nil {
		return jc.incrementalRead(ctx, in)
	}
	what := "job " + jc.job.Name + ", input " + in.Name
	r := &Read{View: in.Name, Pos: in.Pos, Dataset: in.Dataset, Cache: in.Cache}
	if in.IsStream {
		return jc.streamRead(ctx, in, r, what) // stream.go
	}
	if in.Query != "" {
		if len(in.Options) > 0 || in.Format != "" || hasSchema(in) {
			jc.errAt(in.Pos, "%s: a query input takes no format, options or schema", what)
			return nil
		}
		q := jc.query(ctx, in.Query, func(off int) spec.Pos { return in.QueryPosAt(off) }, what)
		if q == nil {
			return nil
		}
		r.Query = q
		if err := jc.ses.DefineRewritten(ctx, in.Name, q.src); err != nil {
			jc.sqlErr(err, in.Query, func(off int) spec.Pos { return in.QueryPosAt(off) }, what)
			return nil
		}
		return jc.finishRead(ctx, r, what)
	}
	loc := jc.resolve(in.Dataset, in.Pos, what)
	if loc == nil {
		return nil
	}
	switch loc.Depot.Type {
	case depot.Lakehouse:
		if in.Format != "" && in.Format != "iceberg" {
			// Files a syndication output wrote into the lakehouse's folder.
			return jc.lakehouseFiles(ctx, in, loc, r, what)
		}
		if hasSchema(in) {
			jc.errAt(in.SchemaPos, "%s: a schema (schemaString, schemaPath, schema, schemaType) applies to file inputs; an Iceberg table has its own schema", what)
			return nil
		}
		opts := jc.decodeOptions(in.Options, spec.IcebergRead, in.OptionsPos)
		ro := readOptions(opts)
		jc.checkUsed(opts)
		ref := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
		r.Table = &TableRead{TableRef: ref, At: ro}
		if !jc.appendRange(in, opts, r.Table, what) {
			return nil
		}
		q, err := jc.tableSchemaSQL(ctx, ref, ro)
		if err != nil {
			jc.errAt(in.Pos, "%s: %v", what, err)
			return nil
		}
		if err := jc.ses.DefineRelation(ctx, in.Name, q); err != nil {
			jc.errAt(in.Pos, "%s: %v", what, err)
			return nil
		}
		return jc.finishRead(ctx, r, what)
	case depot.File:
		return jc.fileRead(ctx, in, loc, r, what)
	}
	if loc.Depot.Type.IsDatabase() {
		return jc.databaseRead(ctx, in, loc, r, what)
	}
	if loc.Depot.Type == depot.Kafka {
		jc.errAt(in.Pos, "%s: dataset %s: a Kafka topic is read as a stream: set isStream: true (docs/stream.md)", what, in.Dataset)
		return nil
	}
	jc.errAt(in.Pos, "%s: dataset %s: depot type %s cannot be read", what, in.Dataset, loc.Depot.Type)
	return nil
}

// readOptions maps Iceberg read options to a table read.
func readOptions(o *spec.Values) lakehouse.ReadOptions {
	var ro lakehouse.ReadOptions
	ro.Branch = o.Str("branch")
	ro.Tag = o.Str("tag")
	ro.SnapshotID = o.Int("snapshot-id")
	if ms := o.Int("as-of-timestamp"); ms != 0 {
		ro.AsOf = time.UnixMilli(ms)
	}
	return ro
}

func (jc *jobCompiler) fileRead(ctx context.Context, in *manifest.Input, loc *depot.Location, r *Read, what string) *Read {
	format := in.Format
	if format == "" || format == "iceberg" && in.Format == "" {
		format = formatFromPath(loc.Path)
	}
	if format == "" {
		jc.errAt(in.Pos, "%s: dataset %s: say its format (csv, json or parquet)", what, in.Dataset)
		return nil
	}
	o := ReaderSpec(format)
	if o == nil {
		jc.errAt(in.Pos, "%s: format %q cannot be read from a file depot (%s)", what, format, strings.Join(connector.ReadFormats, ", "))
		return nil
	}
	before := len(jc.errs)
	opts := jc.decodeOptions(in.Options, o, in.OptionsPos)
	if len(jc.errs) > before {
		return nil
	}
	typed, err := readOptionsOf(format, opts)
	if err != nil {
		jc.errAt(in.OptionsPos, "%s: %v", what, err)
		return nil
	}
	schemaJSON, schemaAbout, ok := jc.inputSchema(ctx, in, loc, what)
	if !ok {
		return nil
	}
	src := connector.Source{Path: loc.Path, Format: format, Opts: typed, SchemaString: schemaJSON}
	jc.checkUsed(opts)
	if loc.Depot.OnObjectStorage() {
		store, err := loc.Depot.OpenStore(ctx)
		if err != nil {
			jc.errAt(in.Pos, "%s: %v", what, err)
			return nil
		}
		src.Store = store
	}
	r.File = &FileRead{Depot: loc.Depot.Name, Source: src, Schema: schemaAbout}
	if cols, ok := jc.files[filepath.Clean(loc.Path)]; ok {
		// An earlier job of the workflow writes these files: their
		// columns are its output's, or the schema's when one is given.
		if schemaJSON != "" {
			cols = schemaColumns(schemaJSON)
		}
		if err := jc.ses.DefineRelation(ctx, in.Name, emptySQL(cols)); err != nil {
			jc.errAt(in.Pos, "%s: %v", what, err)
			return nil
		}
		return jc.finishRead(ctx, r, what)
	}
	if err := CheckFiles(loc.Depot, src); err != nil {
		jc.errAt(in.Pos, "%s: dataset %s: %v", what, in.Dataset, err)
		return nil
	}
	notes, err := DefineFile(ctx, jc.ses, in.Name, src)
	if err != nil {
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	for _, n := range notes {
		jc.notes.Add(in.Pos, "%s: dataset %s: %s", what, in.Dataset, n)
	}
	return jc.finishRead(ctx, r, what)
}

// CheckFiles lists a local file source's files and checks that each lies
// inside its depot (a glob may match a link that points out). Sources on
// object storage are named by key and cannot escape their bucket prefix.
func CheckFiles(d *depot.Depot, src connector.Source) error {
	if src.Store != nil {
		return nil
	}
	files, err := connector.Files(src.Path, src.Format)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := d.Contains(f); err != nil {
			return err
		}
	}
	return nil
}

// DefineFile defines view name over a file source in ses: csv, json and
// parquet are read lazily by the engine, other formats are loaded into a
// temporary table dropped when the session closes. A header-less CSV's
// columns are renamed from the engine's column0.. to Spark's _c0... The
// compile step and the runner both define file inputs with it. It returns
// the read's notes (a column read as text so that no digit is lost).
func DefineFile(ctx context.Context, ses *engine.Session, name string, src connector.Source) ([]string, error) {
	if src.StagingDir == "" {
		src.StagingDir = ses.TempDir()
	}
	rel, err := connector.Read(ctx, ses.Conn(), src)
	if err != nil {
		return nil, err
	}
	ses.AtClose(rel.Close)
	q := "SELECT * FROM " + rel.SQL
	if connector.HeaderlessRename(src) {
		cols, _, err := ses.Columns(ctx, "("+q+")")
		if err != nil {
			return nil, rel.ReadError(src, err)
		}
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = engine.QuoteIdent(c) + " AS " + engine.QuoteIdent("_c"+strconv.Itoa(i))
		}
		q = "SELECT " + strings.Join(sel, ", ") + " FROM (" + q + ")"
	}
	if err := ses.DefineRelation(ctx, name, q); err != nil {
		return nil, rel.ReadError(src, err)
	}
	return rel.Notes, nil
}

// formatFromPath guesses a file dataset's format from its extension
// (after a compression suffix).
func formatFromPath(p string) string {
	p = strings.ToLower(p)
	for _, c := range []string{".gz", ".zst", ".bz2", ".deflate", ".snappy"} {
		p = strings.TrimSuffix(p, c)
	}
	switch filepath.Ext(p) {
	case ".csv", ".tsv":
		return connector.CSV
	case ".json", ".jsonl", ".ndjson":
		return connector.JSON
	case ".parquet":
		return connector.Parquet
	case ".avro":
		return connector.Avro
	case ".orc":
		return connector.ORC
	case ".xml":
		return connector.XML
	case ".xlsx":
		return connector.XLSX
	case ".txt", ".text", ".log":
		return connector.Text
	}
	return ""
}

// finishRead records the view's columns.
func (jc *jobCompiler) finishRead(ctx context.Context, r *Read, what string) *Read {
	cols, err := jc.columns(ctx, r.View)
	if err != nil {
		jc.errAt(r.Pos, "%s: %v", what, err)
		return nil
	}
	r.Columns = cols
	return r
}

// tableSchemaSQL returns a typed, empty relation with a table's columns:
// from the output of an earlier job of the workflow that writes it (at the
// branch read), else from its metadata.
func (c *compiler) tableSchemaSQL(ctx context.Context, ref TableRef, ro lakehouse.ReadOptions) (string, error) {
	if ro.SnapshotID == 0 && ro.Tag == "" && ro.AsOf.IsZero() {
		if cols, ok := c.tables[pendingKey(ref, ro.Branch)]; ok {
			return emptySQL(cols), nil
		}
	}
	t, err := c.env.Lakehouses.LoadTable(ctx, ref.Depot, ref.Table)
	if err != nil {
		return "", err
	}
	return t.SchemaSQL(ro)
}

// pendingKey names a table branch that an earlier job writes.
func pendingKey(ref TableRef, branch string) string {
	if branch == "main" {
		branch = ""
	}
	return tableKey(ref.Depot, ref.Table.Collection, ref.Table.Dataset) + "@" + branch
}

// emptySQL is a typed relation without rows.
func emptySQL(cols []Column) string {
	if len(cols) == 0 {
		return "SELECT 1 AS __flare_empty WHERE false"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "CAST(NULL AS " + c.Type + ") AS " + engine.QuoteIdent(c.Name)
	}
	return "SELECT " + strings.Join(parts, ", ") + " WHERE false"
}

// columns returns a relation's columns.
func (jc *jobCompiler) columns(ctx context.Context, view string) ([]Column, error) {
	names, types, err := jc.ses.Columns(ctx, engine.QuoteIdent(view))
	if err != nil {
		return nil, err
	}
	cols := make([]Column, len(names))
	for i := range names {
		cols[i] = Column{Name: names[i], Type: types[i]}
	}
	if _, ok := jc.views[strings.ToLower(view)]; !ok {
		jc.viewNames = append(jc.viewNames, view)
	}
	jc.views[strings.ToLower(view)] = cols
	return cols, nil
}
