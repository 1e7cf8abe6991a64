package spec

import "errors"

// The manifest's objects, from the Workflow resource down to an output's
// partition fields. Reader and writer options of each format are in
// formats.go, action options in actions.go, table properties in
// properties.go, Spark settings in sparkconf.go.

// Status notes shown in errors and docs for keys whose feature is not built.
const (
	noteStreaming   = "a stream's trigger and checkpoint are job.streaming's (docs/stream.md), not writer options"
	noteIncremental = "incremental jobs are not built yet (docs/manifest.md#not-supported-yet)"
	noteJVM         = "JVM step classes cannot run in Flare-Go: rewrite the step as SQL"
	noteProfile     = "data profiling jobs (profile, persistentVolume) are not built yet (docs/manifest.md#not-supported-yet)"
	noteRegistry    = "schema registries are not supported"
	noteJDBC        = "Flare-Go reaches a database depot with its own client (pgx, go-sql-driver/mysql); the class is checked against the depot's type"
)

// Workflow is the Workflow resource: the top of a manifest.
var Workflow = &ObjectSpec{
	Path: "the Workflow", What: "a Workflow", Page: "docs/manifest.md",
	Doc: "A Workflow resource: one or more jobs (the dag) and their dependencies.",
	Fields: []*Field{
		{Key: "version", Kind: String, Doc: "Resource version, v1 or v1beta1; decides nothing here."},
		{Key: "name", Kind: String, Required: true, Doc: "The workflow's name, shown in reports."},
		{Key: "type", Kind: Enum, Values: []string{"workflow"}, Required: true, Doc: "Always workflow."},
		{Key: "tags", Kind: List, Doc: "Free-form tags, shown by flare plan."},
		{Key: "title", Kind: String, Doc: "A title, shown by flare plan."},
		{Key: "description", Kind: String, Doc: "A description, shown by flare plan."},
		{Key: "workspace", Kind: String, Status: NoEffect, Note: "DataOS workspaces do not exist here"},
		{Key: "layer", Kind: String, Status: NoEffect, Note: "DataOS layers do not exist here"},
		{Key: "owner", Kind: String, Status: NoEffect, Note: "DataOS owners do not exist here"},
		{Key: "workflow", Kind: Object, Object: WorkflowBody, Required: true, Doc: "The jobs: workflow.dag."},
	},
}

// WorkflowBody is the workflow: section.
var WorkflowBody = &ObjectSpec{
	Path: "workflow", What: "the workflow section", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "title", Kind: String, Doc: "A title (used when the resource has none)."},
		{Key: "description", Kind: String, Doc: "A description (used when the resource has none)."},
		{Key: "schedule", Kind: Object, Object: Schedule, Doc: "When the workflow would run; shown by flare plan."},
		{Key: "dag", Kind: Objects, Object: DagEntry, Required: true, Doc: "The jobs, each a dag entry."},
	},
}

// Schedule is workflow.schedule.
var Schedule = &ObjectSpec{
	Path: "workflow.schedule", What: "the schedule", Page: "docs/manifest.md",
	Doc: "Flare-Go runs a workflow when asked (flare run); the schedule is shown by flare plan so that an external scheduler (cron) can use it.",
	Fields: []*Field{
		{Key: "cron", Kind: String, Doc: "A cron expression, shown by flare plan."},
		{Key: "concurrencyPolicy", Kind: String, Status: NoEffect, Note: "runs are started by whoever calls flare run"},
		{Key: "endOn", Kind: String, Status: NoEffect, Note: "runs are started by whoever calls flare run"},
		{Key: "startOn", Kind: String, Status: NoEffect, Note: "runs are started by whoever calls flare run"},
		{Key: "timezone", Kind: String, Status: NoEffect, Note: "runs are started by whoever calls flare run"},
	},
}

// DagEntry is one workflow.dag[] entry: a job.
var DagEntry = &ObjectSpec{
	Path: "workflow.dag[]", What: "a dag entry", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "name", Kind: String, Doc: "The job's name; dependencies name it."},
		{Key: "title", Kind: String, Doc: "A title, shown by flare plan."},
		{Key: "description", Kind: String, Doc: "A description, shown by flare plan."},
		{Key: "spec", Kind: Object, Object: JobSpec, Doc: "The stack and its section."},
		{Key: "dependencies", Kind: List, Single: true, Doc: "Jobs that must succeed first (a list, or one name)."},
	},
}

