package plan

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

func (jc *jobCompiler) write(ctx context.Context, out *manifest.Output) *Write {
	what := "job " + jc.job.Name + ", output " + out.Name
	cols, ok := jc.views[strings.ToLower(out.Name)]
	if !ok {
		if !jc.failed[strings.ToLower(out.Name)] {
			// (A view whose SQL failed was reported where it is defined.)
			jc.errAt(out.Pos, "%s: no input or step of job %s is named %s (known views: %s)%s", what, jc.job.Name, out.Name,
				strings.Join(jc.viewNames, ", "), spec.DidYouMean(out.Name, jc.viewNames))
		}
		return nil
	}
	loc := jc.resolve(out.Dataset, out.Pos, what)
	if loc == nil {
		return nil
	}
	if loc.Address.ACL == "r" {
		jc.errAt(out.Pos, "%s: address %s is read-only (acl=r)", what, out.Dataset)
		return nil
	}
	if !jc.checkOutputDepot(out, loc, what) {
		return nil
	}
	if err := jc.checkStorage(ctx, loc.Depot); err != nil { // objstore_check.go
		jc.errAt(out.Pos, "%s: %v", what, err)
		return nil
	}
	w := &Write{View: out.Name, Pos: out.Pos, Dataset: strings.SplitN(out.Dataset, "?", 2)[0]}
	if out = jc.fileSaveMode(out, what); out == nil {
		return nil
	}
	format := out.Format
	if out.File != nil && out.File.OutputType != "" {
		format = out.File.OutputType
	}
	switch loc.Depot.Type {
	case depot.Lakehouse:
		if out.File != nil && out.File.OutputType != "" {
			// Syndication: files in the lakehouse's folder (syndication.go).
			if w.File = jc.syndicate(ctx, out, loc, cols, what); w.File == nil {
				return nil
			}
			jc.files[filepath.Clean(w.File.Sink.Path)] = cols
			return w
		}
		if format != "" && format != "iceberg" {
			jc.errAt(out.FormatPos, "%s: depot %s holds Iceberg tables; format %s cannot be written there (to write files, give options.file.outputType)", what, loc.Depot.Name, format)
			return nil
		}
		if folder, ok := syndicatedFolder(ctx, jc.env.Config, out.Dataset); ok && out.Merge == nil {
			jc.errAt(out.Pos, "%s: folder %s holds files a syndication output wrote (%s): a table cannot go there; write the table to another dataset", what, folder, connector.DatasetFile)
			return nil
		}
		ref := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
		if out.Merge != nil {
			w.Merge = jc.merge(ctx, out, ref, what)
			if w.Merge == nil {
				return nil
			}
			return w
		}
		w.Table = jc.tableWrite(out, ref, cols, what)
		if w.Table == nil {
			return nil
		}
		key := pendingKey(ref, w.Table.Spec.Branch)
		if w.Table.Spec.Mode == lakehouse.Overwrite || jc.tables[key] == nil {
			jc.tables[key] = cols
		}
		return w
	case depot.File:
		w.File = jc.fileWrite(out, loc, format, cols, what)
		if w.File == nil {
			return nil
		}
		jc.files[filepath.Clean(loc.Path)] = cols
		return w
	}
	if loc.Depot.Type.IsDatabase() {
		if w.Database = jc.databaseWrite(ctx, out, loc, format, cols, what); w.Database == nil {
			return nil
		}
		return w
	}
	if loc.Depot.Type == depot.Kafka {
		if w.Kafka = jc.kafkaWrite(out, loc, format, cols, what); w.Kafka == nil { // kafkaout.go
			return nil
		}
		return w
	}
	jc.errAt(out.Pos, "%s: dataset %s: depot type %s cannot be written", what, out.Dataset, loc.Depot.Type)
	return nil
}

