package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// ActionReport says what one maintenance action did.
type ActionReport struct {
	Name     string
	Table    string
	DryRun   bool
	Summary  string // one line: files and bytes before/after, snapshots or files removed
	Duration time.Duration
	// Report is the maintenance report (nil for a delete) and Delete the
	// delete's result, for details.
	Report *maintenance.Report     `json:"-"`
	Delete *lakehouse.DeleteResult `json:"-"`
}

// runActions runs a job's actions in order, each on its table.
func (r *Runner) runActions(ctx context.Context, ses *engine.Session, job *plan.Job) ([]ActionReport, error) {
	var reps []ActionReport
	for _, a := range job.Actions {
		r.Progress.Begin(fmt.Sprintf("%s ▸ action %s", job.Name, a.Name))
		rep, err := r.RunAction(ctx, ses, a)
		if err != nil {
			r.Progress.End("", err)
			return reps, &JobError{Job: job.Name, What: "action " + a.Name, Pos: a.Pos, Err: err}
		}
		prefix := ""
		if a.DryRun {
			prefix = "dry run: "
		}
		r.Progress.End(prefix+rep.Summary, nil)
		reps = append(reps, rep)
	}
	return reps, nil
}

// RunAction runs one compiled action on its table in ses (whose views a
// delete condition may read). The `flare table` maintenance commands run
// their actions through it too.
func (r *Runner) RunAction(ctx context.Context, ses *engine.Session, a *plan.Action) (ActionReport, error) {
	start := time.Now()
	l, _, err := r.Lakehouses.Get(ctx, a.Target.Depot)
	if err != nil {
		return ActionReport{}, fmt.Errorf("action %s needs an Iceberg table: %w", a.Name, err)
	}
	t, err := l.LoadTable(ctx, a.Target.Table)
	if err != nil {
		return ActionReport{}, fmt.Errorf("table %s: %w", a.Target, err)
	}
	rep := ActionReport{Name: a.Name, Table: a.Target.String(), DryRun: a.DryRun}
	var mr *maintenance.Report
	switch {
	case a.Compact != nil:
		if err := ses.Need(ctx, a.Compact.Where); err != nil {
			return rep, err
		}
		mr, err = maintenance.Compact(ctx, l, ses.Conn(), t, *a.Compact)
	case a.Manifests != nil:
		mr, err = maintenance.RewriteManifests(ctx, t, *a.Manifests)
	case a.Expire != nil:
		opt := *a.Expire
		if a.Age != nil {
			opt.OlderThan = start.Add(-*a.Age).UTC()
		}
		mr, err = maintenance.ExpireSnapshots(ctx, l, t, opt)
	case a.Orphans != nil:
		opt := *a.Orphans
		if a.Age != nil {
			opt.OlderThan = start.Add(-*a.Age).UTC()
		}
		mr, err = maintenance.RemoveOrphans(ctx, l, t, opt)
	case a.Delete != nil:
		if err := r.BindTables(ctx, ses, a.Tables, nil, lakehouse.ReadOptions{}); err != nil {
			return rep, err
		}
		if err := ses.Need(ctx, a.Delete.Where); err != nil {
			return rep, err
		}
		res, err := l.Delete(ctx, ses.Conn(), lakehouse.DeleteSpec{Table: a.Target.Table, Where: a.Delete.Where, DryRun: a.DryRun, Branch: a.Delete.Branch})
		if err != nil {
			return rep, err
		}
		rep.Summary, rep.Duration = res.Summary(), time.Since(start)
		rep.Delete = res
		return rep, nil
	default:
		return rep, fmt.Errorf("action %s has nothing to do", a.Name)
	}
	if err != nil {
		return rep, err
	}
	line := *mr
	line.Duration = 0
	rep.Summary, rep.Duration, rep.Report = line.Summary(), time.Since(start), mr
	return rep, nil
}
