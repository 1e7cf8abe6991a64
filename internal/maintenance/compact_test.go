package maintenance_test

import (
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

func TestCompact(t *testing.T) {
	cases := []struct {
		name      string
		part      []lakehouse.PartitionField
		opt       maintenance.CompactOptions
		wantFiles int // live data files after
	}{
		{name: "unpartitioned", wantFiles: 1},
		{name: "identity", part: []lakehouse.PartitionField{{Type: "identity", Column: "region"}}, wantFiles: 3},
		{name: "day", part: []lakehouse.PartitionField{{Type: "day", Column: "ts"}}, wantFiles: 4},
		{name: "bucket", part: []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: 2}}, wantFiles: 2},
		{name: "rewrite-all sort", opt: maintenance.CompactOptions{RewriteAll: true, Sort: true, SortOrder: []maintenance.SortKey{{Column: "amount", Desc: true}}}, wantFiles: 1},
		// z-order per partition; note has NULLs (they rank first)
		{name: "zorder identity", part: []lakehouse.PartitionField{{Type: "identity", Column: "region"}}, opt: maintenance.CompactOptions{ZOrder: []string{"note", "ts"}}, wantFiles: 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for i := range 6 {
				e.appendRows(t, orders, i*50, 50, tc.part)
			}
			before := e.checksum(t, orders, 0)
			filesBefore := len(e.files(t, orders))
			rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.checksum(t, orders, 0); got != before {
				t.Fatalf("rows changed: before %s, after %s", before, got)
			}
			files := e.files(t, orders)
			if len(files) != tc.wantFiles || rep.FilesAfter != tc.wantFiles || rep.FilesBefore != filesBefore {
				t.Fatalf("files %d → %d (report %d → %d), want %d after", filesBefore, len(files), rep.FilesBefore, rep.FilesAfter, tc.wantFiles)
			}
			snaps := e.load(t, orders).Snapshots()
			if op := snaps[len(snaps)-1].Operation; op != "replace" || rep.SnapshotID != snaps[len(snaps)-1].ID {
				t.Fatalf("last snapshot %d is %q, want the report's replace snapshot %d", snaps[len(snaps)-1].ID, op, rep.SnapshotID)
			}
			if !strings.Contains(rep.Summary(), "data files") {
				t.Errorf("summary %q", rep.Summary())
			}
			if tc.opt.Sort {
				q := "SELECT bool_and(amount >= next) FROM (SELECT amount, lead(amount) OVER (ORDER BY file_row_number) AS next FROM read_parquet('" + files[0].Path + "', file_row_number = true)) WHERE next IS NOT NULL"
				var sorted bool
				if err := e.db.QueryRowContext(e.ctx, q).Scan(&sorted); err != nil || !sorted {
					t.Fatalf("rows of %s are not sorted by amount DESC (%v)", files[0].Path, err)
				}
			}
		})
	}
}

func TestCompactOptions(t *testing.T) {
	part := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	setup := func(t *testing.T) *env {
		e := newEnv(t)
		for i := range 6 {
			e.appendRows(t, orders, i*30, 30, part)
		}
		return e
	}
	t.Run("dry run changes nothing", func(t *testing.T) {
		e := setup(t)
		snapBefore := e.load(t, orders).Describe().CurrentSnapshotID
		disk := onDisk(t, tableDir(e, orders))
		rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Rewritten) != 18 || rep.FilesAfter != 3 || !rep.DryRun {
			t.Fatalf("dry run lists %d files, %d after; want 18 and 3", len(rep.Rewritten), rep.FilesAfter)
		}
		if got := e.load(t, orders).Describe().CurrentSnapshotID; got != snapBefore {
			t.Fatalf("dry run committed snapshot %d", got)
		}
		if got := onDisk(t, tableDir(e, orders)); strings.Join(got, ",") != strings.Join(disk, ",") {
			t.Fatalf("dry run changed files on disk")
		}
	})
	t.Run("where limits partitions", func(t *testing.T) {
		e := setup(t)
		before := e.checksum(t, orders, 0)
		rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{Where: "region = 'r1'"})
		if err != nil {
			t.Fatal(err)
		}
		byPart := map[string]int{}
		for _, f := range e.files(t, orders) {
			byPart[f.Partition]++
		}
		if byPart["region=r1"] != 1 || byPart["region=r0"] != 6 || byPart["region=r2"] != 6 || len(rep.Rewritten) != 6 {
			t.Fatalf("files per partition %v, rewritten %d; want r1 compacted only", byPart, len(rep.Rewritten))
		}
		if got := e.checksum(t, orders, 0); got != before {
			t.Fatalf("rows changed: %s → %s", before, got)
		}
	})
	t.Run("bad where", func(t *testing.T) {
		e := setup(t)
		_, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{Where: "no_such_column = 1"})
		if err == nil || !strings.Contains(err.Error(), "retail.orders") || !strings.Contains(err.Error(), "where") {
			t.Fatalf("err = %v, want an error naming the table and the where", err)
		}
	})
	t.Run("too few files", func(t *testing.T) {
		e := setup(t)
		rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{MinInputFiles: 7})
		if err != nil {
			t.Fatal(err)
		}
		if rep.SnapshotID != 0 || rep.Note != "nothing to compact" || len(e.files(t, orders)) != 18 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("sort without order", func(t *testing.T) {
		e := setup(t)
		_, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{Sort: true})
		if err == nil || !strings.Contains(err.Error(), "sort order") {
			t.Fatalf("err = %v, want: table has no sort order", err)
		}
	})
}

// An append that commits while the compaction runs (the compaction works
// from the table as loaded before it) is kept.
func TestCompactConcurrentAppend(t *testing.T) {
	e := newEnv(t)
	for i := range 6 {
		e.appendRows(t, orders, i*20, 20, nil)
	}
	stale := e.load(t, orders)
	e.appendRows(t, orders, 1000, 20, nil)
	want := e.checksum(t, orders, 0)
	rep, err := maintenance.Compact(e.ctx, e.lh, e.db, stale, maintenance.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("after compaction %s, want %s (the concurrent append was lost?)", got, want)
	}
	if n := len(e.files(t, orders)); n != 2 || rep.FilesAfter != 2 {
		t.Fatalf("%d files (report %d), want 2: the compacted one and the concurrent append's", n, rep.FilesAfter)
	}
}

// Two compactions of the same files: the second must not commit a rewrite
// of files that are gone (rows would be duplicated).
func TestCompactConflictingRewrite(t *testing.T) {
	e := newEnv(t)
	for i := range 6 {
		e.appendRows(t, orders, i*20, 20, nil)
	}
	want := e.checksum(t, orders, 0)
	stale := e.load(t, orders)
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := maintenance.Compact(e.ctx, e.lh, e.db, stale, maintenance.CompactOptions{})
	if err == nil {
		t.Fatal("second compaction of the same files succeeded")
	}
	if n := len(onDisk(t, tableDir(e, orders)+"/data")); n != 7 {
		t.Errorf("%d files in data/, want 7 (the failed rewrite's files removed)", n)
	}
	if !strings.Contains(err.Error(), "retail.orders") {
		t.Errorf("error does not name the table: %v", err)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("rows %s, want %s", got, want)
	}
	if n := len(e.files(t, orders)); n != 1 {
		t.Fatalf("%d live files, want 1", n)
	}
}
