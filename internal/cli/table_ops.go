package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// tableOpsCmds returns the table subcommands for row-level operations (delete).
func (a *app) tableOpsCmds() []*cobra.Command {
	return []*cobra.Command{a.tableDeleteCmd()}
}

func (a *app) tableDeleteCmd() *cobra.Command {
	var where string
	var dryRun bool
	var branch string
	cmd := &cobra.Command{
		Use:   "delete TABLE --where PREDICATE",
		Short: "Delete the rows of a table that match a condition",
		Long: `Delete runs DELETE FROM TABLE target WHERE PREDICATE in one atomic commit.
The table's columns are aliased target; the predicate is Flare (Spark) SQL and
may read other lakehouse tables by <depot>.<collection>.<dataset>. Data files
whose rows all match are dropped without a rewrite; partly matching files are
rewritten (or get position delete files when the table property
write.delete.mode is merge-on-read). See docs/delete.md.`,
		Example: `  flare table delete lakehouse.retail.city --where "target.state_code = 'AL'"
  flare table delete retail.city --where "target.population < 1000" --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if where == "" {
				return invalidError{errors.New("--where is required (a condition over the table, aliased target)")}
			}
			ref, err := parseTableRef(args[0])
			if err != nil {
				return invalidError{err}
			}
			pred, err := sparksql.Rewrite(where)
			if err != nil {
				return invalidError{fmt.Errorf("--where: %w", err)}
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ls := workflow.NewLakehouses(cfg, slog.Default())
			defer ls.Close()
			l, _, err := ls.Get(ctx, ref.depot)
			if err != nil {
				return err
			}
			ses, err := engine.Open(ctx, a.engineSettings())
			if err != nil {
				return err
			}
			defer ses.Close()
			if err := workflow.DefineTables(ctx, ses, cfg, ls, "SELECT 1 WHERE "+where); err != nil {
				return err
			}
			// Again on the session: it creates the Spark functions the condition calls.
			if pred, err = ses.Rewrite(ctx, where); err != nil {
				return invalidError{fmt.Errorf("--where: %w", err)}
			}
			res, err := l.Delete(ctx, ses.Conn(), lakehouse.DeleteSpec{Table: ref.name, Where: pred, DryRun: dryRun, Branch: branch})
			if err != nil {
				if errors.Is(err, lakehouse.ErrNoSuchTable) {
					return fmt.Errorf("table %s: %w", ref, err)
				}
				return err
			}
			prefix := ""
			if dryRun {
				prefix = "dry run: "
			}
			fmt.Fprintf(a.stdout, "%s%s: %s\n", prefix, ref, res.Summary())
			if !dryRun && res.Rows > 0 {
				fmt.Fprintf(a.stdout, "snapshot %d\n", res.SnapshotID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&where, "where", "", "the condition rows to delete meet (table aliased target)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report what would be deleted; commit nothing")
	cmd.Flags().StringVar(&branch, "branch", "", "delete from this branch instead of main (created from main when missing)")
	return cmd
}
