package sparksql_test

import (
	"context"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// The benchmarks compare Spark spellings, run through Rewrite and the
// macros, with the DuckDB SQL one would write by hand, over 1M rows. Results
// on the 2-core machine are in docs/spark-sql.md ("Cost"); the pairs run in
// the same time because Rewrite converts a literal Java pattern once, at text
// level, and DuckDB inlines macros before planning.

func BenchmarkDateFormat(b *testing.B) {
	runBench(b, "SELECT sum(length(date_format(TIMESTAMP '2020-01-01' + to_seconds(i), 'yyyy-MM-dd HH:mm:ss'))) FROM range(1000000) t(i)")
}

func BenchmarkStrftime(b *testing.B) {
	runBench(b, "SELECT sum(length(strftime(TIMESTAMP '2020-01-01' + to_seconds(i), '%Y-%m-%d %H:%M:%S'))) FROM range(1000000) t(i)")
}

func BenchmarkToDatePattern(b *testing.B) {
	runBench(b, "SELECT count(to_date(CAST(i % 28 + 1 AS VARCHAR) || '/03/2024', 'd/MM/yyyy')) FROM range(1000000) t(i)")
}

func BenchmarkStrptime(b *testing.B) {
	runBench(b, "SELECT count(CAST(try_strptime(CAST(i % 28 + 1 AS VARCHAR) || '/03/2024', '%-d/%m/%Y') AS DATE)) FROM range(1000000) t(i)")
}

func BenchmarkNvlMacro(b *testing.B) {
	runBench(b, "SELECT sum(nvl(CASE WHEN i % 2 = 0 THEN NULL ELSE i END, 1)) FROM range(1000000) t(i)")
}

func BenchmarkCoalesce(b *testing.B) {
	runBench(b, "SELECT sum(coalesce(CASE WHEN i % 2 = 0 THEN NULL ELSE i END, 1)) FROM range(1000000) t(i)")
}

func runBench(b *testing.B, spark string) {
	db := openDB(b)
	q, err := sparksql.Rewrite(spark)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		var n any
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToTimestampText(b *testing.B) {
	runBench(b, "SELECT count(to_timestamp('2024-03-' || CAST(i % 28 + 1 AS VARCHAR) || ' 10:00:00')) FROM range(1000000) t(i)")
}

func BenchmarkCastTimestampText(b *testing.B) {
	runBench(b, "SELECT count(TRY_CAST('2024-03-' || CAST(i % 28 + 1 AS VARCHAR) || ' 10:00:00' AS TIMESTAMP)) FROM range(1000000) t(i)")
}

// BenchmarkTranslate measures the rewrite of a typical step.
func BenchmarkTranslate(b *testing.B) {
	q := `SELECT city_id, initcap(city_name) AS city_name, concat_ws(', ', county_name, state_code) AS county,
  nvl(population, 0) AS population, size(split(county_name, '\\s+')) AS county_words,
  date_format(current_timestamp(), 'yyyy-MM-dd') AS loaded_on, transform(tags, x -> upper(x)) AS tags
FROM city WHERE city_id RLIKE '^C[0-9]+$' AND zip_code = "36006" CLUSTER BY city_id`
	for b.Loop() {
		if _, err := sparksql.Translate(q); err != nil {
			b.Fatal(err)
		}
	}
}
