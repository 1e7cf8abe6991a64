package manifest

import (
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	outputKeys = []string{"name", "dataset", "depot", "format", "outputType", "type", "driver", "title", "description",
		"tags", "options", "columnTags"}
	optionKeys = []string{"saveMode", "extraOptions", "compressionType", "sort", "iceberg", "merge", "properties",
		"partitionSpec", "file", "branch", "partitionBy", "checkpointLocation", "tags", "title", "description"}
	icebergKeys   = []string{"properties", "partitionSpec", "merge", "tags", "title", "description"}
	fileKeys      = []string{"saveMode", "outputType", "iceberg"}
	sinkKeys      = []string{"sequenceName", "datasetName", "outputName", "outputType", "description", "outputOptions", "tags", "title"}
	partKeys      = []string{"type", "column", "name", "asColumn", "numBuckets", "width"}
	partTypes     = []string{"identity", "year", "month", "day", "hour", "bucket", "truncate"}
	saveModes     = []string{"overwrite", "append", "errorifexists", "ignore"}
	columnTagKeys = []string{"columnName", "columnNames", "columnRegex", "tags"}
)

// outputBuilder gathers an output's values that may be given in several
// places (aliases) before decoding each once.
type outputBuilder struct {
	out   *Output
	slots map[string]*aliasSlot
	order []string
	// saveModeGiven is the saveMode node, if one was written.
	saveModeGiven *yaml.Node
}

type aliasSlot struct {
	where string
	node  *yaml.Node
	canon string
}

// slot records value n of key given at where. A second place with the same
// value is fine; a different value is an error.
func (d *decoder) slot(b *outputBuilder, key, where string, n *yaml.Node) {
	if n == nil {
		return
	}
	c := canon(n)
	if key == "overwriteMode" {
		c = strings.ToLower(strings.TrimSpace(resolve(n).Value))
	}
	if prev, ok := b.slots[key]; ok {
		if prev.canon != c {
			d.errorf(n, "%s conflicts with %s at %s; give it in one place", where, prev.where, d.pos(prev.node))
		}
		return
	}
	b.slots[key] = &aliasSlot{where: where, node: n, canon: c}
	b.order = append(b.order, key)
}

func (b *outputBuilder) get(key string) *yaml.Node {
	if s, ok := b.slots[key]; ok {
		return s.node
	}
	return nil
}

func (d *decoder) output(n *yaml.Node) *Output {
	m := d.mapping(n, "an output", outputKeys, misplaced{
		"partitionSpec": "partitionSpec here has no effect: put it under options.iceberg.partitionSpec",
		"saveMode":      "saveMode belongs under options (options.saveMode)",
		"iceberg":       "iceberg belongs under options (options.iceberg)",
		"merge":         "merge belongs under options.iceberg (options.iceberg.merge)",
		"branch":        "branch belongs under options.extraOptions (options.extraOptions.branch)",
	})
	if m == nil {
		return nil
	}
	b := &outputBuilder{out: &Output{Pos: d.pos(n)}, slots: map[string]*aliasSlot{}}
	o := b.out
	o.Name = d.str(m.get("name"), "the output name")
	o.Dataset = d.str(m.get("dataset"), "dataset")
	o.Format = d.format(m, "format", "outputType", "type")
	if dep := m.get("depot"); dep != nil {
		addr := d.str(dep, "depot")
		if o.Dataset != "" {
			d.errAt(d.keyPos(m, "depot"), "output %s has both dataset and depot: give dataset", o.Name)
		}
		if o.Name == "" {
			d.errAt(d.pos(n), "an output with a depot needs the name that steps[].sink[].outputName uses")
		} else {
			d.depots[o.Name] = &legacyDepot{addr: addr, pos: d.pos(n)}
		}
		return nil
	}
	if o.Name == "" {
		d.errAt(d.pos(n), "an output needs a name (the input or step view it writes)")
	}
	if o.Dataset == "" {
		d.errAt(d.pos(n), "%s needs a dataset (dataos://depot:collection/dataset)", label("output", o.Name))
	}
	o.Driver = d.str(m.get("driver"), "driver")
	for _, k := range []string{"title", "description", "tags"} {
		d.slot(b, k, "output "+k, m.get(k))
	}
	if on := m.get("options"); on != nil {
		d.outputOptions(b, on, "options")
	}
	for _, cn := range d.seq(m.get("columnTags"), "columnTags") {
		if ct := d.columnTag(cn); ct != nil {
			o.ColumnTags = append(o.ColumnTags, ct)
		}
	}
	d.finishOutput(b)
	return o
}

