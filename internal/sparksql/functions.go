package sparksql

// Function describes one supported Spark function.
type Function struct {
	Name      string // Spark name
	Signature string // Spark signature
	How       string // "DuckDB" (built in, same meaning), "macro" (Install) or "rewrite" (Rewrite, maybe with a macro)
	Notes     string // what differs from Spark, "" if nothing known
}

// Functions lists the Spark functions that Flare SQL supports beyond plain
// SQL, in the order of docs/spark-sql.md.
func Functions() []Function {
	return []Function{
		// Nulls and conditionals.
		{"nvl", "nvl(expr1, expr2)", "macro", ""},
		{"nvl2", "nvl2(expr1, expr2, expr3)", "macro", ""},
		{"ifnull", "ifnull(expr1, expr2)", "DuckDB", ""},
		{"nanvl", "nanvl(expr1, expr2)", "macro", ""},
		{"isnull", "isnull(expr)", "macro", ""},
		{"isnotnull", "isnotnull(expr)", "macro", ""},
		{"if", "if(cond, expr1, expr2)", "DuckDB", ""},
		// Dates and times.
		{"current_timestamp", "current_timestamp()", "rewrite", "Returns TIMESTAMP WITH TIME ZONE (an instant, as Spark's TIMESTAMP is)."},
		{"current_date", "current_date()", "DuckDB", ""},
		{"current_timezone", "current_timezone()", "rewrite", "DuckDB's TimeZone setting (the machine's zone unless set)."},
		{"date_format", "date_format(timestamp, fmt)", "rewrite", "fmt must be a string literal (converted to strftime once, at text level). Zone letters (z, X, Z) cannot be formatted."},
		{"to_date", "to_date(str[, fmt])", "rewrite", "NULL when str does not parse (Spark's non-ANSI behaviour). fmt must be a literal."},
		{"to_timestamp", "to_timestamp(str[, fmt])", "rewrite", "Returns TIMESTAMP (no zone). NULL when str does not parse. fmt must be a literal; X/Z offsets are applied and the result is in the session zone."},
		{"unix_timestamp", "unix_timestamp([str[, fmt]])", "rewrite", "Seconds as BIGINT, read in the session time zone. Without fmt any timestamp text DuckDB can cast is accepted, not only yyyy-MM-dd HH:mm:ss."},
		{"to_unix_timestamp", "to_unix_timestamp(str[, fmt])", "rewrite", "As unix_timestamp."},
		{"from_unixtime", "from_unixtime(seconds[, fmt])", "rewrite", "Returns a string, default fmt yyyy-MM-dd HH:mm:ss, in the session time zone."},
		{"date_add", "date_add(start_date, num_days)", "rewrite", "Renamed to spark_date_add: returns DATE, accepts date strings. DuckDB's date_add(ts, interval) is not reachable under this name."},
		{"date_sub", "date_sub(start_date, num_days)", "rewrite", "Renamed to spark_date_sub when called with 2 arguments; DuckDB's 3-argument form is left alone."},
		{"datediff", "datediff(endDate, startDate)", "rewrite", "Renamed to spark_datediff when called with 2 arguments; DuckDB's datediff('day', a, b) is left alone."},
		{"add_months", "add_months(start_date, num_months)", "macro", "Clamps to the month's last day, as Spark does."},
		{"dayofweek", "dayofweek(date)", "rewrite", "1 = Sunday ... 7 = Saturday as in Spark (DuckDB's own dayofweek counts from 0)."},
		{"date_trunc", "date_trunc(fmt, ts)", "rewrite", "Spark unit names (YYYY, YY, MON, MM, DD, ...) are mapped when fmt is a literal; returns TIMESTAMP."},
		{"trunc", "trunc(date, fmt)", "rewrite", "With a literal fmt (YEAR, YYYY, YY, QUARTER, MONTH, MON, MM, WEEK); numeric trunc(x[, d]) is DuckDB's."},
		// Aggregates.
		{"collect_list", "collect_list(expr)", "macro", "Drops NULLs; [] for no rows, as Spark. Not usable as a window function (OVER)."},
		{"collect_set", "collect_set(expr)", "macro", "Drops NULLs. Element order is unspecified, as in Spark. Not usable as a window function."},
		{"percentile_approx", "percentile_approx(col, percentage[, accuracy])", "macro", "DuckDB's approx_quantile (a t-digest); accuracy is ignored, so results may differ slightly."},
		{"approx_percentile", "approx_percentile(col, percentage[, accuracy])", "macro", "As percentile_approx."},
		// Arrays.
		{"size", "size(expr)", "macro", "-1 for NULL (Spark's default, spark.sql.legacy.sizeOfNull=true). Arrays only: use cardinality(m) for maps."},
		{"explode", "explode(array)", "rewrite", "Becomes unnest: in the select list or FROM. Maps are not supported; LATERAL VIEW is not supported."},
		{"explode_outer", "explode_outer(array)", "rewrite", "unnest of the array, or of [NULL] when it is NULL or empty."},
		{"array", "array(expr, ...)", "rewrite", "Becomes list_value."},
		{"array_contains", "array_contains(array, value)", "DuckDB", ""},
		{"sort_array", "sort_array(array[, ascendingOrder])", "macro", "NULLs first ascending, last descending, as Spark."},
		{"array_join", "array_join(array, delimiter[, nullReplacement])", "macro", ""},
		// Strings.
		{"concat", "concat(col1, col2, ...)", "rewrite", "Becomes col1 || col2 ...: NULL if any part is NULL, as in Spark (DuckDB's concat skips NULLs)."},
		{"concat_ws", "concat_ws(sep, str, ...)", "DuckDB", "Skips NULLs as Spark does; array arguments are not flattened."},
		{"substr", "substr(str, pos[, len])", "rewrite", "Renamed to spark_substr: pos 0 counts as 1 and a negative len gives '', as Spark. substring(str FROM p FOR n) is left alone."},
		{"substring", "substring(str, pos[, len])", "rewrite", "As substr."},
		{"instr", "instr(str, substr)", "DuckDB", ""},
		{"locate", "locate(substr, str[, pos])", "macro", ""},
		{"lcase", "lcase(str)", "DuckDB", ""},
		{"ucase", "ucase(str)", "DuckDB", ""},
		{"initcap", "initcap(str)", "macro", "Words are separated by spaces only, as in Spark."},
		{"split", "split(str, regex[, limit])", "rewrite", "Renamed to spark_split (DuckDB's split takes a plain separator). Regexes are RE2: no lookaround or backreferences."},
		{"regexp_extract", "regexp_extract(str, regexp[, idx])", "rewrite", "idx defaults to 1 as in Spark (DuckDB's default is 0) and must be a constant. RE2 regexes."},
		{"regexp_extract_all", "regexp_extract_all(str, regexp[, idx])", "rewrite", "As regexp_extract."},
		{"rlike", "str RLIKE regexp, rlike(str, regexp)", "rewrite", "The operator form needs a literal pattern (it becomes SIMILAR TO '(?s).*(?:regexp).*'); REGEXP is the same. RE2 regexes."},
		{"format_string", "format_string(fmt, args...)", "rewrite", "Becomes DuckDB's printf; most %d %s %f %x forms match Java's."},
		{"get_json_object", "get_json_object(json, path)", "macro", "NULL for invalid JSON, as Spark. DuckDB JSON paths: $.a.b, $.a[0]."},
		{"sha2", "sha2(expr, bitLength)", "macro", "Only 256 (and 0) bits; other lengths fail."},
		// Numbers.
		{"pmod", "pmod(expr1, expr2)", "macro", ""},
		// Casts and ids.
		{"int", "int(expr)", "rewrite", "int, bigint, smallint, tinyint, float, double, string, boolean, binary, date, timestamp: TRY_CAST (NULL on bad input, as non-ANSI Spark). DuckDB rounds 2.5 to 3 where Spark truncates to 2."},
		{"monotonically_increasing_id", "monotonically_increasing_id()", "rewrite", "row_number() OVER () - 1: consecutive 0, 1, 2 ... in scan order (Spark's ids are unique and increasing but not consecutive). A window over the whole input: costs a pass and limits parallelism."},
	}
}
