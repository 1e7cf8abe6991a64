package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flare-lakehouse/flare/internal/database"
	"github.com/flare-lakehouse/flare/internal/engine"
)

// databaseBench measures PostgreSQL reads into DuckDB (and on to Parquet)
// and writes from DuckDB back, next to psql's \copy of the same table to
// and from a CSV file, which is the limit the targets are set against
// (docs/connectors.md); also a read streamed straight into a Parquet file
// (database.ReadWith):
//
//	go run ./bench database --rows 10000000 --pg postgres://postgres@127.0.0.1:5432/bench
//
// The source table is generated once in the schema flare_bench and reused;
// its primary key id is the partition column of the partitioned read (an
// unindexed partition column makes every range scan the whole table).
// Every figure is the median of --repeat runs; each write goes into an
// empty table of the same definition (\copy into one, Flare into another).
// With --jobs it measures whole `flare run` jobs instead (database_job.go).
func databaseBench(args []string) error {
	fs := flag.NewFlagSet("database", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows in the source table")
	pgURI := fs.String("pg", os.Getenv("FLARE_TEST_POSTGRES_URI"), "PostgreSQL URI (default $FLARE_TEST_POSTGRES_URI)")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench-db"), "work folder for the CSV and Parquet files")
	repeat := fs.Int("repeat", 3, "runs of each measurement; the median is reported")
	parts := fs.Int("partitions", 4, "numPartitions of the partitioned read (0 to skip it)")
	jobs := fs.Bool("jobs", false, "measure whole flare run jobs (PostgreSQL → Iceberg, Iceberg → PostgreSQL) instead of the package calls (database_job.go)")
	fs.Parse(args)
	if *pgURI == "" {
		return fmt.Errorf("give --pg or set FLARE_TEST_POSTGRES_URI")
	}
	if *jobs {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return err
		}
		return databaseJobBench(*pgURI, *dir, *rows, *repeat, *parts)
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		return fmt.Errorf("psql is needed for the \\copy baseline: %w", err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	cfg, err := pgConfig(*pgURI)
	if err != nil {
		return err
	}
	src := fmt.Sprintf("orders_%d", *rows)
	if err := benchSource(ctx, *pgURI, src, *rows); err != nil {
		return err
	}
	csvPath := filepath.Join(*dir, src+".csv")
	pq := filepath.Join(*dir, src+".parquet")

	ses, err := engine.Open(ctx, engine.Settings{})
	if err != nil {
		return err
	}
	defer ses.Close()
	duck := ses.Conn()
	threads := 0
	_ = duck.QueryRowContext(ctx, "SELECT current_setting('threads')::INTEGER").Scan(&threads)
	path := "DuckDB rows through the driver"
	if database.ArrowEnabled {
		path = "Arrow batches (built with -tags duckdb_arrow)"
	}
	fmt.Printf("source: flare_bench.%s, %d rows; DuckDB threads %d; writes read DuckDB as %s\n\n", src, *rows, threads, path)

	timed := func(f func() error) (time.Duration, error) {
		start := time.Now()
		err := f()
		return time.Since(start), err
	}
	psqlRun := func(cmd string) error {
		out, err := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *pgURI, "-c", cmd).CombinedOutput()
		if err != nil {
			return fmt.Errorf("psql %s: %v: %s", cmd, err, out)
		}
		return nil
	}
	table := database.TableName{Schema: "flare_bench", Name: src}
	read := func(o database.ReadOptions) (time.Duration, error) {
		if _, err := duck.ExecContext(ctx, "DROP TABLE IF EXISTS bench_in"); err != nil {
			return 0, err
		}
		return timed(func() error {
			res, err := database.Read(ctx, cfg, o, duck, "bench_in")
			if err == nil && res.Rows != int64(*rows) {
				err = fmt.Errorf("read %d rows, want %d", res.Rows, *rows)
			}
			return err
		})
	}
	for _, t := range []string{"w_copy", "w_flare"} {
		if err := psqlRun(fmt.Sprintf("DROP TABLE IF EXISTS flare_bench.%s; CREATE TABLE flare_bench.%s (LIKE flare_bench.%s)", t, t, src)); err != nil {
			return err
		}
	}
	// The measurements of one round run back to back, so that a busy
	// machine slows a run and its baseline alike; each ratio is taken
	// within a round and the median ratio is reported.
	type step struct {
		name string
		run  func() (time.Duration, error)
		base string // the baseline this step is compared with
		ds   []time.Duration
	}
	steps := []*step{
		{name: `psql \copy to CSV (the limit)`, run: func() (time.Duration, error) {
			return timed(func() error { return psqlRun(`\copy flare_bench.` + src + ` to '` + csvPath + `' with (format csv)`) })
		}},
		{name: "flare read → DuckDB table", base: `psql \copy to CSV (the limit)`, run: func() (time.Duration, error) {
			return read(database.ReadOptions{Table: table})
		}},
		{name: "flare read → Parquet file (streamed)", base: `psql \copy to CSV (the limit)`, run: func() (time.Duration, error) {
			return timed(func() error {
				res, err := database.ReadWith(ctx, cfg, database.ReadOptions{Table: table}, duck, func(ctx context.Context, from string) error {
					_, err := duck.ExecContext(ctx, "COPY (SELECT * FROM "+from+") TO '"+pq+"' (FORMAT parquet)")
					return err
				})
				if err == nil && res.Rows != int64(*rows) {
					err = fmt.Errorf("read %d rows, want %d", res.Rows, *rows)
				}
				return err
			})
		}},
	}
	if *parts > 1 {
		steps = append(steps, &step{name: fmt.Sprintf("flare read, numPartitions %d", *parts), base: `psql \copy to CSV (the limit)`, run: func() (time.Duration, error) {
			return read(database.ReadOptions{Table: table, PartitionColumn: "id", LowerBound: "1", UpperBound: strconv.Itoa(*rows), NumPartitions: *parts})
		}})
	}
	steps = append(steps,
		&step{name: `psql \copy from CSV (the limit)`, run: func() (time.Duration, error) {
			if err := psqlRun("TRUNCATE flare_bench.w_copy; CHECKPOINT"); err != nil {
				return 0, err
			}
			return timed(func() error { return psqlRun(`\copy flare_bench.w_copy from '` + csvPath + `' with (format csv)`) })
		}},
		&step{name: "flare write (saveMode append)", base: `psql \copy from CSV (the limit)`, run: func() (time.Duration, error) {
			if err := psqlRun("TRUNCATE flare_bench.w_flare; CHECKPOINT"); err != nil {
				return 0, err
			}
			return timed(func() error {
				res, err := database.Write(ctx, duck, "bench_in", cfg, database.WriteOptions{
					Table: database.TableName{Schema: "flare_bench", Name: "w_flare"}, SaveMode: database.Append})
				if err == nil && res.Rows != int64(*rows) {
					err = fmt.Errorf("wrote %d rows, want %d", res.Rows, *rows)
				}
				return err
			})
		}},
	)
	byName := map[string]*step{}
	for _, st := range steps {
		byName[st.name] = st
	}
	for i := 0; i < *repeat; i++ {
		for _, st := range steps {
			d, err := st.run()
			if err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
			st.ds = append(st.ds, d)
		}
		fmt.Printf("round %d of %d done\n", i+1, *repeat)
	}
	fmt.Printf("\n%-44s %9s %12s %9s   %s\n", "", "median", "rows/s", "ratio", "runs (s)")
	for _, st := range steps {
		m := median(st.ds)
		ratio := ""
		if b := byName[st.base]; b != nil {
			rs := make([]time.Duration, len(st.ds))
			for i := range st.ds {
				// A ratio as a Duration in thousandths, to reuse median.
				rs[i] = time.Duration(1000 * st.ds[i].Seconds() / b.ds[i].Seconds())
			}
			ratio = fmt.Sprintf("%.2f", float64(median(rs))/1000)
		}
		fmt.Printf("%-44s %8.2fs %12.0f %9s   %s\n", st.name, m.Seconds(), float64(*rows)/m.Seconds(), ratio, fmtRuns(st.ds))
	}
	fmt.Println("\nratio: median over rounds of the run's time over its baseline's in the same round (target ≤ 1.50)")
	return nil
}

// benchSource creates flare_bench.<name> with n rows of order data unless
// it exists with that many rows.
func benchSource(ctx context.Context, uri, name string, n int) error {
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var have int64
	var pk bool
	if err := conn.QueryRow(ctx, "SELECT count(*), EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'flare_bench."+name+"'::regclass AND contype = 'p') FROM flare_bench."+name).Scan(&have, &pk); err == nil && have == int64(n) && pk {
		return nil
	}
	fmt.Printf("generating flare_bench.%s (%d rows) ...\n", name, n)
	_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS flare_bench;
DROP TABLE IF EXISTS flare_bench.%[1]s;
CREATE TABLE flare_bench.%[1]s AS
SELECT i::bigint AS id,
       timestamptz '2024-01-01 00:00:00+00' + (i %% 63072000) * interval '1 second' AS order_ts,
       date '2024-01-01' + (i %% 731) AS order_date,
       (i %% 100000)::int AS customer_id,
       'customer-' || (i %% 100000) AS customer,
       (ARRAY['Berlin','Paris','Lisbon','Oslo','Rome','Madrid'])[1 + i %% 6] AS city,
       ((i %% 1000000) / 100.0)::numeric(12,2) AS amount,
       (i %% 20)::int AS qty,
       (i %% 977) * 1.25::float8 AS price,
       (ARRAY['new','paid','shipped','cancelled'])[1 + i %% 4] AS status,
       (i %% 3 = 0) AS paid
FROM generate_series(1, %[2]d) AS i;
ALTER TABLE flare_bench.%[1]s ADD PRIMARY KEY (id);
ANALYZE flare_bench.%[1]s;`, name, n))
	return err
}

// pgConfig turns a postgres:// URI into a database.Config.
func pgConfig(uri string) (database.Config, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return database.Config{}, err
	}
	port := 5432
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	c := database.Config{Depot: "bench", Kind: database.PostgreSQL, Host: u.Hostname(), Port: port,
		Database: strings.TrimPrefix(u.Path, "/"), User: u.User.Username(), Params: map[string]string{}}
	c.Password, _ = u.User.Password()
	for k, v := range u.Query() {
		c.Params[k] = v[0]
	}
	return c, nil
}

func fmtRuns(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(s, " ")
}
