package sparksql

import (
	"fmt"
	"strings"
)

func init() {
	register(map[string]rule{
		"first":             firstLast("first", false),
		"first_value":       firstLast("first", true),
		"any_value":         firstLast("first", false),
		"last":              firstLast("last", false),
		"last_value":        firstLast("last", true),
		"collect_list":      collect(false),
		"collect_set":       collect(true),
		"listagg":           stringAgg,
		"string_agg":        stringAgg,
		"percentile":        percentile,
		"percentile_approx": percentileApprox,
		"approx_percentile": percentileApprox,
		"approx_count_distinct": func(rw *rewriter, c *call) (string, error) {
			if err := wantArgs(c, 1, 2); err != nil {
				return "", err
			}
			return "approx_count_distinct(" + c.args[0].text + ")" + newlines(c.toks[len(c.toks)-1:]), nil
		},
		"mode":            modeRule,
		"percentile_cont": percentileCont,
		"median": func(rw *rewriter, c *call) (string, error) {
			if err := wantArgs(c, 1, 1); err != nil {
				return "", err
			}
			return quantile("quantile_cont", "spark_q_double", c.args[0].text, "0.5", ""), nil
		},
		"grouping_id": groupingID,
		"nth_value":   nthValue,
	})
	addMacros(
		macro{"collect_list", `(x) AS coalesce(list(x) FILTER (WHERE x IS NOT NULL), [])`},
		macro{"collect_set", `(x) AS coalesce(list_sort(list(DISTINCT x) FILTER (WHERE x IS NOT NULL)), [])`},
		macro{"spark_skewness", `(x) AS skewness(x) * (count(x) - 2) / sqrt(count(x) * (count(x) - 1))`},
		macro{"spark_try_sum", `(x BIGINT) AS TRY_CAST(sum(x) AS BIGINT), (x) AS sum(x)`},
		macro{"spark_months", `(i) AS date_part('year', i) * 12 + date_part('month', i)`},
		// Quantiles of intervals: of their months (year-month intervals) or
		// microseconds (day-time intervals), converted back.
		macro{"spark_q_kind", `(x INTERVAL) AS CASE WHEN spark_months(x) <> 0 THEN 1 ELSE 0 END, (x) AS NULL`},
		macro{"spark_q_double", `(x INTERVAL) AS CAST(CASE WHEN spark_months(x) <> 0 THEN spark_months(x) ELSE spark_us(x) END AS DOUBLE),
			(x) AS CAST(x AS DOUBLE)`},
		macro{"spark_q_raw", `(x INTERVAL) AS CAST(CASE WHEN spark_months(x) <> 0 THEN spark_months(x) ELSE spark_us(x) END AS BIGINT), (x) AS x`},
		macro{"spark_q_interval", `(v, k) AS CASE WHEN k = 1 THEN to_months(CAST(trunc(v) AS INTEGER)) ELSE to_microseconds(CAST(trunc(v) AS BIGINT)) END`},
		// v is the aggregate, k whether the intervals have months; s (the
		// column, unused) only picks the overload by its type.
		macro{"spark_q_back", `(v, k, s INTERVAL) AS spark_q_interval(v, k), (v, k, s) AS v`},
		macro{"spark_q_back_list", `(v, k, s INTERVAL) AS list_transform(v, lambda e: spark_q_interval(e, k)), (v, k, s) AS v`},
		macro{"spark_mode_smallest", `(h) AS list_min(list_transform(list_filter(map_entries(h), lambda e: e.value = list_max(map_values(h))), lambda e: e.key))`},
	)
	alias("every", "bool_and")
	alias("std", "stddev")
	alias("kurtosis", "kurtosis_pop")
	alias("skewness", "spark_skewness")
	alias("try_sum", "spark_try_sum")
	alias("try_avg", "avg")
}

// over returns the OVER clause that follows the call, rewritten, and marks
// its tokens used; "" if there is none.
func over(rw *rewriter, c *call) (string, bool, error) {
	k := nextSig(c.rest, 0)
	if k >= len(c.rest) || !c.rest[k].Is("over") {
		return "", false, nil
	}
	end := nextSig(c.rest, k+1)
	if end >= len(c.rest) {
		return "", false, nil
	}
	if c.rest[end].Kind == Punct && c.rest[end].Text == "(" {
		end = MatchParen(c.rest, end)
		if end < 0 {
			return "", false, nil
		}
	}
	text, err := rw.emit(c.rest[:end+1])
	if err != nil {
		return "", false, err
	}
	c.used = end + 1
	return text, true, nil
}

// boolLit reads a literal true/false argument.
func boolLit(a arg) (bool, error) {
	switch strings.ToLower(a.src()) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("the ignoreNulls argument must be true or false, got %s", a.src())
}

