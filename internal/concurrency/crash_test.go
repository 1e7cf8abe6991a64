package concurrency

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

func farFuture() time.Time { return time.Now().Add(time.Second) }

var crashTable = lakehouse.TableName{Collection: "crash", Dataset: "t"}

// crashOp is one writing command of the fault-injection suite, run as a
// `flare` process on a seeded table.
type crashOp struct {
	name string
	// args are the flare arguments; manifests are written first by prepare.
	args    func(dir string) []string
	prepare func(t *testing.T, dir string)
	// points are the crash points the command must reach.
	points []string
}

var commitPoints = []string{crashpoint.CommitStaged, crashpoint.MetadataPartial, crashpoint.MetadataWritten, crashpoint.Committed}

func crashOps() []crashOp {
	manifestOp := func(name, sql, options string) crashOp {
		return crashOp{
			name:    name,
			prepare: func(t *testing.T, dir string) { writeManifest(t, dir, name, "crash/t", sql, options) },
			args:    func(dir string) []string { return []string{"run", filepath.Join(dir, name+".yaml"), "--threads", "1"} },
		}
	}
	writeOpts := func(mode string) string {
		return "                  saveMode: " + mode + "\n                  iceberg: {partitionSpec: [{type: identity, column: grp}]}"
	}
	appendOp := manifestOp("append", "SELECT 10000 + i AS id, CAST(i % 4 AS INT) AS grp, 'appended' AS val, 1 AS cmd FROM range(100) t(i)", writeOpts("append"))
	appendOp.points = append([]string{crashpoint.FilesWritten, crashpoint.StatsRead}, commitPoints...)
	overwriteOp := manifestOp("overwrite", "SELECT 20000 + i AS id, CAST(i % 4 AS INT) AS grp, 'overwritten' AS val, 2 AS cmd FROM range(100) t(i)", writeOpts("overwrite"))
	overwriteOp.points = appendOp.points
	mergeOp := manifestOp("merge", "SELECT CAST(id AS BIGINT) AS id, CAST(id % 4 AS INT) AS grp, 'merged' AS val, 3 AS cmd FROM (VALUES (0), (1), (2), (3), (30000), (30001)) v(id)",
		"                  iceberg:\n                    merge: {onClause: \"old.id = new.id\", whenClause: \"MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *\"}")
	rowPoints := append([]string{crashpoint.ReadPlanned, crashpoint.FilesWritten, crashpoint.StatsRead}, commitPoints...)
	mergeOp.points = rowPoints
	return []crashOp{
		appendOp,
		overwriteOp,
		mergeOp,
		{
			// merge-on-read (the seed sets write.delete.mode): position
			// delete files, no statistics read
			name: "delete",
			args: func(string) []string {
				return []string{"table", "delete", "lakehouse.crash.t", "--where", "target.id % 10 = 0", "--threads", "1"}
			},
			points: append([]string{crashpoint.ReadPlanned, crashpoint.FilesWritten}, commitPoints...),
		},
		{
			name:   "compaction",
			args:   func(string) []string { return []string{"table", "compact", "lakehouse.crash.t", "--threads", "1"} },
			points: rowPoints,
		},
	}
}

// seedCrashTable writes the table every crash run starts from: six appends
// of 50 rows over four partitions (24 small files, so compaction has work).
// Deletes are merge-on-read, merges copy-on-write, so both ways of changing
// rows are covered.
func seedCrashTable(t *testing.T, dir string) {
	t.Helper()
	l := openLake(t, dir, "")
	defer l.close()
	for b := range 6 {
		l.write(t, fmt.Sprintf("SELECT %d * 50 + i AS id, CAST(i %% 4 AS INT) AS grp, 'seed' AS val, 0 AS cmd FROM range(50) t(i)", b),
			lakehouse.WriteSpec{Table: crashTable, Mode: lakehouse.Append, Partition: []lakehouse.PartitionField{{Type: "identity", Column: "grp"}},
				Properties: map[string]string{lakehouse.PropDeleteMode: lakehouse.MergeOnRead}})
	}
}

// TestCrashRecovery kills a writer (SIGKILL, through FLARE_TEST_CRASH_AT)
// at every named point of append, overwrite, merge, delete and compaction,
// and once, from outside, while DuckDB writes the data files. After each
// crash: the table reads exactly the snapshot before the command (or, when
// the crash came after the catalog accepted the commit, the one after it);
// no metadata file is truncated under its final name; the next write
// succeeds; remove_orphans with a young age removes the debris (and names
// uncommitted metadata and temporary files), after which nothing
// unreferenced is left and the table still reads the same.
func TestCrashRecovery(t *testing.T) {
	ops := crashOps()
	if testing.Short() {
		for i := range ops {
			ops[i].points = []string{crashpoint.FilesWritten, crashpoint.MetadataWritten, crashpoint.Committed}
		}
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			dir := project(t, "")
			seedCrashTable(t, dir)
			if op.prepare != nil {
				op.prepare(t, dir)
			}
			backup := filepath.Join(t.TempDir(), "seed")
			copyDir(t, filepath.Join(dir, "lakehouse"), backup)
			restore := func() {
				if err := os.RemoveAll(filepath.Join(dir, "lakehouse")); err != nil {
					t.Fatal(err)
				}
				copyDir(t, backup, filepath.Join(dir, "lakehouse"))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()

			before := readRows(t, dir)
			// what the command does when nothing crashes
			out, err := flareEnv(ctx, dir, nil, op.args(dir)...)
			if err != nil {
				t.Fatalf("%s without a crash: %v", op.name, err)
			}
			after := readRows(t, dir)
			if slices.Equal(before, after) && op.name != "compaction" {
				t.Fatalf("%s changed no row; the test would prove nothing (output %s)", op.name, out)
			}

			for _, point := range op.points {
				t.Run(point, func(t *testing.T) {
					restore()
					_, err := flareEnv(ctx, dir, []string{crashpoint.EnvVar + "=" + point}, op.args(dir)...)
					if !killedBySIGKILL(err) {
						t.Fatalf("the %s was not killed at %s: %v", op.name, point, err)
					}
					want := before
					if point == crashpoint.Committed {
						want = after
					}
					checkAfterCrash(t, dir, want, point)
				})
			}
			if op.name == "append" {
				t.Run("kill during COPY", func(t *testing.T) {
					restore()
					killDuringCopy(ctx, t, dir)
					checkAfterCrash(t, dir, before, "")
				})
			}
		})
	}
}

