package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// maintenanceBench builds a table from many small appends (one day of a
// day(ts)-partitioned table each) and prints the figures of
// docs/performance.md: file count, compaction time, a full-scan query before
// and after compaction, and scan planning before and after rewrite_manifest.
//
//	go run ./bench maintenance [--appends 1000] [--rows 1000] [--days 30]
func maintenanceBench(args []string) error {
	fs := flag.NewFlagSet("maintenance", flag.ExitOnError)
	appends := fs.Int("appends", 1000, "number of small appends")
	rows := fs.Int("rows", 1000, "rows per append")
	days := fs.Int("days", 30, "day partitions the appends cycle through")
	repeat := fs.Int("repeat", 5, "runs of each timed read; the median is reported")
	fs.Parse(args)
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "flare-bench-maint-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lh, err := lakehouse.Open(ctx, filepath.Join(dir, "lakehouse"), lakehouse.Options{})
	if err != nil {
		return err
	}
	defer lh.Close()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	name := lakehouse.TableName{Collection: "bench", Dataset: "orders"}
	part := []lakehouse.PartitionField{{Type: "day", Column: "ts"}}

	start := time.Now()
	// the cost of one append grows with the table's history: time the
	// first and the last 100
	var first, last time.Duration
	lastFrom := time.Now()
	for i := range *appends {
		if i == *appends-100 {
			lastFrom = time.Now()
		}
		q := fmt.Sprintf(`CREATE OR REPLACE TABLE src AS SELECT %[1]d * %[2]d + r AS id,
			TIMESTAMP '2024-01-01' + INTERVAL (%[1]d %% %[3]d) DAY + INTERVAL (r) SECOND AS ts,
			'c' || (r %% 97) AS customer, CAST(r %% 1000 AS DOUBLE) / 10 AS amount
			FROM range(%[2]d) t(r)`, i, *rows, *days)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
		if _, err := lh.Write(ctx, db, "src", lakehouse.WriteSpec{Table: name, Mode: lakehouse.Append, Partition: part}); err != nil {
			return err
		}
		if i == 99 {
			first = time.Since(start)
		}
	}
	last = time.Since(lastFrom)
	fmt.Printf("table: %d appends of %d rows, day(ts) over %d days, built in %s\n", *appends, *rows, *days, time.Since(start).Round(time.Millisecond))
	if *appends >= 200 {
		fmt.Printf("  per append: %s over the first 100, %s over the last 100\n", (first / 100).Round(time.Millisecond), (last / 100).Round(time.Millisecond))
	}

	load := func() *lakehouse.Table {
		t, err := lh.LoadTable(ctx, name)
		if err != nil {
			panic(err)
		}
		return t
	}
	oneDay := iceberg.NewAnd(iceberg.GreaterThanEqual(iceberg.Reference("ts"), "2024-01-05T00:00:00"),
		iceberg.LessThan(iceberg.Reference("ts"), "2024-01-06T00:00:00"))
	plan := func(filter iceberg.BooleanExpression) (time.Duration, int) {
		var n int
		d := medianOf(*repeat, func() {
			files, err := load().PlanFiles(ctx, lakehouse.ReadOptions{Filter: filter})
			if err != nil {
				panic(err)
			}
			n = len(files)
		})
		return d, n
	}
	query := func() (time.Duration, string) {
		var res string
		d := medianOf(*repeat, func() {
			q, err := load().SelectSQL(ctx, lakehouse.ReadOptions{})
			if err != nil {
				panic(err)
			}
			if err := db.QueryRowContext(ctx, "SELECT count(*) || ' rows, sum ' || sum(amount) || ', ' || count(DISTINCT customer) || ' customers' FROM ("+q+")").Scan(&res); err != nil {
				panic(err)
			}
		})
		return d, res
	}

	mans, _ := manifestCount(ctx, load())
	files := len(mustFiles(ctx, load()))
	planAll, _ := plan(nil)
	planDay, dayFiles := plan(oneDay)
	fmt.Printf("before: %d data files, %d data manifests\n", files, mans)
	fmt.Printf("  scan planning, full table:  %s\n", planAll.Round(time.Microsecond))
	fmt.Printf("  scan planning, one day:     %s (%d files)\n", planDay.Round(time.Microsecond), dayFiles)
	qBefore, resBefore := query()
	fmt.Printf("  full-scan query (plan + read): %s  [%s]\n", qBefore.Round(time.Microsecond), resBefore)

	rm, err := maintenance.RewriteManifests(ctx, load(), maintenance.ManifestOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("rewrite_manifest: %s\n", rm.Summary())
	planAll2, _ := plan(nil)
	planDay2, _ := plan(oneDay)
	fmt.Printf("  scan planning, full table:  %s (%.1fx faster)\n", planAll2.Round(time.Microsecond), float64(planAll)/float64(planAll2))
	fmt.Printf("  scan planning, one day:     %s (%.1fx faster)\n", planDay2.Round(time.Microsecond), float64(planDay)/float64(planDay2))

	qMid, _ := query()
	fmt.Printf("  full-scan query (plan + read): %s (%.1fx faster)\n", qMid.Round(time.Microsecond), float64(qBefore)/float64(qMid))

	cr, err := maintenance.Compact(ctx, lh, db, load(), maintenance.CompactOptions{})
	if err != nil {
		return err
	}
	fmt.Printf("rewrite_dataset: %s\n", cr.Summary())
	qAfter, resAfter := query()
	if resAfter != resBefore {
		return fmt.Errorf("rows changed by compaction: %s, then %s", resBefore, resAfter)
	}
	fmt.Printf("  full-scan query (plan + read): %s (%.1fx faster than after rewrite_manifest, %.1fx than at first)  [%s]\n",
		qAfter.Round(time.Microsecond), float64(qMid)/float64(qAfter), float64(qBefore)/float64(qAfter), resAfter)
	return nil
}

func medianOf(n int, fn func()) time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		s := time.Now()
		fn()
		ds[i] = time.Since(s)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[n/2]
}

func mustFiles(ctx context.Context, t *lakehouse.Table) []lakehouse.FileInfo {
	fs, err := t.Files(ctx)
	if err != nil {
		panic(err)
	}
	return fs
}

func manifestCount(ctx context.Context, t *lakehouse.Table) (int, error) {
	tbl := t.Iceberg()
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return 0, err
	}
	ms, err := tbl.CurrentSnapshot().Manifests(fsys)
	return len(ms), err
}
