// Command bench measures Flare against raw DuckDB on the same data and
// prints the figures recorded in docs/performance.md.
//
//	go run ./bench ingest --rows 10000000
//
// ingest generates realistic order data as CSV, then, each in a child
// process so that peak memory is measured per run:
//   - runs a Flare job that reads the CSV, filters, derives a column, casts,
//     and writes an Iceberg table partitioned by day(ts);
//   - runs the same SELECT with raw DuckDB: COPY ... TO ... (FORMAT parquet,
//     PARTITION_BY ...);
//   - times a filtered aggregate through `flare sql` on the Iceberg table
//     against DuckDB's read_parquet over the very same data files.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/cli"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "ingest":
		if err := ingest(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	case "merge":
		if err := mergeBench(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench merge:", err)
			os.Exit(1)
		}
	case "maintenance":
		if err := maintenanceBench(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench maintenance:", err)
			os.Exit(1)
		}
	case "kafka":
		if err := kafkaBench(os.Args[2:]); err != nil { // kafka.go
			fmt.Fprintln(os.Stderr, "bench kafka:", err)
			os.Exit(1)
		}
	case "stream":
		if err := streamBench(os.Args[2:]); err != nil { // stream.go
			fmt.Fprintln(os.Stderr, "bench stream:", err)
			os.Exit(1)
		}
	case "cache":
		if err := cacheBench(os.Args[2:]); err != nil { // cache.go
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	case "database":
		if err := databaseBench(os.Args[2:]); err != nil { // database.go
			fmt.Fprintln(os.Stderr, "bench database:", err)
			os.Exit(1)
		}
	case "functions":
		if err := functionsBench(os.Args[2:]); err != nil { // functions.go
			fmt.Fprintln(os.Stderr, "bench functions:", err)
			os.Exit(1)
		}
	case "incremental":
		if err := incrementalBench(os.Args[2:]); err != nil { // incremental.go
			fmt.Fprintln(os.Stderr, "bench incremental:", err)
			os.Exit(1)
		}
	case "child-flare":
		// Runs the Flare CLI in this process (a child of the bench).
		os.Exit(cli.Main(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	case "child-duckdb":
		if err := childDuckDB(os.Args[2], os.Args[3], os.Args[4:]...); err != nil {
			fmt.Fprintln(os.Stderr, "bench duckdb:", err)
			os.Exit(1)
		}
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: go run ./bench ingest [--rows N] [--dir DIR] [--threads N] [--repeat N]
       go run ./bench merge [--rows N] [--dir DIR]
       go run ./bench maintenance [--appends N] [--rows N] [--days N]
       go run ./bench kafka [--events N] [--partitions N] [--batch N] [--brokers host:port]
       go run ./bench stream [--events N] [--partitions N] [--batch N] [--rate N] [--seconds N] [--small N] [--brokers host:port]
       go run ./bench database [--rows N] [--pg URI] [--partitions N] [--repeat N] [--jobs]
       go run ./bench functions [--rows N] [--dir DIR] [--repeat N]
       go run ./bench incremental [--rows N] [--new PERCENT] [--repeat N] [--threads N]`)
	os.Exit(2)
}

func ingest(args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows of order data to generate")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench"), "work folder (the CSV is kept and reused)")
	repeat := fs.Int("repeat", 3, "runs of each query; the median is reported")
	fs.Parse(args)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	csvPath := filepath.Join(*dir, "data", "orders", fmt.Sprintf("orders-%d.csv", *rows))
	if _, err := os.Stat(csvPath); err != nil {
		fmt.Printf("generating %d rows of order data in %s ...\n", *rows, csvPath)
		if err := generate(csvPath, *rows); err != nil {
			return err
		}
	}
	st, err := os.Stat(csvPath)
	if err != nil {
		return err
	}
	csvMB := float64(st.Size()) / (1 << 20)
	fmt.Printf("input: %s, %d rows, %.0f MB\n\n", csvPath, *rows, csvMB)

	proj := filepath.Join(*dir, "project")
	os.RemoveAll(proj)
	if err := os.MkdirAll(proj, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(proj, "flare.yaml"), []byte(fmt.Sprintf(
		"depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  bench: {type: file, path: %q}\n", filepath.Join(*dir, "data"))), 0o644); err != nil {
		return err
	}
	manifest := fmt.Sprintf(`version: v1
name: wf-bench-ingest
type: workflow
workflow:
  dag:
    - name: orders-ingest
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - name: orders_raw
                dataset: dataos://bench:orders/%s
                format: csv
                options: {header: true, inferSchema: true}
            steps:
              - sequence:
                  - name: orders
                    sql: %s
            outputs:
              - name: orders
                dataset: dataos://lakehouse:bench/orders
                format: iceberg
                options:
                  saveMode: overwrite
                  iceberg:
                    partitionSpec:
                      - {type: day, column: ts, name: ts_day}
`, filepath.Base(csvPath), strconv.Quote(transformSQL("orders_raw")))
	if err := os.WriteFile(filepath.Join(proj, "ingest.yaml"), []byte(manifest), 0o644); err != nil {
		return err
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Println("== ingest: CSV -> filter, derive, cast -> Parquet partitioned by day(ts)")
	fl, err := child(proj, self, "child-flare", "run", "ingest.yaml")
	if err != nil {
		return fmt.Errorf("flare run: %w", err)
	}
	dk, err := child(proj, self, "child-duckdb", "ingest", csvPath)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	dk2, err := child(proj, self, "child-duckdb", "ingest", csvPath, "SET partitioned_write_max_open_files = 1000")
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	report := func(name string, m measure) {
		fmt.Printf("%-8s %8.2f s  %12.0f rows/s  %8.1f MB/s  peak RSS %6.0f MB\n", name, m.wall.Seconds(),
			float64(*rows)/m.wall.Seconds(), csvMB/m.wall.Seconds(), float64(m.maxRSS)/(1<<20))
	}
	report("flare", fl)
	report("duckdb", dk)
	report("duckdb*", dk2)
	fmt.Printf("ratio flare/duckdb: %.2f (target <= 1.3)\n", fl.wall.Seconds()/dk.wall.Seconds())
	fmt.Printf("ratio flare/duckdb*: %.2f (duckdb* = same engine settings as Flare: partitioned_write_max_open_files = 1000)\n", fl.wall.Seconds()/dk2.wall.Seconds())
	files, _ := filepath.Glob(filepath.Join(proj, "lakehouse", "bench", "orders", "data", "*", "*.parquet"))
	fmt.Printf("flare wrote %d data files\n\n", len(files))

	fmt.Println("== query: filtered aggregate over the table")
	q := "SELECT state, count(*) AS orders, sum(amount_usd) AS revenue FROM %s WHERE ts >= TIMESTAMP '2024-07-01' AND status = 'shipped' GROUP BY state ORDER BY revenue DESC"
	var fq, dq []time.Duration
	for i := 0; i < *repeat; i++ {
		m, err := child(proj, self, "child-flare", "sql", "--format", "csv", fmt.Sprintf(q, "lakehouse.bench.orders"))
		if err != nil {
			return fmt.Errorf("flare sql: %w", err)
		}
		fq = append(fq, m.wall)
		m, err = child(proj, self, "child-duckdb", "query", fmt.Sprintf(q, "read_parquet('lakehouse/bench/orders/data/**/*.parquet')"))
		if err != nil {
			return fmt.Errorf("duckdb query: %w", err)
		}
		dq = append(dq, m.wall)
	}
	fmed, dmed := median(fq), median(dq)
	fmt.Printf("flare sql        %8.3f s (median of %d, includes process start, catalog and scan planning)\n", fmed.Seconds(), *repeat)
	fmt.Printf("duckdb parquet   %8.3f s (median of %d, includes process start)\n", dmed.Seconds(), *repeat)
	fmt.Printf("ratio flare/duckdb: %.2f (target <= 1.2)\n", fmed.Seconds()/dmed.Seconds())
	return nil
}

// transformSQL is the job's SELECT: a filter, a derived column and a cast.
func transformSQL(from string) string {
	return "SELECT order_id, ts, customer_id, state, status, CAST(amount AS DECIMAL(12,2)) AS amount_usd, " +
		"CAST(amount * 0.92 AS DECIMAL(12,2)) AS amount_eur, note FROM " + from + " WHERE status <> 'cancelled'"
}

type measure struct {
	wall   time.Duration
	maxRSS int64 // bytes
	// stdout is what the child printed.
	stdout string
}

func child(dir, self string, args ...string) (measure, error) {
	cmd := exec.Command(self, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := os.CreateTemp("", "bench-out")
	if err != nil {
		return measure{}, err
	}
	defer os.Remove(out.Name())
	cmd.Stdout = out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		return measure{}, fmt.Errorf("%v: %s", err, b)
	}
	m := measure{wall: time.Since(start)}
	if b, err := os.ReadFile(out.Name()); err == nil {
		m.stdout = string(b)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024
	}
	return m, nil
}

func childDuckDB(mode, arg string, settings ...string) error {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range settings {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	switch mode {
	case "ingest":
		out := filepath.Join(os.TempDir(), "flare-bench-duckdb-out")
		os.RemoveAll(out)
		defer os.RemoveAll(out)
		src := fmt.Sprintf("read_csv('%s', header = true)", arg)
		q := fmt.Sprintf("COPY (SELECT *, CAST(ts AS DATE) AS ts_day FROM (%s)) TO '%s' (FORMAT parquet, PARTITION_BY (ts_day))",
			transformSQL(src), out)
		_, err = db.ExecContext(ctx, q)
		return err
	case "query":
		rows, err := db.QueryContext(ctx, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		fmt.Println(n, "rows")
		return rows.Err()
	}
	return fmt.Errorf("unknown mode %s", mode)
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

var states = []string{"CA", "TX", "NY", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA", "TN", "IN", "MO", "MD", "WI", "CO", "MN", "SC", "AL", "LA"}
var statuses = []string{"placed", "paid", "shipped", "shipped", "shipped", "delivered", "delivered", "returned", "cancelled"}
var words = strings.Fields("please leave at the front door gift wrap fragile handle with care call before delivery back entrance office hours weekend only no signature needed express priority standard")

// generate writes n orders: ids, timestamps over two years, customers,
// amounts, states, statuses and a free-text note.
func generate(path string, n int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(42, 7))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := int64(2 * 365 * 24 * 3600)
	w.WriteString("order_id,ts,customer_id,amount,state,status,note\n")
	buf := make([]byte, 0, 256)
	for i := 0; i < n; i++ {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(i+1), 10)
		buf = append(buf, ',')
		ts := time.Unix(start+r.Int64N(span), 0).UTC()
		buf = ts.AppendFormat(buf, "2006-01-02 15:04:05")
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r.IntN(500_000)+1), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(r.IntN(50_000)+99)/100, 'f', 2, 64)
		buf = append(buf, ',')
		buf = append(buf, states[r.IntN(len(states))]...)
		buf = append(buf, ',')
		buf = append(buf, statuses[r.IntN(len(statuses))]...)
		buf = append(buf, ',', '"')
		for j, k := 0, r.IntN(6)+1; j < k; j++ {
			if j > 0 {
				buf = append(buf, ' ')
			}
			buf = append(buf, words[r.IntN(len(words))]...)
		}
		buf = append(buf, '"', '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
