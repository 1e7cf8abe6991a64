package sparksql

import (
	"context"
	"database/sql"
	"fmt"
)

// Execer runs a statement; *sql.DB, *sql.Conn and *sql.Tx all are one.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// macro is one DuckDB macro that Install creates. Every macro uses each
// parameter as an expression, so DuckDB folds constant arguments.
type macro struct {
	name string
	def  string // everything after "CREATE OR REPLACE MACRO name"
}

// macros are created in this order by Install. Names that DuckDB already
// uses for something else are spark_* helpers reached through Rewrite.
var macros = []macro{
	{"nvl", `(a, b) AS coalesce(a, b)`},
	{"nvl2", `(a, b, c) AS CASE WHEN a IS NOT NULL THEN b ELSE c END`},
	{"nanvl", `(a, b) AS CASE WHEN isnan(a) THEN b ELSE a END`},
	{"isnull", `(a) AS (a IS NULL)`},
	{"isnotnull", `(a) AS (a IS NOT NULL)`},
	{"size", `(a) AS coalesce(len(a), -1)`},
	{"collect_list", `(x) AS coalesce(list(x) FILTER (WHERE x IS NOT NULL), [])`},
	{"collect_set", `(x) AS coalesce(list(DISTINCT x) FILTER (WHERE x IS NOT NULL), [])`},
	{"sort_array", `(a) AS list_sort(a, 'ASC', 'NULLS FIRST'),
		(a, ascending) AS CASE WHEN ascending THEN list_sort(a, 'ASC', 'NULLS FIRST') ELSE list_sort(a, 'DESC', 'NULLS LAST') END`},
	{"array_join", `(a, sep) AS array_to_string(a, sep),
		(a, sep, null_replacement) AS array_to_string(list_transform(a, lambda e: coalesce(CAST(e AS VARCHAR), null_replacement)), sep)`},
	{"initcap", `(s) AS array_to_string(list_transform(string_split(lower(s), ' '), lambda w: upper(left(w, 1)) || substr(w, 2)), ' ')`},
	{"get_json_object", `(j, path) AS json_extract_string(TRY_CAST(j AS JSON), path)`},
	{"pmod", `(a, b) AS CASE WHEN a % b < 0 THEN (a % b + b) % b ELSE a % b END`},
	{"locate", `(sub, s) AS instr(s, sub),
		(sub, s, pos) AS CASE WHEN pos < 1 THEN 0 WHEN instr(substring(s, pos), sub) = 0 THEN 0 ELSE instr(substring(s, pos), sub) + pos - 1 END`},
	{"percentile_approx", `(x, p) AS approx_quantile(x, p), (x, p, accuracy) AS approx_quantile(x, p)`},
	{"approx_percentile", `(x, p) AS approx_quantile(x, p), (x, p, accuracy) AS approx_quantile(x, p)`},
	{"add_months", `(d, n) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)`},
	{"sha2", `(x, bits) AS CASE WHEN bits IN (0, 256) THEN sha256(x) ELSE error('sha2: only 256 bits are supported here') END`},
	{"rlike", `(s, re) AS regexp_matches(s, re)`},
	// Helpers that Rewrite calls.
	{"spark_outer_array", `(a) AS CASE WHEN len(a) > 0 THEN a ELSE [NULL] END`},
	{"spark_split", `(s, re) AS regexp_split_to_array(s, re),
		(s, re, lim) AS CASE WHEN lim <= 0 OR len(regexp_split_to_array(s, re)) <= lim THEN regexp_split_to_array(s, re)
			ELSE regexp_split_to_array(s, re)[1:lim - 1] || [array_to_string(list_transform(
				range(lim, len(regexp_split_to_array(s, re)) + 1),
				lambda i: regexp_split_to_array(s, re)[i] || coalesce(regexp_extract_all(s, re)[i], '')), '')] END`},
	{"spark_substr", `(s, pos) AS substring(s, CASE WHEN pos = 0 THEN 1 ELSE pos END),
		(s, pos, n) AS CASE WHEN n < 1 THEN '' ELSE substring(s, CASE WHEN pos = 0 THEN 1 ELSE pos END, n) END`},
	{"spark_date_add", `(d, n) AS CAST(d AS DATE) + CAST(n AS INTEGER)`},
	{"spark_date_sub", `(d, n) AS CAST(d AS DATE) - CAST(n AS INTEGER)`},
	{"spark_datediff", `(e, s) AS CAST(CAST(e AS DATE) - CAST(s AS DATE) AS INTEGER)`},
	{"spark_dayofweek", `(d) AS CAST(dayofweek(CAST(d AS DATE)) + 1 AS INTEGER)`},
}

// Install creates the macros that Spark SQL rewritten by Rewrite needs
// (CREATE OR REPLACE MACRO, so it may run again). They go into the default
// schema of the connection's current database (main of an in-memory
// database), where every connection of that database sees them, so an
// *sql.DB is enough; a caller that later switches the default catalog with
// USE must Install again there. Install registers no Go UDFs, so it needs no
// *sql.Conn: every function is a macro or a text rewrite, which DuckDB
// inlines and constant-folds like its own functions.
func Install(ctx context.Context, db Execer) error {
	for _, m := range macros {
		if _, err := db.ExecContext(ctx, `CREATE OR REPLACE MACRO "`+m.name+`"`+m.def); err != nil {
			return fmt.Errorf("install spark function %s: %w", m.name, err)
		}
	}
	return nil
}
