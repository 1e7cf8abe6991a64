package spec

// Reader options (job.inputs[].options) and writer options
// (job.outputs[].options.extraOptions) of each format. Spark matches these
// names without regard to case, and so do we (FoldCase).

// ReaderOptions are the input options of each format, by format.
var ReaderOptions = &Variants{
	What: "input format",
	Objects: map[string]*ObjectSpec{
		"csv":     CSVRead,
		"json":    JSONRead,
		"parquet": ParquetRead,
		"iceberg": IcebergRead,
	},
}

// WriterOptions are the extraOptions of each output format, by format.
var WriterOptions = &Variants{
	What: "output format",
	Objects: map[string]*ObjectSpec{
		"csv":     FileWrite("csv"),
		"json":    FileWrite("json"),
		"parquet": FileWrite("parquet"),
		"iceberg": IcebergWrite,
	},
}

const (
	noteNotRead      = "this reader option is not built yet; clean the data in a step"
	noteAlwaysUnion  = "files are always read by column name, missing columns as NULL"
	noteAlwaysFolder = "a folder is always read with its sub-folders"
	docDDLSchema     = "Column names and types as Spark DDL (\"id INT, name STRING\"); no inference."
	docCompression   = "Codec of the files: auto (by extension), gzip, zstd or none."
	docMode          = "FAILFAST (ours: the default) fails on a malformed row naming file and line; DROPMALFORMED and PERMISSIVE skip it."
)

var readModes = []string{"FAILFAST", "DROPMALFORMED", "PERMISSIVE"}

// CSVRead is the csv reader's options.
var CSVRead = &ObjectSpec{
	Path: "job.inputs[].options[csv]", What: "csv reader options", Page: "docs/inputs-outputs.md", FoldCase: true,
	Fields: []*Field{
		{Key: "header", Kind: Bool, Default: "false", Doc: "The first line holds the column names (else _c0, _c1, ...)."},
		{Key: "inferSchema", Kind: Bool, Default: "false", Doc: "Infer column types (else every column is a string)."},
		{Key: "sep", Aliases: []string{"delimiter"}, Kind: String, Default: ",", Doc: "Field separator (\\t for tab)."},
		{Key: "quote", Kind: String, Default: "\"", Doc: "Quote character."},
		{Key: "escape", Kind: String, Default: "the quote character", Doc: "Escape character inside quotes."},
		{Key: "comment", Kind: String, Doc: "Lines starting with this character are skipped."},
		{Key: "nullValue", Kind: String, Doc: "Text that stands for NULL (an empty unquoted field is NULL too)."},
		{Key: "dateFormat", Kind: String, Doc: "Java date pattern of date columns, e.g. dd/MM/yyyy."},
		{Key: "timestampFormat", Kind: String, Doc: "Java pattern of timestamp columns."},
		{Key: "mode", Kind: Enum, Values: readModes, Default: "FAILFAST", Doc: docMode},
		{Key: "compression", Aliases: []string{"codec"}, Kind: Enum, Values: []string{"auto", "gzip", "gz", "zstd", "none", "uncompressed"}, Default: "auto", Doc: docCompression},
		{Key: "schema", Kind: String, Doc: docDDLSchema},
		{Key: "encoding", Aliases: []string{"charset"}, Kind: Enum, Values: []string{"UTF-8", "UTF8"}, Default: "UTF-8", Doc: "Only UTF-8 is read."},
		{Key: "multiLine", Kind: Bool, Status: NoEffect, Note: "quoted values may always span lines"},
		{Key: "samplingRatio", Kind: Float, Status: NoEffect, Note: "DuckDB samples the files itself"},
		{Key: "enforceSchema", Kind: Bool, Status: NoEffect, Note: "a given schema is always applied by position"},
		{Key: "recursiveFileLookup", Kind: Bool, Status: NoEffect, Note: noteAlwaysFolder},
		{Key: "ignoreLeadingWhiteSpace", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "ignoreTrailingWhiteSpace", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "emptyValue", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "nanValue", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "positiveInf", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "negativeInf", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "columnNameOfCorruptRecord", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "lineSep", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "maxColumns", Kind: Int, Status: Refused, Note: noteNotRead},
		{Key: "maxCharsPerColumn", Kind: Int, Status: Refused, Note: noteNotRead},
		{Key: "unescapedQuoteHandling", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "locale", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "pathGlobFilter", Kind: String, Status: Refused, Note: "give a glob in the dataset address instead"},
	},
}

