package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// Formats read and written by this package; the other formats are below
// the option structs (options.go).
const (
	CSV     = "csv"
	JSON    = "json"
	Parquet = "parquet"
)

// Source describes a file dataset to read.
type Source struct {
	// Path is a file, a folder (all files of the format inside it,
	// recursively) or a glob. With Store set it is an s3://bucket/key URL
	// (objects of the format below a prefix, or a glob over keys).
	Path   string
	Format string
	// Options are the Spark reader options of the input; keys are matched
	// without regard to case or underscores. ReadOptionNames lists what
	// each format accepts; any other key is an error.
	Options map[string]string
	// Opts are the options already parsed (a *CSVReadOptions,
	// *XMLReadOptions, ...); when set, Options must be empty.
	Opts any
	// SchemaString is a Spark struct JSON schema (schemaString in Flare);
	// optional.
	SchemaString string
	// Store reads Path from object storage (see Read); nil for local files.
	Store ObjectStore `json:"-"`
	// StagingDir is where Read puts local copies (downloaded objects,
	// decompressed bzip2/deflate files); empty: the system's temp folder.
	StagingDir string `json:",omitempty"`
}

// options returns the parsed read options of the source's format.
func (src Source) options() (any, error) {
	if src.Opts != nil {
		if len(src.Options) > 0 {
			return nil, fmt.Errorf("source %s: both Options and Opts are set", src.Path)
		}
		return src.Opts, nil
	}
	return ParseReadOptions(src.Format, src.Options)
}

// native reports whether DuckDB reads a format itself.
func native(format string) bool { return format == CSV || format == JSON || format == Parquet }

// ReadSQL returns a DuckDB table expression that reads a local csv, json or
// parquet source, for use as `CREATE VIEW name AS SELECT * FROM <expr>`. The
// expression is either a table function call or a parenthesised query.
// Formats decoded in Go, sources on object storage and bzip2 or deflate
// files need a connection to load or stage them: use Read.
//
// Errors that DuckDB raises when it runs the expression (a malformed row, a
// value that does not fit its column) can be made readable with ReadError.
func ReadSQL(src Source) (string, error) {
	format := strings.ToLower(src.Format)
	opts, err := src.options()
	if err != nil {
		return "", err
	}
	if !native(format) {
		return "", fmt.Errorf("format %s is decoded in Go and loaded into a table: read it with connector.Read", format)
	}
	if src.Store != nil {
		return "", fmt.Errorf("%s is on object storage: read it with connector.Read", src.Path)
	}
	files, err := expand(src.Path, format)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if c := goCodec(f, compressionOf(opts)); c != "" {
			return "", fmt.Errorf("%s is %s-compressed, which DuckDB cannot read: read it with connector.Read", f, c)
		}
	}
	return nativeSQL(format, files, opts, src.SchemaString)
}

