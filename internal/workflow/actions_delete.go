package workflow

import (
	"context"
	"errors"
)

// deleteFromDataset runs delete_from_dataset (issue: table operations).
func deleteFromDataset(ctx context.Context, env *actionEnv) (ActionReport, error) {
	return ActionReport{}, errors.New("delete_from_dataset is not available yet")
}
