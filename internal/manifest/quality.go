package manifest

import (
	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// Function is one step function as written: its name and its options,
// which the compile step checks against the function's declaration (each
// function declares its own options, internal/functions).
type Function struct {
	Name    string
	Pos     Pos
	NamePos Pos
	// Node is the function's mapping, options included.
	Node *yaml.Node `json:"-"`
}

// Assertion is one data-quality assertion as written (job.assertions[],
// outputs[].assertions[]): a column form {column, filter, validFormat,
// tests} or an sql form {sql, tests}. The compile step checks metrics,
// tests and columns.
type Assertion struct {
	Column string `json:",omitzero"`
	Filter string `json:",omitzero"`
	// ValidFormat is set when validFormat is given; ValidRegex is its regex.
	ValidFormat bool   `json:",omitzero"`
	ValidRegex  string `json:",omitzero"`
	SQL         string `json:",omitzero"`
	Tests       []string
	Pos         Pos
	// KeyPos is where the value of column, filter, validFormat.regex, sql
	// and tests starts; TestPos where each test is written.
	KeyPos  map[string]Pos `json:"-"`
	TestPos []Pos          `json:"-"`
}

// QualityResults is job.qualityResults: the tables results are appended
// to, as dataos:// addresses ("" = the default).
type QualityResults struct {
	Checks, Metrics       string
	ChecksPos, MetricsPos Pos `json:"-"`
	Pos                   Pos
}

// functions reads a step's functions list. Each function's options are
// kept as written (the mapping) and marked read here: the compile step
// decodes them against the function's own declaration, which reports an
// option that is not read there.
func (d *decoder) functions(m *spec.Values) []*Function {
	var out []*Function
	for _, fm := range m.Objs("functions") {
		f := &Function{Pos: fm.Pos, Node: fm.Node}
		if nv := fm.Get("name"); nv != nil {
			f.Name, f.NamePos = nv.Str, nv.Pos
		}
		fm.Use(fm.Keys()...)
		if f.Name == "" {
			continue // the spec reported the missing name
		}
		out = append(out, f)
	}
	return out
}

// jobQuality reads job.assertions and job.qualityResults.
func (d *decoder) jobQuality(job *Job, m *spec.Values) {
	job.Assertions = d.assertions(m.Objs("assertions"))
	if qm := m.Obj("qualityResults"); qm != nil {
		job.QualityResults = &QualityResults{Pos: qm.Pos,
			Checks: qm.Str("checks"), ChecksPos: qm.ValuePos("checks"),
			Metrics: qm.Str("metrics"), MetricsPos: qm.ValuePos("metrics")}
	}
}

func (d *decoder) assertions(items []*spec.Values) []*Assertion {
	var out []*Assertion
	for _, am := range items {
		a := &Assertion{Pos: am.Pos, KeyPos: map[string]Pos{}}
		text := func(key string) string {
			v := am.Get(key)
			if v == nil {
				return ""
			}
			a.KeyPos[key] = d.textPos(v)
			return v.Str
		}
		a.Column = text("column")
		a.Filter = text("filter")
		a.SQL = text("sql")
		if vf := am.Obj("validFormat"); vf != nil {
			a.ValidFormat = true
			if v := vf.Get("regex"); v != nil {
				a.ValidRegex = v.Str
				a.KeyPos["validFormat.regex"] = v.Pos
			}
		}
		if tv := am.Get("tests"); tv != nil {
			a.Tests, a.TestPos = tv.List, tv.ListPos
			a.KeyPos["tests"] = tv.Pos
		}
		out = append(out, a)
	}
	return out
}
