// Package lakehouse owns Flare's Iceberg tables: a folder of tables with an
// embedded catalog (iceberg-go's SQL catalog on SQLite at <root>/catalog.db,
// or PostgreSQL), or the same on S3-compatible object storage (remote.go:
// metadata through iceberg-go's S3 IO, data files through a local mirror
// that DuckDB writes and reads, the catalog in a local state folder or
// PostgreSQL).
//
// It opens the catalog, names, creates and loads tables, describes their
// schema, snapshots, files, branches and tags, plans reads (SelectSQL
// returns a DuckDB query over the planned files), writes DuckDB query
// results into tables (create, append, overwrite, dynamic overwrite: write.go
// plans the files, write_commit.go stages and validates the commit), manages
// refs, column tags and partition evolution, and is the entry point of
// MERGE and DELETE.
//
// Its sub-packages hold the layers below:
//   - commit: the one place a change to a table is committed (retries with
//     backoff, re-validation through the operation's callback);
//   - datafile: DuckDB ↔ Iceberg data files (types, partition transforms,
//     COPY staging, reading with deletes, compaction rewrites);
//   - rowlevel: MERGE and DELETE;
//   - atomicio: iceberg-go's local IO with write-then-rename;
//   - crashpoint: the test-only FLARE_TEST_CRASH_AT hook.
//
// It does not run pipelines, parse manifests or maintain tables (compaction,
// snapshot expiry and orphan removal live in internal/maintenance). See
// docs/lakehouse.md for the folder layout, type mapping and write rules, and
// docs/reliability.md for what a crash or a concurrent writer can do.
package lakehouse
