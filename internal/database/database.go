package database

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Column describes one column of a read: its name, the type the server
// gives it, and the DuckDB type it is read as.
type Column struct {
	Name string
	// SourceType is the server's type, e.g. numeric(12,2), timestamp with
	// time zone, int(10) unsigned, enum('a','b').
	SourceType string
	// DuckType is the DuckDB type of the column in the table Read creates,
	// e.g. DECIMAL(12,2), TIMESTAMP WITH TIME ZONE, UINTEGER, VARCHAR.
	DuckType string
	// Nullable is false only when the server says the column is NOT NULL.
	Nullable bool
}

// ReadResult reports a finished read.
type ReadResult struct {
	// Rows is the number of rows loaded into the DuckDB table.
	Rows int64
	// Columns is the schema of the DuckDB table.
	Columns []Column
	// Partitions is the number of ranges the read was split into.
	Partitions int
}

// Ping opens a connection and runs a trivial query: the connectivity check
// of flare validate. The error names the depot, server kind, host, port,
// database and user, and wraps ErrUnreachable when no connection could be
// made.
func Ping(ctx context.Context, c Config) error {
	if err := c.check(); err != nil {
		return err
	}
	if c.Kind == PostgreSQL {
		return pgPing(ctx, c)
	}
	return myPing(ctx, c)
}

// Schema returns the columns a Read with the same options would produce,
// without reading any row (the statement is only prepared/described), for
// compile-time SQL checks: create an empty DuckDB table of these types.
func Schema(ctx context.Context, c Config, o ReadOptions) ([]Column, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if c.Kind == PostgreSQL {
		conn, err := pgConnect(ctx, c)
		if err != nil {
			return nil, err
		}
		defer conn.Close(context.Background())
		cols, err := pgDescribe(ctx, conn, c, o)
		if err != nil {
			return nil, err
		}
		if _, err := pgPartitions(cols, o); err != nil {
			return nil, err
		}
		out := make([]Column, len(cols))
		for i, col := range cols {
			out[i] = col.Column
		}
		return out, nil
	}
	return mySchema(ctx, c, o)
}

// Read copies the rows that o selects into a new DuckDB temporary table
// named table on the session connection duck (the table must not exist).
// Partitioned reads run up to the session's thread count of server
// connections at once, all reading one snapshot on PostgreSQL. On error no
// table is left behind.
func Read(ctx context.Context, c Config, o ReadOptions, duck *sql.Conn, table string) (ReadResult, error) {
	res, err := ReadWith(ctx, c, o, duck, func(ctx context.Context, from string) error {
		_, err := duck.ExecContext(ctx, "CREATE TEMP TABLE "+quoteDuck(table)+" AS SELECT * FROM "+from)
		if err != nil {
			return fmt.Errorf("load into DuckDB table %s: %w", table, err)
		}
		return nil
	})
	if err != nil {
		_, _ = duck.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+quoteDuck(table))
	}
	return res, err
}

// ReadWith streams the rows that o selects into one statement instead of a
// table: use gets from, a parenthesized sub-query over the rows as they
// arrive, and runs one statement on duck that scans it once, such as
// COPY (SELECT * FROM <from>) TO 'part.parquet' (FORMAT parquet) or a
// CREATE TABLE ... AS with a filter. from is valid only during use; a
// second scan of it is an error. The rows are not kept anywhere else.
func ReadWith(ctx context.Context, c Config, o ReadOptions, duck *sql.Conn, use func(ctx context.Context, from string) error) (ReadResult, error) {
	if err := c.check(); err != nil {
		return ReadResult{}, err
	}
	if err := o.Validate(); err != nil {
		return ReadResult{}, err
	}
	var (
		n     int64
		cols  []Column
		parts int
		err   error
	)
	if c.Kind == PostgreSQL {
		n, cols, parts, err = pgRead(ctx, c, o, duck, use)
	} else {
		n, cols, parts, err = myRead(ctx, c, o, duck, use)
	}
	if err != nil {
		return ReadResult{}, err
	}
	return ReadResult{Rows: n, Columns: cols, Partitions: parts}, nil
}

// describeFrom names what a read selects from, for messages: the table,
// or the start of a query or dbtable on one line.
func describeFrom(o ReadOptions) string {
	short := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		if len(s) > 80 {
			s = s[:77] + "..."
		}
		return s
	}
	switch {
	case o.Query != "":
		return "query `" + short(o.Query) + "`"
	case o.DBTable != "":
		return "dbtable `" + short(o.DBTable) + "`"
	}
	return "table " + o.Table.String()
}
