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
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/utils"
	"github.com/aws/aws-sdk-go-v2/aws"
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

// branchChanged matches the requirement errors the SQL catalog returns when a
// concurrent writer moved a branch or created it first (apache/iceberg-go#1079:
// they are not wrapped as table.ErrCommitFailed, so iceberg-go's commit retry
// never fires).
var branchChanged = regexp.MustCompile(`(?i)requirement failed: branch "[^"]*" (has changed|was created concurrently)`)

// retryCatalog delegates to an iceberg-go catalog and maps stale-branch commit
// errors to table.ErrCommitFailed. Tables it loads or creates are bound to it.
// Flare commits through internal/lakehouse/commit, which retries by itself;
// the mapping is for code that commits an iceberg-go Transaction on a table
// of the lakehouse directly (Lakehouse.Catalog), so that iceberg-go's own
// refresh-and-replay retry (commit.retry.num-retries) works there too.
type retryCatalog struct {
	catalog.Catalog
	// aws, for a lakehouse on S3, is the AWS configuration iceberg-go's S3
	// IO starts from (remote.go), so that it is loaded once, not on every
	// table load and every Table.FS call.
	aws *aws.Config
}

// withAWS hands the lakehouse's AWS configuration to iceberg-go's S3 IO
// through ctx (iceberg-go's utils.WithAwsConfig); local lakehouses have none.
func (c *retryCatalog) withAWS(ctx context.Context) context.Context {
	if c.aws == nil {
		return ctx
	}
	return utils.WithAwsConfig(ctx, c.aws)
}

var _ catalog.Catalog = (*retryCatalog)(nil)

// catalogInitLock is the PostgreSQL advisory lock key under which a process
// creates the SQL catalog's tables; any 64-bit number would do, as long as
// every Flare process uses the same one ("flare-ic" in ASCII).
const catalogInitLock int64 = 0x666c6172652d6963

// newSQLCatalog opens iceberg-go's SQL catalog on db. The catalog creates
// its tables on first use with CREATE TABLE IF NOT EXISTS, which is not
// safe when several processes do it at once on PostgreSQL (a duplicate key
// on pg_type): there the creation runs under an advisory lock, so the first
// process creates the tables and the others find them.
func newSQLCatalog(ctx context.Context, name string, db *sql.DB, dialect sqlcat.SupportedDialect, props iceberg.Properties) (*sqlcat.Catalog, error) {
	if dialect != sqlcat.Postgres {
		return sqlcat.NewCatalog(name, db, dialect, props)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", catalogInitLock); err != nil {
		return nil, fmt.Errorf("lock the catalog for its first use: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", catalogInitLock)
	}()

	return sqlcat.NewCatalog(name, db, dialect, props)
}

func (c *retryCatalog) CommitTable(ctx context.Context, ident table.Identifier, reqs []table.Requirement, updates []table.Update) (table.Metadata, string, error) {
	meta, loc, err := c.Catalog.CommitTable(c.withAWS(ctx), ident, reqs, updates)
	if err != nil && !errors.Is(err, table.ErrCommitFailed) && branchChanged.MatchString(err.Error()) {
		err = fmt.Errorf("%w: %w", table.ErrCommitFailed, err)
	}

	return meta, loc, err
}

func (c *retryCatalog) LoadTable(ctx context.Context, ident table.Identifier) (*table.Table, error) {
	t, err := c.Catalog.LoadTable(c.withAWS(ctx), ident)
	if err != nil {
		return nil, err
	}

	return c.bind(t), nil
}

func (c *retryCatalog) CreateTable(ctx context.Context, ident table.Identifier, sc *iceberg.Schema, opts ...catalog.CreateTableOpt) (*table.Table, error) {
	t, err := c.Catalog.CreateTable(c.withAWS(ctx), ident, sc, opts...)
	if err != nil {
		return nil, err
	}

	return c.bind(t), nil
}

func (c *retryCatalog) RenameTable(ctx context.Context, from, to table.Identifier) (*table.Table, error) {
	t, err := c.Catalog.RenameTable(c.withAWS(ctx), from, to)
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
	fs := t.FS
	if c.aws != nil {
		fs = func(ctx context.Context) (iceio.IO, error) { return t.FS(c.withAWS(ctx)) }
	}
	return table.New(t.Identifier(), t.Metadata(), t.MetadataLocation(), fs, c,
		table.WithMetricsReporter(t.MetricsReporter()))
}
