package lakehouse_test

import (
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// TestLargeFilesReadOnce: iceberg-go splits a Parquet file larger than
// read.split.target-size into one scan task per range of row groups (a
// 10-million-row table's 134 MiB file gave two). Flare reads, lists and
// replaces whole files, so each file must count once: its rows read once,
// listed once, and an overwrite must replace it (the split made the
// overwrite fail with "delete data file paths must be unique").
func TestLargeFilesReadOnce(t *testing.T) {
	e := newEnv(t)
	// Three row groups (DuckDB writes 122,880 rows per group) in a file far
	// larger than the split size set on the table.
	e.exec(t, `CREATE VIEW big AS SELECT i AS id, md5(i::VARCHAR) AS h FROM range(300000) t(i)`)
	n := lakehouse.TableName{Collection: "retail", Dataset: "big"}
	spec := lakehouse.WriteSpec{Table: n, Properties: map[string]string{"read.split.target-size": "65536"}}
	e.write(t, "big", spec)
	if got := e.count(t, n); got != 300000 {
		t.Fatalf("read %d rows, want 300000", got)
	}
	files, err := e.load(t, n).PlanFiles(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("planned %d files, want 1: %v", len(files), files)
	}
	spec.Mode = lakehouse.Overwrite
	e.write(t, "big", spec)
	if got := e.count(t, n); got != 300000 {
		t.Fatalf("after an overwrite, read %d rows, want 300000", got)
	}
}
