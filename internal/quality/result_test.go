package quality_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/quality"
)

// docsResult evaluates the docs' standalone example (testdata/docs.test).
func docsResult(t *testing.T) (*quality.Result, *testCase) {
	t.Helper()
	cases := readCases(t, "testdata/docs.test")
	res, err := run(context.Background(), openSession(t), cases[0])
	if err != nil {
		t.Fatal(err)
	}
	return res, cases[0]
}

// TestTable keeps the terminal table in testdata/table.golden (go test
// -update rewrites it).
func TestTable(t *testing.T) {
	res, _ := docsResult(t)
	got := res.Table()
	const golden = "testdata/table.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("table\n%s\nwant (%s)\n%s", got, golden, want)
	}
}

func TestErr(t *testing.T) {
	res, _ := docsResult(t)
	err := res.Err()
	if err == nil {
		t.Fatal("no error for failed checks")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "7 out of 13 assertions failed for dataset source: #1 order_amount: avg > 1000.00 (value 975)") {
		t.Fatalf("message %q", msg)
	}
	passing := &quality.Result{Dataset: "d", Checks: []quality.CheckResult{{Passed: true}}}
	if passing.Err() != nil {
		t.Fatal("error for passing checks")
	}
}

// TestRows appends the result rows through the queries and reads them
// back: the types are the declared ones and the values those of the
// result.
func TestRows(t *testing.T) {
	res, _ := docsResult(t)
	ses := openSession(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	checks, metrics := res.Rows(quality.Run{ID: "run-1", Workflow: "wf", Job: "dq", Time: at})
	if len(checks) != 13 {
		t.Fatalf("%d check rows, want 13", len(checks))
	}
	// Each metric once: 5 + 3 + 2 column metrics, 2 sql columns.
	if len(metrics) != 12 {
		t.Fatalf("%d metric rows, want 12: %+v", len(metrics), metrics)
	}
	for _, tc := range []struct {
		name  string
		query string
		cols  [][2]string
		n     int
	}{
		{"checks", quality.ChecksQuery(checks), quality.ChecksColumns, 13},
		{"metrics", quality.MetricsQuery(metrics), quality.MetricsColumns, 12},
		{"no checks", quality.ChecksQuery(nil), quality.ChecksColumns, 0},
		{"no metrics", quality.MetricsQuery(nil), quality.MetricsColumns, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := functions.Describe(ctx, ses.Conn(), tc.query)
			if err != nil {
				t.Fatalf("%v\n%s", err, tc.query)
			}
			if len(got) != len(tc.cols) {
				t.Fatalf("columns %s", got)
			}
			for i, c := range tc.cols {
				if got[i].Name != c[0] || functions.NormType(got[i].Type) != functions.NormType(c[1]) {
					t.Fatalf("column %d is %s %s, want %s %s", i, got[i].Name, got[i].Type, c[0], c[1])
				}
			}
			if err := ses.Exec(ctx, "CREATE OR REPLACE TEMP TABLE t AS "+tc.query); err != nil {
				t.Fatal(err)
			}
			n, err := ses.Count(ctx, "t")
			if err != nil || n != int64(tc.n) {
				t.Fatalf("%d rows (%v), want %d", n, err, tc.n)
			}
		})
	}
	if err := ses.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	if err := ses.Exec(ctx, "CREATE OR REPLACE TEMP TABLE c AS "+quality.ChecksQuery(checks)); err != nil {
		t.Fatal(err)
	}
	r, err := ses.Query(ctx, `SELECT concat_ws(' ', count(*) FILTER (WHERE NOT passed), count(*) FILTER (WHERE value IS NULL),
		min(CAST(checked_at AS VARCHAR)), max(value) FILTER (WHERE metric = 'avg' AND filter IS NULL),
		max(threshold) FILTER (WHERE kind = 'sql' AND operator = '<'), count(DISTINCT run_id || job || dataset || workflow))
		FROM c`, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.Rows[0][0]); got != "7 0 2026-12-01 10:30:00+00 975.0 1000.0 1" {
		t.Fatalf("read back %q", got)
	}
}
