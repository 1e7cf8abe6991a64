package workflow

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// cacheRunner is a runner over a project with a 5-row CSV file at
// data/raw/src.csv; it returns the job of a manifest with that input.
func cacheRunner(t *testing.T, inputCache bool, steps string) (*Runner, *manifest.Job, string) {
	t.Helper()
	dir := t.TempDir()
	csv := filepath.Join(dir, "data", "raw", "src.csv")
	if err := os.MkdirAll(filepath.Dir(csv), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csv, []byte("id,v\n1,10\n2,20\n3,30\n4,40\n5,50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := depot.Parse(filepath.Join(dir, "flare.yaml"), []byte("depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  files: {type: file, path: ./data}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cache := "false"
	if inputCache {
		cache = "true"
	}
	m := `version: v1
name: wf-cache
type: workflow
workflow:
  dag:
    - name: job
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: raw, dataset: "dataos://files:raw/src.csv", format: csv, cache: ` + cache + `, options: {header: true, inferSchema: true}}
            steps:
              - sequence:
` + steps + `
            outputs:
              - {name: s1, dataset: "dataos://lakehouse:t/s1", format: iceberg}
`
	wf, err := manifest.Parse(filepath.Join(dir, "m.yaml"), []byte(m), manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ls := NewLakehouses(cfg, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { ls.Close() })
	return &Runner{Config: cfg, Lakehouses: ls, Progress: NewProgress(nil, false), Logger: slog.New(slog.DiscardHandler)}, wf.Jobs[0], csv
}

const twoReaders = `                  - {name: s1, sql: "SELECT count(*) AS n FROM raw"}
                  - {name: s2, sql: "SELECT sum(v) AS n FROM raw"}`

// TestCacheReadsSourceOnce deletes the source file after the point where a
// cached view was materialised: every later reader must still get the rows
// (they read the cache, not the source), while an uncached reader fails.
func TestCacheReadsSourceOnce(t *testing.T) {
	tests := []struct {
		name       string
		inputCache bool
		steps      string
		deleteWhen string // "inputs": after inputs are defined; "steps": after steps ran
		want       map[string]string
	}{
		{"input cache: true", true, twoReaders, "inputs", map[string]string{"s1": "5", "s2": "150"}},
		{"no cache rereads the source", false, twoReaders, "inputs", map[string]string{"s1": "error", "s2": "error"}},
		{"cache table step", false, `                  - {name: c, sql: "CACHE TABLE raw"}
` + twoReaders, "steps", map[string]string{"s1": "5", "s2": "150"}},
		{"cache table AS query", false, `                  - {name: c, sql: "cache table big as select * from raw where v > 20"}
                  - {name: s1, sql: "SELECT count(*) AS n FROM big"}
                  - {name: s2, sql: "SELECT sum(v) AS n FROM raw"}`, "steps", map[string]string{"s1": "3", "s2": "error"}},
		{"persist command", false, `                  - name: c
                    commands: [{name: persist, sequenceName: raw, mode: MEMORY_AND_DISK}]
` + twoReaders, "steps", map[string]string{"s1": "5", "s2": "150"}},
		{"uncache table reads the source again", false, `                  - {name: c, sql: "cache table raw"}
                  - {name: u, sql: "uncache table raw"}
` + twoReaders, "steps", map[string]string{"s1": "error", "s2": "error"}},
		{"unpersist command", true, `                  - name: u
                    commands: [{name: unpersist, sequenceName: raw}]
` + twoReaders, "steps", map[string]string{"s1": "error", "s2": "error"}},
		{"step cache: true", false, `                  - {name: s1, sql: "SELECT count(*) AS n FROM raw", cache: true}
                  - {name: s2, sql: "SELECT sum(v) AS n FROM raw"}`, "steps", map[string]string{"s1": "5", "s2": "error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			r, job, csv := cacheRunner(t, tc.inputCache, tc.steps)
			ses := openSession(t)
			if err := r.defineInputs(ctx, ses, job); err != nil {
				t.Fatal(err)
			}
			if tc.deleteWhen == "inputs" {
				if err := os.Remove(csv); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.runSteps(ctx, ses, job); err != nil {
				// DuckDB binds a view when it is defined: an uncached
				// source is read again right there.
				if !strings.Contains(err.Error(), "src.csv") || tc.want["s1"] != "error" {
					t.Fatal(err)
				}
				return
			}
			if tc.deleteWhen == "steps" {
				if err := os.Remove(csv); err != nil {
					t.Fatal(err)
				}
			}
			for view, want := range tc.want {
				res, err := ses.Query(ctx, "SELECT CAST(n AS VARCHAR) FROM "+view, -1)
				got := "error"
				if err == nil {
					got = res.Rows[0][0].(string)
				} else if !strings.Contains(err.Error(), "src.csv") {
					t.Errorf("%s: unexpected error %v", view, err)
				}
				if got != want {
					t.Errorf("%s = %s, want %s (err %v)", view, got, want, err)
				}
			}
		})
	}
}

// Unknown views and storage levels are refused by manifest validation; a
// cache query that fails names the step.
func TestCacheFailures(t *testing.T) {
	ctx := context.Background()
	r, job, _ := cacheRunner(t, false, `                  - {name: c, sql: "cache table t as select nope from raw"}
                  - {name: s1, sql: "SELECT 1 AS n"}`)
	ses := openSession(t)
	if err := r.defineInputs(ctx, ses, job); err != nil {
		t.Fatal(err)
	}
	err := r.runSteps(ctx, ses, job)
	if err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "step c") {
		t.Fatalf("err = %v, want one naming step c and column nope", err)
	}
}

func TestParseCacheSQL(t *testing.T) {
	tests := []struct {
		sql  string
		ok   bool
		want cacheStatement
	}{
		{"cache table raw", true, cacheStatement{view: "raw"}},
		{"  CACHE LAZY TABLE `my view`;\n", true, cacheStatement{view: "my view"}},
		{`uncache table if exists "a""b"`, true, cacheStatement{uncache: true, ifExists: true, view: `a"b`}},
		{"cache table t as select * from raw", true, cacheStatement{view: "t", query: "select * from raw"}},
		{"cache table t select 1", true, cacheStatement{view: "t", query: "select 1"}},
		{"select * from cache", false, cacheStatement{}},
		{"cache table a.b", false, cacheStatement{}},
	}
	for _, tc := range tests {
		t.Run(tc.sql, func(t *testing.T) {
			got, ok := parseCacheSQL(tc.sql)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
