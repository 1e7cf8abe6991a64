package sparksql

// renames maps a Spark function to the spark_* macro that gives it Spark's
// meaning where DuckDB has a function of the same name. Filled by spark().
var renames = map[string]string{}

// spark adds the macro spark_<name> and renames calls of the Spark function
// name to it.
func spark(name, def string) {
	addMacros(macro{"spark_" + name, def})
	renames[name] = "spark_" + name
}

// alias renames calls of a Spark function to another function or macro.
func alias(name, to string) { renames[name] = to }

func init() {
	// Helpers that rules and other macros call.
	addMacros(
		macro{"spark_outer_array", `(a) AS CASE WHEN len(a) > 0 THEN a ELSE [NULL] END`},
		// A timestamp from Spark's implicit casts: strings (also with a zone
		// offset, read in the session time zone), dates, timestamps.
		// Text with a zone (Z, +02:00, Europe/Paris) is that instant in the
		// session time zone.
		macro{"spark_ts", `(x VARCHAR) AS CASE WHEN regexp_matches(x, '[0-9]:[0-9][0-9](:[0-9][0-9](\.[0-9]*)?)?\s*(Z|UTC|GMT|[+-][0-9]{1,2}(:?[0-9][0-9])?|[A-Za-z]+/[A-Za-z_]+)$')
				THEN CAST(TRY_CAST(x AS TIMESTAMPTZ) AS TIMESTAMP) ELSE TRY_CAST(x AS TIMESTAMP) END,
			(x) AS CAST(x AS TIMESTAMP)`},
		macro{"spark_date", `(x VARCHAR) AS CAST(spark_ts(x) AS DATE), (x) AS CAST(x AS DATE)`},
	)

	// Casts with Spark's semantics: numbers to integers truncate.
	for _, t := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT"} {
		for _, c := range []string{"CAST", "TRY_CAST"} {
			name := "spark_to_" + lower(t)
			if c == "TRY_CAST" {
				name = "spark_try_to_" + lower(t)
			}
			addMacros(macro{name, `(x VARCHAR) AS ` + c + `(x AS ` + t + `),
				(x BIGINT) AS ` + c + `(x AS ` + t + `),
				(x BOOLEAN) AS ` + c + `(x AS ` + t + `),
				(x TIMESTAMP) AS ` + c + `(floor(epoch(x)) AS ` + t + `),
				(x) AS ` + c + `(trunc(x) AS ` + t + `)`})
		}
	}

	// A cast of binary to string gives its bytes as text, as Spark's does
	// (DuckDB's CAST escapes them: {\x22a\x22:1}); invalid UTF-8 becomes
	// U+FFFD, as in Spark. Kafka's key and value are binary:
	// CAST(value AS STRING) is how a stream job reads them.
	addMacros(
		// One untyped overload: DuckDB picks a typed overload before it
		// knows a window function's type. typeof is folded when the query
		// is planned, so the other branch never runs.
		macro{"spark_to_varchar", `(x) AS CASE WHEN typeof(x) = 'BLOB' THEN spark_valid_utf8_go(TRY_CAST(x AS BLOB)) ELSE CAST(x AS VARCHAR) END`},
		macro{"spark_try_to_varchar", `(x) AS CASE WHEN typeof(x) = 'BLOB' THEN spark_valid_utf8_go(TRY_CAST(x AS BLOB)) ELSE TRY_CAST(x AS VARCHAR) END`},
	)

	// Nulls and conditionals.
	addMacros(
		macro{"nvl", `(a, b) AS coalesce(a, b)`},
		macro{"nvl2", `(a, b, c) AS CASE WHEN a IS NOT NULL THEN b ELSE c END`},
		macro{"nanvl", `(a, b) AS CASE WHEN isnan(a) THEN b ELSE a END`},
		macro{"isnull", `(a) AS (a IS NULL)`},
		macro{"isnotnull", `(a) AS (a IS NOT NULL)`},
		macro{"nullifzero", `(a) AS nullif(a, 0)`},
		macro{"zeroifnull", `(a) AS coalesce(a, 0)`},
		macro{"equal_null", `(a, b) AS (a IS NOT DISTINCT FROM b)`},
		macro{"assert_true", `(c) AS CASE WHEN c THEN NULL ELSE error('''' || coalesce(CAST(c AS VARCHAR), 'NULL') || ''' is not true!') END,
			(c, msg) AS CASE WHEN c THEN NULL ELSE error(msg) END`},
		macro{"raise_error", `(msg) AS error(msg)`},
	)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
