package connector

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Relation is a source made readable in a DuckDB connection.
type Relation struct {
	// SQL is a DuckDB table expression (a table function call, a table
	// name or a parenthesised query) for `SELECT * FROM <SQL>`.
	SQL string
	// Files are the files read, as the user names them (s3:// URLs for
	// objects).
	Files []string
	// Loaded is true when the rows were decoded in Go and loaded into a
	// temporary table (Rows then counts them); false when DuckDB reads the
	// files lazily each time SQL is queried.
	Loaded bool
	Rows   int64
	// Notes are things the read did that deserve a look (a column read as
	// text so that no digit is lost).
	Notes []string
	// local maps staged local copies back to the names in Files.
	local   map[string]string
	table   string
	staging string
}

// Close drops the relation's temporary table and staged files. The
// relation must not be queried afterwards.
func (r *Relation) Close(ctx context.Context, conn *sql.Conn) error {
	var errs []error
	if r.table != "" {
		if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp.main."+quoteIdent(r.table)); err != nil {
			errs = append(errs, err)
		}
		r.table = ""
	}
	if r.staging != "" {
		errs = append(errs, os.RemoveAll(r.staging))
		r.staging = ""
	}
	return errors.Join(errs...)
}

// ReadError is the package's ReadError for errors raised while querying
// the relation: staged local file names are replaced by the names the user
// gave.
func (r *Relation) ReadError(src Source, err error) error {
	err = ReadError(src, err)
	var me *MalformedError
	if errors.As(err, &me) {
		if name, ok := r.local[me.File]; ok {
			me.File = name
		}
	}
	return err
}

// Read makes a source readable in conn and returns its relation.
//
// csv, json and parquet files are read by DuckDB itself, lazily (the
// relation is a read_* call over the files; bzip2 and deflate files are
// first decompressed into a staging folder). text, avro, orc, xml and xlsx
// files are decoded in Go and loaded through DuckDB's appender into a
// temporary table of conn, file after file; their bad records are reported
// as *MalformedError naming the file and the record. Files on object
// storage (src.Store) are first downloaded into the staging folder.
//
// The caller closes the relation when the job is done.
func Read(ctx context.Context, conn *sql.Conn, src Source) (*Relation, error) {
	format := strings.ToLower(src.Format)
	opts, err := src.options()
	if err != nil {
		return nil, err
	}
	rel := &Relation{local: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			_ = rel.Close(context.WithoutCancel(ctx), conn)
		}
	}()
	var files []string
	if src.Store != nil {
		if files, err = rel.stageObjects(ctx, src, format); err != nil {
			return nil, err
		}
	} else {
		if files, err = expand(src.Path, format); err != nil {
			return nil, err
		}
		rel.Files = files
	}
	if native(format) {
		// DuckDB cannot read bzip2 or deflate: decompress into staging.
		for i, f := range files {
			c := goCodec(f, compressionOf(opts))
			if c == "" {
				continue
			}
			dir, err := rel.stagingDir(src)
			if err != nil {
				return nil, err
			}
			name := trimCodecSuffix(filepath.Base(f))
			if name == filepath.Base(f) {
				name += ".data"
			}
			dst := filepath.Join(dir, fmt.Sprintf("%05d-%s", i, name))
			if err := decompressTo(f, c, dst); err != nil {
				return nil, fmt.Errorf("read %s: %w", rel.name(f), err)
			}
			rel.local[dst] = rel.name(f)
			files[i] = dst
		}
		if files, err = dropEmpty(files, format, opts, src, rel); err != nil {
			return nil, err
		}
		if rel.SQL, err = nativeSQL(format, files, opts, src.SchemaString); err != nil {
			return nil, err
		}
		if format == CSV {
			if err := rel.keepLongIntegers(ctx, conn, files, opts, src); err != nil {
				return nil, err
			}
		}
		ok = true
		return rel, nil
	}
	dec, cast, err := newDecoder(format, opts, src.SchemaString)
	if err != nil {
		return nil, err
	}
	if err := rel.load(ctx, conn, dec, files); err != nil {
		return nil, err
	}
	if cast != nil {
		rel.SQL = castSelect(rel.SQL, cast)
	}
	ok = true
	return rel, nil
}

