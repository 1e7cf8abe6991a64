package engine

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"18.5 GiB", int64(18.5 * (1 << 30))}, {"9600MiB", 9600 << 20}, {"4GB", 4e9}, {"512 KiB", 512 << 10}, {"100 bytes", 100},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseSize("lots"); err == nil {
		t.Error("ParseSize(lots) gave no error")
	}
}

// TestTune checks that a job's settings are capped at the machine and the
// engine's limit, lose to the command's own settings (the CLI's flags), and
// that the session opened with them has them while the base engine keeps
// its own, in a sandbox that takes the job's temp directory too.
func TestTune(t *testing.T) {
	ctx := context.Background()
	read := func(s *Session, name string) string {
		t.Helper()
		var v string
		if err := s.Conn().QueryRowContext(ctx, "SELECT current_setting('"+name+"')::VARCHAR").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := t.TempDir()
	pool := NewPool(Settings{TempDir: base, AllowedDirs: []string{base}})
	defer pool.Close()
	probe, err := pool.Session(ctx, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	before := map[string]string{}
	for _, k := range []string{"threads", "memory_limit", "temp_directory", "partitioned_write_max_open_files"} {
		before[k] = read(probe, k)
	}
	dir := t.TempDir()
	got, notes, err := pool.Tune(ctx, Overrides{Threads: 1000, MemoryLimit: "1000 TiB", TempDir: dir, MaxOpenFiles: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got.Threads != runtime.NumCPU() || got.MemoryLimit != before["memory_limit"] || len(notes) != 2 {
		t.Errorf("tuned %+v, notes %q; want threads capped at %d and memory at %s, with two notes", got, notes, runtime.NumCPU(), before["memory_limit"])
	}
	ses, err := pool.Session(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	if v := read(ses, "partitioned_write_max_open_files"); v != "7" {
		t.Errorf("max open files %s in the job's session, want 7", v)
	}
	if v := read(ses, "temp_directory"); v != dir {
		t.Errorf("temp directory %s, want %s", v, dir)
	}
	// The job's temp directory is inside its sandbox.
	if err := ses.Exec(ctx, "COPY (SELECT 1 AS x) TO '"+dir+"/probe.csv'"); err != nil {
		t.Errorf("write into the job's temp directory: %v", err)
	}
	got, _, err = pool.Tune(ctx, Overrides{Threads: 1, MemoryLimit: "64MiB"})
	if err != nil {
		t.Fatal(err)
	}
	small, err := pool.Session(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	if read(small, "threads") != "1" || !strings.HasPrefix(read(small, "memory_limit"), "64.0 MiB") {
		t.Errorf("threads %s, memory %s after asking 1 and 64MiB", read(small, "threads"), read(small, "memory_limit"))
	}
	for k, v := range before {
		if now := read(probe, k); now != v {
			t.Errorf("the base engine's %s is %s, want %s still", k, now, v)
		}
	}
	// The command's own settings (the CLI's flags) win.
	fixed := NewPool(Settings{Threads: 1, MemoryLimit: "1GB"})
	defer fixed.Close()
	got, notes, err = fixed.Tune(ctx, Overrides{Threads: 2, MemoryLimit: "2GB"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Threads != 0 || got.MemoryLimit != "" || len(notes) != 2 || !strings.Contains(notes[0], "--threads 1 wins") {
		t.Errorf("with command settings, Tune gave %+v, %q", got, notes)
	}
}

func TestExplainAnalyze(t *testing.T) {
	ctx := context.Background()
	ses, err := Open(ctx, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	plan, took, err := ses.ExplainAnalyze(ctx, "SELECT i % 3 AS k, count(*) FROM range(10000) t(i) GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "HASH_GROUP_BY") || !strings.Contains(plan, "Total Time") || took <= 0 {
		t.Errorf("EXPLAIN ANALYZE gave %v and:\n%s", took, plan)
	}
}
