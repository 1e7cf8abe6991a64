package lakehouse_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// BenchmarkAppend times one small append (100 rows, one day(ts) partition)
// into a table that grows by one snapshot per iteration: describing the
// result, DuckDB's COPY, reading the file statistics and the commit. Run
// with a fixed count (-benchtime=200x) so that runs compare.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	l, err := lakehouse.Open(ctx, filepath.Join(b.TempDir(), "lh"), lakehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := lakehouse.TableName{Collection: "bench", Dataset: "appends"}
	spec := lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append, Partition: []lakehouse.PartitionField{{Type: "day", Column: "ts"}}}
	src := "(SELECT i AS id, TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts, 'c' || (i % 7) AS customer FROM range(100) t(i))"
	if _, err := l.Write(ctx, db, src, spec); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.Write(ctx, db, src, spec); err != nil {
			b.Fatal(err)
		}
	}
}
