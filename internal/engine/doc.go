// Package engine is the SQL engine session a job runs in: one embedded
// DuckDB database with Flare's Spark SQL functions installed, where inputs,
// steps and lakehouse tables are views.
//
// It owns DuckDB settings (threads, memory, spill folder), naming relations
// (views for inputs and steps, catalog.schema.table names for lakehouse
// tables), EXPLAIN, and turning DuckDB's error positions into positions in
// the step's SQL. It does not know about manifests, depots or Iceberg; the
// workflow package wires those to it. Keeping the engine behind this small
// surface is what lets a job's SQL run elsewhere later (DESIGN.md).
package engine
