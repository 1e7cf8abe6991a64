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

// Formats read and written by this package.
const (
	CSV     = "csv"
	JSON    = "json"
	Parquet = "parquet"
)

// Source describes a file dataset to read.
type Source struct {
	// Path is a file, a folder (all files of the format inside it,
	// recursively) or a glob.
	Path   string
	Format string
	// Options are the Spark reader options of the input; keys are matched
	// without regard to case or underscores: header, delimiter/sep, quote,
	// escape, comment, inferSchema, nullValue, dateFormat, timestampFormat,
	// mode, multiLine, compression, schema (a DDL string).
	Options map[string]string
	// SchemaString is a Spark struct JSON schema (schemaString in Flare);
	// optional.
	SchemaString string
}

// ReadSQL returns a DuckDB table expression that reads the source, for use
// as `CREATE VIEW name AS SELECT * FROM <expr>`. The expression is either a
// table function call or a parenthesised query.
//
// Errors that DuckDB raises when it runs the expression (a malformed row, a
// value that does not fit its column) can be made readable with ReadError.
func ReadSQL(src Source) (string, error) {
	format := strings.ToLower(src.Format)
	if format != CSV && format != JSON && format != Parquet {
		return "", fmt.Errorf("format %q cannot be read from files (csv, json, parquet)", src.Format)
	}
	files, err := expand(src.Path, format)
	if err != nil {
		return "", err
	}
	list := quoteList(files)
	opts := lowerKeys(src.Options)
	cols, err := schemaColumns(src.SchemaString, opts["schema"])
	if err != nil {
		return "", err
	}
	if format == Parquet {
		call := "read_parquet(" + list + ", union_by_name = true)"
		if cols == nil {
			return call, nil
		}
		// An explicit schema picks and casts the columns, as Spark's
		// reader schema does.
		sel := make([]string, len(cols))
		for i, c := range cols {
			sel[i] = "CAST(" + quoteIdent(c.name) + " AS " + c.typ + ") AS " + quoteIdent(c.name)
		}
		return "(SELECT " + strings.Join(sel, ", ") + " FROM " + call + ")", nil
	}
	args := []string{list}
	switch format {
	case CSV:
		a, err := csvArgs(opts, cols != nil)
		if err != nil {
			return "", err
		}
		args = append(args, a...)
	case JSON:
		multi, err := boolOption(opts, "multiline", false)
		if err != nil {
			return "", err
		}
		if multi {
			// A file is one JSON document: an array of records or a single
			// (pretty-printed) record.
			args = append(args, "format = 'auto'")
		} else {
			args = append(args, "format = 'newline_delimited'")
		}
	}
	if v, ok := opts["compression"]; ok {
		c, err := readCompression(v)
		if err != nil {
			return "", err
		}
		if c == "none" && format == JSON {
			c = "uncompressed" // read_json's name for it
		}
		args = append(args, "compression = "+quote(c))
	}
	var dateFmt, tsFmt string
	if df := opts["dateformat"]; df != "" {
		if dateFmt, err = sparksql.ParseFormat(df); err != nil {
			return "", fmt.Errorf("option dateFormat: %w", err)
		}
		args = append(args, "dateformat = "+quote(dateFmt))
	}
	if ts := opts["timestampformat"]; ts != "" {
		if tsFmt, err = sparksql.ParseFormat(ts); err != nil {
			return "", fmt.Errorf("option timestampFormat: %w", err)
		}
		args = append(args, "timestampformat = "+quote(tsFmt))
	}
	drop, err := dropMalformed(opts)
	if err != nil {
		return "", err
	}
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

// csvArgs maps Spark's csv reader options to read_csv arguments. The dialect
// is always given in full, with Spark's defaults, so that DuckDB's sniffer
// never guesses another delimiter or quote from the data.
func csvArgs(opts map[string]string, schema bool) ([]string, error) {
	header, err := boolOption(opts, "header", false)
	if err != nil {
		return nil, err
	}
	args := []string{"header = " + strconv.FormatBool(header)}
	delim := ","
	for _, k := range []string{"delimiter", "sep"} {
		if v, ok := opts[k]; ok {
			delim = unescape(v)
			break
		}
	}
	if delim == "" {
		return nil, fmt.Errorf("option delimiter: must not be empty")
	}
	q, ok := opts["quote"]
	if !ok {
		q = `"`
	}
	q = unescape(q)
	esc, ok := opts["escape"]
	if !ok {
		esc = q
	}
	esc = unescape(esc)
	args = append(args, "delim = "+quote(delim), "quote = "+quote(q), "escape = "+quote(esc))
	// Spark reads an unquoted empty field as NULL whatever nullValue says.
	if v, ok := opts["nullvalue"]; ok && v != "" {
		args = append(args, "nullstr = ["+quote(v)+", '']")
	}
	// Spark neither skips leading lines nor knows comments unless asked;
	// DuckDB's sniffer would guess both (a title line above the header,
	// rows starting with #) and silently drop data.
	args = append(args, "skip = 0", "comment = "+quote(unescape(opts["comment"])))
	if !schema {
		infer, err := boolOption(opts, "inferschema", false)
		if err != nil {
			return nil, err
		}
		if !infer {
			args = append(args, "all_varchar = true")
		}
	}
	return args, nil
}

// dropMalformed reads the mode option: FAILFAST (the default) fails on a
// malformed row, DROPMALFORMED and PERMISSIVE skip it.
func dropMalformed(opts map[string]string) (bool, error) {
	switch m := strings.ToUpper(strings.TrimSpace(opts["mode"])); m {
	case "", "FAILFAST":
		return false, nil
	case "DROPMALFORMED", "PERMISSIVE":
		return true, nil
	default:
		return false, fmt.Errorf("option mode: %q is not FAILFAST, DROPMALFORMED or PERMISSIVE", opts["mode"])
	}
}

func boolOption(opts map[string]string, key string, def bool) (bool, error) {
	v, ok := opts[key]
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("option %s: %q is not true or false", optionName(key), v)
	}
	return b, nil
}

