package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// WriteResult reports a finished write.
type WriteResult struct {
	// Rows is the number of rows sent (inserted or upserted).
	Rows int64
	// Created is true when the table did not exist and was created.
	Created bool
	// Skipped is true when saveMode ignore found the table and wrote nothing.
	Skipped bool
}

// Write copies the rows of the DuckDB relation (a table or view name on the
// session connection duck) into the server table w names, following
// w.SaveMode. The write is atomic: one server transaction (PostgreSQL), or
// one transaction plus dropping a table this write created (MySQL, whose
// DDL commits implicitly), so a failure leaves the target as it was.
// Columns are matched by name (exactly, else case-insensitively); target
// columns the relation lacks get their defaults.
func Write(ctx context.Context, duck *sql.Conn, relation string, c Config, w WriteOptions) (WriteResult, error) {
	if err := c.check(); err != nil {
		return WriteResult{}, err
	}
	if err := w.Validate(); err != nil {
		return WriteResult{}, err
	}
	w.SaveMode = w.mode()
	src, err := describeRelation(ctx, duck, relation)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write %s to %s table %s: %w", relation, c.where(), w.Table, err)
	}
	if len(src) == 0 {
		return WriteResult{}, fmt.Errorf("write %s to %s table %s: the relation has no columns", relation, c.where(), w.Table)
	}
	for _, k := range w.UpsertKeys {
		if _, err := findColumn(src, k, func(s srcColumn) string { return s.name }); err != nil {
			return WriteResult{}, fmt.Errorf("%w: upsertKeys: %q is not a column of %s", ErrBadOption, k, relation)
		}
	}
	var res WriteResult
	if c.Kind == PostgreSQL {
		res, err = pgWrite(ctx, duck, relation, src, c, w)
	} else {
		res, err = myWrite(ctx, duck, relation, src, c, w)
	}
	if err != nil {
		return WriteResult{}, fmt.Errorf("write %s to %s table %s (saveMode %s): %w", relation, c.where(), w.Table, w.SaveMode, err)
	}
	return res, nil
}

// srcColumn is a column of the DuckDB relation being written.
type srcColumn struct {
	name, duckType string
}

func describeRelation(ctx context.Context, duck *sql.Conn, relation string) ([]srcColumn, error) {
	rows, err := duck.QueryContext(ctx, "DESCRIBE SELECT * FROM "+quoteDuck(relation))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []srcColumn
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, srcColumn{name: fmt.Sprint(vals[0]), duckType: fmt.Sprint(vals[1])})
	}
	return out, rows.Err()
}

// queryDuck runs a DuckDB query on the driver connection and hands its
// rows to f, which must consume them before returning.
func queryDuck(ctx context.Context, duck *sql.Conn, q string, f func(driver.Rows) error) error {
	return duck.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("DuckDB connection cannot query")
		}
		rows, err := qc.QueryContext(ctx, q, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		return f(rows)
	})
}

// baseDuckType strips a DuckDB type of its parameters: DECIMAL(12,2) is
// DECIMAL, VARCHAR[] stays VARCHAR[].
func baseDuckType(t string) string {
	if i := strings.IndexByte(t, '('); i >= 0 && !strings.HasSuffix(t, "]") {
		return t[:i]
	}
	return t
}
