package manifest

import "github.com/flare-lakehouse/flare/internal/spec"

// Workflow is a parsed manifest: one or more jobs and their dependencies.
// Values are as written, checked against internal/spec; what needs depots,
// schemas or SQL is checked by the compile step (internal/plan).
type Workflow struct {
	// File is the manifest's path as given to Load or Parse.
	File        string
	Version     string
	Name        string
	Title       string
	Description string
	Tags        []string
	// Schedule is the cron expression of workflow.schedule.cron, if any.
	Schedule string
	Jobs     []*Job
	// Warnings are things that run but deserve a look (legacy forms, keys
	// that have no effect here).
	Warnings ErrorList `json:",omitzero"`
	Pos      Pos
}

// Job is one dag entry: a Flare job (inputs, steps, outputs, actions) or a
// toolbox job.
type Job struct {
	Name         string
	Title        string
	Description  string
	Tags         []string
	Dependencies []string
	// Stack is as written, e.g. "flare:6.0", "flare" or "toolbox".
	Stack string

	Explain          bool
	LogLevel         string // upper case; empty when not given
	ShowPreviewLines int
	// SparkConf gathers the sparkConf of the dag entry's spec, the stack
	// section and the job, in that order, as written.
	SparkConf []spec.Entry `json:",omitzero"`
	// Driver and Executor are the stack section's Spark sizes (nil when not
	// given); the compile step maps them to engine settings.
	Driver   *Resources `json:",omitzero"`
	Executor *Resources `json:",omitzero"`

	Inputs []*Input
	// Steps are all sequences flattened in order.
	Steps   []*Step
	Outputs []*Output
	Actions []*Action
	// Assertions are job.assertions (standalone data-quality checks) and
	// QualityResults job.qualityResults (nil when not given).
	Assertions     []*Assertion    `json:",omitzero"`
	QualityResults *QualityResults `json:",omitzero"`
	// Streaming is job.streaming as decoded (nil when not given); the
	// compile step reads every key of it (internal/plan/stream.go).
	Streaming *spec.Values `json:",omitzero"`
	// Toolbox is set for a toolbox-stack job (set_version).
	Toolbox *Toolbox `json:",omitzero"`
	Pos     Pos

	depPos  []Pos // position of each dependency
	decoded bool  // the stack section was read
}

// Resources are Spark driver or executor sizes as written; zero values
// were not given.
type Resources struct {
	Cores, Instances  int
	CoreLimit, Memory string
	Pos               Pos
	// KeyPos is where each given key was written, by key.
	KeyPos map[string]Pos `json:"-"`
}

// Toolbox is a toolbox-stack job: {dataset, action: {name, value}}.
type Toolbox struct {
	Dataset     string
	Action      string // set_version
	ActionValue string // e.g. latest
	Pos         Pos
}

// Input is one job input; it becomes a view named Name.
type Input struct {
	Name    string
	Dataset string
	Query   string
	// QueryPos is where the query text starts.
	QueryPos Pos `json:",omitzero"`
	// Format is lower case; empty means "by depot".
	Format       string
	IsStream     bool
	SchemaString string
	// SchemaPath, SchemaType (avro, spark, sparkJson, sparkDDL) and Schema
	// are as written; SchemaPos is where the first schema key was given.
	SchemaPath string `json:",omitzero"`
	SchemaType string `json:",omitzero"`
	Schema     string `json:",omitzero"`
	SchemaPos  Pos    `json:",omitzero"`
	Cache      bool
	// Incremental is the input's incremental read (nil: read it all).
	Incremental *Incremental `json:",omitempty"`
	// Options are the reader options as written; the compile step checks
	// them against the format's reader options.
	Options    []spec.Entry
	OptionsPos Pos `json:",omitzero"`
	Pos        Pos
	// queryLines map offsets of Query to the manifest.
	queryLines []lineSpan
}

// Step is one entry of a sequence; it produces a view named Name.
type Step struct {
	Name string
	Doc  string
	SQL  string
	// SQLPos is where the SQL text starts: for a block scalar (|) the first
	// content line; for sqlFile line 1 of that file. Use Step.PosAt for the
	// place of an offset inside SQL.
	SQLPos Pos
	// SQLFile is the sqlFile as written; SQL holds its contents.
	SQLFile  string
	Commands []*Command
	// Functions are the step's functions, in order, as written.
	Functions []*Function `json:",omitzero"`
	Cache     bool
	Pos       Pos

	lines []lineSpan
}

