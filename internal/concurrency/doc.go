// Package concurrency holds the end-to-end tests of concurrent and
// interrupted use of lakehouse tables by separate `flare` processes (the
// binary is built once by TestMain):
//
//   - many writers appending at once, on the SQLite and the PostgreSQL
//     catalog, and `flare sql` reading while a long job writes;
//   - TestCrashRecovery: a writer killed with SIGKILL at every named point
//     of append, overwrite, merge, delete and compaction (the test-only
//     FLARE_TEST_CRASH_AT hook, internal/lakehouse/crashpoint) and while
//     DuckDB writes files; the table must read a committed snapshot, take
//     the next write, and remove_orphans must clean the debris;
//   - TestConcurrencyMatrix: ten processes, one per kind of change, at once
//     from "no table" and from "table exists" on both catalogs; the final
//     rows must be what the successful commands imply in commit order.
//
// It has no code of its own; the checks use internal/lakehouse and
// internal/maintenance in the test process. See docs/concurrency.md and
// docs/reliability.md for the guarantees these tests check. `go test
// -short` runs fewer crash points and one matrix round; CI runs the full
// form.
package concurrency
