package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// myConfig builds the go-sql-driver/mysql configuration. Every session
// works in UTC (TIMESTAMP columns are read and written as UTC instants) and
// in strict mode, so that a value the column cannot hold is an error
// rather than a warning and a changed value.
func myConfig(c Config) (*mysql.Config, error) {
	q := url.Values{}
	for k, v := range c.Params {
		q.Set(k, v)
	}
	cfg, err := mysql.ParseDSN("/?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("%s: connection parameters: %v", c.where(), redactErr(err, c.Password))
	}
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", c.addr(), c.Database
	cfg.User, cfg.Passwd = c.User, c.Password
	cfg.ParseTime = false
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	if _, ok := c.Params["timeout"]; !ok {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	cfg.Params["sql_mode"] = "CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')"
	return cfg, nil
}

// myOpen returns a database/sql handle (no connection is made yet).
func myOpen(c Config) (*sql.DB, error) {
	cfg, err := myConfig(c)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.where(), err)
	}
	return sql.OpenDB(conn), nil
}

// myConnect opens one driver-level connection, for streamed reads.
func myConnect(ctx context.Context, c Config) (driver.Conn, error) {
	cfg, err := myConfig(c)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.where(), err)
	}
	dc, err := conn.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), redactErr(err, c.Password))
	}
	return dc, nil
}

func quoteMy(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteMyTable(t TableName) string {
	if t.Schema == "" {
		return quoteMy(t.Name)
	}
	return quoteMy(t.Schema) + "." + quoteMy(t.Name)
}

func myFrom(o ReadOptions) string {
	switch {
	case o.Query != "":
		return "(" + strings.TrimRight(strings.TrimSpace(o.Query), ";") + ") AS __flare_query"
	case o.DBTable != "":
		return o.DBTable
	}
	return quoteMyTable(o.Table)
}

// myError renders a server error with its number.
func myError(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprintf("%s [error %d]", me.Message, me.Number)
	}
	return err.Error()
}

func myPing(ctx context.Context, c Config) error {
	dc, err := myConnect(ctx, c)
	if err != nil {
		return err
	}
	defer dc.Close()
	if p, ok := dc.(driver.Pinger); ok {
		if err := p.Ping(ctx); err != nil {
			return fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), err)
		}
	}
	return nil
}

// driverQuery runs a query with the binary protocol (a prepared statement,
// so FLOAT and DOUBLE arrive exactly) and returns its rows and statement.
func driverQuery(ctx context.Context, dc driver.Conn, q string) (driver.Rows, driver.Stmt, error) {
	st, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return rows, st, nil
}

// myTableTypes reads information_schema's column types of a table, keyed by
// column name: COLUMN_TYPE (int(10) unsigned, tinyint(1), bit(1),
// enum('a','b')) and whether it is nullable.
func myTableTypes(ctx context.Context, dc driver.Conn, c Config, t TableName) (map[string][2]string, error) {
	schema := "DATABASE()"
	if t.Schema != "" {
		schema = "'" + strings.ReplaceAll(strings.ReplaceAll(t.Schema, `\`, `\\`), "'", "''") + "'"
	}
	name := "'" + strings.ReplaceAll(strings.ReplaceAll(t.Name, `\`, `\\`), "'", "''") + "'"
	rows, st, err := driverQuery(ctx, dc, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "+schema+" AND TABLE_NAME = "+name)
	if err != nil {
		return nil, fmt.Errorf("read information_schema on %s: %s", c.where(), myError(err))
	}
	defer st.Close()
	defer rows.Close()
	out := map[string][2]string{}
	// (rows are read to the end below, so the connection is free again)
	vals := make([]driver.Value, 3)
	for {
		if err := rows.Next(vals); err != nil {
			break
		}
		out[asString(vals[0])] = [2]string{strings.ToLower(asString(vals[1])), asString(vals[2])}
	}
	return out, nil
}

func asString(v driver.Value) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func mySchema(ctx context.Context, c Config, o ReadOptions) ([]Column, error) {
	dc, err := myConnect(ctx, c)
	if err != nil {
		return nil, err
	}
	defer dc.Close()
	cols, err := myDescribe(ctx, dc, c, o)
	if err != nil {
		return nil, err
	}
	if _, err := myPartitions(cols, o); err != nil {
		return nil, err
	}
	out := make([]Column, len(cols))
	for i, col := range cols {
		out[i] = col.Column
	}
	return out, nil
}
