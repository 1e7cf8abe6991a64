package spec

// The options of lakehouse (Iceberg) inputs and outputs. The options of
// file formats are declared once, as the fields of the connector's option
// structs (internal/connector/options.go); internal/plan turns them into
// specs (plan.ReaderSpec, plan.WriterSpec) and docs/connectors.md lists them.

// IcebergRead is the read options of a lakehouse (Iceberg) input.
var IcebergRead = &ObjectSpec{
	Path: "job.inputs[].options[iceberg]", What: "iceberg reader options", Page: "docs/branches.md", FoldCase: true,
	Fields: []*Field{
		{Key: "branch", Kind: String, Default: "main", Doc: "Read this branch."},
		{Key: "tag", Kind: String, Doc: "Read the snapshot this tag names."},
		{Key: "snapshot-id", Aliases: []string{"snapshotId"}, Kind: Int, Doc: "Read this snapshot (time travel)."},
		{Key: "as-of-timestamp", Aliases: []string{"asOfTimestamp"}, Kind: Int, Doc: "Read the snapshot current at this time, epoch milliseconds."},
		{Key: "start-snapshot-id", Kind: Int, Doc: "Read only the rows appended after this snapshot (exclusive); a delete or overwrite in the range is an error (docs/incremental.md)."},
		{Key: "end-snapshot-id", Kind: Int, Doc: "With start-snapshot-id: read the rows appended up to this snapshot (inclusive); default the branch head."},
		{Key: "start-timestamp", Kind: Int, Doc: "Read only the rows appended after the snapshot current at this time, epoch milliseconds."},
		{Key: "end-timestamp", Kind: Int, Doc: "Read the rows appended up to the snapshot current at this time, epoch milliseconds; default the branch head."},
		{Key: "split-size", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "lookback", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "file-open-cost", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "vectorization-enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB always reads vectorised"},
		{Key: "batch-size", Kind: Int, Status: NoEffect, Note: "DuckDB picks its own vector size"},
		{Key: "saveMode", Kind: String, Status: NoEffect, Note: "saveMode is a write option (outputs[].options.saveMode); a read ignores it, as Spark's reader does (merge_into_functionality.md gives it on an input)"},
	},
}

// IcebergWrite is the extraOptions of an Iceberg output.
var IcebergWrite = &ObjectSpec{
	Path: "job.outputs[].options.extraOptions[iceberg]", What: "iceberg writer options", Page: "docs/lakehouse.md", FoldCase: true,
	Misplaced: map[string]string{
		"partitionSpec": "partitionSpec in extraOptions has no effect: put it under options.iceberg.partitionSpec",
	},
	Fields: []*Field{
		{Key: "branch", Kind: String, Default: "main", Doc: "Write to this branch (created from main when missing)."},
		{Key: "overwrite-mode", Kind: Enum, Values: []string{"static", "dynamic"}, Default: "static", Doc: "dynamic replaces only the partitions present in the result."},
		{Key: "fanout-enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB keeps the partition files open itself"},
		{Key: "checkpointLocation", Kind: String, Status: Refused, Note: noteStreaming},
		{Key: "triggerDuration", Kind: String, Status: Refused, Note: noteStreaming},
	},
}
