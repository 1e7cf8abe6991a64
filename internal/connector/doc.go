// Package connector turns file datasets into DuckDB relations and writes
// DuckDB relations out as files, on local disk or on S3-compatible object
// storage.
//
// It owns the formats (csv, json and parquet read and written by DuckDB;
// text, avro, orc, xml and xlsx decoded in Go and loaded through DuckDB's
// appender into a temporary table; avro written in Go), the typed reader
// and writer options of every format (options.go: one struct per format,
// Spark's option names, defaults and allowed values, unknown options
// refused), the mapping of each format's types to DuckDB's, the report of a
// malformed record with its file and place (MalformedError, ReadError),
// compression codecs, and the atomic replacement of output files (a local
// staging folder renamed into place; on object storage objstore's Publish).
//
// Where files live is decided by the depot package; talking to object
// storage is the objstore package's (used through the ObjectStore
// interface); Iceberg tables are the lakehouse package's. The sub-package
// orc decodes ORC files.
//
// Size: the package is over 3,000 lines because it holds every file format
// Flare reads and writes (csv, json, parquet through DuckDB; text, avro, xml,
// xlsx decoded in Go; avro written in Go) with their option structs, which
// are the spec of the formats' options. Each format is a file or two of its
// own behind the one Read/Write entry; the ORC decoder, the largest, is the
// subpackage orc.
package connector
