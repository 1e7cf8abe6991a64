// Package kafka reads and writes Apache Kafka topics for Flare's stream jobs,
// with the franz-go client.
//
// It owns: connecting to a kafka depot's brokers (security settings from
// environment variables, see ConfigFromEnv); listing a subscription's
// partitions with their earliest and latest offsets; planning a bounded
// micro-batch from start offsets to the latest offsets, capped by
// maxOffsetsPerTrigger spread over partitions as Spark does; detecting data
// loss (failOnDataLoss); reading exactly the planned records; landing them in
// a DuckDB temporary table with Spark's Kafka columns (LoadRaw) or with the
// JSON value's fields as typed columns (LoadJSON, parsed by DuckDB's JSON
// functions); per-partition lag; and a producer that writes a DuckDB query's
// rows to a topic as JSON (idempotent).
//
// Offsets follow Spark's meaning: a start offset is the first record of a
// batch, an end offset is one past its last record, and Offsets encodes as
// Spark's JSON ({"topic":{"0":42}}) so that a batch's offsets can be kept in
// an Iceberg snapshot summary or a checkpoint file.
//
// It does not run streams: triggers, checkpoints and commits of offsets
// together with rows belong to the stream runner, which calls this package.
// It does not read manifests, and it does not import the engine or lakehouse
// packages; it is handed a *sql.Conn of the job's DuckDB session.
package kafka
