package lakehouse_test

import (
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// TestMergeProperties: table properties beside a merge are set by the
// merge's commit (one snapshot for rows and properties); a merge that
// changes no row commits properties that differ, and nothing when they are
// already set; a write.merge.mode among them applies to the merge itself.
func TestMergeProperties(t *testing.T) {
	e := newEnv(t)
	seedPeople(t, e, nil)
	e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT 2 AS id, 'two' AS name, 25 AS score, 2 AS k`)
	props := map[string]string{"write.metadata.compression-codec": "gzip", lakehouse.PropMergeMode: lakehouse.MergeOnRead}
	before := len(e.load(t, people).Snapshots())
	res, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN UPDATE SET *"), Properties: props})
	if err != nil {
		t.Fatal(err)
	}
	tbl := e.load(t, people)
	got := tbl.Iceberg().Properties()
	if got["write.metadata.compression-codec"] != "gzip" || got[lakehouse.PropMergeMode] != lakehouse.MergeOnRead {
		t.Errorf("properties after the merge: %v", got)
	}
	if res.Mode != lakehouse.MergeOnRead || res.DeleteFilesAdded != 1 {
		t.Errorf("mode %s with %d delete files, want merge-on-read from the merge's own properties", res.Mode, res.DeleteFilesAdded)
	}
	if n := len(tbl.Snapshots()); n != before+1 {
		t.Errorf("%d snapshots, want %d: rows and properties in one commit", n, before+1)
	}
	if rows := e.mergeRows(t, people); rows != "1:p1:10 2:two:25 3:p3:30 4:p4:40 5:p5:50 6:p6:60" {
		t.Errorf("rows %s", rows)
	}

	// No row matches: new properties are still committed, without a snapshot.
	e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT 99 AS id, 'x' AS name, 1 AS score, 0 AS k`)
	meta := tbl.Iceberg().MetadataLocation()
	if _, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN DELETE"), Properties: map[string]string{"flare.x": "1"}}); err != nil {
		t.Fatal(err)
	}
	tbl = e.load(t, people)
	if tbl.Iceberg().Properties()["flare.x"] != "1" || len(tbl.Snapshots()) != before+1 {
		t.Errorf("properties %v, %d snapshots; want flare.x set and no new snapshot", tbl.Iceberg().Properties(), len(tbl.Snapshots()))
	}
	if tbl.Iceberg().MetadataLocation() == meta {
		t.Error("no commit for the new property")
	}
	// The same again: nothing to commit.
	meta = tbl.Iceberg().MetadataLocation()
	if _, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN DELETE"), Properties: map[string]string{"flare.x": "1"}}); err != nil {
		t.Fatal(err)
	}
	if e.load(t, people).Iceberg().MetadataLocation() != meta {
		t.Error("a merge that changes nothing committed")
	}
}
