package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/render"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Runner executes compiled plans: it switches on plan operations only,
// never on manifest text.
type Runner struct {
	Config     *depot.Config
	Lakehouses *catalog.Lakehouses
	// Engines give each job a session on the engine for its settings; nil
	// gives each job an engine of its own.
	Engines  *engine.Pool
	Progress *Progress
	Logger   *slog.Logger
	// Preview overrides every job's showPreviewLines when > 0.
	Preview int
	// DefineOnly makes Prepare define the views without reading anything:
	// no caching, explain or preview (flare plan --explain).
	DefineOnly bool

	// StreamJob runs a stream job (plan.Job.Stream set): the stream
	// runner (internal/stream) loops micro-batches, each run with RunJob on
	// a runner whose Streams loads the batch. nil refuses stream jobs.
	StreamJob func(ctx context.Context, job *plan.Job) ([]OutputReport, error)
	// Streams loads the current micro-batch of each stream input; set by
	// the stream runner on its own copy of the Runner.
	Streams StreamSource

	// runID identifies the current Run in the quality tables.
	runID string
	// inc is the incremental state of the jobs being run (incremental.go).
	inc map[*plan.Job]*jobState // guarded by incMu
}

// StreamSource defines a stream input's view over the current
// micro-batch's records in ses.
type StreamSource interface {
	Load(ctx context.Context, ses *engine.Session, rd *plan.Read) error
}

// JobReport is the outcome of one job.
type JobReport struct {
	Job      string
	Status   string // succeeded, failed, skipped
	Err      error
	Outputs  []OutputReport
	Duration time.Duration
}

// OutputReport is what one output wrote.
type OutputReport struct {
	Name       string
	Dataset    string
	Table      string
	Rows       int64
	Files      int
	Bytes      int64
	SnapshotID int64
	Created    bool
	Duration   time.Duration
	// Action is set when the line reports a maintenance action.
	Action *ActionReport
}

// Report is the outcome of a workflow run.
type Report struct {
	Workflow string
	Jobs     []*JobReport
	Duration time.Duration
}

// Failed reports whether any job failed or was skipped because of a failure.
func (r *Report) Failed() bool {
	for _, j := range r.Jobs {
		if j.Status != "succeeded" {
			return true
		}
	}
	return false
}

// Run runs every job of the plan in order. A job whose dependency failed is
// skipped; independent jobs still run. The error is non-nil when any job
// failed.
func (r *Runner) Run(ctx context.Context, p *plan.Plan) (*Report, error) {
	start := time.Now()
	r.runID = uuid.NewString()
	rep := &Report{Workflow: p.Workflow}
	status := map[string]string{}
	var failed []string
	for _, job := range p.Jobs {
		jr := &JobReport{Job: job.Name}
		rep.Jobs = append(rep.Jobs, jr)
		var blocked []string
		for _, d := range job.DependsOn {
			if s, ok := status[d]; ok && s != "succeeded" {
				blocked = append(blocked, d)
			}
		}
		if len(blocked) > 0 {
			jr.Status = "skipped"
			jr.Err = fmt.Errorf("job %s skipped: dependency %s did not succeed", job.Name, strings.Join(blocked, ", "))
			status[job.Name] = jr.Status
			r.Progress.Printf("- job %s skipped: %s did not succeed\n", job.Name, strings.Join(blocked, ", "))
			continue
		}
		if err := ctx.Err(); err != nil {
			jr.Status, jr.Err = "skipped", err
			status[job.Name] = jr.Status
			continue
		}
		js := time.Now()
		outs, err := r.RunJob(ctx, job)
		jr.Outputs, jr.Duration = outs, time.Since(js)
		if err != nil {
			jr.Status, jr.Err = "failed", err
			failed = append(failed, job.Name)
		} else {
			jr.Status = "succeeded"
		}
		status[job.Name] = jr.Status
	}
	rep.Duration = time.Since(start)
	if len(failed) > 0 {
		errs := make([]error, 0, len(failed))
		for _, j := range rep.Jobs {
			if j.Status == "failed" {
				errs = append(errs, j.Err)
			}
		}
		return rep, errors.Join(errs...)
	}
	return rep, nil
}