// format reads the first of keys that is given; the others must agree.
func (d *decoder) format(m *mapping, keys ...string) string {
	v, from := "", ""
	for _, k := range keys {
		n := m.get(k)
		if n == nil {
			continue
		}
		f := d.lower(n, k)
		if from != "" && f != v {
			d.errorf(n, "%s %q conflicts with %s %q; give one", k, f, from, v)
			continue
		}
		v, from = f, k
	}
	return v
}

func (d *decoder) outputOptions(b *outputBuilder, n *yaml.Node, where string) {
	m := d.mapping(n, "output "+where, optionKeys, nil)
	if m == nil {
		return
	}
	o := b.out
	if sm := m.get("saveMode"); sm != nil {
		o.SaveMode = d.oneOf(sm, "saveMode", saveModes...)
		b.saveModeGiven = sm
	}
	if en := m.get("extraOptions"); en != nil {
		o.ExtraOptions = d.strMap(en, where+".extraOptions")
		if r := resolve(en); r.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(r.Content); i += 2 {
				switch r.Content[i].Value {
				case "branch":
					d.slot(b, "branch", where+".extraOptions.branch", r.Content[i+1])
					delete(o.ExtraOptions, "branch")
				case "overwrite-mode":
					d.slot(b, "overwriteMode", where+".extraOptions.overwrite-mode", r.Content[i+1])
					delete(o.ExtraOptions, "overwrite-mode")
				case "partitionSpec":
					d.errorf(r.Content[i], "partitionSpec in extraOptions has no effect: put it under options.iceberg.partitionSpec")
				}
			}
		}
	}
	if cn := m.get("checkpointLocation"); cn != nil {
		if o.ExtraOptions == nil {
			o.ExtraOptions = map[string]string{}
		}
		o.ExtraOptions["checkpointLocation"] = d.str(cn, "checkpointLocation")
	}
	o.CompressionType = d.lower(m.get("compressionType"), "compressionType")
	if sn := m.get("sort"); sn != nil {
		o.Sort = d.sort(sn)
	}
	if pb := m.get("partitionBy"); pb != nil {
		o.PartitionBy = d.strList(pb, "partitionBy", true)
	}
	for _, k := range []string{"merge", "properties", "partitionSpec", "tags", "title", "description", "branch"} {
		d.slot(b, k, where+"."+k, m.get(k))
	}
	if in := m.get("iceberg"); in != nil {
		d.icebergOptions(b, in, where+".iceberg")
	}
	if fn := m.get("file"); fn != nil {
		fm := d.mapping(fn, where+".file", fileKeys, misplaced{
			"partitionSpec": "partitionSpec under options.file has no effect: put it under options.file.iceberg.partitionSpec or options.iceberg.partitionSpec",
		})
		if fm != nil {
			f := &FileOptions{}
			if sm := fm.get("saveMode"); sm != nil {
				f.SaveMode = d.oneOf(sm, "saveMode", saveModes...)
			}
			f.OutputType = d.oneOf(fm.get("outputType"), "file outputType", "csv", "parquet", "json")
			o.File = f
			if in := fm.get("iceberg"); in != nil {
				d.icebergOptions(b, in, where+".file.iceberg")
			}
		}
	}
}

func (d *decoder) icebergOptions(b *outputBuilder, n *yaml.Node, where string) {
	m := d.mapping(n, where, icebergKeys, misplaced{
		"saveMode": "saveMode belongs under options (options.saveMode), not " + where,
	})
	if m == nil {
		return
	}
	for _, k := range icebergKeys {
		d.slot(b, k, where+"."+k, m.get(k))
	}
}