// dropEmpty leaves out 0-byte csv and json files, which hold no rows (as
// Spark reads them). When every file is empty there are no columns to read
// either: that is an error unless a schema names them (a header-only csv
// file is a valid empty input).
func dropEmpty(files []string, format string, opts any, src Source, rel *Relation) ([]string, error) {
	if format == Parquet {
		return files, nil
	}
	var kept []string
	for _, f := range files {
		st, err := os.Stat(f)
		if err == nil && st.Size() == 0 {
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) > 0 {
		return kept, nil
	}
	if src.SchemaString != "" || schemaOf(opts) != "" {
		return files, nil
	}
	return nil, fmt.Errorf("%s is empty (0 bytes): there are no columns to read; an empty %s input needs a header line or a schema (options.schema)", rel.name(files[0]), format)
}

func schemaOf(opts any) string {
	switch o := opts.(type) {
	case *CSVReadOptions:
		return o.Schema
	case *JSONReadOptions:
		return o.Schema
	}
	return ""
}

// longInteger is a whole number a double cannot hold exactly.
var longInteger = regexp.MustCompile(`^[+-]?0*[0-9]{16,}$`)

// keepLongIntegers reads columns that DuckDB's sniffer typed DOUBLE as text
// when the sample it looked at holds whole numbers of more than 15 digits
// (a double keeps about 15: 12345678901234567890123 would come out as
// 1.2345678901234568e+22), and says so in Notes. Columns typed by a schema
// are left as given.
func (r *Relation) keepLongIntegers(ctx context.Context, conn *sql.Conn, files []string, opts any, src Source) error {
	o, ok := opts.(*CSVReadOptions)
	if !ok || !o.InferSchema || o.Schema != "" || src.SchemaString != "" {
		return nil
	}
	rows, err := conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+r.SQL)
	if err != nil {
		return nil // the read reports its own errors where it is used
	}
	var doubles []string
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			rows.Close()
			return nil
		}
		if typ == "DOUBLE" || typ == "FLOAT" {
			doubles = append(doubles, name)
		}
	}
	rows.Close()
	if len(doubles) == 0 {
		return nil
	}
	// The same sample the sniffer read, as text.
	text, err := nativeSQL(CSV, files, opts, "", "all_varchar = true")
	if err != nil {
		return nil
	}
	var probes []string
	for _, c := range doubles {
		probes = append(probes, "bool_or(regexp_full_match("+quoteIdent(c)+", '"+longInteger.String()+"'))")
	}
	row := conn.QueryRowContext(ctx, "SELECT "+strings.Join(probes, ", ")+" FROM (SELECT * FROM "+text+" LIMIT 20480)")
	found := make([]sql.NullBool, len(doubles))
	dest := make([]any, len(found))
	for i := range found {
		dest[i] = &found[i]
	}
	if err := row.Scan(dest...); err != nil {
		return nil
	}
	var long []string
	for i, f := range found {
		if f.Valid && f.Bool {
			long = append(long, doubles[i])
		}
	}
	if len(long) == 0 {
		return nil
	}
	types := make([]string, len(long))
	for i, c := range long {
		types[i] = quote(c) + ": 'VARCHAR'"
	}
	typed, err := nativeSQL(CSV, files, opts, "", "types = {"+strings.Join(types, ", ")+"}")
	if err != nil {
		return err
	}
	r.SQL = typed
	r.Notes = append(r.Notes, fmt.Sprintf("column %s holds whole numbers of more than 15 digits, which a double would round: read as text (cast it to DECIMAL(38,0) in a step, or give options.schema)", strings.Join(long, ", ")))
	return nil
}

// name is the user's name of a (possibly staged) local file.
func (r *Relation) name(f string) string {
	if n, ok := r.local[f]; ok {
		return n
	}
	return f
}

