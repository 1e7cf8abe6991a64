package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
	"github.com/flare-lakehouse/flare/internal/objstore"
)

// CatalogFile is the name of the embedded SQLite catalog inside the root.
const CatalogFile = "catalog.db"

// sqliteBusyTimeoutMs is how long a SQLite catalog connection waits for a
// lock held by another writer before failing with SQLITE_BUSY.
const sqliteBusyTimeoutMs = 10000

// Options configure Open.
type Options struct {
	// Name is the depot name, e.g. "lakehouse"; it is the catalog name stored
	// with every row of the SQL catalog. Empty means "lakehouse".
	Name string
	// CatalogURI overrides the embedded SQLite catalog: a path or
	// "sqlite://<path>" / "file:<path>", or a PostgreSQL database
	// "postgres://user:pass@host:port/db" (see openCatalogDB).
	CatalogURI string
	// Logger receives debug and info records; nil discards them.
	Logger *slog.Logger
	// ObjectStore says how to reach the bucket when the root is on object
	// storage (s3://bucket/prefix); ignored for a local root. Zero value:
	// AWS S3 with anonymous requests.
	ObjectStore objstore.Config
	// StateDir is the local folder of a lakehouse on object storage: the
	// SQLite catalog (<StateDir>/catalog.db, unless CatalogURI names
	// another) and the mirror of its files (<StateDir>/files: staging of
	// new files, cache of downloaded ones; safe to delete when no Flare
	// process runs). Required for an s3:// root; unused for a local root,
	// whose catalog is <root>/catalog.db.
	StateDir string
}

// Lakehouse is a folder of Iceberg tables with its catalog.
type Lakehouse struct {
	root string
	name string
	db   *sql.DB
	cat  *retryCatalog
	log  *slog.Logger
	// remote is set for a lakehouse on object storage (remote.go).
	remote *remoteRoot
}

// TableName names a table: a collection (Iceberg namespace) and a dataset.
type TableName struct{ Collection, Dataset string }

// String returns "collection.dataset".
func (n TableName) String() string { return n.Collection + "." + n.Dataset }

func (n TableName) ident() table.Identifier { return table.Identifier{n.Collection, n.Dataset} }

func (n TableName) validate() error {
	if n.Collection == "" || n.Dataset == "" || strings.Contains(n.Collection, ".") || strings.Contains(n.Dataset, ".") {
		return fmt.Errorf("%w: table name %q must be collection.dataset with non-empty parts", ErrInvalidSpec, n.String())
	}

	return nil
}

// Open opens (creating if missing) the lakehouse at root.
func Open(ctx context.Context, root string, opt Options) (*Lakehouse, error) {
	if datafile.IsRemote(root) {
		return openRemote(ctx, root, opt) // remote.go
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	name := opt.Name
	if name == "" {
		name = "lakehouse"
	}
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	db, dialect, dbPath, err := openCatalogDB(ctx, abs, opt.CatalogURI) // catalog.go: SQLite or PostgreSQL
	if err != nil {
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	atomicio.Install() // local metadata files are written under a temporary name, then renamed
	cat, err := newSQLCatalog(ctx, name, db, dialect, iceberg.Properties{
		"warehouse": abs,
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open lakehouse %s: catalog %s: %w", root, dbPath, err)
	}
	logger.Debug("lakehouse opened", "root", abs, "catalog", dbPath, "driver", sqliteshim.DriverName())

	return &Lakehouse{root: abs, name: name, db: db, cat: &retryCatalog{Catalog: cat}, log: logger}, nil
}

// catalogPath returns the SQLite file of the catalog: <root>/catalog.db unless
// uri names another SQLite file.
func catalogPath(root, uri string) (string, error) {
	switch {
	case uri == "":
		return filepath.Join(root, CatalogFile), nil
	case strings.HasPrefix(uri, "sqlite://"):
		return strings.TrimPrefix(uri, "sqlite://"), nil
	case strings.HasPrefix(uri, "file:"):
		return strings.TrimPrefix(uri, "file:"), nil
	case strings.Contains(uri, "://"):
		return "", fmt.Errorf("%w: %s", ErrUnsupportedCatalog, redact(uri))
	default:
		return uri, nil
	}
}

func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "<catalog uri>"
	}

	return u.Redacted()
}

// sqliteDSN returns the DSN for the SQLite catalog file. The pragmas are
// spelled for modernc.org/sqlite (what sqliteshim picks on linux/darwin/windows
// amd64/arm64); mattn/go-sqlite3 spells them _busy_timeout and _journal_mode,
// so both are given. Every pooled connection runs them.
func sqliteDSN(path string) string {
	q := url.Values{}
	if sqliteshim.DriverName() == "sqlite3" { // mattn
		q.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeoutMs))
		q.Set("_journal_mode", "WAL")
	} else {
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeoutMs))
		q.Add("_pragma", "journal_mode(WAL)")
	}

	return "file:" + path + "?" + q.Encode()
}

