package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// flare state: the saved keys of incremental jobs (docs/incremental.md).

func (a *app) stateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Show or change the saved state of incremental jobs",
		Long: `An incremental job saves the values its state names after each successful run, in
the snapshot summary of the commit that writes its rows to each of its Iceberg
outputs. state show prints them and where they live; state set and state reset
change them (a backfill, a re-run from an earlier point) with a snapshot that
changes no data in every Iceberg output of the job.`,
		Example: `  flare state show examples/incremental/orders.yaml
  flare state set examples/incremental/orders.yaml start='2020-01-01 00:00:00' --dry-run
  flare state reset examples/incremental/orders.yaml --job order-incremental`,
	}
	cmd.AddCommand(a.stateShowCmd(), a.stateSetCmd(false), a.stateSetCmd(true))
	return cmd
}

func (a *app) stateShowCmd() *cobra.Command {
	var vars, jobs []string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show MANIFEST",
		Short: "Print each saved key of the manifest's incremental jobs and the table and snapshot that hold it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.compileManifest(ctx, args[0], vars, jobs)
			if err != nil {
				return err
			}
			defer c.Close()
			r := a.runner(c, 0)
			var all []workflow.StateEntry
			for _, j := range c.plan.Jobs {
				if !j.Incremental() {
					continue
				}
				entries, err := r.JobStateEntries(ctx, j)
				if err != nil {
					return err
				}
				all = append(all, entries...)
			}
			if len(all) == 0 {
				return invalidError{fmt.Errorf("%s has no incremental input that saves state", args[0])}
			}
			if asJSON {
				type row struct {
					Job, Input, Key, Value, Table string
					Branch                        string `json:",omitempty"`
					Snapshot                      int64  `json:",omitempty"`
					TableMissing                  bool   `json:",omitempty"`
				}
				rows := make([]row, len(all))
				for i, e := range all {
					rows[i] = row{Job: e.Job, Input: e.Input, Key: e.Key, Value: e.Value, Table: e.Table.TableRef.String(), Branch: e.Table.Branch,
						Snapshot: e.SnapshotID, TableMissing: e.Missing}
				}
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "JOB\tINPUT\tKEY\tVALUE\tTABLE\tSNAPSHOT")
			for _, e := range all {
				val, snap := workflow.StateDisplay(e.Value), fmt.Sprint(e.SnapshotID)
				switch {
				case e.Missing:
					val, snap = "(table not created yet)", "-"
				case val == "":
					val, snap = "(not saved: its SQL runs)", "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Job, e.Input, e.Key, val, tableText(e.Table), snap)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a manifest variable ${name} (repeatable): --var name=value")
	cmd.Flags().StringSliceVar(&jobs, "job", nil, "only these jobs")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON (values as saved)")
	return cmd
}

func tableText(t plan.StateTable) string {
	s := t.TableRef.String()
	if t.Branch != "" && t.Branch != "main" {
		s += "@" + t.Branch
	}
	return s
}

func (a *app) stateSetCmd(reset bool) *cobra.Command {
	var vars []string
	var job, input string
	var dryRun bool
	use, short, long := "set MANIFEST KEY=VALUE...", "Save values of an incremental job's keys (the next run starts from them)",
		`set saves each KEY=VALUE (KEY is a key its state saves, or input/key when the
job has several incremental inputs) in every Iceberg output of the job, with a
snapshot that changes no data. The next run uses the value in place of the
key's SQL. --dry-run prints what would change.`
	if reset {
		use, short, long = "reset MANIFEST [KEY...]", "Forget saved values of an incremental job's keys (the next run evaluates their SQL)",
			`reset forgets the saved values of the named keys (all the job's saved keys when
none is named) in every Iceberg output of the job, with a snapshot that changes
no data: the next run evaluates the keys' SQL, as the first run did. The rows
already written stay. --dry-run prints what would change.`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.compileManifest(ctx, args[0], vars, nil)
			if err != nil {
				return err
			}
			defer c.Close()
			j, err := incrementalJob(c.plan, job)
			if err != nil {
				return invalidError{err}
			}
			values := map[string]string{}
			keys := args[1:]
			if reset && len(keys) == 0 {
				for _, rd := range j.Reads {
					if rd.Incremental == nil || (input != "" && rd.View != input) {
						continue
					}
					for _, s := range rd.Incremental.Save {
						values[rd.Incremental.Prefix+s.Key] = ""
					}
				}
			}
			if !reset && len(keys) == 0 {
				return invalidError{fmt.Errorf("state set: give KEY=VALUE (see flare state set --help)")}
			}
			for _, arg := range keys {
				k, v := arg, ""
				if !reset {
					var ok bool
					if k, v, ok = strings.Cut(arg, "="); !ok {
						return invalidError{fmt.Errorf("state set: %q: expected KEY=VALUE", arg)}
					}
				}
				full, err := stateKey(j, input, k)
				if err != nil {
					return invalidError{err}
				}
				values[full] = v
			}
			ses, err := a.pool.Session(ctx, j.Overrides())
			if err != nil {
				return err
			}
			defer ses.Close()
			r := a.runner(c, 0)
			changes, err := r.SetState(ctx, ses, j, values, dryRun)
			if err != nil {
				return err
			}
			sort.SliceStable(changes, func(i, k int) bool { return changes[i].Key < changes[k].Key })
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "JOB\tKEY\tOLD\tNEW\tTABLE\tSNAPSHOT")
			for _, ch := range changes {
				snap := fmt.Sprint(ch.SnapshotID)
				if dryRun {
					snap = "(dry run)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, strings.TrimPrefix(ch.Key, plan.JobStatePrefix(j.Name)), orNone(workflow.StateDisplay(ch.Old)), orNone(workflow.StateDisplay(ch.New)), tableText(ch.Table), snap)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a manifest variable ${name} (repeatable): --var name=value")
	cmd.Flags().StringVar(&job, "job", "", "the job (needed when several jobs are incremental)")
	cmd.Flags().StringVar(&input, "input", "", "the incremental input (needed when the job has several)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would change, write nothing")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// incrementalJob finds the job state set/reset changes.
func incrementalJob(p *plan.Plan, name string) (*plan.Job, error) {
	var names []string
	for _, j := range p.Jobs {
		if !j.Incremental() {
			continue
		}
		if name != "" && j.Name == name {
			return j, nil
		}
		names = append(names, j.Name)
	}
	switch {
	case name != "":
		if len(names) == 0 {
			names = []string{"none"}
		}
		return nil, fmt.Errorf("--job %s: no incremental job of that name (incremental jobs: %s)", name, strings.Join(names, ", "))
	case len(names) == 0:
		return nil, fmt.Errorf("the manifest has no incremental job")
	case len(names) > 1:
		return nil, fmt.Errorf("the manifest has several incremental jobs (%s): say which with --job", strings.Join(names, ", "))
	}
	for _, j := range p.Jobs {
		if j.Name == names[0] {
			return j, nil
		}
	}
	return nil, fmt.Errorf("no incremental job")
}

// stateKey resolves KEY or input/KEY to a full state key of job.
func stateKey(j *plan.Job, input, key string) (string, error) {
	if in, k, ok := strings.Cut(key, "/"); ok {
		input, key = in, k
	}
	var found []string
	for _, rd := range j.Reads {
		inc := rd.Incremental
		if inc == nil || (input != "" && rd.View != input) {
			continue
		}
		for _, s := range inc.Save {
			if s.Key == key {
				found = append(found, inc.Prefix+key)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("job %s saves no key %q (its state entries name the keys that can be set)", j.Name, key)
	}
	return "", fmt.Errorf("several inputs of job %s save %q: write input/%s or give --input", j.Name, key, key)
}
