package functions_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// The cases live in testdata/functions/*.test, in the spirit of DuckDB's
// sqllogictest: blocks that start with a keyword line and end at a blank
// line.
//
//	case <title>          starts a case
//	setup                 SQL statements run first, one per line
//	input                 a query whose rows are the relation the functions start from
//	functions             the functions, as in a manifest (YAML list)
//	columns               the expected result columns, "name TYPE" per line
//	rows [ordered]        the expected rows, values separated by " | ", NULL for NULL
//	                      (compared sorted unless "ordered")
//	error                 a text the compile (or run) error must contain
//	deferred              the chain must be deferred without an engine (pivot without values)
//
// Every case also checks that the columns Compile predicts (where it knows
// the type) are the columns DuckDB reports for the SQL, and that the chain
// compiles without an engine (the flare validate path) to the same names.

type testCase struct {
	file, title string
	line        int
	setup       []string
	input       string
	functions   string
	funcLine    int // line of the first function, for positions
	columns     []string
	rows        []string
	ordered     bool
	hasRows     bool
	err         string
	deferred    bool
}

func readCases(t *testing.T, path string) []*testCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*testCase
	var cur *testCase
	block := ""
	var lines []string
	flush := func() {
		if cur == nil || block == "" {
			block, lines = "", nil
			return
		}
		switch block {
		case "setup":
			cur.setup = append(cur.setup, lines...)
		case "input":
			cur.input = strings.Join(lines, "\n")
		case "functions":
			cur.functions = strings.Repeat("\n", cur.funcLine-1) + strings.Join(lines, "\n")
		case "columns":
			cur.columns = lines
		case "rows":
			cur.rows, cur.hasRows = lines, true
		case "error":
			cur.err = strings.Join(lines, "\n")
		}
		block, lines = "", nil
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case block == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")):
			continue
		case block != "" && trimmed == "":
			flush()
			continue
		case block == "" && strings.HasPrefix(line, "case "):
			cur = &testCase{file: filepath.Base(path), title: strings.TrimPrefix(line, "case "), line: n}
			cases = append(cases, cur)
			continue
		case block == "":
			if cur == nil {
				t.Fatalf("%s:%d: %q before any case", path, n, line)
			}
			word := strings.Fields(trimmed)[0]
			switch word {
			case "setup", "input", "functions", "columns", "error":
				if word == "functions" {
					cur.funcLine = n + 1
				}
				block = word
			case "rows":
				block = word
				cur.ordered = strings.Contains(trimmed, "ordered")
			case "deferred":
				cur.deferred = true
			default:
				t.Fatalf("%s:%d: unknown block %q", path, n, line)
			}
			if block == "rows" || block == "columns" {
				// An empty block is written as the keyword alone, then a
				// blank line.
				lines = []string{}
			}
			continue
		}
		lines = append(lines, line)
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func openSession(t testing.TB) *engine.Session {
	t.Helper()
	ctx := context.Background()
	s, err := engine.Open(ctx, engine.Settings{Threads: 2, MemoryLimit: "2GB"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.NeedAll(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := functions.Install(ctx, s.Conn()); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFunctionCases(t *testing.T) {
	files, err := filepath.Glob("testdata/functions/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	ses := openSession(t)
	ctx := context.Background()
	covered := map[string]bool{}
	total, ran := 0, 0
	for _, file := range files {
		for _, tc := range readCases(t, file) {
			total++
			t.Run(strings.TrimSuffix(tc.file, ".test")+"/"+tc.title, func(t *testing.T) {
				ran++
				for _, s := range tc.setup {
					if err := ses.Exec(ctx, s); err != nil {
						t.Fatalf("%s:%d: setup %q: %v", tc.file, tc.line, s, err)
					}
				}
				names := runCase(t, ses, tc)
				for _, n := range names {
					covered[n] = true
				}
			})
		}
	}
	if ran < total {
		return // a -run filter chose some cases
	}
	for _, n := range functions.Names() {
		if !covered[n] {
			t.Errorf("function %s has no passing case in testdata/functions", n)
		}
	}
}

// runCase runs one case and returns the functions it exercised
// successfully.
func runCase(t *testing.T, ses *engine.Session, tc *testCase) []string {
	ctx := context.Background()
	where := fmt.Sprintf("%s:%d", tc.file, tc.line)
	if err := ses.Exec(ctx, "CREATE OR REPLACE TEMP TABLE input AS "+tc.input); err != nil {
		t.Fatalf("%s: input: %v", where, err)
	}
	in, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM input")
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(tc.functions), &node); err != nil {
		t.Fatalf("%s: functions YAML: %v", where, err)
	}
	calls, err := functions.FromYAML(&node, tc.file)
	if err == nil {
		// The validate path: no engine.
		var pure *functions.Chain
		pure, err = functions.Compile(ctx, `"input"`, in, calls, functions.Options{Rewrite: sparksql.Rewrite})
		if err == nil && tc.deferred != (pure.Deferred > 0) {
			t.Fatalf("%s: deferred = %d (%s), want deferred %v", where, pure.Deferred, pure.Note, tc.deferred)
		}
		var chain *functions.Chain
		if err == nil {
			chain, err = functions.Compile(ctx, `"input"`, in, calls, functions.Options{Rewrite: sparksql.Rewrite, Engine: ses.Conn(), ReadData: true})
		}
		if err == nil {
			err = checkChain(t, ses, tc, pure, chain)
		}
	}
	if tc.err != "" {
		if err == nil {
			t.Fatalf("%s: no error, want one containing %q", where, tc.err)
		}
		if !strings.Contains(err.Error(), tc.err) {
			t.Fatalf("%s: error\n  %v\nwant it to contain\n  %s", where, err, tc.err)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var names []string
	for _, c := range calls {
		names = append(names, c.Function.Name())
	}
	return names
}

func checkChain(t *testing.T, ses *engine.Session, tc *testCase, pure, chain *functions.Chain) error {
	ctx := context.Background()
	where := fmt.Sprintf("%s:%d", tc.file, tc.line)
	got, err := functions.Describe(ctx, ses.Conn(), chain.SQL)
	if err != nil {
		return fmt.Errorf("describe the chain's SQL: %w\n%s", err, chain.SQL)
	}
	// What Compile predicts must be what DuckDB makes of the SQL.
	if len(got) != len(chain.Out) {
		t.Fatalf("%s: Compile predicts %s\nDuckDB says %s", where, chain.Out, got)
	}
	for i := range got {
		if got[i].Name != chain.Out[i].Name || chain.Out[i].Type != "" && functions.NormType(chain.Out[i].Type) != functions.NormType(got[i].Type) {
			t.Fatalf("%s: column %d: Compile predicts %s, DuckDB says %s\nSQL:\n%s", where, i+1, chain.Out, got, chain.SQL)
		}
	}
	if pure.Deferred == 0 {
		if strings.Join(pure.Out.Names(), ",") != strings.Join(got.Names(), ",") {
			t.Fatalf("%s: without an engine Compile predicts %s, DuckDB says %s", where, pure.Out, got)
		}
		for i, c := range pure.Out {
			if c.Type != "" && functions.NormType(c.Type) != functions.NormType(got[i].Type) {
				t.Fatalf("%s: without an engine Compile predicts %s, DuckDB says %s", where, pure.Out, got)
			}
		}
	}
	if tc.columns != nil {
		var lines []string
		for _, c := range got {
			lines = append(lines, c.Name+" "+functions.NormType(c.Type))
		}
		var want []string
		for _, l := range tc.columns {
			f := strings.Fields(l)
			want = append(want, f[0]+" "+functions.NormType(strings.Join(f[1:], " ")))
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: columns\n  %s\nwant\n  %s", where, strings.Join(lines, "\n  "), strings.Join(want, "\n  "))
		}
	}
	if !tc.hasRows {
		return nil
	}
	casts := make([]string, len(got))
	for i, c := range got {
		casts[i] = "CAST(" + quoteIdent(c.Name) + " AS VARCHAR)"
	}
	// The chain's SQL is DuckDB SQL: it must not go through the Spark
	// rewrite again, so the rows are read on the connection.
	rows, err := queryStrings(ctx, ses, "SELECT "+strings.Join(casts, ", ")+" FROM ("+chain.SQL+")")
	if err != nil {
		return fmt.Errorf("run the chain: %w\n%s", err, chain.SQL)
	}
	want := append([]string(nil), tc.rows...)
	for i := range want {
		want[i] = strings.TrimSpace(want[i])
	}
	for i := range rows {
		rows[i] = strings.TrimSpace(rows[i])
	}
	if !tc.ordered {
		sort.Strings(rows)
		sort.Strings(want)
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: rows\n  %s\nwant\n  %s\nSQL:\n%s", where, strings.Join(rows, "\n  "), strings.Join(want, "\n  "), chain.SQL)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// queryStrings runs DuckDB SQL and renders each row as "a | b | NULL".
func queryStrings(ctx context.Context, ses *engine.Session, q string) ([]string, error) {
	rs, err := ses.Conn().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				cells[i] = v.String
			} else {
				cells[i] = "NULL"
			}
		}
		out = append(out, strings.Join(cells, " | "))
	}
	return out, rs.Err()
}
