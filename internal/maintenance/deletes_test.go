package maintenance_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// morProps make MERGE and DELETE write position delete files.
var morProps = map[string]string{lakehouse.PropDeleteMode: lakehouse.MergeOnRead, lakehouse.PropMergeMode: lakehouse.MergeOnRead}

// morTable makes a merge-on-read table of appends (n rows each) and then
// changes rows with position deletes only: a DELETE of every fifth row and a
// MERGE that updates the rows with id % 7 = 1 and inserts two rows.
func morTable(t *testing.T, e *env, part []lakehouse.PartitionField, appends, n int) {
	t.Helper()
	for i := range appends {
		e.appendRowsProps(t, orders, i*n, n, part, morProps)
	}
	e.mustDelete(t, "target.id % 5 = 0")
	e.exec(t, `CREATE OR REPLACE TABLE changes AS
		SELECT id, region, ts, amount + 1000 AS amount, 'changed' AS note FROM (`+mustSQL(t, e)+`) WHERE id % 7 = 1
		UNION ALL SELECT 900001, 'r1', TIMESTAMP '2024-01-02', 1.0, 'new'
		UNION ALL SELECT 900002, 'r2', TIMESTAMP '2024-01-03', 2.0, 'new'`)
	res, err := e.lh.Merge(e.ctx, e.db, "changes", lakehouse.MergeSpec{Table: orders, On: "old.id = new.id",
		Clauses: []lakehouse.MergeClause{{Matched: true, Action: lakehouse.MergeUpdate, Star: true}, {Action: lakehouse.MergeInsert, Star: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != lakehouse.MergeOnRead || res.DeleteFilesAdded == 0 || res.Updated == 0 {
		t.Fatalf("merge %+v: want merge-on-read with position deletes", res)
	}
}

// mustSQL is the table's current rows as a DuckDB query.
func mustSQL(t *testing.T, e *env) string {
	t.Helper()
	q, err := e.load(t, orders).SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (e *env) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := e.db.ExecContext(e.ctx, q); err != nil {
		t.Fatal(err)
	}
}

func (e *env) mustDelete(t *testing.T, where string) *lakehouse.DeleteResult {
	t.Helper()
	res, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: orders, Where: where})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != lakehouse.MergeOnRead {
		t.Fatalf("delete ran %s, want merge-on-read", res.Mode)
	}
	return res
}

// icebergRows counts the current rows with iceberg-go's own scanner, which
// applies delete files independently of Flare's reads.
func (e *env) icebergRows(t *testing.T) int64 {
	t.Helper()
	tbl, err := e.load(t, orders).Iceberg().Scan().ToArrowTable(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	return tbl.NumRows()
}

// liveDeletes maps each live delete file of the current snapshot to the
// data file it references.
func (e *env) liveDeletes(t *testing.T) map[string]string {
	t.Helper()
	tbl := e.load(t, orders).Iceberg()
	fsys, err := tbl.FS(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	mans, err := tbl.CurrentSnapshot().Manifests(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range mans {
		if m.ManifestContent() != iceberg.ManifestContentDeletes {
			continue
		}
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			// version 2 manifests say which data file a file-scoped delete
			// file applies to by equal bounds of its file_path column
			df := en.DataFile()
			lo, hi := df.LowerBoundValues()[2147483546], df.UpperBoundValues()[2147483546]
			if len(lo) == 0 || string(lo) != string(hi) {
				t.Fatalf("delete file %s is not file-scoped (file_path bounds %q, %q)", df.FilePath(), lo, hi)
			}
			out[df.FilePath()] = string(lo)
		}
	}
	return out
}

// flareRows counts the current rows with Flare's read.
func (e *env) flareRows(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := e.db.QueryRowContext(e.ctx, "SELECT count(*) FROM ("+mustSQL(t, e)+")").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCompactAppliesPositionDeletes(t *testing.T) {
	region := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	cases := []struct {
		name  string
		part  []lakehouse.PartitionField
		opt   maintenance.CompactOptions
		files int // live data files after
		// deletesLeft: live delete files after (those of files not compacted)
		deletesLeft bool
	}{
		{name: "unpartitioned", files: 1},
		{name: "identity", part: region, files: 3},
		{name: "day", part: []lakehouse.PartitionField{{Type: "day", Column: "ts"}}, files: 4},
		{name: "bucket", part: []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: 2}}, files: 2},
		{name: "sort", opt: maintenance.CompactOptions{RewriteAll: true, Sort: true, SortOrder: []maintenance.SortKey{{Column: "amount"}}}, files: 1},
		{name: "where keeps other partitions' deletes", part: region, opt: maintenance.CompactOptions{Where: "region = 'r1'"}, files: -1, deletesLeft: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			morTable(t, e, tc.part, 6, 40)
			before := e.checksum(t, orders, 0)
			if tc.files < 0 { // only r1 compacted
				tc.files = 1
				for _, f := range e.files(t, orders) {
					if f.Partition != "region=r1" {
						tc.files++
					}
				}
			}
			deletesBefore := e.liveDeletes(t)
			if len(deletesBefore) == 0 {
				t.Fatal("setup wrote no delete files")
			}
			rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.checksum(t, orders, 0); got != before {
				t.Fatalf("rows changed: before %s, after %s", before, got)
			}
			if ours, theirs := e.flareRows(t), e.icebergRows(t); ours != theirs {
				t.Fatalf("Flare reads %d rows, iceberg-go %d", ours, theirs)
			}
			files := e.files(t, orders)
			if len(files) != tc.files || rep.FilesAfter != tc.files {
				t.Fatalf("%d data files after (report %d), want %d", len(files), rep.FilesAfter, tc.files)
			}
			// no delete file references a rewritten (now gone) data file,
			// and each remaining one still references a live data file
			live := map[string]bool{}
			for _, f := range files {
				live[f.Path] = true
			}
			deletes := e.liveDeletes(t)
			for d, ref := range deletes {
				if !live[strings.TrimPrefix(ref, "file://")] && !live[ref] {
					t.Errorf("delete file %s remains for data file %s, which is no longer live", d, ref)
				}
			}
			if (len(deletes) > 0) != tc.deletesLeft {
				t.Fatalf("%d delete files remain, want some: %v", len(deletes), tc.deletesLeft)
			}
			if rep.DeleteFilesBefore != len(deletesBefore) || rep.DeleteFilesAfter != len(deletes) || rep.RowsDropped == 0 {
				t.Fatalf("report: delete files %d → %d, %d rows dropped; want %d → %d and some rows",
					rep.DeleteFilesBefore, rep.DeleteFilesAfter, rep.RowsDropped, len(deletesBefore), len(deletes))
			}
			dropped := 0
			for _, f := range rep.Rewritten {
				if f.Kind == "delete" {
					dropped++
				}
			}
			if dropped != len(deletesBefore)-len(deletes) || !strings.Contains(rep.Summary(), "delete files") {
				t.Fatalf("report lists %d dropped delete files, want %d; summary %q", dropped, len(deletesBefore)-len(deletes), rep.Summary())
			}
			// the rewritten files hold only live rows: their record counts
			// add up to the table's rows without any delete applied
			var records int64
			for _, f := range files {
				records += f.Records
			}
			if rows := e.flareRows(t); !tc.deletesLeft && records != rows {
				t.Fatalf("data files hold %d records, the table %d rows: deleted rows were copied", records, rows)
			}
			snaps := e.load(t, orders).Snapshots()
			if last := snaps[len(snaps)-1]; last.Operation != "replace" || last.ID != rep.SnapshotID || len(snaps) != 6+2+1 {
				t.Fatalf("last of %d snapshots is %d %q, want one replace snapshot %d after 6 appends, a delete and a merge",
					len(snaps), last.ID, last.Operation, rep.SnapshotID)
			}
		})
	}
}

// A partition whose every row was deleted compacts to no file at all.
func TestCompactAllRowsDeleted(t *testing.T) {
	e := newEnv(t)
	part := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	morTable(t, e, part, 6, 30)
	e.mustDelete(t, "target.region = 'r0' AND target.id % 2 = 0")
	// a merge-on-read MERGE deletes the rest with position deletes (a
	// DELETE would drop the files whose live rows all match)
	e.exec(t, `CREATE OR REPLACE TABLE gone AS SELECT id FROM (`+mustSQL(t, e)+`) WHERE region = 'r0'`)
	if _, err := e.lh.Merge(e.ctx, e.db, "gone", lakehouse.MergeSpec{Table: orders, On: "old.id = new.id", Clauses: []lakehouse.MergeClause{{Matched: true, Action: lakehouse.MergeDelete}}}); err != nil {
		t.Fatal(err)
	}
	if e.flareRows(t) == 0 || len(e.liveDeletes(t)) == 0 {
		t.Fatal("setup: want rows and delete files")
	}
	before := e.checksum(t, orders, 0)
	rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.checksum(t, orders, 0); got != before {
		t.Fatalf("rows changed: %s → %s", before, got)
	}
	byPart := map[string]int{}
	for _, f := range e.files(t, orders) {
		byPart[f.Partition]++
	}
	if byPart["region=r0"] != 0 || byPart["region=r1"] != 1 || byPart["region=r2"] != 1 || len(e.liveDeletes(t)) != 0 {
		t.Fatalf("files per partition %v, %d delete files; want r0 gone, r1 and r2 one file each, no deletes (report: %s)",
			byPart, len(e.liveDeletes(t)), rep.Summary())
	}
	if ours, theirs := e.flareRows(t), e.icebergRows(t); ours != theirs {
		t.Fatalf("Flare reads %d rows, iceberg-go %d", ours, theirs)
	}
}

// delete-file-threshold and delete-ratio-threshold rewrite files that the
// size rules leave alone (large files, or too few of them).
func TestCompactDeleteThresholds(t *testing.T) {
	setup := func(t *testing.T) *env {
		e := newEnv(t)
		for i := range 4 {
			e.appendRowsProps(t, orders, i*200, 200, nil, morProps)
		}
		return e
	}
	large := int64(1000) // every file is over 180% of it: never a size candidate
	cases := []struct {
		name      string
		deletes   []string // run in order
		opt       maintenance.CompactOptions
		rewritten int // data files rewritten; 0: nothing to compact
	}{
		{name: "few deletes: nothing to do", deletes: []string{"target.id IN (1, 201)"}},
		{name: "delete-file-threshold 1", deletes: []string{"target.id IN (1, 201)"}, opt: maintenance.CompactOptions{DeleteFileThreshold: 1}, rewritten: 2},
		{name: "delete-file-threshold 2 counts delete files", deletes: []string{"target.id IN (1, 201)", "target.id = 2"},
			opt: maintenance.CompactOptions{DeleteFileThreshold: 2}, rewritten: 1},
		{name: "default delete ratio 0.3", deletes: []string{"target.id < 100"}, rewritten: 1},
		{name: "delete ratio off", deletes: []string{"target.id < 100"}, opt: maintenance.CompactOptions{DeleteRatioThreshold: -1}},
		{name: "delete ratio 0.6", deletes: []string{"target.id < 100", "target.id BETWEEN 200 AND 339"},
			opt: maintenance.CompactOptions{DeleteRatioThreshold: 0.6}, rewritten: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			for _, w := range tc.deletes {
				e.mustDelete(t, w)
			}
			before := e.checksum(t, orders, 0)
			filesBefore := e.files(t, orders)
			tc.opt.TargetFileSize = large
			rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.checksum(t, orders, 0); got != before {
				t.Fatalf("rows changed: %s → %s", before, got)
			}
			if tc.rewritten == 0 {
				if rep.Note != "nothing to compact" || rep.SnapshotID != 0 {
					t.Fatalf("report %s, want nothing to compact", rep.Summary())
				}
				return
			}
			if got := rep.FilesBefore - rep.FilesAfter + rep.Added; got != tc.rewritten {
				t.Fatalf("%d files rewritten (%s), want %d", got, rep.Summary(), tc.rewritten)
			}
			// the files with deletes were rewritten, the others kept
			kept := 0
			after := map[string]bool{}
			for _, f := range e.files(t, orders) {
				after[f.Path] = true
			}
			for _, f := range filesBefore {
				if after[f.Path] {
					kept++
				}
			}
			if kept != len(filesBefore)-tc.rewritten {
				t.Fatalf("%d of %d files kept, want %d", kept, len(filesBefore), len(filesBefore)-tc.rewritten)
			}
			if ours, theirs := e.flareRows(t), e.icebergRows(t); ours != theirs {
				t.Fatalf("Flare reads %d rows, iceberg-go %d", ours, theirs)
			}
		})
	}
}

// A delete committed while the compaction runs, on a file it rewrites,
// fails the compaction instead of being lost with the rewritten file.
func TestCompactConcurrentDelete(t *testing.T) {
	e := newEnv(t)
	morTable(t, e, nil, 6, 20)
	stale := e.load(t, orders)
	e.mustDelete(t, "target.id = 3")
	want := e.checksum(t, orders, 0)
	_, err := maintenance.Compact(e.ctx, e.lh, e.db, stale, maintenance.CompactOptions{})
	if err == nil {
		t.Fatal("compaction over a concurrent delete succeeded")
	}
	t.Logf("compaction failed as it should: %v", err)
	if !strings.Contains(err.Error(), "retail.orders") {
		t.Errorf("error does not name the table: %v", err)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("rows %s, want %s (the concurrent delete was lost?)", got, want)
	}
	// and a fresh run compacts it
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("rows %s after the second compaction, want %s", got, want)
	}
	if n := len(e.liveDeletes(t)); n != 0 {
		t.Fatalf("%d delete files left", n)
	}
}