// JSONRead is the json reader's options.
var JSONRead = &ObjectSpec{
	Path: "job.inputs[].options[json]", What: "json reader options", Page: "docs/inputs-outputs.md", FoldCase: true,
	Fields: []*Field{
		{Key: "multiLine", Kind: Bool, Default: "false", Doc: "A file is one JSON document (an array of records or one record), not one record per line."},
		{Key: "mode", Kind: Enum, Values: readModes, Default: "FAILFAST", Doc: docMode},
		{Key: "compression", Aliases: []string{"codec"}, Kind: Enum, Values: []string{"auto", "gzip", "gz", "zstd", "none", "uncompressed"}, Default: "auto", Doc: docCompression},
		{Key: "dateFormat", Kind: String, Doc: "Java date pattern of date fields."},
		{Key: "timestampFormat", Kind: String, Doc: "Java pattern of timestamp fields."},
		{Key: "schema", Kind: String, Doc: docDDLSchema},
		{Key: "encoding", Aliases: []string{"charset"}, Kind: Enum, Values: []string{"UTF-8", "UTF8"}, Default: "UTF-8", Doc: "Only UTF-8 is read."},
		{Key: "samplingRatio", Kind: Float, Status: NoEffect, Note: "DuckDB samples the files itself"},
		{Key: "recursiveFileLookup", Kind: Bool, Status: NoEffect, Note: noteAlwaysFolder},
		{Key: "primitivesAsString", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "prefersDecimal", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "allowComments", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "allowUnquotedFieldNames", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "allowSingleQuotes", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "dropFieldIfAllNull", Kind: Bool, Status: Refused, Note: noteNotRead},
		{Key: "columnNameOfCorruptRecord", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "lineSep", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "pathGlobFilter", Kind: String, Status: Refused, Note: "give a glob in the dataset address instead"},
	},
}

// ParquetRead is the parquet reader's options.
var ParquetRead = &ObjectSpec{
	Path: "job.inputs[].options[parquet]", What: "parquet reader options", Page: "docs/inputs-outputs.md", FoldCase: true,
	Fields: []*Field{
		{Key: "schema", Kind: String, Doc: "Columns to read and their types as Spark DDL; they are cast."},
		{Key: "mergeSchema", Kind: Bool, Status: NoEffect, Note: noteAlwaysUnion},
		{Key: "recursiveFileLookup", Kind: Bool, Status: NoEffect, Note: noteAlwaysFolder},
		{Key: "datetimeRebaseMode", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "int96RebaseMode", Kind: String, Status: Refused, Note: noteNotRead},
		{Key: "pathGlobFilter", Kind: String, Status: Refused, Note: "give a glob in the dataset address instead"},
	},
}

// IcebergRead is the read options of a lakehouse (Iceberg) input.
var IcebergRead = &ObjectSpec{
	Path: "job.inputs[].options[iceberg]", What: "iceberg reader options", Page: "docs/branches.md", FoldCase: true,
	Fields: []*Field{
		{Key: "branch", Kind: String, Default: "main", Doc: "Read this branch."},
		{Key: "tag", Kind: String, Doc: "Read the snapshot this tag names."},
		{Key: "snapshot-id", Aliases: []string{"snapshotId"}, Kind: Int, Doc: "Read this snapshot (time travel)."},
		{Key: "as-of-timestamp", Aliases: []string{"asOfTimestamp"}, Kind: Int, Doc: "Read the snapshot current at this time, epoch milliseconds."},
		{Key: "start-snapshot-id", Kind: Int, Status: Refused, Note: noteIncremental},
		{Key: "end-snapshot-id", Kind: Int, Status: Refused, Note: noteIncremental},
		{Key: "start-timestamp", Kind: Int, Status: Refused, Note: noteIncremental},
		{Key: "end-timestamp", Kind: Int, Status: Refused, Note: noteIncremental},
		{Key: "split-size", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "lookback", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "file-open-cost", Kind: Int, Status: NoEffect, Note: "DuckDB splits the read itself"},
		{Key: "vectorization-enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB always reads vectorised"},
		{Key: "batch-size", Kind: Int, Status: NoEffect, Note: "DuckDB picks its own vector size"},
	},
}

// FileWrite returns the extraOptions of a file output of format.
func FileWrite(format string) *ObjectSpec {
	return &ObjectSpec{
		Path: "job.outputs[].options.extraOptions[" + format + "]", What: format + " writer options", Page: "docs/inputs-outputs.md", FoldCase: true,
		Misplaced: map[string]string{
			"compression":   "give the codec as options.compressionType",
			"partitionBy":   "give partition columns as options.partitionBy",
			"overwriteMode": "overwrite-mode: dynamic applies to Iceberg tables only",
			"branch":        "branches are Iceberg's: a file output has none",
		},
	}
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
