package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSandbox measures what the sandbox (external access only in the
// allowed folders, configuration locked) costs on the work a job does: a
// CSV scan with an aggregate, a Parquet scan with a filtered aggregate, and
// a partitioned Parquet write. Each runs on the same data with and without
// AllowedDirs; compare the pairs (docs/performance.md).
//
//	go test ./internal/engine -run '^$' -bench Sandbox -count 5
func BenchmarkSandbox(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		b.Fatal(err)
	}
	csv := filepath.Join(data, "orders.csv")
	pq := filepath.Join(data, "orders.parquet")
	gen, err := Open(ctx, Settings{})
	if err != nil {
		b.Fatal(err)
	}
	const rows = 2_000_000
	orders := fmt.Sprintf(`SELECT i AS id, i %% 1000 AS customer, (i %% 97) * 1.25 AS amount,
		TIMESTAMP '2024-01-01' + to_seconds(i %% 31536000) AS ts FROM range(%d) t(i)`, rows)
	for _, q := range []string{
		"COPY (" + orders + ") TO " + Quote(csv) + " (HEADER)",
		"COPY (" + orders + ") TO " + Quote(pq) + " (FORMAT parquet)",
	} {
		if err := gen.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	gen.Close()
	work := []struct{ name, sql string }{
		{"csv-aggregate", "SELECT customer, sum(amount) FROM read_csv(" + Quote(csv) + ") GROUP BY 1"},
		{"parquet-filter", "SELECT count(*), avg(amount) FROM read_parquet(" + Quote(pq) + ") WHERE customer < 100"},
		{"parquet-write", ""},
	}
	for _, w := range work {
		for _, mode := range []string{"open", "sandboxed"} {
			b.Run(w.name+"/"+mode, func(b *testing.B) {
				tmp := filepath.Join(dir, "tmp-"+mode)
				out := filepath.Join(dir, "out-"+mode)
				if err := os.MkdirAll(out, 0o755); err != nil {
					b.Fatal(err)
				}
				s := Settings{TempDir: tmp}
				if mode == "sandboxed" {
					s.AllowedDirs = []string{data, tmp, out}
				}
				ses, err := Open(ctx, s)
				if err != nil {
					b.Fatal(err)
				}
				defer ses.Close()
				for i := 0; b.Loop(); i++ {
					q := w.sql
					if q == "" {
						q = fmt.Sprintf("COPY (SELECT *, month(ts) AS m FROM read_parquet(%s)) TO %s (FORMAT parquet, PARTITION_BY (m), OVERWRITE_OR_IGNORE)",
							Quote(pq), Quote(filepath.Join(out, fmt.Sprint(i))))
						if err := ses.Exec(ctx, q); err != nil {
							b.Fatal(err)
						}
						continue
					}
					if _, err := ses.Query(ctx, q, -1); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
