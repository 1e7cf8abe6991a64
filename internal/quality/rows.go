package quality

import (
	"strconv"
	"strings"
	"time"
)

// Default names of the lakehouse tables results are appended to; a job may
// name others.
const (
	DefaultChecksTable  = "lakehouse.sys.quality_checks"
	DefaultMetricsTable = "lakehouse.sys.quality_metrics"
)

// Run identifies one evaluation in the result tables.
type Run struct {
	// ID is the workflow run's id.
	ID string
	// Workflow and Job name what ran the assertions.
	Workflow, Job string
	// Time is when the dataset was measured.
	Time time.Time
}

// CheckRow is one row of the checks table: a test and its outcome.
type CheckRow struct {
	RunID     string
	Workflow  string
	Job       string
	Dataset   string
	CheckedAt time.Time
	Assertion int
	Kind      Kind
	// Column, Filter and ValidRegex are the column form's; SQL the sql
	// form's (as written).
	Column     string
	Filter     string
	ValidRegex string
	SQL        string
	Test       string
	Metric     string
	Operator   string
	Threshold  float64
	Value      *float64
	Passed     bool
}

// MetricRow is one row of the metrics table: a measured value.
type MetricRow struct {
	RunID      string
	Workflow   string
	Job        string
	Dataset    string
	MeasuredAt time.Time
	Assertion  int
	Kind       Kind
	Column     string
	Filter     string
	Metric     string
	Value      *float64
}

// ChecksColumns and MetricsColumns are the tables' columns with their
// DuckDB types, in the order ChecksQuery and MetricsQuery produce them.
var (
	ChecksColumns = [][2]string{
		{"run_id", "VARCHAR"}, {"workflow", "VARCHAR"}, {"job", "VARCHAR"}, {"dataset", "VARCHAR"},
		{"checked_at", "TIMESTAMP WITH TIME ZONE"}, {"assertion", "INTEGER"}, {"kind", "VARCHAR"},
		{"column_name", "VARCHAR"}, {"filter", "VARCHAR"}, {"valid_regex", "VARCHAR"}, {"sql", "VARCHAR"},
		{"test", "VARCHAR"}, {"metric", "VARCHAR"}, {"operator", "VARCHAR"}, {"threshold", "DOUBLE"},
		{"value", "DOUBLE"}, {"passed", "BOOLEAN"},
	}
	MetricsColumns = [][2]string{
		{"run_id", "VARCHAR"}, {"workflow", "VARCHAR"}, {"job", "VARCHAR"}, {"dataset", "VARCHAR"},
		{"measured_at", "TIMESTAMP WITH TIME ZONE"}, {"assertion", "INTEGER"}, {"kind", "VARCHAR"},
		{"column_name", "VARCHAR"}, {"filter", "VARCHAR"}, {"metric", "VARCHAR"}, {"value", "DOUBLE"},
	}
)

// Rows turns a result into the rows of the two tables.
func (r *Result) Rows(run Run) ([]CheckRow, []MetricRow) {
	var checks []CheckRow
	for _, c := range r.Checks {
		checks = append(checks, CheckRow{
			RunID: run.ID, Workflow: run.Workflow, Job: run.Job, Dataset: r.Dataset, CheckedAt: run.Time,
			Assertion: c.Assertion, Kind: c.Kind, Column: c.Column, Filter: c.Filter, ValidRegex: c.Regex, SQL: c.SQL,
			Test: c.Test, Metric: c.Metric, Operator: c.Op, Threshold: c.Limit, Value: c.Value, Passed: c.Passed,
		})
	}
	var metrics []MetricRow
	for _, m := range r.Metrics {
		metrics = append(metrics, MetricRow{
			RunID: run.ID, Workflow: run.Workflow, Job: run.Job, Dataset: r.Dataset, MeasuredAt: run.Time,
			Assertion: m.Assertion, Kind: m.Kind, Column: m.Column, Filter: m.Filter, Metric: m.Metric, Value: m.Value,
		})
	}
	return checks, metrics
}

// ChecksQuery is a DuckDB SELECT producing rows with the columns and types
// of ChecksColumns (no rows for none), to append to the checks table.
func ChecksQuery(rows []CheckRow) string {
	vals := make([][]string, len(rows))
	for i, r := range rows {
		vals[i] = []string{str(r.RunID), str(r.Workflow), str(r.Job), str(r.Dataset), ts(r.CheckedAt), strconv.Itoa(r.Assertion),
			str(string(r.Kind)), opt(r.Column), opt(r.Filter), opt(r.ValidRegex), opt(r.SQL), str(r.Test), str(r.Metric),
			str(r.Operator), num(&r.Threshold), num(r.Value), strconv.FormatBool(r.Passed)}
	}
	return valuesQuery(ChecksColumns, vals)
}

// MetricsQuery is a DuckDB SELECT producing rows with the columns and
// types of MetricsColumns (no rows for none), to append to the metrics
// table.
func MetricsQuery(rows []MetricRow) string {
	vals := make([][]string, len(rows))
	for i, r := range rows {
		vals[i] = []string{str(r.RunID), str(r.Workflow), str(r.Job), str(r.Dataset), ts(r.MeasuredAt), strconv.Itoa(r.Assertion),
			str(string(r.Kind)), opt(r.Column), opt(r.Filter), str(r.Metric), num(r.Value)}
	}
	return valuesQuery(MetricsColumns, vals)
}

func valuesQuery(cols [][2]string, rows [][]string) string {
	sel := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quoteIdent(c[0])
		sel[i] = "CAST(" + quoteIdent(c[0]) + " AS " + c[1] + ") AS " + quoteIdent(c[0])
	}
	if len(rows) == 0 {
		nulls := make([]string, len(cols))
		for i, c := range cols {
			nulls[i] = "CAST(NULL AS " + c[1] + ") AS " + quoteIdent(c[0])
		}
		return "SELECT " + strings.Join(nulls, ", ") + " WHERE false"
	}
	tuples := make([]string, len(rows))
	for i, r := range rows {
		tuples[i] = "(" + strings.Join(r, ", ") + ")"
	}
	return "SELECT " + strings.Join(sel, ", ") + "\nFROM (VALUES\n  " + strings.Join(tuples, ",\n  ") + "\n) AS v(" + strings.Join(names, ", ") + ")"
}

func str(s string) string { return quoteLit(s) }

func opt(s string) string {
	if s == "" {
		return "NULL"
	}
	return quoteLit(s)
}

func ts(t time.Time) string {
	return "TIMESTAMPTZ " + quoteLit(t.UTC().Format("2006-01-02 15:04:05.999999")+"+00")
}

func num(v *float64) string {
	if v == nil {
		return "NULL"
	}
	return "CAST(" + quoteLit(strconv.FormatFloat(*v, 'g', -1, 64)) + " AS DOUBLE)"
}
