package lakehouse_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

var replayEvents = lakehouse.TableName{Collection: "replay", Dataset: "events"}

// rowsOf returns "day|id|v" lines of the table, sorted.
func (e *env) rowsOf(t *testing.T, n lakehouse.TableName, ro lakehouse.ReadOptions, cols string) []string {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, ro)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.QueryContext(e.ctx, "SELECT concat_ws('|', "+cols+") FROM ("+q+") ORDER BY 1")
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	return out
}

// filesByPartition maps partition -> sorted file paths of the current snapshot.
func (e *env) filesByPartition(t *testing.T, n lakehouse.TableName) map[string]string {
	t.Helper()
	files, err := e.load(t, n).Files(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string][]string{}
	for _, f := range files {
		by[f.Partition] = append(by[f.Partition], f.Path)
	}
	out := map[string]string{}
	for k, v := range by {
		sort.Strings(v)
		out[k] = strings.Join(v, ",")
	}

	return out
}

// TestDynamicOverwriteReplacesOnlyItsPartitions replays two of five days and
// checks that the other three keep the same files and rows, for identity
// and day() partitioning, and that a plain overwrite still replaces all.
func TestDynamicOverwriteReplacesOnlyItsPartitions(t *testing.T) {
	tests := []struct {
		name      string
		partition lakehouse.PartitionField
		replayed  []string // partition values of days 2 and 3
	}{
		{"identity on a date", lakehouse.PartitionField{Type: "identity", Column: "day"}, []string{"day=2024-01-02", "day=2024-01-03"}},
		{"day of a timestamp", lakehouse.PartitionField{Type: "day", Column: "ts"}, []string{"ts_day=2024-01-02", "ts_day=2024-01-03"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.exec(t, `CREATE VIEW all_days AS SELECT DATE '2024-01-01' + (i // 10)::INT AS day,
				TIMESTAMP '2024-01-01 06:00:00' + to_days((i // 10)::INT) AS ts, i AS id, 'v1' AS v FROM range(50) t(i)`)
			spec := lakehouse.WriteSpec{Table: replayEvents, Partition: []lakehouse.PartitionField{tc.partition}}
			e.write(t, "all_days", spec)
			beforeFiles := e.filesByPartition(t, replayEvents)
			beforeRows := e.rowsOf(t, replayEvents, lakehouse.ReadOptions{}, "day, id, v")
			if len(beforeFiles) != 5 || len(beforeRows) != 50 {
				t.Fatalf("setup: %d partitions, %d rows; want 5 and 50", len(beforeFiles), len(beforeRows))
			}

			// Replay days 2 and 3 with new values and a different row count.
			e.exec(t, `CREATE VIEW replay AS SELECT day, ts, id, 'v2' AS v FROM all_days
				WHERE day IN (DATE '2024-01-02', DATE '2024-01-03') AND id % 2 = 0`)
			spec.Mode, spec.OverwriteDynamic = lakehouse.Overwrite, true
			res := e.write(t, "replay", spec)
			if res.Rows != 10 {
				t.Errorf("replay wrote %d rows, want 10", res.Rows)
			}

			afterFiles := e.filesByPartition(t, replayEvents)
			for part, paths := range beforeFiles {
				replayed := part == tc.replayed[0] || part == tc.replayed[1]
				if replayed && afterFiles[part] == paths {
					t.Errorf("partition %s kept its files %s, want new ones", part, paths)
				}
				if !replayed && afterFiles[part] != paths {
					t.Errorf("partition %s files changed:\n before %s\n after  %s", part, paths, afterFiles[part])
				}
			}
			var want []string
			for _, r := range beforeRows {
				day := strings.SplitN(r, "|", 2)[0]
				if day != "2024-01-02" && day != "2024-01-03" {
					want = append(want, r)
				}
			}
			for i := 10; i < 30; i += 2 {
				want = append(want, fmt.Sprintf("2024-01-0%d|%d|v2", 1+i/10, i))
			}
			sort.Strings(want)
			if got := e.rowsOf(t, replayEvents, lakehouse.ReadOptions{}, "day, id, v"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rows after replay:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			snaps := e.load(t, replayEvents).Snapshots()
			if len(snaps) != 2 || snaps[1].Operation != "overwrite" {
				t.Errorf("snapshots %+v, want 2 with the replay an overwrite (one commit)", snaps)
			}

			// A plain overwrite replaces the whole table.
			spec.OverwriteDynamic = false
			e.write(t, "replay", spec)
			if n := e.count(t, replayEvents); n != 10 {
				t.Errorf("plain overwrite left %d rows, want 10", n)
			}
			if got := len(e.filesByPartition(t, replayEvents)); got != 2 {
				t.Errorf("plain overwrite left %d partitions, want 2", got)
			}
		})
	}
}

// TestDynamicOverwriteEdgeCases: new partitions are added, an empty result
// changes nothing, and a column missing from the result is kept for the
// other partitions.
func TestDynamicOverwriteEdgeCases(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW seed AS SELECT i % 3 AS k, i AS id, 'x' AS extra FROM range(9) t(i)`)
	spec := lakehouse.WriteSpec{Table: replayEvents, Partition: []lakehouse.PartitionField{{Type: "identity", Column: "k"}}}
	e.write(t, "seed", spec)
	spec.Mode, spec.OverwriteDynamic = lakehouse.Overwrite, true

	t.Run("a new partition is added", func(t *testing.T) {
		e.exec(t, `CREATE VIEW new_part AS SELECT 7 AS k, 100 AS id, 'y' AS extra`)
		e.write(t, "new_part", spec)
		if n := e.count(t, replayEvents); n != 10 {
			t.Errorf("%d rows, want 10", n)
		}
	})
	t.Run("an empty result changes no partition", func(t *testing.T) {
		e.exec(t, `CREATE VIEW none AS SELECT * FROM new_part WHERE false`)
		e.write(t, "none", spec)
		if n := e.count(t, replayEvents); n != 10 {
			t.Errorf("%d rows, want 10", n)
		}
	})
	t.Run("a missing column is not dropped", func(t *testing.T) {
		e.exec(t, `CREATE VIEW no_extra AS SELECT 0 AS k, 200 AS id`)
		e.write(t, "no_extra", spec)
		got := e.rowsOf(t, replayEvents, lakehouse.ReadOptions{}, "k, id, coalesce(extra, 'NULL')")
		want := "0|200|NULL,1|1|x,1|4|x,1|7|x,2|2|x,2|5|x,2|8|x,7|100|y"
		if strings.Join(got, ",") != want {
			t.Errorf("rows %v, want %s", got, want)
		}
	})
}