// JobError is a failure inside a job, located in the manifest.
type JobError struct {
	Job  string
	What string // "input x", "step y", "output z"
	Pos  spec.Pos
	Err  error
}

func (e *JobError) Error() string {
	loc := ""
	if e.Pos.Line > 0 {
		loc = e.Pos.String() + ": "
	}
	return fmt.Sprintf("%sjob %s, %s: %v", loc, e.Job, e.What, e.Err)
}

func (e *JobError) Unwrap() error { return e.Err }

// RunJob runs one job in a fresh engine session.
func (r *Runner) RunJob(ctx context.Context, job *plan.Job) ([]OutputReport, error) {
	logger := r.logger().With("job", job.Name)
	if job.Toolbox != nil {
		logger.Info("toolbox job: nothing to do, the catalog always points at the latest metadata")
		return nil, nil
	}
	if job.Stream != nil {
		if r.StreamJob == nil {
			return nil, &JobError{Job: job.Name, What: "stream", Pos: job.Pos, Err: errors.New("this command does not run stream jobs")}
		}
		return r.StreamJob(ctx, job)
	}
	defer r.forgetJob(job)
	o, tuneNotes, err := r.tune(ctx, job)
	if err != nil {
		return nil, err
	}
	ses, err := r.Session(ctx, o)
	if err != nil {
		return nil, &JobError{Job: job.Name, What: "engine", Pos: job.Pos, Err: err}
	}
	defer ses.Close()
	if job.Explain {
		r.Progress.Printf("plan of job %s:%s", job.Name, job.Text())
		if job.Tuning != nil {
			r.Progress.Printf("engine of job %s: %s\n", job.Name, strings.Join(append([]string{o.String()}, tuneNotes...), ", "))
		}
	}
	if err := r.Prepare(ctx, ses, job); err != nil {
		return nil, err
	}
	reps, err := r.assert(ctx, ses, job)
	if err != nil {
		return reps, err
	}
	writes, err := r.jobWrites(job)
	if err != nil {
		return reps, &JobError{Job: job.Name, What: "incremental state", Pos: job.Pos, Err: err}
	}
	for _, w := range writes {
		r.Progress.Begin(fmt.Sprintf("%s ▸ output %s → %s", job.Name, w.View, w.Dataset))
		or, err := r.write(ctx, ses, w)
		if err != nil {
			r.Progress.End("", err)
			return reps, &JobError{Job: job.Name, What: "output " + w.View, Pos: w.Pos, Err: err}
		}
		or.Name, or.Dataset = w.View, w.Dataset
		detail := fmt.Sprintf("%d rows, %d files, %s", or.Rows, or.Files, FormatBytes(or.Bytes))
		if w.Database != nil { // rows into a server's table: no files of ours
			detail = fmt.Sprintf("%d rows", or.Rows)
		}
		if or.SnapshotID != 0 {
			detail += fmt.Sprintf(", snapshot %d", or.SnapshotID)
		}
		r.Progress.End(detail, nil)
		logger.Debug("output written", "output", w.View, "dataset", w.Dataset, "rows", or.Rows, "files", or.Files, "bytes", or.Bytes, "snapshot", or.SnapshotID)
		reps = append(reps, *or)
	}
	if len(job.Actions) > 0 {
		acts, err := r.runActions(ctx, ses, job)
		for _, a := range acts {
			reps = append(reps, OutputReport{Name: "action " + a.Name, Dataset: a.Table, Duration: a.Duration, Action: &a})
		}
		if err != nil {
			return reps, err
		}
	}
	return reps, nil
}

// Session opens a session on the runner's engine for o.
func (r *Runner) Session(ctx context.Context, o engine.Overrides) (*engine.Session, error) {
	if r.Engines == nil {
		return engine.Open(ctx, engine.Settings{TimeZone: o.TimeZone, Threads: o.Threads, MemoryLimit: o.MemoryLimit,
			TempDir: o.TempDir, MaxOpenFiles: o.MaxOpenFiles})
	}
	return r.Engines.Session(ctx, o)
}

