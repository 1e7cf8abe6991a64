package connector

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// openDB opens an in-memory DuckDB in UTC, so that timestamps print the
// same on every machine.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return db
}

// table is a relation's schema ("id:INTEGER,name:VARCHAR") and rows, each
// row its values as text joined by "|", NULL as NULL.
type table struct {
	schema string
	rows   []string
}

// readTable runs SELECT * FROM expr and returns what it holds.
func readTable(ctx context.Context, db *sql.DB, expr string) (table, error) {
	var out table
	drows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+expr+")")
	if err != nil {
		return out, err
	}
	var cols []string
	for drows.Next() {
		var name, typ string
		if err := drows.Scan(&name, &typ); err != nil {
			drows.Close()
			return out, err
		}
		cols = append(cols, name+":"+typ)
	}
	drows.Close()
	if err := drows.Err(); err != nil {
		return out, err
	}
	out.schema = strings.Join(cols, ",")
	rows, err := db.QueryContext(ctx, "SELECT COLUMNS(*)::VARCHAR FROM "+expr)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return out, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out.rows = append(out.rows, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}

func td(parts ...string) string { return filepath.Join(append([]string{"testdata"}, parts...)...) }

type readCase struct {
	name    string
	src     Source
	schema  string
	rows    []string
	sorted  bool   // rows are compared after ORDER BY ALL
	wantErr string // a substring of the error (from ReadSQL or the query)
}

