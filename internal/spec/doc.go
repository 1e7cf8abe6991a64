// Package spec declares the Flare manifest: every object and key Flare-Go
// reads, with its aliases, type, allowed values, default, one line of docs,
// its status (supported, not supported yet, no effect here) and, for the
// maintenance actions, the flag of the `flare table` subcommand that runs
// the same action.
//
// The declarations drive everything else: the manifest decoder
// (internal/manifest) and the compile step (internal/plan) decode through
// Decoder, which refuses unknown keys with a "did you mean", types values
// and reports refused keys; docs/reference.md is generated from them
// (Markdown; a test fails when the page and the spec differ); the CLI binds
// action flags with AddFlags. Values remember which keys were read, so that
// a key accepted but never executed is caught (Values.Unused).
//
// The package is a leaf: it knows no engine, no lakehouse and no depot. It
// checks what can be checked from a value alone; what needs context (an
// address, a column, a SQL text) is checked by the compile step.
package spec
