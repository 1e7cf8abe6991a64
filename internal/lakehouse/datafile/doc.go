// Package datafile moves rows between DuckDB and the data files of Iceberg
// tables. It maps DuckDB column types to Iceberg types and back, renders
// Iceberg partition transforms (Iceberg's bucket hash as a DuckDB function)
// as DuckDB expressions, writes Parquet data files and position delete files
// with DuckDB's COPY and describes them as iceberg-go DataFiles (statistics
// read by iceberg-go from the Parquet footers), rewrites data files for
// compaction, and builds the DuckDB SQL that reads a table's data files
// with their position deletes applied.
//
// For tables on object storage (remote.go) it maps Iceberg paths to a local
// mirror: new files are staged there and uploaded before any commit
// (Upload), planned files are downloaded there before DuckDB reads them
// (Fetch), and LocalPath and PathSQL translate paths for DuckDB.
//
// It knows no catalog, commits nothing and does not decide what a write
// means (append, overwrite, merge): package lakehouse and its rowlevel
// package do, and commit through internal/lakehouse/commit. The files it
// writes are named <write id>-<uuid>.parquet, so the files of a write that
// did not commit can be found and removed (RemoveStaged).
package datafile
