package sparksql

import (
	"fmt"
	"strings"
)

// rules maps a lower-case Spark function name to its rewrite. Read-only.
var rules = map[string]rule{
	"explode":                     rename("unnest"),
	"explode_outer":               explodeOuter,
	"current_timestamp":           noArgs("current_timestamp"),
	"current_timezone":            noArgs("current_setting('TimeZone')"),
	"monotonically_increasing_id": noArgs("(row_number() OVER () - 1)"),
	"date_format":                 dateFormat,
	"to_date":                     toDate,
	"to_timestamp":                toTimestamp,
	"unix_timestamp":              unixTimestamp,
	"to_unix_timestamp":           unixTimestamp,
	"from_unixtime":               fromUnixtime,
	"concat":                      concat,
	"regexp_extract":              defaultGroupOne,
	"regexp_extract_all":          defaultGroupOne,
	"date_trunc":                  dateTrunc,
	"trunc":                       truncDate,
	"split":                       rename("spark_split"),
	"substr":                      renameArgs("spark_substr", 2, 3),
	"substring":                   renameArgs("spark_substr", 2, 3),
	"date_add":                    renameArgs("spark_date_add", 2, 2),
	"date_sub":                    renameArgs("spark_date_sub", 2, 2),
	"datediff":                    renameArgs("spark_datediff", 2, 2),
	"dayofweek":                   renameArgs("spark_dayofweek", 1, 1),
	"array":                       rename("list_value"),
	"format_string":               rename("printf"),
	"boolean":                     castTo("BOOLEAN"),
	"tinyint":                     castTo("TINYINT"),
	"smallint":                    castTo("SMALLINT"),
	"int":                         castTo("INTEGER"),
	"bigint":                      castTo("BIGINT"),
	"float":                       castTo("FLOAT"),
	"double":                      castTo("DOUBLE"),
	"string":                      castTo("VARCHAR"),
	"binary":                      castTo("BLOB"),
	"date":                        castTo("DATE"),
	"timestamp":                   castTo("TIMESTAMP"),
}

func argTexts(args []arg) string {
	t := make([]string, len(args))
	for i, a := range args {
		t[i] = a.text
	}
	return strings.Join(t, ",")
}

func rename(to string) rule {
	return func(c call) (string, error) { return to + "(" + argTexts(c.args) + ")", nil }
}

// renameArgs renames only calls with min..max arguments (DuckDB's own forms,
// such as substring(s FROM 2) or datediff('day', a, b), stay untouched).
func renameArgs(to string, min, max int) rule {
	return func(c call) (string, error) {
		if len(c.args) < min || len(c.args) > max {
			return "", nil
		}
		return to + "(" + argTexts(c.args) + ")", nil
	}
}

func noArgs(to string) rule {
	return func(c call) (string, error) {
		if len(c.args) != 0 {
			return "", nil
		}
		return to, nil
	}
}

func castTo(typ string) rule {
	return func(c call) (string, error) {
		if len(c.args) != 1 {
			return "", nil
		}
		return "TRY_CAST(" + c.args[0].text + " AS " + typ + ")", nil
	}
}

func explodeOuter(c call) (string, error) {
	if len(c.args) != 1 {
		return "", fmt.Errorf("want 1 argument, got %d", len(c.args))
	}
	return "unnest(spark_outer_array(" + c.args[0].text + "))", nil
}

// concat is NULL when any part is NULL in Spark; DuckDB's concat skips NULLs
// but its || operator does not.
func concat(c call) (string, error) {
	if len(c.args) == 0 {
		return "''", nil
	}
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = "(" + a.text + ")"
	}
	return "(" + strings.Join(parts, " || ") + ")", nil
}

// defaultGroupOne adds Spark's default group index 1 (DuckDB's is 0).
func defaultGroupOne(c call) (string, error) {
	if len(c.args) != 2 {
		return "", nil
	}
	return c.name + "(" + argTexts(c.args) + ", 1)", nil
}

// pattern converts the literal pattern argument i of a call.
func pattern(c call, i int, use patternUse) (string, bool, error) {
	a := c.args[i]
	if a.lit == nil {
		return "", false, fmt.Errorf("the date pattern must be a string literal, got %q", strings.TrimSpace(a.text))
	}
	f, zoned, err := convertPatternLit(*a.lit, use)
	return a.withLiteral(f), zoned, err
}

