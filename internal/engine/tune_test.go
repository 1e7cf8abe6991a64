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

// TestTune checks that a job's settings apply while its session is open,
// are capped at the machine and the engine's limit, lose to the engine's
// own settings (the CLI's flags), and are restored when the session closes.
func TestTune(t *testing.T) {
	ctx := context.Background()
	read := func(s *Session, name string) string {
		t.Helper()
		v, err := s.setting(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	e, err := New(ctx, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	probe, err := e.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	before := map[string]string{}
	for _, k := range []string{"threads", "memory_limit", "temp_directory", "partitioned_write_max_open_files"} {
		before[k] = read(probe, k)
	}
	dir := t.TempDir()
	ses, err := e.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ses.Tune(ctx, Settings{Threads: 1000, MemoryLimit: "1000 TiB", TempDir: dir, MaxOpenFiles: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got.Threads != runtime.NumCPU() || got.MemoryLimit != before["memory_limit"] || len(got.Notes) != 2 {
		t.Errorf("applied %+v; want threads capped at %d and memory at %s, with two notes", got, runtime.NumCPU(), before["memory_limit"])
	}
	if v := read(probe, "partitioned_write_max_open_files"); v != "7" {
		t.Errorf("max open files %s while the session is open, want 7", v)
	}
	if v := read(probe, "temp_directory"); v != dir {
		t.Errorf("temp directory %s, want %s", v, dir)
	}
	got, err = ses.Tune(ctx, Settings{Threads: 1, MemoryLimit: "64MiB"})
	if err != nil {
		t.Fatal(err)
	}
	if read(probe, "threads") != "1" || !strings.HasPrefix(read(probe, "memory_limit"), "64.0 MiB") || got.Threads != 1 {
		t.Errorf("threads %s, memory %s after asking 1 and 64MiB", read(probe, "threads"), read(probe, "memory_limit"))
	}
	if err := ses.Close(); err != nil {
		t.Fatal(err)
	}
	for k, v := range before {
		if now := read(probe, k); now != v {
			t.Errorf("%s is %s after the session closed, want %s back", k, now, v)
		}
	}
	// The engine's own settings (the CLI's flags) win.
	fixed, err := New(ctx, Settings{Threads: 1, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	fs, err := fixed.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	got, err = fs.Tune(ctx, Settings{Threads: 2, MemoryLimit: "2GB"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Threads != 0 || got.MemoryLimit != "" || len(got.Notes) != 2 || !strings.Contains(got.Notes[0], "--threads 1 wins") {
		t.Errorf("with engine settings, Tune applied %+v", got)
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
