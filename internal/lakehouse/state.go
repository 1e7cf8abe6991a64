package lakehouse

import "github.com/flare-lakehouse/flare/internal/lakehouse/commit"

// StatePrefix starts the snapshot summary keys that hold job state (a
// stream's offsets, an incremental job's saved keys); see commit.State.
const StatePrefix = commit.StatePrefix

// ErrStateConflict is returned by a write whose State.Expect no longer
// holds when it commits: another run of the job committed first. Nothing
// was committed.
var ErrStateConflict = commit.ErrStateConflict

// State is job state committed with a write or merge.
type State = commit.State

// State returns the job state committed on a branch ("" for main): each
// state key's newest value, from the branch head back through its
// ancestors.
func (t *Table) State(branch string) map[string]string {
	return commit.StateOf(t.tbl, branch)
}
