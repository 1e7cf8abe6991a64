package lakehouse

import (
	"context"
	"database/sql"

	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// The data file layer's types and constants that are part of the
// lakehouse API (see internal/lakehouse/datafile for their documentation).
type (
	// DB runs SQL on a DuckDB database; *sql.DB and *sql.Conn satisfy it.
	DB = datafile.DB
	// PartitionField is one field of a partition spec: a transform of a
	// column.
	PartitionField = datafile.PartitionField
	// RewriteSortKey is one ORDER BY term of a rewrite.
	RewriteSortKey = datafile.RewriteSortKey
	// RewriteOptions say how RewriteFiles writes the new files.
	RewriteOptions = datafile.RewriteOptions
	// RewriteOutput is what RewriteFiles wrote; the files are staged, not
	// committed.
	RewriteOutput = datafile.RewriteOutput
)

const (
	// DefaultTargetFileSize is the data file size compaction aims at when
	// neither the action nor the table property sets one.
	DefaultTargetFileSize = datafile.DefaultTargetFileSize
	// PropTargetFileSize is Iceberg's table property for the data file size.
	PropTargetFileSize = datafile.PropTargetFileSize
	// PropCompression is Iceberg's table property for the Parquet codec.
	PropCompression = datafile.PropCompression
	// MaxZOrderColumns is the most columns a z-order rewrite interleaves.
	MaxZOrderColumns = datafile.MaxZOrderColumns
)

// ParsePartitionFields parses a comma-separated list of partition fields:
// identity(col) or col, year(col), month(col), day(col), hour(col),
// bucket(N, col), truncate(W, col), each optionally followed by "AS name".
func ParsePartitionFields(s string) ([]PartitionField, error) {
	return datafile.ParsePartitionFields(s)
}

// RegisterBucketFunctions registers DuckDB scalar functions that compute
// Iceberg's bucket transform on conn (see datafile.RegisterBucketFunctions).
func RegisterBucketFunctions(ctx context.Context, conn *sql.Conn) error {
	return datafile.RegisterBucketFunctions(ctx, conn)
}
