// Package stream runs Flare's stream jobs (a compiled plan.Job whose Stream
// is set; docs/stream.md): a loop of micro-batches, each reading a bounded
// range of the job's Kafka inputs (internal/kafka), running the job's steps
// and assertions on it and writing every output through the workflow
// runner (workflow.Runner.RunJob), exactly as a batch job does.
//
// Exactly once into Iceberg: the source offsets of a batch are committed in
// the same Iceberg commit as its rows, in the snapshot summary of each
// Iceberg output (lakehouse.WriteSpec.State / MergeSpec.State, key
// flare.state.stream.<job>.<output>, value: batch id and the batch's start
// and end offsets per input), and each commit expects the state the batch
// started from, so a second instance of the job cannot commit the same
// batch. On start the runner reads the outputs' state: the next batch
// starts where they end. An output one batch behind the others (a crash
// between two outputs' commits) gets that batch again, with the same
// offsets, and the others skip it.
//
// It owns the trigger loop (Once, AvailableNow, ProcessingTime), the batch
// log in the checkpoint folder (batches.jsonl, a JSON line per batch), the
// per-batch progress line and graceful stop (Options.Stop: finish the
// running batch, then return). It does not decide what a manifest means
// (internal/plan), read Kafka itself (internal/kafka) or write tables
// (internal/lakehouse through internal/workflow).
package stream