// optionName spells a lower-cased option key the way Spark documents it.
func optionName(key string) string {
	switch key {
	case "inferschema":
		return "inferSchema"
	case "multiline":
		return "multiLine"
	}
	return key
}

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
	}
	return "", fmt.Errorf("option compression: %q is not gzip, zstd or none", v)
}

// HeaderlessRename reports whether a csv source without a header needs its
// columns renamed from DuckDB's column0, column1, ... to Spark's _c0, _c1.
func HeaderlessRename(src Source) bool {
	if strings.ToLower(src.Format) != CSV || src.SchemaString != "" || lowerKeys(src.Options)["schema"] != "" {
		return false
	}
	b, _ := strconv.ParseBool(lowerKeys(src.Options)["header"])
	return !b
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

// formatExts are the file name endings of each format in a folder; each may
// carry a .gz or .zst compression suffix, which DuckDB reads by itself.
var formatExts = map[string][]string{
	CSV:     {".csv", ".tsv"},
	JSON:    {".json", ".jsonl", ".ndjson"},
	Parquet: {".parquet"},
}

func hasFormatExt(name, format string) bool {
	n := strings.ToLower(name)
	if format != Parquet {
		n = strings.TrimSuffix(strings.TrimSuffix(n, ".gz"), ".zst")
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

func lowerKeys(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(strings.ReplaceAll(k, "_", ""))] = v
	}
	return out
}

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

type column struct{ name, typ string }

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
// ("id INT, name STRING"); nil when neither is given.
func schemaColumns(structJSON, ddl string) (schema, error) {
	var out schema
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
			var t string
			if err := json.Unmarshal(f.Type, &t); err != nil {
				return nil, fmt.Errorf("schemaString: field %s: only primitive types are supported in a read schema", f.Name)
			}
			dt, err := sparkType(t)
			if err != nil {
				return nil, fmt.Errorf("schemaString: field %s: %w", f.Name, err)
			}
			out = append(out, column{f.Name, dt})
		}
	case strings.TrimSpace(ddl) != "":
		for _, part := range splitTopLevel(ddl) {
			fs := strings.Fields(part)
			if len(fs) < 2 {
				return nil, fmt.Errorf("schema: %q: expected <column> <type>", strings.TrimSpace(part))
			}
			typ := strings.Join(fs[1:], " ")
			// Spark DDL allows NOT NULL and COMMENT '...' after the type.
			if i := strings.Index(strings.ToUpper(typ), " NOT NULL"); i >= 0 {
				typ = typ[:i]
			}
			if i := strings.Index(strings.ToUpper(typ), " COMMENT "); i >= 0 {
				typ = typ[:i]
			}
			dt, err := sparkType(typ)
			if err != nil {
				return nil, fmt.Errorf("schema: column %s: %w", fs[0], err)
			}
			out = append(out, column{strings.Trim(fs[0], "`"), dt})
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
	if strings.HasPrefix(lt, "decimal") || strings.HasPrefix(lt, "varchar(") || strings.HasPrefix(lt, "char(") {
		if strings.HasPrefix(lt, "decimal") {
			return strings.ToUpper(lt), nil
		}
		return "VARCHAR", nil
	}
	return "", fmt.Errorf("unknown type %q", t)
}
