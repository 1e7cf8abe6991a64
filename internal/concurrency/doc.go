// Package concurrency holds the end-to-end tests of concurrent use of one
// lakehouse table by separate `flare` processes: many writers appending at
// once (on the SQLite and the PostgreSQL catalog), and `flare sql` reading
// while a long job writes. It has no code of its own; see
// docs/concurrency.md for the guarantees these tests check.
package concurrency