func (jc *jobCompiler) tableWrite(out *manifest.Output, ref TableRef, cols []Column, what string) *TableWrite {
	before := len(jc.errs)
	if out.CompressionType != "" {
		jc.errAt(out.CompressionTypePos, "%s: compressionType applies to file outputs; set the Iceberg table property write.parquet.compression-codec instead", what)
	}
	extra := jc.decodeOptions(out.ExtraOptions, spec.IcebergWrite, out.Pos)
	props := jc.decodeOptions(out.Properties, spec.TableProperties, out.Pos)
	tw := &TableWrite{Depot: ref.Depot}
	s := lakehouse.WriteSpec{
		Table:       ref.Table,
		Title:       out.Title,
		Description: out.Description,
		Tags:        out.Tags,
		Branch:      out.Branch,
		Properties:  propertyMap(props),
	}
	switch out.SaveMode {
	case "append":
		s.Mode = lakehouse.Append
	case "", "overwrite":
		s.Mode = lakehouse.Overwrite
		s.OverwriteDynamic = out.OverwriteMode == "dynamic" || out.OverwriteMode == "" && jc.overwriteDynamic()
	case "errorifexists":
		s.Mode, tw.IfExists = lakehouse.Append, FailIfExists
	case "ignore":
		s.Mode, tw.IfExists = lakehouse.Append, SkipIfExists
	}
	for _, p := range out.Partition {
		if !hasColumn(cols, p.Column) {
			jc.errAt(p.Pos, "%s: partition field %s: no column %s in view %s (columns: %s)", what, p.Type, p.Column, out.Name, columnList(cols))
			continue
		}
		s.Partition = append(s.Partition, lakehouse.PartitionField{Type: p.Type, Column: p.Column, Name: p.Name, NumBuckets: p.NumBuckets, Width: p.Width})
	}
	for _, c := range out.PartitionBy {
		if !hasColumn(cols, c) {
			jc.errAt(out.PartitionByPos, "%s: partitionBy: no column %s in view %s (columns: %s)", what, c, out.Name, columnList(cols))
			continue
		}
		if len(out.Partition) > 0 {
			jc.errAt(out.PartitionByPos, "%s: give the partitioning once: partitionBy or iceberg.partitionSpec", what)
			break
		}
		s.Partition = append(s.Partition, lakehouse.PartitionField{Type: "identity", Column: c})
	}
	s.Sort = jc.sortFields(out, cols, what)
	if len(out.ColumnTags) > 0 {
		tags, err := ResolveColumnTags(names(cols), out.ColumnTags)
		var se *spec.Error
		if errors.As(err, &se) {
			jc.errAt(se.Pos, "%s: %s", what, se.Msg)
		}
		s.ColumnTags = tags
	}
	jc.checkUsed(extra, props)
	if len(jc.errs) > before {
		return nil
	}
	tw.Spec = s
	if out.Sort != nil {
		tw.SortMode = out.Sort.Mode
	}
	return tw
}

// propertyMap is the table properties to store (overwrite-mode, a write
// option, never is).
func propertyMap(o *spec.Values) map[string]string {
	var out map[string]string
	for _, k := range o.Keys() {
		v := o.Get(k)
		if k == "overwrite-mode" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v.Str
	}
	return out
}

func (jc *jobCompiler) sortFields(out *manifest.Output, cols []Column, what string) []lakehouse.SortField {
	if out.Sort == nil {
		return nil
	}
	var fields []lakehouse.SortField
	for _, c := range out.Sort.Columns {
		if !hasColumn(cols, c.Name) {
			jc.errAt(out.Pos, "%s: sort: no column %s in view %s (columns: %s)", what, c.Name, out.Name, columnList(cols))
			continue
		}
		fields = append(fields, lakehouse.SortField{Column: c.Name, Desc: c.Order == "desc"})
	}
	return fields
}

func (jc *jobCompiler) merge(ctx context.Context, out *manifest.Output, ref TableRef, what string) *MergeWrite {
	if len(out.Partition) > 0 || len(out.PartitionBy) > 0 || len(out.ColumnTags) > 0 || out.Sort != nil {
		jc.errAt(out.Merge.Pos, "%s: a merge changes rows of an existing table; partitionSpec, partitionBy, sort and columnTags do not apply to it", what)
		return nil
	}
	extra := jc.decodeOptions(out.ExtraOptions, spec.IcebergWrite, out.Pos)
	// Table properties beside a merge are set by the merge's commit.
	props := jc.decodeOptions(out.Properties, spec.TableProperties, out.Pos)
	jc.checkUsed(extra, props)
	target, err := jc.tableSchemaSQL(ctx, ref, lakehouse.ReadOptions{})
	if err != nil {
		if errors.Is(err, lakehouse.ErrNoSuchTable) {
			jc.errAt(out.Merge.Pos, "%s: merge into %s: the table does not exist (a merge needs an existing table; write it first)", what, ref)
		} else {
			jc.errAt(out.Merge.Pos, "%s: %v", what, err)
		}
		return nil
	}
	onAt := flowPos(out.Merge.OnPos, out.Merge.OnClause)
	on, err := front(out.Merge.OnClause, ACondition)
	if err != nil {
		jc.sqlErr(err, out.Merge.OnClause, onAt, what+", merge onClause")
		return nil
	}
	if err := jc.ses.Check(ctx, "SELECT 1 FROM ("+target+") AS old, "+engine.QuoteIdent(out.Name)+" AS new WHERE", on); err != nil {
		jc.sqlErr(err, out.Merge.OnClause, onAt, what+", merge onClause")
		return nil
	}
	clauses := jc.mergeClauses(ctx, out, ref, target, what)
	if clauses == nil {
		return nil
	}
	return &MergeWrite{Depot: ref.Depot, Spec: lakehouse.MergeSpec{Table: ref.Table, On: on.SQL, Clauses: clauses, Branch: out.Branch, Properties: propertyMap(props)}}
}

