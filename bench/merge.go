package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// mergeBench measures MERGE INTO: upsert 1% of an N-row table partitioned
// by day(ts) (half updates of the most recent rows, half inserts of new
// ones), copy-on-write and merge-on-read, against producing the same result
// by rewriting the whole table with saveMode overwrite.
func mergeBench(args []string) error {
	fs := flag.NewFlagSet("merge", flag.ExitOnError)
	rows := fs.Int("rows", 1_000_000, "rows in the table")
	spread := fs.Bool("spread", false, "update rows spread evenly over the whole table instead of the latest ones")
	debug := fs.Bool("debug", false, "log each step (and its SQL) to stderr")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench-merge"), "work folder (emptied first)")
	fs.Parse(args)
	ctx := context.Background()
	if err := os.RemoveAll(*dir); err != nil {
		return err
	}
	opts := lakehouse.Options{}
	if *debug {
		opts.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	lh, err := lakehouse.Open(ctx, filepath.Join(*dir, "lakehouse"), opts)
	if err != nil {
		return err
	}
	defer lh.Close()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	n, change := *rows, *rows/100
	half := change / 2
	// ids are in time order: 365 days of rows, so the most recent updates
	// land in the last day or two.
	updated := fmt.Sprintf("id >= %d", n-half)
	where := "the latest rows"
	if *spread {
		updated, where = fmt.Sprintf("id %% %d = 0 AND id < %d", n/half, half*(n/half)), "rows spread over every day"
	}
	base := fmt.Sprintf(`SELECT i AS id, TIMESTAMP '2024-01-01' + to_microseconds(CAST(i * (365 * 86400000000 / %d) AS BIGINT)) AS ts,
		'c' || (i %% 50000) AS customer, round((i %% 1000) * 1.5, 2) AS amount, 'new' AS status FROM range(%d) t(i)`, n, n)
	stmts := []string{
		"CREATE TABLE base AS " + base,
		fmt.Sprintf(`CREATE TABLE changes AS
			SELECT id, ts, customer, amount + 1 AS amount, 'updated' AS status FROM base WHERE %s
			UNION ALL
			SELECT %d + i AS id, TIMESTAMP '2025-01-01' + to_microseconds(i * 1000) AS ts, 'c' || i AS customer, 1.0 AS amount, 'inserted' AS status FROM range(%d) t(i)`,
			updated, n, change-half),
		`CREATE VIEW full_result AS
			SELECT * FROM base WHERE id NOT IN (SELECT id FROM changes) UNION ALL SELECT * FROM changes`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	fmt.Printf("table: %d rows partitioned by day(ts); upsert %d rows (%d updates of %s, %d inserts)\n\n", n, change, half, where, change-half)

	type result struct {
		name  string
		wall  time.Duration
		files string
	}
	var results []result
	upsert, err := plan.ParseMergeClauses("MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
	if err != nil {
		return err
	}
	for _, mode := range []string{lakehouse.CopyOnWrite, lakehouse.MergeOnRead} {
		name := lakehouse.TableName{Collection: "bench", Dataset: "orders_" + map[string]string{lakehouse.CopyOnWrite: "cow", lakehouse.MergeOnRead: "mor"}[mode]}
		t0 := time.Now()
		if _, err := lh.Write(ctx, db, "base", lakehouse.WriteSpec{Table: name, Mode: lakehouse.Overwrite,
			Partition:  []lakehouse.PartitionField{{Type: "day", Column: "ts"}},
			Properties: map[string]string{lakehouse.PropMergeMode: mode}}); err != nil {
			return err
		}
		fmt.Printf("initial write (%s table): %.2f s\n", mode, time.Since(t0).Seconds())
		t0 = time.Now()
		res, err := lh.Merge(ctx, db, "changes", lakehouse.MergeSpec{Table: name, On: "old.id = new.id", Clauses: upsert})
		if err != nil {
			return err
		}
		wall := time.Since(t0)
		if res.Updated != int64(half) || res.Inserted != int64(change-half) {
			return fmt.Errorf("merge %s: %d updated, %d inserted; want %d and %d", mode, res.Updated, res.Inserted, half, change-half)
		}
		how := "rewritten"
		if mode == lakehouse.MergeOnRead {
			how = "given position deletes"
		}
		results = append(results, result{"merge " + mode, wall,
			fmt.Sprintf("%d of %d data files %s, %d added, %d delete files", res.FilesRewritten, res.FilesTotal, how, res.FilesAdded, res.DeleteFilesAdded)})
		if mode == lakehouse.MergeOnRead {
			tbl, err := lh.LoadTable(ctx, name)
			if err != nil {
				return err
			}
			q, err := tbl.SelectSQL(ctx, lakehouse.ReadOptions{})
			if err != nil {
				return err
			}
			t0 = time.Now()
			var c int64
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM ("+q+") WHERE status = 'updated'").Scan(&c); err != nil {
				return err
			}
			results = append(results, result{"read after merge-on-read", time.Since(t0), fmt.Sprintf("%d updated rows seen (position deletes applied)", c)})
		}
	}
	// The same result by a whole-table overwrite, its source computed two
	// ways: from the DuckDB table the bench generated (in memory: no Parquet
	// read, the cheapest possible overwrite), and from the Iceberg table
	// itself (read its Parquet files, drop the changed ids, add the changes:
	// what a job without MERGE would do).
	var full, fromTable time.Duration
	for _, src := range []string{"memory", "table"} {
		name := lakehouse.TableName{Collection: "bench", Dataset: "orders_full_" + src}
		if _, err := lh.Write(ctx, db, "base", lakehouse.WriteSpec{Table: name, Mode: lakehouse.Overwrite,
			Partition: []lakehouse.PartitionField{{Type: "day", Column: "ts"}}}); err != nil {
			return err
		}
		t0 := time.Now()
		view := "full_result"
		if src == "table" {
			tbl, err := lh.LoadTable(ctx, name)
			if err != nil {
				return err
			}
			q, err := tbl.SelectSQL(ctx, lakehouse.ReadOptions{})
			if err != nil {
				return err
			}
			view = "full_result_from_table"
			if _, err := db.ExecContext(ctx, "CREATE OR REPLACE VIEW "+view+" AS SELECT * FROM ("+q+") AS t WHERE id NOT IN (SELECT id FROM changes) UNION ALL SELECT * FROM changes"); err != nil {
				return err
			}
		}
		wr, err := lh.Write(ctx, db, view, lakehouse.WriteSpec{Table: name, Mode: lakehouse.Overwrite})
		if err != nil {
			return err
		}
		d := time.Since(t0)
		if src == "memory" {
			full = d
		} else {
			fromTable = d
		}
		results = append(results, result{"overwrite (source " + src + ")", d, fmt.Sprintf("%d files written", wr.Files)})
	}

	for _, r := range results {
		fmt.Printf("%-26s %8.3f s  %s\n", r.name, r.wall.Seconds(), r.files)
	}
	for _, m := range results[:2] {
		fmt.Printf("ratio %s / overwrite: %.3f (source in memory), %.3f (source read from the table)\n",
			m.name, m.wall.Seconds()/full.Seconds(), m.wall.Seconds()/fromTable.Seconds())
	}
	return nil
}