// A dry run lists the delete files the rewrite would drop and changes
// nothing.
func TestCompactDeletesDryRun(t *testing.T) {
	e := newEnv(t)
	morTable(t, e, nil, 6, 20)
	snap := e.load(t, orders).Describe().CurrentSnapshotID
	deletes := e.liveDeletes(t)
	rep, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, d := range rep.Details() {
		if strings.HasPrefix(d, "drop delete ") {
			listed = append(listed, d)
		}
	}
	if len(listed) != len(deletes) || rep.DeleteFilesAfter != 0 {
		t.Fatalf("dry run lists %d delete files to drop (%d after), want %d and 0", len(listed), rep.DeleteFilesAfter, len(deletes))
	}
	if got := e.load(t, orders).Describe().CurrentSnapshotID; got != snap || len(e.liveDeletes(t)) != len(deletes) {
		t.Fatalf("dry run changed the table")
	}
}

// An append that commits while a compaction that drops delete files runs
// is kept: iceberg-go cannot replay such a rewrite, so Compact rebuilds it
// on the new head.
func TestCompactDeletesConcurrentAppend(t *testing.T) {
	e := newEnv(t)
	morTable(t, e, nil, 6, 20)
	stale := e.load(t, orders)
	e.appendRowsProps(t, orders, 5000, 20, nil, nil)
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
	if n := len(e.liveDeletes(t)); n != 0 || rep.DeleteFilesAfter != 0 {
		t.Fatalf("%d delete files left (report %d)", n, rep.DeleteFilesAfter)
	}
	if ours, theirs := e.flareRows(t), e.icebergRows(t); ours != theirs {
		t.Fatalf("Flare reads %d rows, iceberg-go %d", ours, theirs)
	}
}

