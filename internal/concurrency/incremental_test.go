package concurrency

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// Incremental jobs under crashes: the job's state commits with its rows in
// each Iceberg output, so a run killed anywhere repeats or skips nothing.

var (
	incSource = lakehouse.TableName{Collection: "inc", Dataset: "src"}
	incOut1   = lakehouse.TableName{Collection: "inc", Dataset: "out1"}
	incOut2   = lakehouse.TableName{Collection: "inc", Dataset: "out2"}
)

const incKey = lakehouse.StatePrefix + "incremental/copy/batch/lo"

// incManifest writes the incremental job: windows of at most 100 ids of
// the source after the saved lo, copied to two Iceberg outputs.
func incManifest(t *testing.T, dir string) string {
	t.Helper()
	m := `version: v1
name: incremental
type: workflow
workflow:
  dag:
    - name: copy
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - name: batch
                dataset: dataos://lakehouse:inc/src
                incremental:
                  context: src_all
                  sql: SELECT id, grp FROM src_all WHERE id > $|lo| AND id <= $|hi|
                  keys:
                    - {name: lo, sql: "SELECT CAST(-1 AS BIGINT)"}
                    - {name: hi, sql: "SELECT greatest($|lo|, least($|lo| + 100, (SELECT coalesce(max(id), -1) FROM src_all)))"}
                  state:
                    - {key: lo, value: hi}
            outputs:
              - {name: batch, dataset: "dataos://lakehouse:inc/out1", format: iceberg, options: {saveMode: append}}
              - {name: batch, dataset: "dataos://lakehouse:inc/out2", format: iceberg, options: {saveMode: append, iceberg: {partitionSpec: [{type: identity, column: grp}]}}}
`
	p := filepath.Join(dir, "incremental.yaml")
	if err := os.WriteFile(p, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// addSource appends ids from..to-1 to the source table.
func addSource(t *testing.T, dir string, from, to int) {
	t.Helper()
	l := openLake(t, dir, "")
	defer l.close()
	l.write(t, fmt.Sprintf("SELECT CAST(i AS BIGINT) AS id, CAST(i %% 4 AS INT) AS grp FROM range(%d, %d) t(i)", from, to),
		lakehouse.WriteSpec{Table: incSource, Mode: lakehouse.Append})
}

// incOutputs returns each output's ids (sorted, with repeats) and state
// (nil ids and "" for a table that does not exist).
func incOutputs(t *testing.T, dir string) (ids [2][]int64, state [2]string) {
	t.Helper()
	l := openLake(t, dir, "")
	defer l.close()
	for i, n := range []lakehouse.TableName{incOut1, incOut2} {
		tbl, err := l.lh.LoadTable(l.ctx, n)
		if err != nil {
			continue
		}
		state[i] = tbl.State("")[incKey]
		q, err := tbl.SelectSQL(l.ctx, lakehouse.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := l.db.QueryContext(l.ctx, "SELECT id FROM ("+q+") ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var id int64
			if err := rs.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids[i] = append(ids[i], id)
		}
		rs.Close()
	}
	return ids, state
}

func idRange(from, to int) []int64 {
	var out []int64
	for i := from; i < to; i++ {
		out = append(out, int64(i))
	}
	return out
}

// TestIncrementalCrash: a run killed after writing its files but before
// (or while) committing leaves both outputs' rows and state as they were;
// killed just after committing the first output, the next run skips that
// output and writes the window to the second only; either way the next
// runs process every window once.
func TestIncrementalCrash(t *testing.T) {
	points := []string{crashpoint.FilesWritten, crashpoint.CommitStaged, crashpoint.MetadataWritten, crashpoint.Committed + "#1", crashpoint.FilesWritten + "#2", crashpoint.Committed + "#2"}
	if testing.Short() {
		points = []string{crashpoint.FilesWritten, crashpoint.Committed + "#1"}
	}
	for _, point := range points {
		t.Run(strings.ReplaceAll(point, "#", "-"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			dir := project(t, "")
			m := incManifest(t, dir)
			addSource(t, dir, 0, 250)
			if _, err := flareEnv(ctx, dir, nil, "run", m, "--threads", "1"); err != nil {
				t.Fatal(err)
			}
			ids, state := incOutputs(t, dir)
			if want := idRange(0, 100); !slices.Equal(ids[0], want) || !slices.Equal(ids[1], want) || state != [2]string{"99", "99"} {
				t.Fatalf("after the first run: %d and %d rows, state %v; want ids 0..99 and 99", len(ids[0]), len(ids[1]), state)
			}
			_, err := flareEnv(ctx, dir, []string{crashpoint.EnvVar + "=" + point}, "run", m, "--threads", "1")
			if !killedBySIGKILL(err) {
				t.Fatalf("the run was not killed at %s: %v", point, err)
			}
			after, astate := incOutputs(t, dir)
			// The point's n-th hit is in output n; an output is moved on only
			// when its commit is done.
			wantFirst, wantSecond := idRange(0, 100), idRange(0, 100)
			wantState := [2]string{"99", "99"}
			switch point {
			case crashpoint.Committed + "#1", crashpoint.FilesWritten + "#2":
				wantFirst, wantState[0] = idRange(0, 200), "199"
			case crashpoint.Committed + "#2":
				wantFirst, wantSecond, wantState = idRange(0, 200), idRange(0, 200), [2]string{"199", "199"}
			}
			if !slices.Equal(after[0], wantFirst) || !slices.Equal(after[1], wantSecond) || astate != wantState {
				t.Fatalf("after the crash at %s: %d and %d rows, state %v; want %d and %d rows, state %v", point, len(after[0]), len(after[1]), astate, len(wantFirst), len(wantSecond), wantState)
			}
			// The next runs catch up: every id once in each output.
			out, err := flareEnv(ctx, dir, nil, "run", m, "--threads", "1")
			if err != nil {
				t.Fatal(err)
			}
			if point == crashpoint.Committed+"#1" || point == crashpoint.FilesWritten+"#2" {
				if !strings.Contains(out, "already holds this run's state") {
					t.Errorf("the run after the crash does not say it skips the first output:\n%s", out)
				}
			}
			if _, err := flareEnv(ctx, dir, nil, "run", m, "--threads", "1"); err != nil {
				t.Fatal(err)
			}
			final, fstate := incOutputs(t, dir)
			if want := idRange(0, 250); !slices.Equal(final[0], want) || !slices.Equal(final[1], want) || fstate != [2]string{"249", "249"} {
				t.Fatalf("after catching up: %d and %d rows (want 250 each, every id once), state %v", len(final[0]), len(final[1]), fstate)
			}
		})
	}
}

// TestIncrementalKillLoop runs the job ten times, killing it with SIGKILL
// at a different point of its writes most times, with rows added to the
// source between runs; then lets it catch up. Each output holds every
// source row exactly once.
func TestIncrementalKillLoop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := project(t, "")
	m := incManifest(t, dir)
	addSource(t, dir, 0, 150)
	total := 150
	points := []string{crashpoint.FilesWritten, "", crashpoint.StatsRead + "#2", crashpoint.CommitStaged, crashpoint.Committed + "#1",
		crashpoint.MetadataPartial, "", crashpoint.MetadataWritten + "#2", crashpoint.Committed + "#2", crashpoint.FilesWritten + "#2"}
	killed := 0
	for i, point := range points {
		if i%3 == 2 {
			addSource(t, dir, total, total+70)
			total += 70
		}
		var env []string
		if point != "" {
			env = []string{crashpoint.EnvVar + "=" + point}
		}
		_, err := flareEnv(ctx, dir, env, "run", m, "--threads", "1")
		switch {
		case point == "" && err != nil:
			t.Fatalf("run %d: %v", i+1, err)
		case point != "" && !killedBySIGKILL(err):
			t.Fatalf("run %d was not killed at %s: %v", i+1, point, err)
		case point != "":
			killed++
		}
	}
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("the job did not catch up in 20 runs")
		}
		if _, err := flareEnv(ctx, dir, nil, "run", m, "--threads", "1"); err != nil {
			t.Fatal(err)
		}
		_, state := incOutputs(t, dir)
		if state == [2]string{strconv.Itoa(total - 1), strconv.Itoa(total - 1)} {
			break
		}
	}
	ids, _ := incOutputs(t, dir)
	want := idRange(0, total)
	for i, got := range ids {
		if !slices.Equal(got, want) {
			t.Errorf("output %d holds %d rows, want each of the %d source ids once", i+1, len(got), total)
		}
	}
	t.Logf("%d runs killed, %d source rows, each once in both outputs", killed, total)
}

