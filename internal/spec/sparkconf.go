package spec

// SparkConf is the Spark settings a job may give (sparkConf). Settings that
// only tune how Spark spreads work over a cluster have no effect on one
// machine: they are accepted and the plan says so once. Settings that would
// change results are refused unless we implement them. A setting not listed
// is an error, so that a manifest never relies on a setting we do not know.
var SparkConf = &ObjectSpec{
	Path: "sparkConf", What: "Spark settings", Page: "docs/tuning.md",
	Fields: []*Field{
		{Key: "spark.sql.extensions", Kind: String, Status: NoEffect, Note: "Iceberg's SQL extensions (MERGE, branches) are built in"},
		{Key: "spark.sql.shuffle.partitions", Kind: Int, Status: NoEffect, Note: spread},
		{Key: "spark.default.parallelism", Kind: Int, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB plans adaptively itself"},
		{Key: "spark.sql.adaptive.coalescePartitions.enabled", Kind: Bool, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.skewJoin.enabled", Kind: Bool, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.autoBroadcastJoinThreshold", Kind: String, Status: NoEffect, Note: noBroadcast},
		{Key: "spark.sql.autoBroadcastJoinThreshold", Kind: String, Status: NoEffect, Note: noBroadcast},
		{Key: "spark.sql.broadcastTimeout", Kind: String, Status: NoEffect, Note: noBroadcast},
		{Key: "spark.sql.optimizer.dynamicPartitionPruning.enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB prunes with its own optimizer"},
		{Key: "spark.sql.files.maxPartitionBytes", Kind: String, Status: NoEffect, Note: spread},
		{Key: "spark.sql.files.openCostInBytes", Kind: String, Status: NoEffect, Note: spread},
		{Key: "spark.serializer", Kind: String, Status: NoEffect, Note: "nothing is serialised between processes"},
		{Key: "spark.kryoserializer.buffer.max", Kind: String, Status: NoEffect, Note: "nothing is serialised between processes"},
		{Key: "spark.sql.iceberg.handle-timestamp-without-timezone", Kind: Bool, Status: NoEffect, Note: "timestamps without time zone are always read and written"},
		{Key: "spark.sql.sources.partitionOverwriteMode", Kind: Enum, Values: []string{"static", "dynamic"}, Default: "static", Doc: "dynamic: every overwrite of the job replaces only the partitions it writes (as overwrite-mode: dynamic)."},
		{Key: "spark.sql.session.timeZone", Kind: String, Default: "UTC", Doc: "The job's session time zone (an IANA name such as Europe/Berlin): how timestamps without a zone are read and shown."},
		{Key: "spark.sql.caseSensitive", Kind: Bool, Status: Refused, Note: "column names are matched without regard to case"},
		{Key: "spark.sql.ansi.enabled", Kind: Bool, Status: Refused, Note: "Spark's non-ANSI behaviour is what the SQL front follows"},
		{Key: "spark.sql.legacy.timeParserPolicy", Kind: String, Status: Refused, Note: "date patterns follow Spark 3+"},
	},
}

const (
	spread      = "it spreads work over a Spark cluster; DuckDB uses every core of this machine"
	noBroadcast = "DuckDB picks join strategies itself"
)
