// Package sparksql lets Flare run the Spark SQL that manifests carry on DuckDB.
//
// It owns two things and nothing else:
//
//   - Install creates DuckDB macros named after the Spark functions that DuckDB
//     lacks (nvl, size, collect_list, ...) and the spark_* helpers that Rewrite
//     calls, in the default schema of the database behind a connection.
//   - Rewrite turns Spark SQL text into DuckDB SQL text where a macro cannot do
//     the job: it renames calls whose DuckDB namesake means something else
//     (split, substr, datediff, ...), converts Java date patterns
//     (date_format(ts, 'yyyy-MM-dd')) into strftime/strptime formats at text
//     level so that a literal pattern costs nothing per row, turns Spark string
//     escapes and `backtick` identifiers into DuckDB spelling, and never adds or
//     removes a newline, so error positions still map to manifest lines.
//
// Functions lists every supported Spark function with its Spark signature and
// notes on what differs; docs/spark-sql.md is written from the same facts.
//
// The package does not run queries, read data or know about manifests; the
// engine package calls Install once per database and Rewrite on each step's SQL.
package sparksql
