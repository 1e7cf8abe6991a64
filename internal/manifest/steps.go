package manifest

import (
	"fmt"
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
	in.SchemaPath = m.Str("schemaPath")
	in.SchemaType = m.Str("schemaType")
	in.Schema = m.Str("schema")
	for _, k := range []string{"schemaString", "schemaPath", "schema", "schemaType"} {
		if m.Has(k) {
			in.SchemaPos = m.KeyPos(k)
			break
		}
	}
	if ov := m.Get("options"); ov != nil {
		in.Options, in.OptionsPos = ov.Map, ov.Pos
	}
	in.Cache = m.Bool("cache")
	if iv := m.Obj("incremental"); iv != nil {
		in.Incremental = d.incremental(in, iv)
	}
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

// sqlFile inlines a step's sqlFile, relative to the manifest's folder. The
// file must lie inside the project's folder (Options.Root; no absolute path,
// no symbolic link that points out), as an address stays in its depot.
func (d *decoder) sqlFile(s *Step, fn *yaml.Node) {
	root := d.opt.Root
	if root == "" {
		root = d.dir
	}
	p, err := insideDir(root, d.dir, s.SQLFile)
	if err != nil {
		d.Errorf(fn, "step %s: sqlFile %s: %v", s.Name, s.SQLFile, err)
		return
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

// insideDir joins a relative path to dir and refuses one that leaves root.
func insideDir(root, dir, rel string) (string, error) {
	if filepath.IsAbs(rel) || strings.HasPrefix(filepath.ToSlash(rel), "/") {
		return "", fmt.Errorf("an absolute path; give a path relative to the manifest's folder")
	}
	p := filepath.Join(dir, rel)
	absRoot, err1 := filepath.Abs(root)
	absP, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("cannot resolve the path")
	}
	if absP != absRoot && !strings.HasPrefix(absP, absRoot+string(filepath.Separator)) {
		return "", fmt.Errorf("the path leaves the project's folder %s", root)
	}
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return p, nil
	}
	real, err := filepath.EvalSymlinks(absP)
	if err != nil {
		return p, nil // a missing file is reported when it is read
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return "", fmt.Errorf("it leads to %s, outside the project's folder %s", real, root)
	}
	return p, nil
}