// nativeSQL builds the DuckDB read_* expression over local files.
func nativeSQL(format string, files []string, opts any, schemaString string, extra ...string) (string, error) {
	list := quoteList(files)
	var ddl string
	switch o := opts.(type) {
	case *CSVReadOptions:
		ddl = o.Schema
	case *JSONReadOptions:
		ddl = o.Schema
	case *ParquetReadOptions:
		ddl = o.Schema
	default:
		return "", fmt.Errorf("format %s: options of type %T", format, opts)
	}
	cols, err := schemaColumns(schemaString, ddl)
	if err != nil {
		return "", err
	}
	if c, nested := nestedCSVColumn(cols); nested && format == CSV {
		return "", fmt.Errorf("schema: column %s is %s: a csv file holds no nested values (Spark's csv reader refuses them too); read it as a string and parse it in a step", c.name, c.typ)
	}
	if format == Parquet {
		call := "read_parquet(" + list + ", union_by_name = true)"
		if cols == nil {
			return call, nil
		}
		// An explicit schema picks and casts the columns, as Spark's
		// reader schema does.
		return castSelect(call, cols), nil
	}
	args := []string{list}
	var compression, dateFormat, tsFormat, mode string
	switch o := opts.(type) {
	case *CSVReadOptions:
		a, err := csvArgs(o, cols != nil)
		if err != nil {
			return "", err
		}
		args = append(args, a...)
		compression, dateFormat, tsFormat, mode = o.Compression, o.DateFormat, o.TimestampFormat, o.Mode
	case *JSONReadOptions:
		if o.MultiLine {
			// A file is one JSON document: an array of records or a single
			// (pretty-printed) record.
			args = append(args, "format = 'auto'")
		} else {
			args = append(args, "format = 'newline_delimited'")
		}
		compression, dateFormat, tsFormat, mode = o.Compression, o.DateFormat, o.TimestampFormat, o.Mode
	}
	if compression != "" {
		c, err := readCompression(compression)
		if err != nil {
			return "", err
		}
		if c == "none" && format == JSON {
			c = "uncompressed" // read_json's name for it
		}
		if c != "auto" {
			args = append(args, "compression = "+quote(c))
		}
	}
	var dateFmt, tsFmt string
	if dateFormat != "" {
		if dateFmt, err = sparksql.ParseFormat(dateFormat); err != nil {
			return "", fmt.Errorf("option dateFormat: %w", err)
		}
		args = append(args, "dateformat = "+quote(dateFmt))
	}
	if tsFormat != "" {
		if tsFmt, err = sparksql.ParseFormat(tsFormat); err != nil {
			return "", fmt.Errorf("option timestampFormat: %w", err)
		}
		args = append(args, "timestampformat = "+quote(tsFmt))
	}
	drop := mode == DropMalformed || mode == Permissive
	if drop {
		args = append(args, "ignore_errors = true")
	}
	// DuckDB's readers apply timestampformat only to TIMESTAMP columns: a
	// TIMESTAMP WITH TIME ZONE column comes out NULL (csv) or fails (json).
	// Such columns are read as TIMESTAMP and converted afterwards.
	var fix []string
	if cols != nil {
		if tsFmt != "" {
			for i := range cols {
				if cols[i].typ != timestampTZ {
					continue
				}
				cols[i].typ = "TIMESTAMP"
				id := quoteIdent(cols[i].name)
				if strings.Contains(tsFmt, "%z") || strings.Contains(tsFmt, "%Z") {
					// strptime with an offset yields the instant in UTC.
					fix = append(fix, "timezone('UTC', "+id+") AS "+id)
				} else {
					fix = append(fix, "CAST("+id+" AS TIMESTAMP WITH TIME ZONE) AS "+id)
				}
			}
		}
		args = append(args, "columns = "+cols.literal())
		if format == CSV {
			args = append(args, "auto_detect = false")
		}
	}
	args = append(args, extra...)
	call := "read_" + format + "(" + strings.Join(args, ", ") + ")"
	if drop && format == JSON {
		// DuckDB's JSON reader turns a malformed line into a row of NULLs
		// (and a value that does not fit its column into a NULL) instead
		// of skipping it; rows that come out all NULL are dropped.
		call = "(SELECT * FROM " + call + " AS __flare_row WHERE len(list_filter(json_extract(to_json(__flare_row), '$.*'), x -> x::VARCHAR <> 'null')) > 0)"
	}
	if len(fix) > 0 {
		return "(SELECT * REPLACE (" + strings.Join(fix, ", ") + ") FROM " + call + ")", nil
	}
	return call, nil
}

// castSelect picks and casts the columns of a schema from a relation.
func castSelect(from string, cols schema) string {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "CAST(" + quoteIdent(c.name) + " AS " + c.typ + ") AS " + quoteIdent(c.name)
	}
	return "(SELECT " + strings.Join(sel, ", ") + " FROM " + from + ")"
}

// csvArgs maps Spark's csv reader options to read_csv arguments. The dialect
// is always given in full, with Spark's defaults, so that DuckDB's sniffer
// never guesses another delimiter or quote from the data.
func csvArgs(o *CSVReadOptions, schema bool) ([]string, error) {
	args := []string{"header = " + strconv.FormatBool(o.Header)}
	d, err := o.dialect()
	if err != nil {
		return nil, err
	}
	args = append(args, "delim = "+quote(d.delim), "quote = "+quote(d.quote), "escape = "+quote(d.escape))
	// Spark reads an unquoted empty field as NULL whatever nullValue says.
	if o.NullValue != "" {
		args = append(args, "nullstr = ["+quote(o.NullValue)+", '']")
	}
	// Spark neither skips leading lines nor knows comments unless asked;
	// DuckDB's sniffer would guess both (a title line above the header,
	// rows starting with #) and silently drop data.
	args = append(args, "skip = 0", "comment = "+quote(d.comment))
	switch strings.ToLower(o.Encoding) {
	case "", "utf-8", "utf8":
	case "utf-16", "utf16":
		args = append(args, "encoding = 'utf-16'")
	default:
		args = append(args, "encoding = 'latin-1'")
	}
	if !schema && !o.InferSchema {
		args = append(args, "all_varchar = true")
	}
	return args, nil
}

