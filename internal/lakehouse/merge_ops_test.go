package lakehouse_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

var people = lakehouse.TableName{Collection: "crm", Dataset: "people"}

// rowsOf returns the table's rows as "id:name:score" strings, ordered by id.
func (e *env) mergeRows(t *testing.T, n lakehouse.TableName) string {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.QueryContext(e.ctx, "SELECT id || ':' || coalesce(name, '-') || ':' || coalesce(score::VARCHAR, '-') FROM ("+q+") ORDER BY id")
	if err != nil {
		t.Fatalf("%s: %v", q, err)
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

// seedPeople writes ids 1..6 in three files (one per k = id % 3) with the
// given table properties.
func seedPeople(t *testing.T, e *env, props map[string]string) {
	t.Helper()
	e.exec(t, `CREATE OR REPLACE VIEW seed AS SELECT i AS id, 'p' || i AS name, i * 10 AS score, i % 3 AS k FROM range(1, 7) t(i)`)
	e.write(t, "seed", lakehouse.WriteSpec{Table: people, Mode: lakehouse.Overwrite, Properties: props,
		Partition: []lakehouse.PartitionField{{Type: "identity", Column: "k"}}})
}

func TestMerge(t *testing.T) {
	const upsert = `SELECT * FROM (VALUES (2, 'two', 25, 2), (4, 'four', 45, 1), (7, 'seven', 70, 1)) v(id, name, score, k)`
	tests := []struct {
		name     string
		source   string
		when     string
		want     string
		rewrites int
		counts   [3]int64 // updated, inserted, deleted
	}{
		{"upsert star", upsert, "MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
			"1:p1:10 2:two:25 3:p3:30 4:four:45 5:p5:50 6:p6:60 7:seven:70", 2, [3]int64{2, 1, 0}},
		{"update named columns only", upsert, "MATCHED THEN UPDATE SET old.name = upper(new.name)",
			"1:p1:10 2:TWO:20 3:p3:30 4:FOUR:40 5:p5:50 6:p6:60", 2, [3]int64{2, 0, 0}},
		{"clauses in order, first wins", upsert,
			"MATCHED AND new.score > 40 THEN DELETE WHEN MATCHED THEN UPDATE SET score = new.score + 1 WHEN NOT MATCHED AND new.id > 100 THEN INSERT * WHEN NOT MATCHED THEN INSERT (id, name, k) VALUES (new.id, 'new', new.k)",
			"1:p1:10 2:p2:26 3:p3:30 5:p5:50 6:p6:60 7:new:-", 2, [3]int64{1, 1, 1}},
		{"no match and no insert changes nothing", `SELECT 99 AS id, 'x' AS name, 1 AS score, 0 AS k`, "MATCHED THEN DELETE",
			"1:p1:10 2:p2:20 3:p3:30 4:p4:40 5:p5:50 6:p6:60", 0, [3]int64{0, 0, 0}},
	}
	for _, mode := range []string{lakehouse.CopyOnWrite, lakehouse.MergeOnRead} {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t)
				seedPeople(t, e, map[string]string{lakehouse.PropMergeMode: mode})
				before := e.load(t, people).Describe().CurrentSnapshotID
				e.exec(t, "CREATE OR REPLACE VIEW src AS "+tc.source)
				res, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, tc.when)})
				if err != nil {
					t.Fatal(err)
				}
				if got := e.mergeRows(t, people); got != tc.want {
					t.Errorf("rows:\n got %s\nwant %s", got, tc.want)
				}
				if got := [3]int64{res.Updated, res.Inserted, res.Deleted}; got != tc.counts {
					t.Errorf("updated, inserted, deleted = %v, want %v", got, tc.counts)
				}
				if res.FilesRewritten != tc.rewrites || res.FilesTotal != 3 || res.Mode != mode {
					t.Errorf("files rewritten %d of %d (%s), want %d of 3 (%s)", res.FilesRewritten, res.FilesTotal, res.Mode, tc.rewrites, mode)
				}
				after := e.load(t, people).Describe().CurrentSnapshotID
				if (tc.rewrites == 0) != (after == before) {
					t.Errorf("snapshot %d -> %d; want a new one only when rows changed", before, after)
				}
				if mode == lakehouse.MergeOnRead && tc.rewrites > 0 && res.DeleteFilesAdded != tc.rewrites {
					t.Errorf("delete files added %d, want %d", res.DeleteFilesAdded, tc.rewrites)
				}
				// untouched files stay: 3 - rewrites of the original files survive
				files, err := e.load(t, people).Files(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				kept := 0
				for _, f := range files {
					if !strings.Contains(f.Path, "deletes") && f.Records == 2 {
						kept++
					}
				}
				if want := 3 - tc.rewrites; mode == lakehouse.CopyOnWrite && kept < want {
					t.Errorf("%d original files kept, want at least %d", kept, want)
				}
			})
		}
	}
}

