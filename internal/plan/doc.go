// Package plan compiles a parsed manifest into a typed plan and is the one
// place that decides what a manifest means: addresses are resolved to
// depots, formats, save modes, partition specs, merge clauses and action
// options are typed, and every SQL fragment goes once through the Spark SQL
// front (Front) and is bound by the engine against the schemas it reads —
// file headers and table metadata, never data — so that `flare validate`
// reports syntax errors, unknown columns and unknown functions with the
// manifest's file:line:column before anything runs.
//
// The runner (internal/workflow) and the `flare table` commands execute
// plan operations only. Keys the spec declares are read here through
// spec.Values, which reports any key accepted but not read.
//
// The package reads metadata (file headers, Iceberg table metadata, the
// column descriptions database servers give, database.go) and opens engine
// sessions to bind SQL; it writes nothing.
//
// Size: the package is a little over 3,000 lines because compiling every
// kind of manifest object (reads, steps, functions, assertions, writes,
// merges, actions, tuning, schemas, syndication) lives here by design: the
// compile step is the one place that decides what a manifest means. Each
// kind is a file of its own.
package plan
