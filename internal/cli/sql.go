package cli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/render"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

func (a *app) sqlCmd() *cobra.Command {
	var format, manifestPath, jobName string
	var limit int
	var vars []string
	var tt timeTravel // table_refs.go: --branch, --tag, --snapshot, --as-of
	cmd := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Query lakehouse tables (and a manifest's inputs) with SQL",
		Long: `Sql runs one query on the embedded engine. Lakehouse tables are named
<depot>.<collection>.<dataset> and read at their last committed snapshot, so a
query never sees a half-written table and never waits for a writer.
With --manifest, the inputs and steps of the manifest's job are views too.
The query is Flare (Spark) SQL; see docs/spark-sql.md. QUERY "-" reads stdin.`,
		Example: `  flare sql "SELECT * FROM lakehouse.retail.city LIMIT 5"
  flare sql --format csv "SELECT state_name, sum(population) FROM icebase.retail.city GROUP BY 1"
  flare sql --manifest examples/city/ingest.yaml "SELECT count(*) FROM city_raw"
  flare sql --branch audit "SELECT count(*) FROM lakehouse.retail.city"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			query := args[0]
			if query == "-" {
				b, err := io.ReadAll(a.stdin)
				if err != nil {
					return err
				}
				query = string(b)
			}
			if !contains(render.Formats, strings.ToLower(format)) {
				return invalidError{fmt.Errorf("--format %q: one of %s", format, strings.Join(render.Formats, ", "))}
			}
			var c *compiled
			var err error
			if manifestPath != "" {
				var jobs []string
				if jobName != "" {
					jobs = []string{jobName}
				}
				if c, err = a.compileManifest(ctx, manifestPath, vars, jobs); err != nil {
					return err
				}
			} else {
				cfg, err := a.config()
				if err != nil {
					return err
				}
				c = &compiled{cfg: cfg, lakehouses: catalog.NewLakehouses(cfg, slog.Default())}
			}
			defer c.Close()
			ses, err := a.session(ctx, c.cfg)
			if err != nil {
				return err
			}
			defer ses.Close()
			if c.plan != nil {
				r := a.runner(c, 0)
				r.Progress = workflow.NewProgress(nil, false)
				for _, j := range c.plan.Jobs {
					if err := r.Prepare(ctx, ses, j); err != nil {
						return err
					}
				}
			}
			ro, err := tt.readOptions()
			if err != nil {
				return err
			}
			q, err := plan.CompileQuery(ctx, a.planEnv(c.cfg, c.lakehouses), ses, query)
			if err != nil {
				return invalidError{err}
			}
			if err := a.runner(c, 0).BindTables(ctx, ses, q.Tables, workflow.NewPruner(q.SQL), ro); err != nil {
				return err
			}
			res, err := ses.Query(ctx, q.SQL, limit)
			if err != nil {
				return err
			}
			return render.Write(a.stdout, format, render.Result{Columns: res.Columns, Types: res.Types, Rows: res.Rows})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table, csv or json (JSON lines)")
	cmd.Flags().StringVarP(&manifestPath, "manifest", "m", "", "also make this manifest's inputs and steps queryable")
	cmd.Flags().StringVar(&jobName, "job", "", "with --manifest: only this job's inputs and steps (default: every job's)")
	cmd.Flags().IntVar(&limit, "limit", -1, "print at most N rows (default: all)")
	cmd.Flags().StringArrayVar(&vars, "var", nil, "with --manifest: set a manifest variable (name=value)")
	tt.addFlags(cmd)
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
