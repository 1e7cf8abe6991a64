package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// mergeOutput runs an output's MERGE INTO (options.iceberg.merge) against
// its table: MERGE INTO <table> old USING <output step> new ON <onClause>
// WHEN <whenClause> (docs/merge.md). The table must exist; saveMode does
// not apply (the manifest warns when one is given). With a branch option
// it merges into that branch (created from main when missing).
func (r *Runner) mergeOutput(ctx context.Context, ses *engine.Session, l *lakehouse.Lakehouse, loc *depot.Location, out *manifest.Output, start time.Time) (*OutputReport, error) {
	on, err := ses.Rewrite(ctx, out.Merge.OnClause)
	if err != nil {
		return nil, fmt.Errorf("merge onClause: %w", err)
	}
	when, err := ses.Rewrite(ctx, out.Merge.WhenClause)
	if err != nil {
		return nil, fmt.Errorf("merge whenClause: %w", err)
	}
	name := lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}
	res, err := l.Merge(ctx, ses.Conn(), engine.QuoteIdent(out.Name), lakehouse.MergeSpec{Table: name, On: on, When: when, Branch: out.Branch})
	if err != nil {
		return nil, err
	}
	r.logger().Info("merge", "output", out.Name, "table", loc.Depot.Name+"."+name.String(), "summary", res.Summary())
	return &OutputReport{Table: loc.Depot.Name + "." + name.String(), Rows: res.Updated + res.Inserted + res.Deleted,
		Files: res.FilesAdded, Bytes: res.Bytes, SnapshotID: res.SnapshotID, Duration: time.Since(start),
		Action: &ActionReport{Name: "merge", Table: loc.Depot.Name + "." + name.String(), Summary: strings.TrimSpace(res.Summary())}}, nil
}
