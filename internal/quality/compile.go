package quality

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/functions"
)

// Dataset is what the assertions measure.
type Dataset struct {
	// Name names the dataset in messages and result rows: the input's or
	// output's address, or its view name.
	Name string
	// From is the relation the column assertions read: a quoted view name
	// or a parenthesised query.
	From string
	// Columns are the relation's columns.
	Columns functions.Schema
}

// Querier runs queries: *sql.Conn and *sql.DB are one.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// CompileOptions configure Compile.
type CompileOptions struct {
	// Rewrite turns Spark SQL (filters, sql assertions) into DuckDB SQL:
	// the plan's Spark SQL front. Nil leaves the text as written.
	Rewrite func(sparkSQL string) (string, error)
	// Engine, when set, lets Compile ask DuckDB (DESCRIBE, no rows read)
	// whether each filter and sql assertion binds, and which columns an
	// sql assertion returns, so that such errors name the assertion before
	// anything runs. The relations they read must exist there (empty
	// stand-ins are enough).
	Engine Querier
}

// Kind is the form of an assertion.
type Kind string

const (
	ColumnKind Kind = "column"
	SQLKind    Kind = "sql"
)

// Check is one test of one assertion.
type Check struct {
	// Assertion is the assertion's place in its list, from 1.
	Assertion int
	Kind      Kind
	// Column, Filter and Regex are the column form's; SQL the sql form's
	// (as written).
	Column, Filter, Regex, SQL string
	// Test is the test as written; Metric, Op and Limit are its parts
	// (Op is one of < <= > >= == !=). For the sql form Metric is the
	// result column.
	Test   string
	Metric string
	Op     string
	Limit  float64
	Pos    Pos

	// value is the result column that holds the metric.
	value string
}

// Label names the assertion for people: the column with its filter and
// regex, or the sql on one line.
func (c *Check) Label() string {
	if c.Kind == SQLKind {
		return "sql: " + strings.Join(strings.Fields(c.SQL), " ")
	}
	s := c.Column
	if c.Filter != "" {
		s += " where " + c.Filter
	}
	if c.Regex != "" {
		s += " valid /" + c.Regex + "/"
	}
	return s
}

// Suite is a compiled list of assertions over one dataset.
type Suite struct {
	Dataset string
	// Checks are every test, in the order written.
	Checks []Check
	// Query computes every metric of the column assertions in one pass
	// over the dataset, as one row; "" when there are none.
	Query string
	// SQL holds the sql assertions' queries (DuckDB SQL), by assertion
	// number.
	SQL map[int]string

	// columns of Query's row, in order, with the check fields they
	// measure (for result rows).
	metrics []metricRef
}

type metricRef struct {
	assertion int
	metric    string
	col       string // result column
}

