package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// Incremental reads (docs/incremental.md). The job's state is read from its
// Iceberg outputs (plan.Job.StateTables) when its first incremental input
// is read; each input's keys are evaluated; the values to save are
// committed with every Iceberg output's rows (lakehouse.State: Set the new
// values, Expect the ones the run started from, so that a run that lost a
// race commits nothing). Outputs commit one after another: after a crash
// between two of them, the first holds the new state and the others the
// old one. The next run starts from the state of the last output (the one
// behind), and skips an output that already holds the state the run would
// commit: every window reaches every output once.

// jobState is the incremental state of one run of a job.
type jobState struct {
	// tables are the job's Iceberg outputs and the job's state each holds.
	tables []tableState
	// start is the state the run starts from; set the values it saves.
	start, set map[string]string
}

type tableState struct {
	plan.StateTable
	state map[string]string
}

// jobState returns the run's state of job, reading it from the job's
// outputs the first time.
func (r *Runner) jobState(ctx context.Context, job *plan.Job) (*jobState, error) {
	incMu.Lock()
	defer incMu.Unlock()
	if st := r.inc[job]; st != nil {
		return st, nil
	}
	st := &jobState{start: map[string]string{}, set: map[string]string{}}
	for _, t := range job.StateTables() {
		ts := tableState{StateTable: t, state: map[string]string{}}
		tbl, err := r.Lakehouses.LoadTable(ctx, t.Depot, t.Table)
		switch {
		case errors.Is(err, lakehouse.ErrNoSuchTable):
		case err != nil:
			return nil, fmt.Errorf("read the job's state from %s: %w", t.TableRef, err)
		default:
			ts.state = JobState(tbl.State(t.Branch), job.Name)
		}
		st.tables = append(st.tables, ts)
	}
	if n := len(st.tables); n > 0 {
		st.start = maps.Clone(st.tables[n-1].state)
	}
	if r.inc == nil {
		r.inc = map[*plan.Job]*jobState{}
	}
	r.inc[job] = st
	return st, nil
}

// incMu guards every Runner's inc map: one lock for the package, so that a
// Runner stays copyable (the stream runner runs each batch on a copy).
var incMu sync.Mutex

// forgetJob drops the run's state of job.
func (r *Runner) forgetJob(job *plan.Job) {
	incMu.Lock()
	defer incMu.Unlock()
	delete(r.inc, job)
}

// JobState keeps the incremental state keys of job from a table's state,
// without the keys whose value is empty (flare state reset).
func JobState(all map[string]string, job string) map[string]string {
	prefix := plan.JobStatePrefix(job)
	out := map[string]string{}
	for k, v := range all {
		if strings.HasPrefix(k, prefix) && v != "" {
			out[k] = v
		}
	}
	return out
}

// readIncremental defines an incremental input: its data as the context
// view, then its view as incremental.sql with the keys' values.
func (r *Runner) readIncremental(ctx context.Context, ses *engine.Session, job *plan.Job, rd *plan.Read) error {
	inc := rd.Incremental
	st, err := r.jobState(ctx, job)
	if err != nil {
		return err
	}
	switch inc.Mode {
	case "snapshots":
		return r.readSnapshots(ctx, ses, job, rd, st)
	case "files":
		return r.readFiles(ctx, ses, job, rd, st)
	}
	cp := *rd
	cp.View, cp.Incremental, cp.Cache = inc.Context, nil, false
	if err := r.read(ctx, ses, &cp); err != nil {
		return err
	}
	values := map[string]string{}
	var shown []string
	for _, k := range inc.Keys {
		if v, ok := st.start[inc.Prefix+k.Name]; ok {
			values[k.Name] = v
			shown = append(shown, fmt.Sprintf("%s=%s (saved)", k.Name, v))
			continue
		}
		v, err := r.evalKey(ctx, ses, k, values)
		if err != nil {
			return fmt.Errorf("%s: key %s: %w", k.Pos, k.Name, err)
		}
		values[k.Name] = v
		shown = append(shown, fmt.Sprintf("%s=%s", k.Name, v))
	}
	text, err := plan.Substitute(inc.SQL, values)
	if err != nil {
		return fmt.Errorf("%s: incremental sql: %w", inc.Pos, err)
	}
	q, err := plan.IncrementalQuery(ctx, &plan.Env{Config: r.Config}, ses, text)
	if err != nil {
		return fmt.Errorf("%s: incremental sql (with the keys' values: %s): %w", inc.Pos, oneLine(text), err)
	}
	if err := r.BindTables(ctx, ses, q.Tables, nil, lakehouse.ReadOptions{}); err != nil {
		return err
	}
	viewSQL, err := r.prunedWindow(ctx, ses, rd, q.SQL)
	if err != nil {
		return err
	}
	if err := ses.DefineView(ctx, rd.View, viewSQL); err != nil {
		return fmt.Errorf("%s: incremental sql (with the keys' values: %s): %w", inc.Pos, oneLine(text), err)
	}
	incMu.Lock()
	for _, s := range inc.Save {
		st.set[inc.Prefix+s.Key] = values[s.Value]
	}
	incMu.Unlock()
	r.Progress.Printf("%s ▸ input %s: incremental, %s\n", job.Name, rd.View, strings.Join(shown, ", "))
	r.logger().Info("incremental input", "job", job.Name, "input", rd.View, "keys", strings.Join(shown, ", "))
	if rd.Cache && !r.DefineOnly {
		return ses.Materialize(ctx, rd.View)
	}
	return nil
}