// JobSpec is workflow.dag[].spec.
var JobSpec = &ObjectSpec{
	Path: "workflow.dag[].spec", What: "the job spec", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "stack", Kind: String, Doc: "flare:N.M (or flare) for a Flare job, toolbox for a toolbox job."},
		{Key: "compute", Kind: String, Status: NoEffect, Note: "Flare-Go runs on this machine"},
		{Key: "tags", Kind: List, Doc: "Free-form tags, shown by flare plan."},
		{Key: "title", Kind: String, Doc: "A title, shown by flare plan."},
		{Key: "description", Kind: String, Doc: "A description, shown by flare plan."},
		{Key: "envs", Kind: Map, Status: NoEffect, Note: "DataOS service settings; Flare-Go reads ${name} from --var and the environment"},
		{Key: "tempVolume", Kind: String, Status: NoEffect, Note: "the engine spills to its temp directory (sparkConf spark.local.dir, docs/tuning.md)"},
		{Key: "persistentVolume", Kind: Any, Status: Refused, Note: noteProfile},
		// The stack section's keys depend on the stack: decoded by the
		// manifest package once the stack is known.
		{Key: "stackSpec", Kind: Any, Object: StackSection, Doc: "The Flare job (also spelled flare); a toolbox job's section for stack toolbox."},
		{Key: "flare", Kind: Any, Object: StackSection, Doc: "The Flare job, Flare 1.0-4.0 spelling of stackSpec."},
		{Key: "toolbox", Kind: Any, Object: Toolbox, Doc: "A toolbox job's section (older spelling of stackSpec)."},
		{Key: "sparkConf", Kind: Conf, Doc: "Spark settings (see the sparkConf table)."},
	},
}

// StackSection is spec.stackSpec (or spec.flare).
var StackSection = &ObjectSpec{
	Path: "stackSpec", What: "the stack section", Page: "docs/manifest.md",
	Misplaced: map[string]string{
		"inputs":  "inputs belong under job: (stackSpec.job.inputs)",
		"steps":   "steps belong under job: (stackSpec.job.steps)",
		"outputs": "outputs belong under job: (stackSpec.job.outputs)",
	},
	Fields: []*Field{
		{Key: "driver", Kind: Object, Object: Resources, Doc: "Spark driver sizes: the engine's threads and memory limit when no executor sizes are given (docs/tuning.md)."},
		{Key: "executor", Kind: Object, Object: Resources, Doc: "Spark executor sizes: the engine's threads (cores × instances) and memory limit (memory × instances) (docs/tuning.md)."},
		{Key: "sparkConf", Kind: Conf, Doc: "Spark settings (see the sparkConf table)."},
		{Key: "job", Kind: Object, Object: Job, Doc: "The job: inputs, steps, outputs, actions."},
		{Key: "actions", Kind: Objects, Object: Action, Doc: "Maintenance actions (also accepted under job)."},
		{Key: "configs", Kind: Map, Status: NoEffect, Note: "DataOS stack configs"},
	},
}

// Resources are the Spark driver or executor sizes.
var Resources = &ObjectSpec{
	Path: "stackSpec.driver|executor", What: "driver or executor sizes", Page: "docs/tuning.md",
	Doc: "Spark sizes become the job's engine settings: threads and memory limit, capped at what this machine has; --threads and --memory-limit win (docs/tuning.md).",
	Fields: []*Field{
		{Key: "coreLimit", Kind: String, Check: checkCPU, Doc: "CPU limit (2400m = 2.4 CPUs): caps cores."},
		{Key: "cores", Kind: Int, Min: 1, MinSet: true, Doc: "Cores: engine threads (× instances for executors)."},
		{Key: "memory", Kind: String, Check: checkMemory, Doc: "Memory (4096m, 4g, 4Gi; no unit = MiB): engine memory limit (× instances for executors)."},
		{Key: "instances", Kind: Int, Min: 1, MinSet: true, Default: "1", Doc: "Executor instances: multiplies cores and memory (executors only)."},
	},
}

// Toolbox is a toolbox job's section.
var Toolbox = &ObjectSpec{
	Path: "toolbox", What: "the toolbox section", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "dataset", Kind: String, Required: true, Doc: "The dataset whose metastore version to set."},
		{Key: "action", Kind: Object, Object: ToolboxAction, Required: true, Doc: "What to do: {name: set_version, value: latest}."},
	},
}

// ToolboxAction is toolbox.action.
var ToolboxAction = &ObjectSpec{
	Path: "toolbox.action", What: "the toolbox action", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "name", Kind: Enum, Values: []string{"set_version"}, Required: true, Doc: "set_version: the lakehouse catalog always points at the latest metadata, so it has nothing to do."},
		{Key: "value", Kind: String, Doc: "The version, e.g. latest."},
	},
}

// LogLevels are the accepted job.logLevel values.
var LogLevels = []string{"ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"}