// allDeleteFiles lists the delete files any snapshot of the table has live.
func (e *env) allDeleteFiles(t *testing.T) map[string]bool {
	t.Helper()
	tbl := e.load(t, orders).Iceberg()
	fsys, err := tbl.FS(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range tbl.Metadata().Snapshots() {
		mans, err := s.Manifests(fsys)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mans {
			if m.ManifestContent() != iceberg.ManifestContentDeletes {
				continue
			}
			entries, err := m.FetchEntries(fsys, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				out[strings.TrimPrefix(en.DataFile().FilePath(), "file://")] = true
			}
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(strings.TrimPrefix(p, "file://"))
	return err == nil
}

func TestExpireSnapshotsDeleteFiles(t *testing.T) {
	cases := []struct {
		name string
		// compact before expiring: the delete files leave the current snapshot
		compact    bool
		retainLast int
		// gone: the delete files are only in expired snapshots
		gone bool
	}{
		{name: "delete files of expired snapshots only", compact: true, retainLast: 1, gone: true},
		{name: "delete files still live", compact: false, retainLast: 1},
		{name: "delete files of a retained snapshot", compact: true, retainLast: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			morTable(t, e, []lakehouse.PartitionField{{Type: "identity", Column: "region"}}, 6, 30)
			deletes := e.allDeleteFiles(t)
			if tc.compact {
				if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{}); err != nil {
					t.Fatal(err)
				}
			} else {
				e.appendRows(t, orders, 5000, 10, []lakehouse.PartitionField{{Type: "identity", Column: "region"}})
			}
			snaps := e.load(t, orders).Snapshots()
			sums := map[int64]string{}
			for _, s := range snaps[len(snaps)-tc.retainLast:] {
				sums[s.ID] = e.checksum(t, orders, s.ID)
			}
			rep, err := maintenance.ExpireSnapshots(e.ctx, e.lh, e.load(t, orders), maintenance.ExpireOptions{OlderThan: time.Now().Add(time.Second), RetainLast: tc.retainLast})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.SnapshotsRemoved) != len(snaps)-tc.retainLast {
				t.Fatalf("expired %d snapshots, want %d", len(rep.SnapshotsRemoved), len(snaps)-tc.retainLast)
			}
			removed := 0
			for _, f := range rep.Removed {
				if f.Kind == "delete" {
					removed++
					if !deletes[strings.TrimPrefix(f.Path, "file://")] {
						t.Errorf("removed %s, which is not a delete file of the table", f.Path)
					}
				}
			}
			if want := map[bool]int{true: len(deletes), false: 0}[tc.gone]; removed != want {
				t.Fatalf("removed %d delete files, want %d (%s)", removed, want, rep.Summary())
			}
			for d := range deletes {
				if exists(d) == tc.gone {
					t.Errorf("delete file %s: on disk %v, want %v", d, exists(d), !tc.gone)
				}
			}
			// every remaining snapshot reads in full, with its deletes
			for id, want := range sums {
				if got := e.checksum(t, orders, id); got != want {
					t.Errorf("snapshot %d reads %s, want %s", id, got, want)
				}
			}
			if ours, theirs := e.flareRows(t), e.icebergRows(t); ours != theirs {
				t.Fatalf("Flare reads %d rows, iceberg-go %d", ours, theirs)
			}
		})
	}
}

