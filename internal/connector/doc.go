// Package connector turns file datasets (csv, json, parquet) into DuckDB
// relations and writes DuckDB relations out as files.
//
// It owns the mapping from Flare/Spark reader and writer options (header,
// delimiter, inferSchema, schemaString, mode, ...) to DuckDB's read_csv,
// read_json and read_parquet functions and COPY options, the report of a
// malformed input row with its file and line (ReadError), and the atomic
// replacement of output files. Where the files live is decided by the
// depot package; Iceberg tables are the lakehouse package's.
package connector