// Root returns the absolute folder of the lakehouse.
func (l *Lakehouse) Root() string { return l.root }

// Catalog returns the iceberg-go catalog (wrapped so that concurrent commits
// retry); tables it loads are bound to it.
func (l *Lakehouse) Catalog() catalog.Catalog { return l.cat }

// Close closes the catalog.
func (l *Lakehouse) Close() error {
	err := l.cat.Close()
	if l.remote != nil {
		if cerr := l.remote.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if cerr := l.db.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close lakehouse %s: %w", l.root, err)
	}

	return nil
}

// Tables lists all tables, sorted by name.
func (l *Lakehouse) Tables(ctx context.Context) ([]TableName, error) {
	nss, err := l.cat.ListNamespaces(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("list tables in %s: %w", l.root, err)
	}
	var out []TableName
	for _, ns := range nss {
		for ident, err := range l.cat.ListTables(ctx, ns) {
			if err != nil {
				return nil, fmt.Errorf("list tables in %s: %w", strings.Join(ns, "."), err)
			}
			if len(ident) != 2 {
				continue
			}
			out = append(out, TableName{Collection: ident[0], Dataset: ident[1]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })

	return out, nil
}

// LoadTable loads a table; errors.Is(err, ErrNoSuchTable) when it is missing.
func (l *Lakehouse) LoadTable(ctx context.Context, n TableName) (*Table, error) {
	if err := n.validate(); err != nil {
		return nil, err
	}
	t, err := l.cat.LoadTable(ctx, n.ident())
	if err != nil {
		if errors.Is(err, catalog.ErrNoSuchTable) || errors.Is(err, catalog.ErrNoSuchNamespace) {
			return nil, fmt.Errorf("load table %s: %w", n, ErrNoSuchTable)
		}
		return nil, fmt.Errorf("load table %s: %w", n, err)
	}

	return &Table{name: n, tbl: t, cat: l.cat, log: l.log}, nil
}

// tableLocation is where a table's files live: <root>/<collection>/<dataset>.
func (l *Lakehouse) tableLocation(n TableName) string {
	if l.remote != nil {
		return l.root + "/" + n.Collection + "/" + n.Dataset
	}
	return filepath.Join(l.root, n.Collection, n.Dataset)
}

func (l *Lakehouse) ensureNamespace(ctx context.Context, collection string) error {
	ns := table.Identifier{collection}
	pol := commit.DefaultPolicy
	for k := 1; ; k++ {
		ok, err := l.cat.CheckNamespaceExists(ctx, ns)
		if err == nil && ok {
			return nil
		}
		if err == nil {
			err = l.cat.CreateNamespace(ctx, ns, nil)
			if err == nil || errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
				return nil
			}
		}
		// another process creating it at the same time (see createTable)
		if !commit.Transient(err) || k > pol.Retries {
			return fmt.Errorf("create collection %s: %w", collection, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pol.Backoff(k)):
		}
	}
}
