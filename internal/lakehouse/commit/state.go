package commit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"
)

// StatePrefix starts the snapshot summary keys that hold job state committed
// with the data: a stream's source offsets, an incremental job's saved keys.
// State lives in the summary of the snapshot that wrote the rows, so that
// rows and state land in one atomic commit: a crash either loses both or
// keeps both, and a restarted job resumes from what the table says.
const StatePrefix = "flare.state."

// ErrStateConflict is returned when the state a write expected to find on
// the table (the offsets it started from) is no longer there: another
// instance of the job committed first. Nothing was committed.
var ErrStateConflict = errors.New("job state changed concurrently")

// State is job state written with a change: Set is stored in the new
// snapshot's summary; Expect, checked against the branch head each time the
// change is staged, names the values the table must hold when the commit
// lands ("" means the key must be absent).
type State struct {
	Set    map[string]string
	Expect map[string]string
}

// Check validates the keys (each starts with StatePrefix).
func (s *State) Check() error {
	if s == nil {
		return nil
	}
	for _, m := range []map[string]string{s.Set, s.Expect} {
		for k := range m {
			if !strings.HasPrefix(k, StatePrefix) || len(k) == len(StatePrefix) {
				return fmt.Errorf("state key %q: state keys start with %q", k, StatePrefix)
			}
		}
	}
	return nil
}

// StateOf reads the job state of a branch: for each state key, its value in
// the newest snapshot (from the branch head back through its ancestors) whose
// summary holds it. Flare's commits carry the state forward (Carry), so the
// head holds all of it unless another engine committed since.
func StateOf(t *table.Table, branch string) map[string]string {
	out := map[string]string{}
	meta := t.Metadata()
	id := Head(t, branch)
	seen := map[int64]bool{}
	for id != 0 && !seen[id] {
		seen[id] = true
		s := meta.SnapshotByID(id)
		if s == nil {
			break // expired
		}
		if s.Summary != nil {
			for k, v := range s.Summary.Properties {
				if strings.HasPrefix(k, StatePrefix) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
			}
		}
		if s.ParentSnapshotID == nil {
			break
		}
		id = *s.ParentSnapshotID
	}
	return out
}

// Carry returns the summary properties of a new snapshot on branch of cur:
// props, plus the branch's job state carried forward, with st applied after
// checking st.Expect against that state. Every Flare commit that adds a
// snapshot builds its summary with Carry, so that compaction, deletes and
// other jobs' writes never hide a stream's offsets.
func Carry(cur *table.Table, branch string, props iceberg.Properties, st *State) (iceberg.Properties, error) {
	state := StateOf(cur, branch)
	if st != nil {
		var bad []string
		for k, want := range st.Expect {
			if got := state[k]; got != want {
				bad = append(bad, fmt.Sprintf("%s is %q, expected %q", k, got, want))
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return nil, fmt.Errorf("%w (another run of the job committed first): %s", ErrStateConflict, strings.Join(bad, "; "))
		}
	}
	out := iceberg.Properties{}
	for k, v := range state {
		out[k] = v
	}
	if st != nil {
		for k, v := range st.Set {
			out[k] = v
		}
	}
	for k, v := range props {
		out[k] = v
	}
	return out, nil
}

// StateSnapshot stages a snapshot on branch of cur that changes no data
// and records props (the job state, from Carry) in its summary: an empty
// micro-batch or an incremental run without new rows still moves its state
// on, atomically. iceberg-go has no empty commit, so the snapshot is built
// here: a new manifest list holding the head's manifests unchanged, an
// "append" summary with nothing added and the head's totals. staged, when
// not nil, holds other changes of the same commit (properties a write
// sets); the snapshot goes after them.
func StateSnapshot(ctx context.Context, cur *table.Table, branch string, props iceberg.Properties, staged *Staged) (*Staged, error) {
	meta := cur.Metadata()
	headID := Head(cur, branch)
	var manifests []iceberg.ManifestFile
	var parent *table.Snapshot
	fs, err := cur.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("open table storage: %w", err)
	}
	if headID != 0 {
		if parent = meta.SnapshotByID(headID); parent == nil {
			return nil, fmt.Errorf("branch %s: head snapshot %d is missing", BranchOrMain(branch), headID)
		}
		if manifests, err = parent.Manifests(fs); err != nil {
			return nil, fmt.Errorf("read manifests of snapshot %d: %w", headID, err)
		}
	}
	wfs, ok := fs.(iceio.WriteFileIO)
	if !ok {
		return nil, fmt.Errorf("table storage is read-only")
	}
	id := newSnapshotID(meta)
	seq := meta.LastSequenceNumber() + 1
	var parentID *int64
	if parent != nil {
		p := parent.SnapshotID
		parentID = &p
	}
	list := fmt.Sprintf("%s/metadata/snap-%d-0-%s.avro", strings.TrimSuffix(cur.Location(), "/"), id, uuid.NewString())
	w, err := wfs.Create(list)
	if err != nil {
		return nil, fmt.Errorf("write manifest list: %w", err)
	}
	if err := iceberg.WriteManifestList(meta.Version(), w, id, parentID, &seq, 0, manifests); err != nil {
		w.Close()
		return nil, fmt.Errorf("write manifest list: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write manifest list: %w", err)
	}
	summary := iceberg.Properties{}
	if parent != nil && parent.Summary != nil {
		for k, v := range parent.Summary.Properties {
			if strings.HasPrefix(k, "total-") {
				summary[k] = v
			}
		}
	}
	for _, k := range []string{"added-data-files", "added-records", "added-files-size"} {
		summary[k] = "0"
	}
	maps.Copy(summary, props)
	schemaID := meta.CurrentSchema().ID
	snap := &table.Snapshot{
		SnapshotID: id, ParentSnapshotID: parentID, SequenceNumber: seq, TimestampMs: time.Now().UnixMilli(),
		ManifestList: list, Summary: &table.Summary{Operation: table.OpAppend, Properties: summary}, SchemaID: &schemaID,
	}
	out := &Staged{}
	if staged != nil {
		out.Requirements = append(out.Requirements, staged.Requirements...)
		out.Updates = append(out.Updates, staged.Updates...)
	}
	var want *int64
	if headID != 0 {
		want = &headID
	}
	out.Requirements = append(out.Requirements, table.AssertTableUUID(meta.TableUUID()), table.AssertRefSnapshotID(BranchOrMain(branch), want))
	out.Updates = append(out.Updates, table.NewAddSnapshotUpdate(snap),
		table.NewSetSnapshotRefUpdate(BranchOrMain(branch), id, table.BranchRef, 0, 0, 0))
	return out, nil
}

// newSnapshotID returns a positive id no snapshot of meta has.
func newSnapshotID(meta table.Metadata) int64 {
	for {
		id := rand.Int64()
		if id > 0 && meta.SnapshotByID(id) == nil {
			return id
		}
	}
}
