package workflow

import (
	"context"
	"errors"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// columnTags resolves an output's columnTags (names, lists, regexes) against
// the columns of its view (issue: table maintenance and metadata, column tags).
func columnTags(ctx context.Context, ses *engine.Session, out *manifest.Output) (map[string][]string, error) {
	return nil, errors.New("column tags are not available yet")
}
