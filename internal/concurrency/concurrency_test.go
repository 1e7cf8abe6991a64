package concurrency

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// flareBin is the flare binary TestMain builds once for the package.
var flareBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flare-concurrency-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flareBin = filepath.Join(dir, "flare")
	build := exec.Command("go", "build", "-o", flareBin, "../../cmd/flare")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build flare:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// postgresURI returns the PostgreSQL server the catalog tests use. Unset, the
// test is skipped on a laptop and fails under CI (.ci/run starts a server).
func postgresURI(t *testing.T) string {
	t.Helper()
	uri := os.Getenv("FLARE_TEST_POSTGRES_URI")
	if uri == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FLARE_TEST_POSTGRES_URI is not set; .ci/run starts PostgreSQL and sets it")
		}
		t.Skip("FLARE_TEST_POSTGRES_URI is not set (see README.md, Tests that need a service)")
	}
	return uri
}

// project makes a project folder with a flare.yaml whose lakehouse depot uses
// catalogURI ("" = the embedded SQLite catalog).
func project(t *testing.T, catalogURI string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := "depots:\n  lakehouse:\n    type: lakehouse\n    path: ./lakehouse\n"
	if catalogURI != "" {
		cfg += fmt.Sprintf("    catalog: {type: sql, uri: %q}\n", catalogURI)
	}
	if err := os.WriteFile(filepath.Join(dir, "flare.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// appendManifest writes a workflow of n jobs; job b appends `rows` rows
// (writer ${writer}, batch b) to table, each job after the previous one.
func appendManifest(t *testing.T, dir, name, table string, n, rows int) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "version: v1\nname: %s\ntype: workflow\nworkflow:\n  dag:\n", name)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "    - name: batch-%d\n", i)
		if i > 1 {
			fmt.Fprintf(&b, "      dependencies: [batch-%d]\n", i-1)
		}
		fmt.Fprintf(&b, `      spec:
        stack: flare:6.0
        stackSpec:
          job:
            steps:
              - sequence:
                  - name: rows
                    sql: SELECT CAST(${writer} AS INT) AS writer, %d AS batch, CAST(i AS INT) AS n FROM range(%d) t(i)
            outputs:
              - name: rows
                dataset: dataos://lakehouse:%s
                format: iceberg
                options:
                  saveMode: append
                  iceberg: {partitionSpec: [{type: bucket, column: n, numBuckets: 4}]}
`, i, rows, table)
	}
	p := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// flare runs the binary in dir and returns stdout; it fails the test on a
// non-zero exit.
func flare(ctx context.Context, t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := flareE(ctx, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func flareE(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, flareBin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("flare %s: %w\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String(), nil
}

// queryInt runs a one-value query with flare sql.
func queryInt(ctx context.Context, dir, q string) (int64, error) {
	out, err := flareE(ctx, dir, "sql", "--format", "csv", q)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strconv.ParseInt(lines[len(lines)-1], 10, 64)
}

// TestConcurrentAppendProcesses: 8 `flare run` processes append 20 batches
// each to one table at the same time. Every commit lands exactly once: the
// row count, the snapshot count and every (writer, batch) are checked, on
// the SQLite and the PostgreSQL catalog.
func TestConcurrentAppendProcesses(t *testing.T) {
	const writers, batches, rows = 8, 20, 5
	catalogs := []struct {
		name string
		uri  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", postgresURI},
	}
	for _, c := range catalogs {
		t.Run(c.name, func(t *testing.T) {
			dir := project(t, c.uri(t))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			// A collection of its own, so runs sharing a PostgreSQL database never meet.
			table := fmt.Sprintf("stress%d/events", time.Now().UnixNano())
			sqlName := "lakehouse." + strings.ReplaceAll(table, "/", ".")
			seed := appendManifest(t, dir, "seed", table, 1, rows)
			flare(ctx, t, dir, "run", seed, "--var", "writer=0")
			m := appendManifest(t, dir, "append", table, batches, rows)

			var wg sync.WaitGroup
			errs := make([]error, writers)
			for w := 1; w <= writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[w-1] = flareE(ctx, dir, "run", m, "--var", fmt.Sprintf("writer=%d", w))
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Error(err)
				}
			}

			total, err := queryInt(ctx, dir, "SELECT count(*) FROM "+sqlName)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64((1 + writers*batches) * rows); total != want {
				t.Errorf("table has %d rows, want %d", total, want)
			}
			// Every (writer, batch) holds exactly its rows, once.
			bad, err := queryInt(ctx, dir, fmt.Sprintf(`SELECT count(*) FROM (
				SELECT writer, batch, count(*) AS c, count(DISTINCT n) AS d FROM %s GROUP BY ALL) WHERE c <> %d OR d <> %d`, sqlName, rows, rows))
			if err != nil {
				t.Fatal(err)
			}
			groups, err := queryInt(ctx, dir, "SELECT count(*) FROM (SELECT DISTINCT writer, batch FROM "+sqlName+")")
			if err != nil {
				t.Fatal(err)
			}
			if bad != 0 || groups != 1+writers*batches {
				t.Errorf("%d batches with missing or duplicated rows, %d distinct batches (want 0 and %d)", bad, groups, 1+writers*batches)
			}
			snaps := flare(ctx, t, dir, "table", "snapshots", sqlName)
			if n := strings.Count(snaps, " append "); n != 1+writers*batches {
				t.Errorf("%d append snapshots, want %d", n, 1+writers*batches)
			}
		})
	}
}

// TestReadsDuringWrite: `flare sql` reads a table while a job appends 25
// batches of 100 rows (each staged as several files). Every read sees a
// committed total (a multiple of 100), never part of a batch, and reads
// finish while the job is still writing.
func TestReadsDuringWrite(t *testing.T) {
	const batches, rows = 25, 100
	dir := project(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const table = "live/events"
	flare(ctx, t, dir, "run", appendManifest(t, dir, "seed", table, 1, rows), "--var", "writer=0")
	m := appendManifest(t, dir, "writer", table, batches, rows)

	writer := exec.CommandContext(ctx, flareBin, "run", m, "--var", "writer=1")
	writer.Dir = dir
	var werr bytes.Buffer
	writer.Stderr = &werr
	if err := writer.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- writer.Wait() }()

	var seen []int64
	var writerErr error
reading:
	for {
		select {
		case writerErr = <-done:
			break reading
		default:
		}
		n, err := queryInt(ctx, dir, "SELECT count(*) FROM lakehouse.live.events")
		if err != nil {
			t.Fatalf("read during the write: %v", err)
		}
		seen = append(seen, n)
	}
	if writerErr != nil {
		t.Fatalf("writer: %v\n%s", writerErr, werr.String())
	}
	final := int64((1 + batches) * rows)
	intermediate := 0
	for _, n := range seen {
		if n%rows != 0 || n < rows || n > final {
			t.Errorf("a read saw %d rows: not a committed total (a multiple of %d between %d and %d)", n, rows, rows, final)
		}
		if n > rows && n < final {
			intermediate++
		}
	}
	if intermediate == 0 {
		t.Errorf("no read finished while the job was writing (counts seen: %v)", seen)
	}
	if n, err := queryInt(ctx, dir, "SELECT count(*) FROM lakehouse.live.events"); err != nil || n != final {
		t.Errorf("after the write: %d rows (err %v), want %d", n, err, final)
	}
	t.Logf("%d reads during the write, %d saw an intermediate total", len(seen), intermediate)
}
