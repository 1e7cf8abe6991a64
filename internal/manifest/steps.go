package manifest

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	inputKeys = []string{"name", "dataset", "query", "format", "isStream", "schemaType", "schemaPath", "schemaString",
		"schemaSubject", "schemaId", "options", "incremental", "cache"}
	incrementalKeys = []string{"context", "sql", "keys", "state"}
	stepKeys        = []string{"name", "doc", "sql", "sqlFile", "functions", "commands", "classpath", "cache"}
	commandKeys     = []string{"name", "sequenceName", "mode"}
	storageLevels   = []string{"NONE", "DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "MEMORY_ONLY", "MEMORY_ONLY_2",
		"MEMORY_ONLY_SER", "MEMORY_ONLY_SER_2", "MEMORY_AND_DISK", "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_SER",
		"MEMORY_AND_DISK_SER_2", "OFF_HEAP"}
)

// functionKeys are the documented Flare functions and the keys each takes.
var functionKeys = map[string][]string{
	"add_column":           {"column", "value", "type"},
	"any_date":             {"column", "asColumn", "rule", "rules"},
	"any_timestamp":        {"column", "asColumn", "timezone", "rule", "rules"},
	"change_case":          {"case", "column"},
	"change_column_case":   {"case"},
	"cleanse_column_names": {},
	"columns_replace":      {"sedExpression"},
	"copy":                 {"fromColumn", "toColumn"},
	"cut_character":        {"column", "asColumn", "startIndex", "endIndex"},
	"decode":               {"algo", "column", "asColumn"},
	"encode":               {"algo", "column", "asColumn"},
	"diff_date":            {"columnA", "columnB", "asColumn"},
	"drop":                 {"columns"},
	"drop_duplicates":      {"columns"},
	"select":               {"columns"},
	"epoch_to_timestamp":   {"column", "asColumn"},
	"fill_null_or_empty":   {"columns"},
	"find_and_replace":     {"column", "sedExpression"},
	"flatten":              {"column", "asColumn"},
	"flatten_outer":        {"column", "asColumn"},
	"format_date":          {"column", "format"},
	"format_unix_date":     {"column", "format"},
	"generate_uuid":        {"asColumn"},
	"hash":                 {"column", "algo"},
	"increment_variable":   {"column"},
	"mask_number":          {"column", "pattern"},
	"merge":                {"separator", "columns", "asColumn"},
	"parse_as_json":        {"column", "asColumn", "sparkSchema", "avroSchema"},
	"parse_html":           {"column", "asColumn"},
	"pivot":                {"groupBy", "column", "values", "aggregateExpression", "approach"},
	"rename":               {"column", "asColumn"},
	"rename_all":           {"columns"},
	"set_column":           {"column", "value"},
	"set_type":             {"columns"},
	"set_variable":         {"column", "expression"},
	"snake_case":           {},
	"split_email":          {"column"},
	"split_url":            {"column"},
	"swap":                 {"columnA", "columnB"},
	"trim":                 {"column", "method"},
	"unfurl":               {"expression"},
	"unpivot":              {"columns", "pivotColumns", "keyColumnName", "valueColumnName"},
}

// FunctionNames lists the step functions the manifest accepts.
func FunctionNames() []string {
	names := make([]string, 0, len(functionKeys))
	for n := range functionKeys {
		names = append(names, n)
	}
	return sortedCopy(names)
}

