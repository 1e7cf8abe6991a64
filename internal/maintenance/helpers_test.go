package maintenance_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

type env struct {
	ctx  context.Context
	root string
	lh   *lakehouse.Lakehouse
	db   *sql.DB
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "lakehouse")
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lh.Close() })
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return &env{ctx: ctx, root: root, lh: lh, db: db}
}

var orders = lakehouse.TableName{Collection: "retail", Dataset: "orders"}

// appendRows appends n rows (ids from first) to the table in one commit.
func (e *env) appendRows(t *testing.T, name lakehouse.TableName, first, n int, part []lakehouse.PartitionField) {
	t.Helper()
	e.appendRowsProps(t, name, first, n, part, nil)
}

// appendRowsProps is appendRows that also sets table properties.
func (e *env) appendRowsProps(t *testing.T, name lakehouse.TableName, first, n int, part []lakehouse.PartitionField, props map[string]string) {
	t.Helper()
	q := fmt.Sprintf(`CREATE OR REPLACE TABLE src AS SELECT i AS id, 'r' || (i %% 3) AS region,
		TIMESTAMP '2024-01-01' + INTERVAL (i %% 4) DAY + INTERVAL (i) SECOND AS ts,
		CAST(i * 1.5 AS DOUBLE) AS amount, CASE WHEN i %% 7 = 0 THEN NULL ELSE 'n' || i END AS note
		FROM range(%d, %d) t(i)`, first, first+n)
	if _, err := e.db.ExecContext(e.ctx, q); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lh.Write(e.ctx, e.db, "src", lakehouse.WriteSpec{Table: name, Mode: lakehouse.Append, Partition: part, Properties: props}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) load(t *testing.T, n lakehouse.TableName) *lakehouse.Table {
	t.Helper()
	tbl, err := e.lh.LoadTable(e.ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// checksum returns the row count and an order-independent hash of all rows
// of the table at a snapshot (0 = current).
func (e *env) checksum(t *testing.T, n lakehouse.TableName, snapshot int64) string {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{SnapshotID: snapshot})
	if err != nil {
		t.Fatal(err)
	}
	var c int64
	var h sql.NullString
	if err := e.db.QueryRowContext(e.ctx, "SELECT count(*), CAST(sum(CAST(hash(t) AS HUGEINT)) AS VARCHAR) FROM ("+q+") AS t").Scan(&c, &h); err != nil {
		t.Fatalf("checksum: %v", err)
	}
	return fmt.Sprintf("%d rows, hash %s", c, h.String)
}

func (e *env) files(t *testing.T, n lakehouse.TableName) []lakehouse.FileInfo {
	t.Helper()
	fs, err := e.load(t, n).Files(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// onDisk lists the files under dir (relative paths, sorted).
func onDisk(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func tableDir(e *env, n lakehouse.TableName) string {
	return filepath.Join(e.root, n.Collection, n.Dataset)
}
