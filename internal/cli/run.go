package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/spec"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

func (a *app) loadManifest(path string, vars []string) (*manifest.Workflow, error) {
	vm := map[string]string{}
	for _, v := range vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, invalidError{fmt.Errorf("--var %q: expected name=value", v)}
		}
		vm[k] = val
	}
	// A sqlFile must lie in the project's folder (where flare runs).
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	wf, err := manifest.Load(path, manifest.Options{Vars: vm, LookupEnv: os.LookupEnv, Root: root})
	if err != nil {
		return nil, invalidError{err}
	}
	return wf, nil
}

// compiled is a manifest compiled against the project's depots, with the
// lakehouses it opened (close them when done).
type compiled struct {
	plan       *plan.Plan
	cfg        *depot.Config
	lakehouses *catalog.Lakehouses
}

func (c *compiled) Close() { c.lakehouses.Close() }

// compileManifest loads a manifest (keeping only the named jobs, when some
// are named), compiles it and prints its notes as warnings. Problems are
// invalid input (exit code 2).
func (a *app) compileManifest(ctx context.Context, path string, vars, jobs []string) (*compiled, error) {
	wf, err := a.loadManifest(path, vars)
	if err != nil {
		return nil, err
	}
	if len(jobs) > 0 {
		if err := selectJobs(wf, jobs); err != nil {
			return nil, invalidError{err}
		}
	}
	if a.logLevel == "" {
		// The first job's logLevel applies when no --log-level is given.
		for _, j := range wf.Jobs {
			if j.LogLevel != "" {
				if lvl, err := parseLevel(j.LogLevel); err == nil {
					slog.SetDefault(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lvl})))
				}
				break
			}
		}
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if _, err := a.engines(cfg); err != nil {
		return nil, err
	}
	ls := catalog.NewLakehouses(cfg, slog.Default())
	p, err := plan.Compile(ctx, wf, a.planEnv(cfg, ls))
	if err != nil {
		ls.Close()
		return nil, invalidError{err}
	}
	a.printNotes(p.Notes)
	return &compiled{plan: p, cfg: cfg, lakehouses: ls}, nil
}

func (a *app) planEnv(cfg *depot.Config, ls *catalog.Lakehouses) *plan.Env {
	return &plan.Env{Config: cfg, Lakehouses: ls, Engines: a.pool}
}

func (a *app) runner(c *compiled, preview int) *workflow.Runner {
	r := &workflow.Runner{Config: c.cfg, Lakehouses: c.lakehouses, Engines: a.pool, Progress: a.progress(), Logger: slog.Default(), Preview: preview}
	a.streamJobs(r) // stream.go
	return r
}

