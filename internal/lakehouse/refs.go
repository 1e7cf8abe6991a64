package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

// MainBranch is the branch reads and writes use when none is named.
const MainBranch = table.MainBranch

// RefKind says whether a named reference is a branch or a tag.
type RefKind string

// The two kinds of snapshot references.
const (
	Branch RefKind = RefKind(table.BranchRef)
	Tag    RefKind = RefKind(table.TagRef)
)

var (
	// ErrNoSuchRef is returned for a branch or tag that does not exist.
	ErrNoSuchRef = errors.New("no such branch or tag")
	// ErrRefExists is returned when creating a branch or tag whose name is
	// taken.
	ErrRefExists = commit.ErrRefExists
	// ErrNotFastForward is returned by Publish when main has commits the
	// branch does not have.
	ErrNotFastForward = errors.New("main has moved on since the branch was created")
)

// RefInfo describes one branch or tag of a table.
type RefInfo struct {
	Name       string
	Kind       RefKind
	SnapshotID int64
	Time       time.Time // commit time of the snapshot it points at
}

// Refs lists the table's branches and tags: main first, then by name.
func (t *Table) Refs() []RefInfo {
	meta := t.tbl.Metadata()
	var out []RefInfo
	for name, ref := range meta.Refs() {
		ri := RefInfo{Name: name, Kind: RefKind(ref.SnapshotRefType), SnapshotID: ref.SnapshotID}
		if s := meta.SnapshotByID(ref.SnapshotID); s != nil {
			ri.Time = time.UnixMilli(s.TimestampMs).UTC()
		}
		out = append(out, ri)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == MainBranch) != (out[j].Name == MainBranch) {
			return out[i].Name == MainBranch
		}
		return out[i].Name < out[j].Name
	})

	return out
}

// Ref returns the named branch or tag; errors.Is(err, ErrNoSuchRef) when it
// is missing.
func (t *Table) Ref(name string) (RefInfo, error) {
	for _, r := range t.Refs() {
		if r.Name == name {
			return r, nil
		}
	}

	return RefInfo{}, fmt.Errorf("table %s: %w: %q", t.name, ErrNoSuchRef, name)
}

// CreateBranch creates branch name at snapshotID, or at main's current
// snapshot when snapshotID is 0.
func (l *Lakehouse) CreateBranch(ctx context.Context, n TableName, name string, snapshotID int64) (RefInfo, error) {
	return l.createRef(ctx, n, name, Branch, snapshotID)
}

// CreateTag creates tag name at snapshotID, or at main's current snapshot
// when snapshotID is 0.
func (l *Lakehouse) CreateTag(ctx context.Context, n TableName, name string, snapshotID int64) (RefInfo, error) {
	return l.createRef(ctx, n, name, Tag, snapshotID)
}

func (l *Lakehouse) createRef(ctx context.Context, n TableName, name string, kind RefKind, snapshotID int64) (RefInfo, error) {
	if name == "" {
		return RefInfo{}, fmt.Errorf("%w: create %s on table %s: the name is empty", ErrInvalidSpec, kind, n)
	}
	t, err := l.LoadTable(ctx, n)
	if err != nil {
		return RefInfo{}, err
	}
	at, _, err := commit.CreateRef(ctx, commit.Target{Catalog: l.cat, Ident: n.ident()}, t.tbl, name, table.RefType(kind), snapshotID,
		commit.Options{Log: l.log})
	if err != nil {
		return RefInfo{}, err
	}
	l.log.Info("ref created", "table", n.String(), "kind", string(kind), "name", name, "snapshot", at)

	return RefInfo{Name: name, Kind: kind, SnapshotID: at}, nil
}

// DropRef removes a branch or tag. The snapshots stay until they expire;
// main cannot be dropped.
func (l *Lakehouse) DropRef(ctx context.Context, n TableName, name string, kind RefKind) error {
	if name == MainBranch {
		return fmt.Errorf("%w: drop branch main of table %s: main cannot be dropped", ErrInvalidSpec, n)
	}
	t, err := l.LoadTable(ctx, n)
	if err != nil {
		return err
	}
	r, err := t.Ref(name)
	if err != nil {
		return fmt.Errorf("drop %s %s: %w", kind, name, err)
	}
	if r.Kind != kind {
		return fmt.Errorf("%w: drop %s %s of table %s: it is a %s", ErrInvalidSpec, kind, name, n, r.Kind)
	}
	id := r.SnapshotID
	_, err = l.commit(ctx, n, t.tbl, "drop "+string(kind), func(_ context.Context, a commit.Attempt) (*commit.Staged, error) {
		cur, err := (&Table{name: n, tbl: a.Table}).Ref(name)
		switch {
		case err != nil:
			return nil, fmt.Errorf("drop %s %s: it was dropped concurrently: %w", kind, name, err)
		case cur.SnapshotID != id:
			return nil, fmt.Errorf("%w: drop %s %s of table %s: it moved concurrently from snapshot %d to %d; look again and retry",
				ErrWriteConflict, kind, name, n, id, cur.SnapshotID)
		}
		return &commit.Staged{
			Requirements: []table.Requirement{table.AssertTableUUID(a.Table.Metadata().TableUUID()), table.AssertRefSnapshotID(name, &id)},
			Updates:      []table.Update{table.NewRemoveSnapshotRefUpdate(name)},
		}, nil
	})
	if err != nil {
		return err
	}
	l.log.Info("ref dropped", "table", n.String(), "kind", string(kind), "name", name, "snapshot", id)

	return nil
}

// PublishResult reports a Publish.
type PublishResult struct {
	Branch string
	// From and To are main's snapshot before and after.
	From, To int64
	// FastForward is false when main was not an ancestor of the branch and
	// force replaced it.
	FastForward bool
}

