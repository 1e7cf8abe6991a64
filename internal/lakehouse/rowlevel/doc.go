// Package rowlevel changes rows of an existing lakehouse table: MERGE INTO
// (Spark's clause semantics and cardinality checks) and DELETE, copy-on-write
// (data files with changed rows are rewritten) or merge-on-read (position
// delete files), as the table's write.merge.mode / write.delete.mode say.
//
// An operation reads the table at the head of its branch, finds the changed
// rows with DuckDB (each row identified by its file and position), writes
// the new data or delete files through internal/lakehouse/datafile and
// commits them through internal/lakehouse/commit, re-validating against
// concurrent commits: a concurrent change to a file it rewrites or deletes
// rows of is a conflict, a concurrent append is not.
//
// WHEN clauses arrive typed (MergeClause; internal/plan parses a
// manifest's whenClause with the Spark SQL lexer): the package parses no
// SQL text. It does not load tables by name or create them (package
// lakehouse does, through Target.Load).
package rowlevel
