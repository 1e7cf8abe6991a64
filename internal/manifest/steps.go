package manifest

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/spec"
)

func (d *decoder) input(m *spec.Values) *Input {
	in := &Input{Pos: m.Pos}
	in.Name = m.Str("name")
	if in.Name == "" {
		d.errAt(m.Pos, "an input needs a name (the view it becomes)")
	}
	in.Dataset = m.Str("dataset")
	if qv := m.Get("query"); qv != nil {
		in.Query = qv.Str
		in.queryLines = scalarSpans(d.lines, qv.Node)
		in.QueryPos = spanPos(d.File, in.queryLines, 0)
	}
	switch {
	case in.Dataset == "" && in.Query == "":
		d.errAt(m.Pos, "%s needs a dataset (dataos://depot:collection/dataset) or a query", label("input", in.Name))
	case in.Dataset != "" && in.Query != "":
		d.errAt(m.KeyPos("query"), "input %s has both dataset and query: give one", in.Name)
	}
	in.Format = strings.ToLower(strings.TrimSpace(m.Str("format")))
	in.IsStream = m.Bool("isStream")
	in.SchemaString = m.Str("schemaString")
	if ov := m.Get("options"); ov != nil {
		in.Options, in.OptionsPos = ov.Map, ov.Pos
	}
	in.Cache = m.Bool("cache")
	return in
}

// QueryPosAt returns the position of a byte offset of the input's query.
func (in *Input) QueryPosAt(offset int) Pos {
	if len(in.queryLines) == 0 {
		return in.QueryPos
	}
	return spanPos(in.QueryPos.File, in.queryLines, offset)
}

func (d *decoder) step(m *spec.Values) *Step {
	s := &Step{Pos: m.Pos}
	s.Name = m.Str("name")
	if s.Name == "" {
		d.errAt(m.Pos, "a step needs a name (the view it produces)")
	}
	s.Doc = m.Str("doc")
	s.Cache = m.Bool("cache")
	if sv := m.Get("sql"); sv != nil {
		s.SQL = sv.Str
		s.lines = scalarSpans(d.lines, sv.Node)
		s.SQLPos = spanPos(d.File, s.lines, 0)
	}
	if fv := m.Get("sqlFile"); fv != nil {
		s.SQLFile = fv.Str
		switch {
		case s.SQLFile == "":
		case m.Has("sql"):
			d.Errorf(fv.Node, "step %s has both sql and sqlFile: give one", s.Name)
		default:
			d.sqlFile(s, fv.Node)
		}
	}
	for _, cm := range m.Objs("commands") {
		s.Commands = append(s.Commands, &Command{
			Pos:          cm.Pos,
			Name:         cm.Str("name"),
			SequenceName: cm.Str("sequenceName"),
			Mode:         cm.Str("mode"),
		})
	}
	s.Functions = d.functions(m)
	if strings.TrimSpace(s.SQL) == "" && len(s.Commands) == 0 && !m.Given("sqlFile") && !m.Given("sql") && !m.Given("classpath") {
		if len(s.Functions) > 0 {
			d.errAt(m.KeyPos("functions"), "%s: functions apply to the rows of the step's sql: give sql (or sqlFile)", label("step", s.Name))
		} else {
			d.errAt(m.Pos, "%s needs sql (or sqlFile or commands)", label("step", s.Name))
		}
	}
	return s
}

// sqlFile inlines a step's sqlFile, relative to the manifest's folder.
func (d *decoder) sqlFile(s *Step, fn *yaml.Node) {
	p := s.SQLFile
	if !filepath.IsAbs(p) {
		p = filepath.Join(d.dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		if os.IsNotExist(err) {
			d.Errorf(fn, "step %s: sqlFile %s not found (paths are relative to the manifest's folder)", s.Name, p)
		} else {
			d.Errorf(fn, "step %s: read sqlFile: %v", s.Name, err)
		}
		return
	}
	text := string(data)
	if strings.Contains(text, "${") {
		spans := textSpans(text)
		var probs []varProblem
		text, probs = expandVars(text, d.opt.lookup)
		for _, pr := range probs {
			d.errAt(spanPos(p, spans, pr.Off), "%s", pr.Msg)
		}
	}
	s.SQL = text
	s.lines = textSpans(text)
	s.SQLPos = Pos{File: p, Line: 1, Col: 1}
}
