package lakehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// Table properties where Write keeps a table's title, description and tags.
const (
	PropTitle       = "flare.title"
	PropDescription = "flare.description"
	PropTags        = "flare.tags" // a JSON list of strings
	// PropMergeSchema, when "true" on the table or in WriteSpec.Properties,
	// lets an Append add the result's new columns to the table.
	PropMergeSchema = "merge-schema"
)

// Table is one Iceberg table of the lakehouse, as loaded (metadata does not
// refresh by itself; load it again to see later commits).
type Table struct {
	name TableName
	tbl  *table.Table
	cat  catalog.Catalog // what it was loaded from and commits to
	log  *slog.Logger
}

// Commit commits a change to the table through Flare's one commit path
// (internal/lakehouse/commit): stage builds the change on the table as
// loaded, and again on the reloaded table after each concurrent commit
// (re-validating what the change depends on). operation names the change
// in errors and logs. It returns the table as committed.
func (t *Table) Commit(ctx context.Context, operation string, stage commit.Stager) (*Table, error) {
	if t.cat == nil {
		return nil, fmt.Errorf("commit %s to table %s: the table was not loaded from a lakehouse", operation, t.name)
	}
	committed, err := commit.Run(ctx, commit.Target{Catalog: t.cat, Ident: t.name.ident()}, t.tbl,
		commit.Options{Operation: operation, Log: t.log}, stage)
	if err != nil {
		return nil, err
	}
	return &Table{name: t.name, tbl: committed, cat: t.cat, log: t.log}, nil
}

// Name returns the table's name.
func (t *Table) Name() TableName { return t.name }

// Iceberg returns the iceberg-go table (bound to the retrying catalog).
func (t *Table) Iceberg() *table.Table { return t.tbl }

// Column describes one top-level column.
type Column struct {
	ID       int
	Name     string
	Type     string // Iceberg type: int, long, decimal(10,2), list<string>, ...
	Required bool
	Doc      string
}

// PartitionFieldInfo describes one partition field.
type PartitionFieldInfo struct {
	SourceColumn string
	Transform    string // identity, day, bucket[16], truncate[3], ...
	Name         string
}

// SortFieldInfo describes one field of the table's sort order.
type SortFieldInfo struct {
	Column    string
	Transform string
	Desc      bool
	NullOrder string // nulls-first or nulls-last
}

// TableInfo describes a table.
type TableInfo struct {
	Name              TableName
	Location          string
	Schema            []Column
	Partition         []PartitionFieldInfo
	SortOrder         []SortFieldInfo
	Properties        map[string]string
	Title             string
	Description       string
	Tags              []string
	CurrentSnapshotID int64 // 0 when the table has no snapshot
	FormatVersion     int
}

// Describe returns the table's schema, partitioning, sort order and
// properties.
func (t *Table) Describe() TableInfo {
	meta := t.tbl.Metadata()
	sc := meta.CurrentSchema()
	info := TableInfo{
		Name:          t.name,
		Location:      meta.Location(),
		Properties:    map[string]string{},
		FormatVersion: meta.Version(),
	}
	for _, f := range sc.Fields() {
		info.Schema = append(info.Schema, Column{ID: f.ID, Name: f.Name, Type: f.Type.String(), Required: f.Required, Doc: f.Doc})
	}
	spec := meta.PartitionSpec()
	for i := range spec.NumFields() {
		pf := spec.Field(i)
		src, _ := sc.FindColumnName(pf.SourceID())
		info.Partition = append(info.Partition, PartitionFieldInfo{SourceColumn: src, Transform: pf.Transform.String(), Name: pf.Name})
	}
	for _, sf := range meta.SortOrder().Fields() {
		col := ""
		if len(sf.SourceIDs) > 0 {
			col, _ = sc.FindColumnName(sf.SourceIDs[0])
		}
		info.SortOrder = append(info.SortOrder, SortFieldInfo{
			Column: col, Transform: sf.Transform.String(), Desc: sf.Direction == table.SortDESC, NullOrder: string(sf.NullOrder),
		})
	}
	for k, v := range meta.Properties() {
		info.Properties[k] = v
	}
	info.Title = info.Properties[PropTitle]
	info.Description = info.Properties[PropDescription]
	if tags := info.Properties[PropTags]; tags != "" {
		_ = json.Unmarshal([]byte(tags), &info.Tags)
	}
	if s := meta.CurrentSnapshot(); s != nil {
		info.CurrentSnapshotID = s.SnapshotID
	}

	return info
}

// SnapshotInfo describes one snapshot.
type SnapshotInfo struct {
	ID        int64
	ParentID  int64 // 0 for the first snapshot
	Time      time.Time
	Operation string
	Summary   map[string]string
}

// Snapshots lists the table's snapshots, oldest first.
func (t *Table) Snapshots() []SnapshotInfo {
	snaps := t.tbl.Metadata().Snapshots()
	out := make([]SnapshotInfo, 0, len(snaps))
	for _, s := range snaps {
		si := SnapshotInfo{ID: s.SnapshotID, Time: time.UnixMilli(s.TimestampMs).UTC(), Summary: map[string]string{}}
		if s.ParentSnapshotID != nil {
			si.ParentID = *s.ParentSnapshotID
		}
		if s.Summary != nil {
			si.Operation = string(s.Summary.Operation)
			for k, v := range s.Summary.Properties {
				si.Summary[k] = v
			}
		}
		out = append(out, si)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })

	return out
}

// FileInfo describes one live data file.
type FileInfo struct {
	Path      string
	Partition string // "ts_day=2024-01-02/id_bucket=3"; empty when unpartitioned
	Records   int64
	Bytes     int64
	SpecID    int
}

