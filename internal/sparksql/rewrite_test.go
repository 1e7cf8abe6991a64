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
		{"backtick identifier untouched", "SELECT `explode`(a), `size` FROM t", `SELECT "explode"(a), "size" FROM t`},
		{"double quotes are a string", `SELECT "36006", "it\"s", "a'b"`, `SELECT '36006', 'it"s', 'a''b'`},
		{"double-quoted string in a condition", `WHEN MATCHED AND zip_code = "36006"`, `WHEN MATCHED AND zip_code = '36006'`},
		{"adjacent literals", `SELECT 'a' "b"  'c'`, `SELECT 'abc'`},
		{"binary literal", `SELECT x'0aFF', X '01'`, `SELECT CAST('\x0A\xFF' AS BLOB), CAST('\x01' AS BLOB)`},
		{"null-safe equality", `SELECT a <=> b`, `SELECT a IS NOT DISTINCT FROM b`},
		{"bang", `SELECT ! a`, `SELECT NOT  a`},
		{"xor", `SELECT 3 ^ 5 + 1, a ^ b ^ c`, `SELECT xor(3, 5 + 1), xor(xor(a, b), c)`},
		{"div", `SELECT 7 div 2`, `SELECT spark_div(7, 2)`},
		{"like escape", `WHERE a LIKE 'x\_%' AND b NOT ILIKE c`, `WHERE a LIKE 'x\_%' ESCAPE '\' AND b NOT ILIKE c ESCAPE '\'`},
		{"cluster by", "SELECT * FROM t CLUSTER BY a, b", "SELECT * FROM t ORDER BY a, b"},
		{"distribute and sort by", "SELECT * FROM t DISTRIBUTE BY a SORT BY b LIMIT 3", "SELECT * FROM t  ORDER BY b LIMIT 3"},
		{"distribute by in a window", "SELECT sum(x) OVER (DISTRIBUTE BY a SORT BY b) FROM t", "SELECT sum(x) OVER (PARTITION BY a ORDER BY b) FROM t"},
		{"values without parentheses", "SELECT * FROM VALUES 1, 2 AS t(x)", "SELECT * FROM VALUES (1), (2) AS t(x)"},
		{"lambda", "SELECT transform(a, x -> x + 1)", "SELECT list_transform(a, lambda _l2:  _l2 + 1)"},
		{"interval", "SELECT INTERVAL '1-2' YEAR TO MONTH, INTERVAL 3 DAYS 4 HOURS", "SELECT INTERVAL '14 months', INTERVAL '3 days 14400000000 microseconds'"},
		{"named argument", "SELECT explode(collection => a)", "SELECT unnest( a)"},
		{"map", "SELECT map(1, 'a', 2, 'b')", "SELECT MAP([1, 2], [ 'a', 'b'])"},
		{"named_struct", "SELECT named_struct('a', 1, \"b\", x)", `SELECT struct_pack("a" :=  1,"b" :=  x)`},
		{"cast to spark type", "SELECT CAST(x AS ARRAY<STRING>), CAST(y AS STRUCT<a: INT, b: MAP<STRING, LONG>>)", `SELECT CAST(x  AS VARCHAR[]), CAST(y  AS STRUCT("a" INTEGER, "b" MAP(VARCHAR, BIGINT)))`},
		{"qualified name untouched", "SELECT s.explode(a)", "SELECT s.explode(a)"},
		{"line comment kept", "SELECT 1 -- explode(a)\n", "SELECT 1 /* explode(a)*/\n"},
		{"nested block comment", "SELECT /* explode(a) /* nested */ */ 1", "SELECT /* explode(a)    nested    */ 1"},
		{"hint kept as comment", "SELECT /*+ REPARTITION(4) */ * FROM t", "SELECT /*+ REPARTITION(4) */ * FROM t"},
		{"backticks", "SELECT `a b`, `x``y`, `q\"` FROM t", `SELECT "a b", "x` + "`" + `y", "q""" FROM t`},
		{"escaped quote", `SELECT 'it\'s'`, `SELECT 'it''s'`},
		{"double backslash", `SELECT '\\d+'`, `SELECT '\d+'`},
		{"unknown escape", `SELECT '\d'`, `SELECT 'd'`},
		{"like escapes kept", `SELECT '50\%'`, `SELECT '50\%'`},
		{"newline escape", `SELECT 'a\nb'`, `SELECT ('a' || chr(10) || 'b')`},
		{"unicode escape", `SELECT '\u0041'`, `SELECT 'A'`},
		{"raw string", `SELECT r'\d+'`, `SELECT '\d+'`},
		{"doubled quote is two literals", `SELECT 'it''s'`, `SELECT 'its'`},
		{"current_timestamp", "SELECT current_timestamp(), current_timestamp", "SELECT CAST(current_timestamp AS TIMESTAMP), CAST(current_timestamp AS TIMESTAMP)"},
		{"date_format", "SELECT date_format(ts, 'yyyy-MM-dd')", "SELECT strftime(spark_ts(ts),'%Y-%m-%d')"},
		{"nested", "SELECT date_format(to_date(s, 'dd/MM/yyyy'), 'MMM')", "SELECT strftime(spark_ts(CAST(try_strptime(s,'%d/%m/%Y') AS DATE)),'%b')"},
		{"cast function", "SELECT int(x), string(y)", "SELECT spark_try_to_integer(x), spark_try_to_varchar(y)"},
		{"cast types", "SELECT CAST(x AS timestamp), x::date, y::decimal(10, 2)", "SELECT CAST(x  AS TIMESTAMP), x::DATE, y::DECIMAL(10,2)"},
		{"insert column list untouched", "INSERT INTO split (a) VALUES (1)", "INSERT INTO split (a) VALUES (1)"},
		{"split renamed", "SELECT split(s, ',')", "SELECT spark_split(s, ',')"},
		{"substring from", "SELECT substring(s FROM 2 FOR 3)", "SELECT spark_substr(s , 2 , 3)"},
		{"datediff with a unit", "SELECT datediff(day, a, b)", "SELECT date_sub('day', spark_ts( a), spark_ts( b))"},
		{"concat", "SELECT concat(a, b + 1)", "SELECT ((a) || ( b + 1))"},
		{"rlike", "WHERE s RLIKE '^a\\\\d' OR s NOT REGEXP 'b'", "WHERE regexp_matches(s, '^a\\d') OR NOT regexp_matches(s, 'b')"},
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
		0:  "/* explode(x) stays*/",
		3:  "'%Y-%m-%d %H:%M'",
		4:  "'%d %b %Y'",
		7:  "'multi' || chr(10) || 'line explode(x)'",
		8:  "*/ AS s,",
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