// firstLast: first(x[, ignoreNulls]) and last(...), as aggregates or
// window functions (first_value, last_value).
func firstLast(which string, valueName bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 2); err != nil {
			return "", err
		}
		ignore := false
		if len(c.args) == 2 {
			var err error
			if ignore, err = boolLit(c.args[1]); err != nil {
				return "", err
			}
		}
		x := c.args[0].text
		if len(c.args) == 2 {
			x += newlines(c.args[1].toks)
		}
		win, ok, err := over(rw, c)
		if err != nil {
			return "", err
		}
		if ok {
			nulls := ""
			if ignore {
				nulls = " IGNORE NULLS"
			}
			return which + "_value(" + x + nulls + ")" + win, nil
		}
		if !ignore {
			return which + "(" + x + ")", nil
		}
		if which == "first" {
			return "any_value(" + x + ")", nil
		}
		return "last(" + x + ") FILTER (WHERE (" + flat(c.args[0].text) + ") IS NOT NULL)", nil
	}
}

// collect: collect_list(x) and collect_set(x) drop NULLs and give [] for no
// rows; as window functions too.
func collect(set bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 1); err != nil {
			return "", err
		}
		win, ok, err := over(rw, c)
		if err != nil || !ok {
			return "", err
		}
		x := c.args[0].text
		if set {
			return "coalesce(list_sort(list(DISTINCT " + x + ") FILTER (WHERE (" + flat(x) + ") IS NOT NULL)" + win + "), [])", nil
		}
		return "coalesce(list(" + x + ") FILTER (WHERE (" + flat(x) + ") IS NOT NULL)" + win + ", [])", nil
	}
}

// stringAgg: listagg(x[, delimiter]) [WITHIN GROUP (ORDER BY ...)]; Spark's
// default delimiter is ”. DISTINCT values come in sorted order.
func stringAgg(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	delim := "''"
	if len(c.args) == 2 {
		delim = c.args[1].text
	}
	x := c.args[0].text
	order := ""
	// WITHIN GROUP (ORDER BY ...)
	if k := nextSig(c.rest, 0); k < len(c.rest) && c.rest[k].Is("within") {
		g := nextSig(c.rest, k+1)
		o := nextSig(c.rest, g+1)
		if g < len(c.rest) && c.rest[g].Is("group") && o < len(c.rest) && c.rest[o].Text == "(" {
			end := MatchParen(c.rest, o)
			if end < 0 {
				return "", fmt.Errorf("unclosed WITHIN GROUP (")
			}
			text, err := rw.emit(c.rest[o+1 : end])
			if err != nil {
				return "", err
			}
			order = " " + text + newlines(c.rest[:o+1])
			c.used = end + 1
		}
	}
	sig := Trim(c.args[0].toks)
	if order == "" && len(sig) > 0 && sig[0].Is("distinct") {
		order = " ORDER BY " + flat(stripDistinct(x))
	}
	return "string_agg(" + x + ", " + delim + order + ")", nil
}

func stripDistinct(s string) string {
	i := strings.Index(strings.ToLower(s), "distinct")
	if i < 0 {
		return s
	}
	return s[:i] + s[i+len("distinct"):]
}

// percentile(x, p) is exact, interpolated; p may be an array.
func percentile(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	if len(c.args) == 3 {
		return "", &Error{Pos: Pos{c.name.Line, c.name.Col}, Msg: "percentile with a frequency argument is not supported", Err: ErrUnsupported}
	}
	return quantile("quantile_cont", "spark_q_double", c.args[0].text, c.args[1].text, ""), nil
}

// quantile spells fn (quantile_cont, reservoir_quantile) of x at p so that
// intervals work too.
func quantile(fn, val, x, p, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	back := "spark_q_back("
	if ps := strings.TrimSpace(stripAnchors(p)); strings.HasPrefix(ps, "list_value(") || strings.HasPrefix(ps, "[") {
		back = "spark_q_back_list("
	}
	return back + fn + "(" + val + "(" + x + "), " + p + extra + "), max(spark_q_kind(" + flat(x) + ")), " + flat(x) + ")"
}

// percentileApprox: Spark returns an actual value of the column (the
// smallest one at or above the rank); DuckDB's reservoir_quantile is exact
// up to its sample size (the accuracy) and picks values the same way.
func percentileApprox(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	size := "10000"
	if len(c.args) == 3 {
		size = "CAST(" + c.args[2].text + " AS INTEGER)"
	}
	return quantile("reservoir_quantile", "spark_q_raw", c.args[0].text, c.args[1].text, size), nil
}

