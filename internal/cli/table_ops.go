package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/spec"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// tableOpsCmds returns the table subcommands for row-level operations (delete).
func (a *app) tableOpsCmds() []*cobra.Command {
	return []*cobra.Command{a.tableDeleteCmd()}
}

// runTableAction compiles a maintenance action on the table a command names
// (its options from the flags, as spec declares them) and runs it as a
// manifest's action runs.
func (a *app) runTableAction(ctx context.Context, name, table string, flags *spec.Flags, deleteWhere string) (*plan.Action, workflow.ActionReport, error) {
	var rep workflow.ActionReport
	ref, err := parseTableRef(table)
	if err != nil {
		return nil, rep, invalidError{err}
	}
	opts, err := flags.Values()
	if err != nil {
		return nil, rep, invalidError{err}
	}
	cfg, err := a.config()
	if err != nil {
		return nil, rep, err
	}
	if _, err := a.engines(cfg); err != nil {
		return nil, rep, err
	}
	ls := catalog.NewLakehouses(cfg, slog.Default())
	defer ls.Close()
	target := plan.TableRef{Depot: ref.depot, Table: ref.name}
	act, err := plan.CompileAction(ctx, a.planEnv(cfg, ls), name, target, opts, deleteWhere)
	if err != nil {
		return nil, rep, invalidError{err}
	}
	ses, err := a.session(ctx, cfg)
	if err != nil {
		return nil, rep, err
	}
	defer ses.Close()
	r := &workflow.Runner{Config: cfg, Lakehouses: ls, Engines: a.pool, Progress: workflow.NewProgress(nil, false), Logger: slog.Default()}
	rep, err = r.RunAction(ctx, ses, act)
	if err != nil {
		if errors.Is(err, lakehouse.ErrNoSuchTable) {
			return nil, rep, fmt.Errorf("table %s: %w", ref, err)
		}
		return nil, rep, err
	}
	return act, rep, nil
}

func (a *app) tableDeleteCmd() *cobra.Command {
	var where string
	var flags *spec.Flags
	cmd := &cobra.Command{
		Use:   "delete TABLE --where PREDICATE",
		Short: "Delete the rows of a table that match a condition (delete_from_dataset)",
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
			if where == "" {
				return invalidError{errors.New("--where is required (a condition over the table, aliased target)")}
			}
			act, rep, err := a.runTableAction(cmd.Context(), "delete_from_dataset", args[0], flags, where)
			if err != nil {
				return err
			}
			prefix := ""
			if act.DryRun {
				prefix = "dry run: "
			}
			fmt.Fprintf(a.stdout, "%s%s: %s\n", prefix, act.Target, rep.Summary)
			if res := rep.Delete; !act.DryRun && res != nil && res.Rows > 0 {
				fmt.Fprintf(a.stdout, "snapshot %d\n", res.SnapshotID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&where, "where", "", "the condition rows to delete meet (table aliased target)")
	flags = spec.AddFlags(cmd.Flags(), spec.DeleteFromDataset)
	return cmd
}
