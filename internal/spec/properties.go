package spec

// TableProperties are the Iceberg table properties an output may set
// (options.iceberg.properties). Properties not declared here are stored
// with the table as written, as Iceberg does; declared ones are checked,
// and those whose behaviour our writer does not implement are refused.
var TableProperties = &ObjectSpec{
	Path: "job.outputs[].options.iceberg.properties", What: "table properties", Page: "docs/lakehouse.md",
	Doc:   "Any other property is stored with the table as written, as Iceberg does.",
	Extra: &Field{Kind: String, Doc: "Stored with the table."},
	Fields: []*Field{
		{Key: "write.format.default", Kind: Enum, Values: []string{"parquet"}, Default: "parquet", Doc: "Data file format; Flare-Go writes Parquet."},
		{Key: "write.parquet.compression-codec", Kind: Enum, Values: []string{"snappy", "gzip", "zstd", "lz4", "brotli", "uncompressed", "none"}, Default: "snappy", Doc: "Parquet codec of data files."},
		{Key: "write.metadata.compression-codec", Kind: Enum, Values: []string{"none", "gzip"}, Default: "none", Doc: "Codec of metadata JSON files."},
		{Key: "write.metadata.previous-versions-max", Kind: Int, Min: 1, MinSet: true, Default: "100", Doc: "Metadata files kept when write.metadata.delete-after-commit.enabled."},
		{Key: "write.metadata.delete-after-commit.enabled", Kind: Bool, Default: "false", Doc: "Delete metadata files beyond previous-versions-max on commit."},
		{Key: "write.target-file-size-bytes", Kind: Int, Min: 1, MinSet: true, Default: "536870912", Doc: "Target data file size (compaction)."},
		{Key: "write.merge.mode", Kind: Enum, Values: []string{"copy-on-write", "merge-on-read"}, Default: "copy-on-write", Doc: "How MERGE changes rows: rewrite files, or write position deletes."},
		{Key: "write.delete.mode", Kind: Enum, Values: []string{"copy-on-write", "merge-on-read"}, Default: "copy-on-write", Doc: "How DELETE removes rows."},
		{Key: "write.update.mode", Kind: Enum, Values: []string{"copy-on-write", "merge-on-read"}, Default: "copy-on-write", Doc: "How UPDATE changes rows."},
		{Key: "history.expire.max-snapshot-age-ms", Kind: Int, Min: 0, MinSet: true, Default: "432000000", Doc: "Default age of expire_snapshots."},
		{Key: "history.expire.min-snapshots-to-keep", Kind: Int, Min: 1, MinSet: true, Default: "1", Doc: "Default retainLast of expire_snapshots."},
		{Key: "commit.retry.num-retries", Kind: Int, Min: 0, MinSet: true, Default: "20", Doc: "Commit attempts after a conflict."},
		{Key: "commit.retry.min-wait-ms", Kind: Int, Min: 0, MinSet: true, Doc: "Shortest wait between commit attempts."},
		{Key: "commit.retry.max-wait-ms", Kind: Int, Min: 0, MinSet: true, Doc: "Longest wait between commit attempts."},
		{Key: "commit.retry.total-timeout-ms", Kind: Int, Min: 0, MinSet: true, Doc: "Give up retrying after this long."},
		{Key: "commit.manifest-merge.enabled", Kind: Bool, Default: "true", Doc: "Merge small manifests on append (Iceberg Java's default), so frequent appends keep a bounded manifest list."},
		{Key: "commit.manifest.min-count-to-merge", Kind: Int, Min: 2, MinSet: true, Default: "100", Doc: "Manifests a snapshot lists before an append merges them."},
		{Key: "commit.manifest.target-size-bytes", Kind: Int, Min: 1, MinSet: true, Default: "8388608", Doc: "Target size of a merged manifest."},
		{Key: "format-version", Kind: Enum, Values: []string{"1", "2"}, Default: "2", Doc: "Iceberg format version of a new table."},
		{Key: "overwrite-mode", Kind: Enum, Values: []string{"static", "dynamic"}, Doc: "A write option, not stored: dynamic replaces only the partitions written."},
		{Key: "write.parquet.compression-level", Kind: Int, Status: Refused, Note: "the writer uses each codec's default level"},
		{Key: "write.object-storage.enabled", Kind: Bool, Status: Refused, Note: "data files are laid out by partition folders"},
		{Key: "write.data.path", Kind: String, Status: Refused, Note: "data files live under the table's location"},
		{Key: "write.metadata.path", Kind: String, Status: Refused, Note: "metadata files live under the table's location"},
		{Key: "write.distribution-mode", Kind: Enum, Values: []string{"none", "hash", "range"}, Doc: "Stored for other engines; Flare-Go's one writer writes each partition's rows in one pass whatever it says."},
	},
}
