package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// raceEnv is one lakehouse folder opened twice, as two processes would: the
// operation under test runs on l1, the concurrent writer on l2.
type raceEnv struct {
	ctx      context.Context
	l1, l2   *Lakehouse
	db1, db2 *sql.DB
}

var racePeople = TableName{Collection: "crm", Dataset: "people"}

func newRaceEnv(t *testing.T, mode string) *raceEnv {
	t.Helper()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "lakehouse")
	e := &raceEnv{ctx: ctx}
	for _, l := range []**Lakehouse{&e.l1, &e.l2} {
		lh, err := Open(ctx, root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = lh.Close() })
		*l = lh
	}
	for _, db := range []**sql.DB{&e.db1, &e.db2} {
		d, err := sql.Open("duckdb", "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		*db = d
	}
	// ids 1..6 in three files, one per k = id % 3: ids 2 and 5 share a file.
	e.exec(t, e.db1, `CREATE VIEW seed AS SELECT i AS id, 'p' || i AS name, i % 3 AS k FROM range(1, 7) t(i)`)
	props := map[string]string{PropMergeMode: mode, PropDeleteMode: mode}
	if _, err := e.l1.Write(ctx, e.db1, "seed", WriteSpec{Table: racePeople, Mode: Overwrite, Properties: props,
		Partition: []PartitionField{{Type: "identity", Column: "k"}}}); err != nil {
		t.Fatal(err)
	}

	return e
}