func (jc *jobCompiler) fileWrite(out *manifest.Output, loc *depot.Location, format string, cols []Column, what string) *FileWrite {
	before := len(jc.errs)
	if format == "" || format == "iceberg" {
		if f := formatFromPath(loc.Path); f != "" {
			format = f
		} else if format == "iceberg" {
			jc.errAt(out.Pos, "%s: dataset %s is in file depot %q: Iceberg tables live in a lakehouse depot; for files say format csv, json or parquet", what, out.Dataset, loc.Depot.Name)
			return nil
		} else {
			jc.errAt(out.Pos, "%s: dataset %s: say its format (csv, json or parquet)", what, out.Dataset)
			return nil
		}
	}
	o := WriterSpec(format)
	if o == nil {
		jc.errAt(out.Pos, "%s: format %q cannot be written to files (%s)", what, format, strings.Join(connector.WriteFormats, ", "))
		return nil
	}
	extra := jc.decodeOptions(out.ExtraOptions, o, out.Pos)
	for _, bad := range []struct {
		set  bool
		what string
	}{
		{len(out.Properties) > 0, "iceberg properties"},
		{out.Branch != "", "a branch"},
		{out.OverwriteMode != "", "overwrite-mode"},
		{len(out.ColumnTags) > 0, "columnTags"},
	} {
		if bad.set {
			jc.errAt(out.Pos, "%s: %s apply to Iceberg tables, not to %s files", what, bad.what, format)
		}
	}
	mode := out.SaveMode
	if out.File != nil && out.File.SaveMode != "" {
		mode = out.File.SaveMode
	}
	sink := connector.Sink{Path: loc.Path, Format: format, Mode: mode, Compression: out.CompressionType}
	jc.datasetInfo(out, &sink, what)
	for _, p := range out.Partition {
		if p.Type != "identity" {
			jc.errAt(p.Pos, "%s: files are partitioned by plain columns (Hive folders col=value): a %s partition field needs an Iceberg table", what, p.Type)
			continue
		}
		sink.PartitionBy = append(sink.PartitionBy, p.Column)
	}
	sink.PartitionBy = append(sink.PartitionBy, out.PartitionBy...)
	for _, c := range sink.PartitionBy {
		if !hasColumn(cols, c) {
			jc.errAt(out.Pos, "%s: partition column %s is not a column of view %s (columns: %s)", what, c, out.Name, columnList(cols))
		}
	}
	if len(jc.errs) == before {
		typed, err := writeOptionsOf(format, extra)
		if err != nil {
			jc.errAt(out.Pos, "%s: %v", what, err)
		}
		sink.Opts = typed
	}
	fw := &FileWrite{Depot: loc.Depot.Name, Sink: sink, Sort: jc.sortFields(out, cols, what)}
	if out.Sort != nil {
		fw.SortMode = out.Sort.Mode
	}
	jc.checkUsed(extra)
	if len(jc.errs) > before {
		return nil
	}
	return fw
}

func hasColumn(cols []Column, name string) bool {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

func names(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func columnList(cols []Column) string { return strings.Join(names(cols), ", ") }

// ResolveColumnTags resolves an output's columnTags (names, lists, regexes)
// against the columns of its view: tags per column name, as the view spells
// it. Names match case-insensitively; a regex matches from the start of the
// name. A name no column has, or a regex no column matches, is an error
// naming the output's columns.
func ResolveColumnTags(cols []string, specs []*manifest.ColumnTag) (map[string][]string, error) {
	out := map[string][]string{}
	add := func(col string, tags []string) {
		for _, t := range tags {
			if t = strings.TrimSpace(t); t != "" && !containsString(out[col], t) {
				out[col] = append(out[col], t)
			}
		}
	}
	byName := func(name string) (string, bool) {
		for _, c := range cols {
			if strings.EqualFold(c, name) {
				return c, true
			}
		}
		return "", false
	}
	list := strings.Join(cols, ", ")
	for _, ct := range specs {
		names := ct.ColumnNames
		if ct.ColumnName != "" {
			names = append([]string{ct.ColumnName}, names...)
		}
		for _, n := range names {
			c, ok := byName(n)
			if !ok {
				return nil, &spec.Error{Pos: ct.Pos, Msg: "columnTags: no column " + n + " in the output (columns: " + list + ")"}
			}
			add(c, ct.Tags)
		}
		if ct.ColumnRegex != "" {
			re, err := regexp.Compile(`^(?:` + ct.ColumnRegex + `)`)
			if err != nil {
				return nil, &spec.Error{Pos: ct.Pos, Msg: "columnTags: columnRegex " + ct.ColumnRegex + ": " + err.Error()}
			}
			matched := false
			for _, c := range cols {
				if re.MatchString(c) {
					add(c, ct.Tags)
					matched = true
				}
			}
			if !matched {
				return nil, &spec.Error{Pos: ct.Pos, Msg: "columnTags: columnRegex " + ct.ColumnRegex + " matches no column (columns: " + list + ")"}
			}
		}
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
