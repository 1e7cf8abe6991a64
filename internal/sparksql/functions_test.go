package sparksql_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// openDB opens an in-memory DuckDB with the session time zone fixed to UTC
// (Spark's results below assume spark.sql.session.timeZone=UTC).
func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one connection: the Go functions are registered on it
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := sparksql.Install(ctx, conn); err != nil {
		t.Fatal(err)
	}
	return db
}

// query rewrites spark, runs it and returns the first column of every row as
// text ("NULL" for NULL).
func query(t testing.TB, db *sql.DB, spark string) []string {
	t.Helper()
	q, err := sparksql.Rewrite(spark)
	if err != nil {
		t.Fatalf("Rewrite(%q): %v", spark, err)
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("run %q (from %q): %v", q, spark, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			out = append(out, v.String)
		} else {
			out = append(out, "NULL")
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("run %q: %v", q, err)
	}
	return out
}

// TestSparkFunctions checks each function against the result Spark 3.5
// documents (or gives) for the same call. expr is wrapped in
// SELECT CAST((expr) AS VARCHAR) unless sql holds a whole query.
func TestSparkFunctions(t *testing.T) {
	db := openDB(t)
	tests := []struct {
		name string
		expr string
		sql  string
		want string // rows joined by "|"
	}{
		{name: "nvl", expr: "nvl(NULL, array('2'))", want: "[2]"},
		{name: "nvl not null", expr: "nvl(1, 2)", want: "1"},
		{name: "nvl2", expr: "nvl2(NULL, 2, 1)", want: "1"},
		{name: "nvl2 not null", expr: "nvl2(0, 2, 1)", want: "2"},
		{name: "ifnull", expr: "ifnull(NULL, array('2'))", want: "[2]"},
		{name: "nanvl", expr: "nanvl(cast('NaN' as double), 123)", want: "123.0"},
		{name: "nanvl number", expr: "nanvl(1.5D, 123)", want: "1.5"},
		{name: "typed literals", expr: "typeof(1L) || typeof(2S) || typeof(3Y) || typeof(1.5D) || typeof(2.5BD) || typeof(1e3)", want: "bigintsmallinttinyintdoubledecimal(2,1)double"},
		{name: "isnull", expr: "isnull(1)", want: "false"},
		{name: "isnotnull", expr: "isnotnull(1)", want: "true"},
		{name: "if", expr: "if(1 < 2, 'a', 'b')", want: "a"},

		{name: "date_format year", expr: "date_format('2016-04-08', 'y')", want: "2016"},
		{name: "date_format full", expr: "date_format(timestamp '2016-04-08 13:05:09.123', 'yyyy-MM-dd HH:mm:ss.SSS')", want: "2016-04-08 13:05:09.123"},
		{name: "date_format names", expr: "date_format(date '2016-04-08', 'EEEE, MMMM d yy')", want: "Friday, April 8 16"},
		{name: "date_format short names", expr: "date_format(date '2016-04-08', 'EEE MMM dd')", want: "Fri Apr 08"},
		{name: "date_format 12h", expr: "date_format(timestamp '2016-04-08 13:05:09', 'hh:mm a h:m:s')", want: "01:05 PM 1:5:9"},
		{name: "date_format quoted", expr: "date_format(timestamp '2016-04-08 13:05:09', \"yyyy-MM-dd'T'HH 'o''clock' 100%\")", want: "2016-04-08T13 o'clock 100%"},
		{name: "date_format tz column", sql: "SELECT date_format(timestamptz '2016-04-08 23:30:00+00', 'yyyy-MM-dd HH:mm')", want: "2016-04-08 23:30"},
		{name: "date_format null", expr: "date_format(NULL, 'yyyy')", want: "NULL"},
		{name: "to_date", expr: "to_date('2009-07-30 04:17:52')", want: "2009-07-30"},
		{name: "to_date pattern", expr: "to_date('2016-12-31', 'yyyy-MM-dd')", want: "2016-12-31"},
		{name: "to_date european", expr: "to_date('31/12/2016', 'dd/MM/yyyy')", want: "2016-12-31"},
		{name: "to_date bad", expr: "to_date('foo', 'yyyy-MM-dd')", want: "NULL"},
		{name: "to_timestamp", expr: "to_timestamp('2016-12-31 00:12:00')", want: "2016-12-31 00:12:00"},
		{name: "to_timestamp pattern", expr: "to_timestamp('2016-12-31', 'yyyy-MM-dd')", want: "2016-12-31 00:00:00"},
		{name: "to_timestamp millis", expr: "to_timestamp('2016-12-31 01:02:03.456', 'yyyy-MM-dd HH:mm:ss.SSS')", want: "2016-12-31 01:02:03.456"},
		{name: "to_timestamp offset", expr: "to_timestamp('2016-12-31T10:00:00+02:00', \"yyyy-MM-dd'T'HH:mm:ssXXX\")", want: "2016-12-31 08:00:00"},
		{name: "to_timestamp null", expr: "to_timestamp(NULL, 'yyyy')", want: "NULL"},
		{name: "from_unixtime", expr: "from_unixtime(0, 'yyyy-MM-dd HH:mm:ss')", want: "1970-01-01 00:00:00"},
		{name: "from_unixtime default", expr: "from_unixtime(1460098800)", want: "2016-04-08 07:00:00"},
		{name: "from_unixtime null", expr: "from_unixtime(NULL)", want: "NULL"},
		{name: "unix_timestamp", expr: "unix_timestamp('2016-04-08', 'yyyy-MM-dd')", want: "1460073600"},
		{name: "unix_timestamp default pattern", expr: "unix_timestamp('2016-04-08 07:00:00')", want: "1460098800"},
		{name: "unix_timestamp now", expr: "unix_timestamp() > 1700000000", want: "true"},
		{name: "unix_timestamp type", expr: "typeof(unix_timestamp())", want: "bigint"},
		{name: "current_timestamp", expr: "current_timestamp() <= now()", want: "true"},
		{name: "current_date", expr: "current_date() = CAST(now() AS DATE)", want: "true"},
		{name: "date_add", expr: "date_add('2016-07-30', 1)", want: "2016-07-31"},
		{name: "date_add type", expr: "typeof(date_add(timestamp '2016-07-30 10:00:00', 1))", want: "date"},
		{name: "date_sub", expr: "date_sub('2016-07-30', 1)", want: "2016-07-29"},
		{name: "datediff", expr: "datediff('2009-07-31', '2009-07-30')", want: "1"},
		{name: "datediff negative", expr: "datediff('2009-07-30', '2009-07-31')", want: "-1"},
		{name: "datediff duckdb form", expr: "datediff('day', date '2009-07-30', date '2009-07-31')", want: "1"},
		{name: "add_months", expr: "add_months('2016-08-31', 1)", want: "2016-09-30"},
		{name: "dayofweek", expr: "dayofweek('2009-07-30')", want: "5"},
		{name: "dayofweek sunday", expr: "dayofweek(date '2024-01-07')", want: "1"},
		{name: "date_trunc", expr: "date_trunc('MM', '2015-03-05T09:32:05.359')", want: "2015-03-01 00:00:00"},
		{name: "trunc", expr: "trunc('2019-08-04', 'MM')", want: "2019-08-01"},
		{name: "trunc number", expr: "trunc(12.7)", want: "12"},

		{name: "collect_list", sql: "SELECT CAST(collect_list(x) AS VARCHAR) FROM (VALUES (1), (NULL), (2), (1)) t(x)", want: "[1, 2, 1]"},
		{name: "collect_list all null", sql: "SELECT CAST(collect_list(x) AS VARCHAR) FROM (VALUES (CAST(NULL AS INT))) t(x)", want: "[]"},
		{name: "collect_set", sql: "SELECT CAST(list_sort(collect_set(x)) AS VARCHAR) FROM (VALUES (1), (NULL), (2), (1)) t(x)", want: "[1, 2]"},
		{name: "collect_list group by", sql: "SELECT CAST(collect_list(x) AS VARCHAR) FROM (VALUES (1, 'a'), (1, NULL), (2, NULL)) t(k, x) GROUP BY k ORDER BY k", want: "[a]|[]"},
		{name: "size", expr: "size(array('b', 'd', 'c', 'a'))", want: "4"},
		{name: "size null", expr: "size(NULL)", want: "-1"},
		{name: "size empty", expr: "size(array())", want: "0"},
		{name: "explode", sql: "SELECT explode(array(10, 20))", want: "10|20"},
		{name: "explode column", sql: "SELECT CAST(k AS VARCHAR) || ':' || CAST(explode(a) AS VARCHAR) FROM (VALUES (1, [10, 20]), (2, []), (3, NULL)) t(k, a)", want: "1:10|1:20"},
		{name: "explode in from", sql: "SELECT CAST(col AS VARCHAR) FROM explode(array(10, 20)) AS t(col)", want: "10|20"},
		{name: "explode_outer", sql: "SELECT CAST(k AS VARCHAR) || ':' || coalesce(CAST(explode_outer(a) AS VARCHAR), 'null') FROM (VALUES (1, [10, 20]), (2, []), (3, NULL)) t(k, a) ORDER BY k", want: "1:10|1:20|2:null|3:null"},
		{name: "array_contains", expr: "array_contains(array(1, 2, 3), 2)", want: "true"},
		{name: "sort_array", expr: "sort_array(array('b', 'd', NULL, 'c', 'a'), true)", want: "[NULL, a, b, c, d]"},
		{name: "sort_array default", expr: "sort_array(array(3, 1, 2))", want: "[1, 2, 3]"},
		{name: "sort_array desc", expr: "sort_array(array('b', 'd', NULL, 'c', 'a'), false)", want: "[d, c, b, a, NULL]"},
		{name: "array_join", expr: "array_join(array('hello', NULL ,'world'), ' ')", want: "hello world"},
		{name: "array_join replacement", expr: "array_join(array('hello', NULL ,'world'), ' ', ',')", want: "hello , world"},

		{name: "concat", expr: "concat('Spark', 'SQL')", want: "SparkSQL"},
		{name: "concat null", expr: "concat('Spark', NULL)", want: "NULL"},
		{name: "concat numbers", expr: "concat('a', 1, 2.5)", want: "a12.5"},
		{name: "concat_ws", expr: "concat_ws(' ', 'Spark', NULL, 'SQL')", want: "Spark SQL"},
		{name: "substr", expr: "substr('Spark SQL', 5)", want: "k SQL"},
		{name: "substr negative", expr: "substr('Spark SQL', -3)", want: "SQL"},
		{name: "substr length", expr: "substr('Spark SQL', 5, 1)", want: "k"},
		{name: "substring zero", expr: "substring('Spark SQL', 0, 2)", want: "Sp"},
		{name: "substring negative length", expr: "substring('Spark SQL', 2, -1)", want: ""},
		{name: "substring from", expr: "substring('Spark SQL' FROM 7)", want: "SQL"},
		{name: "instr", expr: "instr('SparkSQL', 'SQL')", want: "6"},
		{name: "locate", expr: "locate('bar', 'foobarbar')", want: "4"},
		{name: "locate pos", expr: "locate('bar', 'foobarbar', 5)", want: "7"},
		{name: "lcase", expr: "lcase('SparkSql')", want: "sparksql"},
		{name: "ucase", expr: "ucase('SparkSql')", want: "SPARKSQL"},
		{name: "initcap", expr: "initcap('sPark sql')", want: "Spark Sql"},
		{name: "split", expr: "split('oneAtwoBthreeC', '[ABC]')", want: "[one, two, three, '']"},
		{name: "split limit", expr: "split('oneAtwoBthreeC', '[ABC]', 2)", want: "[one, twoBthreeC]"},
		{name: "split limit -1", expr: "split('oneAtwoBthreeC', '[ABC]', -1)", want: "[one, two, three, '']"},
		{name: "split dot is regex", expr: "split('a.b', '\\\\.')", want: "[a, b]"},
		{name: "regexp_extract", expr: "regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 1)", want: "100"},
		{name: "regexp_extract default group", expr: "regexp_extract('100-200', '(\\\\d+)-(\\\\d+)')", want: "100"},
		{name: "regexp_extract no match", expr: "regexp_extract('abc', 'x(\\\\d)', 1)", want: ""},
		{name: "rlike function", expr: "rlike('Spark', 'ar')", want: "true"},
		{name: "rlike operator", expr: "'Spark' RLIKE 'ar'", want: "true"},
		{name: "not rlike operator", expr: "'Spark' NOT RLIKE '^ar'", want: "true"},
		{name: "get_json_object", expr: "get_json_object('{\"a\":\"b\"}', '$.a')", want: "b"},
		{name: "get_json_object bad json", expr: "get_json_object('{oops', '$.a')", want: "NULL"},
		{name: "pmod", expr: "pmod(10, 3)", want: "1"},
		{name: "pmod negative", expr: "pmod(-10, 3)", want: "2"},
		{name: "format_string", expr: "format_string('Hello World %d %s', 100, 'days')", want: "Hello World 100 days"},

		{name: "int", expr: "int('12')", want: "12"},
		{name: "int bad", expr: "int('twelve')", want: "NULL"},
		{name: "string", expr: "string(12)", want: "12"},
		{name: "double", expr: "double('1.5')", want: "1.5"},
		{name: "bigint", expr: "bigint('9007199254740993')", want: "9007199254740993"},
		{name: "boolean", expr: "boolean('true')", want: "true"},
		{name: "date", expr: "date('2016-04-08')", want: "2016-04-08"},
		{name: "int truncates", expr: "int(2.5)", want: "2"},
		{name: "cast type untouched", expr: "CAST('7' AS int)", want: "7"},

		{name: "monotonically_increasing_id", sql: "SELECT CAST(monotonically_increasing_id() AS VARCHAR) FROM range(3) ORDER BY 1", want: "0|1|2"},
		{name: "percentile_approx", sql: "SELECT CAST(percentile_approx(x, 0.5) AS VARCHAR) FROM range(101) t(x)", want: "50"},
		{name: "sha2", expr: "sha2('Spark', 256)", want: "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b"},
		{name: "escaped string", expr: "'it\\'s'", want: "it's"},
		{name: "backtick identifier", sql: "SELECT `my col` FROM (SELECT 'v' AS \"my col\")", want: "v"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.sql
			if q == "" {
				q = "SELECT CAST((" + tc.expr + ") AS VARCHAR)"
			}
			if got := strings.Join(query(t, db, q), "|"); got != tc.want {
				t.Errorf("%s\n got %q\nwant %q", q, got, tc.want)
			}
		})
	}
}

