// Package manifest owns the Flare manifest: the typed Workflow, Job, Input,
// Step, Output and Action values, their decoding from YAML with the
// file:line:column of every value, and the checks that need nothing but the
// manifest itself (required keys, unknown keys with a "did you mean",
// duplicate names, dependencies and cycles, views that step SQL reads,
// ${variable} substitution).
//
// It accepts the shapes Flare users already have (a Workflow resource, a
// single dag entry, or a bare stack section with a job) and the legacy
// spellings (the `flare:` stack section, steps[].sink[] with outputs[].depot,
// output options outside `iceberg`), and normalises them to one form.
//
// The package reads the manifest and the sqlFile files it names; it does not
// resolve depots, touch data or run SQL. docs/manifest.md describes what is
// accepted.
package manifest