// dialect is the delimiter, quote, escape and comment a csv read uses.
func (o *CSVReadOptions) dialect() (dialect, error) {
	d := dialect{delim: unescape(o.Delimiter), quote: unescape(o.Quote), comment: unescape(o.Comment)}
	if d.delim == "" {
		return d, fmt.Errorf("option delimiter: must not be empty")
	}
	d.escape = d.quote
	if o.Escape != nil {
		d.escape = unescape(*o.Escape)
	}
	return d, nil
}

// readCompression maps a compression option to DuckDB's name for it.
func readCompression(v string) (string, error) {
	switch c := strings.ToLower(strings.TrimSpace(v)); c {
	case "", "auto":
		return "auto", nil
	case "none", "uncompressed":
		return "none", nil
	case "gzip", "gz":
		return "gzip", nil
	case "zstd":
		return "zstd", nil
	case "bzip2", "deflate":
		// Decompressed by Read before DuckDB sees the file.
		return "none", nil
	}
	return "", fmt.Errorf("option compression: %q is not gzip, zstd, bzip2, deflate or none", v)
}

// HeaderlessRename reports whether a csv source without a header needs its
// columns renamed from DuckDB's column0, column1, ... to Spark's _c0, _c1.
func HeaderlessRename(src Source) bool {
	if strings.ToLower(src.Format) != CSV || src.SchemaString != "" {
		return false
	}
	opts, err := src.options()
	if err != nil {
		return false
	}
	o := opts.(*CSVReadOptions)
	return o.Schema == "" && !o.Header
}

// expand lists the files a path names. A folder stands for every file with
// the format's extension below it; a glob is expanded (a folder it matches
// stands for its files). Names starting with "_" or "." are skipped, as Spark
// skips _SUCCESS and hidden files. No match is an error that names the path.
func expand(path, format string) ([]string, error) {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		files, err := walkFolder(path, format)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("folder %s holds no %s files", path, format)
		}
		return files, nil
	case err == nil:
		return []string{path}, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("dataset %s: %w", path, err)
	}
	if strings.ContainsAny(path, "*?[") {
		matches, gerr := filepath.Glob(path)
		if gerr != nil {
			return nil, fmt.Errorf("glob %s: %w", path, gerr)
		}
		var files []string
		for _, m := range matches {
			if hidden(filepath.Base(m)) {
				continue
			}
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("glob %s: %w", path, err)
			}
			if !st.IsDir() {
				files = append(files, m)
				continue
			}
			sub, err := walkFolder(m, format)
			if err != nil {
				return nil, err
			}
			files = append(files, sub...)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no file matches %s", path)
		}
		sort.Strings(files)
		return files, nil
	}
	return nil, fmt.Errorf("dataset not found: %s", path)
}

// walkFolder lists the files of a format below a folder, sorted.
func walkFolder(path, format string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == path {
			return nil
		}
		if hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && hasFormatExt(d.Name(), format) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", path, err)
	}
	sort.Strings(files)
	return files, nil
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// formatExts are the file name endings of each format in a folder. Text
// formats (csv, json, text, xml) may carry a compression suffix (.gz, .zst,
// .bz2, .deflate). A text input reads every file of a folder, as Spark's does.
var formatExts = map[string][]string{
	CSV:     {".csv", ".tsv"},
	JSON:    {".json", ".jsonl", ".ndjson"},
	Parquet: {".parquet"},
	Avro:    {".avro"},
	ORC:     {".orc"},
	XML:     {".xml"},
	XLSX:    {".xlsx", ".xlsm"},
}

// compressible formats are text formats whose files may be compressed as a
// whole.
func compressible(format string) bool {
	return format == CSV || format == JSON || format == Text || format == XML
}