// finishOutput decodes the values gathered in the builder's slots.
func (d *decoder) finishOutput(b *outputBuilder) {
	o := b.out
	o.Title = d.str(b.get("title"), "title")
	o.Description = d.str(b.get("description"), "description")
	o.Tags = d.strList(b.get("tags"), "tags", false)
	o.Branch = d.str(b.get("branch"), "branch")
	if pn := b.get("properties"); pn != nil {
		o.Properties = d.strMap(pn, "iceberg properties")
		if r := resolve(pn); r.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(r.Content); i += 2 {
				switch r.Content[i].Value {
				case "overwrite-mode":
					d.slot(b, "overwriteMode", b.slots["properties"].where+".overwrite-mode", r.Content[i+1])
					delete(o.Properties, "overwrite-mode")
				case "partitionSpec":
					d.errorf(r.Content[i], "partitionSpec in properties has no effect: put it under options.iceberg.partitionSpec")
					delete(o.Properties, "partitionSpec")
				}
			}
		}
	}
	if on := b.get("overwriteMode"); on != nil {
		switch mode := strings.ToLower(strings.TrimSpace(resolve(on).Value)); mode {
		case "dynamic":
			o.OverwriteDynamic = true
		case "static":
		default:
			d.errorf(on, "unknown overwrite-mode %q: expected dynamic or static", resolve(on).Value)
		}
	}
	for _, pn := range d.seq(b.get("partitionSpec"), "partitionSpec") {
		if f, ok := d.partitionField(pn); ok {
			o.Partition = append(o.Partition, f)
		}
	}
	if mn := b.get("merge"); mn != nil {
		if mm := d.mapping(mn, "merge", []string{"onClause", "whenClause"}, nil); mm != nil {
			o.Merge = &Merge{Pos: d.pos(resolve(mn)), OnClause: d.str(mm.get("onClause"), "onClause"), WhenClause: d.str(mm.get("whenClause"), "whenClause")}
			if o.Merge.OnClause == "" || o.Merge.WhenClause == "" {
				d.errorf(mn, "output %s: merge needs onClause and whenClause", o.Name)
			}
			if b.saveModeGiven != nil {
				d.warnf(b.saveModeGiven, "output %s: saveMode is ignored because merge is set", o.Name)
			}
		}
	}
	if o.SaveMode == "" {
		o.SaveMode = "overwrite"
	}
	if o.OverwriteDynamic && o.SaveMode != "overwrite" {
		d.warnf(b.get("overwriteMode"), "output %s: overwrite-mode: dynamic has no effect with saveMode %s", o.Name, o.SaveMode)
	}
}

func (d *decoder) partitionField(n *yaml.Node) (PartitionField, bool) {
	m := d.mapping(n, "a partitionSpec field", partKeys, nil)
	if m == nil {
		return PartitionField{}, false
	}
	f := PartitionField{Pos: d.pos(n)}
	f.Type = d.oneOf(m.get("type"), "partition type", partTypes...)
	f.Column = d.str(m.get("column"), "column")
	f.Name = d.str(m.get("name"), "name")
	if as := d.str(m.get("asColumn"), "asColumn"); as != "" {
		if f.Name != "" && f.Name != as {
			d.errAt(d.keyPos(m, "asColumn"), "partition field has name %q and asColumn %q: give one", f.Name, as)
		}
		f.Name = as
	}
	f.NumBuckets = d.integer(m.get("numBuckets"), "numBuckets")
	f.Width = d.integer(m.get("width"), "width")
	switch {
	case f.Type == "":
		d.errorf(n, "a partition field needs a type (%s)", strings.Join(partTypes, ", "))
	case f.Type == "identity" && f.Column == "" && f.Name != "":
		f.Column = f.Name // {type: identity, name: region} partitions by region
	case f.Column == "":
		d.errorf(n, "a %s partition field needs a column", f.Type)
	}
	switch {
	case f.Type == "bucket" && f.NumBuckets <= 0:
		d.errorf(n, "a bucket partition field needs numBuckets > 0")
	case f.Type != "bucket" && m.has("numBuckets"):
		d.errAt(d.keyPos(m, "numBuckets"), "numBuckets applies to type bucket only, not %s", f.Type)
	}
	switch {
	case f.Type == "truncate" && f.Width <= 0:
		d.errorf(n, "a truncate partition field needs width > 0")
	case f.Type != "truncate" && m.has("width"):
		d.errAt(d.keyPos(m, "width"), "width applies to type truncate only, not %s", f.Type)
	}
	return f, true
}

