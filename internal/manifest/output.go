package manifest

import (
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// outputBuilder gathers an output's values that may be given in several
// places (aliases) before reading each once.
type outputBuilder struct {
	out   *Output
	slots map[string]*aliasSlot
	// saveModeGiven is the saveMode value, if one was written.
	saveModeGiven *spec.Value
}

type aliasSlot struct {
	where string
	val   *spec.Value
	canon string
}

func newOutputBuilder(p Pos) *outputBuilder {
	return &outputBuilder{out: &Output{Pos: p}, slots: map[string]*aliasSlot{}}
}

// slot records value v of key given at where. A second place with the same
// value is fine; a different value is an error.
func (d *decoder) slot(b *outputBuilder, key, where string, v *spec.Value) {
	if v == nil {
		return
	}
	c := canon(v.Node)
	if key == "overwriteMode" {
		c = strings.ToLower(strings.TrimSpace(v.Str))
	}
	if prev, ok := b.slots[key]; ok {
		if prev.canon != c {
			d.errAt(v.Pos, "%s conflicts with %s at %s; give it in one place", where, prev.where, prev.val.Pos)
		}
		v.UseAll() // the same value, read where it was first given
		return
	}
	b.slots[key] = &aliasSlot{where: where, val: v, canon: c}
}

func (b *outputBuilder) get(key string) *spec.Value {
	if s, ok := b.slots[key]; ok {
		return s.val
	}
	return nil
}

func (d *decoder) output(m *spec.Values) *Output {
	b := newOutputBuilder(m.Pos)
	o := b.out
	o.Name = m.Str("name")
	o.Dataset = m.Str("dataset")
	o.Format, o.FormatPos = d.format(m, "format", "outputType", "type")
	if dv := m.Get("driver"); dv != nil {
		o.Driver, o.DriverPos = strings.TrimSpace(dv.Str), dv.Pos
	}
	if dep := m.Get("depot"); dep != nil {
		if o.Dataset != "" {
			d.errAt(dep.KeyPos, "output %s has both dataset and depot: give dataset", o.Name)
		}
		if o.Name == "" {
			d.errAt(m.Pos, "an output with a depot needs the name that steps[].sink[].outputName uses")
		} else {
			d.depots[o.Name] = &legacyDepot{addr: dep.Str, pos: m.Pos}
		}
		for _, k := range m.Keys() {
			if k != "name" && k != "depot" {
				d.errAt(m.KeyPos(k), "an output with a depot takes only name and depot; give %s in the sink (steps[].sink[])", k)
			}
		}
		return nil
	}
	if o.Name == "" {
		d.errAt(m.Pos, "an output needs a name (the input or step view it writes)")
	}
	if o.Dataset == "" {
		d.errAt(m.Pos, "%s needs a dataset (dataos://depot:collection/dataset)", label("output", o.Name))
	} else if collectionOnly(o.Dataset) && o.Name != "" {
		// dataos://lakehouse:raw01 writes the output's name as its dataset,
		// as DataOS does.
		o.Dataset = joinDepot(o.Dataset, o.Name)
	}
	for _, k := range []string{"title", "description", "tags"} {
		d.slot(b, k, "output "+k, m.Get(k))
	}
	if om := m.Obj("options"); om != nil {
		d.outputOptions(b, om, "options")
	}
	o.Assertions = d.assertions(m.Objs("assertions"))
	for _, cm := range m.Objs("columnTags") {
		if ct := d.columnTag(cm); ct != nil {
			o.ColumnTags = append(o.ColumnTags, ct)
		}
	}
	d.finishOutput(b)
	return o
}

// format reads the first of keys that is given; the others must agree.
func (d *decoder) format(m *spec.Values, keys ...string) (string, Pos) {
	v, from := "", ""
	var pos Pos
	for _, k := range keys {
		fv := m.Get(k)
		if fv == nil {
			continue
		}
		f := strings.ToLower(strings.TrimSpace(fv.Str))
		if from != "" && f != v {
			d.errAt(fv.Pos, "%s %q conflicts with %s %q; give one", k, f, from, v)
			continue
		}
		v, from, pos = f, k, fv.Pos
	}
	return v, pos
}

func (d *decoder) outputOptions(b *outputBuilder, m *spec.Values, where string) {
	o := b.out
	if sm := m.Get("saveMode"); sm != nil {
		o.SaveMode, o.SaveModePos = sm.Str, sm.Pos
		b.saveModeGiven = sm
	}
	if ev := m.Get("extraOptions"); ev != nil {
		for _, e := range ev.Map {
			v := &spec.Value{Key: e.Key, KeyPos: e.KeyPos, Pos: e.Pos, Node: e.Node, Str: e.Value}
			switch strings.ToLower(e.Key) {
			case "branch":
				d.slot(b, "branch", where+".extraOptions.branch", v)
			case "overwrite-mode":
				d.slot(b, "overwriteMode", where+".extraOptions.overwrite-mode", v)
			default:
				o.ExtraOptions = append(o.ExtraOptions, e)
			}
		}
	}
	if cv := m.Get("checkpointLocation"); cv != nil {
		o.CheckpointLocation, o.CheckpointLocationPos = strings.TrimSpace(cv.Str), cv.Pos
	}
	if cv := m.Get("compressionType"); cv != nil {
		o.CompressionType, o.CompressionTypePos = strings.ToLower(strings.TrimSpace(cv.Str)), cv.Pos
	}
	if sm := m.Obj("sort"); sm != nil {
		o.Sort = d.sort(sm)
	}
	if pv := m.Get("partitionBy"); pv != nil {
		o.PartitionBy, o.PartitionByPos = pv.List, pv.Pos
	}
	for _, k := range []string{"merge", "properties", "partitionSpec", "tags", "title", "description", "branch"} {
		d.slot(b, k, where+"."+k, m.Get(k))
	}
	if im := m.Obj("iceberg"); im != nil {
		d.icebergOptions(b, im, where+".iceberg")
	}
	if fm := m.Obj("file"); fm != nil {
		f := &FileOptions{SaveMode: fm.Str("saveMode"), OutputType: fm.Str("outputType"), Pos: fm.Pos}
		o.File = f
		if im := fm.Obj("iceberg"); im != nil {
			d.icebergOptions(b, im, where+".file.iceberg")
		}
	}
}

func (d *decoder) icebergOptions(b *outputBuilder, m *spec.Values, where string) {
	for _, k := range spec.IcebergOptions.Keys() {
		d.slot(b, k, where+"."+k, m.Get(k))
	}
}

// finishOutput reads the values gathered in the builder's slots.
func (d *decoder) finishOutput(b *outputBuilder) {
	o := b.out
	if v := b.get("title"); v != nil {
		o.Title = v.Str
	}
	if v := b.get("description"); v != nil {
		o.Description = v.Str
	}
	if v := b.get("tags"); v != nil {
		o.Tags = v.List
	}
	if v := b.get("branch"); v != nil {
		o.Branch, o.BranchPos = v.Str, v.Pos
	}
	if pv := b.get("properties"); pv != nil {
		for _, e := range pv.Map {
			switch e.Key {
			case "overwrite-mode":
				d.slot(b, "overwriteMode", b.slots["properties"].where+".overwrite-mode",
					&spec.Value{Key: e.Key, KeyPos: e.KeyPos, Pos: e.Pos, Node: e.Node, Str: e.Value})
			case "partitionSpec":
				d.errAt(e.KeyPos, "partitionSpec in properties has no effect: put it under options.iceberg.partitionSpec")
			default:
				o.Properties = append(o.Properties, e)
			}
		}
	}
	if ov := b.get("overwriteMode"); ov != nil {
		switch mode := strings.ToLower(strings.TrimSpace(ov.Str)); mode {
		case "dynamic", "static":
			o.OverwriteMode, o.OverwriteModePos = mode, ov.Pos
		default:
			d.errAt(ov.Pos, "unknown overwrite-mode %q: expected dynamic or static", ov.Str)
		}
	}
	if pv := b.get("partitionSpec"); pv != nil {
		for _, pm := range pv.Objs {
			if f, ok := d.partitionField(pm); ok {
				o.Partition = append(o.Partition, f)
			}
		}
	}
	if mv := b.get("merge"); mv != nil && mv.Obj != nil {
		mm := mv.Obj
		o.Merge = &Merge{Pos: mv.Pos, OnClause: mm.Str("onClause"), WhenClause: mm.Str("whenClause"),
			OnPos: d.textPos(mm.Get("onClause")), WhenPos: d.textPos(mm.Get("whenClause"))}
		if wv := mm.Get("whenClause"); wv != nil {
			o.Merge.whenLines = scalarSpans(d.lines, wv.Node)
		}
		if b.saveModeGiven != nil {
			d.Warns.Add(b.saveModeGiven.Pos, "output %s: saveMode is ignored because merge is set", o.Name)
		}
	}
	if o.SaveMode == "" {
		o.SaveMode = "overwrite"
	}
	if o.OverwriteMode == "dynamic" && o.SaveMode != "overwrite" {
		d.Warns.Add(o.OverwriteModePos, "output %s: overwrite-mode: dynamic has no effect with saveMode %s", o.Name, o.SaveMode)
	}
}

// textPos is where a scalar's text starts (inside block scalars too).
func (d *decoder) textPos(v *spec.Value) Pos {
	if v == nil {
		return Pos{}
	}
	return spanPos(d.File, scalarSpans(d.lines, v.Node), 0)
}

func (d *decoder) partitionField(m *spec.Values) (PartitionField, bool) {
	f := PartitionField{Pos: m.Pos}
	f.Type = m.Str("type")
	f.Column = m.Str("column")
	f.Name = m.Str("name")
	if as := m.Str("asColumn"); as != "" {
		if f.Name != "" && f.Name != as {
			d.errAt(m.KeyPos("asColumn"), "partition field has name %q and asColumn %q: give one", f.Name, as)
		}
		f.Name = as
	}
	f.NumBuckets = int(m.Int("numBuckets"))
	f.Width = int(m.Int("width"))
	switch {
	case f.Type == "":
		return f, false // the spec reported the missing type
	case f.Type == "identity" && f.Column == "" && f.Name != "":
		f.Column = f.Name // {type: identity, name: region} partitions by region
	case f.Column == "":
		d.errAt(m.Pos, "a %s partition field needs a column", f.Type)
	}
	switch {
	case f.Type == "bucket" && f.NumBuckets <= 0:
		d.errAt(m.Pos, "a bucket partition field needs numBuckets > 0")
	case f.Type != "bucket" && m.Has("numBuckets"):
		d.errAt(m.KeyPos("numBuckets"), "numBuckets applies to type bucket only, not %s", f.Type)
	}
	switch {
	case f.Type == "truncate" && f.Width <= 0:
		d.errAt(m.Pos, "a truncate partition field needs width > 0")
	case f.Type != "truncate" && m.Has("width"):
		d.errAt(m.KeyPos("width"), "width applies to type truncate only, not %s", f.Type)
	}
	return f, true
}

func (d *decoder) sort(m *spec.Values) *Sort {
	s := &Sort{Mode: m.Str("mode")}
	for _, cm := range m.Objs("columns") {
		c := SortColumn{Name: cm.Str("name"), Order: cm.Str("order")}
		if c.Order == "" {
			c.Order = "asc"
		}
		s.Columns = append(s.Columns, c)
	}
	return s
}

func (d *decoder) columnTag(m *spec.Values) *ColumnTag {
	ct := &ColumnTag{Pos: m.Pos}
	ct.ColumnName = m.Str("columnName")
	ct.ColumnNames = m.List("columnNames")
	ct.ColumnRegex = m.Str("columnRegex")
	ct.Tags = m.List("tags")
	sel := 0
	for _, k := range []string{"columnName", "columnNames", "columnRegex"} {
		if m.Has(k) {
			sel++
		}
	}
	if sel != 1 {
		d.errAt(m.Pos, "a columnTags entry needs exactly one of columnName, columnNames, columnRegex (found %d)", sel)
	}
	return ct
}

// legacyDepot is an outputs[] entry of the legacy form {name, depot}.
type legacyDepot struct {
	addr string
	pos  Pos
	used bool
}

// sink is a legacy steps[].sink[] entry.
type sink struct {
	out        *Output
	outputName string
	dataset    string
	pos        Pos
}

func (d *decoder) sink(m *spec.Values) *sink {
	b := newOutputBuilder(m.Pos)
	s := &sink{out: b.out, pos: m.Pos}
	b.out.Name = m.Str("sequenceName")
	s.outputName = m.Str("outputName")
	s.dataset = m.Str("datasetName")
	if fv := m.Get("outputType"); fv != nil {
		b.out.Format, b.out.FormatPos = strings.ToLower(strings.TrimSpace(fv.Str)), fv.Pos
	}
	for _, k := range []string{"title", "description", "tags"} {
		d.slot(b, k, "sink "+k, m.Get(k))
	}
	if om := m.Obj("outputOptions"); om != nil {
		d.outputOptions(b, om, "outputOptions")
	}
	d.finishOutput(b)
	d.Warns.Add(m.Pos, "legacy form steps[].sink[]: the modern form is outputs[] with dataset and options")
	return s
}

// legacyOutputs turns sinks into outputs, with the dataset taken from the
// {name, depot} output that each sink names.
func (d *decoder) legacyOutputs(job *Job, sinks []*sink) {
	for _, s := range sinks {
		dep, ok := d.depots[s.outputName]
		if !ok {
			if s.outputName != "" {
				d.errAt(s.pos, "sink writes to output %q, but no outputs[] entry with that name has a depot%s", s.outputName, spec.Hint(s.outputName, spec.SortedKeys(d.depots)))
			}
			continue
		}
		dep.used = true
		s.out.Dataset = joinDepot(dep.addr, s.dataset)
		job.Outputs = append(job.Outputs, s.out)
	}
	for name, dep := range d.depots {
		if !dep.used {
			d.errAt(dep.pos, "output %s has a depot but no steps[].sink[] writes to it (outputName: %s)", name, name)
		}
	}
}

// collectionOnly reports whether an address names a depot and collection
// but no dataset (dataos://lakehouse:raw01?acl=rw).
func collectionOnly(addr string) bool {
	rest, ok := strings.CutPrefix(strings.TrimSpace(addr), "dataos://")
	if !ok {
		return false
	}
	rest, _, _ = strings.Cut(rest, "?")
	_, path, ok := strings.Cut(rest, ":")
	return ok && path != "" && !strings.Contains(strings.TrimSuffix(path, "/"), "/")
}

// joinDepot appends a dataset name to a depot address, keeping its ?query:
// dataos://icebase:report?acl=rw + city = dataos://icebase:report/city?acl=rw.
func joinDepot(addr, dataset string) string {
	base, query, hasQuery := strings.Cut(addr, "?")
	s := strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(dataset, "/")
	if hasQuery {
		s += "?" + query
	}
	return s
}

// canon is a node's value as JSON with sorted keys, to compare aliases.
func canon(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	var v any
	if err := spec.Resolve(n).Decode(&v); err != nil {
		return "?" + n.Value
	}
	b, err := json.Marshal(normalizeAny(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// normalizeAny makes YAML-decoded values JSON-encodable (map[any]any keys).
func normalizeAny(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeAny(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalizeAny(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = normalizeAny(x)
		}
		return t
	}
	return v
}