func hasFormatExt(name, format string) bool {
	if format == Text {
		return true
	}
	n := strings.ToLower(name)
	if compressible(format) {
		n = trimCodecSuffix(n)
	}
	for _, ext := range formatExts[format] {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// Files is expand for callers that must check each file (for example that
// no file is a link out of its depot).
func Files(path, format string) ([]string, error) { return expand(path, format) }

func quoteList(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = quote(f)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// unescape turns an option written with backslash escapes, as Spark takes
// them (`\t`, `\u0001`), into the character it names.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	if s == `\|` {
		return "|"
	}
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`); err == nil {
		return u
	}
	return s
}

// timestampTZ is the DuckDB type of Spark's TIMESTAMP.
const timestampTZ = "TIMESTAMP WITH TIME ZONE"

type column struct {
	name, typ string
	t         *dtype
}

// schema is an explicit read schema, in order.
type schema []column

// literal is the DuckDB columns = {...} struct literal of the schema.
func (s schema) literal() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = quote(c.name) + ": " + quote(c.typ)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// sparkStruct is Spark's DataType JSON for a struct.
type sparkStruct struct {
	Type   string `json:"type"`
	Fields []struct {
		Name     string          `json:"name"`
		Type     json.RawMessage `json:"type"`
		Nullable *bool           `json:"nullable"`
	} `json:"fields"`
}

// schemaColumns reads a Spark struct JSON schema or a DDL string
// ("id INT, name STRING, tags ARRAY<STRING>"); nil when neither is given.
func schemaColumns(structJSON, ddl string) (schema, error) {
	var out schema
	if structJSON != "" && strings.TrimSpace(ddl) != "" {
		return nil, fmt.Errorf("schema is given twice (schemaString and the reader option schema): give one")
	}
	if t := strings.TrimSpace(ddl); strings.HasPrefix(t, "{") {
		// The reader option schema may be a StructType in JSON too.
		structJSON, ddl = t, ""
	}
	switch {
	case structJSON != "":
		var s sparkStruct
		if err := json.Unmarshal([]byte(structJSON), &s); err != nil {
			return nil, fmt.Errorf("schemaString: not a Spark struct schema in JSON: %w", err)
		}
		if s.Type != "struct" || len(s.Fields) == 0 {
			return nil, fmt.Errorf("schemaString: expected {\"type\":\"struct\",\"fields\":[...]}")
		}
		for _, f := range s.Fields {
			dt, err := sparkJSONType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("schemaString: field %s: %w", f.Name, err)
			}
			out = append(out, column{f.Name, dt.SQL(), dt})
		}
	case strings.TrimSpace(ddl) != "":
		for _, part := range splitTopLevel(ddl) {
			fs := strings.Fields(part)
			if len(fs) < 2 {
				return nil, fmt.Errorf("schema: %q: expected <column> <type>", strings.TrimSpace(part))
			}
			typ := strings.Join(fs[1:], " ")
			// Spark DDL allows NOT NULL and COMMENT '...' after the type.
			if i := strings.Index(strings.ToUpper(typ), " COMMENT "); i >= 0 {
				typ = typ[:i]
			}
			if i := strings.Index(strings.ToUpper(typ), " NOT NULL"); i >= 0 {
				typ = typ[:i]
			}
			dt, err := sparkDType(typ)
			if err != nil {
				return nil, fmt.Errorf("schema: column %s: %w", fs[0], err)
			}
			out = append(out, column{strings.Trim(strings.TrimSuffix(fs[0], ":"), "`"), dt.SQL(), dt})
		}
	default:
		return nil, nil
	}
	seen := map[string]bool{}
	for _, c := range out {
		if seen[strings.ToLower(c.name)] {
			return nil, fmt.Errorf("schema: column %s appears twice", c.name)
		}
		seen[strings.ToLower(c.name)] = true
	}
	return out, nil
}

func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '<':
			depth++
		case ')', '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// sparkType maps a Spark SQL type name to DuckDB's.
func sparkType(t string) (string, error) {
	lt := strings.ToLower(strings.TrimSpace(t))
	switch lt {
	case "string", "varchar", "char":
		return "VARCHAR", nil
	case "int", "integer":
		return "INTEGER", nil
	case "long", "bigint":
		return "BIGINT", nil
	case "short", "smallint":
		return "SMALLINT", nil
	case "byte", "tinyint":
		return "TINYINT", nil
	case "float", "real":
		return "FLOAT", nil
	case "double":
		return "DOUBLE", nil
	case "boolean", "bool":
		return "BOOLEAN", nil
	case "date":
		return "DATE", nil
	case "timestamp", "timestamp_ltz":
		return timestampTZ, nil
	case "timestamp_ntz":
		return "TIMESTAMP", nil
	case "binary":
		return "BLOB", nil
	}
	if lt == "decimal" || lt == "dec" || lt == "numeric" {
		// Spark's DECIMAL without arguments is DECIMAL(10, 0).
		return "DECIMAL(10, 0)", nil
	}
	if strings.HasPrefix(lt, "decimal") || strings.HasPrefix(lt, "numeric") {
		return strings.ToUpper(lt), nil
	}
	if strings.HasPrefix(lt, "varchar(") || strings.HasPrefix(lt, "char(") {
		return "VARCHAR", nil
	}
	return "", fmt.Errorf("unknown type %q", t)
}