func (d *decoder) sort(n *yaml.Node) *Sort {
	m := d.mapping(n, "sort", []string{"mode", "columns"}, nil)
	if m == nil {
		return nil
	}
	s := &Sort{Mode: d.oneOf(m.get("mode"), "sort mode", "partition", "global")}
	for _, cn := range d.seq(m.get("columns"), "sort columns") {
		cm := d.mapping(cn, "a sort column", []string{"name", "order"}, nil)
		if cm == nil {
			continue
		}
		c := SortColumn{Name: d.str(cm.get("name"), "name"), Order: d.oneOf(cm.get("order"), "sort order", "asc", "desc")}
		if c.Name == "" {
			d.errorf(cn, "a sort column needs a name")
		}
		if c.Order == "" {
			c.Order = "asc"
		}
		s.Columns = append(s.Columns, c)
	}
	if len(s.Columns) == 0 {
		d.errorf(n, "sort needs columns ([{name, order}])")
	}
	return s
}

func (d *decoder) columnTag(n *yaml.Node) *ColumnTag {
	m := d.mapping(n, "a columnTags entry", columnTagKeys, nil)
	if m == nil {
		return nil
	}
	ct := &ColumnTag{Pos: d.pos(n)}
	ct.ColumnName = d.str(m.get("columnName"), "columnName")
	ct.ColumnNames = d.strList(m.get("columnNames"), "columnNames", false)
	ct.ColumnRegex = d.str(m.get("columnRegex"), "columnRegex")
	ct.Tags = d.strList(m.get("tags"), "tags", true)
	sel := 0
	for _, k := range []string{"columnName", "columnNames", "columnRegex"} {
		if m.has(k) {
			sel++
		}
	}
	if sel != 1 {
		d.errorf(n, "a columnTags entry needs exactly one of columnName, columnNames, columnRegex (found %d)", sel)
	}
	if len(ct.Tags) == 0 {
		d.errorf(n, "a columnTags entry needs tags")
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
	node       *yaml.Node
}

func (d *decoder) sink(n *yaml.Node) *sink {
	m := d.mapping(n, "a sink", sinkKeys, nil)
	if m == nil {
		return nil
	}
	b := &outputBuilder{out: &Output{Pos: d.pos(n)}, slots: map[string]*aliasSlot{}}
	s := &sink{out: b.out, node: n}
	b.out.Name = d.str(m.get("sequenceName"), "sequenceName")
	s.outputName = d.str(m.get("outputName"), "outputName")
	s.dataset = d.str(m.get("datasetName"), "datasetName")
	b.out.Format = d.lower(m.get("outputType"), "outputType")
	if b.out.Name == "" || s.outputName == "" || s.dataset == "" {
		d.errorf(n, "a sink needs sequenceName, datasetName and outputName")
	}
	for _, k := range []string{"title", "description", "tags"} {
		d.slot(b, k, "sink "+k, m.get(k))
	}
	if on := m.get("outputOptions"); on != nil {
		d.outputOptions(b, on, "outputOptions")
	}
	d.finishOutput(b)
	d.warnf(n, "legacy form steps[].sink[]: the modern form is outputs[] with dataset and options")
	return s
}

// legacyOutputs turns sinks into outputs, with the dataset taken from the
// {name, depot} output that each sink names.
func (d *decoder) legacyOutputs(job *Job, sinks []*sink) {
	for _, s := range sinks {
		dep, ok := d.depots[s.outputName]
		if !ok {
			if s.outputName != "" {
				d.errorf(s.node, "sink writes to output %q, but no outputs[] entry with that name has a depot%s", s.outputName, hint(s.outputName, mapKeys(d.depots)))
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

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return sortedCopy(out)
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
