package database

import (
	"context"
	"database/sql"
	"errors"
)

func myPing(ctx context.Context, c Config) error { return errors.New("mysql: not yet") }
func mySchema(ctx context.Context, c Config, o ReadOptions) ([]Column, error) {
	return nil, errors.New("mysql: not yet")
}
func myRead(ctx context.Context, c Config, o ReadOptions, duck *sql.Conn, table string) (int64, []Column, int, error) {
	return 0, nil, 0, errors.New("mysql: not yet")
}

func myWrite(ctx context.Context, duck *sql.Conn, relation string, src []srcColumn, c Config, w WriteOptions) (WriteResult, error) {
	return WriteResult{}, errors.New("mysql: not yet")
}
