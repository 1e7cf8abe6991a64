package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/quality"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Data-quality assertions (docs/quality.md). A job's assertions
// (standalone) measure its input; an output's assertions (pre-sink) measure
// the output's view. Every suite of a job is evaluated after its steps are
// defined and before its first write: one failed check fails the job, which
// then writes none of its outputs. The results of every suite are appended
// to the job's quality tables, also when a check failed.
//
// The rule for a job's own assertions: column assertions measure the job's
// input, so they need a job with exactly one input (Flare's standalone
// quality job reads one dataset); sql assertions name the views they read
// and may be used with any number of inputs.

// Assertions are the compiled assertions of one dataset.
type Assertions struct {
	// Output is the output's view for pre-sink assertions, "" for the job's
	// own (standalone) assertions.
	Output string `json:",omitempty"`
	// View is the view the column assertions measure ("" when a job with
	// several inputs has only sql assertions).
	View string `json:",omitempty"`
	// Dataset names the dataset in messages and result rows: the input's
	// or output's address (its view for a query input).
	Dataset string
	Pos     spec.Pos
	// Suite holds the checks and their SQL (the engine's dialect): every
	// column metric in one query, each sql assertion in one more.
	Suite *quality.Suite
	// Tables are the lakehouse tables the sql assertions read, bound before
	// they run.
	Tables []TableRef `json:",omitempty"`
}

// QualityResults are the tables the results of a job's assertions are
// appended to (job.qualityResults), one write each per run of the job.
type QualityResults struct {
	Checks, Metrics TableRef
	// Workflow names the workflow in the result rows.
	Workflow string
}

// assertions compiles the job's assertions and its outputs' assertions.
func (jc *jobCompiler) assertions(ctx context.Context) {
	j := jc.job
	what := "job " + j.Name
	if len(j.Assertions) > 0 {
		if a := jc.standalone(ctx, what); a != nil {
			jc.pj.Assertions = append(jc.pj.Assertions, a)
		}
	}
	for _, out := range j.Outputs {
		if len(out.Assertions) == 0 {
			continue
		}
		var w *Write
		for _, pw := range jc.pj.Writes {
			if pw.Pos == out.Pos {
				w = pw
			}
		}
		if w == nil {
			continue // the output's error was reported
		}
		ow := what + ", assertions of output " + out.Name
		cols := jc.views[strings.ToLower(w.View)]
		if a := jc.suite(ctx, out.Assertions, w.View, w.Dataset, cols, ow); a != nil {
			a.Output, a.Pos = w.View, out.Assertions[0].Pos
			jc.pj.Assertions = append(jc.pj.Assertions, a)
		}
	}
	has := len(j.Assertions) > 0
	for _, out := range j.Outputs {
		has = has || len(out.Assertions) > 0
	}
	switch {
	case has:
		jc.pj.QualityResults = jc.qualityResults(j.QualityResults, what)
	case j.QualityResults != nil:
		jc.errAt(j.QualityResults.Pos, "%s: qualityResults without assertions: the job has no results to record", what)
	}
}

// standalone compiles job.assertions over the job's input (see the rule
// above).
func (jc *jobCompiler) standalone(ctx context.Context, what string) *Assertions {
	j := jc.job
	var colAt *manifest.Assertion
	for _, a := range j.Assertions {
		if strings.TrimSpace(a.SQL) == "" && colAt == nil {
			colAt = a
		}
	}
	reads := jc.pj.Reads
	var view, dataset string
	switch {
	case len(reads) == 1:
		view, dataset = reads[0].View, datasetName(reads[0].Dataset, reads[0].View)
	case len(j.Inputs) != len(reads):
		return nil // an input failed to compile and was reported
	case colAt != nil && len(reads) == 0:
		jc.errAt(colAt.Pos, "%s: a column assertion measures the job's input, and the job has none: give the job one input, or write an sql assertion", what)
		return nil
	case colAt != nil:
		names := make([]string, len(reads))
		for i, r := range reads {
			names[i] = r.View
		}
		jc.errAt(colAt.Pos, "%s: a column assertion measures the job's input, and the job has %d (%s): keep one input in a job of assertions, write sql assertions that name the view they measure, or check an output (outputs[].assertions)",
			what, len(reads), strings.Join(names, ", "))
		return nil
	default:
		var names []string
		for _, r := range reads {
			names = append(names, datasetName(r.Dataset, r.View))
		}
		dataset = strings.Join(names, ", ")
		if dataset == "" {
			dataset = "job " + j.Name
		}
	}
	w := what + ", assertions"
	if view != "" {
		w += " of input " + view
	}
	a := jc.suite(ctx, j.Assertions, view, dataset, jc.views[strings.ToLower(view)], w)
	if a != nil {
		a.Pos = j.Assertions[0].Pos
	}
	return a
}

