package maintenance

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

// ExpireOptions configure ExpireSnapshots (expire_snapshots).
type ExpireOptions struct {
	// OlderThan expires snapshots committed before it; zero means the table
	// property history.expire.max-snapshot-age-ms, else 5 days ago.
	OlderThan time.Time
	// RetainLast keeps at least this many snapshots of each branch's history
	// whatever their age; 0 means the table property
	// history.expire.min-snapshots-to-keep, else 1.
	RetainLast int
	// SnapshotIDs, when set, expire exactly these snapshots (and the age and
	// count rules do not apply).
	SnapshotIDs []int64
	DryRun      bool
}

// ExpireSnapshots removes old snapshots from the table's metadata and then
// deletes the files that only the expired snapshots referenced: their
// manifest lists, the manifests no retained snapshot uses, and the data and
// delete files no retained snapshot has live. It never expires the current
// snapshot or a snapshot a branch or tag points at (nor, by age, a
// snapshot among a branch's last RetainLast). Snapshot selection is
// iceberg-go's Transaction.ExpireSnapshots; file deletion is ours.
func ExpireSnapshots(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, opt ExpireOptions) (*Report, error) {
	start := time.Now()
	rep, err := expireSnapshots(ctx, l, t, opt)
	if err != nil {
		return nil, fmt.Errorf("expire_snapshots on table %s: %w", t.Name(), err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func expireSnapshots(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, opt ExpireOptions) (*Report, error) {
	pre := t.Iceberg()
	meta := pre.Metadata()
	rep := &Report{Action: ActionExpireSnapshots, Table: t.Name().String(), DryRun: opt.DryRun, SnapshotsBefore: len(meta.Snapshots())}
	fsys, err := pre.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}

	var expired []int64
	var before table.Metadata
	// plan selects the snapshots to expire on tbl and stages their removal;
	// the commit calls it again on the reloaded table after a concurrent
	// commit, so the selection always applies to the committed state.
	plan := func(ctx context.Context, tbl *table.Table) (*commit.Staged, error) {
		var staged *commit.Staged
		var err error
		before = tbl.Metadata()
		if len(opt.SnapshotIDs) > 0 {
			expired, staged, err = expireByID(tbl, opt.SnapshotIDs)
		} else {
			expired, staged, err = expireByAge(ctx, tbl, opt)
		}
		if err != nil || len(expired) == 0 {
			return nil, err
		}
		return staged, nil
	}
	if opt.DryRun {
		if _, err := plan(ctx, pre); err != nil {
			return nil, err
		}
	} else {
		committed, err := t.Commit(ctx, ActionExpireSnapshots, func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
			return plan(ctx, a.Table)
		})
		if err != nil {
			return nil, fmt.Errorf("%w (nothing changed; run the action again)", err)
		}
		if len(expired) > 0 {
			meta = before
			rep.SnapshotsBefore = len(before.Snapshots())
			post := committed.Iceberg().Metadata()
			// what to delete is computed on the committed metadata, which
			// includes snapshots other writers added meanwhile
			if rep.Removed, err = unreferencedFiles(fsys, meta, expired, post.Snapshots()); err != nil {
				return nil, fmt.Errorf("snapshots expired, but listing their files failed (remove_orphans removes them later): %w", err)
			}
		}
	}
	sort.Slice(expired, func(i, j int) bool { return expired[i] < expired[j] })
	rep.SnapshotsRemoved = expired
	if len(expired) == 0 {
		rep.Note = "no snapshot is old enough"
		return rep, nil
	}
	if opt.DryRun {
		retained := slices.DeleteFunc(slices.Clone(meta.Snapshots()), func(s table.Snapshot) bool { return slices.Contains(expired, s.SnapshotID) })
		rep.Removed, err = unreferencedFiles(fsys, meta, expired, retained)
		if err != nil {
			return nil, err
		}
		return rep, nil
	}
	var errs []string
	for _, f := range rep.Removed {
		if err := fsys.Remove(f.Path); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Sprintf("%s: %v", f.Path, err))
		} else {
			lakehouse.DropLocalCopy(f.Path) // a lakehouse on S3: its mirror copy
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("snapshots expired, but %d files could not be deleted (remove_orphans removes them later): %s", len(errs), strings.Join(errs, "; "))
	}
	return rep, nil
}

