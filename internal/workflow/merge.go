package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// mergeOutput runs an output's MERGE INTO (options.iceberg.merge) against
// its table (issue: table operations, MERGE INTO).
func (r *Runner) mergeOutput(ctx context.Context, ses *engine.Session, l *lakehouse.Lakehouse, loc *depot.Location, out *manifest.Output, start time.Time) (*OutputReport, error) {
	return nil, errors.New("MERGE INTO is not available yet")
}
