package sparksql

import (
	"fmt"
	"strings"
)

func init() {
	register(map[string]rule{
		"current_timestamp": noArgs("CAST(current_timestamp AS TIMESTAMP)"),
		"now":               noArgs("CAST(current_timestamp AS TIMESTAMP)"),
		"localtimestamp":    noArgs("CAST(current_timestamp AS TIMESTAMP)"),
		"current_timezone":  noArgs("current_setting('TimeZone')"),
		"current_date":      noArgs("current_date"),
		"curdate":           noArgs("current_date"),
		"date_format":       dateFormat,
		"to_date":           toDate(false),
		"try_to_date":       toDate(true),
		"to_timestamp":      toTimestamp(false),
		"try_to_timestamp":  toTimestamp(true),
		"to_timestamp_ntz":  toTimestamp(false),
		"to_timestamp_ltz":  toTimestamp(false),
		"to_time":           toTime(false),
		"try_to_time":       toTime(true),
		"unix_timestamp":    unixTimestamp,
		"to_unix_timestamp": unixTimestamp,
		"from_unixtime":     fromUnixtime,
		"date_trunc":        dateTrunc,
		"trunc":             truncDate,
		"extract":           extract,
		"date_part":         datePart,
		"datepart":          datePart,
		"datediff":          dateDiff,
		"date_diff":         dateDiff,
		"timestampdiff":     timestampDiff,
		"dateadd":           dateAdd,
		"date_add":          dateAdd,
		"timestampadd":      timestampAdd,
		"time_diff":         timestampDiff,
		"time_trunc":        timeTrunc,
	})
}

func dateFormat(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	f, _, err := pattern(c, 1, formatting)
	if err != nil {
		return "", err
	}
	return "strftime(spark_ts(" + c.args[0].text + ")," + f + ")", nil
}

func toDate(try bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 2); err != nil {
			return "", err
		}
		if len(c.args) == 1 {
			return "spark_date(" + c.args[0].text + ")", nil
		}
		f, _, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		return "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS DATE)", nil
	}
}

func toTimestamp(try bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 2); err != nil {
			return "", err
		}
		if len(c.args) == 1 {
			return "spark_to_timestamp(" + c.args[0].text + ")", nil
		}
		f, zoned, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		if zoned { // strptime with %z gives TIMESTAMPTZ; Spark gives a timestamp in the session zone.
			return "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS TIMESTAMP)", nil
		}
		return "try_strptime(" + c.args[0].text + "," + f + ")", nil
	}
}

func toTime(try bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 2); err != nil {
			return "", err
		}
		if len(c.args) == 1 {
			if try {
				return "TRY_CAST(" + c.args[0].text + " AS TIME)", nil
			}
			return "CAST(" + c.args[0].text + " AS TIME)", nil
		}
		f, _, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		if try {
			return "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS TIME)", nil
		}
		return "CAST(strptime(" + c.args[0].text + "," + f + ") AS TIME)", nil
	}
}

func unixTimestamp(rw *rewriter, c *call) (string, error) {
	const pre, post = "CAST(floor(epoch(", ")) AS BIGINT)"
	switch len(c.args) {
	case 0:
		return pre + "current_timestamp" + post, nil
	case 1:
		return "spark_unix_timestamp(" + c.args[0].text + ")", nil
	case 2:
		f, _, err := pattern(c, 1, parsing)
		if err != nil {
			return "", err
		}
		return pre + "CAST(try_strptime(" + c.args[0].text + "," + f + ") AS TIMESTAMPTZ)" + post, nil
	}
	return "", fmt.Errorf("want 0 to 2 arguments ([string[, pattern]]), got %d", len(c.args))
}

