package sparksql_test

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/render"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// TestSQLLogic runs the Spark SQL test files testdata/sql/*.slt (DuckDB's
// sqllogictest style) through Translate and a real DuckDB session with the
// session time zone UTC. Records, separated by blank lines:
//
//	# a comment
//	statement ok            the Spark SQL must run
//	statement error <text>  it must fail with an error containing <text>
//	query                   the Spark SQL, then a line ----, then the
//	                        expected rows (columns separated by a tab, as
//	                        flare sql prints values; NULL for NULL)
//	rewrite                 the Spark SQL, ----, the exact DuckDB SQL
//
// Row order matters unless the record says "query rowsort".
func TestSQLLogic(t *testing.T) {
	files, err := filepath.Glob("testdata/sql/*.slt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".slt"), func(t *testing.T) {
			runLogicFile(t, f)
		})
	}
}

type record struct {
	line     int
	kind     string // statement, query, rewrite
	arg      string // "ok", "error <text>", "rowsort"
	sql      string
	expected []string
}

func readRecords(t *testing.T, path string) []record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []record
	var cur *record
	inResult := false
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && (strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#")):
		case cur == nil:
			kind, arg, _ := strings.Cut(line, " ")
			switch kind {
			case "statement", "query", "rewrite":
			default:
				t.Fatalf("%s:%d: unknown record %q", path, n, line)
			}
			cur = &record{line: n, kind: kind, arg: strings.TrimSpace(arg)}
			inResult = false
		case strings.TrimSpace(line) == "":
			recs = append(recs, *cur)
			cur = nil
		case line == "----":
			inResult = true
		case inResult:
			cur.expected = append(cur.expected, line)
		default:
			if cur.sql != "" {
				cur.sql += "\n"
			}
			cur.sql += line
		}
	}
	if cur != nil {
		recs = append(recs, *cur)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

func runLogicFile(t *testing.T, path string) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	lib := sparksql.NewLibrary()
	for _, r := range readRecords(t, path) {
		where := path + ":" + strconv.Itoa(r.line)
		if r.kind == "rewrite" {
			got, err := sparksql.Rewrite(r.sql)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			if want := strings.Join(r.expected, "\n"); got != want {
				t.Errorf("%s: rewrite of\n%s\ngot  %q\nwant %q", where, r.sql, got, want)
			}
			continue
		}
		rows, err := runSpark(ctx, conn, lib, r.sql)
		errText, wantErr := strings.CutPrefix(r.arg, "error")
		switch {
		case r.kind == "statement" && r.arg == "ok" || r.kind == "query":
			if err != nil {
				t.Errorf("%s: %v\n%s", where, err, r.sql)
				continue
			}
		case r.kind == "statement" && wantErr:
			if err == nil {
				t.Errorf("%s: want an error containing %q\n%s", where, strings.TrimSpace(errText), r.sql)
			} else if !strings.Contains(err.Error(), strings.TrimSpace(errText)) {
				t.Errorf("%s: error %q does not contain %q", where, err, strings.TrimSpace(errText))
			}
			continue
		default:
			t.Fatalf("%s: bad record %s %s", where, r.kind, r.arg)
		}
		if r.kind != "query" {
			continue
		}
		if r.arg == "rowsort" {
			sort.Strings(rows)
			sort.Strings(r.expected)
		}
		if strings.Join(rows, "\n") != strings.Join(r.expected, "\n") {
			t.Errorf("%s:\n%s\ngot:\n%s\nwant:\n%s", where, r.sql, strings.Join(rows, "\n"), strings.Join(r.expected, "\n"))
		}
	}
}

// runSpark translates and runs Spark SQL; it returns the rows as flare sql
// prints them.
func runSpark(ctx context.Context, conn *sql.Conn, lib *sparksql.Library, spark string) ([]string, error) {
	r, err := sparksql.Translate(spark)
	if err != nil {
		return nil, err
	}
	if err := lib.Install(ctx, conn, r.SQL); err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, r.SQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	cts, _ := rows.ColumnTypes()
	res := render.Result{Columns: cols}
	for _, ct := range cts {
		res.Types = append(res.Types, ct.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for k, v := range row {
			cells[k] = render.Cell(res.Types[k], v)
		}
		out = append(out, strings.Join(cells, "\t"))
	}
	if len(cols) == 1 && cols[0] == "Success" && len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