// percentileCont: percentile_cont(p) WITHIN GROUP (ORDER BY x [DESC]), of
// numbers and intervals.
func percentileCont(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 1 {
		return "", nil
	}
	k := nextSig(c.rest, 0)
	if k >= len(c.rest) || !c.rest[k].Is("within") {
		return "", nil
	}
	g := nextSig(c.rest, k+1)
	o := nextSig(c.rest, g+1)
	if g >= len(c.rest) || !c.rest[g].Is("group") || o >= len(c.rest) || c.rest[o].Text != "(" {
		return "", nil
	}
	end := MatchParen(c.rest, o)
	inner := Trim(c.rest[o+1 : end])
	if len(inner) < 3 || !inner[0].Is("order") || !inner[nextSig(inner, 1)].Is("by") {
		return "", nil
	}
	expr := inner[nextSig(inner, 1)+1:]
	p := c.args[0].text
	if last := Trim(expr); len(last) > 1 && (last[len(last)-1].Is("desc") || last[len(last)-1].Is("asc")) {
		if last[len(last)-1].Is("desc") {
			p = "1 - (" + p + ")"
		}
		expr = last[:len(last)-1]
	}
	x, err := rw.emit(expr)
	if err != nil {
		return "", err
	}
	c.used = end + 1
	return quantile("quantile_cont", "spark_q_double", x, p, "") + newlines(c.rest[:end+1]), nil
}

// modeRule: mode(x, true) picks the smallest of the most frequent values.
func modeRule(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 0, 2); err != nil {
		return "", err
	}
	if len(c.args) < 2 {
		return "", nil // mode(x), mode() WITHIN GROUP (ORDER BY x): DuckDB's
	}
	det, err := boolLit(c.args[1])
	if err != nil {
		return "", fmt.Errorf("the deterministic argument must be true or false, got %s", c.args[1].src())
	}
	if det {
		return "spark_mode_smallest(histogram(" + c.args[0].text + "))" + newlines(c.args[1].toks), nil
	}
	return "mode(" + c.args[0].text + ")" + newlines(c.args[1].toks), nil
}

// groupingID: grouping_id() without arguments means all grouping columns
// of the query's GROUP BY (plain list, CUBE, ROLLUP or GROUPING SETS).
func groupingID(rw *rewriter, c *call) (string, error) {
	if len(c.args) > 0 {
		return "", nil
	}
	depth := 0
	for k, t := range c.rest {
		if t.Kind == Punct && (t.Text == "(" || t.Text == "[") {
			depth++
		}
		if t.Kind == Punct && (t.Text == ")" || t.Text == "]") {
			depth--
			if depth < 0 {
				break
			}
		}
		if depth != 0 || !t.Is("group") {
			continue
		}
		by := nextSig(c.rest, k+1)
		if by >= len(c.rest) || !c.rest[by].Is("by") {
			continue
		}
		var cols []Token
		seen := map[string]bool{}
		var walk func(toks []Token)
		walk = func(toks []Token) {
			for _, part := range SplitComma(toks) {
				p := Trim(part)
				if len(p) == 0 {
					continue
				}
				if p[0].Is("cube") || p[0].Is("rollup") || p[0].Is("grouping") || p[0].Text == "(" {
					open := 0
					for open < len(p) && p[open].Text != "(" {
						open++
					}
					if open < len(p) {
						if cl := MatchParen(p, open); cl > 0 {
							walk(p[open+1 : cl])
							continue
						}
					}
				}
				txt := flat(Text(p))
				if !seen[strings.ToLower(txt)] {
					seen[strings.ToLower(txt)] = true
					cols = append(cols, p...)
					cols = append(cols, Token{Kind: Punct, Text: ","})
				}
			}
		}
		end := len(c.rest)
		for j := by + 1; j < len(c.rest); j++ {
			if Depths(c.rest)[j] == 0 && c.rest[j].Kind == Ident && clauseEnd[strings.ToLower(c.rest[j].Text)] {
				end = j
				break
			}
		}
		walk(c.rest[by+1 : end])
		if len(cols) == 0 {
			break
		}
		text, err := rw.emit(oneLine(cols[:len(cols)-1]))
		if err != nil {
			return "", err
		}
		return "grouping_id(" + flat(text) + ")", nil
	}
	return "", fmt.Errorf("grouping_id() needs a GROUP BY in the same query")
}

// nthValue: nth_value(x, n[, ignoreNulls]) OVER (...).
func nthValue(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 3 {
		return "", nil
	}
	ignore, err := boolLit(c.args[2])
	if err != nil {
		return "", err
	}
	nulls := ""
	if ignore {
		nulls = " IGNORE NULLS"
	}
	return "nth_value(" + c.args[0].text + "," + c.args[1].text + nulls + ")" + newlines(c.args[2].toks), nil
}
