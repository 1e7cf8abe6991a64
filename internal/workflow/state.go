package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// The saved state of incremental jobs, for flare state show / set / reset.

// StateEntry is one saved key of a job's incremental input, as one of the
// job's Iceberg outputs holds it.
type StateEntry struct {
	Job, Input, Key string
	// Value is the saved value; "" when nothing is saved (the key's SQL
	// runs).
	Value string
	Table plan.StateTable
	// Missing is set when the table does not exist yet.
	Missing bool
	// SnapshotID is the snapshot that committed Value (the oldest of the
	// branch's recent snapshots that hold it); 0 when nothing is saved.
	SnapshotID int64
}

// StateKey is the full state key of a job's input's key.
func StateKey(job, input, key string) string { return plan.StatePrefix(job, input) + key }

// JobStateEntries lists, for each incremental input of job, each key its
// state saves, as each of the job's Iceberg outputs holds it.
func (r *Runner) JobStateEntries(ctx context.Context, job *plan.Job) ([]StateEntry, error) {
	var out []StateEntry
	for _, t := range job.StateTables() {
		tbl, err := r.Lakehouses.LoadTable(ctx, t.Depot, t.Table)
		missing := errors.Is(err, lakehouse.ErrNoSuchTable)
		if err != nil && !missing {
			return nil, fmt.Errorf("read the state of job %s from %s: %w", job.Name, t.TableRef, err)
		}
		var state map[string]string
		if !missing {
			state = tbl.State(t.Branch)
		}
		for _, rd := range job.Reads {
			if rd.Incremental == nil {
				continue
			}
			for _, s := range rd.Incremental.Save {
				k := rd.Incremental.Prefix + s.Key
				e := StateEntry{Job: job.Name, Input: rd.View, Key: s.Key, Value: state[k], Table: t, Missing: missing}
				if e.Value != "" {
					e.SnapshotID = committedBy(tbl, t.Branch, k, e.Value)
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// committedBy returns the oldest snapshot of the unbroken run, back from
// the branch head, whose summary holds key = value: the commit that saved
// it (later Flare commits carry it forward).
func committedBy(t *lakehouse.Table, branch, key, value string) int64 {
	if branch == "" {
		branch = lakehouse.MainBranch
	}
	ref, err := t.Ref(branch)
	if err != nil {
		return 0
	}
	byID := map[int64]lakehouse.SnapshotInfo{}
	for _, s := range t.Snapshots() {
		byID[s.ID] = s
	}
	var found int64
	for id := ref.SnapshotID; id != 0; {
		s, ok := byID[id]
		if !ok || s.Summary[key] != value {
			break
		}
		found = id
		id = s.ParentID
	}
	return found
}

// StateChange is one key that SetState changes in one table.
type StateChange struct {
	Table    plan.StateTable
	Key      string // full state key
	Old, New string
	// SnapshotID is the state-only snapshot committed (0 on a dry run).
	SnapshotID int64
}

// SetState saves values (full state keys of job, from StateKey; "" resets
// a key so that its SQL runs again) in every Iceberg output of job, each
// with a snapshot that changes no data, expecting the values it read
// (a run that commits meanwhile makes it fail: nothing changes). With
// dryRun nothing is written.
func (r *Runner) SetState(ctx context.Context, ses *engine.Session, job *plan.Job, values map[string]string, dryRun bool) ([]StateChange, error) {
	prefix := plan.JobStatePrefix(job.Name)
	keys := make([]string, 0, len(values))
	for k := range values {
		if !strings.HasPrefix(k, prefix) {
			return nil, fmt.Errorf("state key %q is not a key of job %s", k, job.Name)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tables := job.StateTables()
	if len(tables) == 0 {
		return nil, fmt.Errorf("job %s has no Iceberg output to hold its state", job.Name)
	}
	var out []StateChange
	type pending struct {
		t   plan.StateTable
		tbl *lakehouse.Table
		st  *lakehouse.State
	}
	var todo []pending
	for _, t := range tables {
		tbl, err := r.Lakehouses.LoadTable(ctx, t.Depot, t.Table)
		if err != nil {
			if errors.Is(err, lakehouse.ErrNoSuchTable) {
				return nil, fmt.Errorf("table %s (output %s) does not exist yet: run the job once first", t.TableRef, t.Output)
			}
			return nil, err
		}
		cur := tbl.State(t.Branch)
		st := &lakehouse.State{Set: map[string]string{}, Expect: map[string]string{}}
		for _, k := range keys {
			out = append(out, StateChange{Table: t, Key: k, Old: cur[k], New: values[k]})
			st.Set[k], st.Expect[k] = values[k], cur[k]
		}
		todo = append(todo, pending{t, tbl, st})
	}
	if dryRun {
		return out, nil
	}
	for _, p := range todo {
		schema, err := p.tbl.SchemaSQL(lakehouse.ReadOptions{Branch: p.t.Branch})
		if err != nil {
			return nil, err
		}
		const empty = "__flare_state_rows"
		if err := ses.DefineRelation(ctx, empty, schema); err != nil {
			return nil, err
		}
		l, _, err := r.Lakehouses.Get(ctx, p.t.Depot)
		if err != nil {
			return nil, err
		}
		res, err := l.Write(ctx, ses.Conn(), engine.QuoteIdent(empty), lakehouse.WriteSpec{Table: p.t.Table, Mode: lakehouse.Append, Branch: p.t.Branch, State: p.st})
		if err != nil {
			return nil, fmt.Errorf("save the state of job %s in %s: %w", job.Name, p.t.TableRef, err)
		}
		for i := range out {
			if out[i].Table == p.t {
				out[i].SnapshotID = res.SnapshotID
			}
		}
	}
	return out, nil
}
