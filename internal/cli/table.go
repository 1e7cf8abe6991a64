package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

func (a *app) tableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "table",
		Short: "Inspect lakehouse tables: list, describe, snapshots, files",
		Long: `Table commands read Iceberg metadata through the catalog. A table is named
<depot>.<collection>.<dataset> (lakehouse.retail.city), <collection>.<dataset>
(in the depot named "lakehouse"), or by its dataos:// address.`,
	}
	cmd.AddCommand(a.tableListCmd(), a.tableDescribeCmd(), a.tableSnapshotsCmd(), a.tableFilesCmd())
	cmd.AddCommand(a.tableOpsCmds()...)   // table_ops.go: delete
	cmd.AddCommand(a.tableRefCmds()...)   // table_refs.go: branch, tag, publish
	cmd.AddCommand(a.tableMaintCmds()...) // table_maint.go: compact, rewrite-manifests, expire-snapshots, remove-orphans
	cmd.AddCommand(a.tableMetaCmds()...)  // table_meta.go: partition, tag, untag
	mergeTagCmds(cmd)                     // table_meta.go: snapshot tags and column tags share "tag"
	return cmd
}

type tableRef struct {
	depot string
	name  lakehouse.TableName
}

func (r tableRef) String() string { return r.depot + "." + r.name.String() }

func parseTableRef(s string) (tableRef, error) {
	if strings.HasPrefix(s, "dataos://") {
		a, err := depot.ParseAddress(s)
		if err != nil {
			return tableRef{}, err
		}
		return tableRef{depot: a.Depot, name: lakehouse.TableName{Collection: a.Collection, Dataset: a.Dataset}}, nil
	}
	parts := strings.Split(s, ".")
	switch len(parts) {
	case 2:
		return tableRef{depot: depot.DefaultName, name: lakehouse.TableName{Collection: parts[0], Dataset: parts[1]}}, nil
	case 3:
		return tableRef{depot: parts[0], name: lakehouse.TableName{Collection: parts[1], Dataset: parts[2]}}, nil
	}
	return tableRef{}, fmt.Errorf("table %q: expected <depot>.<collection>.<dataset> or a dataos:// address", s)
}

