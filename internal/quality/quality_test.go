package quality_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/quality"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The cases live in testdata/*.test: blocks that start with a keyword
// line and end at a blank line.
//
//	case <title>     starts a case
//	input            a query whose rows are the dataset, registered as the view "source"
//	assertions       the assertions, as in a manifest (YAML list)
//	checks           one line per check: assertion | label | metric | value | limit | pass or FAIL
//	error            a text the compile or evaluate error must contain
//	engine           compile with the engine (checks filters and sql before running)

type testCase struct {
	file, title string
	line, yline int
	input       string
	assertions  string
	checks      []string
	hasChecks   bool
	err         string
	engine      bool
}

func readCases(t testing.TB, path string) []*testCase {
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
		switch block {
		case "input":
			cur.input = strings.Join(lines, "\n")
		case "assertions":
			cur.assertions = strings.Repeat("\n", cur.yline-1) + strings.Join(lines, "\n")
		case "checks":
			cur.checks, cur.hasChecks = lines, true
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
		case block != "" && trimmed == "":
			flush()
		case block == "" && strings.HasPrefix(line, "case "):
			cur = &testCase{file: filepath.Base(path), title: strings.TrimPrefix(line, "case "), line: n}
			cases = append(cases, cur)
		case block == "":
			switch trimmed {
			case "input", "assertions", "checks", "error":
				block = trimmed
				if block == "assertions" {
					cur.yline = n + 1
				}
			case "engine":
				cur.engine = true
			default:
				t.Fatalf("%s:%d: unknown block %q", path, n, line)
			}
		default:
			lines = append(lines, line)
		}
	}
	flush()
	return cases
}

func openSession(t testing.TB) *engine.Session {
	t.Helper()
	s, err := engine.Open(context.Background(), engine.Settings{Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.NeedAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAssertionCases(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.test")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	ses := openSession(t)
	ctx := context.Background()
	for _, file := range files {
		for _, tc := range readCases(t, file) {
			t.Run(strings.TrimSuffix(tc.file, ".test")+"/"+tc.title, func(t *testing.T) {
				res, err := run(ctx, ses, tc)
				where := fmt.Sprintf("%s:%d", tc.file, tc.line)
				if tc.err != "" {
					if err == nil {
						t.Fatalf("%s: no error, want %q", where, tc.err)
					}
					if !strings.Contains(err.Error(), tc.err) {
						t.Fatalf("%s: error\n  %v\nwant it to contain\n  %s", where, err, tc.err)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if !tc.hasChecks {
					return
				}
				var got []string
				for _, c := range res.Checks {
					r := "pass"
					if !c.Passed {
						r = "FAIL"
					}
					got = append(got, fmt.Sprintf("%d | %s | %s | %s | %s %s | %s", c.Assertion, c.Label(), c.Metric, quality.FormatValue(c.Value), c.Op, quality.FormatValue(&c.Limit), r))
				}
				want := make([]string, len(tc.checks))
				for i, l := range tc.checks {
					want[i] = strings.TrimSpace(l)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("%s: checks\n  %s\nwant\n  %s", where, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			})
		}
	}
}

func run(ctx context.Context, ses *engine.Session, tc *testCase) (*quality.Result, error) {
	if err := ses.Exec(ctx, "CREATE OR REPLACE TEMP TABLE source AS "+tc.input); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	cols, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM source")
	if err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(tc.assertions), &node); err != nil {
		return nil, err
	}
	as, err := quality.FromYAML(&node, tc.file)
	if err != nil {
		return nil, err
	}
	opts := quality.CompileOptions{Rewrite: sparksql.Rewrite}
	if tc.engine {
		opts.Engine = ses.Conn()
	}
	suite, err := quality.Compile(ctx, quality.Dataset{Name: "source", From: `"source"`, Columns: cols}, as, opts)
	if err != nil {
		return nil, err
	}
	return suite.Evaluate(ctx, ses.Conn())
}
