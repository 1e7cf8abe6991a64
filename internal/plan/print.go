package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// Text renders the plan for people (flare plan): jobs in run order, each
// read, step, write and action with what it will do.
func (p *Plan) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow %s (%s)\n", p.Workflow, p.File)
	if p.Title != "" {
		fmt.Fprintf(&b, "  title: %s\n", p.Title)
	}
	if p.Schedule != "" {
		fmt.Fprintf(&b, "  schedule: %s (Flare-Go runs when called; have cron or a scheduler call flare run)\n", p.Schedule)
	}
	for _, j := range p.Jobs {
		b.WriteString(j.Text())
	}
	return b.String()
}

// Text renders one job.
func (j *Job) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\njob %s", j.Name)
	if len(j.DependsOn) > 0 {
		fmt.Fprintf(&b, " (after %s)", strings.Join(j.DependsOn, ", "))
	}
	b.WriteString("\n")
	if j.Toolbox != nil {
		fmt.Fprintf(&b, "  toolbox %s %s on %s: nothing to do (the catalog always points at the latest metadata)\n", j.Toolbox.Action, j.Toolbox.Value, j.Toolbox.Dataset)
		return b.String()
	}
	var flags []string
	if j.Explain {
		flags = append(flags, "explain")
	}
	if j.Preview > 0 {
		flags = append(flags, fmt.Sprintf("preview %d rows", j.Preview))
	}
	if j.LogLevel != "" {
		flags = append(flags, "log "+j.LogLevel)
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, "  (%s)\n", strings.Join(flags, ", "))
	}
	if j.Tuning != nil {
		fmt.Fprintf(&b, "  engine: %s\n", strings.Join(j.Tuning.From, "; "))
	}
	if j.Stream != nil {
		fmt.Fprintf(&b, "  stream: %s\n", j.Stream.describe()) // stream.go
	}
	for _, r := range j.Reads {
		fmt.Fprintf(&b, "  read   %-16s %s%s  [%s]\n", r.View, r.describe(), cached(r.Cache), columnsText(r.Columns))
		b.WriteString(r.Incremental.text())
	}
	for _, s := range j.Steps {
		switch {
		case s.CacheOnly != "" && s.Uncache:
			fmt.Fprintf(&b, "  step   %-16s uncache %s\n", s.View, s.CacheOnly)
		case s.CacheOnly != "":
			fmt.Fprintf(&b, "  step   %-16s cache %s\n", s.View, s.CacheOnly)
		case s.Query != nil:
			fmt.Fprintf(&b, "  step   %-16s sql: %s%s%s  [%s]\n", s.View, oneLine(s.Query.SQL, 60), tablesText(s.Query.Tables), cached(s.Cache), columnsText(s.Columns))
		default:
			fmt.Fprintf(&b, "  step   %-16s\n", s.View)
		}
		b.WriteString(s.Functions.text())
		for _, c := range s.Commands {
			verb := "unpersist"
			if c.Persist {
				verb = "persist"
			}
			mode := ""
			if c.Mode != "" {
				mode = " (" + c.Mode + ")"
			}
			fmt.Fprintf(&b, "         %-16s %s %s%s\n", "", verb, c.View, mode)
		}
	}
	b.WriteString(assertionsText(j))
	for _, w := range j.Writes {
		fmt.Fprintf(&b, "  write  %-16s → %s\n", w.View, w.describe())
	}
	for _, a := range j.Actions {
		fmt.Fprintf(&b, "  action %-16s on %s: %s\n", a.Name, a.Target, a.describe())
	}
	return b.String()
}

func cached(c bool) string {
	if c {
		return ", cached"
	}
	return ""
}

func (r *Read) describe() string {
	switch {
	case r.Query != nil:
		return "query: " + oneLine(r.Query.SQL, 60) + tablesText(r.Query.Tables)
	case r.Table != nil:
		return "iceberg " + r.Table.TableRef.String() + at(r.Table.At)
	case r.Database != nil:
		return r.Database.describe()
	case r.Kafka != nil:
		return r.Kafka.describe() // stream.go
	case r.File != nil:
		s := r.File.Source.Format + " " + r.Dataset
		if len(r.File.Source.Options) > 0 {
			s += " (" + mapText(r.File.Source.Options) + ")"
		}
		if r.File.Schema != "" {
			s += ", schema: " + r.File.Schema
		}
		if r.File.Stream {
			s += ", streamed: each batch reads the files no batch read"
		}
		return s
	}
	return "?"
}