// Job is stackSpec.job.
var Job = &ObjectSpec{
	Path: "job", What: "the job", Page: "docs/manifest.md",
	Misplaced: map[string]string{
		"partitionSpec": "partitionSpec belongs to an output: outputs[].options.iceberg.partitionSpec",
		"name":          "the job's name is the dag entry's name, not job.name",
	},
	Fields: []*Field{
		{Key: "explain", Kind: Bool, Default: "false", Doc: "Print the job's plan and each step's EXPLAIN ANALYZE with its time (the step runs once more; docs/tuning.md)."},
		{Key: "logLevel", Kind: Enum, Values: LogLevels, Doc: "Log level; unset shows progress lines and warnings only."},
		{Key: "showPreviewLines", Kind: Int, Min: 0, MinSet: true, Default: "0", Doc: "Print this many rows of every step."},
		{Key: "variables", Kind: Object, Object: JobVariables, Status: NoEffect, Note: "Flare-Go adds no system columns (Flare's __metadata columns) to what it reads, so there are none to drop or keep"},
		{Key: "streaming", Kind: Object, Object: Streaming, Doc: "Run the job as a stream of micro-batches (docs/stream.md); a job with an isStream input is a stream job even without it."},
		{Key: "inputs", Kind: Objects, Object: Input, Doc: "Datasets to read; each becomes a view."},
		{Key: "steps", Kind: Objects, Object: StepsEntry, Doc: "SQL steps: a list of {sequence: [step, ...]}."},
		{Key: "outputs", Kind: Objects, Object: Output, Doc: "Views to write to datasets."},
		{Key: "actions", Kind: Objects, Object: Action, Doc: "Maintenance actions on Iceberg inputs."},
		{Key: "assertions", Kind: Objects, Object: Assertion, Doc: "Data-quality assertions over the job's input, checked before its outputs are written (docs/quality.md)."},
		{Key: "qualityResults", Kind: Object, Object: QualityResults, Doc: "The lakehouse tables the assertions' results are appended to (docs/quality.md)."},
		{Key: "profile", Kind: Any, Status: Refused, Note: noteProfile},
		{Key: "sparkConf", Kind: Conf, Doc: "Spark settings (see the sparkConf table)."},
		{Key: "rewriteDataset", Kind: Object, Object: RewriteDatasetMode, Doc: "{mode: full} compacts the job's only input, rewriting every file."},
	},
}

// JobVariables is job.variables. Flare's one documented variable says
// whether outputs keep the system columns Flare adds to what it reads;
// Flare-Go adds none.
var JobVariables = &ObjectSpec{
	Path: "job.variables", What: "job variables", Page: "docs/inputs-outputs.md",
	Fields: []*Field{
		{Key: "keepSystemColumns", Kind: Bool, Default: "false", Doc: "false (Flare's default) drops system columns from outputs; Flare-Go adds none, so there is nothing to drop.",
			Check: func(v *Value) error {
				if v.Bool {
					return errors.New("true asks for system columns (__metadata...) in the outputs, and Flare-Go adds none: remove it, or set it to \"false\"")
				}
				return nil
			}},
	},
}

// RewriteDatasetMode is job.rewriteDataset.
var RewriteDatasetMode = &ObjectSpec{
	Path: "job.rewriteDataset", What: "rewriteDataset", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "mode", Kind: Enum, Values: []string{"full"}, Required: true, Doc: "full: rewrite_dataset with rewrite-all."},
	},
}

// Streaming is job.streaming (docs/stream.md).
var Streaming = &ObjectSpec{
	Path: "job.streaming", What: "job.streaming", Page: "docs/stream.md",
	Fields: []*Field{
		{Key: "triggerMode", Kind: Enum, Values: []string{"ProcessingTime", "Once", "AvailableNow", "Continuous"}, Aliases: []string{}, Default: "ProcessingTime",
			Doc: "When micro-batches run: Once (one batch of all available records, then stop), AvailableNow (batches of up to maxOffsetsPerTrigger until the records available at the start are done, then stop), ProcessingTime (a batch every triggerDuration while records arrive, until stopped), Continuous (run as ProcessingTime with triggerDuration; Flare-Go has no continuous engine)."},
		{Key: "triggerDuration", Kind: String, Check: checkTriggerDuration, Default: "0 seconds",
			Doc: "Interval of ProcessingTime and Continuous, e.g. \"10 seconds\", \"500 milliseconds\", \"1 minute\" or 10s; 0 starts a batch as soon as the previous one ends."},
		{Key: "outputMode", Kind: Enum, Values: []string{"append", "complete", "update"}, Default: "append", Check: checkOutputMode,
			Doc: "append: each batch's rows are written by the outputs (append or merge); complete and update are not supported yet."},
		{Key: "checkpointLocation", Kind: String, Doc: "A folder (dataos:// lakehouse address or path) for the readable batch log (batches.jsonl); the offsets themselves are committed with the rows in each output table."},
		{Key: "forEachBatchMode", Kind: Bool, Status: NoEffect, Note: "every micro-batch is written by the batch writers, as forEachBatchMode does"},
		{Key: "batchMode", Kind: Bool, Status: NoEffect, Note: "Once and AvailableNow already stop when the available records are written"},
		{Key: "extraOptions", Kind: Map, Status: Refused, Note: "stream writer options are Spark's; Flare-Go's outputs take their batch writer options"},
		{Key: "showPreviewLines", Kind: Int, Min: 0, MinSet: true, Doc: "Print this many rows of every step of every batch (as job.showPreviewLines)."},
		{Key: "compactEvery", Kind: Int, Min: 1, MinSet: true, Doc: "Flare-Go: every this many batches, compact each Iceberg output's small files (rewrite_dataset, bin-pack; docs/stream.md)."},
		{Key: "expireSnapshotsEvery", Kind: Int, Min: 1, MinSet: true, Doc: "Flare-Go: every this many batches, expire each Iceberg output's snapshots but the last retainSnapshots, so that commits stay cheap (docs/stream.md)."},
		{Key: "retainSnapshots", Kind: Int, Min: 1, MinSet: true, Default: "100", Doc: "The snapshots expireSnapshotsEvery keeps."},
	},
}