func runReadCases(t *testing.T, cases []readCase) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expr, err := ReadSQL(tc.src)
			var got table
			if err == nil {
				if tc.sorted {
					expr = "(SELECT * FROM " + expr + " ORDER BY ALL)"
				}
				got, err = readTable(ctx, db, expr)
				err = ReadError(tc.src, err)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q (sql %s)", err, tc.wantErr, expr)
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v (sql %s)", err, expr)
			}
			if got.schema != tc.schema {
				t.Errorf("schema = %s, want %s (sql %s)", got.schema, tc.schema, expr)
			}
			if strings.Join(got.rows, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows =\n%s\nwant\n%s", strings.Join(got.rows, "\n"), strings.Join(tc.rows, "\n"))
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	people := td("csv", "people.csv")
	allVarchar := "id:VARCHAR,name:VARCHAR,born:VARCHAR,score:VARCHAR"
	peopleRows := []string{"1|Smith, Ann|02/01/1990|1.5", "2|Bob|NA|2", "3|NULL|15/12/2001|NULL"}
	cases := []readCase{
		{
			name:   "header, no inferSchema: every column a string",
			src:    Source{Path: people, Format: "csv", Options: map[string]string{"header": "true"}},
			schema: allVarchar,
			rows:   peopleRows,
		},
		{
			name:   "format and option names are case-insensitive",
			src:    Source{Path: people, Format: "CSV", Options: map[string]string{"Header": "TRUE", "inferSchema": "False"}},
			schema: allVarchar,
			rows:   peopleRows,
		},
		{
			name:   "no header: DuckDB's column names, the header line is data",
			src:    Source{Path: people, Format: "csv"},
			schema: "column0:VARCHAR,column1:VARCHAR,column2:VARCHAR,column3:VARCHAR",
			rows:   append([]string{"id|name|born|score"}, peopleRows...),
		},
		{
			name:   "headerless file",
			src:    Source{Path: td("csv", "people_noheader.csv"), Format: "csv", Options: map[string]string{"header": "false", "inferSchema": "true", "nullValue": "NA", "dateFormat": "dd/MM/yyyy"}},
			schema: "column0:BIGINT,column1:VARCHAR,column2:DATE,column3:DOUBLE",
			rows:   []string{"1|Smith, Ann|1990-01-02|1.5", "2|Bob|NULL|2.0", "3|NULL|2001-12-15|NULL"},
		},
		{
			name:   "inferSchema with nullValue and a Java dateFormat",
			src:    Source{Path: people, Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true", "nullValue": "NA", "dateFormat": "dd/MM/yyyy"}},
			schema: "id:BIGINT,name:VARCHAR,born:DATE,score:DOUBLE",
			rows:   []string{"1|Smith, Ann|1990-01-02|1.5", "2|Bob|NULL|2.0", "3|NULL|2001-12-15|NULL"},
		},
		{
			name:   "nullValue on strings keeps empty fields NULL",
			src:    Source{Path: people, Format: "csv", Options: map[string]string{"header": "true", "nullValue": "NA"}},
			schema: allVarchar,
			rows:   []string{"1|Smith, Ann|02/01/1990|1.5", "2|Bob|NULL|2", "3|NULL|15/12/2001|NULL"},
		},
		{
			name:   "tab delimiter written as \\t",
			src:    Source{Path: td("csv", "people.tsv"), Format: "csv", Options: map[string]string{"header": "true", "delimiter": `\t`}},
			schema: allVarchar,
			rows:   peopleRows,
		},
		{
			name:   "pipe sep",
			src:    Source{Path: td("csv", "people_pipe.csv"), Format: "csv", Options: map[string]string{"header": "true", "sep": "|"}},
			schema: allVarchar,
			rows:   peopleRows,
		},
		{
			name:   "single quote as quote and escape",
			src:    Source{Path: td("csv", "quote_single.csv"), Format: "csv", Options: map[string]string{"header": "true", "quote": "'"}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{"1|Smith, Ann", "2|O'Brien"},
		},
		{
			name:   "empty quote turns quoting off",
			src:    Source{Path: td("csv", "stray_quotes.csv"), Format: "csv", Options: map[string]string{"header": "true", "quote": ""}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{`1|"a`, `2|b"`},
		},
		{
			name:   "DDL schema with Java dateFormat",
			src:    Source{Path: people, Format: "csv", Options: map[string]string{"header": "true", "schema": "id INT, name STRING, born DATE, score DECIMAL(5, 2)", "nullValue": "NA", "dateFormat": "dd/MM/yyyy"}},
			schema: "id:INTEGER,name:VARCHAR,born:DATE,score:DECIMAL(5,2)",
			rows:   []string{"1|Smith, Ann|1990-01-02|1.50", "2|Bob|NULL|2.00", "3|NULL|2001-12-15|NULL"},
		},
		{
			name:   "schemaString (Spark struct JSON) names the columns of a headerless file",
			src:    Source{Path: td("csv", "people_noheader.csv"), Format: "csv", Options: map[string]string{"nullValue": "NA"}, SchemaString: `{"type":"struct","fields":[{"name":"id","type":"long","nullable":true},{"name":"name","type":"string"},{"name":"born","type":"string"},{"name":"score","type":"double"}]}`},
			schema: "id:BIGINT,name:VARCHAR,born:VARCHAR,score:DOUBLE",
			rows:   []string{"1|Smith, Ann|02/01/1990|1.5", "2|Bob|NULL|2.0", "3|NULL|15/12/2001|NULL"},
		},
		{
			// DuckDB leaves TIMESTAMP WITH TIME ZONE columns NULL when a
			// timestampformat is given; the connector reads them as
			// TIMESTAMP and converts.
			name:   "timestampFormat fills a timestamp (with time zone) column",
			src:    Source{Path: td("csv", "events.csv"), Format: "csv", Options: map[string]string{"header": "true", "schema": "id INT, at TIMESTAMP", "timestampFormat": "dd/MM/yyyy HH:mm:ss"}},
			schema: "id:INTEGER,at:TIMESTAMP WITH TIME ZONE",
			rows:   []string{"1|2024-01-02 10:11:12+00", "2|2023-12-31 23:59:59+00"},
		},
		{
			name:   "timestampFormat with inferSchema",
			src:    Source{Path: td("csv", "events.csv"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true", "timestampFormat": "dd/MM/yyyy HH:mm:ss"}},
			schema: "id:BIGINT,at:TIMESTAMP",
			rows:   []string{"1|2024-01-02 10:11:12", "2|2023-12-31 23:59:59"},
		},
		{
			name:   "gzip-compressed csv",
			src:    Source{Path: td("csv", "people.csv.gz"), Format: "csv", Options: map[string]string{"header": "true"}},
			schema: allVarchar,
			rows:   peopleRows,
		},
		{
			name:   "a folder: every csv below it, skipping _ and . names and other formats",
			src:    Source{Path: td("csv", "folder"), Format: "csv", Options: map[string]string{"header": "true"}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{"1|a", "2|b", "4|d"},
		},
		{
			name:   "a glob",
			src:    Source{Path: td("csv", "glob", "day*.csv"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true"}},
			schema: "id:BIGINT,name:VARCHAR",
			rows:   []string{"1|a", "2|b"},
		},
		{
			name:   "DROPMALFORMED skips a row with too many fields",
			src:    Source{Path: td("csv", "bad_row.csv"), Format: "csv", Options: map[string]string{"header": "true", "mode": "DROPMALFORMED"}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{"1|a", "3|d"},
		},
		{
			name:   "DROPMALFORMED skips a value that does not fit the schema",
			src:    Source{Path: td("csv", "bad_value.csv"), Format: "csv", Options: map[string]string{"header": "true", "mode": "dropmalformed", "schema": "id INT, name STRING"}},
			schema: "id:INTEGER,name:VARCHAR",
			rows:   []string{"1|a"},
		},
		{
			name:    "FAILFAST (default): a row with too many fields names file and line",
			src:     Source{Path: td("csv", "bad_row.csv"), Format: "csv", Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + td("csv", "bad_row.csv") + ` line 3: expected 2 fields, found 3: "2,b,c"`,
		},
		{
			name:    "FAILFAST with inferSchema: the same error",
			src:     Source{Path: td("csv", "bad_row.csv"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true", "mode": "FAILFAST"}},
			wantErr: "malformed row in " + td("csv", "bad_row.csv") + " line 3: expected 2 fields, found 3",
		},
		{
			name:    "FAILFAST: a value that does not fit the schema names file and line",
			src:     Source{Path: td("csv", "bad_value.csv"), Format: "csv", Options: map[string]string{"header": "true", "schema": "id INT, name STRING"}},
			wantErr: "malformed row in " + td("csv", "bad_value.csv") + ` line 3: Error when converting column "id". Could not convert string "x" to 'INTEGER': "x,b"`,
		},
		{
			name:    "FAILFAST: the line counts the lines of a quoted field",
			src:     Source{Path: td("csv", "bad_after_multiline.csv"), Format: "csv", Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + td("csv", "bad_after_multiline.csv") + ` line 4: expected 2 fields, found 3: "2,x,y"`,
		},
		{
			name:   "a quoted field may hold a line break",
			src:    Source{Path: td("csv", "bad_after_multiline.csv"), Format: "csv", Options: map[string]string{"header": "true", "mode": "DROPMALFORMED"}},
			schema: "id:VARCHAR,note:VARCHAR",
			rows:   []string{"1|two\nlines, really"},
		},
		{
			name:   "# starts no comment unless asked",
			src:    Source{Path: td("csv", "hash.csv"), Format: "csv", Options: map[string]string{"header": "true"}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{"1|a", "#2|b", "3|c # note"},
		},
		{
			name:   "comment option",
			src:    Source{Path: td("csv", "hash.csv"), Format: "csv", Options: map[string]string{"header": "true", "comment": "#"}},
			schema: "id:VARCHAR,name:VARCHAR",
			rows:   []string{"1|a", "3|c "},
		},
		{
			// DuckDB's sniffer would skip the title line and take the
			// second line for the header.
			name:    "a line above the header is the header",
			src:     Source{Path: td("csv", "title_line.csv"), Format: "csv", Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + td("csv", "title_line.csv") + ` line 2: expected 1 fields, found 2: "id,name"`,
		},
		{
			name:    "no file matches a glob",
			src:     Source{Path: td("csv", "glob", "nothing*.csv"), Format: "csv"},
			wantErr: "no file matches " + td("csv", "glob", "nothing*.csv"),
		},
		{
			name:    "dataset not found",
			src:     Source{Path: td("csv", "missing.csv"), Format: "csv"},
			wantErr: "dataset not found: " + td("csv", "missing.csv"),
		},
		{
			name:    "a folder without csv files",
			src:     Source{Path: td("json"), Format: "csv"},
			wantErr: "folder " + td("json") + " holds no csv files",
		},
		{
			name:    "bad mode",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"mode": "LENIENT"}},
			wantErr: `option mode: "LENIENT" is not FAILFAST, DROPMALFORMED or PERMISSIVE`,
		},
		{
			name:    "bad header",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"header": "yes please"}},
			wantErr: `option header: "yes please" is not true or false`,
		},
		{
			name:    "bad inferSchema",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"inferSchema": "maybe"}},
			wantErr: `option inferSchema: "maybe" is not true or false`,
		},
		{
			name:    "bad schema type",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"schema": "id INT, name TEXTISH"}},
			wantErr: `schema: column name: unknown type "TEXTISH"`,
		},
		{
			name:    "bad schemaString",
			src:     Source{Path: people, Format: "csv", SchemaString: `{"type":"array"}`},
			wantErr: `schemaString: expected {"type":"struct","fields":[...]}`,
		},
		{
			name:    "bad dateFormat",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"dateFormat": "GGGG"}},
			wantErr: "option dateFormat",
		},
		{
			name:    "unknown format",
			src:     Source{Path: people, Format: "delta"},
			wantErr: `format "delta" cannot be read from files`,
		},
		{
			name:    "a Go-decoded format needs Read",
			src:     Source{Path: people, Format: "avro"},
			wantErr: `format avro is decoded in Go and loaded into a table: read it with connector.Read`,
		},
		{
			name:    "an option csv does not take",
			src:     Source{Path: people, Format: "csv", Options: map[string]string{"header": "true", "rowTag": "row"}},
			wantErr: `csv input: unknown option "rowTag" (accepted: `,
		},
	}
	runReadCases(t, cases)
}

// TestReadCSVLateMalformedRow: a malformed row beyond what DuckDB's sniffer
// samples is reported by the reader itself, with file and line.
func TestReadCSVLateMalformedRow(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 30000; i++ {
		fmt.Fprintf(&b, "%d,n%d\n", i, i)
	}
	b.WriteString("30001,x,y\n30002,z\n")
	path := filepath.Join(dir, "late.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "late.csv.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	runReadCases(t, []readCase{
		{
			name:    "FAILFAST",
			src:     Source{Path: path, Format: "csv", Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + path + ` line 30002: expected 2 fields, found 3: "30001,x,y"`,
		},
		{
			name:    "FAILFAST gzip",
			src:     Source{Path: gz, Format: "csv", Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + gz + " line 30002",
		},
	})
	// The DROPMALFORMED read keeps every good row.
	db := openDB(t)
	expr, err := ReadSQL(Source{Path: path, Format: "csv", Options: map[string]string{"header": "true", "mode": "DROPMALFORMED"}})
	if err != nil {
		t.Fatal(err)
	}
	var n, maxID int64
	if err := db.QueryRow("SELECT count(*), max(id::BIGINT) FROM "+expr).Scan(&n, &maxID); err != nil {
		t.Fatal(err)
	}
	if n != 30001 || maxID != 30002 {
		t.Errorf("DROPMALFORMED read %d rows up to id %d, want 30001 rows up to 30002", n, maxID)
	}
}

func TestReadJSON(t *testing.T) {
	cases := []readCase{
		{
			name:   "newline-delimited",
			src:    Source{Path: td("json", "people.jsonl"), Format: "json"},
			schema: "id:BIGINT,name:VARCHAR,born:VARCHAR,at:VARCHAR",
			rows:   []string{"1|a|02/01/1990|02/01/2024 10:11:12", "2|b|NULL|NULL"},
		},
		{
			name:   "multiLine array",
			src:    Source{Path: td("json", "array.json"), Format: "JSON", Options: map[string]string{"multiLine": "true"}},
			schema: "id:BIGINT,name:VARCHAR",
			rows:   []string{"1|a", "2|b"},
		},
		{
			name:   "explicit schema with Java date and timestamp formats",
			src:    Source{Path: td("json", "people.jsonl"), Format: "json", Options: map[string]string{"schema": "id INT, born DATE, at TIMESTAMP", "dateFormat": "dd/MM/yyyy", "timestampFormat": "dd/MM/yyyy HH:mm:ss"}},
			schema: "id:INTEGER,born:DATE,at:TIMESTAMP WITH TIME ZONE",
			rows:   []string{"1|1990-01-02|2024-01-02 10:11:12+00", "2|NULL|NULL"},
		},
		{
			name:   "schemaString",
			src:    Source{Path: td("json", "people.jsonl"), Format: "json", SchemaString: `{"type":"struct","fields":[{"name":"name","type":"string"},{"name":"id","type":"short"}]}`},
			schema: "name:VARCHAR,id:SMALLINT",
			rows:   []string{"a|1", "b|2"},
		},
		{
			name:    "malformed line names file and line",
			src:     Source{Path: td("json", "bad.jsonl"), Format: "json"},
			wantErr: "malformed row in " + td("json", "bad.jsonl") + " line 3",
		},
		{
			name:   "DROPMALFORMED",
			src:    Source{Path: td("json", "bad.jsonl"), Format: "json", Options: map[string]string{"mode": "DROPMALFORMED"}},
			schema: "id:BIGINT,name:VARCHAR",
			rows:   []string{"1|a", "3|c"},
		},
	}
	runReadCases(t, cases)
}

// TestReadErrorKeepsEngineError: the readable error still unwraps to
// DuckDB's, and errors that are not about a row pass through unchanged.
func TestReadErrorKeepsEngineError(t *testing.T) {
	db := openDB(t)
	src := Source{Path: td("csv", "bad_row.csv"), Format: "csv", Options: map[string]string{"header": "true"}}
	expr, err := ReadSQL(src)
	if err != nil {
		t.Fatal(err)
	}
	_, qerr := readTable(context.Background(), db, expr)
	if qerr == nil {
		t.Fatal("reading a malformed file succeeded")
	}
	err = ReadError(src, fmt.Errorf("define input: %w", qerr))
	var me *MalformedError
	if !errors.As(err, &me) {
		t.Fatalf("ReadError = %v, want a *MalformedError", err)
	}
	if me.File != src.Path || me.Line != 3 || me.Row != "2,b,c" {
		t.Errorf("MalformedError = %+v, want file %s line 3 row 2,b,c", me, src.Path)
	}
	if !errors.Is(err, qerr) {
		t.Errorf("ReadError does not unwrap to the engine's error")
	}
	other := errors.New("Catalog Error: Table with name x does not exist!")
	if got := ReadError(src, other); got != other {
		t.Errorf("ReadError(other) = %v, want it unchanged", got)
	}
	if ReadError(src, nil) != nil {
		t.Errorf("ReadError(nil) != nil")
	}
}

func TestReadParquetUnionByName(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	dir := t.TempDir()
	for _, q := range []string{
		"COPY (SELECT 1 AS id, 'a' AS name) TO " + quote(filepath.Join(dir, "part-1.parquet")),
		"COPY (SELECT 2 AS id, 2.5 AS score) TO " + quote(filepath.Join(dir, "sub", "part-2.parquet")),
		"COPY (SELECT 9 AS id, 'hidden' AS name) TO " + quote(filepath.Join(dir, ".part-9.parquet")),
		"COPY (SELECT 8 AS id, 'temp' AS name) TO " + quote(filepath.Join(dir, "_temporary", "part-8.parquet")),
	} {
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "_temporary"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "")
	runReadCases(t, []readCase{
		{
			name:   "folder",
			src:    Source{Path: dir, Format: "Parquet"},
			sorted: true,
			schema: "id:INTEGER,name:VARCHAR,score:DECIMAL(2,1)",
			rows:   []string{"1|a|NULL", "2|NULL|2.5"},
		},
		{
			name:   "explicit schema picks and casts columns",
			src:    Source{Path: dir, Format: "parquet", Options: map[string]string{"schema": "score DOUBLE, id BIGINT"}},
			sorted: true,
			schema: "score:DOUBLE,id:BIGINT",
			rows:   []string{"2.5|2", "NULL|1"},
		},
		{
			name:   "glob that matches a folder and a file",
			src:    Source{Path: filepath.Join(dir, "*"), Format: "parquet"},
			sorted: true,
			schema: "id:INTEGER,name:VARCHAR,score:DECIMAL(2,1)",
			rows:   []string{"1|a|NULL", "2|NULL|2.5"},
		},
	})
}

func TestReadOddFileName(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "o'neil; drop.csv")
	writeFile(t, path, "id\n1\n")
	runReadCases(t, []readCase{{
		name:   "quote in the name",
		src:    Source{Path: path, Format: "csv", Options: map[string]string{"header": "true"}},
		schema: "id:VARCHAR",
		rows:   []string{"1"},
	}})
}

func TestFiles(t *testing.T) {
	cases := []struct {
		path, format string
		want         []string
	}{
		{td("csv", "folder"), "csv", []string{td("csv", "folder", "a.csv"), td("csv", "folder", "b.csv"), td("csv", "folder", "sub", "d.csv")}},
		{td("csv", "glob", "day*.csv"), "csv", []string{td("csv", "glob", "day1.csv"), td("csv", "glob", "day2.csv")}},
		{td("csv", "people.csv.gz"), "csv", []string{td("csv", "people.csv.gz")}},
		{td("json"), "json", []string{td("json", "array.json"), td("json", "bad.jsonl"), td("json", "people.jsonl")}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			got, err := Files(tc.path, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Files = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHeaderlessRename(t *testing.T) {
	cases := []struct {
		name string
		src  Source
		want bool
	}{
		{"csv without header option", Source{Format: "csv"}, true},
		{"csv header false", Source{Format: "CSV", Options: map[string]string{"header": "false"}}, true},
		{"csv header true", Source{Format: "csv", Options: map[string]string{"Header": "true"}}, false},
		{"csv with a DDL schema", Source{Format: "csv", Options: map[string]string{"schema": "id INT"}}, false},
		{"csv with schemaString", Source{Format: "csv", SchemaString: `{"type":"struct","fields":[{"name":"id","type":"integer"}]}`}, false},
		{"json", Source{Format: "json"}, false},
		{"parquet", Source{Format: "parquet"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := HeaderlessRename(tc.src); got != tc.want {
				t.Errorf("HeaderlessRename = %v, want %v", got, tc.want)
			}
		})
	}
}