func (e *raceEnv) exec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.ExecContext(e.ctx, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rows returns "id:name" of the table's rows on branch ("" = main), by id.
func (e *raceEnv) rows(t *testing.T, branch string) string {
	t.Helper()
	tbl, err := e.l1.LoadTable(e.ctx, racePeople)
	if err != nil {
		t.Fatal(err)
	}
	q, err := tbl.SelectSQL(e.ctx, ReadOptions{Branch: branch})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := e.db1.QueryContext(e.ctx, "SELECT id || ':' || name FROM ("+q+") ORDER BY id")
	if err != nil {
		t.Fatal(err)
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
	return strings.Join(out, " ")
}

// merge1 and delete1 are the operations under test: they change id 2,
// which shares its data file with id 5.
func (e *raceEnv) merge1(ctx context.Context, t *testing.T) error {
	e.exec(t, e.db1, `CREATE OR REPLACE VIEW src1 AS SELECT 2 AS id, 'two' AS name, 2 AS k`)
	_, err := e.l1.Merge(ctx, e.db1, "src1", MergeSpec{Table: racePeople, On: "old.id = new.id", Clauses: []MergeClause{{Matched: true, Action: MergeUpdate, Star: true}}})
	return err
}

func (e *raceEnv) delete1(ctx context.Context, t *testing.T) error {
	_, err := e.l1.Delete(ctx, e.db1, DeleteSpec{Table: racePeople, Where: "target.id = 2"})
	return err
}

// The concurrent writers, on the second lakehouse instance.
func (e *raceEnv) rewriteFiveFile(t *testing.T) { // merge: rewrites the file of ids 2 and 5
	e.exec(t, e.db2, `CREATE OR REPLACE VIEW src2 AS SELECT 5 AS id, 'five' AS name, 2 AS k`)
	if _, err := e.l2.Merge(e.ctx, e.db2, "src2", MergeSpec{Table: racePeople, On: "old.id = new.id", Clauses: []MergeClause{{Matched: true, Action: MergeUpdate, Star: true}}}); err != nil {
		t.Fatalf("concurrent merge: %v", err)
	}
}

func (e *raceEnv) rewriteFourFile(t *testing.T) { // merge: rewrites another file (ids 1 and 4)
	e.exec(t, e.db2, `CREATE OR REPLACE VIEW src2 AS SELECT 4 AS id, 'four' AS name, 1 AS k`)
	if _, err := e.l2.Merge(e.ctx, e.db2, "src2", MergeSpec{Table: racePeople, On: "old.id = new.id", Clauses: []MergeClause{{Matched: true, Action: MergeUpdate, Star: true}}}); err != nil {
		t.Fatalf("concurrent merge: %v", err)
	}
}

func (e *raceEnv) appendSeven(t *testing.T) {
	e.exec(t, e.db2, `CREATE OR REPLACE VIEW more AS SELECT 7 AS id, 'p7' AS name, 1 AS k`)
	if _, err := e.l2.Write(e.ctx, e.db2, "more", WriteSpec{Table: racePeople, Mode: Append}); err != nil {
		t.Fatalf("concurrent append: %v", err)
	}
}

func (e *raceEnv) deleteFiveFile(t *testing.T) { // drops the whole file of ids 2 and 5
	if _, err := e.l2.Delete(e.ctx, e.db2, DeleteSpec{Table: racePeople, Where: "target.k = 2"}); err != nil {
		t.Fatalf("concurrent delete: %v", err)
	}
}

func (e *raceEnv) deleteFour(t *testing.T) { // deletes id 4, in another file than ids 2 and 5
	if _, err := e.l2.Delete(e.ctx, e.db2, DeleteSpec{Table: racePeople, Where: "target.id = 4"}); err != nil {
		t.Fatalf("concurrent delete: %v", err)
	}
}

func (e *raceEnv) deleteFive(t *testing.T) { // deletes id 5 only: rewrite or position delete
	if _, err := e.l2.Delete(e.ctx, e.db2, DeleteSpec{Table: racePeople, Where: "target.id = 5"}); err != nil {
		t.Fatalf("concurrent delete: %v", err)
	}
}

// TestRowOpConcurrentCommits makes the race deterministic: the operation
// under test reads and plans the table, then (through the commit hook) a
// second lakehouse instance commits a change, then the operation commits.
func TestRowOpConcurrentCommits(t *testing.T) {
	type opFn func(*raceEnv, context.Context, *testing.T) error
	type racer func(*raceEnv, *testing.T)
	tests := []struct {
		name      string
		mode      string
		op        opFn
		racer     racer
		conflict  string // "" = must succeed
		wantRows  string // main after both, when no conflict
		wantAfter string // main after the failed op: the concurrent change only
	}{
		{name: "merge vs concurrent rewrite of the matched file", mode: CopyOnWrite, op: (*raceEnv).merge1, racer: (*raceEnv).rewriteFiveFile,
			conflict: "removed or rewrote data file", wantAfter: "1:p1 2:p2 3:p3 4:p4 5:five 6:p6"},
		{name: "merge vs concurrent append", mode: CopyOnWrite, op: (*raceEnv).merge1, racer: (*raceEnv).appendSeven,
			wantRows: "1:p1 2:two 3:p3 4:p4 5:p5 6:p6 7:p7"},
		{name: "merge vs concurrent rewrite of another file", mode: CopyOnWrite, op: (*raceEnv).merge1, racer: (*raceEnv).rewriteFourFile,
			wantRows: "1:p1 2:two 3:p3 4:four 5:p5 6:p6"},
		{name: "merge vs concurrent delete of the matched row's file", mode: CopyOnWrite, op: (*raceEnv).merge1, racer: (*raceEnv).deleteFiveFile,
			conflict: "removed or rewrote data file", wantAfter: "1:p1 3:p3 4:p4 6:p6"},
		{name: "merge-on-read merge vs concurrent position delete in the same file", mode: MergeOnRead, op: (*raceEnv).merge1, racer: (*raceEnv).deleteFive,
			conflict: "deleted rows of data file", wantAfter: "1:p1 2:p2 3:p3 4:p4 6:p6"},
		{name: "merge-on-read merge vs concurrent position delete in another file", mode: MergeOnRead, op: (*raceEnv).merge1, racer: (*raceEnv).deleteFour,
			wantRows: "1:p1 2:two 3:p3 5:p5 6:p6"},
		{name: "merge-on-read merge vs concurrent append", mode: MergeOnRead, op: (*raceEnv).merge1, racer: (*raceEnv).appendSeven,
			wantRows: "1:p1 2:two 3:p3 4:p4 5:p5 6:p6 7:p7"},
		{name: "delete vs concurrent merge of the same file", mode: CopyOnWrite, op: (*raceEnv).delete1, racer: (*raceEnv).rewriteFiveFile,
			conflict: "removed or rewrote data file", wantAfter: "1:p1 2:p2 3:p3 4:p4 5:five 6:p6"},
		{name: "delete vs concurrent append", mode: CopyOnWrite, op: (*raceEnv).delete1, racer: (*raceEnv).appendSeven,
			wantRows: "1:p1 3:p3 4:p4 5:p5 6:p6 7:p7"},
		{name: "merge-on-read delete vs concurrent delete of the file", mode: MergeOnRead, op: (*raceEnv).delete1, racer: (*raceEnv).deleteFiveFile,
			conflict: "removed or rewrote data file", wantAfter: "1:p1 3:p3 4:p4 6:p6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newRaceEnv(t, tc.mode)
			fired := false
			ctx := commit.BeforeSubmit(e.ctx, func(attempt int) {
				if attempt == 0 {
					fired = true
					tc.racer(e, t)
				}
			})
			err := tc.op(e, ctx, t)
			if !fired {
				t.Fatal("the commit hook did not run")
			}
			if tc.conflict == "" {
				if err != nil {
					t.Fatalf("want success after re-staging, got %v", err)
				}
				if got := e.rows(t, ""); got != tc.wantRows {
					t.Errorf("rows:\n got %s\nwant %s", got, tc.wantRows)
				}
				return
			}
			if !errors.Is(err, ErrWriteConflict) {
				t.Fatalf("error %v, want ErrWriteConflict", err)
			}
			for _, want := range []string{tc.conflict, "crm.people", "committed concurrently", "nothing was committed", "again"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q should say %q", err, want)
				}
			}
			if got := e.rows(t, ""); got != tc.wantAfter {
				t.Errorf("rows after the failed operation:\n got %s\nwant %s (the concurrent change only)", got, tc.wantAfter)
			}
		})
	}
}