func convertPatternLit(p string, use patternUse) (string, bool, error) {
	f, zoned, err := convertPattern(p, use)
	if err != nil {
		return "", false, err
	}
	return quoteDuck(f), zoned, nil
}

func dateFormat(c call) (string, error) {
	if len(c.args) != 2 {
		return "", fmt.Errorf("want 2 arguments (timestamp, pattern), got %d", len(c.args))
	}
	f, _, err := pattern(c, 1, formatting)
	if err != nil {
		return "", err
	}
	return "strftime(CAST(" + c.args[0].text + " AS TIMESTAMP)," + f + ")", nil
}

func toDate(c call) (string, error) {
	switch len(c.args) {
	case 1:
		return "CAST(TRY_CAST(" + c.args[0].text + " AS TIMESTAMP) AS DATE)", nil
	case 2:
		f, _, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		return "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS DATE)", nil
	}
	return "", fmt.Errorf("want 1 or 2 arguments (string[, pattern]), got %d", len(c.args))
}

func toTimestamp(c call) (string, error) {
	switch len(c.args) {
	case 1:
		return "TRY_CAST(" + c.args[0].text + " AS TIMESTAMP)", nil
	case 2:
		f, zoned, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		if zoned { // strptime with %z gives TIMESTAMPTZ; Spark gives a timestamp in the session zone.
			return "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS TIMESTAMP)", nil
		}
		return "try_strptime(" + c.args[0].text + "," + f + ")", nil
	}
	return "", fmt.Errorf("want 1 or 2 arguments (string[, pattern]), got %d", len(c.args))
}

func unixTimestamp(c call) (string, error) {
	const pre, post = "CAST(floor(epoch(", ")) AS BIGINT)"
	switch len(c.args) {
	case 0:
		return pre + "current_timestamp" + post, nil
	case 1:
		return pre + "TRY_CAST(" + c.args[0].text + " AS TIMESTAMPTZ)" + post, nil
	case 2:
		f, _, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		return pre + "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS TIMESTAMPTZ)" + post, nil
	}
	return "", fmt.Errorf("want 0 to 2 arguments ([string[, pattern]]), got %d", len(c.args))
}

func fromUnixtime(c call) (string, error) {
	f := " " + quoteDuck("%Y-%m-%d %H:%M:%S")
	switch len(c.args) {
	case 1:
	case 2:
		var err error
		if f, _, err = pattern(c, 1, formatting); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("want 1 or 2 arguments (seconds[, pattern]), got %d", len(c.args))
	}
	return "strftime(to_timestamp(" + c.args[0].text + ")," + f + ")", nil
}

// truncUnits maps Spark's date_trunc/trunc unit names to DuckDB's.
var truncUnits = map[string]string{
	"year": "year", "yyyy": "year", "yy": "year",
	"quarter": "quarter",
	"month":   "month", "mon": "month", "mm": "month",
	"week": "week",
	"day":  "day", "dd": "day",
	"hour": "hour", "minute": "minute", "second": "second",
	"millisecond": "millisecond", "microsecond": "microsecond",
}

// dateTrunc maps Spark unit names (date_trunc('MM', ts)) to DuckDB's; Spark
// returns a timestamp.
func dateTrunc(c call) (string, error) {
	if len(c.args) != 2 || c.args[0].lit == nil {
		return "", nil
	}
	unit, ok := truncUnits[strings.ToLower(*c.args[0].lit)]
	if !ok {
		return "", fmt.Errorf("unknown unit %q", *c.args[0].lit)
	}
	return "date_trunc(" + quoteDuck(unit) + ", CAST(" + c.args[1].text + " AS TIMESTAMP))", nil
}

// truncDate handles Spark's trunc(date, 'MM'); numeric trunc(x[, n]) is left
// to DuckDB.
func truncDate(c call) (string, error) {
	if len(c.args) != 2 || c.args[1].lit == nil {
		return "", nil
	}
	unit, ok := truncUnits[strings.ToLower(*c.args[1].lit)]
	if !ok || unit != "year" && unit != "quarter" && unit != "month" && unit != "week" {
		return "", fmt.Errorf("unit %q: want year, yyyy, yy, quarter, month, mon, mm or week", *c.args[1].lit)
	}
	return "CAST(date_trunc(" + quoteDuck(unit) + ", CAST(" + c.args[0].text + " AS DATE)) AS DATE)", nil
}
