package concurrency

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// The checks of the fault-injection and matrix tests run in this process,
// through the lakehouse package (a fresh catalog connection, as the next
// process would open); only the writers under test are separate `flare`
// processes, so that they can be killed.

// lake opens the project's lakehouse (catalogURI "" = the embedded SQLite
// catalog) with a DuckDB of its own.
type lake struct {
	ctx context.Context
	lh  *lakehouse.Lakehouse
	db  *sql.DB
}

func openLake(t *testing.T, dir, catalogURI string) *lake {
	t.Helper()
	ctx := context.Background()
	lh, err := lakehouse.Open(ctx, filepath.Join(dir, "lakehouse"), lakehouse.Options{CatalogURI: catalogURI})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	return &lake{ctx: ctx, lh: lh, db: db}
}

func (l *lake) close() {
	_ = l.db.Close()
	_ = l.lh.Close()
}

// write runs one write through the lakehouse package.
func (l *lake) write(t *testing.T, src string, spec lakehouse.WriteSpec) {
	t.Helper()
	if _, err := l.lh.Write(l.ctx, l.db, "("+src+")", spec); err != nil {
		t.Fatalf("write %s: %v", spec.Table, err)
	}
}

// rows returns the table's rows as sorted "id|grp|val|cmd" strings.
func (l *lake) rows(t *testing.T, n lakehouse.TableName) []string {
	t.Helper()
	tbl, err := l.lh.LoadTable(l.ctx, n)
	if err != nil {
		t.Fatalf("load %s: %v", n, err)
	}
	q, err := tbl.SelectSQL(l.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatalf("read %s: %v", n, err)
	}
	rs, err := l.db.QueryContext(l.ctx, "SELECT concat_ws('|', id, grp, val, cmd) FROM ("+q+")")
	if err != nil {
		t.Fatalf("read %s: %v", n, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("read %s: %v", n, err)
	}
	sort.Strings(out)
	return out
}

// removeOrphans runs remove_orphans with an explicit young age (every
// unreferenced file counts) and returns its report.
func (l *lake) removeOrphans(t *testing.T, n lakehouse.TableName, dryRun bool) *maintenance.Report {
	t.Helper()
	tbl, err := l.lh.LoadTable(l.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := maintenance.RemoveOrphans(l.ctx, l.lh, tbl, maintenance.OrphanOptions{OlderThan: farFuture(), DryRun: dryRun})
	if err != nil {
		t.Fatalf("remove_orphans: %v", err)
	}
	return rep
}

// metadataFilesValid checks that no file of the table's metadata folder is
// a truncated metadata file under a final name: every *.metadata.json is a
// complete JSON document.
func metadataFilesValid(t *testing.T, tableDir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(tableDir, "metadata", "*.metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || !json.Valid(b) {
			t.Errorf("metadata file %s is truncated (%d bytes) under its final name", filepath.Base(f), len(b))
		}
	}
}

// killedBySIGKILL reports whether a command's error says it died of SIGKILL.
func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

var snapshotRE = regexp.MustCompile(`snapshot (\d+)`)

// snapshotOf returns the last "snapshot N" a command printed (0: none).
func snapshotOf(out string) int64 {
	m := snapshotRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return 0
	}
	var id int64
	fmt.Sscan(m[len(m)-1][1], &id)
	return id
}

// writeManifest writes a one-job workflow whose output writes sql to table
// with the given options block (YAML, indented for options:).
func writeManifest(t *testing.T, dir, name, table, sql, options string) string {
	t.Helper()
	m := fmt.Sprintf(`version: v1
name: %s
type: workflow
workflow:
  dag:
    - name: job
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            steps:
              - sequence:
                  - name: rows
                    sql: %s
            outputs:
              - name: rows
                dataset: dataos://lakehouse:%s
                format: iceberg
                options:
%s
`, name, sql, table, options)
	p := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(p, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// copyDir copies a folder tree (regular files and folders only).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func diffRows(got, want []string) string {
	g, w := map[string]int{}, map[string]int{}
	for _, r := range got {
		g[r]++
	}
	for _, r := range want {
		w[r]++
	}
	var b strings.Builder
	for r, n := range g {
		if n > w[r] {
			fmt.Fprintf(&b, "  extra %s (x%d)\n", r, n-w[r])
		}
	}
	for r, n := range w {
		if n > g[r] {
			fmt.Fprintf(&b, "  missing %s (x%d)\n", r, n-g[r])
		}
	}
	return b.String()
}