// Compile checks assertions against a dataset and builds the SQL that
// measures them. It reads no data. Every problem is reported, as an
// ErrorList of *Error at the positions the assertions carry.
func Compile(ctx context.Context, ds Dataset, as []Assertion, opts CompileOptions) (*Suite, error) {
	s := &Suite{Dataset: ds.Name, SQL: map[int]string{}}
	var errs ErrorList
	var selects []string
	rewrite := func(q string) (string, error) {
		if opts.Rewrite == nil {
			return q, nil
		}
		return opts.Rewrite(q)
	}
	for i, a := range as {
		n := i + 1
		at := func(key string) Pos {
			if p, ok := a.OptionPos[key]; ok {
				return p
			}
			return a.Pos
		}
		fail := func(key, format string, args ...any) {
			errs = append(errs, &Error{Pos: at(key), Assertion: n, Key: key, Msg: fmt.Sprintf(format, args...)})
		}
		testAt := func(j int) Pos {
			if j < len(a.TestPos) {
				return a.TestPos[j]
			}
			return at("tests")
		}
		if len(a.Tests) == 0 {
			fail("tests", "no tests: give a list such as [missing_count == 0]")
			continue
		}
		hasSQL, hasCol := strings.TrimSpace(a.SQL) != "", strings.TrimSpace(a.Column) != ""
		switch {
		case hasSQL && hasCol:
			fail("sql", "give column or sql, not both")
			continue
		case !hasSQL && !hasCol:
			fail("", "needs column (with tests on its metrics) or sql (with tests on its result columns)")
			continue
		case hasSQL && (a.Filter != "" || a.ValidFormat != nil):
			fail("sql", "filter and validFormat belong to the column form; put the condition in the sql")
			continue
		}
		if hasSQL {
			q, err := rewrite(strings.TrimRight(strings.TrimSpace(a.SQL), ";"))
			if err != nil {
				fail("sql", "%v", err)
				continue
			}
			var cols functions.Schema
			if opts.Engine != nil {
				if cols, err = functions.Describe(ctx, opts.Engine, q); err != nil {
					fail("sql", "%s", engineMessage(err))
					continue
				}
			}
			s.SQL[n] = q
			for j, t := range a.Tests {
				pt, err := parseTest(t)
				if err != nil {
					errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests", Msg: err.Error()})
					continue
				}
				name := pt.metric
				if cols != nil {
					k := cols.Index(name)
					if k < 0 {
						errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests",
							Msg: fmt.Sprintf("the sql returns no column %q (its columns: %s)", name, strings.Join(cols.Names(), ", "))})
						continue
					}
					name = cols[k].Name
				}
				s.Checks = append(s.Checks, Check{Assertion: n, Kind: SQLKind, SQL: a.SQL, Test: t, Metric: name, Op: pt.op, Limit: pt.limit, Pos: testAt(j), value: name})
			}
			continue
		}
		// The column form.
		k := ds.Columns.Index(a.Column)
		if k < 0 {
			fail("column", "unknown column %q in %s (the columns are: %s)", a.Column, ds.Name, strings.Join(ds.Columns.Names(), ", "))
			continue
		}
		col := ds.Columns[k]
		filter := "true"
		if strings.TrimSpace(a.Filter) != "" {
			f, err := rewrite(a.Filter)
			if err != nil {
				fail("filter", "%v", err)
				continue
			}
			filter = "(" + f + ")"
			if opts.Engine != nil {
				if _, err := functions.Describe(ctx, opts.Engine, "SELECT count(*) FILTER (WHERE "+filter+") FROM "+ds.From); err != nil {
					fail("filter", "%s", engineMessage(err))
					continue
				}
			}
		}
		regex := ""
		if a.ValidFormat != nil {
			regex = a.ValidFormat.Regex
			if regex == "" {
				fail("validFormat.regex", "validFormat needs a regex")
				continue
			}
			if _, err := regexp.Compile(regex); err != nil {
				fail("validFormat.regex", "bad regex %q: %v", regex, err)
				continue
			}
		}
		seen := map[string]string{}
		for j, t := range a.Tests {
			pt, err := parseTest(t)
			if err != nil {
				errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests", Msg: err.Error()})
				continue
			}
			m := findMetric(pt.metric)
			if m == nil {
				errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests", Msg: fmt.Sprintf("unknown metric %q%s", pt.metric, hint(pt.metric, metricNames()))})
				continue
			}
			if m.numeric && col.Type != "" && !numeric(col.Type) {
				errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests", Msg: fmt.Sprintf("%s needs a number column; %s is %s", m.Name, col.Name, col.Type)})
				continue
			}
			if m.valid && regex == "" {
				errs = append(errs, &Error{Pos: testAt(j), Assertion: n, Key: "tests", Msg: fmt.Sprintf("%s needs validFormat: {regex: ...} on the assertion", m.Name)})
				continue
			}
			out, ok := seen[m.Name]
			if !ok {
				out = fmt.Sprintf("a%d_%s", n, m.Name)
				seen[m.Name] = out
				selects = append(selects, "CAST("+metricSQL(m.Name, quoteIdent(col.Name), filter, regex)+" AS DOUBLE) AS "+quoteIdent(out))
				s.metrics = append(s.metrics, metricRef{assertion: n, metric: m.Name, col: out})
			}
			s.Checks = append(s.Checks, Check{Assertion: n, Kind: ColumnKind, Column: col.Name, Filter: a.Filter, Regex: regex,
				Test: t, Metric: m.Name, Op: pt.op, Limit: pt.limit, Pos: testAt(j), value: out})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(selects) > 0 {
		s.Query = "SELECT " + strings.Join(selects, ",\n  ") + "\nFROM " + ds.From
	}
	return s, nil
}

func numeric(typ string) bool {
	t := strings.ToUpper(functions.NormType(typ))
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL"} {
		if t == p || strings.HasPrefix(t, p+"(") {
			return true
		}
	}
	return false
}

// metricSQL is the aggregate that computes a metric of column c over the
// rows where filter holds.
func metricSQL(metric, c, filter, regex string) string {
	rows := "count(*) FILTER (WHERE " + filter + ")"
	where := func(cond string) string { return "count(*) FILTER (WHERE " + filter + " AND " + cond + ")" }
	invalid := where(c + " IS NOT NULL AND NOT regexp_matches(CAST(" + c + " AS VARCHAR), " + quoteLit(regex) + ")")
	length := "length(CAST(" + c + " AS VARCHAR))"
	switch metric {
	case "avg", "min", "max", "sum":
		return metric + "(" + c + ") FILTER (WHERE " + filter + ")"
	case "count":
		return rows
	case "distinct_count":
		return "count(DISTINCT " + c + ") FILTER (WHERE " + filter + ")"
	case "duplicate_count":
		return "count(" + c + ") FILTER (WHERE " + filter + ") - count(DISTINCT " + c + ") FILTER (WHERE " + filter + ")"
	case "missing_count":
		return where(c + " IS NULL")
	case "missing_percentage":
		return "100.0 * " + where(c+" IS NULL") + " / nullif(" + rows + ", 0)"
	case "invalid_count":
		return invalid
	case "invalid_percentage":
		return "100.0 * " + invalid + " / nullif(" + rows + ", 0)"
	case "avg_length":
		return "avg(" + length + ") FILTER (WHERE " + filter + ")"
	case "min_length":
		return "min(" + length + ") FILTER (WHERE " + filter + ")"
	case "max_length":
		return "max(" + length + ") FILTER (WHERE " + filter + ")"
	}
	panic("quality: no SQL for metric " + metric)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// engineMessage is DuckDB's error on one line, without its LINE marker
// (which points into SQL the user did not write).
func engineMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	return strings.Join(strings.Fields(msg), " ")
}
