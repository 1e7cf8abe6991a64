package workflow

import (
	"context"
	"errors"
)

// The maintenance actions (issue: table maintenance).

func rewriteDataset(ctx context.Context, env *actionEnv) (ActionReport, error) {
	return ActionReport{}, errors.New("rewrite_dataset is not available yet")
}

func rewriteManifest(ctx context.Context, env *actionEnv) (ActionReport, error) {
	return ActionReport{}, errors.New("rewrite_manifest is not available yet")
}

func expireSnapshots(ctx context.Context, env *actionEnv) (ActionReport, error) {
	return ActionReport{}, errors.New("expire_snapshots is not available yet")
}

func removeOrphans(ctx context.Context, env *actionEnv) (ActionReport, error) {
	return ActionReport{}, errors.New("remove_orphans is not available yet")
}