func (r *Relation) stagingDir(src Source) (string, error) {
	if r.staging != "" {
		return r.staging, nil
	}
	d, err := os.MkdirTemp(src.StagingDir, "flare-read-")
	if err != nil {
		return "", fmt.Errorf("staging folder for %s: %w", src.Path, err)
	}
	r.staging = d
	return d, nil
}

// decoder reads files of one Go-decoded format into rows.
type decoder interface {
	// columns returns the table's columns, looking at the files when the
	// schema comes from them (a file header or inference).
	columns(ctx context.Context, files []fileRef) ([]column, error)
	// rows decodes one file, calling emit for each row in column order.
	rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error
}

// fileRef is a local file and the name errors use for it.
type fileRef struct{ path, name string }

// newDecoder returns the decoder of a format and, for formats whose files
// carry their schema (avro, orc), the schema to pick and cast afterwards.
func newDecoder(format string, opts any, schemaString string) (decoder, schema, error) {
	var ddl string
	switch o := opts.(type) {
	case *AvroReadOptions:
		ddl = o.Schema
	case *ORCReadOptions:
		ddl = o.Schema
	case *XMLReadOptions:
		ddl = o.Schema
	case *XLSXReadOptions:
		ddl = o.Schema
	}
	given, err := schemaColumns(schemaString, ddl)
	if err != nil {
		return nil, nil, err
	}
	var d decoder
	switch o := opts.(type) {
	case *TextReadOptions:
		if given != nil {
			return nil, nil, fmt.Errorf("format text has one column, value STRING: a schema cannot be given")
		}
		d, err = newTextDecoder(o)
	case *AvroReadOptions:
		d, err = newAvroDecoder(o)
		return d, given, err
	case *ORCReadOptions:
		d, err = newORCDecoder(o)
		return d, given, err
	case *XMLReadOptions:
		d, err = newXMLDecoder(o, given)
	case *XLSXReadOptions:
		d, err = newXLSXDecoder(o, given)
	default:
		return nil, nil, fmt.Errorf("format %s cannot be read from files (%s)", format, strings.Join(ReadFormats, ", "))
	}
	return d, nil, err
}

// load decodes the files into a new temporary table.
func (r *Relation) load(ctx context.Context, conn *sql.Conn, dec decoder, files []string) error {
	refs := make([]fileRef, len(files))
	for i, f := range files {
		refs[i] = fileRef{path: f, name: r.name(f)}
	}
	if z, ok := dec.(interface{ setZone(*time.Location) }); ok {
		// Text timestamps without an offset are in the session's zone, as
		// DuckDB's own readers take them.
		var name string
		if err := conn.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&name); err != nil {
			return fmt.Errorf("read the session time zone: %w", err)
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return fmt.Errorf("session time zone %q: %w", name, err)
		}
		z.setZone(loc)
	}
	cols, err := dec.columns(ctx, refs)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("read %s: no columns", strings.Join(r.Files, ", "))
	}
	r.table = "__flare_load_" + newID()
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = quoteIdent(c.name) + " " + c.t.SQL()
	}
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE "+quoteIdent(r.table)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		return fmt.Errorf("create load table: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("not a DuckDB connection: %T", dc)
		}
		app, err := duckdb.NewAppender(dconn, "temp", "main", r.table)
		if err != nil {
			return fmt.Errorf("append to load table: %w", err)
		}
		var n int64
		emit := func(row []driver.Value) error {
			if err := app.AppendRow(row...); err != nil {
				return err
			}
			n++
			// The appender flushes every 2048 rows; a check per batch keeps
			// cancellation prompt.
			if n&2047 == 0 {
				return ctx.Err()
			}
			return nil
		}
		for _, f := range refs {
			if err := dec.rows(ctx, f, emit); err != nil {
				app.Close()
				return err
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("load rows: %w", err)
		}
		r.Rows = n
		return nil
	})
	if err != nil {
		return err
	}
	r.Loaded = true
	r.SQL = "temp.main." + quoteIdent(r.table)
	return nil
}