func fromUnixtime(rw *rewriter, c *call) (string, error) {
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
	return "strftime(CAST(to_timestamp(" + c.args[0].text + ") AS TIMESTAMP)," + f + ")", nil
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
// returns a timestamp, NULL for an unknown unit.
func dateTrunc(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	if c.args[0].lit == nil {
		return "spark_date_trunc(" + argTexts(c.args) + ")", nil
	}
	unit, ok := truncUnits[strings.ToLower(*c.args[0].lit)]
	if !ok {
		return "CAST(NULL AS TIMESTAMP)" + newlines(c.toks), nil
	}
	return newlines(c.args[0].toks) + "date_trunc(" + quoteDuck(unit) + ", spark_ts(" + c.args[1].text + "))", nil
}

// truncDate handles Spark's trunc(date, 'MM'); numeric trunc(x[, n]) is left
// to DuckDB.
func truncDate(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 2 || c.args[1].lit == nil {
		return "", nil
	}
	unit, ok := truncUnits[strings.ToLower(*c.args[1].lit)]
	if !ok || unit != "year" && unit != "quarter" && unit != "month" && unit != "week" {
		return "CAST(NULL AS DATE)" + newlines(c.toks), nil
	}
	return "CAST(date_trunc(" + quoteDuck(unit) + ", spark_date(" + c.args[0].text + ")) AS DATE)" + newlines(c.args[1].toks), nil
}

// timeTrunc: time_trunc('HOUR', t).
func timeTrunc(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	if c.args[0].lit == nil {
		return "", fmt.Errorf("the unit must be a string literal")
	}
	unit, ok := truncUnits[strings.ToLower(*c.args[0].lit)]
	if !ok {
		return "", fmt.Errorf("unknown unit %q", *c.args[0].lit)
	}
	return newlines(c.args[0].toks) + "CAST(date_trunc(" + quoteDuck(unit) + ", DATE '2000-01-01' + CAST(" + c.args[1].text + " AS TIME)) AS TIME)", nil
}

// dateParts maps Spark's extract/date_part fields to a spark_part_* macro.
var dateParts = map[string]string{
	"year": "year", "y": "year", "years": "year", "yr": "year", "yrs": "year",
	"yearofweek": "yearofweek",
	"quarter":    "quarter", "qtr": "quarter",
	"month": "month", "mon": "month", "mons": "month", "months": "month",
	"week": "week", "w": "week", "weeks": "week",
	"day": "day", "d": "day", "days": "day",
	"dayofweek": "dayofweek", "dow": "dayofweek",
	"dayofweek_iso": "dayofweek_iso", "dow_iso": "dayofweek_iso",
	"doy":  "doy",
	"hour": "hour", "h": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
	"minute": "minute", "m": "minute", "min": "minute", "mins": "minute", "minutes": "minute",
	"second": "second", "s": "second", "sec": "second", "seconds": "second", "secs": "second",
}

// extract(field FROM source).
func extract(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 1 {
		return "", nil
	}
	toks := c.args[0].toks
	from := FindTop(toks, func(t Token) bool { return t.Is("from") })
	if from < 0 {
		return "", nil
	}
	field := Trim(toks[:from])
	if len(field) != 1 {
		return "", fmt.Errorf("want extract(field FROM source)")
	}
	name := strings.ToLower(field[0].Value())
	part, ok := dateParts[name]
	if !ok {
		return "", fmt.Errorf("unknown field %s", field[0].Text)
	}
	src, err := rw.emit(toks[from+1:])
	if err != nil {
		return "", err
	}
	return newlines(toks[:from+1]) + "spark_part_" + part + "(" + src + ")", nil
}

// datePart: date_part('field', source).
func datePart(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	if c.args[0].lit == nil {
		return "", fmt.Errorf("the field must be a string literal")
	}
	part, ok := dateParts[strings.ToLower(*c.args[0].lit)]
	if !ok {
		return "", fmt.Errorf("unknown field %q", *c.args[0].lit)
	}
	return newlines(c.args[0].toks) + "spark_part_" + part + "(" + c.args[1].text + ")", nil
}

// unitArg reads a unit given as a word (MONTH) or a string ('month').
func unitArg(a arg) (string, bool) {
	if a.lit != nil {
		return strings.ToLower(*a.lit), true
	}
	sig := Trim(a.toks)
	if len(sig) == 1 && sig[0].Kind == Ident {
		return strings.ToLower(sig[0].Text), true
	}
	return "", false
}

// diffUnits maps Spark's timestampdiff/timestampadd units to DuckDB's.
var diffUnits = map[string]string{
	"year": "year", "quarter": "quarter", "month": "month", "week": "week", "day": "day", "dayofyear": "day",
	"hour": "hour", "minute": "minute", "second": "second", "millisecond": "millisecond",
	"microsecond": "microsecond",
}

// dateDiff: datediff(end, start) counts days; datediff(unit, start, end)
// is timestampdiff.
func dateDiff(rw *rewriter, c *call) (string, error) {
	switch len(c.args) {
	case 2:
		return "spark_datediff(" + argTexts(c.args) + ")", nil
	case 3:
		return timestampDiff(rw, c)
	}
	return "", fmt.Errorf("want datediff(endDate, startDate) or datediff(unit, start, end)")
}

// timestampDiff: whole units from start to end.
func timestampDiff(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 3); err != nil {
		return "", err
	}
	u, ok := unitArg(c.args[0])
	unit := diffUnits[strings.TrimSuffix(u, "s")]
	if !ok || unit == "" {
		return "", fmt.Errorf("unknown unit %s", c.args[0].src())
	}
	if c.lname == "time_diff" {
		return newlines(c.args[0].toks) + "date_sub(" + quoteDuck(unit) + ", CAST(" + c.args[1].text + " AS TIME), CAST(" + c.args[2].text + " AS TIME))", nil
	}
	return newlines(c.args[0].toks) + "date_sub(" + quoteDuck(unit) + ", spark_ts(" + c.args[1].text + "), spark_ts(" + c.args[2].text + "))", nil
}

// dateAdd: date_add(start, days) and dateadd(unit, n, ts).
func dateAdd(rw *rewriter, c *call) (string, error) {
	switch len(c.args) {
	case 2:
		return "spark_date_add(" + argTexts(c.args) + ")", nil
	case 3:
		return timestampAdd(rw, c)
	}
	return "", fmt.Errorf("want date_add(start, days) or dateadd(unit, n, timestamp)")
}

func timestampAdd(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 3); err != nil {
		return "", err
	}
	u, ok := unitArg(c.args[0])
	unit := diffUnits[strings.TrimSuffix(u, "s")]
	if !ok || unit == "" {
		return "", fmt.Errorf("unknown unit %s", c.args[0].src())
	}
	fn := "to_" + unit + "s"
	n := "(" + flat(c.args[1].text) + ")"
	if unit == "quarter" {
		fn, n = "to_months", "3 * "+n
	}
	return "(spark_ts(" + flat(c.args[2].text) + ") + " + fn + "(" + n + "))" + newlines(c.toks), nil
}
