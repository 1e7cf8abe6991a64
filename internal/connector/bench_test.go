package connector

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
	"github.com/xuri/excelize/v2"
)

// Read speed of every format, in rows per second, next to DuckDB's own csv
// and parquet readers (which read in parallel and lazily). Each iteration
// reads the whole input and aggregates every column, so lazy and loaded
// reads do the same work. Run:
//
//	go test ./internal/connector -run '^$' -bench BenchmarkRead -benchtime 3x
//
// FLARE_BENCH_ROWS sets the row count (default 1,000,000; xml and xlsx use
// a fifth and a twentieth of it).

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// TestMain removes the benchmark files after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("FLARE_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// benchQuery is the relation the files hold.
func benchQuery(n int) string {
	return fmt.Sprintf(`(SELECT i AS id, 'user-' || (i %% 1000) AS name, i / 7.0 AS score, DATE '2020-01-01' + (i %% 1000)::INT AS day,
		TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i) AS ts FROM range(%d) t(i))`, n)
}

// benchFiles writes the input of every format once per test binary.
func benchFiles(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() { benchDir, benchErr = makeBenchFiles() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

func makeBenchFiles() (string, error) {
	dir, err := os.MkdirTemp("", "flare-bench-")
	if err != nil {
		return "", err
	}
	n := benchRows()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "", err
	}
	defer db.Close()
	q := benchQuery(n)
	for _, s := range []struct{ format, path string }{
		{"csv", "data.csv"}, {"parquet", "data.parquet"}, {"json", "data.json"}, {"avro", "data.avro"},
	} {
		if _, err := Write(ctx, db, q, Sink{Path: filepath.Join(dir, s.path), Format: s.format}); err != nil {
			return "", err
		}
	}
	if _, err := db.Exec("COPY (SELECT name || ' ' || id FROM " + q + ") TO '" + filepath.Join(dir, "data.txt") + "' (FORMAT csv, HEADER false, QUOTE '')"); err != nil {
		return "", err
	}
	// xml: a fifth of the rows.
	f, err := os.Create(filepath.Join(dir, "data.xml"))
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	w.WriteString("<rows>\n")
	for i := 0; i < n/5; i++ {
		fmt.Fprintf(w, "<row id=\"%d\"><name>user-%d</name><score>%g</score><day>2020-01-%02d</day></row>\n", i, i%1000, float64(i)/7, i%28+1)
	}
	w.WriteString("</rows>\n")
	if err := w.Flush(); err != nil {
		return "", err
	}
	f.Close()
	// xlsx: a twentieth, with excelize's stream writer.
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return "", err
	}
	sw.SetRow("A1", []any{"id", "name", "score"})
	for i := 0; i < n/20; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{i, fmt.Sprintf("user-%d", i%1000), float64(i) / 7})
	}
	if err := sw.Flush(); err != nil {
		return "", err
	}
	if err := x.SaveAs(filepath.Join(dir, "data.xlsx")); err != nil {
		return "", err
	}
	// orc: no Go writer; copies of the pyarrow-written fixture (20,000
	// rows each).
	orcDir := filepath.Join(dir, "orc")
	os.MkdirAll(orcDir, 0o755)
	src, err := os.ReadFile(td("orc", "many.orc"))
	if err != nil {
		return "", err
	}
	for i := 0; i < max(1, n/20000); i++ {
		if err := os.WriteFile(filepath.Join(orcDir, fmt.Sprintf("part-%03d.orc", i)), src, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func BenchmarkRead(b *testing.B) {
	dir := benchFiles(b)
	n := benchRows()
	cases := []struct {
		name string
		src  Source
		rows int
		agg  string
	}{
		{"csv duckdb", Source{Path: filepath.Join(dir, "data.csv"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true"}}, n, "sum(id), max(name), sum(score), max(day), max(ts)"},
		{"parquet duckdb", Source{Path: filepath.Join(dir, "data.parquet"), Format: "parquet"}, n, "sum(id), max(name), sum(score), max(day), max(ts)"},
		{"json duckdb", Source{Path: filepath.Join(dir, "data.json"), Format: "json"}, n, "sum(id), max(name), sum(score), max(day), max(ts)"},
		{"text go", Source{Path: filepath.Join(dir, "data.txt"), Format: "text"}, n, "max(value)"},
		{"avro go", Source{Path: filepath.Join(dir, "data.avro"), Format: "avro"}, n, "sum(id), max(name), sum(score), max(day), max(ts)"},
		{"orc go", Source{Path: filepath.Join(dir, "orc"), Format: "orc"}, max(1, n/20000) * 20000, "sum(id), max(name), sum(x), max(jump), count(flag)"},
		{"xml go", Source{Path: filepath.Join(dir, "data.xml"), Format: "xml", Options: map[string]string{"rowTag": "row"}}, n / 5, "sum(_id), max(name), sum(score), max(day)"},
		{"xlsx go", Source{Path: filepath.Join(dir, "data.xlsx"), Format: "xlsx", Options: map[string]string{"inferSchema": "true"}}, n / 20, "sum(id), max(name), sum(score)"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			db, err := sql.Open("duckdb", "")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			start, cpu0 := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				rel, err := Read(ctx, conn, c.src)
				if err != nil {
					b.Fatal(err)
				}
				var count int64
				row := conn.QueryRowContext(ctx, "SELECT count(*), "+c.agg+" FROM "+rel.SQL)
				vals := make([]any, 1+len(splitTopLevel(c.agg)))
				vals[0] = &count
				for j := 1; j < len(vals); j++ {
					vals[j] = new(any)
				}
				if err := row.Scan(vals...); err != nil {
					b.Fatal(err)
				}
				if count != int64(c.rows) {
					b.Fatalf("%d rows, want %d", count, c.rows)
				}
				rel.Close(ctx, conn)
			}
			b.ReportMetric(float64(c.rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
			// On a shared machine wall time says little: rows per second of
			// CPU (all threads of the process) says how much work a row is.
			b.ReportMetric(float64(c.rows)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
		})
	}
}

// BenchmarkLoad compares the ways Go rows can reach DuckDB: the appender
// (what Read uses) and prepared INSERTs row by row, for 5 columns.
func BenchmarkLoad(b *testing.B) {
	for _, way := range []string{"appender", "insert"} {
		b.Run(way, func(b *testing.B) {
			ctx := context.Background()
			db, _ := sql.Open("duckdb", "")
			defer db.Close()
			conn, _ := db.Conn(ctx)
			defer conn.Close()
			rows := 200_000
			if way == "insert" {
				rows = 20_000
			}
			day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			start, cpu0 := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE t (id BIGINT, name VARCHAR, score DOUBLE, day DATE, ts TIMESTAMPTZ)"); err != nil {
					b.Fatal(err)
				}
				switch way {
				case "appender":
					err := conn.Raw(func(dc any) error {
						app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "t")
						if err != nil {
							return err
						}
						for r := 0; r < rows; r++ {
							if err := app.AppendRow(int64(r), "user", float64(r)/7, day, day); err != nil {
								return err
							}
						}
						return app.Close()
					})
					if err != nil {
						b.Fatal(err)
					}
				case "insert":
					tx, _ := conn.BeginTx(ctx, nil)
					st, err := tx.PrepareContext(ctx, "INSERT INTO t VALUES (?, ?, ?, ?, ?)")
					if err != nil {
						b.Fatal(err)
					}
					for r := 0; r < rows; r++ {
						if _, err := st.ExecContext(ctx, int64(r), "user", float64(r)/7, day, day); err != nil {
							b.Fatal(err)
						}
					}
					st.Close()
					tx.Commit()
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
			b.ReportMetric(float64(rows)*float64(b.N)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
		})
	}
}

// cpuTime is the CPU time the process used so far, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkObjects runs the same job on local disk and on the S3 test
// server (FLARE_TEST_S3_*): write the 1,000,000-row relation as parquet and
// as csv part files, read each back and aggregate it.
//
//	source .ci/seaweedfs.sh
//	go test ./internal/connector -run '^$' -bench BenchmarkObjects -benchtime 3x
func BenchmarkObjects(b *testing.B) {
	store, prefix := s3test.Store(b)
	n := benchRows()
	q := benchQuery(n)
	for _, format := range []string{"parquet", "csv"} {
		for _, where := range []string{"local", "s3"} {
			ctx := context.Background()
			db, _ := sql.Open("duckdb", "")
			conn, _ := db.Conn(ctx)
			var path string
			var st ObjectStore
			if where == "local" {
				path = filepath.Join(b.TempDir(), "out")
			} else {
				path = "s3://" + store.Bucket() + "/" + prefix + format + "/out"
				st = store
			}
			opts := map[string]string(nil)
			if format == "csv" {
				opts = map[string]string{"header": "true", "inferSchema": "true"}
			}
			b.Run("write "+format+" "+where, func(b *testing.B) {
				start := time.Now()
				for i := 0; i < b.N; i++ {
					if _, err := Write(ctx, conn, q, Sink{Path: path, Format: format, Store: st}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
			})
			b.Run("read "+format+" "+where, func(b *testing.B) {
				start := time.Now()
				for i := 0; i < b.N; i++ {
					rel, err := Read(ctx, conn, Source{Path: path, Format: format, Store: st, Options: opts})
					if err != nil {
						b.Fatal(err)
					}
					var c int64
					var s float64
					if err := conn.QueryRowContext(ctx, "SELECT count(*), sum(score) FROM "+rel.SQL).Scan(&c, &s); err != nil || c != int64(n) {
						b.Fatalf("%d rows, %v", c, err)
					}
					rel.Close(ctx, conn)
				}
				b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
			})
			conn.Close()
			db.Close()
		}
	}
}