// KafkaWrite is job.outputs[].options.extraOptions of an output to a
// Kafka topic (format kafkajson; docs/stream.md).
var KafkaWrite = &ObjectSpec{
	Path: "job.outputs[].options.extraOptions[kafka]", What: "kafka writer options", Page: "docs/stream.md", FoldCase: true,
	Fields: []*Field{
		{Key: "keyColumn", Kind: String, Doc: "A column whose text becomes each record's key (records with one key go to one partition); default: no key."},
		{Key: "kafka.bootstrap.servers", Kind: String, Status: Refused, Note: "the brokers are the kafka depot's (flare.yaml)"},
		{Key: "topic", Kind: String, Status: Refused, Note: "the topic is the dataset's (dataos://depot:none/topic)"},
	},
}

// KafkaRead is job.inputs[].options of a Kafka stream input (Spark's Kafka
// source options that matter on one machine; docs/stream.md).
var KafkaRead = &ObjectSpec{
	Path: "job.inputs[].options[kafka]", What: "kafka reader options", Page: "docs/stream.md", FoldCase: true,
	Fields: []*Field{
		{Key: "startingOffsets", Kind: String, Default: "latest", Doc: "Where a stream starts when no output holds its offsets yet: earliest, latest, or Spark's JSON ({\"topic\":{\"0\":23}}; -2 earliest, -1 latest)."},
		{Key: "maxOffsetsPerTrigger", Kind: Int, Min: 1, MinSet: true, Doc: "At most this many records per batch, spread over partitions by their backlog (not with triggerMode Once, which reads everything available)."},
		{Key: "minOffsetsPerTrigger", Kind: Int, Min: 1, MinSet: true, Doc: "ProcessingTime: wait for at least this many new records before a batch, or for maxTriggerDelay."},
		{Key: "maxTriggerDelay", Kind: String, Check: checkTriggerDuration, Default: "15m", Doc: "With minOffsetsPerTrigger: the longest wait before a batch runs with fewer records (\"15m\", \"30 seconds\")."},
		{Key: "failOnDataLoss", Kind: Bool, Default: "true", Doc: "true fails the stream when records it was to read are gone (retention, a deleted topic); false skips them with a warning."},
		{Key: "subscribePattern", Kind: String, Doc: "Read every topic whose whole name matches this regular expression (Go RE2) instead of the dataset's topic."},
		{Key: "includeHeaders", Kind: Bool, Default: "false", Doc: "raw format: add Spark's headers column (a list of {key, value})."},
		{Key: "deadLetter", Kind: String, Doc: "kafkajson: a lakehouse table (dataos:// address) that receives the records that are not JSON objects or do not fit the columns, with Spark's Kafka columns and an error column, committed with the batch; default: such a record fails the batch."},
		{Key: "subscribe", Kind: String, Status: Refused, Note: "the topic is the dataset's (dataos://depot:none/topic); use subscribePattern for several"},
		{Key: "assign", Kind: String, Status: Refused, Note: "read whole topics (the dataset, or subscribePattern)"},
		{Key: "endingOffsets", Kind: String, Status: Refused, Note: "a stream reads until stopped; triggerMode Once or AvailableNow stops at the records available"},
		{Key: "kafka.bootstrap.servers", Kind: String, Status: Refused, Note: "the brokers are the kafka depot's (flare.yaml)"},
	},
}

