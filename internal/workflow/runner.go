package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/render"
)

// Runner runs the jobs of workflows.
type Runner struct {
	Config     *depot.Config
	Lakehouses *Lakehouses
	Engine     engine.Settings
	Progress   *Progress
	Logger     *slog.Logger
	// Preview overrides every job's showPreviewLines when > 0.
	Preview int
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

// Run runs every job in dependency order. A job whose dependency failed is
// skipped; independent jobs still run. The error is non-nil when any job
// failed.
func (r *Runner) Run(ctx context.Context, wf *manifest.Workflow) (*Report, error) {
	if err := Check(wf, r.Config); err != nil {
		return nil, err
	}
	jobs, err := wf.Order()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rep := &Report{Workflow: wf.Name}
	status := map[string]string{}
	var failed []string
	for _, job := range jobs {
		jr := &JobReport{Job: job.Name}
		rep.Jobs = append(rep.Jobs, jr)
		var blocked []string
		for _, d := range job.Dependencies {
			if status[d] != "succeeded" {
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
		outs, err := r.RunJob(ctx, wf, job)
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
	Pos  manifest.Pos
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
func (r *Runner) RunJob(ctx context.Context, wf *manifest.Workflow, job *manifest.Job) ([]OutputReport, error) {
	logger := r.logger().With("job", job.Name)
	if job.Toolbox != nil {
		// Flare's toolbox job (set_version) points a metastore at the latest
		// metadata; the lakehouse catalog always does, so there is nothing to do.
		logger.Info("toolbox job: nothing to do, the catalog always points at the latest metadata")
		return nil, nil
	}
	ses, err := engine.Open(ctx, r.Engine)
	if err != nil {
		return nil, &JobError{Job: job.Name, What: "engine", Pos: job.Pos, Err: err}
	}
	defer ses.Close()
	if err := r.defineInputs(ctx, ses, job); err != nil {
		return nil, err
	}
	if err := r.runSteps(ctx, ses, job); err != nil {
		return nil, err
	}
	var reps []OutputReport
	for _, out := range job.Outputs {
		r.Progress.Begin(fmt.Sprintf("%s ▸ output %s → %s", job.Name, out.Name, out.Dataset))
		or, err := r.writeOutput(ctx, ses, job, out)
		if err != nil {
			r.Progress.End("", err)
			return reps, &JobError{Job: job.Name, What: "output " + out.Name, Pos: out.Pos, Err: err}
		}
		or.Name, or.Dataset = out.Name, strings.SplitN(out.Dataset, "?", 2)[0]
		detail := fmt.Sprintf("%d rows, %d files, %s", or.Rows, or.Files, FormatBytes(or.Bytes))
		if or.SnapshotID != 0 {
			detail += fmt.Sprintf(", snapshot %d", or.SnapshotID)
		}
		r.Progress.End(detail, nil)
		logger.Debug("output written", "output", out.Name, "dataset", out.Dataset, "rows", or.Rows, "files", or.Files, "bytes", or.Bytes, "snapshot", or.SnapshotID)
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

// Prepare defines a job's inputs and steps as views in ses without
// writing anything (flare sql --manifest).
func (r *Runner) Prepare(ctx context.Context, ses *engine.Session, job *manifest.Job) error {
	if err := r.defineInputs(ctx, ses, job); err != nil {
		return err
	}
	return r.runSteps(ctx, ses, job)
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Runner) defineInputs(ctx context.Context, ses *engine.Session, job *manifest.Job) error {
	for _, in := range job.Inputs {
		fail := func(err error) error {
			return &JobError{Job: job.Name, What: "input " + in.Name, Pos: in.Pos, Err: err}
		}
		if in.Query != "" && in.Dataset == "" {
			if err := r.defineTables(ctx, ses, in.Query); err != nil {
				return fail(err)
			}
			if err := ses.DefineView(ctx, in.Name, in.Query); err != nil {
				return fail(err)
			}
			continue
		}
		q, src, err := r.inputSQL(ctx, in)
		if err != nil {
			return fail(err)
		}
		if err := ses.DefineRelation(ctx, in.Name, q); err != nil {
			if src != nil {
				err = connector.ReadError(*src, err)
			}
			return fail(err)
		}
		if src != nil && connector.HeaderlessRename(*src) {
			if err := renameHeaderless(ctx, ses, in.Name, q); err != nil {
				return fail(err)
			}
		}
		if in.Cache {
			if err := ses.Materialize(ctx, in.Name); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

func (r *Runner) source(in *manifest.Input, path string) connector.Source {
	return connector.Source{Path: path, Format: in.Format, Options: in.Options, SchemaString: in.SchemaString}
}

// inputSQL returns the DuckDB query that reads an input's dataset and, for
// a file dataset, the resolved source (for error reports).
func (r *Runner) inputSQL(ctx context.Context, in *manifest.Input) (string, *connector.Source, error) {
	loc, err := r.Config.Resolve(in.Dataset)
	if err != nil {
		return "", nil, err
	}
	switch loc.Depot.Type {
	case depot.Lakehouse:
		if f := strings.ToLower(in.Format); f != "" && f != "iceberg" {
			return "", nil, fmt.Errorf("dataset %s is a lakehouse table: format must be iceberg, not %q", in.Dataset, in.Format)
		}
		t, err := r.loadTable(ctx, loc)
		if err != nil {
			return "", nil, err
		}
		ro, err := readOptions(in.Options)
		if err != nil {
			return "", nil, err
		}
		q, err := t.SelectSQL(ctx, ro)
		return q, nil, err
	case depot.File:
		format := strings.ToLower(in.Format)
		if format == "" || format == "iceberg" && in.Format == "" {
			format = formatFromPath(loc.Path)
		}
		if format == "" {
			return "", nil, fmt.Errorf("dataset %s: say its format (csv, json or parquet)", in.Dataset)
		}
		files, err := connector.Files(loc.Path, format)
		if err != nil {
			return "", nil, fmt.Errorf("dataset %s: %w", in.Dataset, err)
		}
		for _, f := range files {
			if err := loc.Depot.Contains(f); err != nil {
				return "", nil, fmt.Errorf("dataset %s: %w", in.Dataset, err)
			}
		}
		src := r.source(in, loc.Path)
		src.Format = format
		expr, err := connector.ReadSQL(src)
		if err != nil {
			return "", nil, err
		}
		return "SELECT * FROM " + expr, &src, nil
	}
	return "", nil, fmt.Errorf("dataset %s: depot type %s cannot be read", in.Dataset, loc.Depot.Type)
}

func formatFromPath(p string) string {
	switch strings.ToLower(strings.TrimSuffix(filepath.Ext(strings.TrimSuffix(p, ".gz")), "")) {
	case ".csv", ".tsv":
		return connector.CSV
	case ".json", ".jsonl", ".ndjson":
		return connector.JSON
	case ".parquet":
		return connector.Parquet
	}
	return ""
}

// readOptions maps Iceberg read options (branch, tag, snapshot-id,
// as-of-timestamp in ms) to a table read.
func readOptions(opts map[string]string) (lakehouse.ReadOptions, error) {
	var ro lakehouse.ReadOptions
	for k, v := range opts {
		switch strings.ToLower(strings.ReplaceAll(k, "_", "-")) {
		case "branch":
			ro.Branch = v
		case "tag":
			ro.Tag = v
		case "snapshot-id", "snapshotid":
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ro, fmt.Errorf("option snapshot-id: %q is not a snapshot id", v)
			}
			ro.SnapshotID = id
		case "as-of-timestamp", "asoftimestamp":
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ro, fmt.Errorf("option as-of-timestamp: %q is not epoch milliseconds", v)
			}
			ro.AsOf = time.UnixMilli(ms)
		}
	}
	return ro, nil
}

func (r *Runner) loadTable(ctx context.Context, loc *depot.Location) (*lakehouse.Table, error) {
	l, _, err := r.Lakehouses.Get(ctx, loc.Depot.Name)
	if err != nil {
		return nil, err
	}
	t, err := l.LoadTable(ctx, lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", loc.Address, err)
	}
	return t, nil
}

// renameHeaderless renames DuckDB's column0.. to Spark's _c0...
func renameHeaderless(ctx context.Context, ses *engine.Session, name, q string) error {
	cols, _, err := ses.Columns(ctx, engine.QuoteIdent(name))
	if err != nil {
		return err
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = engine.QuoteIdent(c) + " AS " + engine.QuoteIdent("_c"+strconv.Itoa(i))
	}
	return ses.DefineRelation(ctx, name, "SELECT "+strings.Join(sel, ", ")+" FROM ("+q+")")
}

// defineTables makes the lakehouse tables a query names as
// depot.collection.dataset resolvable in the session.
func (r *Runner) defineTables(ctx context.Context, ses *engine.Session, query string) error {
	return defineTables(ctx, ses, r.Config, r.Lakehouses, query, false, lakehouse.ReadOptions{})
}

// DefineTables registers every depot.collection.dataset a query reads as a
// view over the table's current snapshot, reading only the files the
// query's WHERE can match (flare sql). Names that are not lakehouse tables
// are left for the engine to report.
func DefineTables(ctx context.Context, ses *engine.Session, cfg *depot.Config, ls *Lakehouses, query string) error {
	return defineTables(ctx, ses, cfg, ls, query, true, lakehouse.ReadOptions{})
}

// DefineTablesAt is DefineTables with every table read at the snapshot,
// branch, tag or time at selects (time travel in flare sql).
func DefineTablesAt(ctx context.Context, ses *engine.Session, cfg *depot.Config, ls *Lakehouses, query string, at lakehouse.ReadOptions) error {
	return defineTables(ctx, ses, cfg, ls, query, true, at)
}

// defineTables binds the tables a query names; with prune, each table not
// bound yet is bound to the files the query's WHERE can match (prune.go).
// Only a query that runs right away and defines nothing (flare sql) may
// prune: a view defined over a pruned binding would keep reading it.
func defineTables(ctx context.Context, ses *engine.Session, cfg *depot.Config, ls *Lakehouses, query string, prune bool, at lakehouse.ReadOptions) error {
	refs, err := ses.References(ctx, query)
	if err != nil {
		// Syntax errors are reported when the query itself runs.
		return nil
	}
	var pr *pruner
	if prune {
		pr = newPruner(query)
	}
	for _, ref := range refs {
		if len(ref.Parts) != 3 {
			continue
		}
		d, err := cfg.Depot(ref.Parts[0])
		if err != nil || d.Type != depot.Lakehouse {
			continue
		}
		l, _, err := ls.Get(ctx, ref.Parts[0])
		if err != nil {
			return err
		}
		t, err := l.LoadTable(ctx, lakehouse.TableName{Collection: ref.Parts[1], Dataset: ref.Parts[2]})
		if err != nil {
			return fmt.Errorf("table %s: %w", ref, err)
		}
		ro := pr.readOptions(ctx, ses, ref, t.Iceberg().Schema())
		ro.SnapshotID, ro.Branch, ro.Tag, ro.AsOf = at.SnapshotID, at.Branch, at.Tag, at.AsOf
		q, err := t.SelectSQL(ctx, ro)
		if err != nil {
			return fmt.Errorf("read table %s: %w", ref, err)
		}
		if err := ses.DefineTable(ctx, ref.Parts[0], ref.Parts[1], ref.Parts[2], q); err != nil {
			return err
		}
	}
	return nil
}

func (r *Runner) runSteps(ctx context.Context, ses *engine.Session, job *manifest.Job) error {
	preview := job.ShowPreviewLines
	if r.Preview > 0 {
		preview = r.Preview
	}
	for _, st := range job.Steps {
		if st.SQL == "" && len(st.Commands) == 0 {
			continue
		}
		r.Progress.Begin(fmt.Sprintf("%s ▸ step %s", job.Name, st.Name))
		err := r.runStepCached(ctx, ses, job, st, preview) // cache.go: cache table, persist commands
		if err != nil {
			r.Progress.End("", err)
			return err
		}
		r.Progress.End("", nil)
	}
	return nil
}

func (r *Runner) runStep(ctx context.Context, ses *engine.Session, job *manifest.Job, st *manifest.Step, preview int) error {
	fail := func(err error) error {
		pos := st.Pos
		var se *engine.SQLError
		if errors.As(err, &se) {
			pos = st.SQLPos
			if se.Line > 0 {
				pos = st.PosAt(lineOffset(st.SQL, se.Line, se.Col))
				err = errors.New(se.Msg)
			}
		}
		return &JobError{Job: job.Name, What: "step " + st.Name, Pos: pos, Err: err}
	}
	if err := r.defineTables(ctx, ses, st.SQL); err != nil {
		return fail(err)
	}
	if err := ses.DefineView(ctx, st.Name, st.SQL); err != nil {
		return fail(err)
	}
	if job.Explain {
		plan, err := ses.Explain(ctx, "SELECT * FROM "+engine.QuoteIdent(st.Name))
		if err != nil {
			return fail(err)
		}
		r.Progress.Printf("plan of step %s:\n%s\n", st.Name, plan)
	}
	if preview > 0 {
		res, err := ses.Query(ctx, "SELECT * FROM "+engine.QuoteIdent(st.Name), preview)
		if err != nil {
			return fail(err)
		}
		r.Progress.Printf("preview of step %s:\n%s", st.Name, render.Table(render.Result{Columns: res.Columns, Types: res.Types, Rows: res.Rows}))
	}
	if st.Cache {
		if err := ses.Materialize(ctx, st.Name); err != nil {
			return fail(err)
		}
	}
	return nil
}

func (r *Runner) writeOutput(ctx context.Context, ses *engine.Session, job *manifest.Job, out *manifest.Output) (*OutputReport, error) {
	start := time.Now()
	loc, err := r.Config.Resolve(out.Dataset)
	if err != nil {
		return nil, err
	}
	source := engine.QuoteIdent(out.Name)
	format := strings.ToLower(out.Format)
	if out.File != nil && out.File.OutputType != "" {
		format = strings.ToLower(out.File.OutputType)
	}
	switch loc.Depot.Type {
	case depot.Lakehouse:
		if format != "" && format != "iceberg" {
			return nil, fmt.Errorf("dataset %s is in lakehouse depot %q: format must be iceberg, not %q", out.Dataset, loc.Depot.Name, format)
		}
		l, _, err := r.Lakehouses.Get(ctx, loc.Depot.Name)
		if err != nil {
			return nil, err
		}
		name := lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}
		if out.Merge != nil {
			return r.mergeOutput(ctx, ses, l, loc, out, start)
		}
		spec := lakehouse.WriteSpec{
			Table:            name,
			Properties:       out.Properties,
			Title:            out.Title,
			Description:      out.Description,
			Tags:             out.Tags,
			Branch:           out.Branch,
			OverwriteDynamic: out.OverwriteDynamic,
		}
		if len(out.ColumnTags) > 0 {
			tags, err := columnTags(ctx, ses, out)
			if err != nil {
				return nil, err
			}
			spec.ColumnTags = tags
		}
		switch strings.ToLower(out.SaveMode) {
		case "append":
			spec.Mode = lakehouse.Append
		case "", "overwrite":
			spec.Mode = lakehouse.Overwrite
		case "errorifexists", "ignore":
			_, err := l.LoadTable(ctx, name)
			exists := err == nil
			if err != nil && !errors.Is(err, lakehouse.ErrNoSuchTable) {
				return nil, err
			}
			if exists && strings.ToLower(out.SaveMode) == "errorifexists" {
				return nil, fmt.Errorf("table %s exists and saveMode is errorifexists", out.Dataset)
			}
			if exists {
				r.logger().Warn("table exists; saveMode ignore skips the write", "dataset", out.Dataset)
				return &OutputReport{Table: name.String(), Duration: time.Since(start)}, nil
			}
			spec.Mode = lakehouse.Append
		default:
			return nil, fmt.Errorf("saveMode %q is not append, overwrite, errorifexists or ignore", out.SaveMode)
		}
		for _, p := range out.Partition {
			spec.Partition = append(spec.Partition, lakehouse.PartitionField{Type: p.Type, Column: p.Column, Name: p.Name, NumBuckets: p.NumBuckets, Width: p.Width})
		}
		if out.Sort != nil {
			for _, c := range out.Sort.Columns {
				spec.Sort = append(spec.Sort, lakehouse.SortField{Column: c.Name, Desc: strings.EqualFold(c.Order, "desc")})
			}
		}
		res, err := l.Write(ctx, ses.Conn(), source, spec)
		if err != nil {
			return nil, err
		}
		return &OutputReport{Table: loc.Depot.Name + "." + name.String(), Rows: res.Rows, Files: res.Files, Bytes: res.Bytes,
			SnapshotID: res.SnapshotID, Created: res.Created, Duration: time.Since(start)}, nil
	case depot.File:
		if format == "" || format == "iceberg" {
			if f := formatFromPath(loc.Path); f != "" {
				format = f
			} else if format == "iceberg" {
				return nil, fmt.Errorf("dataset %s is in file depot %q: Iceberg tables live in a lakehouse depot; for files say format csv, json or parquet", out.Dataset, loc.Depot.Name)
			} else {
				return nil, fmt.Errorf("dataset %s: say its format (csv, json or parquet)", out.Dataset)
			}
		}
		mode := out.SaveMode
		if out.File != nil && out.File.SaveMode != "" {
			mode = out.File.SaveMode
		}
		var partBy []string
		for _, p := range out.Partition {
			partBy = append(partBy, p.Column)
		}
		if out.Sort != nil && len(out.Sort.Columns) > 0 {
			var cols []string
			for _, c := range out.Sort.Columns {
				cols = append(cols, engine.QuoteIdent(c.Name)+" "+strings.ToUpper(orDefault(c.Order, "asc")))
			}
			source = "(SELECT * FROM " + source + " ORDER BY " + strings.Join(cols, ", ") + ")"
		}
		res, err := connector.Write(ctx, ses.Conn(), source, connector.Sink{Path: loc.Path, Format: format, Mode: mode, Compression: out.CompressionType, PartitionBy: partBy})
		if err != nil {
			return nil, err
		}
		return &OutputReport{Rows: res.Rows, Files: res.Files, Bytes: res.Bytes, Duration: time.Since(start)}, nil
	}
	return nil, fmt.Errorf("dataset %s: depot type %s cannot be written", out.Dataset, loc.Depot.Type)
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

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
