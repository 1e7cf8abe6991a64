package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// tableRefCmds returns the table subcommands for branches, tags and publishing.
func (a *app) tableRefCmds() []*cobra.Command {
	return []*cobra.Command{a.refCmd(lakehouse.Branch), a.refCmd(lakehouse.Tag), a.publishCmd()}
}

func (a *app) refCmd(kind lakehouse.RefKind) *cobra.Command {
	k := string(kind)
	plural := k + "s"
	if kind == lakehouse.Branch {
		plural = k + "es"
	}
	cmd := &cobra.Command{
		Use:   k,
		Short: fmt.Sprintf("Create, list and drop a table's %s", plural),
		Long: fmt.Sprintf(`A %s names a snapshot of an Iceberg table. Read it with the input option
%s: <name> or "flare sql --%s <name>"; see docs/branches.md.`, k, k, k),
	}
	var snapshot int64
	create := &cobra.Command{
		Use:     "create TABLE NAME",
		Short:   fmt.Sprintf("Create a %s at main's current snapshot (or --snapshot)", k),
		Example: fmt.Sprintf("  flare table %s create lakehouse.retail.city audit", k),
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLakehouse(cmd.Context(), args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				var r lakehouse.RefInfo
				var err error
				if kind == lakehouse.Branch {
					r, err = l.CreateBranch(cmd.Context(), ref.name, args[1], snapshot)
				} else {
					r, err = l.CreateTag(cmd.Context(), ref.name, args[1], snapshot)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "created %s %s of %s at snapshot %d\n", k, r.Name, ref, r.SnapshotID)
				return nil
			})
		},
	}
	create.Flags().Int64Var(&snapshot, "snapshot", 0, "snapshot id to point at (default: main's current snapshot)")
	list := &cobra.Command{
		Use:     "list TABLE",
		Short:   fmt.Sprintf("List a table's %s", plural),
		Example: fmt.Sprintf("  flare table %s list lakehouse.retail.city", k),
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withTable(cmd.Context(), args[0], func(t *lakehouse.Table, ref tableRef) error {
				tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tSNAPSHOT\tCOMMITTED")
				for _, r := range t.Refs() {
					if r.Kind != kind {
						continue
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Name, r.SnapshotID, r.Time.Local().Format("2006-01-02 15:04:05.000"))
				}
				return tw.Flush()
			})
		},
	}
	drop := &cobra.Command{
		Use:     "drop TABLE NAME",
		Short:   fmt.Sprintf("Drop a %s (its snapshots stay until they expire)", k),
		Example: fmt.Sprintf("  flare table %s drop lakehouse.retail.city audit", k),
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLakehouse(cmd.Context(), args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				if err := l.DropRef(cmd.Context(), ref.name, args[1], kind); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "dropped %s %s of %s\n", k, args[1], ref)
				return nil
			})
		},
	}
	cmd.AddCommand(create, list, drop)
	return cmd
}

func (a *app) publishCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "publish TABLE BRANCH",
		Short: "Fast-forward main to a branch (write-audit-publish)",
		Long: `Publish moves main to the head of BRANCH in one catalog commit. It refuses
when main has moved on since the branch was created (main's head is not an
ancestor of the branch head); --force replaces main with the branch anyway.`,
		Example: "  flare table publish lakehouse.retail.city audit",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withLakehouse(cmd.Context(), args[0], func(l *lakehouse.Lakehouse, ref tableRef) error {
				res, err := l.Publish(cmd.Context(), ref.name, args[1], force)
				if err != nil {
					return err
				}
				switch {
				case res.From == res.To:
					fmt.Fprintf(a.stdout, "main of %s is already at branch %s (snapshot %d)\n", ref, res.Branch, res.To)
				case res.FastForward:
					fmt.Fprintf(a.stdout, "published branch %s of %s: main %d -> %d (fast-forward)\n", res.Branch, ref, res.From, res.To)
				default:
					fmt.Fprintf(a.stdout, "published branch %s of %s: main %d -> %d (forced: main's commits since the branch left main)\n", res.Branch, ref, res.From, res.To)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "publish even when main has moved on since the branch was created")
	return cmd
}

// timeTravel holds flare sql's snapshot selection flags.
type timeTravel struct {
	branch, tag, asOf string
	snapshot          int64
}

func (tt *timeTravel) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&tt.branch, "branch", "", "read lakehouse tables at the head of this branch")
	cmd.Flags().StringVar(&tt.tag, "tag", "", "read lakehouse tables at this tag")
	cmd.Flags().Int64Var(&tt.snapshot, "snapshot", 0, "read lakehouse tables at this snapshot id")
	cmd.Flags().StringVar(&tt.asOf, "as-of", "", "read lakehouse tables as of a time: RFC 3339, '2006-01-02 15:04:05' (UTC) or epoch milliseconds")
}

func (tt *timeTravel) set() bool {
	return tt.branch != "" || tt.tag != "" || tt.snapshot != 0 || tt.asOf != ""
}

// readOptions turns the flags into a table read.
func (tt *timeTravel) readOptions() (lakehouse.ReadOptions, error) {
	ro := lakehouse.ReadOptions{Branch: tt.branch, Tag: tt.tag, SnapshotID: tt.snapshot}
	if tt.asOf != "" {
		t, err := parseAsOf(tt.asOf)
		if err != nil {
			return ro, invalidError{err}
		}
		ro.AsOf = t
	}
	n := 0
	for _, on := range []bool{ro.Branch != "", ro.Tag != "", ro.SnapshotID != 0, !ro.AsOf.IsZero()} {
		if on {
			n++
		}
	}
	if n > 1 {
		return ro, invalidError{fmt.Errorf("give at most one of --branch, --tag, --snapshot and --as-of")}
	}
	return ro, nil
}

func parseAsOf(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--as-of %q: want RFC 3339 (2024-05-01T12:00:00Z), '2024-05-01 12:00:00' (UTC) or epoch milliseconds", s)
}