// Input is one job.inputs[] entry.
var Input = &ObjectSpec{
	Path: "job.inputs[]", What: "an input", Page: "docs/inputs-outputs.md",
	Misplaced: map[string]string{
		"branch": "branch is a reader option: put it under options (options.branch)",
	},
	Fields: []*Field{
		{Key: "name", Kind: String, Doc: "The view name that steps read."},
		{Key: "dataset", Kind: String, Doc: "dataos://depot:collection/dataset address to read."},
		{Key: "query", Kind: String, Doc: "A SQL query whose result is the input (instead of dataset)."},
		{Key: "format", Kind: String, Doc: "csv, json, parquet, iceberg or jdbc; default: the file extension, iceberg in a lakehouse, jdbc in a database depot."},
		{Key: "isStream", Kind: Bool, Default: "false", Doc: "true reads the dataset as a stream of micro-batches (a Kafka topic: docs/stream.md); the job becomes a stream job."},
		{Key: "schemaType", Kind: Enum, Values: SchemaTypes, What: "schema type", Doc: "The form of schemaPath or schemaString: avro (an Avro record), spark or sparkJson (Spark's StructType JSON), sparkDDL (id INT, name STRING); default: found from the text."},
		{Key: "schemaPath", Kind: String, Doc: "A schema file naming and typing the input's columns: a dataos:// address, or a path inside the input's depot."},
		{Key: "schemaString", Kind: String, Doc: "A schema naming and typing the input's columns (as schemaType says, or found from the text)."},
		{Key: "schema", Kind: String, Doc: "A Spark StructType JSON (or DDL) schema naming and typing the input's columns."},
		{Key: "schemaSubject", Kind: String, Status: Refused, Note: noteRegistry},
		{Key: "schemaId", Kind: String, Status: Refused, Note: noteRegistry},
		{Key: "options", Kind: Map, Doc: "Reader options of the format (see the reader option tables)."},
		{Key: "incremental", Kind: Object, Object: Incremental, Doc: "Read only what is new since the job's last run: Flare's keys and state, or a mode (docs/incremental.md)."},
		{Key: "cache", Kind: Bool, Default: "false", Doc: "Read the input once into memory (spilling to disk) for the steps that follow."},
	},
}

// SchemaTypes are the accepted schemaType values (docs/inputs-outputs.md#schemas).
var SchemaTypes = []string{"avro", "spark", "sparkJson", "sparkDDL"}

// Incremental is job.inputs[].incremental (docs/incremental.md).
var Incremental = &ObjectSpec{
	Path: "job.inputs[].incremental", What: "incremental", Page: "docs/incremental.md",
	Fields: []*Field{
		{Key: "context", Kind: String, Doc: "The view that holds the whole dataset (required without mode)."},
		{Key: "sql", Kind: String, Doc: "The query over context whose result is the input; $|key| is replaced by the key's value (required without mode)."},
		{Key: "keys", Kind: Objects, Object: IncrementalKey, Doc: "Keys whose SQL gives one value, used as $|name|; a saved key's value replaces its SQL."},
		{Key: "state", Kind: Objects, Object: IncrementalState, Doc: "After a run, save key value's value under key (committed with the job's Iceberg outputs)."},
		{Key: "mode", Kind: Enum, Values: []string{"snapshots", "files"}, Doc: "Without keys: snapshots reads the rows an Iceberg input's appends added since the last run; files reads the files of a file input not read before."},
	},
}

// IncrementalKey is incremental.keys[].
var IncrementalKey = &ObjectSpec{
	Path: "job.inputs[].incremental.keys[]", What: "an incremental key", Page: "docs/incremental.md",
	Fields: []*Field{
		{Key: "name", Kind: String, Required: true, Doc: "The key's name."},
		{Key: "sql", Kind: String, Required: true, Doc: "SQL giving one value."},
	},
}

// IncrementalState is incremental.state[].
var IncrementalState = &ObjectSpec{
	Path: "job.inputs[].incremental.state[]", What: "an incremental state entry", Page: "docs/incremental.md",
	Fields: []*Field{
		{Key: "key", Kind: String, Required: true, Doc: "The key to save."},
		{Key: "value", Kind: String, Required: true, Doc: "The key whose value is saved."},
	},
}

// StepsEntry is one job.steps[] entry.
var StepsEntry = &ObjectSpec{
	Path: "job.steps[]", What: "a steps entry", Page: "docs/manifest.md",
	Misplaced: map[string]string{
		"name":    stepNotInSequence,
		"sql":     stepNotInSequence,
		"sqlFile": stepNotInSequence,
	},
	Fields: []*Field{
		{Key: "sequence", Kind: Objects, Object: Step, Doc: "Steps, run in order."},
		{Key: "sink", Kind: Objects, Object: Sink, Doc: "Legacy (Flare 1.0-5.0) writes; the modern form is outputs[]."},
	},
}

const stepNotInSequence = "a steps entry is {sequence: [step, ...]}: put this step under sequence:"