// Command is a step command: persist or unpersist a view.
type Command struct {
	Name         string // persist | unpersist
	SequenceName string
	Mode         string // upper case Spark storage level, e.g. MEMORY_AND_DISK
	Pos          Pos
}

// Output writes a view (an input or step of the job) to a dataset.
type Output struct {
	Name    string
	Dataset string
	// Format is lower case; empty means "by depot" (or a file output).
	Format string
	// FormatPos is where the format was given.
	FormatPos Pos `json:",omitzero"`
	// Driver is the JDBC driver class of an output to a database depot, as
	// written (the plan checks it against the depot).
	Driver    string `json:",omitzero"`
	DriverPos Pos    `json:",omitzero"`
	// SaveMode is lower case: overwrite (default), append, errorifexists,
	// ignore, upsert (database outputs).
	SaveMode string
	// SaveModePos is where options.saveMode was given (zero: not given).
	SaveModePos Pos `json:",omitzero"`
	// OverwriteMode is "dynamic" or "static" when given (overwrite-mode, in
	// properties or extraOptions); it is never a table property.
	OverwriteMode    string `json:",omitzero"`
	OverwriteModePos Pos    `json:",omitzero"`
	Title            string
	Description      string
	Tags             []string
	Partition        []PartitionField
	// PartitionBy is options.partitionBy: plain columns (identity fields of
	// an Iceberg table, Hive folders of files).
	PartitionBy    []string `json:",omitzero"`
	PartitionByPos Pos      `json:",omitzero"`
	Sort           *Sort
	// Properties are the table properties as written.
	Properties []spec.Entry `json:",omitzero"`
	Merge      *Merge
	Branch     string
	BranchPos  Pos `json:",omitzero"`
	// ExtraOptions are the writer options as written, without branch and
	// overwrite-mode (which have fields of their own).
	ExtraOptions       []spec.Entry `json:",omitzero"`
	CompressionType    string
	CompressionTypePos Pos `json:",omitzero"`
	// CheckpointLocation is options.checkpointLocation of a stream job's
	// output (the job's checkpoint folder, as job.streaming's).
	CheckpointLocation    string `json:",omitzero"`
	CheckpointLocationPos Pos    `json:",omitzero"`
	File                  *FileOptions
	ColumnTags            []*ColumnTag
	// Assertions are checked on the output's rows before they are written.
	Assertions []*Assertion `json:",omitzero"`
	Pos        Pos
}

// PartitionField is one Iceberg partition field; list order is field order.
type PartitionField struct {
	Type       string // identity|year|month|day|hour|bucket|truncate
	Column     string
	Name       string // from name or asColumn; may be empty
	NumBuckets int
	Width      int
	Pos        Pos
}

// Sort is outputs[].options.sort.
type Sort struct {
	Mode    string // partition | global
	Columns []SortColumn
}

// SortColumn is one sort key; Order is asc (default) or desc.
type SortColumn struct{ Name, Order string }

// Merge is MERGE INTO <table> old USING <view> new ON OnClause WHEN WhenClause.
type Merge struct {
	OnClause, WhenClause string
	OnPos, WhenPos       Pos
	Pos                  Pos

	whenLines []lineSpan
}

// WhenPosAt returns the position of a byte offset of WhenClause (exact in
// block scalars, where a clause may span lines).
func (m *Merge) WhenPosAt(offset int) Pos {
	if len(m.whenLines) == 0 {
		return m.WhenPos
	}
	return spanPos(m.WhenPos.File, m.whenLines, offset)
}

// FileOptions is outputs[].options.file (syndication to files).
type FileOptions struct {
	SaveMode   string // lower case
	OutputType string // lower case: csv, parquet, json
	Pos        Pos    `json:",omitzero"`
}

// ColumnTag tags the columns one selector picks.
type ColumnTag struct {
	ColumnName  string
	ColumnNames []string
	ColumnRegex string
	Tags        []string
	Pos         Pos
}

// Action is a table maintenance action.
type Action struct {
	// Name is rewrite_dataset, rewrite_manifest, expire_snapshots,
	// remove_orphans or delete_from_dataset.
	Name string
	// Input names one of the job's inputs (filled in when the job has one).
	Input       string
	DeleteWhere string
	// DeleteWherePos is where deleteWhere's text starts.
	DeleteWherePos Pos `json:",omitzero"`
	DryRun         bool
	// Options are the action's options, decoded against its spec
	// (spec.Actions); the compile step turns them into typed options.
	Options *spec.Values
	Pos     Pos
}
