package commit

import (
	"context"
	"fmt"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// MainBranch is the branch of a table that is read and written when none is
// named.
const MainBranch = table.MainBranch

// BranchOrMain returns branch, or main for "".
func BranchOrMain(branch string) string {
	if branch == "" {
		return MainBranch
	}
	return branch
}

// Head returns the snapshot id at the head of branch ("" = main), 0 when the
// branch does not exist or has no snapshot.
func Head(t *table.Table, branch string) int64 {
	if s := t.SnapshotByName(BranchOrMain(branch)); s != nil {
		return s.SnapshotID
	}
	return 0
}

// Since returns the snapshots committed on branch of cur after baseID (0:
// all of the branch), newest first. It fails with ErrConflict when the
// branch no longer descends from baseID (it was rolled back or replaced),
// since then nothing an operation read from baseID can be trusted.
func Since(cur *table.Table, branch string, baseID int64) ([]table.Snapshot, error) {
	head := Head(cur, branch)
	if head == baseID {
		return nil, nil
	}
	meta := cur.Metadata()
	lookup := func(id int64) *table.Snapshot { return meta.SnapshotByID(id) }
	if baseID == 0 {
		return table.AncestorsOf(head, lookup), nil
	}
	between, ok := table.AncestorsBetween(head, baseID, lookup)
	if !ok {
		return nil, fmt.Errorf("%w: branch %s no longer descends from snapshot %d that this operation read (rolled back or replaced)",
			ErrConflict, BranchOrMain(branch), baseID)
	}
	return between, nil
}

// Changes calls fn for every manifest entry that one of snaps added or
// deleted itself (not the entries it carried over from older snapshots),
// which is what conflict checks against concurrent commits look at.
func Changes(ctx context.Context, cur *table.Table, snaps []table.Snapshot, fn func(table.Snapshot, iceberg.ManifestEntry) error) error {
	if len(snaps) == 0 {
		return nil
	}
	fs, err := cur.FS(ctx)
	if err != nil {
		return fmt.Errorf("table file system: %w", err)
	}
	for _, snap := range snaps {
		manifests, err := snap.Manifests(fs)
		if err != nil {
			return fmt.Errorf("read manifests of snapshot %d: %w", snap.SnapshotID, err)
		}
		for _, mf := range manifests {
			if mf.SnapshotID() != snap.SnapshotID {
				continue // inherited from an older snapshot
			}
			for e, err := range mf.Entries(fs, false) {
				if err != nil {
					return fmt.Errorf("read manifest %s: %w", mf.FilePath(), err)
				}
				if e.SnapshotID() != snap.SnapshotID || e.Status() == iceberg.EntryStatusEXISTING {
					continue
				}
				if err := fn(snap, e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Describe names what a snapshot did: its operation and, for Flare's
// operations, which one ("merge, overwrite").
func Describe(s table.Snapshot) string {
	if s.Summary == nil {
		return "unknown operation"
	}
	op := string(s.Summary.Operation)
	if f := s.Summary.Properties["flare.operation"]; f != "" {
		op = f + ", " + op
	}
	return op
}
