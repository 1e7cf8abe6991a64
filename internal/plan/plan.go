package plan

import (
	"time"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Plan is a compiled workflow: every address resolved, every option typed,
// every SQL fragment rewritten to the engine's dialect and bound against the
// schemas it reads. The runner executes it and switches on nothing else.
type Plan struct {
	File string
	// Version is the resource version as written (v1, v1beta1); it
	// decides nothing.
	Version     string
	Workflow    string
	Title       string
	Description string
	Tags        []string
	// Schedule is workflow.schedule.cron, shown by flare plan (Flare-Go
	// runs when asked; an external scheduler may use it).
	Schedule string
	// Jobs are in run order: every job after its dependencies.
	Jobs []*Job
	// Notes are warnings and "no effect here" notes, printed once.
	Notes spec.ErrorList
}

// Job is one compiled job.
type Job struct {
	Name        string
	Pos         spec.Pos
	Title       string
	Description string
	Tags        []string
	DependsOn   []string
	// Toolbox is set for a toolbox job (set_version), which has nothing to
	// do here: the catalog always points at a table's latest metadata.
	Toolbox *Toolbox `json:",omitempty"`
	// Explain prints each step's plan; Preview prints that many rows of each
	// step; LogLevel is the job's log level ("" = progress and warnings).
	Explain  bool
	Preview  int
	LogLevel string
	// TimeZone is the session time zone (spark.sql.session.timeZone); ""
	// is the engine's (UTC).
	TimeZone string `json:",omitempty"`
	// Tuning is the job's engine settings from its Spark sizes and
	// sparkConf (tuning.go); nil when it gives none.
	Tuning *Tuning `json:",omitempty"`
	Reads  []*Read
	Steps  []*Step
	// Assertions are the job's data-quality checks (standalone, then each
	// output's pre-sink checks), all evaluated before the first write;
	// QualityResults says where their results go (nil without assertions).
	Assertions     []*Assertions   `json:",omitempty"`
	QualityResults *QualityResults `json:",omitempty"`
	Writes         []*Write
	Actions        []*Action
	// Stream is set for a stream job (an isStream input): the runner loops
	// micro-batches (internal/stream; plan/stream.go).
	Stream *Stream `json:",omitempty"`
}

// Overrides are the engine settings the job asks for.
func (j *Job) Overrides() engine.Overrides {
	o := engine.Overrides{TimeZone: j.TimeZone}
	if t := j.Tuning; t != nil {
		o.Threads, o.MemoryLimit, o.TempDir, o.MaxOpenFiles = t.Threads, t.MemoryLimit, t.TempDir, t.MaxOpenFiles
	}
	return o
}

// Toolbox is a toolbox job.
type Toolbox struct {
	Dataset, Action, Value string
}

// Column is one column of a relation, with its engine type.
type Column struct {
	Name string
	Type string
}

// TableRef is a lakehouse table that a SQL text reads by its three-part name
// <depot>.<collection>.<dataset>.
type TableRef struct {
	Depot string
	Table lakehouse.TableName
}

func (r TableRef) String() string { return r.Depot + "." + r.Table.String() }

// Read defines one input as a view.
type Read struct {
	View    string
	Pos     spec.Pos
	Dataset string `json:",omitempty"`
	// One of File, Table, Query and Database is set.
	File     *FileRead     `json:",omitempty"`
	Table    *TableRead    `json:",omitempty"`
	Query    *Query        `json:",omitempty"`
	Database *DatabaseRead `json:",omitempty"`
	// Incremental, when set, makes View the result of its SQL over the
	// data read as its Context view (incremental.go).
	Incremental *Incremental `json:",omitempty"`
	// Kafka is a stream input: each micro-batch's records (stream.go).
	Kafka *KafkaRead `json:",omitempty"`
	Cache bool
	// Columns are the view's columns, known at compile time.
	Columns []Column
}

// FileRead reads files of a file depot.
type FileRead struct {
	Depot  string
	Source connector.Source
	// Schema says where the columns' names and types come from when the
	// input gives a schema (schemaString, schemaPath, schema): its form, the
	// file or key, and whether schemaType or the text decided the form.
	// Source.SchemaString holds it as a Spark StructType.
	Schema string `json:",omitempty"`
	// SQL is the engine relation that reads the files, including the
	// renaming of a header-less CSV's columns to _c0, _c1, ...
	SQL string
	// Stream reads the folder as a stream (isStream: true): each batch
	// reads the files no earlier batch read (plan/stream.go).
	Stream bool `json:",omitempty"`
}

// TableRead reads an Iceberg table; the files are planned when the job runs.
type TableRead struct {
	TableRef
	At lakehouse.ReadOptions
	// Appends, when set, reads only the rows appended in a range of
	// snapshots (start-snapshot-id, end-snapshot-id, start-timestamp,
	// end-timestamp; incremental mode snapshots).
	Appends *lakehouse.AppendRange `json:",omitempty"`
}

// Query is a SQL text in the engine's dialect and the lakehouse tables it
// names, which the runner binds (each at its current snapshot) before
// running it.
type Query struct {
	SQL    string
	Tables []TableRef `json:",omitempty"`
	// src maps SQL back to the Spark text, for error positions.
	src *sparksql.Rewritten
}

// Step defines a step's view.
type Step struct {
	View string
	Pos  spec.Pos
	Doc  string `json:",omitempty"`
	// Query is the step's SQL, rewritten; nil for a step that only runs
	// commands or caches a view.
	Query *Query `json:",omitempty"`
	// Cache materialises the view (cache: true, or `cache table v AS ...`).
	Cache bool
	// CacheOnly names a view that `cache table v` / `uncache table v`
	// (re)caches, with Uncache for the latter.
	CacheOnly string `json:",omitempty"`
	Uncache   bool   `json:",omitempty"`
	Commands  []Command
	// Functions is the step's chain of functions, applied to the rows of
	// Query; nil for a step without functions.
	Functions *Functions `json:",omitempty"`
	Columns   []Column
	// Source keeps the manifest step, for error positions inside its SQL.
	Source *manifest.Step `json:"-"`
}

// Command persists or unpersists a view.
type Command struct {
	Persist bool
	View    string
	Mode    string
	Pos     spec.Pos
}

// Write writes a view to a dataset.
type Write struct {
	View    string
	Pos     spec.Pos
	Dataset string
	// One of Table, Merge, File and Database is set.
	Table    *TableWrite    `json:",omitempty"`
	Merge    *MergeWrite    `json:",omitempty"`
	File     *FileWrite     `json:",omitempty"`
	Database *DatabaseWrite `json:",omitempty"`
	// Kafka sends the rows to a topic as JSON (kafkaout.go).
	Kafka *KafkaWrite `json:",omitempty"`
}

// IfExists says what a table write does when the table exists already
// (saveMode errorifexists / ignore).
type IfExists string

const (
	// WriteAnyway appends or overwrites (saveMode append / overwrite).
	WriteAnyway IfExists = ""
	// FailIfExists is saveMode errorifexists.
	FailIfExists IfExists = "error"
	// SkipIfExists is saveMode ignore.
	SkipIfExists IfExists = "ignore"
)

// TableWrite appends to or overwrites an Iceberg table.
type TableWrite struct {
	Depot    string
	Spec     lakehouse.WriteSpec
	IfExists IfExists `json:",omitempty"`
	// SortMode is options.sort.mode (partition or global): either way the
	// rows of every written file are in sort order (docs/inputs-outputs.md).
	SortMode string `json:",omitempty"`
}

// MergeWrite merges a view into an Iceberg table.
type MergeWrite struct {
	Depot string
	Spec  lakehouse.MergeSpec
}

// FileWrite writes files to a file depot.
type FileWrite struct {
	Depot string
	Sink  connector.Sink
	// Sort orders the rows before writing (options.sort), SortMode as
	// written (partition or global).
	Sort     []lakehouse.SortField `json:",omitempty"`
	SortMode string                `json:",omitempty"`
}

// Action is a table maintenance action; exactly one of its operations is set.
type Action struct {
	Name   string
	Pos    spec.Pos
	Input  string `json:",omitempty"`
	Target TableRef
	DryRun bool
	// Compact is rewrite_dataset; its Where is in the engine's dialect.
	Compact   *maintenance.CompactOptions  `json:",omitempty"`
	Manifests *maintenance.ManifestOptions `json:",omitempty"`
	Expire    *maintenance.ExpireOptions   `json:",omitempty"`
	Orphans   *maintenance.OrphanOptions   `json:",omitempty"`
	Delete    *DeleteOp                    `json:",omitempty"`
	// Tables are the lakehouse tables a condition reads, bound before it runs.
	Tables []TableRef `json:",omitempty"`
	// Age, when set, is expire_snapshots' or remove_orphans' age given as a
	// duration ("3d"): it counts back from when the action runs, not from
	// when the plan was compiled.
	Age *time.Duration `json:",omitempty"`
}

// DeleteOp is delete_from_dataset: DELETE FROM <table> target WHERE Where.
type DeleteOp struct {
	Where  string
	Branch string `json:",omitempty"`
}
