package lakehouse

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	s3io "github.com/apache/iceberg-go/io/gocloud/s3" // iceberg-go's S3 IO: table metadata and manifests on the bucket
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
	"github.com/flare-lakehouse/flare/internal/objstore"
)

// MirrorDir is the folder, inside the state folder of a lakehouse on
// object storage, that holds local copies of its data and delete files.
const MirrorDir = "files"

// remoteRoot is what a lakehouse on object storage holds besides the
// catalog: its bucket and the mount of its file mirror.
type remoteRoot struct {
	store   *objstore.Store
	state   string
	unmount func()
}

func (r *remoteRoot) close() error {
	r.unmount()
	return r.store.Close()
}

// openRemote opens a lakehouse whose root is s3://bucket/prefix:
//   - the catalog is local (SQLite at <StateDir>/catalog.db) or the
//     PostgreSQL database CatalogURI names: object storage has no atomic
//     compare-and-swap that a catalog could rely on;
//   - table metadata, manifest lists and manifests are written and read
//     by iceberg-go's S3 IO on the bucket (<root>/<collection>/<dataset>/metadata);
//   - data and delete files are written by DuckDB into the local mirror
//     (<StateDir>/files) and uploaded before the commit that references
//     them; reads download the files they plan into the same mirror
//     (datafile.Mount).
func openRemote(ctx context.Context, root string, opt Options) (*Lakehouse, error) {
	bucket, key, err := objstore.ParseURL(root)
	if err != nil {
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	key = strings.Trim(key, "/")
	url := "s3://" + bucket
	if key != "" {
		url += "/" + key
	}
	if opt.StateDir == "" {
		return nil, fmt.Errorf("open lakehouse %s: a lakehouse on object storage needs a local state folder (catalog and file mirror)", root)
	}
	state, err := filepath.Abs(opt.StateDir)
	if err != nil {
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
	if opt.ObjectStore.AccessKeyID == "" || opt.ObjectStore.SecretAccessKey == "" {
		// objstore would send anonymous requests, iceberg-go's S3 IO would
		// look for credentials elsewhere (shared config, instance metadata):
		// the two must agree, and a lakehouse is written to.
		return nil, fmt.Errorf("open lakehouse %s: a lakehouse on object storage needs an access key id and a secret access key (the depot's access_key_id_env and secret_access_key_env, default AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", root)
	}
	store, err := objstore.Open(ctx, bucket, opt.ObjectStore)
	if err != nil {
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	if err := store.Check(ctx); err != nil {
		_ = store.Close()
		where := "AWS S3"
		if opt.ObjectStore.Endpoint != "" {
			where = opt.ObjectStore.Endpoint
		}
		return nil, fmt.Errorf("open lakehouse %s at %s: %w", root, where, err)
	}
	unmount, err := datafile.Mount(url, filepath.Join(state, MirrorDir), store)
	if err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	rr := &remoteRoot{store: store, state: state, unmount: unmount}
	db, dialect, dbPath, err := openCatalogDB(ctx, state, opt.CatalogURI)
	if err != nil {
		_ = rr.close()
		return nil, fmt.Errorf("open lakehouse %s: %w", root, err)
	}
	atomicio.Install() // the SQLite file's folder is local; metadata goes to the bucket
	props := iceberg.Properties{"warehouse": url}
	for k, v := range S3Properties(opt.ObjectStore) {
		props[k] = v
	}
	awsCfg, err := s3io.ParseAWSConfig(ctx, props) // loaded once: iceberg-go would load it for every IO it opens
	if err != nil {
		_ = db.Close()
		_ = rr.close()
		return nil, fmt.Errorf("open lakehouse %s: AWS configuration: %w", root, err)
	}
	cat, err := newSQLCatalog(ctx, name, db, dialect, props)
	if err != nil {
		_ = db.Close()
		_ = rr.close()
		return nil, fmt.Errorf("open lakehouse %s: catalog %s: %w", root, dbPath, err)
	}
	logger.Debug("lakehouse opened", "root", url, "catalog", dbPath, "state", state, "driver", sqliteshim.DriverName())

	return &Lakehouse{root: url, name: name, db: db, cat: &retryCatalog{Catalog: cat, aws: awsCfg}, log: logger, remote: rr}, nil
}

// S3Properties are iceberg-go's S3 IO properties for an object store's
// settings (what other Iceberg engines need to read the tables too).
func S3Properties(cfg objstore.Config) iceberg.Properties {
	props := iceberg.Properties{}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	props[iceio.S3Region] = region
	if cfg.Endpoint != "" {
		props[iceio.S3EndpointURL] = cfg.Endpoint
		props[iceio.S3ForceVirtualAddressing] = strconv.FormatBool(cfg.VirtualHosted)
	}
	if cfg.AccessKeyID != "" {
		props[iceio.S3AccessKeyID] = cfg.AccessKeyID
		props[iceio.S3SecretAccessKey] = cfg.SecretAccessKey
		if cfg.SessionToken != "" {
			props[iceio.S3SessionToken] = cfg.SessionToken
		}
	}
	return props
}

// OnObjectStorage reports whether the lakehouse's root is on object storage.
func (l *Lakehouse) OnObjectStorage() bool { return l.remote != nil }

// StateDir is the local state folder of a lakehouse on object storage
// (catalog, file mirror); empty for a local lakehouse.
func (l *Lakehouse) StateDir() string {
	if l.remote == nil {
		return ""
	}
	return l.remote.state
}

// Store is the bucket of a lakehouse on object storage, nil for a local
// one; it stays open until the lakehouse is closed.
func (l *Lakehouse) Store() *objstore.Store {
	if l.remote == nil {
		return nil
	}
	return l.remote.store
}

// fetchTasks makes sure the files a read planned have local copies (a
// table on object storage; nothing to do for a local one).
func fetchTasks(ctx context.Context, tasks []table.FileScanTask) error {
	var paths []string
	for _, t := range tasks {
		paths = append(paths, t.File.FilePath())
		for _, d := range t.DeleteFiles {
			paths = append(paths, d.FilePath())
		}
	}
	return Fetch(ctx, paths...)
}

// Fetch makes sure data or delete files of a table on object storage
// (their Iceberg paths) have local copies that the SQL of SelectSQL,
// ReadFilesSQL and PlanFiles can read; local paths are left alone.
func Fetch(ctx context.Context, paths ...string) error {
	if err := datafile.Fetch(ctx, paths...); err != nil {
		return fmt.Errorf("download table files: %w", err)
	}
	return nil
}

// LocalPath is the local file DuckDB reads for an Iceberg path: the path
// itself for a local table, the mirror copy for a table on object storage.
func LocalPath(p string) string { return datafile.LocalPath(p) }

// DeleteObject deletes a file of a table on object storage (its Iceberg
// path) from the bucket and from the local mirror; a missing file is not
// an error.
func DeleteObject(ctx context.Context, p string) error {
	return datafile.DeleteRemote(ctx, p)
}

// DropLocalCopy removes, best effort, the mirror copy of a file of a table
// on object storage (after the file left the bucket); nothing for a local
// path.
func DropLocalCopy(p string) {
	if datafile.IsRemote(p) {
		if lp := datafile.LocalPath(p); lp != p {
			_ = os.Remove(lp)
		}
	}
}
