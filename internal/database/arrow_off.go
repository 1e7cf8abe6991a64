//go:build !duckdb_arrow

package database

import (
	"context"
	"database/sql"
	"io"
)

// ArrowEnabled reports whether the package was built with the duckdb_arrow
// tag (PostgreSQL writes read DuckDB results as Arrow batches).
const ArrowEnabled = false

func pgCopyOutArrow(context.Context, *sql.Conn, string, []pgWriteCol, func(io.Reader) error) (bool, error) {
	return false, nil
}

func pgLoadArrow(context.Context, *sql.Conn, []pgColumn, int, int, func(context.Context) (worker, error), useFunc) (bool, int64, error) {
	return false, 0, nil
}