func at(ro lakehouse.ReadOptions) string {
	switch {
	case ro.Branch != "":
		return " at branch " + ro.Branch
	case ro.Tag != "":
		return " at tag " + ro.Tag
	case ro.SnapshotID != 0:
		return fmt.Sprintf(" at snapshot %d", ro.SnapshotID)
	case !ro.AsOf.IsZero():
		return " as of " + ro.AsOf.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return ""
}

func (w *Write) describe() string {
	switch {
	case w.Merge != nil:
		s := w.Merge.Spec
		t := fmt.Sprintf("%s.%s: merge on %s %s", w.Merge.Depot, s.Table, oneLine(s.On, 50), oneLine(lakehouse.MergeClausesSQL(s.Clauses), 60))
		if s.Branch != "" {
			t += " (branch " + s.Branch + ")"
		}
		return t
	case w.Table != nil:
		s := w.Table.Spec
		mode := "overwrite"
		switch {
		case w.Table.IfExists == FailIfExists:
			mode = "create (error if it exists)"
		case w.Table.IfExists == SkipIfExists:
			mode = "create (skip if it exists)"
		case s.Mode == lakehouse.Append:
			mode = "append"
		case s.OverwriteDynamic:
			mode = "overwrite the partitions written (dynamic)"
		}
		t := fmt.Sprintf("%s.%s: iceberg %s", w.Table.Depot, s.Table, mode)
		if s.Branch != "" {
			t += ", branch " + s.Branch
		}
		if len(s.Partition) > 0 {
			var parts []string
			for _, p := range s.Partition {
				parts = append(parts, partitionText(p))
			}
			t += ", partitioned by " + strings.Join(parts, ", ")
		}
		if len(s.Sort) > 0 {
			t += ", sorted by " + sortText(s.Sort)
		}
		if len(s.Properties) > 0 {
			t += ", properties (" + mapText(s.Properties) + ")"
		}
		if len(s.ColumnTags) > 0 {
			t += fmt.Sprintf(", column tags on %d columns", len(s.ColumnTags))
		}
		return t
	case w.Database != nil:
		return w.Database.describe()
	case w.Kafka != nil:
		t := fmt.Sprintf("kafka %s topic %s (JSON rows)", w.Kafka.Depot, w.Kafka.Topic)
		if w.Kafka.KeyColumn != "" {
			t += ", key " + w.Kafka.KeyColumn
		}
		return t
	case w.File != nil:
		s := w.File.Sink
		mode := s.Mode
		if mode == "" {
			mode = "overwrite"
		}
		t := fmt.Sprintf("%s %s (%s)", s.Format, w.Dataset, mode)
		if s.Compression != "" {
			t += ", " + s.Compression
		}
		if len(s.PartitionBy) > 0 {
			t += ", folders by " + strings.Join(s.PartitionBy, ", ")
		}
		if len(w.File.Sort) > 0 {
			t += ", sorted by " + sortText(w.File.Sort)
		}
		if s.Dataset != nil {
			t += ", with " + connector.DatasetFile
		}
		return t
	}
	return "?"
}

func partitionText(p lakehouse.PartitionField) string {
	switch p.Type {
	case "identity":
		return p.Column
	case "bucket":
		return fmt.Sprintf("bucket[%d](%s)", p.NumBuckets, p.Column)
	case "truncate":
		return fmt.Sprintf("truncate[%d](%s)", p.Width, p.Column)
	}
	return p.Type + "(" + p.Column + ")"
}

func sortText(fields []lakehouse.SortField) string {
	var out []string
	for _, f := range fields {
		d := " asc"
		if f.Desc {
			d = " desc"
		}
		out = append(out, f.Column+d)
	}
	return strings.Join(out, ", ")
}

func (a *Action) describe() string {
	var parts []string
	if a.DryRun {
		parts = append(parts, "dry run")
	}
	age := func() {
		if a.Age != nil {
			parts = append(parts, "older than "+a.Age.String()+" when it runs")
		}
	}
	switch {
	case a.Compact != nil:
		c := a.Compact
		if c.Sort {
			s := "sort"
			if len(c.SortOrder) > 0 {
				var keys []string
				for _, k := range c.SortOrder {
					keys = append(keys, k.Column)
				}
				s += " by " + strings.Join(keys, ", ")
			}
			parts = append(parts, s)
		} else if len(c.ZOrder) > 0 {
			parts = append(parts, "z-order by "+strings.Join(c.ZOrder, ", "))
		} else {
			parts = append(parts, "bin-pack")
		}
		if c.TargetFileSize > 0 {
			parts = append(parts, fmt.Sprintf("target %d bytes", c.TargetFileSize))
		}
		if c.RewriteAll {
			parts = append(parts, "rewrite all")
		}
		if c.Where != "" {
			parts = append(parts, "where "+oneLine(c.Where, 50))
		}
	case a.Manifests != nil:
		if a.Manifests.SpecID != nil {
			parts = append(parts, fmt.Sprintf("spec %d", *a.Manifests.SpecID))
		} else {
			parts = append(parts, "all manifests")
		}
	case a.Expire != nil:
		e := a.Expire
		age()
		if !e.OlderThan.IsZero() {
			parts = append(parts, "older than "+e.OlderThan.UTC().Format("2006-01-02T15:04:05Z"))
		}
		if e.RetainLast > 0 {
			parts = append(parts, fmt.Sprintf("retain last %d", e.RetainLast))
		}
		if len(e.SnapshotIDs) > 0 {
			parts = append(parts, fmt.Sprintf("snapshots %v", e.SnapshotIDs))
		}
		if len(parts) == 0 || len(parts) == 1 && a.DryRun {
			parts = append(parts, "table defaults (older than 5 days, retain 1)")
		}
	case a.Orphans != nil:
		o := a.Orphans
		age()
		if !o.OlderThan.IsZero() {
			parts = append(parts, "older than "+o.OlderThan.UTC().Format("2006-01-02T15:04:05Z"))
		}
		if o.Location != "" {
			parts = append(parts, "in "+o.Location)
		}
	case a.Delete != nil:
		parts = append(parts, "delete where "+oneLine(a.Delete.Where, 60))
		if a.Delete.Branch != "" {
			parts = append(parts, "branch "+a.Delete.Branch)
		}
	}
	return strings.Join(parts, ", ")
}

func columnsText(cols []Column) string {
	if len(cols) == 0 {
		return "no columns"
	}
	var out []string
	for i, c := range cols {
		if i == 6 {
			out = append(out, fmt.Sprintf("… %d more", len(cols)-6))
			break
		}
		out = append(out, c.Name+" "+c.Type)
	}
	return strings.Join(out, ", ")
}

func tablesText(refs []TableRef) string {
	if len(refs) == 0 {
		return ""
	}
	var out []string
	for _, r := range refs {
		out = append(out, r.String())
	}
	return " (reads " + strings.Join(out, ", ") + ")"
}

func mapText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ", ")
}

// oneLine squeezes SQL onto one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}