// remove_orphans removes a crashed write's delete file and never a delete
// file a snapshot references, live or only in an older snapshot.
func TestRemoveOrphansDeleteFiles(t *testing.T) {
	e := newEnv(t)
	morTable(t, e, nil, 6, 20)
	// after compaction the delete files are in older snapshots only
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	morDeleteAgain := e.mustDelete(t, "target.id = 7")
	if morDeleteAgain.DeleteFilesAdded == 0 {
		t.Fatal("setup: the last delete wrote no delete file")
	}
	deletes := e.allDeleteFiles(t)
	live := e.liveDeletes(t)
	if len(live) == 0 || len(deletes) <= len(live) {
		t.Fatalf("setup: %d delete files, %d live; want live ones and older ones", len(deletes), len(live))
	}
	var some string
	for d := range live {
		some = strings.TrimPrefix(d, "file://")
	}
	body, err := os.ReadFile(some)
	if err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(filepath.Dir(some), uuid.NewString()+"-deletes-"+uuid.NewString()+".parquet")
	if err := os.WriteFile(orphan, body, 0o644); err != nil {
		t.Fatal(err)
	}
	snaps := e.load(t, orders).Snapshots()
	sums := map[int64]string{}
	for _, s := range snaps {
		sums[s.ID] = e.checksum(t, orders, s.ID)
	}
	// every file is old enough: only the references protect them
	rep, err := maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{OlderThan: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Removed) != 1 || strings.TrimPrefix(rep.Removed[0].Path, "file://") != orphan || exists(orphan) {
		t.Fatalf("removed %v, want exactly the orphan delete file %s", rep.Removed, orphan)
	}
	for d := range deletes {
		if !exists(d) {
			t.Errorf("referenced delete file %s was removed", d)
		}
	}
	for id, want := range sums {
		if got := e.checksum(t, orders, id); got != want {
			t.Errorf("snapshot %d reads %s, want %s", id, got, want)
		}
	}
}
