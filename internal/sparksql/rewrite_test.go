package sparksql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"explode", "SELECT explode(a) FROM t", "SELECT unnest(a) FROM t"},
		{"explode upper case", "SELECT EXPLODE (a) FROM t", "SELECT unnest(a) FROM t"},
		{"string untouched", "SELECT 'explode(x)', explode(a)", "SELECT 'explode(x)', unnest(a)"},
		{"quoted identifier untouched", `SELECT "explode"(a), "size" FROM t`, `SELECT "explode"(a), "size" FROM t`},
		{"qualified name untouched", "SELECT s.explode(a)", "SELECT s.explode(a)"},
		{"line comment untouched", "SELECT 1 -- explode(a)\n", "SELECT 1 -- explode(a)\n"},
		{"block comment untouched", "SELECT /* explode(a) /* nested */ */ 1", "SELECT /* explode(a) /* nested */ */ 1"},
		{"hint kept as comment", "SELECT /*+ REPARTITION(4) */ * FROM t", "SELECT /*+ REPARTITION(4) */ * FROM t"},
		{"backticks", "SELECT `a b`, `x``y`, `q\"` FROM t", `SELECT "a b", "x` + "`" + `y", "q""" FROM t`},
		{"escaped quote", `SELECT 'it\'s'`, `SELECT 'it''s'`},
		{"double backslash", `SELECT '\\d+'`, `SELECT '\d+'`},
		{"unknown escape", `SELECT '\d'`, `SELECT 'd'`},
		{"like escapes kept", `SELECT '50\%'`, `SELECT '50\%'`},
		{"newline escape", `SELECT 'a\nb'`, `SELECT ('a' || chr(10) || 'b')`},
		{"unicode escape", `SELECT '\u0041'`, `SELECT 'A'`},
		{"raw string", `SELECT r'\d+'`, `SELECT '\d+'`},
		{"doubled quote", `SELECT 'it''s'`, `SELECT 'it''s'`},
		{"current_timestamp", "SELECT current_timestamp(), current_timestamp", "SELECT current_timestamp, current_timestamp"},
		{"date_format", "SELECT date_format(ts, 'yyyy-MM-dd')", "SELECT strftime(CAST(ts AS TIMESTAMP), '%Y-%m-%d')"},
		{"nested", "SELECT date_format(to_date(s, 'dd/MM/yyyy'), 'MMM')", "SELECT strftime(CAST(CAST(try_strptime(s, '%d/%m/%Y') AS DATE) AS TIMESTAMP), '%b')"},
		{"cast function", "SELECT int(x), string(y)", "SELECT TRY_CAST(x AS INTEGER), TRY_CAST(y AS VARCHAR)"},
		{"cast type untouched", "SELECT CAST(x AS timestamp(3)), x::date(1)", "SELECT CAST(x AS timestamp(3)), x::date(1)"},
		{"insert column list untouched", "INSERT INTO split (a) VALUES (1)", "INSERT INTO split (a) VALUES (1)"},
		{"split renamed", "SELECT split(s, ',')", "SELECT spark_split(s, ',')"},
		{"substring from untouched", "SELECT substring(s FROM 2 FOR 3)", "SELECT substring(s FROM 2 FOR 3)"},
		{"datediff duckdb form untouched", "SELECT datediff('day', a, b)", "SELECT datediff('day', a, b)"},
		{"concat", "SELECT concat(a, b + 1)", "SELECT ((a) || ( b + 1))"},
		{"rlike", "WHERE s RLIKE '^a\\\\d'", "WHERE s SIMILAR TO '(?s).*(?:^a\\d).*'"},
		{"typed literal", "SELECT 10L, 1.5D, 3", "SELECT CAST(10 AS BIGINT), CAST(1.5 AS DOUBLE), 3"},
		{"regexp_extract default group", "SELECT regexp_extract(s, '(a)')", "SELECT regexp_extract(s, '(a)', 1)"},
		{"plain sql untouched", "WITH x AS (SELECT a, count(DISTINCT b) AS n, sum(c) OVER (PARTITION BY a, b ORDER BY d) FROM t GROUP BY ALL)\nSELECT * FROM x WHERE a IN (1, 2, 3) AND b = 'x'", "WITH x AS (SELECT a, count(DISTINCT b) AS n, sum(c) OVER (PARTITION BY a, b ORDER BY d) FROM t GROUP BY ALL)\nSELECT * FROM x WHERE a IN (1, 2, 3) AND b = 'x'"},
		{"explode_outer", "SELECT explode_outer(a)", "SELECT unnest(spark_outer_array(a))"},
		{"monotonically_increasing_id", "SELECT monotonically_increasing_id() AS id", "SELECT (row_number() OVER () - 1) AS id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sparksql.Rewrite(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestRewriteKeepsLines checks that every line of a multi-line statement
// stays on its line, including line breaks inside rewritten calls, string
// literals and comments.
func TestRewriteKeepsLines(t *testing.T) {
	in := strings.Join([]string{
		"SELECT city_id, -- explode(x) stays",
		"  date_format(",
		"    to_timestamp(ts_text,",
		"      'yyyy-MM-dd HH:mm'),",
		"    'dd MMM yyyy') AS day,",
		"  explode_outer(",
		"    tags) AS tag,",
		"  'multi",
		"line explode(x)' AS s,",
		"  concat(a,",
		"         b) AS ab",
		"FROM t /* a",
		"comment */",
		"WHERE size(tags) > 0",
	}, "\n")
	out, err := sparksql.Rewrite(in)
	if err != nil {
		t.Fatal(err)
	}
	inLines, outLines := strings.Split(in, "\n"), strings.Split(out, "\n")
	if len(outLines) != len(inLines) {
		t.Fatalf("got %d lines, want %d:\n%s", len(outLines), len(inLines), out)
	}
	for i, want := range map[int]string{
		0:  "-- explode(x) stays",
		3:  "'%Y-%m-%d %H:%M'",
		4:  "'%d %b %Y'",
		8:  "line explode(x)' AS s,",
		12: "comment */",
		13: "WHERE size(tags) > 0",
	} {
		if !strings.Contains(outLines[i], want) {
			t.Errorf("line %d = %q, want it to contain %q", i+1, outLines[i], want)
		}
	}
}

// TestErrorLineSurvivesRewrite checks that DuckDB reports an error in
// rewritten SQL on the manifest's line.
func TestErrorLineSurvivesRewrite(t *testing.T) {
	db := openDB(t)
	in := "SELECT\n  date_format(\n    now(), 'yyyy'),\n  explode(array(1)),\n  no_such_column\nFROM range(1)"
	q, err := sparksql.Rewrite(in)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(context.Background(), q)
	if err == nil {
		t.Fatal("want a binder error")
	}
	if !strings.Contains(err.Error(), "LINE 5:") {
		t.Errorf("error %q does not point at LINE 5", err)
	}
}
