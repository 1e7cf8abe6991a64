package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// tableMaintCmds returns the table subcommands for maintenance commands:
// compact, rewrite-manifests, expire-snapshots, remove-orphans (the CLI forms
// of the rewrite_dataset, rewrite_manifest, expire_snapshots and
// remove_orphans actions; see docs/maintenance.md).
func (a *app) tableMaintCmds() []*cobra.Command {
	return []*cobra.Command{a.compactCmd(), a.rewriteManifestsCmd(), a.expireSnapshotsCmd(), a.removeOrphansCmd()}
}

// withMaintTable opens the lakehouse and the table a maintenance command names.
func (a *app) withMaintTable(ctx context.Context, name string, fn func(*lakehouse.Lakehouse, *lakehouse.Table) error) error {
	return a.withLakehouse(ctx, name, func(l *lakehouse.Lakehouse, ref tableRef) error {
		t, err := l.LoadTable(ctx, ref.name)
		if err != nil {
			return fmt.Errorf("table %s: %w", ref, err)
		}
		return fn(l, t)
	})
}

// printReport prints the summary line, and in a dry run (or with verbose)
// the files and snapshots involved.
func (a *app) printReport(rep *maintenance.Report, verbose bool) {
	prefix := ""
	if rep.DryRun {
		prefix = "dry run: "
	}
	fmt.Fprintf(a.stdout, "%s %s: %s%s\n", rep.Action, rep.Table, prefix, rep.Summary())
	if rep.DryRun || verbose {
		for _, l := range rep.Details() {
			fmt.Fprintf(a.stdout, "  %s\n", l)
		}
	}
}