// TestOverwriteDropsDeleteFiles: a whole-table overwrite of a table with
// merge-on-read position deletes removes the delete files in its commit.
func TestOverwriteDropsDeleteFiles(t *testing.T) {
	e := newRaceEnv(t, MergeOnRead)
	if err := e.delete1(e.ctx, t); err != nil {
		t.Fatal(err)
	}
	live := func() int {
		tbl, err := e.l1.LoadTable(e.ctx, racePeople)
		if err != nil {
			t.Fatal(err)
		}
		dels, err := datafile.ObsoleteDeleteFiles(e.ctx, tbl.tbl, "", nil, true)
		if err != nil {
			t.Fatal(err)
		}
		return len(dels)
	}
	if n := live(); n != 1 {
		t.Fatalf("%d live delete files after a merge-on-read delete, want 1", n)
	}
	before, err := e.l1.LoadTable(e.ctx, racePeople)
	if err != nil {
		t.Fatal(err)
	}
	snaps := len(before.Snapshots())
	e.exec(t, e.db1, `CREATE VIEW fresh AS SELECT i AS id, 'n' || i AS name, i % 3 AS k FROM range(10, 13) t(i)`)
	if _, err := e.l1.Write(e.ctx, e.db1, "fresh", WriteSpec{Table: racePeople, Mode: Overwrite}); err != nil {
		t.Fatal(err)
	}
	if n := live(); n != 0 {
		t.Errorf("%d delete files left after a whole-table overwrite, want 0", n)
	}
	after, err := e.l1.LoadTable(e.ctx, racePeople)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(after.Snapshots()); got != snaps+1 {
		t.Errorf("%d snapshots after the overwrite, want %d (one commit)", got, snaps+1)
	}
	if got, want := e.rows(t, ""), "10:n10 11:n11 12:n12"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}

// TestDynamicOverwriteDropsDeleteFilesOfReplacedFiles: a dynamic partition
// overwrite removes the delete files of the data files it replaces, and
// keeps those of other partitions.
func TestDynamicOverwriteDropsDeleteFilesOfReplacedFiles(t *testing.T) {
	e := newRaceEnv(t, MergeOnRead)
	// Position deletes in partition k=2 (id 2) and k=1 (id 4).
	if _, err := e.l1.Delete(e.ctx, e.db1, DeleteSpec{Table: racePeople, Where: "target.id IN (2, 4)"}); err != nil {
		t.Fatal(err)
	}
	refs := func() []string {
		tbl, err := e.l1.LoadTable(e.ctx, racePeople)
		if err != nil {
			t.Fatal(err)
		}
		dels, err := datafile.ObsoleteDeleteFiles(e.ctx, tbl.tbl, "", nil, true)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range dels {
			if r, ok := datafile.DeleteTarget(d); ok {
				out = append(out, filepath.Base(filepath.Dir(r)))
			}
		}
		return out
	}
	if got := refs(); len(got) != 2 || strings.HasSuffix(got[0], "=1") == strings.HasSuffix(got[1], "=1") {
		t.Fatalf("delete files reference partition folders %v, want the k=1 and k=2 ones", got)
	}
	e.exec(t, e.db1, `CREATE VIEW k2 AS SELECT 8 AS id, 'p8' AS name, 2 AS k`)
	if _, err := e.l1.Write(e.ctx, e.db1, "k2", WriteSpec{Table: racePeople, Mode: Overwrite, OverwriteDynamic: true}); err != nil {
		t.Fatal(err)
	}
	if got := refs(); len(got) != 1 || !strings.HasSuffix(got[0], "=1") {
		t.Errorf("delete files left reference partition folders %v, want only the k=1 one", got)
	}
	if got, want := e.rows(t, ""), "1:p1 3:p3 6:p6 8:p8"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
}
