package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

func (a *app) planCmd() *cobra.Command {
	var vars, jobs []string
	var asJSON, explain bool
	cmd := &cobra.Command{
		Use:   "plan MANIFEST",
		Short: "Compile a manifest and print what running it would do",
		Long: `Plan compiles the manifest as flare run does (every key, address, option and SQL
statement checked; schemas from file headers and table metadata, no data
read) and prints the plan: the jobs in run order, and for each its reads with
their columns, its steps, its writes with their mode and partitioning, and its
actions with their options. --explain adds the engine's plan of every step
(reads are planned, nothing is written); --json prints the plan as JSON.`,
		Example: `  flare plan examples/city/ingest.yaml
  flare plan examples/city/ingest.yaml --explain
  flare plan pipeline.yaml --job city-ingest --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.compileManifest(ctx, args[0], vars, jobs)
			if err != nil {
				return err
			}
			defer c.Close()
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(c.plan)
			}
			fmt.Fprint(a.stdout, c.plan.Text())
			if !explain {
				return nil
			}
			r := a.runner(c, 0)
			r.Progress, r.DefineOnly = workflow.NewProgress(nil, false), true
			for _, j := range c.plan.Jobs {
				if len(j.Steps) == 0 {
					continue
				}
				ses, err := a.pool.Session(ctx, j.Overrides())
				if err != nil {
					return err
				}
				if err := r.Prepare(ctx, ses, j); err != nil {
					ses.Close()
					return fmt.Errorf("explain job %s: %w (the plan needs the data of earlier jobs: run them first)", j.Name, err)
				}
				for _, s := range j.Steps {
					if s.Query == nil {
						continue
					}
					p, err := ses.Explain(ctx, "SELECT * FROM "+engine.QuoteIdent(s.View))
					if err != nil {
						ses.Close()
						return err
					}
					fmt.Fprintf(a.stdout, "\nengine plan of job %s, step %s:\n%s", j.Name, s.View, p)
				}
				ses.Close()
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set a manifest variable ${name} (repeatable): --var name=value")
	cmd.Flags().StringSliceVar(&jobs, "job", nil, "plan only these jobs")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&explain, "explain", false, "add the engine's plan (EXPLAIN) of every step")
	return cmd
}
