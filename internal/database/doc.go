// Package database moves rows between DuckDB and PostgreSQL or
// MySQL/MariaDB servers: the inputs and syndication outputs of database
// depots (type postgresql, mysql, mariadb in flare.yaml).
//
// It owns the connection settings of a database depot once resolved
// (Config, with the password read from the environment or a secrets file),
// the Spark JDBC options Flare manifests use (ReadOptions, WriteOptions),
// the type mapping between each server and DuckDB, and the calls the plan
// makes: Ping (flare validate), Schema (compile-time SQL checks, no rows
// read), Read (rows into a new DuckDB table) or ReadWith (rows streamed into
// one statement, e.g. a Parquet COPY), and Write (a DuckDB relation into a
// server table, atomically).
//
// PostgreSQL is read with the binary COPY protocol through pgx and written
// with binary COPY FROM STDIN; MySQL and MariaDB go through
// go-sql-driver/mysql with streamed reads and batched multi-row INSERTs.
// Rows enter DuckDB through a parallel table function that fills DuckDB
// vectors directly or, built with the duckdb_arrow tag, for PostgreSQL as
// Arrow record batches (arrow_read_on.go; writes then read DuckDB results
// as Arrow too, arrow_on.go). Partitioned reads (partitionColumn,
// numPartitions) run one server connection per DuckDB thread.
//
// The package does not parse manifests or flare.yaml (packages spec and
// depot do), does not decide view names, and never touches the lakehouse.
//
// Size: the package is over 3,000 lines because it holds two wire paths per
// server (PostgreSQL's binary COPY in and out, MySQL's binary protocol and
// batched inserts), their type mappings, and the Arrow and table-function
// routes into DuckDB. They share the option parsing, partitioned-read
// planning and error mapping, which is why they stay one package.
package database
