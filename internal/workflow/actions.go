package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// ActionReport says what one maintenance action did.
type ActionReport struct {
	Name     string
	Table    string
	DryRun   bool
	Summary  string // one line: files and bytes before/after, snapshots or files removed
	Duration time.Duration
}

// actionEnv is what an action runs against: the job's engine session (its
// inputs and steps are views), the action's table and the manifest entry.
type actionEnv struct {
	ses    *engine.Session
	lake   *lakehouse.Lakehouse
	table  *lakehouse.Table
	depot  string
	action *manifest.Action
	job    *manifest.Job
	// defineTables binds the lakehouse tables a SQL text names as
	// depot.collection.dataset in ses, for predicates that read them.
	defineTables func(ctx context.Context, sqlText string) error
}

// runActions runs a job's actions in order, each on the lakehouse table
// its input names.
func (r *Runner) runActions(ctx context.Context, ses *engine.Session, job *manifest.Job) ([]ActionReport, error) {
	var reps []ActionReport
	for _, a := range job.Actions {
		label := fmt.Sprintf("%s ▸ action %s", job.Name, a.Name)
		r.Progress.Begin(label)
		start := time.Now()
		env, err := r.actionEnv(ctx, ses, job, a)
		var rep ActionReport
		if err == nil {
			rep, err = runAction(ctx, env)
		}
		if err != nil {
			r.Progress.End("", err)
			return reps, &JobError{Job: job.Name, What: "action " + a.Name, Pos: a.Pos, Err: err}
		}
		rep.Name, rep.DryRun, rep.Duration = a.Name, a.DryRun, time.Since(start)
		if rep.Table == "" {
			rep.Table = env.depot + "." + env.table.Name().String()
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

func (r *Runner) actionEnv(ctx context.Context, ses *engine.Session, job *manifest.Job, a *manifest.Action) (*actionEnv, error) {
	var in *manifest.Input
	for _, i := range job.Inputs {
		if i.Name == a.Input {
			in = i
		}
	}
	if in == nil {
		return nil, fmt.Errorf("action input %q is not an input of job %s", a.Input, job.Name)
	}
	loc, err := r.Config.Resolve(in.Dataset)
	if err != nil {
		return nil, err
	}
	l, d, err := r.Lakehouses.Get(ctx, loc.Depot.Name)
	if err != nil {
		return nil, fmt.Errorf("action %s needs an Iceberg table: %w", a.Name, err)
	}
	t, err := l.LoadTable(ctx, lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", loc.Address, err)
	}
	return &actionEnv{ses: ses, lake: l, table: t, depot: d.Name, action: a, job: job,
		defineTables: func(ctx context.Context, q string) error { return r.defineTables(ctx, ses, q) }}, nil
}

// runAction dispatches on the action's name; manifest validation has
// already refused unknown names.
func runAction(ctx context.Context, env *actionEnv) (ActionReport, error) {
	switch env.action.Name {
	case "delete_from_dataset":
		return deleteFromDataset(ctx, env)
	case "rewrite_dataset":
		return rewriteDataset(ctx, env)
	case "rewrite_manifest":
		return rewriteManifest(ctx, env)
	case "expire_snapshots":
		return expireSnapshots(ctx, env)
	case "remove_orphans":
		return removeOrphans(ctx, env)
	}
	return ActionReport{}, fmt.Errorf("unknown action %q", env.action.Name)
}