// TestIncrementalConcurrentRuns starts three runs of the job at once, four
// times, with rows added between rounds: a run that loses the race to
// commit a window fails without writing (its state changed concurrently)
// or finds its window already written; in the end each output holds every
// source row exactly once.
func TestIncrementalConcurrentRuns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := project(t, "")
	m := incManifest(t, dir)
	addSource(t, dir, 0, 200)
	total := 200
	failed := 0
	for round := 0; round < 4; round++ {
		if round > 0 {
			addSource(t, dir, total, total+60)
			total += 60
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		outs := make([]string, 3)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = flareEnv(ctx, dir, nil, "run", m, "--threads", "1")
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err == nil {
				continue
			}
			failed++
			t.Logf("round %d, run %d: %s", round+1, i+1, lastLine(outs[i]))
			if !strings.Contains(err.Error(), "changed concurrently") && !strings.Contains(err.Error(), "hold different states") {
				t.Errorf("round %d, run %d failed otherwise than by losing the race: %v", round+1, i+1, err)
			}
		}
	}
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("the job did not catch up in 20 runs")
		}
		if _, err := flareEnv(ctx, dir, nil, "run", m, "--threads", "1"); err != nil {
			t.Fatal(err)
		}
		if _, state := incOutputs(t, dir); state == [2]string{strconv.Itoa(total - 1), strconv.Itoa(total - 1)} {
			break
		}
	}
	ids, _ := incOutputs(t, dir)
	for i, got := range ids {
		if want := idRange(0, total); !slices.Equal(got, want) {
			t.Errorf("output %d holds %d rows, want each of the %d source ids once", i+1, len(got), total)
		}
	}
	t.Logf("%d of 12 concurrent runs lost the race", failed)
}

// lastLine is the last non-empty line of a command's output.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
