package quality_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/quality"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// BenchmarkEvaluate measures the docs' assertions (13 checks, 11 column
// metrics in one pass, one sql assertion) over FLARE_BENCH_ROWS rows
// (default 10,000,000) of a Parquet file, against reading the file once
// (count of every column): docs/quality.md has the figures.
//
//	go test ./internal/quality -run '^$' -bench Evaluate -benchtime 3x
func BenchmarkEvaluate(b *testing.B) {
	rows := 10_000_000
	if s := os.Getenv("FLARE_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	ctx := context.Background()
	ses, err := engine.Open(ctx, engine.Settings{Threads: 2, MemoryLimit: "4GB", TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	if err := ses.NeedAll(ctx); err != nil {
		b.Fatal(err)
	}
	defer ses.Close()
	src := b.TempDir() + "/orders.parquet"
	if err := ses.Exec(ctx, `COPY (SELECT i AS order_id, CASE WHEN i % 50 = 0 THEN NULL ELSE (i % 2000)::DOUBLE END AS order_amount,
		['Urbane', 'Awkward Styles', 'Other', 'Nope'][i % 4 + 1] AS brand_name FROM range(`+strconv.Itoa(rows)+`) t(i))
		TO '`+src+`' (FORMAT parquet)`); err != nil {
		b.Fatal(err)
	}
	if err := ses.Exec(ctx, "CREATE VIEW source AS SELECT * FROM read_parquet('"+src+"')"); err != nil {
		b.Fatal(err)
	}
	cases := readCases(b, "testdata/docs.test")
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(cases[0].assertions), &node); err != nil {
		b.Fatal(err)
	}
	as, err := quality.FromYAML(&node, "docs.test")
	if err != nil {
		b.Fatal(err)
	}
	cols, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM source")
	if err != nil {
		b.Fatal(err)
	}
	suite, err := quality.Compile(ctx, quality.Dataset{Name: "source", From: "source", Columns: cols}, as, quality.CompileOptions{Rewrite: sparksql.Rewrite})
	if err != nil {
		b.Fatal(err)
	}
	var base float64
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if _, err := ses.Query(ctx, "SELECT count(order_id), count(order_amount), count(brand_name) FROM source", -1); err != nil {
				b.Fatal(err)
			}
		}
		base = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("assertions", func(b *testing.B) {
		for b.Loop() {
			if _, err := suite.Evaluate(ctx, ses.Conn()); err != nil {
				b.Fatal(err)
			}
		}
		if base > 0 {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x-read")
		}
	})
}
