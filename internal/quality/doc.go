// Package quality implements Flare's data-quality assertions: the
// `assertions:` of a job (standalone checks over its inputs) and of an
// output (pre-sink checks over the rows about to be written).
//
// An assertion measures a column ({column, filter?, validFormat?, tests})
// or runs a query ({sql, tests}); each test is `metric op number`. Compile
// checks the tests, the metrics and the columns against the dataset's
// schema without touching data, and builds one SELECT that computes every
// column metric of the dataset in a single pass. Evaluate runs it (and the
// sql assertions) on an engine connection and compares. A Result prints as a
// table for the terminal, says which checks failed (Err), and turns into
// rows for the lakehouse tables of checks and metrics (Rows, ChecksQuery,
// MetricsQuery) so quality can be queried over time.
//
// The package does not decide when assertions run, fail a job or write the
// result tables: the plan and the workflow runner do. It must not import
// the manifest, workflow, cli or lakehouse packages.
package quality