// flareEnv runs the binary with extra environment variables.
func flareEnv(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, flareBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String() + errb.String(), fmt.Errorf("flare %s: %w\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String() + errb.String(), nil
}

func readRows(t *testing.T, dir string) []string {
	t.Helper()
	l := openLake(t, dir, "")
	defer l.close()
	return l.rows(t, crashTable)
}

// checkAfterCrash runs the checks of TestCrashRecovery; point names the
// crash ("" for an outside kill).
func checkAfterCrash(t *testing.T, dir string, want []string, point string) {
	t.Helper()
	tableDir := filepath.Join(dir, "lakehouse", "crash", "t")
	metadataFilesValid(t, tableDir)
	l := openLake(t, dir, "")
	defer l.close()
	if got := l.rows(t, crashTable); !slices.Equal(got, want) {
		t.Fatalf("after the crash the table reads %d rows, not the committed snapshot's %d:\n%s", len(got), len(want), diffRows(got, want))
	}
	// The debris, by kind, before anything else touches the folder.
	rep := l.removeOrphans(t, crashTable, true)
	kinds := map[string]int{}
	for _, f := range rep.Removed {
		kinds[f.Kind]++
	}
	switch point {
	case crashpoint.MetadataWritten:
		if kinds[maintenance.KindUncommittedMetadata] == 0 {
			t.Errorf("remove_orphans does not report the uncommitted metadata file: %s", rep.Summary())
		}
	case crashpoint.MetadataPartial:
		if kinds[maintenance.KindTemporary] == 0 {
			t.Errorf("remove_orphans does not report the interrupted metadata file: %s", rep.Summary())
		}
	case crashpoint.Committed:
		if len(rep.Removed) != 0 {
			t.Errorf("a committed write left orphans: %s", rep.Summary())
		}
	}
	// The next write succeeds.
	l.write(t, "SELECT 90000 + i AS id, CAST(i % 4 AS INT) AS grp, 'next' AS val, 9 AS cmd FROM range(8) t(i)",
		lakehouse.WriteSpec{Table: crashTable, Mode: lakehouse.Append})
	rows := l.rows(t, crashTable)
	if len(rows) != len(want)+8 {
		t.Fatalf("after the next write %d rows, want %d", len(rows), len(want)+8)
	}
	// remove_orphans cleans the debris and nothing that is referenced.
	removed := l.removeOrphans(t, crashTable, false)
	if left := l.removeOrphans(t, crashTable, true); len(left.Removed) != 0 {
		t.Errorf("unreferenced files left after remove_orphans: %s", left.Summary())
	}
	if got := l.rows(t, crashTable); !slices.Equal(got, rows) {
		t.Fatalf("remove_orphans changed what the table reads:\n%s", diffRows(got, rows))
	}
	t.Logf("crash at %q: %s", point, removed.Summary())
}

// killDuringCopy starts a large append and kills it with SIGKILL as soon as
// its first data file holds bytes, while DuckDB is writing.
func killDuringCopy(ctx context.Context, t *testing.T, dir string) {
	t.Helper()
	m := writeManifest(t, dir, "big", "crash/t",
		"SELECT 50000000 + i AS id, CAST(i % 4 AS INT) AS grp, repeat('x', 200) AS val, 7 AS cmd FROM range(3000000) t(i)",
		"                  saveMode: append")
	dataDir := filepath.Join(dir, "lakehouse", "crash", "t", "data")
	seen := map[string]bool{}
	_ = filepath.WalkDir(dataDir, func(p string, d os.DirEntry, err error) error {
		seen[p] = true
		return nil
	})
	cmd := exec.CommandContext(ctx, flareBin, "run", m, "--threads", "1")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		found := false
		_ = filepath.WalkDir(dataDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !seen[p] {
				if info, ierr := d.Info(); ierr == nil && info.Size() > 0 {
					found = true
				}
			}
			return nil
		})
		if found {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the big append finished before it could be killed (%v); make it bigger", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	_ = cmd.Process.Kill()
	if err := <-done; !killedBySIGKILL(err) {
		t.Fatalf("big append: %v, want death by SIGKILL", err)
	}
}
