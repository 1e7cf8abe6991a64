package lakehouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// BenchmarkLakehouseS3 runs the same table job on a local lakehouse and on
// a lakehouse on the S3 test server (FLARE_TEST_S3_*): overwrite a table
// with FLARE_BENCH_ROWS rows (default 1,000,000; id, name, score, day,
// timestamp; partitioned by day: 8 files), read it back and aggregate it
// with the file mirror warm (the files the write staged) and cold (the
// mirror emptied before each read, so every file is downloaded), and a
// copy-on-write delete of 10% of the rows (every file rewritten).
//
//	source .ci/seaweedfs.sh
//	go test ./internal/lakehouse -run '^$' -bench BenchmarkLakehouseS3 -benchtime 3x
func BenchmarkLakehouseS3(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("FLARE_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	src := fmt.Sprintf(`(SELECT i AS id, 'name-' || (i %% 1000) AS name, (i * 7) %% 100 AS score,
		DATE '2024-01-01' + CAST(i %% 8 AS INTEGER) AS day, TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts FROM range(%d) t(i))`, n)
	cfg := s3test.Config(b)
	store, prefix := s3test.Store(b)
	for _, where := range []string{"local", "s3"} {
		ctx := context.Background()
		dir := b.TempDir()
		root, opt := filepath.Join(dir, "lh"), lakehouse.Options{}
		if where == "s3" {
			root = store.URL(prefix + "bench")
			opt = lakehouse.Options{ObjectStore: cfg, StateDir: filepath.Join(dir, "state")}
		}
		l, err := lakehouse.Open(ctx, root, opt)
		if err != nil {
			b.Fatal(err)
		}
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		name := lakehouse.TableName{Collection: "bench", Dataset: "events"}
		write := func(b *testing.B) {
			if _, err := l.Write(ctx, db, src, lakehouse.WriteSpec{Table: name, Mode: lakehouse.Overwrite,
				Partition: []lakehouse.PartitionField{{Type: "identity", Column: "day"}}}); err != nil {
				b.Fatal(err)
			}
		}
		read := func(b *testing.B) {
			t, err := l.LoadTable(ctx, name)
			if err != nil {
				b.Fatal(err)
			}
			q, err := t.SelectSQL(ctx, lakehouse.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			var c int64
			var s float64
			if err := db.QueryRowContext(ctx, "SELECT count(*), sum(score) FROM ("+q+")").Scan(&c, &s); err != nil || c != int64(n) {
				b.Fatalf("%d rows, %v", c, err)
			}
		}
		rate := func(b *testing.B, start time.Time, pause time.Duration) {
			b.ReportMetric(float64(n)*float64(b.N)/(time.Since(start)-pause).Seconds(), "rows/s")
		}
		b.Run("overwrite "+where, func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				write(b)
			}
			rate(b, start, 0)
		})
		b.Run("read warm "+where, func(b *testing.B) {
			start := time.Now()
			for i := 0; i < b.N; i++ {
				read(b)
			}
			rate(b, start, 0)
		})
		if where == "s3" {
			b.Run("read cold "+where, func(b *testing.B) {
				start := time.Now()
				var pause time.Duration
				for i := 0; i < b.N; i++ {
					t0 := time.Now()
					b.StopTimer()
					if err := os.RemoveAll(filepath.Join(opt.StateDir, lakehouse.MirrorDir)); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					pause += time.Since(t0)
					read(b)
				}
				rate(b, start, pause)
			})
		}
		b.Run("delete 10% "+where, func(b *testing.B) {
			start := time.Now()
			var pause time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				b.StopTimer()
				write(b)
				b.StartTimer()
				pause += time.Since(t0)
				if _, err := l.Delete(ctx, db, lakehouse.DeleteSpec{Table: name, Where: "id % 10 = 0"}); err != nil {
					b.Fatal(err)
				}
			}
			rate(b, start, pause)
		})
		_ = db.Close()
		_ = l.Close()
	}
}
