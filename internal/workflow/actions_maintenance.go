package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// The maintenance actions (issue: table maintenance); the work is done by
// internal/maintenance.

func rewriteDataset(ctx context.Context, env *actionEnv) (ActionReport, error) {
	opt, err := maintenance.CompactOptionsFrom(env.action.Options, env.action.Properties)
	if err != nil {
		return ActionReport{}, err
	}
	opt.DryRun = env.action.DryRun
	if opt.Where != "" { // Spark SQL, as every SQL of a manifest
		if opt.Where, err = env.ses.Rewrite(ctx, opt.Where); err != nil {
			return ActionReport{}, fmt.Errorf("where: %w", err)
		}
	}
	rep, err := maintenance.Compact(ctx, env.lake, env.ses.Conn(), env.table, opt)
	return actionReport(rep, err)
}

func rewriteManifest(ctx context.Context, env *actionEnv) (ActionReport, error) {
	opt, err := maintenance.ManifestOptionsFrom(env.action.Options)
	if err != nil {
		return ActionReport{}, err
	}
	opt.DryRun = env.action.DryRun
	rep, err := maintenance.RewriteManifests(ctx, env.table, opt)
	return actionReport(rep, err)
}

func expireSnapshots(ctx context.Context, env *actionEnv) (ActionReport, error) {
	opt, err := maintenance.ExpireOptionsFrom(env.action.Options, time.Now())
	if err != nil {
		return ActionReport{}, err
	}
	opt.DryRun = env.action.DryRun
	rep, err := maintenance.ExpireSnapshots(ctx, env.lake, env.table, opt)
	return actionReport(rep, err)
}

func removeOrphans(ctx context.Context, env *actionEnv) (ActionReport, error) {
	opt, err := maintenance.OrphanOptionsFrom(env.action.Options, time.Now())
	if err != nil {
		return ActionReport{}, err
	}
	opt.DryRun = env.action.DryRun
	rep, err := maintenance.RemoveOrphans(ctx, env.lake, env.table, opt)
	return actionReport(rep, err)
}

// actionReport turns a maintenance report into the runner's one-line
// report (the runner prints the time taken itself).
func actionReport(rep *maintenance.Report, err error) (ActionReport, error) {
	if err != nil {
		return ActionReport{}, err
	}
	line := *rep
	line.Duration = 0
	return ActionReport{Summary: line.Summary(), Duration: rep.Duration}, nil
}
