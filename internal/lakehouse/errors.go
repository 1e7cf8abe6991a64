package lakehouse

import (
	"errors"

	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

var (
	// ErrNoSuchTable is returned when a table does not exist in the catalog.
	ErrNoSuchTable = errors.New("no such table")
	// ErrPartitionEvolution is returned when a table's partition spec cannot be
	// changed as asked (by a write's different spec or EvolvePartition).
	ErrPartitionEvolution = errors.New("cannot change the partition spec")
	// ErrUnsupportedCatalog is returned by Open for a catalog URI whose type is
	// not supported.
	ErrUnsupportedCatalog = errors.New("catalog type not supported yet")
)

// Errors raised by the data file layer (internal/lakehouse/datafile), here
// so that callers test them against the lakehouse package.
var (
	// ErrSchemaMismatch is returned when a write's result columns do not fit
	// the table's schema and cannot be cast or evolved into it.
	ErrSchemaMismatch = datafile.ErrSchemaMismatch
	// ErrUnsupportedType is returned for a DuckDB column type that has no
	// Iceberg mapping (INTERVAL, UNION, BIT, ...).
	ErrUnsupportedType = datafile.ErrUnsupportedType
	// ErrInvalidSpec is returned for an invalid WriteSpec, ReadOptions or
	// partition field.
	ErrInvalidSpec = datafile.ErrInvalidSpec
)
