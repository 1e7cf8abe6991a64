package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for PostgreSQL catalogs
	"github.com/uptrace/bun/driver/sqliteshim"
)

// openCatalogDB opens the database of a lakehouse's SQL catalog: PostgreSQL
// for a postgres:// or postgresql:// URI (the "pgx" driver and iceberg-go's
// postgres dialect), otherwise the SQLite file catalogPath names. It
// returns the database, its dialect and a printable name (passwords
// redacted).
func openCatalogDB(ctx context.Context, root, uri string) (*sql.DB, sqlcat.SupportedDialect, string, error) {
	if strings.HasPrefix(uri, "postgres://") || strings.HasPrefix(uri, "postgresql://") {
		name := redact(uri)
		db, err := sql.Open("pgx", uri)
		if err != nil {
			return nil, "", name, fmt.Errorf("catalog %s: %w", name, err)
		}
		if err := db.PingContext(ctx); err != nil {
			_ = db.Close()
			return nil, "", name, fmt.Errorf("catalog %s: is the PostgreSQL server running and the database created? %w", name, err)
		}
		return db, sqlcat.Postgres, name, nil
	}
	dbPath, err := catalogPath(root, uri)
	if err != nil {
		return nil, "", uri, err
	}
	db, err := sql.Open(sqliteshim.ShimName, sqliteDSN(dbPath))
	if err != nil {
		return nil, "", dbPath, fmt.Errorf("catalog %s: %w", dbPath, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, "", dbPath, fmt.Errorf("catalog %s: %w", dbPath, err)
	}

	return db, sqlcat.SQLite, dbPath, nil
}

// branchChanged matches the requirement error the SQL catalog returns when a
// concurrent writer moved a branch (apache/iceberg-go#1079: it is not wrapped
// as table.ErrCommitFailed, so iceberg-go's commit retry never fires).
var branchChanged = regexp.MustCompile(`requirement failed: branch "[^"]*" has changed`)

// retryCatalog delegates to an iceberg-go catalog and maps stale-branch commit
// errors to table.ErrCommitFailed. Tables it loads or creates are bound to it,
// so a Transaction.Commit on them goes through CommitTable below and
// iceberg-go's refresh-and-replay retry (commit.retry.num-retries) works.
type retryCatalog struct {
	catalog.Catalog
}

var _ catalog.Catalog = (*retryCatalog)(nil)

func (c *retryCatalog) CommitTable(ctx context.Context, ident table.Identifier, reqs []table.Requirement, updates []table.Update) (table.Metadata, string, error) {
	meta, loc, err := c.Catalog.CommitTable(ctx, ident, reqs, updates)
	if err != nil && !errors.Is(err, table.ErrCommitFailed) && branchChanged.MatchString(err.Error()) {
		err = fmt.Errorf("%w: %w", table.ErrCommitFailed, err)
	}

	return meta, loc, err
}

func (c *retryCatalog) LoadTable(ctx context.Context, ident table.Identifier) (*table.Table, error) {
	t, err := c.Catalog.LoadTable(ctx, ident)
	if err != nil {
		return nil, err
	}

	return c.bind(t), nil
}

func (c *retryCatalog) CreateTable(ctx context.Context, ident table.Identifier, sc *iceberg.Schema, opts ...catalog.CreateTableOpt) (*table.Table, error) {
	t, err := c.Catalog.CreateTable(ctx, ident, sc, opts...)
	if err != nil {
		return nil, err
	}

	return c.bind(t), nil
}

func (c *retryCatalog) RenameTable(ctx context.Context, from, to table.Identifier) (*table.Table, error) {
	t, err := c.Catalog.RenameTable(ctx, from, to)
	if err != nil {
		return nil, err
	}

	return c.bind(t), nil
}

// Close closes the wrapped catalog when it holds resources.
func (c *retryCatalog) Close() error {
	if cl, ok := c.Catalog.(catalog.Closer); ok {
		return cl.Close()
	}

	return nil
}

func (c *retryCatalog) bind(t *table.Table) *table.Table {
	return table.New(t.Identifier(), t.Metadata(), t.MetadataLocation(), t.FS, c,
		table.WithMetricsReporter(t.MetricsReporter()))
}