// expireByAge selects snapshots by age and count with iceberg-go's
// Transaction.ExpireSnapshots and stages their removal.
func expireByAge(ctx context.Context, tbl *table.Table, opt ExpireOptions) ([]int64, *commit.Staged, error) {
	meta := tbl.Metadata()
	txn := tbl.NewTransaction()
	eopts := []table.ExpireSnapshotsOpt{table.WithPostCommit(false)}
	if !opt.OlderThan.IsZero() {
		eopts = append(eopts, table.WithOlderThan(max(0, time.Since(opt.OlderThan))))
	}
	if opt.RetainLast > 0 {
		eopts = append(eopts, table.WithRetainLast(opt.RetainLast))
	}
	if err := txn.ExpireSnapshots(eopts...); err != nil {
		return nil, nil, fmt.Errorf("select snapshots: %w", err)
	}
	staged, err := txn.StagedTable()
	if err != nil {
		return nil, nil, fmt.Errorf("select snapshots: %w", err)
	}
	stagedRefs := map[string]bool{}
	for ref := range staged.Metadata().Refs() {
		stagedRefs[ref] = true
	}
	for ref := range meta.Refs() {
		if !stagedRefs[ref] {
			return nil, nil, fmt.Errorf("expiry would remove branch or tag %q (its age exceeds the table's history.expire.max-ref-age-ms); expire_snapshots never removes refs: drop the ref yourself or raise the property", ref)
		}
	}
	kept := map[int64]bool{}
	for _, s := range staged.Metadata().Snapshots() {
		kept[s.SnapshotID] = true
	}
	var expired []int64
	for _, s := range meta.Snapshots() {
		if !kept[s.SnapshotID] {
			expired = append(expired, s.SnapshotID)
		}
	}
	if len(expired) == 0 {
		return nil, nil, nil
	}
	c, err := commit.FromTransaction(txn)
	return expired, c, err
}

// expireByID checks the snapshot ids and stages their removal (iceberg-go
// has no option for explicit ids; its RemoveSnapshots update is committed
// with requirements that no ref moved meanwhile).
func expireByID(tbl *table.Table, ids []int64) ([]int64, *commit.Staged, error) {
	meta := tbl.Metadata()
	heads := map[int64]string{}
	for name, ref := range meta.Refs() {
		heads[ref.SnapshotID] = name
	}
	var out []int64
	for _, id := range ids {
		if meta.SnapshotByID(id) == nil {
			return nil, nil, fmt.Errorf("%w: snapshot %d is not a snapshot of the table (flare table snapshots lists them)", ErrInvalidOption, id)
		}
		if name, ok := heads[id]; ok {
			return nil, nil, fmt.Errorf("%w: snapshot %d is the head of branch or tag %q and cannot be expired", ErrInvalidOption, id, name)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if !isGCEnabled(meta.Properties()) {
		return nil, nil, fmt.Errorf("table property gc.enabled is false: expiring snapshots would delete files")
	}
	reqs := []table.Requirement{table.AssertTableUUID(meta.TableUUID())}
	for name, ref := range meta.Refs() {
		id := ref.SnapshotID
		reqs = append(reqs, table.AssertRefSnapshotID(name, &id))
	}
	return out, &commit.Staged{Requirements: reqs, Updates: []table.Update{table.NewRemoveSnapshotsUpdate(out, false)}}, nil
}

func isGCEnabled(p iceberg.Properties) bool {
	v, ok := p[table.GCEnabledKey]
	return !ok || strings.EqualFold(v, "true")
}

// unreferencedFiles lists the files reachable from the expired snapshots
// (looked up in before) that no retained snapshot reaches: manifest lists,
// manifests, and data and delete files (a retained manifest's DELETED
// entries do not keep a file).
func unreferencedFiles(fsys icebergio.IO, before table.Metadata, expired []int64, retained []table.Snapshot) ([]File, error) {
	keepManifests := map[string]bool{}
	keepFiles := map[string]bool{}
	keepLists := map[string]bool{}
	for _, s := range retained {
		keepLists[s.ManifestList] = true
		mans, err := s.Manifests(fsys)
		if err != nil {
			return nil, fmt.Errorf("read manifest list of snapshot %d: %w", s.SnapshotID, err)
		}
		for _, m := range mans {
			if keepManifests[m.FilePath()] {
				continue
			}
			keepManifests[m.FilePath()] = true
			entries, err := m.FetchEntries(fsys, true)
			if err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", m.FilePath(), err)
			}
			for _, e := range entries {
				keepFiles[e.DataFile().FilePath()] = true
			}
		}
	}
	var out []File
	seen := map[string]bool{}
	add := func(f File) {
		if !seen[f.Path] {
			seen[f.Path] = true
			out = append(out, f)
		}
	}
	for _, id := range expired {
		s := before.SnapshotByID(id)
		if s == nil {
			continue
		}
		if s.ManifestList != "" && !keepLists[s.ManifestList] {
			add(File{Path: s.ManifestList, Bytes: fileSize(s.ManifestList), Kind: "manifest-list"})
		}
		mans, err := s.Manifests(fsys)
		if err != nil {
			return nil, fmt.Errorf("read manifest list of snapshot %d: %w", id, err)
		}
		for _, m := range mans {
			if keepManifests[m.FilePath()] || seen[m.FilePath()] {
				continue
			}
			add(File{Path: m.FilePath(), Bytes: m.Length(), Kind: "manifest"})
			entries, err := m.FetchEntries(fsys, false)
			if err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", m.FilePath(), err)
			}
			for _, e := range entries {
				df := e.DataFile()
				if keepFiles[df.FilePath()] {
					continue
				}
				kind := "data"
				if df.ContentType() != iceberg.EntryContentData {
					kind = "delete"
				}
				add(File{Path: df.FilePath(), Bytes: df.FileSizeBytes(), Kind: kind})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func fileSize(p string) int64 {
	st, err := os.Stat(strings.TrimPrefix(p, "file://"))
	if err != nil {
		return 0
	}
	return st.Size()
}