func (a *app) compactCmd() *cobra.Command {
	var (
		target, strategy, sortOrder, where, deleteRatio string
		rewriteAll, dryRun, verbose                     bool
		minInput, deleteFiles                           int
	)
	cmd := &cobra.Command{
		Use:   "compact TABLE",
		Short: "Rewrite small data files into files near the target size (rewrite_dataset)",
		Long: `Compact bin-packs the table's small data files, partition by partition, into
files near the target size (--target-file-size, default the table property
write.target-file-size-bytes or 512 MiB) and commits them in one replace
snapshot. The rows do not change. --where limits it to files holding
matching rows; --strategy sort (with --sort-order or the table's sort order)
sorts the rows while rewriting.`,
		Example: "  flare table compact lakehouse.retail.orders\n  flare table compact retail.orders --where \"region = 'EU'\" --dry-run\n  flare table compact retail.orders --strategy sort --sort-order \"ts ASC\" --rewrite-all",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := map[string]string{"strategy": strategy, "sortOrder": sortOrder, "where": where}
			props := map[string]string{}
			if target != "" {
				props["target-file-size-bytes"] = target
			}
			if rewriteAll {
				props["rewrite-all"] = "true"
			}
			if minInput > 0 {
				props["min-input-files"] = strconv.Itoa(minInput)
			}
			if deleteFiles > 0 {
				props["delete-file-threshold"] = strconv.Itoa(deleteFiles)
			}
			if deleteRatio != "" {
				props["delete-ratio-threshold"] = deleteRatio
			}
			opt, err := maintenance.CompactOptionsFrom(opts, props)
			if err != nil {
				return invalidError{err}
			}
			opt.DryRun = dryRun
			ctx := cmd.Context()
			return a.withMaintTable(ctx, args[0], func(l *lakehouse.Lakehouse, t *lakehouse.Table) error {
				ses, err := engine.Open(ctx, a.engineSettings())
				if err != nil {
					return err
				}
				defer ses.Close()
				if opt.Where != "" { // Spark SQL
					if opt.Where, err = ses.Rewrite(ctx, opt.Where); err != nil {
						return invalidError{fmt.Errorf("--where: %w", err)}
					}
				}
				rep, err := maintenance.Compact(ctx, l, ses.Conn(), t, opt)
				if err != nil {
					return err
				}
				a.printReport(rep, verbose)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&target, "target-file-size", "", "target data file size in bytes (default: table property or 536870912)")
	f.StringVar(&strategy, "strategy", "", "binpack (default) or sort")
	f.StringVar(&sortOrder, "sort-order", "", `sort while rewriting: "col [ASC|DESC] [NULLS FIRST|LAST], ..."`)
	f.StringVar(&where, "where", "", "only files holding rows matching this SQL condition")
	f.BoolVar(&rewriteAll, "rewrite-all", false, "rewrite every selected file, whatever its size")
	f.IntVar(&minInput, "min-input-files", 0, "fewest small files of a partition worth rewriting (default 5)")
	f.IntVar(&deleteFiles, "delete-file-threshold", 0, "also rewrite any data file with at least N position delete files (default off)")
	f.StringVar(&deleteRatio, "delete-ratio-threshold", "", "also rewrite any data file whose deletes remove this fraction of its rows (default 0.3)")
	f.BoolVar(&dryRun, "dry-run", false, "list what would be rewritten; change nothing")
	f.BoolVarP(&verbose, "verbose", "v", false, "list the rewritten files")
	return cmd
}

func (a *app) rewriteManifestsCmd() *cobra.Command {
	var (
		specID          int
		dryRun, verbose bool
	)
	cmd := &cobra.Command{
		Use:   "rewrite-manifests TABLE",
		Short: "Merge many small manifests into few, grouped by partition (rewrite_manifest)",
		Long: `Rewrite-manifests merges the data manifests of the current snapshot (one per
append, typically) into few manifests, each holding a range of partitions,
in one metadata-only replace snapshot. Scan planning then reads fewer files.`,
		Example: "  flare table rewrite-manifests lakehouse.retail.orders\n  flare table rewrite-manifests retail.orders --dry-run",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := map[string]string{}
			if cmd.Flags().Changed("spec-id") {
				opts["specId"] = strconv.Itoa(specID)
			}
			opt, err := maintenance.ManifestOptionsFrom(opts)
			if err != nil {
				return invalidError{err}
			}
			opt.DryRun = dryRun
			return a.withMaintTable(cmd.Context(), args[0], func(_ *lakehouse.Lakehouse, t *lakehouse.Table) error {
				rep, err := maintenance.RewriteManifests(cmd.Context(), t, opt)
				if err != nil {
					return err
				}
				a.printReport(rep, verbose)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&specID, "spec-id", 0, "only manifests of this partition spec")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list the manifests that would be merged; change nothing")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list the merged manifests")
	return cmd
}

func (a *app) expireSnapshotsCmd() *cobra.Command {
	var (
		olderThan, ids  string
		retainLast      int
		dryRun, verbose bool
	)
	cmd := &cobra.Command{
		Use:   "expire-snapshots TABLE",
		Short: "Remove old snapshots and the files only they referenced (expire_snapshots)",
		Long: `Expire-snapshots removes snapshots older than --older-than (default: the table
property history.expire.max-snapshot-age-ms, else 5 days), keeping at least
--retain-last snapshots of each branch (default 1), or exactly the snapshots
--snapshot-ids names; then it deletes the data, delete and manifest files
that only the expired snapshots referenced. The current snapshot and every
snapshot a branch or tag points at are never expired.`,
		Example: "  flare table expire-snapshots lakehouse.retail.orders --older-than 7d --retain-last 10\n  flare table expire-snapshots retail.orders --older-than 2024-12-01T00:00:00Z --dry-run",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := map[string]string{"expireOlderThan": olderThan, "snapshotIds": ids}
			if retainLast != 0 {
				opts["retainLast"] = strconv.Itoa(retainLast)
			}
			opt, err := maintenance.ExpireOptionsFrom(opts, time.Now())
			if err != nil {
				return invalidError{err}
			}
			opt.DryRun = dryRun
			return a.withMaintTable(cmd.Context(), args[0], func(l *lakehouse.Lakehouse, t *lakehouse.Table) error {
				rep, err := maintenance.ExpireSnapshots(cmd.Context(), l, t, opt)
				if err != nil {
					return err
				}
				a.printReport(rep, verbose)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&olderThan, "older-than", "", "expire snapshots older than this: epoch ms, a timestamp, or a duration (7d, 36h)")
	f.IntVar(&retainLast, "retain-last", 0, "keep at least this many snapshots per branch (default 1)")
	f.StringVar(&ids, "snapshot-ids", "", "expire exactly these snapshots (comma-separated ids)")
	f.BoolVar(&dryRun, "dry-run", false, "list the snapshots and files that would go; change nothing")
	f.BoolVarP(&verbose, "verbose", "v", false, "list the expired snapshots and deleted files")
	return cmd
}

func (a *app) removeOrphansCmd() *cobra.Command {
	var (
		olderThan, location string
		dryRun, verbose     bool
	)
	cmd := &cobra.Command{
		Use:   "remove-orphans TABLE",
		Short: "Delete files in the table's folder that no metadata references (remove_orphans)",
		Long: `Remove-orphans deletes the files under the table's location that no snapshot or
metadata file of the table references and that are older than --older-than
(default 3 days, so that the staged files of a write in flight are safe). It
never deletes outside the table's location, never follows symlinks and never
touches another table's files, even one nested in this table's folder.`,
		Example: "  flare table remove-orphans lakehouse.retail.orders --dry-run\n  flare table remove-orphans retail.orders --older-than 1d --location data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt, err := maintenance.OrphanOptionsFrom(map[string]string{"olderThan": olderThan, "location": location}, time.Now())
			if err != nil {
				return invalidError{err}
			}
			opt.DryRun = dryRun
			return a.withMaintTable(cmd.Context(), args[0], func(l *lakehouse.Lakehouse, t *lakehouse.Table) error {
				rep, err := maintenance.RemoveOrphans(cmd.Context(), l, t, opt)
				if err != nil {
					return err
				}
				a.printReport(rep, verbose)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&olderThan, "older-than", "", "only files older than this: epoch (10 digits s, 13 ms), a timestamp, or a duration (default 3d)")
	f.StringVar(&location, "location", "", "only this folder inside the table's location")
	f.BoolVar(&dryRun, "dry-run", false, "list the orphan files; delete nothing")
	f.BoolVarP(&verbose, "verbose", "v", false, "list the deleted files")
	return cmd
}
