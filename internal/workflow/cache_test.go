package workflow

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// cacheRunner is a runner over a project with a 5-row CSV file at
// data/raw/src.csv; it returns the compiled job of a manifest with that
// input, or the compile error.
func cacheRunner(t *testing.T, inputCache bool, steps string) (*Runner, *plan.Job, string, error) {
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
	ls := catalog.NewLakehouses(cfg, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { ls.Close() })
	r := &Runner{Config: cfg, Lakehouses: ls, Progress: NewProgress(nil, false), Logger: slog.New(slog.DiscardHandler)}
	p, err := plan.Compile(context.Background(), wf, &plan.Env{Config: cfg, Lakehouses: ls})
	if err != nil {
		return r, nil, csv, err
	}
	return r, p.Jobs[0], csv, nil
}

// defineInputs and runSteps run the two halves of Prepare.
func (r *Runner) defineInputs(ctx context.Context, ses *engine.Session, job *plan.Job) error {
	for _, rd := range job.Reads {
		if err := r.read(ctx, ses, rd); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) runSteps(ctx context.Context, ses *engine.Session, job *plan.Job) error {
	for _, st := range job.Steps {
		if err := r.step(ctx, ses, job, st, 0); err != nil {
			return err
		}
	}
	return nil
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
			r, job, csv, err := cacheRunner(t, tc.inputCache, tc.steps)
			if err != nil {
				t.Fatal(err)
			}
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

// A cache query that does not bind is a compile error naming the step, the
// column and its place in the manifest.
func TestCacheFailures(t *testing.T) {
	_, _, _, err := cacheRunner(t, false, `                  - {name: c, sql: "cache table t as select nope from raw"}
                  - {name: s1, sql: "SELECT 1 AS n"}`)
	if err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "step c") || !strings.Contains(err.Error(), "m.yaml:15:61") {
		t.Fatalf("err = %v, want one naming step c, column nope and m.yaml:15:61", err)
	}
}