// Publish moves main to the head of branch (write-audit-publish). It is a
// fast-forward: main's current snapshot must be an ancestor of the branch's
// head, i.e. main has not moved on since the branch was created. Otherwise
// it fails with ErrNotFastForward unless force is set, in which case main
// points at the branch head and main's later commits are no longer on main
// (their snapshots stay in the table until they expire).
func (l *Lakehouse) Publish(ctx context.Context, n TableName, branch string, force bool) (*PublishResult, error) {
	if branch == "" || branch == MainBranch {
		return nil, fmt.Errorf("%w: publish table %s: name a branch other than main", ErrInvalidSpec, n)
	}
	t, err := l.LoadTable(ctx, n)
	if err != nil {
		return nil, err
	}
	r, err := t.Ref(branch)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if r.Kind != Branch {
		return nil, fmt.Errorf("%w: publish %s of table %s: it is a tag, not a branch", ErrInvalidSpec, branch, n)
	}
	res := &PublishResult{Branch: branch, To: r.SnapshotID, FastForward: true}
	to := r.SnapshotID
	_, err = l.commit(ctx, n, t.tbl, "publish", func(_ context.Context, a commit.Attempt) (*commit.Staged, error) {
		cur := &Table{name: n, tbl: a.Table}
		r, err := cur.Ref(branch)
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		if r.SnapshotID != to {
			return nil, fmt.Errorf("%w: publish branch %s of table %s: the branch moved concurrently from snapshot %d to %d; run publish again",
				ErrWriteConflict, branch, n, to, r.SnapshotID)
		}
		*res = PublishResult{Branch: branch, To: to, FastForward: true}
		var mainID *int64
		if s := a.Table.CurrentSnapshot(); s != nil {
			id := s.SnapshotID
			mainID, res.From = &id, id
		}
		if mainID != nil && *mainID == to {
			return nil, nil // nothing to publish
		}
		meta := a.Table.Metadata()
		lookup := func(id int64) *table.Snapshot { return meta.SnapshotByID(id) }
		if mainID != nil && !table.IsAncestorOf(to, *mainID, lookup) {
			if !force {
				return nil, fmt.Errorf("publish branch %s of table %s: %w (main is at snapshot %d, which is not an ancestor of the branch head %d); "+
					"re-create the branch from main and run the job again, or pass --force to replace main with the branch "+
					"(main's commits since the branch was created would leave main)", branch, n, ErrNotFastForward, *mainID, to)
			}
			res.FastForward = false
		}
		return &commit.Staged{
			Requirements: []table.Requirement{table.AssertTableUUID(meta.TableUUID()), table.AssertRefSnapshotID(MainBranch, mainID), table.AssertRefSnapshotID(branch, &to)},
			Updates:      []table.Update{table.NewSetSnapshotRefUpdate(MainBranch, to, table.BranchRef, 0, 0, 0)},
		}, nil
	})
	if err != nil {
		return nil, err
	}
	if res.From != res.To {
		l.log.Info("branch published", "table", n.String(), "branch", branch, "from", res.From, "to", res.To, "fast_forward", res.FastForward)
	}

	return res, nil
}

// newTableOnBranch refuses a first write that names a branch: branches grow
// from main, so the table must exist there first.
func newTableOnBranch(spec WriteSpec) error {
	if spec.Branch == "" || spec.Branch == MainBranch {
		return nil
	}

	return fmt.Errorf("%w: table does not exist, so it has no branch %s to write to; write to main first (no branch option) to create it",
		ErrNoSuchTable, spec.Branch)
}

// ensureBranch makes sure the branch a write names exists: a missing one
// is created from main's current snapshot (in a commit of its own). It
// returns the table as the write should plan on.
func (l *Lakehouse) ensureBranch(ctx context.Context, tbl *table.Table, spec WriteSpec) (*table.Table, error) {
	b := spec.Branch
	if b == "" || b == MainBranch {
		return tbl, nil
	}
	for name, ref := range tbl.Metadata().Refs() {
		if name != b {
			continue
		}
		if ref.SnapshotRefType != table.BranchRef {
			return nil, fmt.Errorf("%w: %s is a tag; a write needs a branch", ErrInvalidSpec, b)
		}
		return tbl, nil
	}
	if tbl.CurrentSnapshot() == nil {
		// Nothing on main to branch from: the branch starts with this write.
		l.log.Info("creating branch with this write (main has no snapshot)", "table", spec.Table.String(), "branch", b)
		return tbl, nil
	}
	from := tbl.CurrentSnapshot().SnapshotID
	if _, err := l.CreateBranch(ctx, spec.Table, b, from); err != nil && !errors.Is(err, ErrRefExists) {
		return nil, err
	}
	l.log.Info("branch created from main", "table", spec.Table.String(), "branch", b, "snapshot", from)
	fresh, err := l.cat.LoadTable(ctx, spec.Table.ident())
	if err != nil {
		return nil, fmt.Errorf("reload after creating branch %s: %w", b, err)
	}

	return fresh, nil
}

// branchHead returns the snapshot id at the head of branch ("" = main).
func branchHead(t *table.Table, branch string) int64 { return commit.Head(t, branch) }

// commit commits a change to table n through the one commit path
// (internal/lakehouse/commit), starting from base.
func (l *Lakehouse) commit(ctx context.Context, n TableName, base *table.Table, operation string, stage commit.Stager) (*table.Table, error) {
	return commit.Run(ctx, commit.Target{Catalog: l.cat, Ident: n.ident()}, base, commit.Options{Operation: operation, Log: l.log}, stage)
}