func (d *decoder) input(n *yaml.Node) *Input {
	m := d.mapping(n, "an input", inputKeys, misplaced{
		"branch": "branch is a reader option: put it under options (options.branch)",
	})
	if m == nil {
		return nil
	}
	in := &Input{Pos: d.pos(n)}
	in.Name = d.str(m.get("name"), "the input name")
	if in.Name == "" {
		d.errAt(d.pos(n), "an input needs a name (the view it becomes)")
	}
	in.Dataset = d.str(m.get("dataset"), "dataset")
	in.Query = d.str(m.get("query"), "query")
	switch {
	case in.Dataset == "" && in.Query == "":
		d.errAt(d.pos(n), "%s needs a dataset (dataos://depot:collection/dataset) or a query", label("input", in.Name))
	case in.Dataset != "" && in.Query != "":
		d.errAt(d.keyPos(m, "query"), "input %s has both dataset and query: give one", in.Name)
	}
	in.Format = d.lower(m.get("format"), "format")
	in.IsStream = d.boolean(m.get("isStream"), "isStream")
	in.SchemaType = d.oneOf(m.get("schemaType"), "schemaType", "avro", "spark")
	in.SchemaPath = d.str(m.get("schemaPath"), "schemaPath")
	in.SchemaString = d.str(m.get("schemaString"), "schemaString")
	in.SchemaSubject = d.str(m.get("schemaSubject"), "schemaSubject")
	if sid, ok := scalarText(m.get("schemaId")); ok {
		in.SchemaID = sid
	} else {
		d.errorf(m.get("schemaId"), "expected schemaId to be a number, found %s", describe(m.get("schemaId")))
	}
	in.Options = d.strMap(m.get("options"), "input options")
	in.Cache = d.boolean(m.get("cache"), "cache")
	if inc := m.get("incremental"); inc != nil {
		in.Incremental = d.incremental(in, inc)
	}
	return in
}

func (d *decoder) incremental(in *Input, n *yaml.Node) *Incremental {
	m := d.mapping(n, "incremental", incrementalKeys, nil)
	if m == nil {
		return nil
	}
	inc := &Incremental{Pos: d.pos(resolve(n))}
	inc.Context = d.str(m.get("context"), "incremental.context")
	if inc.Context == "" {
		d.errAt(d.pos(resolve(n)), "input %s: incremental needs context (the view of the whole dataset)", in.Name)
	}
	inc.SQL = d.str(m.get("sql"), "incremental.sql")
	if inc.SQL == "" {
		d.errAt(d.pos(resolve(n)), "input %s: incremental needs sql", in.Name)
	} else {
		inc.SQLPos = spanPos(d.file, scalarSpans(d.lines, resolve(m.get("sql"))), 0)
	}
	keys := map[string]bool{}
	for _, kn := range d.seq(m.get("keys"), "incremental.keys") {
		km := d.mapping(kn, "an incremental key", []string{"name", "sql"}, nil)
		if km == nil {
			continue
		}
		k := IncrementalKey{Name: d.str(km.get("name"), "key name"), SQL: d.str(km.get("sql"), "key sql"), Pos: d.pos(kn)}
		if k.Name == "" || k.SQL == "" {
			d.errorf(kn, "input %s: an incremental key needs name and sql", in.Name)
		}
		if keys[k.Name] {
			d.errorf(kn, "input %s: incremental key %q is given twice", in.Name, k.Name)
		}
		for _, ref := range placeholders(k.SQL) {
			if !keys[ref] {
				d.errorf(kn, "input %s: incremental key %s uses $|%s|, which is not an earlier key", in.Name, k.Name, ref)
			}
		}
		keys[k.Name] = true
		inc.Keys = append(inc.Keys, k)
	}
	if len(inc.Keys) == 0 {
		d.errAt(d.pos(resolve(n)), "input %s: incremental needs keys ([{name, sql}])", in.Name)
	}
	for _, ref := range placeholders(inc.SQL) {
		if !keys[ref] {
			d.errAt(inc.SQLPos, "input %s: incremental sql uses $|%s|, which is not a key%s", in.Name, ref, hint(ref, keyNames(inc.Keys)))
		}
	}
	for _, sn := range d.seq(m.get("state"), "incremental.state") {
		sm := d.mapping(sn, "an incremental state entry", []string{"key", "value"}, nil)
		if sm == nil {
			continue
		}
		st := IncrementalState{Key: d.str(sm.get("key"), "state key"), Value: d.str(sm.get("value"), "state value"), Pos: d.pos(sn)}
		for _, k := range []string{st.Key, st.Value} {
			if !keys[k] {
				d.errorf(sn, "input %s: incremental state names key %q, which is not a key%s", in.Name, k, hint(k, keyNames(inc.Keys)))
			}
		}
		inc.State = append(inc.State, st)
	}
	return inc
}

func keyNames(ks []IncrementalKey) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name
	}
	return out
}

// placeholders returns the names of Flare's $|key| placeholders in s.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "$|")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i+2:], '|')
		if j < 0 {
			return out
		}
		out = append(out, s[i+2:i+2+j])
		s = s[i+2+j+1:]
	}
}

