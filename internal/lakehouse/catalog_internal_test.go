package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
)

type failingCatalog struct {
	catalog.Catalog
	err error
}

func (f failingCatalog) CommitTable(context.Context, table.Identifier, []table.Requirement, []table.Update) (table.Metadata, string, error) {
	return nil, "", f.err
}

func TestRetryCatalogMapsStaleBranch(t *testing.T) {
	tests := []struct {
		err       error
		retryable bool
	}{
		{errors.New(`requirement failed: branch "main" has changed: expected id 1, found 2`), true},
		{fmt.Errorf("commit: %w", errors.New(`requirement failed: branch "audit" has changed: expected id 1, found 2`)), true},
		{errors.New(`requirement failed: branch "main" was created concurrently`), true},
		{errors.New(`Requirement failed: current schema id has changed: expected 0, found 1`), false},
		{errors.New("disk full"), false},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			c := &retryCatalog{Catalog: failingCatalog{err: tc.err}}
			_, _, err := c.CommitTable(context.Background(), table.Identifier{"a", "b"}, nil, nil)
			if got := errors.Is(err, table.ErrCommitFailed); got != tc.retryable {
				t.Errorf("errors.Is(%v, ErrCommitFailed) = %v, want %v", err, got, tc.retryable)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("original error lost: %v", err)
			}
		})
	}
}

func TestSQLiteCatalogPragmas(t *testing.T) {
	ctx := context.Background()
	lh, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lh.Close()
	var timeout int
	var mode string
	if err := lh.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if err := lh.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if timeout != sqliteBusyTimeoutMs || mode != "wal" {
		t.Errorf("busy_timeout = %d, journal_mode = %q; want %d, wal", timeout, mode, sqliteBusyTimeoutMs)
	}
}
