package database

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgConnect opens one PostgreSQL connection; failures name the server.
func pgConnect(ctx context.Context, c Config) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.pgConnString())
	if err != nil {
		return nil, fmt.Errorf("%s: connection settings: %v", c.where(), redactErr(err, c.Password))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), redactErr(err, c.Password))
	}
	return conn, nil
}

// redactErr removes a password from a driver message, in case a driver
// ever echoes its connection string.
func redactErr(err error, password string) string {
	s := err.Error()
	if password != "" {
		s = strings.ReplaceAll(s, password, "***")
	}
	return s
}

// quotePG quotes a PostgreSQL identifier.
func quotePG(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quotePGTable(t TableName) string {
	if t.Schema == "" {
		return quotePG(t.Name)
	}
	return quotePG(t.Schema) + "." + quotePG(t.Name)
}

// pgFrom is the FROM item a read selects from.
func pgFrom(o ReadOptions) string {
	switch {
	case o.Query != "":
		return "(" + strings.TrimRight(strings.TrimSpace(o.Query), ";") + ") AS __flare_query"
	case o.DBTable != "":
		return o.DBTable
	}
	return quotePGTable(o.Table)
}

// pgError renders a server error with its detail and hint, which carry
// the useful part (which key, which column).
func pgError(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		s := pe.Message
		if pe.Detail != "" {
			s += " (" + pe.Detail + ")"
		}
		if pe.Hint != "" {
			s += "; hint: " + pe.Hint
		}
		return s + " [SQLSTATE " + pe.Code + "]"
	}
	return err.Error()
}

func pgPing(ctx context.Context, c Config) error {
	conn, err := pgConnect(ctx, c)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), err)
	}
	return nil
}
