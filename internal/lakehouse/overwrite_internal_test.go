package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// TestConcurrentWriteConflicts runs a write against a stale table (as a
// writer that loaded the table before another writer committed) and checks
// what iceberg-go's conflict validation and our dynamic-overwrite retry make
// of it: safe cases land (re-planned on the new snapshot), conflicting ones
// fail with ErrWriteConflict and commit nothing.
func TestConcurrentWriteConflicts(t *testing.T) {
	part := []PartitionField{{Type: "identity", Column: "k"}}
	dyn := WriteSpec{Mode: Overwrite, OverwriteDynamic: true, Partition: part}
	tests := []struct {
		name     string
		other    WriteSpec // committed first, by the "other" writer
		otherSrc string
		mine     WriteSpec // prepared on the stale table, committed second
		mineSrc  string
		conflict bool
		want     string            // k:count per partition after both
		props    map[string]string // table properties set by the seed
	}{
		{"dynamic overwrites of the same partition", dyn, "SELECT 1 AS k, 10 AS id", dyn, "SELECT 1 AS k, 20 AS id", true, "1:1,2:2", nil},
		{"dynamic overwrites of different partitions", dyn, "SELECT 1 AS k, 10 AS id", dyn, "SELECT 2 AS k, 20 AS id", false, "1:1,2:1", nil},
		{"dynamic overwrite vs an append to its partition", WriteSpec{Partition: part}, "SELECT 1 AS k, 10 AS id", dyn, "SELECT 1 AS k, 20 AS id", true, "1:3,2:2", nil},
		{"dynamic overwrite vs an append to another partition", WriteSpec{Partition: part}, "SELECT 3 AS k, 10 AS id", dyn, "SELECT 1 AS k, 20 AS id", false, "1:1,2:2,3:1", nil},
		{"overwrite vs a concurrent append", WriteSpec{Partition: part}, "SELECT 3 AS k, 10 AS id", WriteSpec{Mode: Overwrite, Partition: part}, "SELECT 1 AS k, 20 AS id", true, "1:2,2:2,3:1", nil},
		{"appends", WriteSpec{Partition: part}, "SELECT 1 AS k, 10 AS id", WriteSpec{Partition: part}, "SELECT 1 AS k, 20 AS id", false, "1:4,2:2", nil},
		{"overwrite vs a concurrent append, snapshot isolation", WriteSpec{Partition: part}, "SELECT 3 AS k, 10 AS id", WriteSpec{Mode: Overwrite, Partition: part}, "SELECT 1 AS k, 20 AS id", false, "1:1,3:1",
			map[string]string{"write.update.isolation-level": "snapshot"}},
		{"overwrite vs a concurrent overwrite, snapshot isolation", WriteSpec{Mode: Overwrite, Partition: part}, "SELECT 3 AS k, 10 AS id", WriteSpec{Mode: Overwrite, Partition: part}, "SELECT 1 AS k, 20 AS id", true, "3:1",
			map[string]string{"write.update.isolation-level": "snapshot"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			l, err := Open(ctx, filepath.Join(t.TempDir(), "lh"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			db, err := sql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			n := TableName{Collection: "c", Dataset: "t"}
			seed := WriteSpec{Table: n, Partition: part, Properties: tc.props}
			if _, err := l.Write(ctx, db, "(SELECT i % 2 + 1 AS k, i AS id FROM range(4) t(i))", seed); err != nil {
				t.Fatal(err)
			}
			stale, err := l.cat.LoadTable(ctx, n.ident())
			if err != nil {
				t.Fatal(err)
			}
			tc.other.Table, tc.mine.Table = n, n
			if _, err := l.Write(ctx, db, "("+tc.otherSrc+")", tc.other); err != nil {
				t.Fatalf("other writer: %v", err)
			}
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			src := "(" + tc.mineSrc + ")"
			cols, err := datafile.DescribeRelation(ctx, conn, src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.writeExisting(ctx, conn, src, cols, tc.mine, stale)
			switch {
			case tc.conflict && !errors.Is(err, ErrWriteConflict):
				t.Fatalf("err = %v, want ErrWriteConflict", err)
			case tc.conflict && !strings.Contains(err.Error(), "run the job again"):
				t.Errorf("error %q does not say what to do", err)
			case !tc.conflict && err != nil:
				t.Fatalf("write failed: %v", err)
			}
			tbl, err := l.LoadTable(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			q, err := tbl.SelectSQL(ctx, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if err := db.QueryRowContext(ctx, "SELECT string_agg(k || ':' || c, ',' ORDER BY k) FROM (SELECT k, count(*) AS c FROM ("+q+") GROUP BY k)").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("rows per partition %s, want %s", got, tc.want)
			}
			// A failed write leaves no staged files behind.
			files, err := tbl.Files(ctx)
			if err != nil {
				t.Fatal(err)
			}
			onDisk, _ := filepath.Glob(filepath.Join(localPath(tbl.tbl.Location()), "data", "*", "*.parquet"))
			if len(onDisk) != len(files)+filesRemovedByOverwrites(tbl) {
				t.Errorf("%d parquet files on disk, %d live + %d replaced", len(onDisk), len(files), filesRemovedByOverwrites(tbl))
			}
		})
	}
}

// filesRemovedByOverwrites counts data files that left the table through
// overwrites (they stay on disk until snapshots expire).
func filesRemovedByOverwrites(t *Table) int {
	n := 0
	for _, s := range t.Snapshots() {
		var d int
		for _, c := range s.Summary["deleted-data-files"] {
			d = d*10 + int(c-'0')
		}
		n += d
	}

	return n
}
