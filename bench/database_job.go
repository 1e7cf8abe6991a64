package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/database"
)

// databaseJobBench is `bench database --jobs`: whole Flare jobs (each a
// `flare run` process: compile, connection checks, read, write, commit)
// between PostgreSQL and the lakehouse, next to psql's \copy of the same
// table to and from a CSV file:
//
//	pg -> iceberg:  dataos://pg:flare_bench/orders_N -> dataos://lakehouse:bench/orders_<round> (a new table)
//	iceberg -> pg:  dataos://lakehouse:bench/orders_src (by month) -> dataos://pg:flare_bench/w_job (overwrite)
//
// The job project lives in dir/job-project: flare.yaml with the lakehouse
// and a pg depot for the server of pgURI (its password, if any, in the
// environment variable FLARE_BENCH_PG_PASSWORD), and the two manifests.
// Each round runs the baselines and the jobs back to back; each ratio is
// the median over rounds of a job's time over its baseline's in the same
// round.
func databaseJobBench(pgURI, dir string, rows, repeat, parts int) error {
	psql, err := exec.LookPath("psql")
	if err != nil {
		return fmt.Errorf("psql is needed for the \\copy baseline: %w", err)
	}
	ctx := context.Background()
	src := fmt.Sprintf("orders_%d", rows)
	if err := benchSource(ctx, pgURI, src, rows); err != nil {
		return err
	}
	proj := filepath.Join(dir, "job-project")
	os.RemoveAll(proj)
	if err := os.MkdirAll(proj, 0o755); err != nil {
		return err
	}
	depot, err := pgDepot(pgURI)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(proj, "flare.yaml"), []byte("depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n"+depot), 0o644); err != nil {
		return err
	}
	job := func(name, input, inputOptions, output, outputFormat, outputOptions string) string {
		return fmt.Sprintf(`version: v1
name: wf-bench-%[1]s
type: workflow
workflow:
  dag:
    - name: %[1]s
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - name: orders
                dataset: %[2]s
                options: {%[3]s}
            outputs:
              - name: orders
                dataset: %[4]s
                format: %[5]s
                options: {saveMode: overwrite%[6]s}
`, name, input, inputOptions, output, outputFormat, outputOptions)
	}
	manifests := map[string]string{
		"pg_to_iceberg.yaml": job("pg-to-iceberg", "dataos://pg:flare_bench/"+src, "", "dataos://lakehouse:bench/orders_${round}?acl=rw", "iceberg", ""),
		"pg_to_iceberg_partitioned.yaml": job("pg-to-iceberg-partitioned", "dataos://pg:flare_bench/"+src,
			fmt.Sprintf("partitionColumn: id, lowerBound: \"1\", upperBound: \"%d\", numPartitions: %d", rows, parts),
			"dataos://lakehouse:bench/orders_p_${round}?acl=rw", "iceberg", ""),
		// The source of the Iceberg -> PostgreSQL job, written once before
		// the rounds: partitioned by month, so that no data file exceeds
		// iceberg-go's read split size (128 MiB), which the lakehouse reads
		// more than once today (see the report of issue 14's JDBC part).
		"iceberg_source.yaml": job("iceberg-source", "dataos://pg:flare_bench/"+src, "", "dataos://lakehouse:bench/orders_src?acl=rw", "iceberg",
			", iceberg: {partitionSpec: [{type: month, column: order_ts, name: order_month}]}"),
		"iceberg_to_pg.yaml": job("iceberg-to-pg", "dataos://lakehouse:bench/orders_src", "", "dataos://pg:flare_bench/w_job?acl=rw", "jdbc", ""),
	}
	for name, m := range manifests {
		if err := os.WriteFile(filepath.Join(proj, name), []byte(m), 0o644); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	psqlRun := func(cmd string) error {
		out, err := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", pgURI, "-c", cmd).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql %s: %v: %s", cmd, err, out)
		}
		return nil
	}
	for _, t := range []string{"w_copy", "w_job"} {
		if err := psqlRun(fmt.Sprintf("DROP TABLE IF EXISTS flare_bench.%s; CREATE TABLE flare_bench.%s (LIKE flare_bench.%s)", t, t, src)); err != nil {
			return err
		}
	}
	if _, err := child(proj, self, "child-flare", "run", "iceberg_source.yaml"); err != nil {
		return fmt.Errorf("write the Iceberg source table: %w", err)
	}
	csvPath := filepath.Join(dir, src+".csv")
	timed := func(f func() error) (time.Duration, error) {
		start := time.Now()
		err := f()
		return time.Since(start), err
	}
	// Each round writes new Iceberg tables (orders_<round>): overwriting a
	// table whose data file exceeds iceberg-go's read split size (128 MiB)
	// fails in the lakehouse today, and a 10M-row table is one such file.
	round := 0
	flareRun := func(manifest string) (time.Duration, error) {
		m, err := child(proj, self, "child-flare", "run", manifest, "--var", "round="+strconv.Itoa(round))
		return m.wall, err
	}
	checkRows := func(q string) error {
		out, err := exec.Command(psql, "-X", "-q", "-A", "-t", pgURI, "-c", q).Output()
		if err != nil {
			return err
		}
		if n, _ := strconv.Atoi(strings.TrimSpace(string(out))); n != rows {
			return fmt.Errorf("%s: %s rows, want %d", q, strings.TrimSpace(string(out)), rows)
		}
		return nil
	}
	const readBase, writeBase = `psql \copy table → CSV (the limit)`, `psql \copy CSV → table (the limit)`
	type step struct {
		name, base string
		run        func() (time.Duration, error)
		ds         []time.Duration
	}
	steps := []*step{
		{name: readBase, run: func() (time.Duration, error) {
			return timed(func() error { return psqlRun(`\copy flare_bench.` + src + ` to '` + csvPath + `' with (format csv)`) })
		}},
		{name: "flare run: PostgreSQL → Iceberg", base: readBase, run: func() (time.Duration, error) {
			return flareRun("pg_to_iceberg.yaml")
		}},
	}
	if parts > 1 {
		steps = append(steps, &step{name: fmt.Sprintf("flare run: PostgreSQL → Iceberg, %d ranges", parts), base: readBase, run: func() (time.Duration, error) {
			return flareRun("pg_to_iceberg_partitioned.yaml")
		}})
	}
	steps = append(steps,
		&step{name: writeBase, run: func() (time.Duration, error) {
			if err := psqlRun("TRUNCATE flare_bench.w_copy; CHECKPOINT"); err != nil {
				return 0, err
			}
			return timed(func() error { return psqlRun(`\copy flare_bench.w_copy from '` + csvPath + `' with (format csv)`) })
		}},
		&step{name: "flare run: Iceberg → PostgreSQL (overwrite)", base: writeBase, run: func() (time.Duration, error) {
			if err := psqlRun("TRUNCATE flare_bench.w_job; CHECKPOINT"); err != nil {
				return 0, err
			}
			d, err := flareRun("iceberg_to_pg.yaml")
			if err == nil {
				err = checkRows("SELECT count(*) FROM flare_bench.w_job")
			}
			return d, err
		}},
	)
	path := "DuckDB rows through the driver (no duckdb_arrow tag)"
	if database.ArrowEnabled {
		path = "Arrow batches (built with -tags duckdb_arrow)"
	}
	fmt.Printf("jobs: flare_bench.%s, %d rows, in %s; database paths: %s\n\n", src, rows, proj, path)
	for i := 0; i < repeat; i++ {
		round = i
		for _, st := range steps {
			d, err := st.run()
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			st.ds = append(st.ds, d)
		}
		fmt.Printf("round %d of %d done\n", i+1, repeat)
	}
	byName := map[string]*step{}
	for _, st := range steps {
		byName[st.name] = st
	}
	fmt.Printf("\n%-48s %9s %12s %9s   %s\n", "", "median", "rows/s", "ratio", "runs (s)")
	for _, st := range steps {
		m := median(st.ds)
		ratio := ""
		if b := byName[st.base]; b != nil {
			rs := make([]time.Duration, len(st.ds))
			for i := range st.ds {
				rs[i] = time.Duration(1000 * st.ds[i].Seconds() / b.ds[i].Seconds())
			}
			ratio = fmt.Sprintf("%.2f", float64(median(rs))/1000)
		}
		fmt.Printf("%-48s %8.2fs %12.0f %9s   %s\n", st.name, m.Seconds(), float64(rows)/m.Seconds(), ratio, fmtRuns(st.ds))
	}
	fmt.Println("\nflare run times include the process start, compiling (connection check, schema), the read or write and the commit;")
	fmt.Println("ratio: median over rounds of the job's time over its baseline's in the same round (target ≤ 1.50)")
	return nil
}

// pgDepot renders a flare.yaml pg depot for a postgres:// URI; a password
// in the URI goes into FLARE_BENCH_PG_PASSWORD (inherited by the flare run
// processes), never into the file.
func pgDepot(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	port := 5432
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	e := fmt.Sprintf("  pg: {type: postgresql, host: %q, port: %d, database: %q, user: %q", u.Hostname(), port, strings.TrimPrefix(u.Path, "/"), u.User.Username())
	if pw, ok := u.User.Password(); ok {
		os.Setenv("FLARE_BENCH_PG_PASSWORD", pw)
		e += ", password_env: FLARE_BENCH_PG_PASSWORD"
	}
	var ps []string
	for k, v := range u.Query() {
		ps = append(ps, fmt.Sprintf("%s: %q", k, v[0]))
	}
	if len(ps) > 0 {
		e += ", params: {" + strings.Join(ps, ", ") + "}"
	}
	return e + "}\n", nil
}