// suite compiles a list of assertions over view (its columns cols).
func (jc *jobCompiler) suite(ctx context.Context, list []*manifest.Assertion, view, dataset string, cols []Column, what string) *Assertions {
	out := &Assertions{View: view, Dataset: dataset}
	as := make([]quality.Assertion, len(list))
	for i, a := range list {
		qa := quality.Assertion{Column: a.Column, Filter: a.Filter, SQL: a.SQL, Tests: a.Tests, Pos: fnPos(a.Pos), OptionPos: map[string]quality.Pos{}}
		if a.ValidFormat {
			qa.ValidFormat = &quality.ValidFormat{Regex: a.ValidRegex}
		}
		for k, p := range a.KeyPos {
			qa.OptionPos[k] = fnPos(p)
		}
		for _, p := range a.TestPos {
			qa.TestPos = append(qa.TestPos, fnPos(p))
		}
		as[i] = qa
		// The lakehouse tables an sql assertion names are bound now (as
		// typed, empty relations) and when it runs.
		if strings.TrimSpace(a.SQL) != "" {
			if q, err := frontQuery(a.SQL); err == nil {
				refs, err := jc.bindTables(ctx, jc.ses, q)
				if err == nil {
					out.Tables = appendRefs(out.Tables, refs)
				}
			}
		}
	}
	ds := quality.Dataset{Name: dataset, Columns: fnSchema(cols)}
	if view != "" {
		ds.From = engine.QuoteIdent(view)
	}
	s, err := quality.Compile(ctx, ds, as, quality.CompileOptions{Rewrite: frontQualityText, Engine: jc.ses.Conn()})
	if err != nil {
		var list quality.ErrorList
		if !errors.As(err, &list) {
			jc.errAt(fromFn(as[0].Pos), "%s: %v", what, err)
			return nil
		}
		for _, e := range list {
			c := *e
			c.Pos = quality.Pos{}
			if c.Key == "sql" {
				c.Msg = jc.knownViews(c.Msg)
			}
			msg := c.Error()
			if view != "" && jc.deferredViews[strings.ToLower(view)] && c.Key == "column" {
				msg += fmt.Sprintf(" (the columns a pivot without values makes in %s are known only when the job runs; list the pivot's values to check them)", view)
			}
			jc.errAt(fromFn(e.Pos), "%s: %s", what, msg)
		}
		return nil
	}
	out.Suite = s
	return out
}

// qualityResults resolves the tables the job's results go to.
func (jc *jobCompiler) qualityResults(q *manifest.QualityResults, what string) *QualityResults {
	checks, checksPos, metrics, metricsPos := spec.DefaultQualityChecks, jc.job.Pos, spec.DefaultQualityMetrics, jc.job.Pos
	if q != nil {
		if q.Checks != "" {
			checks, checksPos = q.Checks, q.ChecksPos
		}
		if q.Metrics != "" {
			metrics, metricsPos = q.Metrics, q.MetricsPos
		}
	}
	r := &QualityResults{Workflow: jc.wf.Name}
	var ok1, ok2 bool
	r.Checks, ok1 = jc.resultTable(checks, checksPos, "checks", quality.ChecksColumns, what)
	r.Metrics, ok2 = jc.resultTable(metrics, metricsPos, "metrics", quality.MetricsColumns, what)
	if !ok1 || !ok2 {
		return nil
	}
	if r.Checks.String() == r.Metrics.String() {
		jc.errAt(metricsPos, "%s: qualityResults: checks and metrics go to one table %s; give two tables", what, r.Checks)
		return nil
	}
	return r
}

