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
		// Sizes and engine settings (docs/tuning.md).
		{Key: "spark.executor.cores", Kind: Int, Min: 1, MinSet: true, Doc: "As stackSpec.executor.cores."},
		{Key: "spark.executor.instances", Kind: Int, Min: 1, MinSet: true, Doc: "As stackSpec.executor.instances."},
		{Key: "spark.executor.memory", Kind: String, Check: checkMemory, Doc: "As stackSpec.executor.memory."},
		{Key: "spark.driver.cores", Kind: Int, Min: 1, MinSet: true, Doc: "As stackSpec.driver.cores."},
		{Key: "spark.driver.memory", Kind: String, Check: checkMemory, Doc: "As stackSpec.driver.memory."},
		{Key: "spark.local.dir", Kind: String, Doc: "The engine's temp directory, where it spills when memory runs short (the first of a comma-separated list)."},
		{Key: "spark.sql.maxConcurrentOutputFileWriters", Kind: Int, Min: 0, MinSet: true, Default: "0", Doc: "How many files a partitioned write keeps open (0: the engine's default, 1000)."},
		{Key: "spark.memory.fraction", Kind: Float, Status: NoEffect, Note: jvmMemory},
		{Key: "spark.memory.storageFraction", Kind: Float, Status: NoEffect, Note: jvmMemory},
		{Key: "spark.shuffle.memoryFraction", Kind: Float, Status: NoEffect, Note: jvmMemory},
		{Key: "spark.executor.memoryOverhead", Kind: String, Status: NoEffect, Note: jvmMemory},
		{Key: "spark.driver.memoryOverhead", Kind: String, Status: NoEffect, Note: jvmMemory},
		{Key: "spark.executor.extraJavaOptions", Kind: String, Status: NoEffect, Note: "there is no JVM"},
		{Key: "spark.driver.extraJavaOptions", Kind: String, Status: NoEffect, Note: "there is no JVM"},
		{Key: "spark.dynamicAllocation.enabled", Kind: Bool, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.advisoryPartitionSizeInBytes", Kind: String, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.coalescePartitions.initialPartitionNum", Kind: Int, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.localShuffleReader.enabled", Kind: Bool, Status: NoEffect, Note: spread},
		{Key: "spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", Kind: String, Status: NoEffect, Note: noBroadcast},
		{Key: "spark.sql.join.preferSortMergeJoin", Kind: Bool, Status: NoEffect, Note: noBroadcast},
		{Key: "spark.sql.cbo.enabled", Kind: Bool, Status: NoEffect, Note: "DuckDB's optimizer uses its own statistics"},
		{Key: "spark.sql.inMemoryColumnarStorage.compressed", Kind: Bool, Status: NoEffect, Note: "cached views are DuckDB tables, compressed as DuckDB decides"},
		{Key: "spark.sql.inMemoryColumnarStorage.batchSize", Kind: Int, Status: NoEffect, Note: "cached views are DuckDB tables, compressed as DuckDB decides"},
		{Key: "spark.sql.sources.parallelPartitionDiscovery.threshold", Kind: Int, Status: NoEffect, Note: "files are listed by this process"},
		{Key: "spark.sql.sources.parallelPartitionDiscovery.parallelism", Kind: Int, Status: NoEffect, Note: "files are listed by this process"},
	},
}

const (
	jvmMemory   = "it divides a JVM's heap; the engine's memory limit comes from the driver and executor memory (docs/tuning.md)"
	spread      = "it spreads work over a Spark cluster; on one machine the engine's threads come from the executor cores (docs/tuning.md)"
	noBroadcast = "DuckDB picks join strategies itself"
)