// StorageLevels are Spark's storage levels for persist commands.
var StorageLevels = []string{"NONE", "DISK_ONLY", "DISK_ONLY_2", "DISK_ONLY_3", "MEMORY_ONLY", "MEMORY_ONLY_2",
	"MEMORY_ONLY_SER", "MEMORY_ONLY_SER_2", "MEMORY_AND_DISK", "MEMORY_AND_DISK_2", "MEMORY_AND_DISK_SER",
	"MEMORY_AND_DISK_SER_2", "OFF_HEAP"}

// Step is one step of a sequence.
var Step = &ObjectSpec{
	Path: "job.steps[].sequence[]", What: "a step", Page: "docs/manifest.md",
	Misplaced: map[string]string{
		"sequence": "steps are not nested: a sequence holds steps, and a step has no sequence",
	},
	Fields: []*Field{
		{Key: "name", Kind: String, Doc: "The view this step produces."},
		{Key: "doc", Kind: String, Doc: "Free text, shown by flare plan."},
		{Key: "sql", Kind: String, Doc: "Spark SQL whose result is the step's view."},
		{Key: "sqlFile", Kind: String, Doc: "A file holding the SQL, relative to the manifest's folder."},
		{Key: "functions", Kind: Objects, Object: FunctionCall, Doc: "Flare functions applied in order to the rows of the step's sql (docs/functions.md)."},
		{Key: "commands", Kind: Objects, Object: Command, Doc: "persist / unpersist a view."},
		{Key: "classpath", Kind: String, Status: Refused, Note: noteJVM},
		{Key: "cache", Kind: Bool, Default: "false", Doc: "Compute the step once and keep its rows for later readers."},
	},
}

// FunctionCall is one step function: its name here, its options as
// each function declares them (internal/functions; plan.FunctionSpec
// checks them, docs/functions.md lists them).
var FunctionCall = &ObjectSpec{
	Path: "job.steps[].sequence[].functions[]", What: "a function", Page: "docs/functions.md",
	Doc:    "A step function: name and the function's options (docs/functions.md lists every function's options).",
	Extra:  &Field{Kind: Any},
	Fields: []*Field{{Key: "name", Kind: String, Required: true, Doc: "The function's name: add_column, drop, rename, split_url, pivot, ..."}},
}

// Command is a step command.
var Command = &ObjectSpec{
	Path: "job.steps[].sequence[].commands[]", What: "a command", Page: "docs/caching.md",
	Fields: []*Field{
		{Key: "name", Kind: Enum, Values: []string{"persist", "unpersist"}, Required: true, What: "command", Doc: "persist keeps a view's rows; unpersist drops them."},
		{Key: "sequenceName", Kind: String, Required: true, Doc: "The view to persist or unpersist."},
		{Key: "mode", Kind: Enum, Values: StorageLevels, What: "storage level", Doc: "Spark storage level: memory levels keep rows in memory (spilling), DISK_ONLY in a spilled table."},
	},
}

// Sink is the legacy steps[].sink[] entry.
var Sink = &ObjectSpec{
	Path: "job.steps[].sink[]", What: "a sink", Page: "docs/manifest.md",
	Fields: []*Field{
		{Key: "sequenceName", Kind: String, Required: true, Doc: "The view to write."},
		{Key: "datasetName", Kind: String, Required: true, Doc: "The dataset under the output's depot."},
		{Key: "outputName", Kind: String, Required: true, Doc: "The outputs[] entry (with depot) to write to."},
		{Key: "outputType", Kind: String, Doc: "The format (Iceberg, Parquet, ...)."},
		{Key: "description", Kind: String, Doc: "Dataset description."},
		{Key: "outputOptions", Kind: Object, Object: OutputOptions, Doc: "As outputs[].options."},
		{Key: "tags", Kind: List, Single: true, Doc: "Dataset tags."},
		{Key: "title", Kind: String, Doc: "Dataset title."},
	},
}