// Files lists the data files of the current snapshot.
func (t *Table) Files(ctx context.Context) ([]FileInfo, error) {
	tasks, _, err := t.plan(ctx, ReadOptions{})
	if err != nil {
		return nil, err
	}
	meta := t.tbl.Metadata()
	sc := meta.CurrentSchema()
	out := make([]FileInfo, 0, len(tasks))
	for _, task := range tasks {
		df := task.File
		fi := FileInfo{Path: df.FilePath(), Records: df.Count(), Bytes: df.FileSizeBytes(), SpecID: int(df.SpecID())}
		for _, spec := range meta.PartitionSpecs() {
			if spec.ID() != fi.SpecID {
				continue
			}
			parts := make([]string, 0, spec.NumFields())
			for i := range spec.NumFields() {
				pf := spec.Field(i)
				var srcType iceberg.Type = iceberg.PrimitiveTypes.String
				if src, ok := sc.FindFieldByID(pf.SourceID()); ok {
					srcType = src.Type
				}
				parts = append(parts, pf.Name+"="+pf.Transform.ToHumanStrType(srcType, df.Partition()[pf.FieldID]))
			}
			fi.Partition = strings.Join(parts, "/")
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })

	return out, nil
}

// ReadOptions choose the snapshot to read; the zero value reads the current
// snapshot of main. At most one of SnapshotID, Branch, Tag and AsOf may be set.
type ReadOptions struct {
	SnapshotID int64
	Branch     string
	Tag        string
	AsOf       time.Time
	// Filter, when set, lets iceberg-go prune files by partition and column
	// statistics; the query SelectSQL returns does not apply it to rows.
	Filter iceberg.BooleanExpression
}

func (t *Table) scan(ro ReadOptions) (*table.Scan, error) {
	n := 0
	for _, set := range []bool{ro.SnapshotID != 0, ro.Branch != "", ro.Tag != "", !ro.AsOf.IsZero()} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("%w: read %s: set at most one of snapshot, branch, tag and as-of", ErrInvalidSpec, t.name)
	}
	var opts []table.ScanOption
	if ro.Filter != nil {
		opts = append(opts, table.WithRowFilter(ro.Filter))
	}
	switch {
	case ro.SnapshotID != 0:
		opts = append(opts, table.WithSnapshotID(ro.SnapshotID))
	case !ro.AsOf.IsZero():
		opts = append(opts, table.WithSnapshotAsOf(ro.AsOf.UnixMilli()))
	}
	scan := t.tbl.Scan(opts...)
	ref := ro.Branch
	if ro.Tag != "" {
		ref = ro.Tag
	}
	if ref != "" {
		s, err := scan.UseRef(ref)
		if err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", t.name, ref, err)
		}
		scan = s
	}

	return scan, nil
}

// plan returns the file scan tasks and the schema of the chosen snapshot.
func (t *Table) plan(ctx context.Context, ro ReadOptions) ([]table.FileScanTask, *iceberg.Schema, error) {
	scan, err := t.scan(ro)
	if err != nil {
		return nil, nil, err
	}
	snap, err := scan.ResolveSnapshot()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	sc, err := scan.Projection()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	if snap == nil {
		return nil, sc, nil
	}
	tasks, err := scan.PlanFiles(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("plan scan of %s: %w", t.name, err)
	}

	return WholeFiles(tasks), sc, nil
}

// WholeFiles keeps one scan task per data file (datafile.WholeFiles).
func WholeFiles(tasks []table.FileScanTask) []table.FileScanTask { return datafile.WholeFiles(tasks) }

// PlanFiles returns the data files a read with these options must scan,
// after iceberg-go's partition and statistics pruning.
func (t *Table) PlanFiles(ctx context.Context, ro ReadOptions) ([]string, error) {
	tasks, _, err := t.plan(ctx, ro)
	if err != nil {
		return nil, err
	}
	if err := fetchTasks(ctx, tasks); err != nil { // remote.go
		return nil, err
	}
	out := make([]string, len(tasks))
	for i, task := range tasks {
		out[i] = localPath(task.File.FilePath())
	}

	return out, nil
}

// SelectSQL returns a DuckDB query that reads the table at the chosen
// snapshot: SELECT <columns> FROM read_parquet([files], schema = ...), where
// the files are those iceberg-go's scan planning keeps and the schema map
// binds Parquet field ids to the snapshot's column names and types (so
// renamed and added columns read correctly). A table without data gives a
// typed, empty SELECT. Position delete files are applied with an anti-join
// on (file, row position) (delete_read.go).
func (t *Table) SelectSQL(ctx context.Context, ro ReadOptions) (string, error) {
	tasks, sc, err := t.plan(ctx, ro)
	if err != nil {
		return "", err
	}
	if err := fetchTasks(ctx, tasks); err != nil { // remote.go
		return "", err
	}

	return datafile.ScanSQL(t.name.String(), tasks, sc, false)
}

func localPath(p string) string { return datafile.LocalPath(p) }

// SchemaSQL returns a typed, empty DuckDB query with the columns the table
// has at the chosen snapshot, without planning any file (the compile step
// binds SQL against it; no data is read).
func (t *Table) SchemaSQL(ro ReadOptions) (string, error) {
	scan, err := t.scan(ro)
	if err != nil {
		return "", err
	}
	sc, err := scan.Projection()
	if err != nil {
		return "", fmt.Errorf("read %s: %w", t.name, err)
	}
	return datafile.ScanSQL(t.name.String(), nil, sc, false)
}
