package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

// Incremental reads of appended rows (Spark's start-snapshot-id /
// end-snapshot-id, an incremental job's mode: snapshots).

// ErrNotAppend is returned by an incremental read whose range holds a
// snapshot that deleted or overwrote rows: the rows it changed cannot be
// read as appended ones.
var ErrNotAppend = errors.New("incremental reads see appends only")

// AppendRange names the snapshots of a branch whose appended rows an
// incremental read returns: those after From (exclusive; 0 = from the
// branch's first snapshot) up to To (inclusive; 0 = the branch head).
// FromTime and ToTime, when set, name the snapshots current on the branch
// at those times instead (start-timestamp, end-timestamp).
type AppendRange struct {
	From, To         int64
	FromTime, ToTime time.Time
	Branch           string
}

// Appended lists the data files the append snapshots of r added, walking
// from its end back through parents to its start, which must be an
// ancestor. Snapshots that add no file (a job's state) and replace
// snapshots (compaction: the same rows in other files) are passed over;
// a delete or overwrite is ErrNotAppend. It returns the files, oldest
// snapshot first, and the resolved end (0 when the branch has no snapshot).
func (t *Table) Appended(ctx context.Context, r AppendRange) ([]string, int64, error) {
	meta := t.tbl.Metadata()
	from, to := r.From, r.To
	if !r.FromTime.IsZero() {
		from = t.snapshotAt(r.Branch, r.FromTime)
	}
	if !r.ToTime.IsZero() {
		if to = t.snapshotAt(r.Branch, r.ToTime); to == 0 {
			return nil, 0, nil
		}
	}
	if to == 0 {
		to = commit.Head(t.tbl, r.Branch)
		if to == 0 {
			return nil, 0, nil
		}
	}
	if meta.SnapshotByID(to) == nil {
		return nil, 0, fmt.Errorf("table %s: end snapshot %d does not exist (expired?)", t.name, to)
	}
	if from != 0 && meta.SnapshotByID(from) == nil {
		return nil, 0, fmt.Errorf("table %s: start snapshot %d does not exist (expired?): the rows appended since cannot be told apart", t.name, from)
	}
	var chain []*table.Snapshot
	for id := to; id != from; {
		s := meta.SnapshotByID(id)
		if s == nil {
			if from == 0 {
				break // older snapshots expired: read from the oldest kept
			}
			return nil, 0, fmt.Errorf("table %s: snapshot %d is not an ancestor of %d (the branch was rolled back or replaced, or snapshots expired)", t.name, from, to)
		}
		chain = append(chain, s)
		if s.ParentSnapshotID == nil {
			if from != 0 {
				return nil, 0, fmt.Errorf("table %s: snapshot %d is not an ancestor of %d (the branch was rolled back or replaced)", t.name, from, to)
			}
			break
		}
		id = *s.ParentSnapshotID
	}
	fs, err := t.tbl.FS(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("open table %s: %w", t.name, err)
	}
	var files []string
	for i := len(chain) - 1; i >= 0; i-- {
		s := chain[i]
		op := table.OpAppend
		if s.Summary != nil {
			op = s.Summary.Operation
		}
		switch op {
		case table.OpAppend:
		case table.OpReplace:
			continue
		default:
			return nil, 0, fmt.Errorf("table %s: snapshot %d (%s at %s) changed or deleted rows, and %w: read the table whole, or start after that snapshot",
				t.name, s.SnapshotID, op, time.UnixMilli(s.TimestampMs).UTC().Format(time.RFC3339), ErrNotAppend)
		}
		mans, err := s.Manifests(fs)
		if err != nil {
			return nil, 0, fmt.Errorf("table %s: read the manifests of snapshot %d: %w", t.name, s.SnapshotID, err)
		}
		for _, m := range mans {
			if m.ManifestContent() != iceberg.ManifestContentData || m.SnapshotID() != s.SnapshotID {
				continue
			}
			entries, err := m.FetchEntries(fs, true)
			if err != nil {
				return nil, 0, fmt.Errorf("table %s: read manifest %s: %w", t.name, m.FilePath(), err)
			}
			for _, e := range entries {
				if e.Status() == iceberg.EntryStatusADDED && e.SnapshotID() == s.SnapshotID {
					files = append(files, e.DataFile().FilePath())
				}
			}
		}
	}
	return files, to, nil
}

// snapshotAt is the snapshot that was the branch's head at ts (0: none).
func (t *Table) snapshotAt(branch string, ts time.Time) int64 {
	meta := t.tbl.Metadata()
	ms := ts.UnixMilli()
	for id := commit.Head(t.tbl, branch); id != 0; {
		s := meta.SnapshotByID(id)
		if s == nil {
			return 0
		}
		if s.TimestampMs <= ms {
			return id
		}
		if s.ParentSnapshotID == nil {
			return 0
		}
		id = *s.ParentSnapshotID
	}
	return 0
}

// AppendedSQL is a DuckDB query over the rows the append snapshots of r
// added (Appended), in the table's current columns; it also returns the
// range's resolved end snapshot.
func (t *Table) AppendedSQL(ctx context.Context, r AppendRange) (string, int64, error) {
	files, to, err := t.Appended(ctx, r)
	if err != nil {
		return "", 0, err
	}
	if len(files) == 0 {
		q, err := t.SchemaSQL(ReadOptions{})
		return q, to, err
	}
	q, err := t.ReadFilesSQL(files, false)
	return q, to, err
}
