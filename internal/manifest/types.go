package manifest

// Workflow is a parsed manifest: one or more jobs and their dependencies.
type Workflow struct {
	// File is the manifest's path as given to Load or Parse.
	File        string
	Version     string
	Name        string
	Type        string // always "workflow"
	Title       string
	Description string
	Tags        []string
	// Schedule is the cron expression of workflow.schedule.cron, if any.
	Schedule string
	Jobs     []*Job
	// Warnings are things that run but deserve a look (legacy forms,
	// options that have no effect here).
	Warnings []*Error `json:",omitempty"`
	Pos      Pos
}

// Job is one dag entry: a Flare job (inputs, steps, outputs, actions) or a
// toolbox job.
type Job struct {
	Name         string
	Title        string
	Description  string
	Dependencies []string
	// Stack is as written, e.g. "flare:6.0", "flare" or "toolbox".
	Stack string
	// Compute, Tags, TempVolume and Envs come from the dag entry's spec.
	Compute    string `json:",omitempty"`
	Tags       []string
	TempVolume string `json:",omitempty"`
	Envs       map[string]string
	// Driver and Executor are the Spark sizes, kept as written.
	Driver   *Resources `json:",omitempty"`
	Executor *Resources `json:",omitempty"`

	Explain          bool
	LogLevel         string // upper case; empty when not given
	ShowPreviewLines int
	// SparkConf merges the stack section's and the job's sparkConf.
	SparkConf map[string]string
	Variables map[string]string
	Streaming *Streaming `json:",omitempty"`

	Inputs []*Input
	// Steps are all sequences flattened in order.
	Steps   []*Step
	Outputs []*Output
	Actions []*Action
	// Assertions are kept as written; they are not checked here.
	Assertions []map[string]any `json:",omitempty"`
	// Toolbox is set for a toolbox-stack job (set_version).
	Toolbox *Toolbox `json:",omitempty"`
	Pos     Pos

	depPos  []Pos          // position of each dependency
	decoded bool           // the stack section was read
	confPos map[string]Pos // where each sparkConf key was set
}

// Resources are the Spark driver or executor sizes, kept as written.
type Resources struct {
	CoreLimit string `json:",omitempty"`
	Cores     string `json:",omitempty"`
	Memory    string `json:",omitempty"`
	Instances string `json:",omitempty"`
}

// Streaming is job.streaming.
type Streaming struct {
	// TriggerMode is lower case: processingtime, once, availablenow, continuous.
	TriggerMode        string
	TriggerDuration    string
	OutputMode         string // lower case: append, complete, update
	CheckpointLocation string
	ForEachBatchMode   bool
	BatchMode          bool
	ExtraOptions       map[string]string
	Pos                Pos
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
	// Format is lower case; empty means "by depot".
	Format        string
	SchemaString  string
	SchemaPath    string
	SchemaType    string
	SchemaSubject string `json:",omitempty"`
	SchemaID      string `json:",omitempty"`
	IsStream      bool
	Cache         bool
	// Options are the reader options with scalar values stringified
	// (header, delimiter, branch, snapshot-id, startingOffsets, ...).
	Options     map[string]string
	Incremental *Incremental
	Pos         Pos
}

// Incremental is inputs[].incremental.
type Incremental struct {
	// Context is the view that holds the whole dataset; SQL reads it.
	Context string
	SQL     string
	SQLPos  Pos
	Keys    []IncrementalKey
	State   []IncrementalState
	Pos     Pos
}

// IncrementalKey is one key whose SQL gives one value, used as $|Name|.
type IncrementalKey struct {
	Name, SQL string
	Pos       Pos
}

// IncrementalState saves the value of key Value under key Key after a run.
type IncrementalState struct {
	Key, Value string
	Pos        Pos
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
	SQLFile   string
	Functions []*Function
	Commands  []*Command
	Cache     bool
	// Classpath is a JVM step class; validation refuses it.
	Classpath string `json:",omitempty"`
	Pos       Pos

	lines []lineSpan
}

// Function is one entry of a step's functions, applied after its SQL.
type Function struct {
	Name string
	Args map[string]any
	Pos  Pos
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
	// SaveMode is lower case: overwrite (default), append, errorifexists, ignore.
	SaveMode string
	// OverwriteDynamic replaces only the partitions present in the result
	// (overwrite-mode: dynamic); it is never a table property.
	OverwriteDynamic bool
	Title            string
	Description      string
	Tags             []string
	Partition        []PartitionField
	// PartitionBy is the legacy outputOptions.partitionBy (plain columns,
	// for non-Iceberg file outputs).
	PartitionBy     []string `json:",omitempty"`
	Sort            *Sort
	Properties      map[string]string
	Merge           *Merge
	Branch          string
	ExtraOptions    map[string]string
	CompressionType string
	File            *FileOptions
	Driver          string `json:",omitempty"`
	ColumnTags      []*ColumnTag
	Pos             Pos
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
	Pos                  Pos
}

// FileOptions is outputs[].options.file (syndication to files).
type FileOptions struct {
	SaveMode   string // lower case
	OutputType string // lower case: csv, parquet, json
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
	DryRun      bool
	// Options are keyed by their camelCase name (sortOrder, olderThan, ...),
	// values stringified as written; lists are joined with ",".
	Options map[string]string
	// Properties is rewrite_dataset's options.properties.
	Properties map[string]string `json:",omitempty"`
	Pos        Pos
}
