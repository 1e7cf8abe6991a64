package quality

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// CheckResult is a check and what the data gave.
type CheckResult struct {
	Check
	// Value is the metric's value; nil when there is none (the average of
	// no rows, a NULL column in an sql result), which fails the check.
	Value  *float64
	Passed bool
}

// MetricValue is one measured metric (each is measured once, however many
// tests use it).
type MetricValue struct {
	Assertion int
	Kind      Kind
	Column    string // the column form's column; "" for sql
	Filter    string
	Metric    string
	Value     *float64
}

// Result is the outcome of a suite.
type Result struct {
	Dataset string
	Checks  []CheckResult
	Metrics []MetricValue
}

// Failed counts the checks that failed.
func (r *Result) Failed() int {
	n := 0
	for _, c := range r.Checks {
		if !c.Passed {
			n++
		}
	}
	return n
}

// Err is nil when every check passed, else an error that counts and lists
// the failed checks (as Flare says it: "1 out of 4 assertions failed for
// dataset ...").
func (r *Result) Err() error {
	failed := r.Failed()
	if failed == 0 {
		return nil
	}
	var parts []string
	for _, c := range r.Checks {
		if !c.Passed {
			parts = append(parts, fmt.Sprintf("#%d %s: %s (value %s)", c.Assertion, c.Label(), c.Test, FormatValue(c.Value)))
		}
	}
	return fmt.Errorf("%d out of %d assertions failed for dataset %s: %s", failed, len(r.Checks), r.Dataset, strings.Join(parts, "; "))
}

// Evaluate measures the dataset and compares: one query for every column
// metric, one per sql assertion. An sql assertion that does not return
// exactly one row, or lacks a column a test names, is an error; a check
// that fails is not (see Result.Err).
func (s *Suite) Evaluate(ctx context.Context, q Querier) (*Result, error) {
	values := map[string]*float64{} // result column -> value, for the column form
	if s.Query != "" {
		row, err := oneRow(ctx, q, s.Query)
		if err != nil {
			return nil, fmt.Errorf("measure dataset %s: %w", s.Dataset, err)
		}
		for k, v := range row {
			values[k] = v
		}
	}
	sqlRows := map[int]map[string]*float64{}
	for n, query := range s.SQL {
		row, err := oneRow(ctx, q, query)
		if err != nil {
			return nil, fmt.Errorf("assertion #%d on dataset %s: %w", n, s.Dataset, err)
		}
		sqlRows[n] = row
	}
	res := &Result{Dataset: s.Dataset}
	for _, m := range s.metrics {
		var c *Check
		for i := range s.Checks {
			if s.Checks[i].Assertion == m.assertion && s.Checks[i].Kind == ColumnKind {
				c = &s.Checks[i]
				break
			}
		}
		res.Metrics = append(res.Metrics, MetricValue{Assertion: m.assertion, Kind: ColumnKind, Column: c.Column, Filter: c.Filter, Metric: m.metric, Value: values[m.col]})
	}
	seenSQL := map[string]bool{}
	for _, c := range s.Checks {
		var v *float64
		if c.Kind == SQLKind {
			row := sqlRows[c.Assertion]
			val, ok := lookup(row, c.value)
			if !ok {
				return nil, fmt.Errorf("%s: assertion #%d on dataset %s: the sql returns no column %q (its columns: %s)", c.Pos, c.Assertion, s.Dataset, c.value, strings.Join(keys(row), ", "))
			}
			v = val
			if key := fmt.Sprint(c.Assertion, "\x00", c.Metric); !seenSQL[key] {
				seenSQL[key] = true
				res.Metrics = append(res.Metrics, MetricValue{Assertion: c.Assertion, Kind: SQLKind, Metric: c.Metric, Value: v})
			}
		} else {
			v = values[c.value]
		}
		res.Checks = append(res.Checks, CheckResult{Check: c, Value: v, Passed: compare(v, c.Op, c.Limit)})
	}
	return res, nil
}

func lookup(row map[string]*float64, name string) (*float64, bool) {
	if v, ok := row[name]; ok {
		return v, true
	}
	for k, v := range row {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func keys(m map[string]*float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func compare(v *float64, op string, limit float64) bool {
	if v == nil || math.IsNaN(*v) {
		return false
	}
	switch op {
	case "<":
		return *v < limit
	case "<=":
		return *v <= limit
	case ">":
		return *v > limit
	case ">=":
		return *v >= limit
	case "==":
		return *v == limit
	case "!=":
		return *v != limit
	}
	return false
}

// oneRow runs a query that must return exactly one row and reads every
// column as a number (NULL as nil).
func oneRow(ctx context.Context, q Querier, query string) (map[string]*float64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]*float64{}
	n := 0
	for rows.Next() {
		n++
		if n > 1 {
			continue
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, c := range cols {
			f, err := number(vals[i])
			if err != nil {
				return nil, fmt.Errorf("column %q: %w", c, err)
			}
			out[c] = f
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, fmt.Errorf("the query returned %d rows, want exactly 1", n)
	}
	return out, nil
}

// number reads a scanned value as a float.
func number(v any) (*float64, error) {
	var f float64
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case int16:
		f = float64(x)
	case int8:
		f = float64(x)
	case int:
		f = float64(x)
	case uint64:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint8:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", x)
		}
		f = p
	case interface{ Float64() float64 }: // duckdb.Decimal
		f = x.Float64()
	case fmt.Stringer: // *big.Int (HUGEINT)
		p, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return nil, fmt.Errorf("%v is not a number", x)
		}
		f = p
	case sql.NullFloat64:
		if !x.Valid {
			return nil, nil
		}
		f = x.Float64
	default:
		p, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		if err != nil {
			return nil, fmt.Errorf("a %T is not a number", v)
		}
		f = p
	}
	return &f, nil
}
