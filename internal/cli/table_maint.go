package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/spec"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// tableMaintCmds returns the table subcommands for maintenance: compact,
// rewrite-manifests, expire-snapshots, remove-orphans — the CLI forms of
// the rewrite_dataset, rewrite_manifest, expire_snapshots and remove_orphans
// actions (docs/maintenance.md). Their flags are the actions' options as
// internal/spec declares them, compiled and run as a manifest's action is.
func (a *app) tableMaintCmds() []*cobra.Command {
	return []*cobra.Command{
		a.maintCmd("rewrite_dataset", &cobra.Command{
			Use:   "compact TABLE",
			Short: "Rewrite small data files into files near the target size (rewrite_dataset)",
			Long: `Compact bin-packs the table's small data files, partition by partition, into
files near the target size (--target-file-size, default the table property
write.target-file-size-bytes or 512 MiB) and commits them in one replace
snapshot. The rows do not change. --where limits it to files holding
matching rows; --strategy sort (with --sort-order or the table's sort order)
sorts the rows while rewriting; --sort-order "zorder(c1, c2)" clusters them by
the z-order of the columns, so that filters on any of them skip files.`,
			Example: "  flare table compact lakehouse.retail.orders\n  flare table compact retail.orders --where \"region = 'EU'\" --dry-run\n  flare table compact retail.orders --strategy sort --sort-order \"ts ASC\" --rewrite-all\n  flare table compact geo.points --strategy zorder --sort-order \"zorder(x, y)\" --rewrite-all",
		}),
		a.maintCmd("rewrite_manifest", &cobra.Command{
			Use:   "rewrite-manifests TABLE",
			Short: "Merge many small manifests into few, grouped by partition (rewrite_manifest)",
			Long: `Rewrite-manifests merges the data manifests of the current snapshot (one per
append, typically) into few manifests, each holding a range of partitions,
in one metadata-only replace snapshot. Scan planning then reads fewer files.`,
			Example: "  flare table rewrite-manifests lakehouse.retail.orders\n  flare table rewrite-manifests retail.orders --dry-run",
		}),
		a.maintCmd("expire_snapshots", &cobra.Command{
			Use:   "expire-snapshots TABLE",
			Short: "Remove old snapshots and the files only they referenced (expire_snapshots)",
			Long: `Expire-snapshots removes snapshots older than --older-than (default: the table
property history.expire.max-snapshot-age-ms, else 5 days), keeping at least
--retain-last snapshots of each branch (default 1), or exactly the snapshots
--snapshot-ids names; then it deletes the data, delete and manifest files
that only the expired snapshots referenced. The current snapshot and every
snapshot a branch or tag points at are never expired.`,
			Example: "  flare table expire-snapshots lakehouse.retail.orders --older-than 7d --retain-last 10\n  flare table expire-snapshots retail.orders --older-than 2024-12-01T00:00:00Z --dry-run",
		}),
		a.maintCmd("remove_orphans", &cobra.Command{
			Use:   "remove-orphans TABLE",
			Short: "Delete files in the table's folder that no metadata references (remove_orphans)",
			Long: `Remove-orphans deletes the files under the table's location that no snapshot or
metadata file of the table references and that are older than --older-than
(default 3 days, so that the staged files of a write in flight are safe). It
never deletes outside the table's location, never follows symlinks and never
touches another table's files, even one nested in this table's folder.`,
			Example: "  flare table remove-orphans lakehouse.retail.orders --dry-run\n  flare table remove-orphans retail.orders --older-than 1d --location data",
		}),
	}
}

// maintCmd completes a maintenance subcommand: its flags come from the
// action's spec, and it runs the compiled action.
func (a *app) maintCmd(action string, cmd *cobra.Command) *cobra.Command {
	var verbose bool
	flags := spec.AddFlags(cmd.Flags(), spec.Actions.Get(action))
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the files and snapshots involved")
	cmd.Args = cobra.ExactArgs(1)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		_, rep, err := a.runTableAction(cmd.Context(), action, args[0], flags, "")
		if err != nil {
			return err
		}
		a.printReport(rep, verbose)
		return nil
	}
	return cmd
}

// printReport prints the summary line, and in a dry run (or with verbose)
// the files and snapshots involved.
func (a *app) printReport(rep workflow.ActionReport, verbose bool) {
	prefix := ""
	if rep.DryRun {
		prefix = "dry run: "
	}
	fmt.Fprintf(a.stdout, "%s %s: %s%s\n", rep.Name, rep.Table, prefix, rep.Summary)
	if mr := rep.Report; mr != nil && (rep.DryRun || verbose) {
		for _, l := range mr.Details() {
			fmt.Fprintf(a.stdout, "  %s\n", l)
		}
	}
}