// Prepare defines a job's inputs and steps as views in ses without
// writing anything (also flare sql --manifest).
func (r *Runner) Prepare(ctx context.Context, ses *engine.Session, job *plan.Job) error {
	for _, rd := range job.Reads {
		read := r.read
		if rd.Incremental != nil {
			read = func(ctx context.Context, ses *engine.Session, rd *plan.Read) error {
				return r.readIncremental(ctx, ses, job, rd)
			}
		}
		if err := read(ctx, ses, rd); err != nil {
			return &JobError{Job: job.Name, What: "input " + rd.View, Pos: rd.Pos, Err: err}
		}
	}
	preview := job.Preview
	if r.Preview > 0 {
		preview = r.Preview
	}
	if r.DefineOnly {
		preview = 0
	}
	for _, st := range job.Steps {
		r.Progress.Begin(fmt.Sprintf("%s ▸ step %s", job.Name, st.View))
		if err := r.step(ctx, ses, job, st, preview); err != nil {
			r.Progress.End("", err)
			return err
		}
		r.Progress.End("", nil)
	}
	return nil
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Runner) read(ctx context.Context, ses *engine.Session, rd *plan.Read) error {
	switch {
	case rd.Query != nil:
		if err := r.BindTables(ctx, ses, rd.Query.Tables, nil, lakehouse.ReadOptions{}); err != nil {
			return err
		}
		if err := ses.DefineView(ctx, rd.View, rd.Query.SQL); err != nil {
			return err
		}
	case rd.Table != nil:
		t, err := r.Lakehouses.LoadTable(ctx, rd.Table.Depot, rd.Table.Table)
		if err != nil {
			return err
		}
		var q string
		if rd.Table.Appends != nil {
			q, err = appendedSQL(ctx, t, *rd.Table.Appends)
		} else {
			q, err = t.SelectSQL(ctx, rd.Table.At)
		}
		if err != nil {
			return err
		}
		if err := ses.DefineRelation(ctx, rd.View, q); err != nil {
			return err
		}
	case rd.Database != nil:
		if err := r.readDatabase(ctx, ses, rd); err != nil {
			return err
		}
	case rd.Kafka != nil, rd.File != nil && rd.File.Stream:
		if r.Streams == nil {
			return fmt.Errorf("input %s is a stream: it is read by the stream runner", rd.View)
		}
		if err := r.Streams.Load(ctx, ses, rd); err != nil {
			return err
		}
	case rd.File != nil:
		d, err := r.Config.Depot(rd.File.Depot)
		if err != nil {
			return err
		}
		src := rd.File.Source
		if d.OnObjectStorage() {
			store, err := d.OpenStore(ctx)
			if err != nil {
				return err
			}
			src.Store = store
		}
		// The files are listed again: the compile step saw the folder as it
		// was then, and an earlier job may have written it since.
		if err := plan.CheckFiles(d, src); err != nil {
			return fmt.Errorf("dataset %s: %w", rd.Dataset, err)
		}
		// The notes were printed when the job was compiled.
		if _, err := plan.DefineFile(ctx, ses, rd.View, src); err != nil {
			return err
		}
	default:
		return fmt.Errorf("input %s has nothing to read", rd.View)
	}
	if rd.Cache && !r.DefineOnly {
		return ses.Materialize(ctx, rd.View)
	}
	return nil
}

