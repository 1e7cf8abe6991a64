package lakehouse_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

type env struct {
	ctx  context.Context
	root string
	lh   *lakehouse.Lakehouse
	db   *sql.DB
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "lakehouse")
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lh.Close() })

	return &env{ctx: ctx, root: root, lh: lh, db: newDuck(t)}
}

func newDuck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	return db
}

func (e *env) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := e.db.ExecContext(e.ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) write(t *testing.T, source string, spec lakehouse.WriteSpec) *lakehouse.WriteResult {
	t.Helper()
	res, err := e.lh.Write(e.ctx, e.db, source, spec)
	if err != nil {
		t.Fatal(err)
	}

	return res
}

func (e *env) load(t *testing.T, n lakehouse.TableName) *lakehouse.Table {
	t.Helper()
	tbl, err := e.lh.LoadTable(e.ctx, n)
	if err != nil {
		t.Fatal(err)
	}

	return tbl
}

// count returns the number of rows SelectSQL reads from the table.
func (e *env) count(t *testing.T, n lakehouse.TableName) int64 {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var c int64
	if err := e.db.QueryRowContext(e.ctx, "SELECT count(*) FROM ("+q+")").Scan(&c); err != nil {
		t.Fatalf("%s: %v", q, err)
	}

	return c
}

// dataFiles lists the Parquet files on disk under the table's data folder.
func dataFilesOnDisk(t *testing.T, loc string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(filepath.Join(loc, "data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)

	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// when parses a merge's whenClause as a manifest's is parsed.
func when(t testing.TB, text string) []lakehouse.MergeClause {
	t.Helper()
	cs, err := plan.ParseMergeClauses(text)
	if err != nil {
		t.Fatalf("whenClause %q: %v", text, err)
	}
	return cs
}
