package workflow

import (
	"context"
	"fmt"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// deleteFromDataset runs delete_from_dataset: DELETE FROM <table> target
// WHERE <deleteWhere>. The predicate is Spark SQL and may use sub-queries
// over the job's inputs and steps (docs/delete.md).
func deleteFromDataset(ctx context.Context, env *actionEnv) (ActionReport, error) {
	pred, err := env.ses.Rewrite(ctx, env.action.DeleteWhere)
	if err != nil {
		return ActionReport{}, fmt.Errorf("deleteWhere: %w", err)
	}
	// A sub-query may read other lakehouse tables by three-part name.
	if err := env.defineTables(ctx, "SELECT 1 WHERE "+pred); err != nil {
		return ActionReport{}, fmt.Errorf("deleteWhere: %w", err)
	}
	res, err := env.lake.Delete(ctx, env.ses.Conn(), lakehouse.DeleteSpec{Table: env.table.Name(), Where: pred, DryRun: env.action.DryRun})
	if err != nil {
		return ActionReport{}, err
	}
	return ActionReport{Summary: res.Summary()}, nil
}
