package lakehouse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// branchRows returns the table's rows on branch as "id:name:score".
func (e *env) branchRows(t *testing.T, n lakehouse.TableName, branch string) string {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{Branch: branch})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.QueryContext(e.ctx, "SELECT id || ':' || coalesce(name, '-') || ':' || coalesce(score::VARCHAR, '-') FROM ("+q+") ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func branchHeadOf(t *testing.T, e *env, n lakehouse.TableName, branch string) int64 {
	t.Helper()
	r, err := e.load(t, n).Ref(branch)
	if err != nil {
		t.Fatalf("branch %s: %v", branch, err)
	}
	return r.SnapshotID
}

// TestRowOpsOnBranch: MERGE and DELETE with a branch change that branch
// (created from main when missing) and leave main alone.
func TestRowOpsOnBranch(t *testing.T) {
	const seeded = "1:p1:10 2:p2:20 3:p3:30 4:p4:40 5:p5:50 6:p6:60"
	for _, mode := range []string{lakehouse.CopyOnWrite, lakehouse.MergeOnRead} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			seedPeople(t, e, map[string]string{lakehouse.PropMergeMode: mode, lakehouse.PropDeleteMode: mode})
			mainID := e.load(t, people).Describe().CurrentSnapshotID

			// A merge into a missing branch creates it from main.
			e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT * FROM (VALUES (2, 'two', 25, 2), (7, 'seven', 70, 1)) v(id, name, score, k)`)
			res, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id",
				Clauses: when(t, "MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"), Branch: "audit"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Branch != "audit" || res.Updated != 1 || res.Inserted != 1 {
				t.Errorf("result: branch %q, %d updated, %d inserted; want audit, 1, 1", res.Branch, res.Updated, res.Inserted)
			}
			if got := branchHeadOf(t, e, people, "audit"); got != res.SnapshotID || got == mainID {
				t.Errorf("audit head %d, merge reported %d, main %d: want the merge's new snapshot", got, res.SnapshotID, mainID)
			}
			if got, want := e.branchRows(t, people, "audit"), "1:p1:10 2:two:25 3:p3:30 4:p4:40 5:p5:50 6:p6:60 7:seven:70"; got != want {
				t.Errorf("audit rows:\n got %s\nwant %s", got, want)
			}
			if got := e.load(t, people).Describe().CurrentSnapshotID; got != mainID {
				t.Errorf("main moved from %d to %d", mainID, got)
			}
			if got := e.mergeRows(t, people); got != seeded {
				t.Errorf("main rows changed: %s", got)
			}

			// A second merge and a delete build on the branch, not on main.
			e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT 7 AS id, 'SEVEN' AS name, 71 AS score, 1 AS k`)
			if _, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id",
				Clauses: when(t, "MATCHED THEN UPDATE SET *"), Branch: "audit"}); err != nil {
				t.Fatal(err)
			}
			dres, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: "target.id IN (1, 7)", Branch: "audit"})
			if err != nil {
				t.Fatal(err)
			}
			if dres.Rows != 2 || dres.Branch != "audit" {
				t.Errorf("delete on audit: %d rows (branch %q), want 2 (audit)", dres.Rows, dres.Branch)
			}
			if got, want := e.branchRows(t, people, "audit"), "2:two:25 3:p3:30 4:p4:40 5:p5:50 6:p6:60"; got != want {
				t.Errorf("audit rows:\n got %s\nwant %s", got, want)
			}
			if got := e.mergeRows(t, people); got != seeded {
				t.Errorf("main rows changed: %s", got)
			}

			// A delete into another missing branch creates it too.
			if _, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: "target.id = 6", Branch: "fix"}); err != nil {
				t.Fatal(err)
			}
			if got, want := e.branchRows(t, people, "fix"), "1:p1:10 2:p2:20 3:p3:30 4:p4:40 5:p5:50"; got != want {
				t.Errorf("fix rows:\n got %s\nwant %s", got, want)
			}
			if got := e.load(t, people).Describe().CurrentSnapshotID; got != mainID {
				t.Errorf("main moved from %d to %d", mainID, got)
			}
		})
	}
}

func TestRowOpsOnTagFail(t *testing.T) {
	e := newEnv(t)
	seedPeople(t, e, nil)
	id := e.load(t, people).Describe().CurrentSnapshotID
	if _, err := e.lh.CreateTag(e.ctx, people, "v1", id); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT 2 AS id, 'x' AS name`)
	_, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN UPDATE SET name = new.name"), Branch: "v1"})
	if !errors.Is(err, lakehouse.ErrInvalidSpec) || !strings.Contains(err.Error(), "is a tag") {
		t.Errorf("merge into a tag: %v, want ErrInvalidSpec saying it is a tag", err)
	}
	_, err = e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: "target.id = 2", Branch: "v1"})
	if !errors.Is(err, lakehouse.ErrInvalidSpec) || !strings.Contains(err.Error(), "is a tag") {
		t.Errorf("delete on a tag: %v, want ErrInvalidSpec saying it is a tag", err)
	}
	if got := e.load(t, people).Describe().CurrentSnapshotID; got != id {
		t.Errorf("main moved from %d to %d", id, got)
	}
}

// TestRowOpsDropExactRows: the rows a copy-on-write rewrite drops are
// named by (file, position); matched rows at different positions of
// different files catch a file numbering that does not follow the read.
func TestRowOpsDropExactRows(t *testing.T) {
	// Files: k=1 holds ids 1, 4; k=2 holds 2, 5; k=0 holds 3, 6.
	for _, tc := range []struct{ name, want string }{
		{"merge", "2:p2:20 3:p3:30 4:p4:40 6:p6:60"},
		{"delete", "2:p2:20 3:p3:30 4:p4:40 6:p6:60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			seedPeople(t, e, nil)
			var err error
			if tc.name == "merge" {
				e.exec(t, `CREATE OR REPLACE VIEW src AS SELECT * FROM (VALUES (1), (5)) v(id)`)
				_, err = e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN DELETE")})
			} else {
				_, err = e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: people, Where: "target.id IN (1, 5)"})
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := e.mergeRows(t, people); got != tc.want {
				t.Errorf("rows:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