// Output is one job.outputs[] entry.
var Output = &ObjectSpec{
	Path: "job.outputs[]", What: "an output", Page: "docs/inputs-outputs.md",
	Misplaced: map[string]string{
		"partitionSpec": "partitionSpec here has no effect: put it under options.iceberg.partitionSpec",
		"saveMode":      "saveMode belongs under options (options.saveMode)",
		"iceberg":       "iceberg belongs under options (options.iceberg)",
		"merge":         "merge belongs under options.iceberg (options.iceberg.merge)",
		"branch":        "branch belongs under options.extraOptions (options.extraOptions.branch)",
	},
	Fields: []*Field{
		{Key: "name", Kind: String, Doc: "The input or step view to write."},
		{Key: "dataset", Kind: String, Doc: "dataos://depot:collection/dataset address to write."},
		{Key: "depot", Kind: String, Doc: "Legacy: the depot address that steps[].sink[] entries write under."},
		{Key: "format", Kind: String, Doc: "iceberg (lakehouse depots), csv, json, parquet (file depots) or jdbc (database depots); default by depot or extension."},
		{Key: "outputType", Kind: String, Doc: "Alias of format."},
		{Key: "type", Kind: String, Doc: "Alias of format."},
		{Key: "driver", Kind: String, Status: NoEffect, Note: noteJDBC},
		{Key: "title", Kind: String, Doc: "Dataset title, kept with the table."},
		{Key: "description", Kind: String, Doc: "Dataset description, kept with the table."},
		{Key: "tags", Kind: List, Single: true, Doc: "Dataset tags, kept with the table."},
		{Key: "options", Kind: Object, Object: OutputOptions, Doc: "How to write."},
		{Key: "columnTags", Kind: Objects, Object: ColumnTag, Doc: "Tags on columns, kept with the table."},
		{Key: "assertions", Kind: Objects, Object: OutputAssertion, Doc: "Data-quality assertions over the output's rows, checked before anything is written (docs/quality.md)."},
	},
}

// SaveModes are the accepted saveMode values.
var SaveModes = []string{"overwrite", "append", "errorifexists", "ignore"}

// OutputSaveModes are options.saveMode's values: SaveModes, and upsert for
// outputs to database depots (docs/connectors.md).
var OutputSaveModes = append(append([]string{}, SaveModes...), "upsert")

// OutputOptions is job.outputs[].options.
var OutputOptions = &ObjectSpec{
	Path: "job.outputs[].options", What: "output options", Page: "docs/inputs-outputs.md",
	Fields: []*Field{
		{Key: "saveMode", Kind: Enum, Values: OutputSaveModes, Default: "overwrite", Doc: "overwrite replaces the whole table (or only the partitions written, with overwrite-mode: dynamic); append adds rows; upsert (database outputs) inserts or updates rows by extraOptions.upsertKeys."},
		{Key: "extraOptions", Kind: Map, Doc: "Writer options (see the writer option tables): branch, overwrite-mode, ..."},
		{Key: "compressionType", Kind: String, Doc: "File outputs: the codec (gzip, snappy, zstd, none). Iceberg tables use the table property write.parquet.compression-codec."},
		{Key: "sort", Kind: Object, Object: Sort, Doc: "Sort rows before writing."},
		{Key: "iceberg", Kind: Object, Object: IcebergOptions, Doc: "Iceberg table options: properties, partitionSpec, merge."},
		{Key: "merge", Kind: Object, Object: Merge, Doc: "Alias of iceberg.merge."},
		{Key: "properties", Kind: Map, Doc: "Alias of iceberg.properties."},
		{Key: "partitionSpec", Kind: Objects, Object: PartitionField, Doc: "Alias of iceberg.partitionSpec."},
		{Key: "file", Kind: Object, Object: FileOptions, Doc: "Syndication to files: saveMode, outputType."},
		{Key: "branch", Kind: String, Doc: "Alias of extraOptions.branch."},
		{Key: "partitionBy", Kind: List, Single: true, Doc: "Partition columns: identity partition fields of an Iceberg table, Hive folders (col=value) of a file output."},
		{Key: "checkpointLocation", Kind: String, Doc: "Stream jobs: the checkpoint folder, as job.streaming.checkpointLocation (docs/stream.md)."},
		{Key: "tags", Kind: List, Single: true, Doc: "Alias of the output's tags."},
		{Key: "title", Kind: String, Doc: "Alias of the output's title."},
		{Key: "description", Kind: String, Doc: "Alias of the output's description."},
	},
}

// IcebergOptions is job.outputs[].options.iceberg.
var IcebergOptions = &ObjectSpec{
	Path: "job.outputs[].options.iceberg", What: "iceberg options", Page: "docs/lakehouse.md",
	Misplaced: map[string]string{
		"saveMode": "saveMode belongs under options (options.saveMode), not options.iceberg",
	},
	Fields: []*Field{
		{Key: "properties", Kind: Map, Doc: "Table properties (see the table properties table); overwrite-mode: dynamic is a write option, not stored."},
		{Key: "partitionSpec", Kind: Objects, Object: PartitionField, Doc: "Partition fields, in order."},
		{Key: "merge", Kind: Object, Object: Merge, Doc: "MERGE INTO the table instead of writing it."},
		{Key: "tags", Kind: List, Single: true, Doc: "Alias of the output's tags."},
		{Key: "title", Kind: String, Doc: "Alias of the output's title."},
		{Key: "description", Kind: String, Doc: "Alias of the output's description."},
	},
}

