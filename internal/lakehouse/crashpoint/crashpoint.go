// Package crashpoint is a test-only hook that makes a Flare process die
// abruptly at a named point of a write, so that tests can check what a
// crash leaves behind (docs/reliability.md).
//
// When the environment variable FLARE_TEST_CRASH_AT names a point (or
// "point#n", the n-th time the process reaches it), Hit kills the process
// with SIGKILL there: no deferred function runs and no file is closed or
// removed, exactly as after `kill -9`. When the variable is unset (always,
// outside tests) Hit is a comparison against an empty string.
//
// It owns nothing else and must not be used for anything but tests.
package crashpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// EnvVar names the point at which the process dies.
const EnvVar = "FLARE_TEST_CRASH_AT"

// The named points, in the order a write reaches them. Each is documented in
// docs/reliability.md; tests refer to them by these names.
const (
	// ReadPlanned: a merge, delete or compaction has planned its read of
	// the table (nothing written yet).
	ReadPlanned = "read.planned"
	// FilesWritten: DuckDB has written the new data (or delete) files.
	FilesWritten = "files.written"
	// FileUploaded: one new file of a table on object storage was uploaded
	// to its bucket ("files.uploaded#2": after the second); nothing
	// references it yet.
	FileUploaded = "files.uploaded"
	// StatsRead: the column statistics of the first new file were read.
	StatsRead = "stats.read"
	// CommitStaged: the change is staged (manifests written by iceberg-go),
	// the catalog is not yet asked.
	CommitStaged = "commit.staged"
	// MetadataPartial: half of a new table metadata file is written.
	MetadataPartial = "commit.metadata-partial"
	// MetadataWritten: a new table metadata file is complete under its
	// final name; the catalog does not point at it yet.
	MetadataWritten = "commit.metadata-written"
	// Committed: the catalog accepted the commit; the writer has not yet
	// returned (or cleaned up).
	Committed = "commit.done"
)

// Points lists every point, for tests and docs.
var Points = []string{ReadPlanned, FilesWritten, FileUploaded, StatsRead, CommitStaged, MetadataPartial, MetadataWritten, Committed}

var (
	once   sync.Once
	target string
	nth    int
	mu     sync.Mutex
	hits   = map[string]int{}
)

func load() {
	v := strings.TrimSpace(os.Getenv(EnvVar))
	target, nth = v, 1
	if i := strings.LastIndexByte(v, '#'); i > 0 {
		if n, err := strconv.Atoi(v[i+1:]); err == nil && n > 0 {
			target, nth = v[:i], n
		}
	}
}

// Hit kills the process when FLARE_TEST_CRASH_AT names point (for the
// n-th time, with "point#n").
func Hit(point string) {
	once.Do(load)
	if target == "" || target != point {
		return
	}
	mu.Lock()
	hits[point]++
	n := hits[point]
	mu.Unlock()
	if n != nth {
		return
	}
	fmt.Fprintf(os.Stderr, "crashpoint: %s reached, killing the process (%s)\n", point, EnvVar)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill() // SIGKILL on Unix
	}
	os.Exit(137) // not reached where Kill works
}

// Armed reports whether FLARE_TEST_CRASH_AT names point.
func Armed(point string) bool {
	once.Do(load)
	return target != "" && target == point
}
