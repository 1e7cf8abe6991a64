package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// jobTimeRE finds the run's own duration in flare run's summary.
var jobTimeRE = regexp.MustCompile(`jobs succeeded in (\S+)`)

// jobTime is the duration flare run reports for its jobs (0: none).
func jobTime(stdout string) time.Duration {
	m := jobTimeRE.FindStringSubmatch(stdout)
	if m == nil {
		return 0
	}
	d, _ := time.ParseDuration(m[1])
	return d
}

// incrementalBench measures an incremental job (docs/incremental.md)
// against a full refresh of the same job: the source is an Iceberg table
// of --rows rows; the job derives columns and writes them to another
// table. The full refresh reads the whole source and overwrites the
// output; the incremental run (mode: snapshots) reads only the rows
// appended since its last run (--new percent of the source) and appends
// them, committing its state with them. Each run is a child process.
//
//	go run ./bench incremental --rows 10000000
func incrementalBench(args []string) error {
	fs := flag.NewFlagSet("incremental", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows of the source table")
	pct := fs.Float64("new", 1, "new rows per incremental run, percent of the source")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench"), "work folder")
	repeat := fs.Int("repeat", 3, "runs of each job; the median is reported")
	threads := fs.Int("threads", 0, "engine threads (0: all cores)")
	form := fs.String("form", "snapshots", "snapshots: the incremental job reads the rows appended since its last run (mode: snapshots); keys: Flare's keys and state, one day of a source partitioned by day (100 days) per run")
	fs.Parse(args)
	if *form != "snapshots" && *form != "keys" {
		return fmt.Errorf("--form %s: snapshots or keys", *form)
	}
	proj := filepath.Join(*dir, "incremental-project")
	os.RemoveAll(proj)
	if err := os.MkdirAll(proj, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(proj, "flare.yaml"), []byte("depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n"), 0o644); err != nil {
		return err
	}
	job := func(name, input, output, saveMode string) string {
		return fmt.Sprintf(`version: v1
name: %s
type: workflow
workflow:
  dag:
    - name: %s
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - name: orders
                dataset: dataos://lakehouse:bench/orders
%s            steps:
              - sequence:
                  - name: enriched
                    sql: |
                      SELECT id, customer_id, amount, round(amount * 1.19, 2) AS gross, ts, to_date(ts) AS day,
                             upper(status) AS status, CASE WHEN amount > 400 THEN 'large' ELSE 'small' END AS size
                      FROM orders WHERE status <> 'cancelled'
            outputs:
              - name: enriched
                dataset: dataos://lakehouse:bench/%s
                format: iceberg
                options: {saveMode: %s}
`, name, name, input, output, saveMode)
	}
	files := map[string]string{
		"source.yaml": `version: v1
name: source
type: workflow
workflow:
  dag:
    - name: source
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            steps:
              - sequence:
                  - name: rows
                    sql: |
                      SELECT CAST(i AS BIGINT) AS id, CAST(i * 7919 % 100000 AS BIGINT) AS customer_id,
                             CAST(i * 31 % 50000 AS DOUBLE) / 100 AS amount,
                             CAST(TIMESTAMP '2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, i % 31536000) AS TIMESTAMP) AS ts,
                             CASE i % 4 WHEN 0 THEN 'shipped' WHEN 1 THEN 'open' WHEN 2 THEN 'paid' ELSE 'cancelled' END AS status
                      FROM range(${from}, ${to}) t(i)
            outputs:
              - {name: rows, dataset: "dataos://lakehouse:bench/orders", format: iceberg, options: {saveMode: append}}
`,
		"full.yaml":        job("full-refresh", "", "orders_full", "overwrite"),
		"incremental.yaml": job("incremental", "                incremental: {mode: snapshots}\n", "orders_incremental", "append"),
	}
	if *form == "keys" {
		days := 100
		files["source.yaml"] = fmt.Sprintf(`version: v1
name: source
type: workflow
workflow:
  dag:
    - name: source
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            steps:
              - sequence:
                  - name: rows
                    sql: |
                      SELECT CAST(i AS BIGINT) AS id, CAST(i * 7919 %% 100000 AS BIGINT) AS customer_id,
                             CAST(i * 31 %% 50000 AS DOUBLE) / 100 AS amount,
                             CAST(TIMESTAMP '2024-01-01 00:00:00' + make_interval(0, 0, 0, CAST(i %% %d AS INT), 0, 0, i %% 86400) AS TIMESTAMP) AS ts,
                             CASE i %% 4 WHEN 0 THEN 'shipped' WHEN 1 THEN 'open' WHEN 2 THEN 'paid' ELSE 'cancelled' END AS status
                      FROM range(${from}, ${to}) t(i)
            outputs:
              - name: rows
                dataset: dataos://lakehouse:bench/orders
                format: iceberg
                options: {saveMode: append, iceberg: {partitionSpec: [{type: day, column: ts}]}}
`, days)
		keys := `                incremental:
                  context: all_orders
                  sql: SELECT * FROM all_orders WHERE ts >= '$|start|' AND ts < '$|end|'
                  keys:
                    - {name: start, sql: "SELECT to_timestamp('2024-01-01 00:00:00')"}
                    - {name: end, sql: "SELECT to_timestamp('$|start|') + INTERVAL 1 DAY"}
                  state: [{key: start, value: end}]
`
		dynamic := "overwrite, iceberg: {properties: {overwrite-mode: dynamic}, partitionSpec: [{type: day, column: ts}]}"
		files["full.yaml"] = job("full-refresh", "", "orders_full", "overwrite, iceberg: {partitionSpec: [{type: day, column: ts}]}")
		files["incremental.yaml"] = job("incremental", keys, "orders_incremental", dynamic)
		*pct = 100 / float64(days)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	threadArgs := []string{}
	if *threads > 0 {
		threadArgs = []string{"--threads", fmt.Sprint(*threads)}
	}
	run := func(file string, extra ...string) (measure, error) {
		args := append([]string{"child-flare", "run", file}, threadArgs...)
		return child(proj, self, append(args, extra...)...)
	}
	next := *rows
	add := func(n int) error {
		_, err := run("source.yaml", "--var", fmt.Sprintf("from=%d", next), "--var", fmt.Sprintf("to=%d", next+n))
		next += n
		return err
	}
	fmt.Printf("building the source: %d rows ...\n", *rows)
	next = 0
	if err := add(*rows); err != nil {
		return err
	}
	batch := int(float64(*rows) * *pct / 100)
	if *form == "snapshots" {
		// The incremental job's first run reads everything (its initial load).
		if _, err := run("incremental.yaml"); err != nil {
			return err
		}
	}
	var full, inc, fullJob, incJob []time.Duration
	var fullRSS, incRSS int64
	for i := 0; i < *repeat; i++ {
		if *form == "snapshots" {
			if err := add(batch); err != nil {
				return err
			}
		}
		m, err := run("incremental.yaml")
		if err != nil {
			return err
		}
		inc, incRSS, incJob = append(inc, m.wall), max(incRSS, m.maxRSS), append(incJob, jobTime(m.stdout))
		m, err = run("full.yaml")
		if err != nil {
			return err
		}
		full, fullRSS, fullJob = append(full, m.wall), max(fullRSS, m.maxRSS), append(fullJob, jobTime(m.stdout))
	}
	f, n := median(full), median(inc)
	if *form == "keys" {
		fmt.Printf("source: %d rows over 100 days, partitioned by day; each incremental run reads the next day (%d rows, %.1f%%); median of %d runs\n\n", *rows, batch, *pct, *repeat)
	} else {
		fmt.Printf("source: %d rows; %d new rows (%.1f%%) before each run; median of %d runs\n\n", *rows, batch, *pct, *repeat)
	}
	fj, nj := median(fullJob), median(incJob)
	fmt.Printf("%-34s %12s %12s %14s\n", "", "process", "job", "peak RSS")
	fmt.Printf("%-34s %10.2f s %10.2f s %11.0f MB\n", "full refresh (read all, overwrite)", f.Seconds(), fj.Seconds(), float64(fullRSS)/(1<<20))
	fmt.Printf("%-34s %10.2f s %10.2f s %11.0f MB\n", "incremental ("+*form+")", n.Seconds(), nj.Seconds(), float64(incRSS)/(1<<20))
	fmt.Printf("\nincremental / full refresh: %.1f%% of the process, %.1f%% of the job (process = start, compile and run; job = the run after compiling)\n",
		100*n.Seconds()/f.Seconds(), 100*nj.Seconds()/fj.Seconds())
	return nil
}
