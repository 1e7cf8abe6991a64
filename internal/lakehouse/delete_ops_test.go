package lakehouse_test

import (
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// icebergCount reads the table with iceberg-go's own scanner, which applies
// delete files independently of Flare's SelectSQL.
func (e *env) icebergCount(t *testing.T, n lakehouse.TableName) int64 {
	t.Helper()
	tbl, err := e.load(t, n).Iceberg().Scan().ToArrowTable(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	return tbl.NumRows()
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name               string
		where              string
		dryRun             bool
		want               string
		rows               int64
		dropped, rewritten int
	}{
		{"whole file dropped without rewrite", "target.k = 1", false, "2:p2:20 3:p3:30 5:p5:50 6:p6:60", 2, 1, 0},
		{"partly matching files", "target.id IN (2, 3)", false, "1:p1:10 4:p4:40 5:p5:50 6:p6:60", 2, 0, 2},
		{"both, with a sub-query", "target.k = 0 OR EXISTS (SELECT 1 FROM gone WHERE gone.id = target.id)", false, "1:p1:10 2:p2:20 4:p4:40", 3, 1, 1},
		{"dry run commits nothing", "target.id > 4", true, "1:p1:10 2:p2:20 3:p3:30 4:p4:40 5:p5:50 6:p6:60", 2, 0, 2},
		{"nothing matches", "target.id > 100", false, "1:p1:10 2:p2:20 3:p3:30 4:p4:40 5:p5:50 6:p6:60", 0, 0, 0},
	}
	for _, mode := range []string{lakehouse.CopyOnWrite, lakehouse.MergeOnRead} {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t)
				seedPeople(t, e, map[string]string{lakehouse.PropDeleteMode: mode})
				e.exec(t, `CREATE OR REPLACE VIEW gone AS SELECT 5 AS id`)
				before := e.load(t, people).Describe().CurrentSnapshotID
				res, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: tc.where, DryRun: tc.dryRun})
				if err != nil {
					t.Fatal(err)
				}
				if got := e.mergeRows(t, people); got != tc.want {
					t.Errorf("rows:\n got %s\nwant %s", got, tc.want)
				}
				if res.Rows != tc.rows || res.FilesDropped != tc.dropped || res.FilesRewritten != tc.rewritten || res.FilesTotal != 3 {
					t.Errorf("result %+v, want %d rows, %d dropped, %d rewritten of 3", res, tc.rows, tc.dropped, tc.rewritten)
				}
				after := e.load(t, people).Describe().CurrentSnapshotID
				if changed := after != before; changed != (tc.rows > 0 && !tc.dryRun) {
					t.Errorf("snapshot %d -> %d", before, after)
				}
				if got, want := e.icebergCount(t, people), int64(len(strings.Fields(tc.want))); got != want {
					t.Errorf("iceberg-go reads %d rows, want %d", got, want)
				}
				if mode == lakehouse.MergeOnRead && !tc.dryRun && res.DeleteFilesAdded != tc.rewritten {
					t.Errorf("%d delete files added, want %d", res.DeleteFilesAdded, tc.rewritten)
				}
			})
		}
	}
}

// TestRowLevelRounds stacks merges and deletes on one table in both modes:
// position deletes on top of position deletes, and a copy-on-write rewrite
// of a file that already has position deletes.
func TestRowLevelRounds(t *testing.T) {
	e := newEnv(t)
	seedPeople(t, e, map[string]string{lakehouse.PropMergeMode: lakehouse.MergeOnRead, lakehouse.PropDeleteMode: lakehouse.MergeOnRead})
	merge := func(src string) {
		t.Helper()
		e.exec(t, "CREATE OR REPLACE VIEW src AS "+src)
		if _, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id",
			Clauses: when(t, "MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")}); err != nil {
			t.Fatal(err)
		}
	}
	merge(`SELECT 1 AS id, 'a' AS name, 11 AS score, 1 AS k`)
	merge(`SELECT 1 AS id, 'b' AS name, 12 AS score, 1 AS k UNION ALL SELECT 4, 'd', 41, 1`)
	if _, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: "target.id = 6"}); err != nil {
		t.Fatal(err)
	}
	want := "1:b:12 2:p2:20 3:p3:30 4:d:41 5:p5:50"
	if got := e.mergeRows(t, people); got != want {
		t.Fatalf("after merge-on-read rounds:\n got %s\nwant %s", got, want)
	}
	// switch to copy-on-write: files with delete files get rewritten cleanly
	tbl := e.load(t, people).Iceberg()
	txn := tbl.NewTransaction()
	if err := txn.SetProperties(map[string]string{lakehouse.PropMergeMode: lakehouse.CopyOnWrite}); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	merge(`SELECT 2 AS id, 'c' AS name, 22 AS score, 2 AS k UNION ALL SELECT 4, 'e', 42, 1`)
	want = "1:b:12 2:c:22 3:p3:30 4:e:42 5:p5:50"
	if got := e.mergeRows(t, people); got != want {
		t.Errorf("after copy-on-write merge:\n got %s\nwant %s", got, want)
	}
	if got := e.icebergCount(t, people); got != 5 {
		t.Errorf("iceberg-go reads %d rows, want 5", got)
	}
}
