// Package lakehouse owns Flare's Iceberg tables: a folder of tables with an
// embedded catalog (iceberg-go's SQL catalog on SQLite at <root>/catalog.db).
//
// It creates tables, writes DuckDB query results into them atomically (DuckDB
// writes the Parquet files, iceberg-go commits them in one catalog commit),
// plans reads (SelectSQL returns a DuckDB query over the planned files) and
// describes tables, snapshots and files.
//
// It does not run pipelines, parse manifests or maintain tables (compaction,
// snapshot expiry and orphan removal live in internal/maintenance). See
// docs/lakehouse.md for the folder layout, type mapping and write rules.
package lakehouse
