package maintenance_test

import (
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

func TestRewriteManifests(t *testing.T) {
	cases := []struct {
		name    string
		part    []lakehouse.PartitionField
		opt     maintenance.ManifestOptions
		wantMin int
		wantMax int
	}{
		{name: "unpartitioned", wantMin: 1, wantMax: 1},
		{name: "by partition", part: []lakehouse.PartitionField{{Type: "identity", Column: "region"}}, opt: maintenance.ManifestOptions{TargetSize: 10000}, wantMin: 3, wantMax: 3},
		{name: "spec 0", opt: maintenance.ManifestOptions{SpecID: new(int)}, wantMin: 1, wantMax: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for i := range 8 {
				e.appendRows(t, orders, i*10, 10, tc.part)
			}
			before := e.checksum(t, orders, 0)

			dry := tc.opt
			dry.DryRun = true
			rep, err := maintenance.RewriteManifests(e.ctx, e.load(t, orders), dry)
			if err != nil {
				t.Fatal(err)
			}
			if rep.FilesBefore != 8 || len(rep.Rewritten) != 8 || rep.SnapshotID != 0 {
				t.Fatalf("dry run: %s", rep.Summary())
			}
			if n := len(e.load(t, orders).Snapshots()); n != 8 {
				t.Fatalf("dry run committed: %d snapshots", n)
			}

			rep, err = maintenance.RewriteManifests(e.ctx, e.load(t, orders), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.FilesBefore != 8 || rep.FilesAfter < tc.wantMin || rep.FilesAfter > tc.wantMax {
				t.Fatalf("manifests %d → %d, want 8 → %d..%d", rep.FilesBefore, rep.FilesAfter, tc.wantMin, tc.wantMax)
			}
			snaps := e.load(t, orders).Snapshots()
			if last := snaps[len(snaps)-1]; last.Operation != "replace" || last.ID != rep.SnapshotID {
				t.Fatalf("last snapshot %+v, want the replace snapshot %d", last, rep.SnapshotID)
			}
			if got := e.checksum(t, orders, 0); got != before {
				t.Fatalf("rows changed: %s → %s", before, got)
			}
			// a second run has nothing to do
			rep, err = maintenance.RewriteManifests(e.ctx, e.load(t, orders), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if rep.SnapshotID != 0 {
				t.Fatalf("second rewrite committed %d: %s", rep.SnapshotID, rep.Summary())
			}
		})
	}
	t.Run("unknown spec", func(t *testing.T) {
		e := newEnv(t)
		e.appendRows(t, orders, 0, 10, nil)
		e.appendRows(t, orders, 10, 10, nil)
		bad := 7
		if _, err := maintenance.RewriteManifests(e.ctx, e.load(t, orders), maintenance.ManifestOptions{SpecID: &bad}); err == nil {
			t.Fatal("specId 7 accepted")
		}
	})
}