func TestRewriteErrors(t *testing.T) {
	tests := []struct {
		name, sql, want string
	}{
		{"unsupported letter", "SELECT date_format(ts, 'yyyy QQ')", `"yyyy QQ"`},
		{"pattern not literal", "SELECT date_format(ts, fmt)", "string literal"},
		{"offset when formatting", "SELECT date_format(ts, 'HH:mm XXX')", "XXX"},
		{"optional section", "SELECT to_date(s, 'yyyy[-MM]')", "optional"},
		{"unterminated string", "SELECT 'abc", "line 1:8: unterminated string"},
		{"unterminated comment", "SELECT 1\n/* x", "line 2:1: unterminated /*"},
		{"error names line", "SELECT 1,\n  date_format(ts, 'G')", "line 2:3: date_format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sparksql.Rewrite(tc.sql)
			if err == nil {
				t.Fatalf("Rewrite(%q): want an error", tc.sql)
			}
			if !errors.Is(err, sparksql.ErrRewrite) {
				t.Errorf("error %v is not ErrRewrite", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestInstallTwice(t *testing.T) {
	db := openDB(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := sparksql.Install(context.Background(), conn); err != nil {
		t.Fatalf("second Install: %v", err)
	}
	conn.Close()
	if got := query(t, db, "SELECT CAST(nvl(NULL, 1) AS VARCHAR)"); len(got) != 1 || got[0] != "1" {
		t.Errorf("nvl after second Install: %v", got)
	}
}

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"yyyy-MM-dd", "%Y-%m-%d"},
		{"dd/MM/yyyy HH:mm:ss", "%d/%m/%Y %H:%M:%S"},
	} {
		got, err := sparksql.ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := sparksql.ParseFormat("yyyy-MM-dd[ HH]"); err == nil {
		t.Error("optional sections must be refused")
	}
}
