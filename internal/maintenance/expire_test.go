package maintenance_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// history makes a table with 5 appends, a compaction (whose replace makes
// the appended files unreferenced by the later snapshots) and 1 more append,
// and tags the second snapshot. It returns the snapshot ids, oldest first.
func history(t *testing.T, e *env) []int64 {
	t.Helper()
	for i := range 5 {
		e.appendRows(t, orders, i*10, 10, nil)
	}
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, orders), maintenance.CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	e.appendRows(t, orders, 100, 10, nil)
	var ids []int64
	for _, s := range e.load(t, orders).Snapshots() {
		ids = append(ids, s.ID)
	}
	tbl := e.load(t, orders).Iceberg()
	_, _, err := e.lh.Catalog().CommitTable(e.ctx, tbl.Identifier(), nil,
		[]table.Update{table.NewSetSnapshotRefUpdate("audit", ids[1], table.TagRef, 0, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestExpireSnapshots(t *testing.T) {
	cases := []struct {
		name string
		opt  func(ids []int64) maintenance.ExpireOptions
		keep func(ids []int64) []int64
		data int // data files removed
	}{
		{
			name: "retain last 2",
			opt: func([]int64) maintenance.ExpireOptions {
				return maintenance.ExpireOptions{OlderThan: time.Now().Add(time.Second), RetainLast: 2}
			},
			keep: func(ids []int64) []int64 { return []int64{ids[1], ids[5], ids[6]} },
			data: 3, // appends 3, 4 and 5; the tag keeps 1 and 2
		},
		{
			name: "by age keeps young snapshots",
			opt: func([]int64) maintenance.ExpireOptions {
				return maintenance.ExpireOptions{OlderThan: time.Now().Add(-time.Hour)}
			},
			keep: func(ids []int64) []int64 { return ids },
		},
		{
			name: "by id",
			opt: func(ids []int64) maintenance.ExpireOptions {
				return maintenance.ExpireOptions{SnapshotIDs: []int64{ids[0], ids[2]}}
			},
			keep: func(ids []int64) []int64 { return []int64{ids[1], ids[3], ids[4], ids[5], ids[6]} },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ids := history(t, e)
			want := map[int64]string{}
			for _, id := range ids {
				want[id] = e.checksum(t, orders, id)
			}
			dir := tableDir(e, orders)
			diskBefore := onDisk(t, dir)

			dry := tc.opt(ids)
			dry.DryRun = true
			rep, err := maintenance.ExpireSnapshots(e.ctx, e.lh, e.load(t, orders), dry)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.load(t, orders).Snapshots()) != len(ids) || strings.Join(onDisk(t, dir), ",") != strings.Join(diskBefore, ",") {
				t.Fatal("dry run changed the table")
			}
			dryRemoved := rep.Removed

			rep, err = maintenance.ExpireSnapshots(e.ctx, e.lh, e.load(t, orders), tc.opt(ids))
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, s := range e.load(t, orders).Snapshots() {
				got = append(got, s.ID)
			}
			if keep := tc.keep(ids); !sameIDs(got, keep) {
				t.Fatalf("kept snapshots %v, want %v", got, keep)
			}
			if len(rep.SnapshotsRemoved) != len(ids)-len(got) || len(rep.Removed) != len(dryRemoved) {
				t.Fatalf("report: %s; dry run listed %d files", rep.Summary(), len(dryRemoved))
			}
			// every remaining snapshot reads fully, by time travel too
			for _, id := range got {
				if c := e.checksum(t, orders, id); c != want[id] {
					t.Errorf("snapshot %d reads %s, want %s", id, c, want[id])
				}
			}
			// exactly the reported files are gone, and none is still needed
			for _, f := range rep.Removed {
				if _, err := os.Stat(strings.TrimPrefix(f.Path, "file://")); !os.IsNotExist(err) {
					t.Errorf("%s %s still exists", f.Kind, f.Path)
				}
			}
			// an expiry that commits also writes one metadata file
			written := 0
			if len(rep.SnapshotsRemoved) > 0 {
				written = 1
			}
			if n := len(diskBefore) - len(onDisk(t, dir)); n != len(rep.Removed)-written {
				t.Errorf("%d files fewer on disk, report lists %d removed", n, len(rep.Removed))
			}
			data := 0
			for _, f := range rep.Removed {
				if f.Kind == "data" {
					data++
				}
			}
			if data != tc.data {
				t.Errorf("removed %d data files, want %d: %v", data, tc.data, rep.Details())
			}
		})
	}
}

func TestExpireSnapshotsRefusals(t *testing.T) {
	e := newEnv(t)
	ids := history(t, e)
	for name, opt := range map[string]maintenance.ExpireOptions{
		"current snapshot": {SnapshotIDs: []int64{ids[len(ids)-1]}},
		"tagged snapshot":  {SnapshotIDs: []int64{ids[1]}},
		"unknown snapshot": {SnapshotIDs: []int64{42}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := maintenance.ExpireSnapshots(e.ctx, e.lh, e.load(t, orders), opt)
			if err == nil || !strings.Contains(err.Error(), strconv.FormatInt(opt.SnapshotIDs[0], 10)) {
				t.Fatalf("err = %v, want a refusal naming the snapshot", err)
			}
			if n := len(e.load(t, orders).Snapshots()); n != len(ids) {
				t.Fatalf("%d snapshots left, want %d", n, len(ids))
			}
		})
	}
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int64]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}