// FileOptions is job.outputs[].options.file (syndication).
var FileOptions = &ObjectSpec{
	Path: "job.outputs[].options.file", What: "file options", Page: "docs/inputs-outputs.md",
	Misplaced: map[string]string{
		"partitionSpec": "partitionSpec under options.file has no effect: put it under options.file.iceberg.partitionSpec or options.iceberg.partitionSpec",
	},
	Fields: []*Field{
		{Key: "saveMode", Kind: Enum, Values: SaveModes, Doc: "As options.saveMode, for the files."},
		{Key: "outputType", Kind: Enum, Values: []string{"csv", "parquet", "json"}, Doc: "The file format."},
		{Key: "iceberg", Kind: Object, Object: IcebergOptions, Doc: "Alias of options.iceberg."},
	},
}

// PartitionTypes are the partition transforms.
var PartitionTypes = []string{"identity", "year", "month", "day", "hour", "bucket", "truncate"}

// PartitionField is one partitionSpec entry.
var PartitionField = &ObjectSpec{
	Path: "job.outputs[].options.iceberg.partitionSpec[]", What: "a partitionSpec field", Page: "docs/partitioning.md",
	Fields: []*Field{
		{Key: "type", Kind: Enum, Values: PartitionTypes, Required: true, What: "partition type", Doc: "The transform."},
		{Key: "column", Kind: String, Doc: "The source column."},
		{Key: "name", Kind: String, Doc: "The partition field's name (default: Iceberg's, e.g. ts_day)."},
		{Key: "asColumn", Kind: String, Doc: "Alias of name."},
		{Key: "numBuckets", Kind: Int, Doc: "Number of buckets (bucket only)."},
		{Key: "width", Kind: Int, Doc: "Truncation width (truncate only)."},
	},
}

// Sort is job.outputs[].options.sort.
var Sort = &ObjectSpec{
	Path: "job.outputs[].options.sort", What: "sort", Page: "docs/inputs-outputs.md",
	Fields: []*Field{
		{Key: "mode", Kind: Enum, Values: []string{"partition", "global"}, Default: "partition", Doc: "partition or global: the one writer sorts all rows before writing, so every file's rows are in order either way."},
		{Key: "columns", Kind: Objects, Object: SortColumn, Required: true, Doc: "Sort keys, in order."},
	},
}

// SortColumn is one sort key.
var SortColumn = &ObjectSpec{
	Path: "job.outputs[].options.sort.columns[]", What: "a sort column", Page: "docs/inputs-outputs.md",
	Fields: []*Field{
		{Key: "name", Kind: String, Required: true, Doc: "The column."},
		{Key: "order", Kind: Enum, Values: []string{"asc", "desc"}, Default: "asc", Doc: "Direction."},
	},
}

// Merge is options.iceberg.merge.
var Merge = &ObjectSpec{
	Path: "job.outputs[].options.iceberg.merge", What: "merge", Page: "docs/merge.md",
	Fields: []*Field{
		{Key: "onClause", Kind: String, Required: true, Doc: "Join condition over old (the table) and new (the output view)."},
		{Key: "whenClause", Kind: String, Required: true, Doc: "WHEN clauses: MATCHED THEN UPDATE SET ... / NOT MATCHED THEN INSERT *."},
	},
}

// ColumnTag is one job.outputs[].columnTags entry.
var ColumnTag = &ObjectSpec{
	Path: "job.outputs[].columnTags[]", What: "a columnTags entry", Page: "docs/column-tags.md",
	Fields: []*Field{
		{Key: "columnName", Kind: String, Doc: "One column."},
		{Key: "columnNames", Kind: List, Doc: "Several columns."},
		{Key: "columnRegex", Kind: String, Doc: "Columns whose names match, anchored at the start."},
		{Key: "tags", Kind: List, Single: true, Required: true, Doc: "The tags."},
	},
}

// Action is one job.actions[] entry.
var Action = &ObjectSpec{
	Path: "job.actions[]", What: "an action", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "name", Kind: String, Required: true, Doc: "The action (see the action tables)."},
		{Key: "input", Kind: String, Doc: "The job input (an Iceberg table) it acts on; may be left out when the job has one input."},
		{Key: "options", Kind: Any, Doc: "The action's options (see its table)."},
		{Key: "deleteWhere", Kind: String, Doc: "delete_from_dataset: the condition over the table, aliased target."},
		{Key: "dryRun", Kind: Bool, Default: "false", Doc: "Say what would change; change nothing."},
	},
}

// checkTriggerDuration checks a Spark interval ("10 seconds", "1 minute",
// "500 milliseconds") or a Go duration ("10s", "1m30s").
func checkTriggerDuration(v *Value) error {
	_, err := ParseInterval(v.Str)
	return err
}

// checkOutputMode refuses the output modes stream jobs do not run.
func checkOutputMode(v *Value) error {
	if v.Str != "append" {
		return errors.New("not supported yet: outputMode " + v.Str + " (a stream job writes each batch's rows: append, or merge them with options.iceberg.merge)")
	}
	return nil
}
