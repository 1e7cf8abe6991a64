package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// tableMetaCmds returns the table subcommands for partition evolution and column tags.
func (a *app) tableMetaCmds() []*cobra.Command {
	return []*cobra.Command{a.tablePartitionCmd(), a.tableTagCmd(), a.tableUntagCmd()}
}

// metaLakehouse opens the lakehouse of the table a command names.
func (a *app) metaLakehouse(cmd *cobra.Command, name string, fn func(*lakehouse.Lakehouse, tableRef) error) error {
	return a.withLakehouse(cmd.Context(), name, fn)
}

func (a *app) tablePartitionCmd() *cobra.Command {
	var set, add, drop []string
	var unpartition bool
	cmd := &cobra.Command{
		Use:   "partition TABLE [--set FIELDS | --add FIELDS | --drop FIELD | --unpartitioned]",
		Short: "Show or change a table's partition spec (partition evolution)",
		Long: `Partition shows a table's partition specs: the current one and the earlier
ones that live data files still use, with their file counts.

With a flag it changes the spec in one metadata-only commit: existing files keep
the spec they were written with, new writes use the new one, and queries prune
files under every spec. Fields are transform(column) [AS name]: identity(col)
or col, year(col), month(col), day(col), hour(col), bucket(N, col),
truncate(W, col). See docs/partitioning.md.

  --set    the whole new spec: fields not listed are dropped, new ones added
  --add    add fields
  --drop   drop fields, by partition field name (ts_day) or expression (day(ts))`,
		Example: `  flare table partition lakehouse.retail.events
  flare table partition lakehouse.retail.events --set "day(ts), identity(state)"
  flare table partition retail.events --add "bucket(16, customer_id)"
  flare table partition retail.events --drop ts_month
  flare table partition retail.events --unpartitioned`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch lakehouse.PartitionChange
			parse := func(flag string, vals []string) ([]lakehouse.PartitionField, error) {
				var out []lakehouse.PartitionField
				for _, v := range vals {
					ps, err := lakehouse.ParsePartitionFields(v)
					if err != nil {
						return nil, invalidError{fmt.Errorf("--%s: %w", flag, err)}
					}
					out = append(out, ps...)
				}
				return out, nil
			}
			var err error
			if ch.Set, err = parse("set", set); err != nil {
				return err
			}
			if ch.Add, err = parse("add", add); err != nil {
				return err
			}
			for _, d := range drop {
				for _, f := range strings.Split(d, ",") {
					if f = strings.TrimSpace(f); f != "" {
						ch.Drop = append(ch.Drop, f)
					}
				}
			}
			ch.Unpartition = unpartition
			if (len(ch.Set) > 0 || unpartition) && (len(ch.Add) > 0 || len(ch.Drop) > 0) || len(ch.Set) > 0 && unpartition {
				return invalidError{fmt.Errorf("use --set or --unpartitioned alone, or --add and --drop")}
			}
			if len(ch.Set)+len(ch.Add)+len(ch.Drop) == 0 && !unpartition {
				return a.withTable(cmd.Context(), args[0], func(t *lakehouse.Table, ref tableRef) error {
					specs, err := t.PartitionSpecs(cmd.Context())
					if err != nil {
						return err
					}
					for _, s := range specs {
						mark := " "
						if s.Current {
							mark = "*"
						}
						fmt.Fprintf(a.stdout, "%s spec %d: %s (%d data files)\n", mark, s.ID, specFieldsText(s.Fields), s.Files)
					}
					return nil
				})
			}
			return a.metaLakehouse(cmd, args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				res, err := l.EvolvePartition(cmd.Context(), ref.name, ch)
				if err != nil {
					return err
				}
				if !res.Changed {
					fmt.Fprintf(a.stdout, "table %s already has partition spec %s; nothing changed\n", ref, specFieldsText(res.After))
					return nil
				}
				fmt.Fprintf(a.stdout, "table %s: partition spec %s -> %s (spec %d, metadata only, %s)\n",
					ref, specFieldsText(res.Before), specFieldsText(res.After), res.SpecID, res.Duration.Round(1e6))
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&set, "set", nil, `the whole new spec, e.g. "day(ts), identity(state)"`)
	cmd.Flags().StringArrayVar(&add, "add", nil, `fields to add, e.g. "bucket(16, id)"`)
	cmd.Flags().StringArrayVar(&drop, "drop", nil, "fields to drop, by name (ts_month) or expression (month(ts))")
	cmd.Flags().BoolVar(&unpartition, "unpartitioned", false, "drop every partition field")
	return cmd
}

func specFieldsText(fields []lakehouse.PartitionFieldInfo) string {
	if len(fields) == 0 {
		return "(unpartitioned)"
	}
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = partitionText(f)
	}
	return strings.Join(parts, ", ")
}

