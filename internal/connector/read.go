package connector

import (
	"encoding/json"
	"fmt"
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
	// Options are the Spark reader options of the input, with lower-cased
	// keys: header, delimiter/sep, quote, escape, inferschema, nullvalue,
	// dateformat, timestampformat, mode, multiline, compression, schema.
	Options map[string]string
	// SchemaString is a Spark struct JSON schema (schemaString in Flare);
	// optional.
	SchemaString string
}

// ReadSQL returns a DuckDB table expression that reads the source, for use
// as `CREATE VIEW name AS SELECT * FROM <expr>`.
func ReadSQL(src Source) (string, error) {
	files, err := expand(src.Path, src.Format)
	if err != nil {
		return "", err
	}
	list := quoteList(files)
	opts := lowerKeys(src.Options)
	cols, err := schemaColumns(src.SchemaString, opts["schema"])
	if err != nil {
		return "", err
	}
	switch strings.ToLower(src.Format) {
	case CSV:
		return csvSQL(list, opts, cols)
	case JSON:
		args := []string{list}
		if b, _ := strconv.ParseBool(opts["multiline"]); b {
			args = append(args, "format = 'array'")
		} else {
			args = append(args, "format = 'newline_delimited'")
		}
		if cols != "" {
			args = append(args, "columns = "+cols)
		}
		if ts := opts["timestampformat"]; ts != "" {
			f, err := sparksql.StrftimeFormat(ts)
			if err != nil {
				return "", err
			}
			args = append(args, "timestampformat = "+quote(f))
		}
		if df := opts["dateformat"]; df != "" {
			f, err := sparksql.StrftimeFormat(df)
			if err != nil {
				return "", err
			}
			args = append(args, "dateformat = "+quote(f))
		}
		if m := strings.ToUpper(opts["mode"]); m == "DROPMALFORMED" || m == "PERMISSIVE" {
			args = append(args, "ignore_errors = true")
		}
		return "read_json(" + strings.Join(args, ", ") + ")", nil
	case Parquet:
		return "read_parquet(" + list + ", union_by_name = true)", nil
	}
	return "", fmt.Errorf("format %q cannot be read from files (csv, json, parquet)", src.Format)
}

func csvSQL(list string, opts map[string]string, cols string) (string, error) {
	args := []string{list}
	// Spark's defaults: no header row, every column a string unless
	// inferSchema is true.
	header := false
	if v, ok := opts["header"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", fmt.Errorf("option header: %q is not true or false", v)
		}
		header = b
	}
	args = append(args, "header = "+strconv.FormatBool(header))
	for _, k := range []string{"delimiter", "sep"} {
		if v, ok := opts[k]; ok {
			args = append(args, "delim = "+quote(unescape(v)))
			break
		}
	}
	if v, ok := opts["quote"]; ok {
		args = append(args, "quote = "+quote(v))
	}
	if v, ok := opts["escape"]; ok {
		args = append(args, "escape = "+quote(v))
	}
	if v, ok := opts["nullvalue"]; ok {
		args = append(args, "nullstr = "+quote(v))
	}
	if v, ok := opts["comment"]; ok {
		args = append(args, "comment = "+quote(v))
	}
	if ts := opts["timestampformat"]; ts != "" {
		f, err := sparksql.StrftimeFormat(ts)
		if err != nil {
			return "", err
		}
		args = append(args, "timestampformat = "+quote(f))
	}
	if df := opts["dateformat"]; df != "" {
		f, err := sparksql.StrftimeFormat(df)
		if err != nil {
			return "", err
		}
		args = append(args, "dateformat = "+quote(f))
	}
	if cols != "" {
		args = append(args, "columns = "+cols, "auto_detect = false")
	} else {
		infer := false
		if v, ok := opts["inferschema"]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return "", fmt.Errorf("option inferSchema: %q is not true or false", v)
			}
			infer = b
		}
		if !infer {
			args = append(args, "all_varchar = true")
		}
	}
	switch m := strings.ToUpper(opts["mode"]); m {
	case "", "FAILFAST":
		// Default: a malformed row fails the job with its file and line.
	case "DROPMALFORMED", "PERMISSIVE":
		args = append(args, "ignore_errors = true")
	default:
		return "", fmt.Errorf("option mode: %q is not FAILFAST, DROPMALFORMED or PERMISSIVE", m)
	}
	return "read_csv(" + strings.Join(args, ", ") + ")", nil
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
// the format's extension below it; a glob is expanded; no match is an error
// that names the path.
func expand(path, format string) ([]string, error) {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		var files []string
		ext := "." + strings.ToLower(format)
		err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if p != path && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return nil
			}
			if strings.HasSuffix(strings.ToLower(name), ext) || strings.HasSuffix(strings.ToLower(name), ext+".gz") ||
				(format == JSON && strings.HasSuffix(strings.ToLower(name), ".jsonl")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", path, err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("folder %s holds no %s files", path, format)
		}
		sort.Strings(files)
		return files, nil
	case err == nil:
		return []string{path}, nil
	}
	if strings.ContainsAny(path, "*?[") {
		files, gerr := filepath.Glob(path)
		if gerr != nil {
			return nil, fmt.Errorf("glob %s: %w", path, gerr)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no file matches %s", path)
		}
		sort.Strings(files)
		return files, nil
	}
	return nil, fmt.Errorf("dataset not found: %s", path)
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

func unescape(s string) string {
	switch s {
	case `\t`:
		return "\t"
	case `\|`:
		return "|"
	}
	return s
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

// schemaColumns turns a Spark struct JSON schema or a DDL string
// ("id INT, name STRING") into a DuckDB columns = {...} struct literal.
func schemaColumns(structJSON, ddl string) (string, error) {
	var names, types []string
	switch {
	case structJSON != "":
		var s sparkStruct
		if err := json.Unmarshal([]byte(structJSON), &s); err != nil {
			return "", fmt.Errorf("schemaString: not a Spark struct schema in JSON: %w", err)
		}
		if s.Type != "struct" || len(s.Fields) == 0 {
			return "", fmt.Errorf("schemaString: expected {\"type\":\"struct\",\"fields\":[...]}")
		}
		for _, f := range s.Fields {
			var t string
			if err := json.Unmarshal(f.Type, &t); err != nil {
				return "", fmt.Errorf("schemaString: field %s: only primitive types are supported in a read schema", f.Name)
			}
			dt, err := sparkType(t)
			if err != nil {
				return "", fmt.Errorf("schemaString: field %s: %w", f.Name, err)
			}
			names, types = append(names, f.Name), append(types, dt)
		}
	case ddl != "":
		for _, part := range splitTopLevel(ddl) {
			fs := strings.Fields(part)
			if len(fs) < 2 {
				return "", fmt.Errorf("schema: %q: expected <column> <type>", strings.TrimSpace(part))
			}
			dt, err := sparkType(strings.Join(fs[1:], " "))
			if err != nil {
				return "", fmt.Errorf("schema: column %s: %w", fs[0], err)
			}
			names, types = append(names, strings.Trim(fs[0], "`")), append(types, dt)
		}
	default:
		return "", nil
	}
	parts := make([]string, len(names))
	for i := range names {
		parts[i] = quote(names[i]) + ": " + quote(types[i])
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
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
		return "TIMESTAMP WITH TIME ZONE", nil
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