func (d *decoder) step(n *yaml.Node) *Step {
	m := d.mapping(n, "a step", stepKeys, misplaced{
		"sequence": "steps are not nested: a sequence holds steps, and a step has no sequence",
	})
	if m == nil {
		return nil
	}
	s := &Step{Pos: d.pos(n)}
	s.Name = d.str(m.get("name"), "the step name")
	if s.Name == "" {
		d.errAt(d.pos(n), "a step needs a name (the view it produces)")
	}
	s.Doc = d.str(m.get("doc"), "doc")
	s.Classpath = d.str(m.get("classpath"), "classpath")
	s.Cache = d.boolean(m.get("cache"), "cache")
	if sn := m.get("sql"); sn != nil {
		s.SQL = d.str(sn, "sql")
		s.lines = scalarSpans(d.lines, resolve(sn))
		s.SQLPos = spanPos(d.file, s.lines, 0)
	}
	if fn := m.get("sqlFile"); fn != nil {
		s.SQLFile = d.str(fn, "sqlFile")
		switch {
		case s.SQLFile == "":
		case m.has("sql"):
			d.errorf(fn, "step %s has both sql and sqlFile: give one", s.Name)
		default:
			d.sqlFile(s, fn)
		}
	}
	for _, fnode := range d.seq(m.get("functions"), "functions") {
		if f := d.function(fnode); f != nil {
			s.Functions = append(s.Functions, f)
		}
	}
	for _, cn := range d.seq(m.get("commands"), "commands") {
		cm := d.mapping(cn, "a command", commandKeys, nil)
		if cm == nil {
			continue
		}
		c := &Command{Pos: d.pos(cn)}
		c.Name = d.oneOf(cm.get("name"), "command", "persist", "unpersist")
		if c.Name == "" {
			d.errorf(cn, "a command needs a name (persist or unpersist)")
		}
		c.SequenceName = d.str(cm.get("sequenceName"), "sequenceName")
		if c.SequenceName == "" {
			d.errorf(cn, "command %s needs sequenceName (the view to %s)", c.Name, c.Name)
		}
		if mn := cm.get("mode"); mn != nil {
			c.Mode = strings.ToUpper(strings.TrimSpace(d.str(mn, "mode")))
			d.oneOfValue(mn, c.Mode, "storage level", storageLevels...)
		}
		s.Commands = append(s.Commands, c)
	}
	if strings.TrimSpace(s.SQL) == "" && len(s.Functions) == 0 && len(s.Commands) == 0 && s.Classpath == "" && !m.has("sqlFile") {
		d.errAt(d.pos(n), "%s needs sql (or sqlFile, functions or commands)", label("step", s.Name))
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
			d.errorf(fn, "step %s: sqlFile %s not found (paths are relative to the manifest's folder)", s.Name, p)
		} else {
			d.errorf(fn, "step %s: read sqlFile: %v", s.Name, err)
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

func (d *decoder) function(n *yaml.Node) *Function {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected a function (a mapping with name), found %s", describe(n))
		return nil
	}
	var nameNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			nameNode = n.Content[i+1]
		}
	}
	if nameNode == nil {
		d.errorf(n, "a function needs a name")
		return nil
	}
	name := d.lower(nameNode, "function name")
	keys, ok := functionKeys[name]
	if !ok {
		d.errorf(nameNode, "unknown function %q%s", resolve(nameNode).Value, hint(name, FunctionNames()))
		return nil
	}
	m := d.mapping(n, "function "+name, append([]string{"name"}, keys...), nil)
	if m == nil {
		return nil
	}
	f := &Function{Name: name, Args: map[string]any{}, Pos: d.pos(n)}
	for k, v := range m.vals {
		if k == "name" {
			continue
		}
		var a any
		if err := resolve(v).Decode(&a); err != nil {
			d.errorf(v, "function %s: %s: %v", name, k, err)
			continue
		}
		f.Args[k] = normalizeAny(a)
	}
	return f
}

// label names a thing in a message: "input city", or "the input" when it
// has no name.
func label(kind, name string) string {
	if name == "" {
		return "the " + kind
	}
	return kind + " " + name
}
