package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/apache/iceberg-go/table"
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
	ErrRefExists = errors.New("branch or tag already exists")
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
	if r, err := t.Ref(name); err == nil {
		return RefInfo{}, fmt.Errorf("create %s %s on table %s: %w (a %s at snapshot %d); drop it first or pick another name",
			kind, name, n, ErrRefExists, r.Kind, r.SnapshotID)
	}
	if snapshotID == 0 {
		s := t.tbl.CurrentSnapshot()
		if s == nil {
			return RefInfo{}, fmt.Errorf("create %s %s on table %s: the table has no snapshot yet; write to it first", kind, name, n)
		}
		snapshotID = s.SnapshotID
	} else if t.tbl.SnapshotByID(snapshotID) == nil {
		return RefInfo{}, fmt.Errorf("create %s %s on table %s: no snapshot %d (see flare table snapshots)", kind, name, n, snapshotID)
	}
	reqs := []table.Requirement{table.AssertRefSnapshotID(name, nil)}
	upd := []table.Update{table.NewSetSnapshotRefUpdate(name, snapshotID, table.RefType(kind), 0, 0, 0)}
	if _, _, err := l.cat.CommitTable(ctx, n.ident(), reqs, upd); err != nil {
		if errors.Is(err, table.ErrCommitFailed) {
			return RefInfo{}, fmt.Errorf("create %s %s on table %s: %w (created concurrently by another writer)", kind, name, n, ErrRefExists)
		}
		return RefInfo{}, fmt.Errorf("create %s %s on table %s: %w", kind, name, n, err)
	}
	l.log.Info("ref created", "table", n.String(), "kind", string(kind), "name", name, "snapshot", snapshotID)

	return RefInfo{Name: name, Kind: kind, SnapshotID: snapshotID}, nil
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
	reqs := []table.Requirement{table.AssertRefSnapshotID(name, &id)}
	if _, _, err := l.cat.CommitTable(ctx, n.ident(), reqs, []table.Update{table.NewRemoveSnapshotRefUpdate(name)}); err != nil {
		if errors.Is(err, table.ErrCommitFailed) {
			return fmt.Errorf("drop %s %s of table %s: it changed concurrently; look again and retry: %w", kind, name, n, err)
		}
		return fmt.Errorf("drop %s %s of table %s: %w", kind, name, n, err)
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
	var mainID *int64
	if s := t.tbl.CurrentSnapshot(); s != nil {
		id := s.SnapshotID
		mainID, res.From = &id, id
	}
	if mainID != nil && *mainID == r.SnapshotID {
		return res, nil // nothing to publish
	}
	meta := t.tbl.Metadata()
	lookup := func(id int64) *table.Snapshot { return meta.SnapshotByID(id) }
	if mainID != nil && !table.IsAncestorOf(r.SnapshotID, *mainID, lookup) {
		if !force {
			return nil, fmt.Errorf("publish branch %s of table %s: %w (main is at snapshot %d, which is not an ancestor of the branch head %d); "+
				"re-create the branch from main and run the job again, or pass --force to replace main with the branch "+
				"(main's commits since the branch was created would leave main)", branch, n, ErrNotFastForward, *mainID, r.SnapshotID)
		}
		res.FastForward = false
	}
	reqs := []table.Requirement{table.AssertRefSnapshotID(MainBranch, mainID)}
	upd := []table.Update{table.NewSetSnapshotRefUpdate(MainBranch, r.SnapshotID, table.BranchRef, 0, 0, 0)}
	if _, _, err := l.cat.CommitTable(ctx, n.ident(), reqs, upd); err != nil {
		if errors.Is(err, table.ErrCommitFailed) {
			return nil, fmt.Errorf("publish branch %s of table %s: main changed while publishing; run publish again: %w", branch, n, err)
		}
		return nil, fmt.Errorf("publish branch %s of table %s: %w", branch, n, err)
	}
	l.log.Info("branch published", "table", n.String(), "branch", branch, "from", res.From, "to", res.To, "fast_forward", res.FastForward)

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

// beginWrite returns the transaction a write commits through: on main, or
// on spec.Branch, which is created from main's current snapshot when it is
// missing. It returns the table as the transaction sees it.
func (l *Lakehouse) beginWrite(ctx context.Context, tbl *table.Table, spec WriteSpec) (*table.Table, *table.Transaction, error) {
	tbl, txn, err := l.branchTxn(ctx, tbl, spec)
	if err != nil {
		return nil, nil, err
	}
	if m := missingCommitDefaults(tbl.Properties()); len(m) > 0 {
		if err := txn.SetProperties(m); err != nil {
			return nil, nil, fmt.Errorf("set commit retry properties: %w", err)
		}
	}

	return tbl, txn, nil
}

func (l *Lakehouse) branchTxn(ctx context.Context, tbl *table.Table, spec WriteSpec) (*table.Table, *table.Transaction, error) {
	b := spec.Branch
	if b == "" || b == MainBranch {
		return tbl, tbl.NewTransaction(), nil
	}
	for name, ref := range tbl.Metadata().Refs() {
		if name != b {
			continue
		}
		if ref.SnapshotRefType != table.BranchRef {
			return nil, nil, fmt.Errorf("%w: %s is a tag; a write needs a branch", ErrInvalidSpec, b)
		}
		return tbl, tbl.NewTransactionOnBranch(b), nil
	}
	if tbl.CurrentSnapshot() == nil {
		// Nothing on main to branch from: the branch starts with this write.
		l.log.Info("creating branch with this write (main has no snapshot)", "table", spec.Table.String(), "branch", b)
		return tbl, tbl.NewTransactionOnBranch(b), nil
	}
	from := tbl.CurrentSnapshot().SnapshotID
	if _, err := l.CreateBranch(ctx, spec.Table, b, from); err != nil && !errors.Is(err, ErrRefExists) {
		return nil, nil, err
	}
	l.log.Info("branch created from main", "table", spec.Table.String(), "branch", b, "snapshot", from)
	fresh, err := l.cat.LoadTable(ctx, spec.Table.ident())
	if err != nil {
		return nil, nil, fmt.Errorf("reload after creating branch %s: %w", b, err)
	}

	return fresh, fresh.NewTransactionOnBranch(b), nil
}

// branchHead returns the snapshot id at the head of branch ("" = main).
func branchHead(t *table.Table, branch string) int64 {
	if branch == "" {
		branch = MainBranch
	}
	if s := t.SnapshotByName(branch); s != nil {
		return s.SnapshotID
	}

	return 0
}
