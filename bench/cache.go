package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cacheBench measures caching (docs/caching.md): one job reads a CSV input
// and writes four Iceberg outputs, each an aggregate over the same filtered
// step. Without caching every output reads and parses the CSV again; with
// `cache: true` on the input it is read once. Each run is a child process.
//
//	go run ./bench cache --rows 2000000
func cacheBench(args []string) error {
	fs := flag.NewFlagSet("cache", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows of order data to generate")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench"), "work folder (the CSV is kept and reused)")
	repeat := fs.Int("repeat", 3, "runs of each job; the median is reported")
	fs.Parse(args)
	csvPath := filepath.Join(*dir, "data", "orders", fmt.Sprintf("orders-%d.csv", *rows))
	if _, err := os.Stat(csvPath); err != nil {
		fmt.Printf("generating %d rows of order data in %s ...\n", *rows, csvPath)
		if err := generate(csvPath, *rows); err != nil {
			return err
		}
	}
	proj := filepath.Join(*dir, "cache-project")
	os.RemoveAll(proj)
	if err := os.MkdirAll(proj, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(proj, "flare.yaml"), []byte(fmt.Sprintf(
		"depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  bench: {type: file, path: %q}\n", filepath.Join(*dir, "data"))), 0o644); err != nil {
		return err
	}
	aggs := map[string]string{
		"by_state":  "SELECT state, count(*) AS n, sum(amount) AS amount FROM shipped GROUP BY state",
		"by_month":  "SELECT date_trunc('month', ts) AS month, count(*) AS n FROM shipped GROUP BY 1",
		"by_status": "SELECT status, avg(amount) AS avg_amount FROM orders_raw GROUP BY status",
		"top":       "SELECT customer_id, sum(amount) AS amount FROM shipped GROUP BY 1 ORDER BY 2 DESC LIMIT 100",
	}
	names := []string{"by_state", "by_month", "by_status", "top"}
	write := func(file, inputCache, stepCache string) error {
		var steps, outs strings.Builder
		steps.WriteString("                  - {name: shipped, sql: \"SELECT * FROM orders_raw WHERE status <> 'cancelled'\"" + stepCache + "}\n")
		for _, n := range names {
			fmt.Fprintf(&steps, "                  - {name: %s, sql: %q}\n", n, aggs[n])
			fmt.Fprintf(&outs, "              - {name: %s, dataset: \"dataos://lakehouse:bench/%s\", format: iceberg}\n", n, n)
		}
		m := fmt.Sprintf(`version: v1
name: wf-bench-cache
type: workflow
workflow:
  dag:
    - name: reports
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: orders_raw, dataset: "dataos://bench:orders/%s", format: csv%s, options: {header: true, inferSchema: true}}
            steps:
              - sequence:
%s            outputs:
%s`, filepath.Base(csvPath), inputCache, steps.String(), outs.String())
		return os.WriteFile(filepath.Join(proj, file), []byte(m), 0o644)
	}
	if err := write("plain.yaml", "", ""); err != nil {
		return err
	}
	if err := write("cached.yaml", ", cache: true", ", cache: true"); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	st, _ := os.Stat(csvPath)
	fmt.Printf("input: %s, %d rows, %.0f MB; 4 outputs over one filtered step\n\n", csvPath, *rows, float64(st.Size())/(1<<20))
	results := map[string]time.Duration{}
	for _, run := range []struct{ name, file string }{{"no cache", "plain.yaml"}, {"cache: true", "cached.yaml"}} {
		var ds []time.Duration
		var rss int64
		for i := 0; i < *repeat; i++ {
			m, err := child(proj, self, "child-flare", "run", run.file)
			if err != nil {
				return fmt.Errorf("flare run %s: %w", run.file, err)
			}
			ds = append(ds, m.wall)
			rss = max(rss, m.maxRSS)
		}
		results[run.name] = median(ds)
		fmt.Printf("%-12s %8.2f s   peak RSS %5.0f MB\n", run.name, median(ds).Seconds(), float64(rss)/(1<<20))
	}
	fmt.Printf("\nspeed-up with cache: %.2fx\n", results["no cache"].Seconds()/results["cache: true"].Seconds())
	return nil
}
