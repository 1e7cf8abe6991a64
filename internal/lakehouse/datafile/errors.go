package datafile

import "errors"

var (
	// ErrSchemaMismatch is returned when a write's result columns do not fit
	// the table's schema and cannot be cast or evolved into it.
	ErrSchemaMismatch = errors.New("schema mismatch")
	// ErrUnsupportedType is returned for a DuckDB column type that has no
	// Iceberg mapping (INTERVAL, UNION, BIT, ...).
	ErrUnsupportedType = errors.New("unsupported column type")
	// ErrInvalidSpec is returned for an invalid write, read or partition
	// specification.
	ErrInvalidSpec = errors.New("invalid spec")
)