// resultTable resolves one results table, which must be an Iceberg table
// of a lakehouse depot, writable. Later jobs of the workflow may read it
// (its columns are known).
func (jc *jobCompiler) resultTable(addr string, pos spec.Pos, key string, cols [][2]string, what string) (TableRef, bool) {
	w := fmt.Sprintf("%s: the %s of its assertions go to %s", what, key, addr)
	if jc.job.QualityResults == nil || (key == "checks" && jc.job.QualityResults.Checks == "") || (key == "metrics" && jc.job.QualityResults.Metrics == "") {
		w += " (the default; qualityResults." + key + " names another table)"
	}
	loc, err := jc.env.Config.Resolve(addr)
	if err != nil {
		jc.errAt(pos, "%s: %v", w, err)
		return TableRef{}, false
	}
	if loc.Depot.Type != depot.Lakehouse {
		jc.errAt(pos, "%s: depot %s holds %s files, not Iceberg tables", w, loc.Depot.Name, loc.Depot.Type)
		return TableRef{}, false
	}
	if loc.Address.ACL == "r" {
		jc.errAt(pos, "%s: the address is read-only (acl=r)", w)
		return TableRef{}, false
	}
	ref := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
	if key := pendingKey(ref, ""); jc.tables[key] == nil {
		tc := make([]Column, len(cols))
		for i, c := range cols {
			tc[i] = Column{Name: c[0], Type: c[1]}
		}
		jc.tables[key] = tc
	}
	return ref, true
}

func datasetName(dataset, view string) string {
	if dataset == "" {
		return view
	}
	return strings.SplitN(dataset, "?", 2)[0]
}

func appendRefs(list, more []TableRef) []TableRef {
	for _, r := range more {
		dup := false
		for _, l := range list {
			dup = dup || l.String() == r.String()
		}
		if !dup {
			list = append(list, r)
		}
	}
	return list
}

func fromFn(p quality.Pos) spec.Pos { return specPos(p) }

// The Spark SQL front for the SQL of step functions and assertions: the
// queries of sql assertions, and expressions (filters, the expressions of
// set_variable, unfurl and pivot). Every call goes through these three.
func frontQuery(text string) (string, error) { return Front(text, AQuery) }

func frontExpression(text string) (string, error) { return Front(text, ACondition) }

// frontQualityText rewrites what quality.Compile hands over: an sql
// assertion's query or a filter's condition.
func frontQualityText(text string) (string, error) {
	if isQuery(text) {
		return frontQuery(text)
	}
	return frontExpression(text)
}

// isQuery reports whether a text starts as a query does (SELECT, WITH,
// FROM, VALUES, TABLE or a parenthesis).
func isQuery(text string) bool {
	t := strings.TrimLeft(text, " \t\r\n(")
	i := strings.IndexFunc(t, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
	if i >= 0 {
		t = t[:i]
	}
	switch strings.ToUpper(t) {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE":
		return true
	}
	return false
}

// assertionsText renders a job's assertions for flare plan.
func assertionsText(j *Job) string {
	var b strings.Builder
	for _, a := range j.Assertions {
		name, on := a.View, "on "+a.Dataset
		switch {
		case a.Output != "":
			name, on = a.Output, "before writing "+a.Dataset
		case a.View == "":
			name = "(sql)"
		}
		cols, sqls := 0, 0
		for _, c := range a.Suite.Checks {
			if c.Kind == quality.SQLKind {
				sqls++
			} else {
				cols++
			}
		}
		var parts []string
		if cols > 0 {
			parts = append(parts, fmt.Sprintf("%d column checks in one pass", cols))
		}
		if sqls > 0 {
			parts = append(parts, fmt.Sprintf("%d sql check%s", sqls, map[bool]string{true: "", false: "s"}[sqls == 1]))
		}
		fmt.Fprintf(&b, "  assert %-16s %d checks %s (%s)%s\n", name, len(a.Suite.Checks), on, strings.Join(parts, ", "), tablesText(a.Tables))
	}
	if r := j.QualityResults; r != nil {
		fmt.Fprintf(&b, "  record %-16s → %s, %s (appended, also when a check fails)\n", "quality results", r.Checks, r.Metrics)
	}
	return b.String()
}