// withLakehouse opens the lakehouse of the table a command names.
func (a *app) withLakehouse(ctx context.Context, name string, fn func(*lakehouse.Lakehouse, tableRef) error) error {
	ref, err := parseTableRef(name)
	if err != nil {
		return invalidError{err}
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	ls := catalog.NewLakehouses(cfg, slog.Default())
	defer ls.Close()
	l, _, err := ls.Get(ctx, ref.depot)
	if err != nil {
		return err
	}
	return fn(l, ref)
}

// withTable opens the table a command names.
func (a *app) withTable(ctx context.Context, name string, fn func(*lakehouse.Table, tableRef) error) error {
	return a.withLakehouse(ctx, name, func(l *lakehouse.Lakehouse, ref tableRef) error {
		t, err := l.LoadTable(ctx, ref.name)
		if err != nil {
			return fmt.Errorf("table %s: %w", ref, err)
		}
		return fn(t, ref)
	})
}

func (a *app) tableListCmd() *cobra.Command {
	var depotName, tag string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the tables of every lakehouse depot (or one)",
		Example: "  flare table list\n  flare table list --depot lakehouse",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ls := catalog.NewLakehouses(cfg, slog.Default())
			defer ls.Close()
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			if tag != "" {
				fmt.Fprintln(tw, "TABLE\tCOLUMN\tTAGS") // table_meta.go: writeTagged
			} else {
				fmt.Fprintln(tw, "TABLE\tSNAPSHOTS\tLAST COMMIT\tTITLE")
			}
			for _, d := range cfg.Depots() {
				if d.Type != depot.Lakehouse || (depotName != "" && depotName != d.Name && !contains(d.Aliases, depotName)) {
					continue
				}
				l, _, err := ls.Get(ctx, d.Name)
				if err != nil {
					return err
				}
				names, err := l.Tables(ctx)
				if err != nil {
					return fmt.Errorf("list tables of depot %s: %w", d.Name, err)
				}
				sort.Slice(names, func(i, j int) bool { return names[i].String() < names[j].String() })
				for _, n := range names {
					t, err := l.LoadTable(ctx, n)
					if err != nil {
						return err
					}
					if tag != "" {
						if err := writeTagged(tw, d.Name, t, tag); err != nil {
							return err
						}
						continue
					}
					snaps := t.Snapshots()
					last := "-"
					if len(snaps) > 0 {
						last = snaps[len(snaps)-1].Time.Local().Format(time.DateTime)
					}
					fmt.Fprintf(tw, "%s.%s\t%d\t%s\t%s\n", d.Name, n, len(snaps), last, t.Describe().Title)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&depotName, "depot", "", "only this lakehouse depot")
	cmd.Flags().StringVar(&tag, "tag", "", "list the tables and columns that carry this tag (e.g. PII)")
	return cmd
}

func (a *app) tableDescribeCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "describe TABLE",
		Short:   "Show a table's schema, partition spec, sort order, properties and tags",
		Example: "  flare table describe lakehouse.retail.city\n  flare table describe retail.city --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTable(cmd.Context(), args[0], func(t *lakehouse.Table, ref tableRef) error {
				info := t.Describe()
				colTags, err := t.ColumnTags() // column tags: docs/column-tags.md
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(a.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(struct {
						lakehouse.TableInfo
						ColumnTags map[string][]string `json:",omitempty"`
					}{info, colTags})
				}
				w := a.stdout
				fmt.Fprintf(w, "Table:       %s\n", ref)
				fmt.Fprintf(w, "Location:    %s\n", info.Location)
				if info.Title != "" {
					fmt.Fprintf(w, "Title:       %s\n", info.Title)
				}
				if info.Description != "" {
					fmt.Fprintf(w, "Description: %s\n", info.Description)
				}
				if len(info.Tags) > 0 {
					fmt.Fprintf(w, "Tags:        %s\n", strings.Join(info.Tags, ", "))
				}
				fmt.Fprintf(w, "Snapshot:    %d\n\nSchema:\n", info.CurrentSnapshotID)
				tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "  ID\tCOLUMN\tTYPE\tNULLABLE\tDOC\tTAGS")
				for _, c := range info.Schema {
					fmt.Fprintf(tw, "  %d\t%s\t%s\t%v\t%s\t%s\n", c.ID, c.Name, c.Type, !c.Required, c.Doc, strings.Join(colTags[c.Name], ", "))
				}
				tw.Flush()
				fmt.Fprintln(w, "\nPartition spec:")
				if len(info.Partition) == 0 {
					fmt.Fprintln(w, "  (unpartitioned)")
				}
				for _, p := range info.Partition {
					fmt.Fprintf(w, "  %s\n", partitionText(p))
				}
				if len(info.SortOrder) > 0 {
					fmt.Fprintln(w, "\nSort order:")
					for _, s := range info.SortOrder {
						fmt.Fprintf(w, "  %s\n", sortText(s))
					}
				}
				fmt.Fprintln(w, "\nProperties:")
				keys := make([]string, 0, len(info.Properties))
				for k := range info.Properties {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(w, "  %s = %s\n", k, info.Properties[k])
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) tableSnapshotsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "snapshots TABLE",
		Short:   "List a table's snapshots, oldest first",
		Example: "  flare table snapshots lakehouse.retail.city",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTable(cmd.Context(), args[0], func(t *lakehouse.Table, ref tableRef) error {
				tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "SNAPSHOT\tPARENT\tCOMMITTED\tOPERATION\tADDED ROWS\tTOTAL ROWS\tADDED FILES\tTOTAL FILES")
				for _, s := range t.Snapshots() {
					parent := "-"
					if s.ParentID != 0 {
						parent = fmt.Sprint(s.ParentID)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, parent, s.Time.Local().Format("2006-01-02 15:04:05.000"), s.Operation,
						dash(s.Summary["added-records"]), dash(s.Summary["total-records"]), dash(s.Summary["added-data-files"]), dash(s.Summary["total-data-files"]))
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) tableFilesCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "files TABLE",
		Short:   "List the data files of a table's current snapshot",
		Example: "  flare table files lakehouse.retail.city",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTable(cmd.Context(), args[0], func(t *lakehouse.Table, ref tableRef) error {
				files, err := t.Files(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "FILE\tPARTITION\tROWS\tBYTES")
				var rows, bytes int64
				for _, f := range files {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", f.Path, dash(f.Partition), f.Records, workflow.FormatBytes(f.Bytes))
					rows += f.Records
					bytes += f.Bytes
				}
				tw.Flush()
				fmt.Fprintf(a.stdout, "%d files, %d rows, %s\n", len(files), rows, workflow.FormatBytes(bytes))
				return nil
			})
		},
	}
}

func partitionText(p lakehouse.PartitionFieldInfo) string {
	return fmt.Sprintf("%s(%s) AS %s", p.Transform, p.SourceColumn, p.Name)
}

func sortText(s lakehouse.SortFieldInfo) string {
	dir := "ASC"
	if s.Desc {
		dir = "DESC"
	}
	col := s.Column
	if s.Transform != "" && s.Transform != "identity" {
		col = s.Transform + "(" + col + ")"
	}
	return col + " " + dir + " " + strings.ToUpper(strings.ReplaceAll(s.NullOrder, "-", " "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