func (a *app) runCmd() *cobra.Command {
	var vars []string
	var preview int
	var jobs []string
	cmd := &cobra.Command{
		Use:   "run MANIFEST",
		Short: "Run a workflow (or a single Flare job) end to end",
		Long: `Run compiles the manifest (as flare validate does: every key, address, option
and SQL statement is checked first, and nothing runs if anything is wrong),
then runs its jobs in dependency order. Each job reads its inputs, runs its SQL
steps and writes its outputs; every Iceberg output is one atomic commit, so a
failed job leaves the tables as they were. A job whose dependency failed is
skipped; the exit code is non-zero when any job failed.

While a job runs, the current step or output and its elapsed time are shown on
stderr; at the end a summary per output lists rows, files, bytes, snapshot and time.`,
		Example: `  flare run examples/city/ingest.yaml
  flare run replay.yaml --var day=2024-03-01
  flare run pipeline.yaml --job city-ingest --log-level info`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.compileManifest(cmd.Context(), args[0], vars, jobs)
			if err != nil {
				return err
			}
			defer c.Close()
			rep, runErr := a.runner(c, preview).Run(cmd.Context(), c.plan)
			if rep != nil {
				a.printSummary(rep)
			}
			return runErr
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a manifest variable ${name} (repeatable): --var name=value")
	cmd.Flags().IntVar(&preview, "preview", 0, "print the first N rows of every step (as showPreviewLines)")
	cmd.Flags().StringSliceVar(&jobs, "job", nil, "run only these jobs of the workflow (their dependencies must have run before)")
	return cmd
}

// selectJobs keeps only the named jobs and drops dependencies outside them.
func selectJobs(wf *manifest.Workflow, names []string) error {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	var out []*manifest.Job
	for _, j := range wf.Jobs {
		if keep[j.Name] {
			var deps []string
			for _, d := range j.Dependencies {
				if keep[d] {
					deps = append(deps, d)
				}
			}
			j.Dependencies = deps
			out = append(out, j)
			delete(keep, j.Name)
		}
	}
	for n := range keep {
		return fmt.Errorf("--job %s: no such job in %s", n, wf.File)
	}
	wf.Jobs = out
	return nil
}

func (a *app) printSummary(rep *workflow.Report) {
	tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "JOB\tSTATUS\tOUTPUT\tDATASET\tROWS\tFILES\tBYTES\tSNAPSHOT\tTIME\n")
	for _, j := range rep.Jobs {
		if len(j.Outputs) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\t%s\n", j.Job, j.Status, j.Duration.Round(time.Millisecond))
			continue
		}
		for _, o := range j.Outputs {
			if o.Action != nil {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t\t\t%s\n", j.Job, j.Status, o.Name, o.Dataset, o.Action.Summary, o.Duration.Round(time.Millisecond))
				continue
			}
			snap := "-"
			if o.SnapshotID != 0 {
				snap = fmt.Sprint(o.SnapshotID)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", j.Job, j.Status, o.Name, o.Dataset, o.Rows, o.Files,
				workflow.FormatBytes(o.Bytes), snap, o.Duration.Round(time.Millisecond))
		}
	}
	tw.Flush()
	ok := 0
	for _, j := range rep.Jobs {
		if j.Status == "succeeded" {
			ok++
		}
	}
	fmt.Fprintf(a.stdout, "%d of %d jobs succeeded in %s\n", ok, len(rep.Jobs), rep.Duration.Round(time.Millisecond))
}

func (a *app) validateCmd() *cobra.Command {
	var vars []string
	cmd := &cobra.Command{
		Use:   "validate MANIFEST",
		Short: "Check a manifest without running it",
		Long: `Validate compiles the manifest and reports every problem it finds, each as
file:line:column with what was expected: unknown keys and options of every
format and action (with a "did you mean"), missing keys, wrongly typed or
out-of-range values, keys Flare-Go does not support yet, dependency cycles,
unknown depots and addresses that escape their depot, and SQL that does not
parse or bind: syntax errors, unknown views, columns and functions in steps,
merge clauses and delete conditions. Schemas come from file headers and table
metadata; no data is read and nothing is written.`,
		Example: `  flare validate examples/city/ingest.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.compileManifest(cmd.Context(), args[0], vars, nil)
			if err != nil {
				return err
			}
			defer c.Close()
			n := len(c.plan.Jobs)
			fmt.Fprintf(a.stdout, "%s: ok (%d job%s)\n", args[0], n, map[bool]string{true: "", false: "s"}[n == 1])
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a manifest variable ${name} (repeatable): --var name=value")
	return cmd
}

// printNotes prints the plan's notes as warnings, each message once (at its
// first place, with the count of the others).
func (a *app) printNotes(notes spec.ErrorList) {
	count := map[string]int{}
	for _, n := range notes {
		count[n.Msg]++
	}
	for _, n := range notes {
		c, ok := count[n.Msg]
		if !ok {
			continue
		}
		delete(count, n.Msg)
		more := ""
		if c > 1 {
			more = fmt.Sprintf(" (and %d more place%s)", c-1, map[bool]string{true: "", false: "s"}[c == 2])
		}
		fmt.Fprintf(a.stderr, "warning: %s%s\n", n, more)
	}
}
