package workflow

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/flare-lakehouse/flare/internal/database"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// databaseConfig resolves a database depot, reading its password from the
// environment variable or file the depot names. Secrets are never part of
// a plan: they are read when the job runs.
func (r *Runner) databaseConfig(name string) (database.Config, error) {
	d, err := r.Config.Depot(name)
	if err != nil {
		return database.Config{}, err
	}
	return database.FromDepot(d, os.LookupEnv)
}

// readDatabase reads an input of a database depot into a temporary table
// of the job's session (dropped when the session closes) and defines the
// input's view over it, so that the rows are read once whatever the steps
// do with them. With DefineOnly the view is a typed relation without rows.
func (r *Runner) readDatabase(ctx context.Context, ses *engine.Session, rd *plan.Read) error {
	if r.DefineOnly {
		return ses.DefineRelation(ctx, rd.View, plan.EmptyRelation(rd.Columns))
	}
	cfg, err := r.databaseConfig(rd.Database.Depot)
	if err != nil {
		return err
	}
	table := "__flare_db_" + rd.View
	r.Progress.Begin(fmt.Sprintf("input %s ← %s", rd.View, rd.Dataset))
	res, err := database.Read(ctx, cfg, rd.Database.Options, ses.Conn(), table)
	if err != nil {
		r.Progress.End("", err)
		return err
	}
	ses.AtClose(func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS temp.main."+engine.QuoteIdent(table))
		return err
	})
	detail := fmt.Sprintf("%d rows", res.Rows)
	if res.Partitions > 1 {
		detail += fmt.Sprintf(" in %d ranges", res.Partitions)
	}
	r.Progress.End(detail, nil)
	r.logger().Debug("input read", "input", rd.View, "dataset", rd.Dataset, "rows", res.Rows, "partitions", res.Partitions)
	return ses.DefineRelation(ctx, rd.View, "SELECT * FROM temp.main."+engine.QuoteIdent(table))
}

// writeDatabase writes an output's view into its database table in one
// transaction (package database): a failure leaves the table as it was.
func (r *Runner) writeDatabase(ctx context.Context, ses *engine.Session, w *plan.Write, start time.Time) (*OutputReport, error) {
	cfg, err := r.databaseConfig(w.Database.Depot)
	if err != nil {
		return nil, err
	}
	res, err := database.Write(ctx, ses.Conn(), w.View, cfg, w.Database.Options)
	if err != nil {
		return nil, err
	}
	table := w.Database.Depot + "." + w.Database.Options.Table.String()
	if res.Skipped {
		r.logger().Warn("table exists; saveMode ignore skips the write", "dataset", w.Dataset)
	}
	return &OutputReport{Table: table, Rows: res.Rows, Created: res.Created, Duration: time.Since(start)}, nil
}