// BindTables defines each lakehouse table a query reads as a view over its
// current snapshot (or the snapshot at selects), in ses, at the three-part
// name the query uses. With a pruner, each table is bound only to the files
// the query's WHERE can match (flare sql): a view defined over a pruned
// binding would keep reading it, so only a query that runs right away and
// defines nothing may prune.
func (r *Runner) BindTables(ctx context.Context, ses *engine.Session, refs []plan.TableRef, pr *Pruner, at lakehouse.ReadOptions) error {
	for _, ref := range refs {
		t, err := r.Lakehouses.LoadTable(ctx, ref.Depot, ref.Table)
		if err != nil {
			return err
		}
		ro := pr.readOptions(ctx, ses, engine.TableRef{Parts: []string{ref.Depot, ref.Table.Collection, ref.Table.Dataset}}, t.Iceberg().Schema())
		ro.SnapshotID, ro.Branch, ro.Tag, ro.AsOf = at.SnapshotID, at.Branch, at.Tag, at.AsOf
		q, err := t.SelectSQL(ctx, ro)
		if err != nil {
			return fmt.Errorf("read table %s: %w", ref, err)
		}
		if ro.Filter != nil && r.logger().Enabled(ctx, slog.LevelDebug) {
			// How many files the filter pruned (planned again, for the log only).
			hit, err1 := t.PlanFiles(ctx, ro)
			ro.Filter = nil
			all, err2 := t.PlanFiles(ctx, ro)
			if err1 == nil && err2 == nil {
				r.logger().Debug("table files pruned", "table", ref.String(), "files", len(hit), "of", len(all))
			}
		}
		if err := ses.DefineTable(ctx, ref.Depot, ref.Table.Collection, ref.Table.Dataset, q); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) step(ctx context.Context, ses *engine.Session, job *plan.Job, st *plan.Step, preview int) error {
	fail := func(pos spec.Pos, err error) error {
		var se *engine.SQLError
		if errors.As(err, &se) && st.Source != nil {
			pos = st.Source.SQLPos
			if se.Line > 0 {
				pos = st.Source.PosAt(lineOffset(st.Source.SQL, se.Line, se.Col))
			}
			err = errors.New(se.Msg)
		}
		return &JobError{Job: job.Name, What: "step " + st.View, Pos: pos, Err: err}
	}
	if r.DefineOnly {
		if st.Query == nil {
			return nil
		}
		if err := r.BindTables(ctx, ses, st.Query.Tables, nil, lakehouse.ReadOptions{}); err != nil {
			return fail(st.Pos, err)
		}
		if err := r.defineStep(ctx, ses, st); err != nil {
			return fail(st.Pos, err)
		}
		return nil
	}
	switch {
	case st.CacheOnly != "" && st.Uncache:
		r.logger().Debug("uncaching view", "view", st.CacheOnly)
		if err := ses.Unmaterialize(ctx, st.CacheOnly); err != nil {
			return fail(st.Pos, err)
		}
	case st.CacheOnly != "":
		r.logger().Debug("caching view", "view", st.CacheOnly)
		if err := ses.Materialize(ctx, st.CacheOnly); err != nil {
			return fail(st.Pos, err)
		}
	case st.Query != nil:
		if err := r.BindTables(ctx, ses, st.Query.Tables, nil, lakehouse.ReadOptions{}); err != nil {
			return fail(st.Pos, err)
		}
		if err := r.defineStep(ctx, ses, st); err != nil {
			return fail(st.Pos, err)
		}
		if job.Explain {
			if err := r.explain(ctx, ses, st); err != nil {
				return fail(st.Pos, err)
			}
		}
		if preview > 0 {
			res, err := ses.Query(ctx, "SELECT * FROM "+engine.QuoteIdent(st.View), preview)
			if err != nil {
				return fail(st.Pos, err)
			}
			r.Progress.Printf("preview of step %s:\n%s", st.View, render.Table(render.Result{Columns: res.Columns, Types: res.Types, Rows: res.Rows}))
		}
		if st.Cache {
			if err := ses.Materialize(ctx, st.View); err != nil {
				return fail(st.Pos, err)
			}
		}
	}
	for _, c := range st.Commands {
		var err error
		if c.Persist {
			r.logger().Debug("caching view", "view", c.View, "mode", c.Mode)
			err = ses.Materialize(ctx, c.View)
		} else {
			r.logger().Debug("uncaching view", "view", c.View)
			err = ses.Unmaterialize(ctx, c.View)
		}
		if err != nil {
			return fail(c.Pos, err)
		}
	}
	return nil
}

func (r *Runner) write(ctx context.Context, ses *engine.Session, w *plan.Write) (*OutputReport, error) {
	start := time.Now()
	source := engine.QuoteIdent(w.View)
	switch {
	case w.Merge != nil:
		return r.merge(ctx, ses, w, start)
	case w.Database != nil:
		return r.writeDatabase(ctx, ses, w, start)
	case w.Kafka != nil:
		return r.writeKafka(ctx, ses, w, start) // kafka.go
	case w.Table != nil:
		l, _, err := r.Lakehouses.Get(ctx, w.Table.Depot)
		if err != nil {
			return nil, err
		}
		name := w.Table.Spec.Table
		table := w.Table.Depot + "." + name.String()
		if w.Table.IfExists != plan.WriteAnyway {
			_, err := l.LoadTable(ctx, name)
			exists := err == nil
			if err != nil && !errors.Is(err, lakehouse.ErrNoSuchTable) {
				return nil, err
			}
			if exists && w.Table.IfExists == plan.FailIfExists {
				return nil, fmt.Errorf("table %s exists and saveMode is errorifexists", w.Dataset)
			}
			if exists {
				r.logger().Warn("table exists; saveMode ignore skips the write", "dataset", w.Dataset)
				return &OutputReport{Table: table, Duration: time.Since(start)}, nil
			}
		}
		res, err := l.Write(ctx, ses.Conn(), source, w.Table.Spec)
		if err != nil {
			return nil, err
		}
		return &OutputReport{Table: table, Rows: res.Rows, Files: res.Files, Bytes: res.Bytes,
			SnapshotID: res.SnapshotID, Created: res.Created, Duration: time.Since(start)}, nil
	case w.File != nil:
		if len(w.File.Sort) > 0 {
			cols := make([]string, len(w.File.Sort))
			for i, c := range w.File.Sort {
				dir := "ASC"
				if c.Desc {
					dir = "DESC"
				}
				cols[i] = engine.QuoteIdent(c.Column) + " " + dir
			}
			source = "(SELECT * FROM " + source + " ORDER BY " + strings.Join(cols, ", ") + ")"
		}
		sink := w.File.Sink
		if sink.StagingDir == "" {
			sink.StagingDir = ses.TempDir()
		}
		d, err := r.Config.Depot(w.File.Depot)
		if err != nil {
			return nil, err
		}
		if d.OnObjectStorage() {
			store, err := d.OpenStore(ctx)
			if err != nil {
				return nil, err
			}
			sink.Store = store
		}
		res, err := connector.Write(ctx, ses.Conn(), source, sink)
		if err != nil {
			return nil, err
		}
		return &OutputReport{Rows: res.Rows, Files: res.Files, Bytes: res.Bytes, Duration: time.Since(start)}, nil
	}
	return nil, fmt.Errorf("output %s has nothing to write", w.View)
}

// merge runs an output's MERGE INTO (options.iceberg.merge) against its
// table: MERGE INTO <table> old USING <output view> new ON <onClause> WHEN
// <whenClause> (docs/merge.md).
func (r *Runner) merge(ctx context.Context, ses *engine.Session, w *plan.Write, start time.Time) (*OutputReport, error) {
	l, _, err := r.Lakehouses.Get(ctx, w.Merge.Depot)
	if err != nil {
		return nil, err
	}
	table := w.Merge.Depot + "." + w.Merge.Spec.Table.String()
	// The merge runs its conditions on the connection itself.
	if err := ses.Need(ctx, w.Merge.Spec.On+"\n"+lakehouse.MergeClausesSQL(w.Merge.Spec.Clauses)); err != nil {
		return nil, err
	}
	res, err := l.Merge(ctx, ses.Conn(), engine.QuoteIdent(w.View), w.Merge.Spec)
	if err != nil {
		return nil, err
	}
	r.logger().Info("merge", "output", w.View, "table", table, "summary", res.Summary())
	return &OutputReport{Table: table, Rows: res.Updated + res.Inserted + res.Deleted,
		Files: res.FilesAdded, Bytes: res.Bytes, SnapshotID: res.SnapshotID, Duration: time.Since(start),
		Action: &ActionReport{Name: "merge", Table: table, Summary: strings.TrimSpace(res.Summary())}}, nil
}

// lineOffset is the byte offset of 1-based line and column in text.
func lineOffset(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	if col > 1 {
		off += col - 1
	}
	if off > len(text) {
		off = len(text)
	}
	return off
}