// evalKey runs a key's SQL (its $|name| replaced) and returns its one
// value as text.
func (r *Runner) evalKey(ctx context.Context, ses *engine.Session, k plan.IncrementalKey, values map[string]string) (string, error) {
	text, err := plan.Substitute(k.SQL, values)
	if err != nil {
		return "", err
	}
	q, err := plan.IncrementalQuery(ctx, &plan.Env{Config: r.Config}, ses, text)
	if err != nil {
		return "", fmt.Errorf("%s: %w", oneLine(text), err)
	}
	if err := r.BindTables(ctx, ses, q.Tables, nil, lakehouse.ReadOptions{}); err != nil {
		return "", err
	}
	if err := ses.DefineView(ctx, plan.KeyView, q.SQL); err != nil {
		return "", fmt.Errorf("%s: %w", oneLine(text), err)
	}
	cols, _, err := ses.Columns(ctx, plan.KeyView)
	if err != nil {
		return "", fmt.Errorf("%s: %w", oneLine(text), err)
	}
	if len(cols) != 1 {
		return "", fmt.Errorf("%s gives %d columns; a key's SQL gives one value", oneLine(text), len(cols))
	}
	res, err := ses.Query(ctx, "SELECT CAST("+engine.QuoteIdent(cols[0])+" AS VARCHAR) FROM "+plan.KeyView, 2)
	if err != nil {
		return "", fmt.Errorf("%s: %w", oneLine(text), err)
	}
	switch {
	case len(res.Rows) == 0:
		return "", fmt.Errorf("%s gives no row; a key's SQL gives one value", oneLine(text))
	case len(res.Rows) > 1:
		return "", fmt.Errorf("%s gives more than one row; a key's SQL gives one value", oneLine(text))
	}
	s, ok := res.Rows[0][0].(string)
	if !ok || res.Rows[0][0] == nil {
		return "", fmt.Errorf("%s gives NULL; a key needs a value (coalesce it with a default for the first run)", oneLine(text))
	}
	return s, nil
}