func (a *app) tableTagCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tag TABLE COLUMN TAG...",
		Short: "Add tags to a column (kept in the table's metadata)",
		Long: `Tag adds tags to a column. Tags are a case-sensitive set of any strings
(PII, PII.Email, Tier.Gold). They live in the table property flare.column-tags
by Iceberg field id, so they follow renames and any Iceberg reader sees them.
See docs/column-tags.md.`,
		Example: "  flare table tag lakehouse.retail.customers email PII PII.Email",
		Args:    cobra.MinimumNArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.metaLakehouse(cmd, args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				tags, err := l.TagColumn(cmd.Context(), ref.name, args[1], args[2:]...)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s column %s: %s\n", ref, args[1], strings.Join(tags, ", "))
				return nil
			})
		},
	}
}

func (a *app) tableUntagCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "untag TABLE COLUMN [TAG...]",
		Short:   "Remove tags from a column (all of them when no tag is given)",
		Example: "  flare table untag lakehouse.retail.customers email PII\n  flare table untag lakehouse.retail.customers email",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.metaLakehouse(cmd, args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				tags, err := l.UntagColumn(cmd.Context(), ref.name, args[1], args[2:]...)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s column %s: %s\n", ref, args[1], dash(strings.Join(tags, ", ")))
				return nil
			})
		},
	}
}

// writeTagged prints the columns of a table that carry tag (flare table list
// --tag), and the table itself ("-" for the column) when its dataset-level
// tags hold it.
func writeTagged(w io.Writer, depotName string, t *lakehouse.Table, tag string) error {
	if slices.Contains(t.Describe().Tags, tag) {
		fmt.Fprintf(w, "%s.%s\t-\t%s\n", depotName, t.Name(), strings.Join(t.Describe().Tags, ", "))
	}
	tags, err := t.ColumnTags()
	if err != nil {
		return err
	}
	for _, c := range t.Describe().Schema {
		if slices.Contains(tags[c.Name], tag) {
			fmt.Fprintf(w, "%s.%s\t%s\t%s\n", depotName, t.Name(), c.Name, strings.Join(tags[c.Name], ", "))
		}
	}
	return nil
}

// mergeTagCmds resolves the two commands named "tag" under table: the
// snapshot-tag group (table_refs.go: tag create|list|drop) and column tagging
// (tag TABLE COLUMN TAG...). The group keeps its subcommands and runs column
// tagging when its first argument is a table (table names always hold a
// dot, subcommand names never do).
func mergeTagCmds(table *cobra.Command) {
	var group, column *cobra.Command
	for _, c := range table.Commands() {
		if c.Name() != "tag" {
			continue
		}
		if c.HasSubCommands() {
			group = c
		} else {
			column = c
		}
	}
	if group == nil || column == nil {
		return
	}
	table.RemoveCommand(column)
	group.Args = column.Args
	group.RunE = column.RunE
	group.Use = "tag [create|list|drop] ... | tag TABLE COLUMN TAG..."
	group.Short += "; or tag a column"
	group.Long += "\n\nWith a table, a column and tags, it adds the tags to the column instead:\n" + column.Long
	group.Example = strings.TrimPrefix(group.Example+"\n"+column.Example, "\n")
}
