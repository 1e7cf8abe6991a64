package lakehouse_test

import (
	"fmt"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// TestAppendsMergeManifests: Flare's tables merge manifests on append (as
// Iceberg Java does by default), so many small appends keep the manifest
// list bounded while every appended row stays readable, by DuckDB through
// Flare and by iceberg-go's own scan.
func TestAppendsMergeManifests(t *testing.T) {
	e := newEnv(t)
	n := lakehouse.TableName{Collection: "s", Dataset: "appends"}
	const appends = 130 // past the 100 manifests that trigger a merge
	for i := range appends {
		e.write(t, fmt.Sprintf("(SELECT %d AS id)", i), lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append})
	}
	tbl := e.load(t, n).Iceberg()
	if got := tbl.Properties()["commit.manifest-merge.enabled"]; got != "true" {
		t.Errorf("commit.manifest-merge.enabled = %q, want true", got)
	}
	fsys, err := tbl.FS(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := tbl.CurrentSnapshot().Manifests(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) >= 100 {
		t.Errorf("%d appends left %d manifests; merging keeps them under 100", appends, len(manifests))
	}
	if got := e.count(t, n); got != appends {
		t.Errorf("count(*) = %d, want %d", got, appends)
	}
	if got := e.icebergCount(t, n); got != appends {
		t.Errorf("iceberg-go scan: %d rows, want %d", got, appends)
	}
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := e.db.QueryRowContext(e.ctx, "SELECT sum(id) FROM ("+q+")").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if want := int64(appends * (appends - 1) / 2); sum != want {
		t.Errorf("sum(id) = %d, want %d (a row lost or repeated by the merge)", sum, want)
	}
}