// jobWrites returns the writes of a run of job: for a job with incremental
// inputs, other outputs first, then the Iceberg outputs, each with the
// job's state; an Iceberg output that already holds the state this run
// would commit (an earlier run crashed after writing it) is left out.
func (r *Runner) jobWrites(job *plan.Job) ([]*plan.Write, error) {
	if !job.Incremental() {
		return job.Writes, nil
	}
	incMu.Lock()
	st := r.inc[job]
	incMu.Unlock()
	if st == nil {
		return nil, fmt.Errorf("job %s: its incremental state was not read", job.Name)
	}
	target := maps.Clone(st.start)
	maps.Copy(target, st.set)
	skip := map[plan.StateTable]bool{}
	var bad []string
	for _, t := range st.tables {
		switch {
		case maps.Equal(t.state, st.start):
		case maps.Equal(t.state, target):
			skip[t.StateTable] = true
			r.Progress.Printf("%s ▸ output %s: %s already holds this run's state (an earlier run stopped after writing it): not written again\n", job.Name, t.Output, t.TableRef)
		default:
			bad = append(bad, fmt.Sprintf("%s (output %s) holds %s", t.TableRef, t.Output, stateText(t.state)))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("job %s: its outputs hold different states, and this run (from %s to %s) would repeat or skip rows in some: %s; align them with flare state set (docs/incremental.md)",
			job.Name, stateText(st.start), stateText(target), strings.Join(bad, "; "))
	}
	var files, tables []*plan.Write
	for _, w := range job.Writes {
		switch {
		case w.Table != nil:
			if skip[plan.StateTable{TableRef: plan.TableRef{Depot: w.Table.Depot, Table: w.Table.Spec.Table}, Branch: w.Table.Spec.Branch, Output: w.View}] {
				continue
			}
			cp, tw := *w, *w.Table
			tw.Spec.State = st.commitState()
			cp.Table = &tw
			tables = append(tables, &cp)
		case w.Merge != nil:
			if skip[plan.StateTable{TableRef: plan.TableRef{Depot: w.Merge.Depot, Table: w.Merge.Spec.Table}, Branch: w.Merge.Spec.Branch, Output: w.View}] {
				continue
			}
			cp, mw := *w, *w.Merge
			mw.Spec.State = st.commitState()
			cp.Merge = &mw
			tables = append(tables, &cp)
		default:
			files = append(files, w)
		}
	}
	return append(files, tables...), nil
}

// commitState is the lakehouse state of a write: the saved values, and
// the values the run started from.
func (st *jobState) commitState() *lakehouse.State {
	if len(st.set) == 0 {
		return nil
	}
	s := &lakehouse.State{Set: maps.Clone(st.set), Expect: map[string]string{}}
	for k := range st.set {
		s.Expect[k] = st.start[k]
	}
	return s
}

func stateText(m map[string]string) string {
	if len(m) == 0 {
		return "no state"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strings.TrimPrefix(k, lakehouse.StatePrefix) + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// appendedSQL reads the rows appended in a range of snapshots.
func appendedSQL(ctx context.Context, t *lakehouse.Table, r lakehouse.AppendRange) (string, error) {
	q, _, err := t.AppendedSQL(ctx, r)
	return q, err
}

// readSnapshots defines an input of incremental mode snapshots: the rows
// appended to the table since the snapshot the last run read, up to the
// branch head, which the run saves.
func (r *Runner) readSnapshots(ctx context.Context, ses *engine.Session, job *plan.Job, rd *plan.Read, st *jobState) error {
	inc := rd.Incremental
	if rd.Table == nil {
		return fmt.Errorf("incremental mode snapshots: input %s is not an Iceberg table", rd.View)
	}
	key := inc.Prefix + plan.SnapshotKey
	var from int64
	if v := st.start[key]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("incremental state %s is %q, not a snapshot id (fix it with flare state set)", key, v)
		}
		from = n
	}
	t, err := r.Lakehouses.LoadTable(ctx, rd.Table.Depot, rd.Table.Table)
	if err != nil {
		return err
	}
	q, to, err := t.AppendedSQL(ctx, lakehouse.AppendRange{From: from, Branch: rd.Table.At.Branch})
	if err != nil {
		return fmt.Errorf("incremental read of %s: %w", rd.Table.TableRef, err)
	}
	if err := ses.DefineRelation(ctx, rd.View, q); err != nil {
		return err
	}
	shown := fmt.Sprintf("snapshots after %d up to %d", from, to)
	if from == 0 {
		shown = fmt.Sprintf("snapshots up to %d (first run)", to)
	}
	incMu.Lock()
	if to != 0 {
		st.set[key] = strconv.FormatInt(to, 10)
	}
	incMu.Unlock()
	r.Progress.Printf("%s ▸ input %s: incremental, %s\n", job.Name, rd.View, shown)
	if rd.Cache && !r.DefineOnly {
		return ses.Materialize(ctx, rd.View)
	}
	return nil
}

// prunedWindow returns the input's view over incremental.sql (engine
// dialect, keys replaced). When the input is an Iceberg table that the SQL
// reads once through its context view, with a WHERE that the pruner can
// turn into an Iceberg filter (a window over a column: order_date > '...'),
// the context is shadowed inside the query by a CTE over only the files
// that may hold the window's rows, so a run reads the files of its window
// rather than every file's footer. The context view itself stays whole for
// keys and steps. Anything else reads the whole context.
func (r *Runner) prunedWindow(ctx context.Context, ses *engine.Session, rd *plan.Read, q string) (string, error) {
	inc := rd.Incremental
	if rd.Table == nil || rd.Table.Appends != nil || rd.Table.At.SnapshotID != 0 || rd.Table.At.Tag != "" || !rd.Table.At.AsOf.IsZero() {
		return q, nil
	}
	if f := strings.Fields(q); len(f) == 0 || strings.EqualFold(f[0], "WITH") || strings.HasPrefix(f[0], "(") {
		return q, nil
	}
	t, err := r.Lakehouses.LoadTable(ctx, rd.Table.Depot, rd.Table.Table)
	if err != nil {
		return "", err
	}
	pr := NewPruner(q)
	pr.parse(ctx, ses)
	filter := pr.filter(engine.TableRef{Parts: []string{"", "", inc.Context}}, t.Iceberg().Schema())
	if filter == nil {
		return q, nil
	}
	ro := lakehouse.ReadOptions{Branch: rd.Table.At.Branch, Filter: filter}
	sel, err := t.SelectSQL(ctx, ro)
	if err != nil {
		return "", err
	}
	hidden := "__flare_window_" + rd.View
	if err := ses.DefineRelation(ctx, hidden, sel); err != nil {
		return "", err
	}
	if !r.logger().Enabled(ctx, slog.LevelDebug) {
	} else if files, err := t.PlanFiles(ctx, ro); err == nil {
		r.logger().Debug("incremental window pruned", "input", rd.View, "files", len(files), "filter", filter.String())
	}
	return "WITH " + engine.QuoteIdent(inc.Context) + " AS (SELECT * FROM " + engine.QuoteIdent(hidden) + ")\n" + q, nil
}
