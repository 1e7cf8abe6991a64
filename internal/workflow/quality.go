package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/quality"
)

// defineStep defines a step's view: its SQL, and for a step with functions
// its SQL as the chain's input view and the chain over it as the step's
// view. A chain the plan could not finish (a pivot without values) is
// finished here, which reads the distinct values of the pivot's column, also
// under DefineOnly.
func (r *Runner) defineStep(ctx context.Context, ses *engine.Session, st *plan.Step) error {
	if st.Functions == nil {
		return ses.DefineView(ctx, st.View, st.Query.SQL)
	}
	fn := st.Functions
	if err := ses.DefineView(ctx, fn.Input, st.Query.SQL); err != nil {
		return err
	}
	// Installed functions belong to the engine's database; Install looks
	// them up first (one catalog query) and creates them once per engine.
	if err := functions.Install(ctx, ses.Conn()); err != nil {
		return err
	}
	q, err := fn.Finish(ctx, ses.Conn())
	if err != nil {
		return fmt.Errorf("functions: %v", err)
	}
	if err := ses.DefineView(ctx, st.View, q); err != nil {
		// The chain's SQL is ours, not the manifest's: its positions mean
		// nothing to the user.
		return fmt.Errorf("functions %s: %s", strings.Join(fn.Names, ", "), engine.AsSQLError(err).Msg)
	}
	return nil
}

// assert evaluates a job's assertions (docs/quality.md): each suite in
// plan order, its table of results printed, and the results of all of them
// appended to the job's quality tables (one write to each) whether checks
// failed or not. A failed check fails the job before any of its outputs is
// written.
func (r *Runner) assert(ctx context.Context, ses *engine.Session, job *plan.Job) ([]OutputReport, error) {
	if len(job.Assertions) == 0 {
		return nil, nil
	}
	if job.QualityResults == nil {
		return nil, &JobError{Job: job.Name, What: "assertions", Pos: job.Pos, Err: errors.New("the plan has assertions but no tables for their results")}
	}
	if r.runID == "" {
		r.runID = uuid.NewString()
	}
	var reps []OutputReport
	var checks []quality.CheckRow
	var metrics []quality.MetricRow
	var failed []error
	var runErr error
	for _, a := range job.Assertions {
		label := "assertions on input " + a.View
		switch {
		case a.Output != "":
			label = "assertions on output " + a.Output
		case a.View == "":
			label = "assertions on " + a.Dataset
		}
		start := time.Now()
		r.Progress.Begin(fmt.Sprintf("%s ▸ %s", job.Name, label))
		res, err := r.evaluate(ctx, ses, a)
		if err != nil {
			r.Progress.End("", err)
			runErr = &JobError{Job: job.Name, What: label, Pos: a.Pos, Err: err}
			break
		}
		n, bad := len(res.Checks), res.Failed()
		summary := fmt.Sprintf("%d of %d checks passed", n-bad, n)
		if bad > 0 {
			summary = fmt.Sprintf("%d of %d checks FAILED", bad, n)
			r.Progress.End("", errors.New(summary))
			failed = append(failed, &JobError{Job: job.Name, What: label, Pos: a.Pos, Err: res.Err()})
		} else {
			r.Progress.End(summary, nil)
		}
		r.Progress.Printf("%s\n", res.Table())
		c, m := res.Rows(quality.Run{ID: r.runID, Workflow: job.QualityResults.Workflow, Job: job.Name, Time: start})
		checks, metrics = append(checks, c...), append(metrics, m...)
		reps = append(reps, OutputReport{Name: label, Dataset: a.Dataset, Duration: time.Since(start),
			Action: &ActionReport{Name: "assertions", Table: a.Dataset, Summary: summary}})
	}
	if len(checks) > 0 || len(metrics) > 0 {
		rr, err := r.recordQuality(ctx, ses, job, checks, metrics)
		reps = append(reps, rr...)
		if err != nil {
			return reps, errors.Join(runErr, err)
		}
	}
	if runErr != nil {
		return reps, runErr
	}
	return reps, errors.Join(failed...)
}

// evaluate runs one suite of assertions.
func (r *Runner) evaluate(ctx context.Context, ses *engine.Session, a *plan.Assertions) (*quality.Result, error) {
	if err := r.BindTables(ctx, ses, a.Tables, nil, lakehouse.ReadOptions{}); err != nil {
		return nil, err
	}
	return a.Suite.Evaluate(ctx, ses.Conn())
}

// recordQuality appends the rows of checks and metrics to the job's
// quality tables: one write each.
func (r *Runner) recordQuality(ctx context.Context, ses *engine.Session, job *plan.Job, checks []quality.CheckRow, metrics []quality.MetricRow) ([]OutputReport, error) {
	qr := job.QualityResults
	var reps []OutputReport
	for _, t := range []struct {
		ref   plan.TableRef
		view  string
		query string
		doc   string
	}{
		{qr.Checks, "__flare_quality_checks", quality.ChecksQuery(checks), "Flare data-quality checks: one row per test and run (docs/quality.md)."},
		{qr.Metrics, "__flare_quality_metrics", quality.MetricsQuery(metrics), "Flare data-quality metrics: one row per measured value and run (docs/quality.md)."},
	} {
		start := time.Now()
		r.Progress.Begin(fmt.Sprintf("%s ▸ quality results → %s", job.Name, t.ref))
		rep, err := r.appendRows(ctx, ses, t.ref, t.view, t.query, t.doc)
		if err != nil {
			r.Progress.End("", err)
			return reps, &JobError{Job: job.Name, What: "quality results " + t.ref.String(), Pos: job.Pos, Err: err}
		}
		rep.Duration = time.Since(start)
		r.Progress.End(fmt.Sprintf("%d rows, snapshot %d", rep.Rows, rep.SnapshotID), nil)
		reps = append(reps, *rep)
	}
	return reps, nil
}

func (r *Runner) appendRows(ctx context.Context, ses *engine.Session, ref plan.TableRef, view, query, doc string) (*OutputReport, error) {
	if err := ses.DefineRelation(ctx, view, query); err != nil {
		return nil, err
	}
	l, _, err := r.Lakehouses.Get(ctx, ref.Depot)
	if err != nil {
		return nil, err
	}
	res, err := l.Write(ctx, ses.Conn(), engine.QuoteIdent(view), lakehouse.WriteSpec{Table: ref.Table, Mode: lakehouse.Append, Description: doc})
	if err != nil {
		return nil, err
	}
	return &OutputReport{Name: "quality results", Dataset: ref.String(), Table: ref.String(), Rows: res.Rows, Files: res.Files,
		Bytes: res.Bytes, SnapshotID: res.SnapshotID, Created: res.Created}, nil
}