func TestMergeFailures(t *testing.T) {
	tests := []struct {
		name, source, on, when string
		want                   error
		msg                    string
		// clauses, when set, are given as they are (the plan refuses
		// them before they get here).
		clauses []lakehouse.MergeClause
	}{
		{"source row matches two table rows", `SELECT 1 AS k`, "old.k = new.k", "MATCHED THEN UPDATE SET name = 'x'",
			lakehouse.ErrMergeCardinality, "matches 2 rows", nil},
		{"two source rows match one table row", `SELECT * FROM (VALUES (2, 'a'), (2, 'b')) v(id, name)`, "old.id = new.id", "MATCHED THEN UPDATE SET name = new.name",
			lakehouse.ErrMergeCardinality, "2 source rows match the same row", nil},
		{"unknown column", `SELECT 2 AS id`, "old.id = new.id", "MATCHED THEN UPDATE SET nope = 1",
			lakehouse.ErrInvalidSpec, "has no column nope", nil},
		{"star needs the columns", `SELECT 9 AS id`, "old.id = new.id", "NOT MATCHED THEN INSERT *",
			lakehouse.ErrInvalidSpec, "source has no column name, score, k", nil},
		{"unreachable clause", `SELECT 2 AS id`, "old.id = new.id", "", lakehouse.ErrInvalidSpec, "can never fire",
			[]lakehouse.MergeClause{{Matched: true, Action: lakehouse.MergeDelete}, {Matched: true, Action: lakehouse.MergeUpdate, Set: []lakehouse.Assignment{{Column: "name", Expr: "'x'"}}}}},
		{"insert in a matched clause", `SELECT 2 AS id`, "old.id = new.id", "", lakehouse.ErrInvalidSpec, "not INSERT",
			[]lakehouse.MergeClause{{Matched: true, Action: lakehouse.MergeInsert, Star: true}}},
		{"no clauses", `SELECT 2 AS id`, "old.id = new.id", "", lakehouse.ErrInvalidSpec, "needs WHEN clauses", []lakehouse.MergeClause{}},
		{"bad on clause", `SELECT 2 AS id`, "old.nope = new.id", "MATCHED THEN DELETE", nil, "onClause", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			seedPeople(t, e, nil)
			before := e.load(t, people).Describe().CurrentSnapshotID
			e.exec(t, "CREATE OR REPLACE VIEW src AS "+tc.source)
			clauses := tc.clauses
			if clauses == nil {
				clauses = when(t, tc.when)
			}
			_, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: tc.on, Clauses: clauses})
			if err == nil {
				t.Fatal("merge succeeded, want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "crm.people") {
				t.Errorf("error %q should name the table and say %q", err, tc.msg)
			}
			if got := e.load(t, people).Describe().CurrentSnapshotID; got != before {
				t.Errorf("snapshot changed from %d to %d", before, got)
			}
		})
	}
	t.Run("missing table", func(t *testing.T) {
		e := newEnv(t)
		e.exec(t, `CREATE VIEW src AS SELECT 1 AS id`)
		_, err := e.lh.Merge(e.ctx, e.db, "src", lakehouse.MergeSpec{Table: people, On: "old.id = new.id", Clauses: when(t, "NOT MATCHED THEN INSERT *")})
		if !errors.Is(err, lakehouse.ErrNoSuchTable) || !strings.Contains(err.Error(), "crm.people") {
			t.Errorf("error %v, want ErrNoSuchTable naming crm.people", err)
		}
	})
}

var _ = fmt.Sprint
