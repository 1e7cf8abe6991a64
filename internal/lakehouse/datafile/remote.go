package datafile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// Tables on object storage (a lakehouse at s3://bucket/prefix).
//
// DuckDB in this build cannot read or write object storage (no httpfs), so
// the files of such tables go through a local mirror folder: a file whose
// Iceberg path is <url>/<rel> has the local path <local>/<rel>. DuckDB's
// COPY writes new files there (staging), Upload sends them to the bucket
// before anything is committed, and Fetch downloads the files a read
// plans that are not there yet (a cache: data and delete files are never
// changed once written, and their names are unique). Table metadata and
// manifests do not go through the mirror: iceberg-go reads and writes them
// on the bucket with its own S3 IO.
//
// A lakehouse on object storage mounts its root once (Mount); every
// function of this package that turns an Iceberg path into a file DuckDB
// reads (LocalPath, PathSQL) then maps it, so the code paths written for
// local tables work unchanged.

// RemoteStore is what the mirror needs of an object store (objstore.Store
// has it): keys are object keys inside the mount's bucket.
type RemoteStore interface {
	Upload(ctx context.Context, file, key string) error
	Download(ctx context.Context, key, file string) error
	Delete(ctx context.Context, key string) error
}

type mount struct {
	url    string // s3://bucket/prefix, no trailing slash
	bucket string // "s3://bucket/": stripped from a path to get its key
	local  string // absolute local folder
	store  RemoteStore
	refs   int
}

var (
	mountsMu sync.RWMutex
	mounts   = map[string]*mount{}
)

// Mount maps the object storage root url (s3://bucket/prefix) to the local
// folder local and returns its release. Mounting the same url again with
// the same folder shares the mount; another folder is refused (two
// lakehouses of one process would disagree on where files are).
func Mount(url, local string, store RemoteStore) (func(), error) {
	url = strings.TrimSuffix(url, "/")
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok || scheme == "file" || rest == "" {
		return nil, fmt.Errorf("mount %s: not an object storage URL", url)
	}
	bucket, _, _ := strings.Cut(rest, "/")
	abs, err := filepath.Abs(local)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", url, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("mount %s: local folder: %w", url, err)
	}
	mountsMu.Lock()
	defer mountsMu.Unlock()
	m, ok := mounts[url]
	switch {
	case ok && m.local != abs:
		return nil, fmt.Errorf("mount %s: already mapped to the local folder %s, not %s", url, m.local, abs)
	case ok:
		m.refs++
	default:
		m = &mount{url: url, bucket: scheme + "://" + bucket + "/", local: abs, store: store, refs: 1}
		mounts[url] = m
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			mountsMu.Lock()
			defer mountsMu.Unlock()
			if m.refs--; m.refs == 0 {
				delete(mounts, url)
			}
		})
	}, nil
}

// IsRemote reports whether an Iceberg path is on object storage (has a
// scheme other than file://).
func IsRemote(p string) bool {
	scheme, _, ok := strings.Cut(p, "://")
	return ok && scheme != "file" && !strings.ContainsAny(scheme, "/\\")
}

// mountOf returns the mount a remote path lies under, and the path relative
// to its url ("" for the url itself).
func mountOf(p string) (*mount, string) {
	mountsMu.RLock()
	defer mountsMu.RUnlock()
	var best *mount
	for _, m := range mounts {
		if (p == m.url || strings.HasPrefix(p, m.url+"/")) && (best == nil || len(m.url) > len(best.url)) {
			best = m
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, strings.TrimPrefix(strings.TrimPrefix(p, best.url), "/")
}

// localOf returns the mount a local path lies under, and the path relative
// to its folder (slash-separated).
func localOf(p string) (*mount, string) {
	mountsMu.RLock()
	defer mountsMu.RUnlock()
	for _, m := range mounts {
		rel, err := filepath.Rel(m.local, p)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return m, filepath.ToSlash(rel)
		}
	}
	return nil, ""
}

// RemotePath returns the Iceberg path of a file written in a mount's local
// folder (s3://bucket/prefix/<rel>); other paths are returned unchanged.
func RemotePath(local string) string {
	m, rel := localOf(local)
	if m == nil {
		return local
	}
	if rel == "." {
		return m.url
	}
	return m.url + "/" + rel
}

// PathSQL returns a DuckDB expression that turns the Iceberg paths in the
// VARCHAR expression col (a position delete file's file_path) into the
// local paths DuckDB reads, as LocalPath does.
func PathSQL(col string) string {
	expr := "regexp_replace(" + col + ", '^file://', '')"
	mountsMu.RLock()
	urls := make([]string, 0, len(mounts))
	for u := range mounts {
		urls = append(urls, u)
	}
	sort.Slice(urls, func(i, j int) bool { return len(urls[i]) > len(urls[j]) })
	for _, u := range urls {
		m := mounts[u]
		repl := strings.ReplaceAll(filepath.ToSlash(m.local), `\`, `\\`) + "/"
		expr = "regexp_replace(" + expr + ", " + QuoteString("^"+regexp.QuoteMeta(u+"/")) + ", " + QuoteString(repl) + ")"
	}
	mountsMu.RUnlock()
	return expr
}

// transfers bounds parallel uploads and downloads.
const transfers = 8

// each runs fn on every item, transfers at a time, and returns the first
// error. After an error no new call starts, but the calls under way finish
// (a cancelled upload may still land on the server; the caller's clean-up
// must run after it).
func each(ctx context.Context, items []string, fn func(context.Context, string) error) error {
	sem := make(chan struct{}, transfers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, it := range items {
		mu.Lock()
		stop := len(errs) > 0
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, it); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return ctx.Err()
}

// Fetch makes sure every remote path of paths (Iceberg paths of data or
// delete files) has its local copy: the missing ones are downloaded into
// the mirror (under a temporary name, then renamed). Local paths are left
// alone.
func Fetch(ctx context.Context, paths ...string) error {
	seen := map[string]bool{}
	var todo []string
	for _, p := range paths {
		if seen[p] || !IsRemote(p) {
			continue
		}
		seen[p] = true
		m, _ := mountOf(p)
		if m == nil {
			return fmt.Errorf("read %s: no lakehouse on object storage holds it (DuckDB reads object storage only through a lakehouse depot's local mirror)", p)
		}
		if _, err := os.Stat(LocalPath(p)); err == nil {
			continue
		}
		todo = append(todo, p)
	}
	return each(ctx, todo, func(ctx context.Context, p string) error {
		m, _ := mountOf(p)
		local := LocalPath(p)
		if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
			return fmt.Errorf("download %s: %w", p, err)
		}
		tmp := filepath.Join(filepath.Dir(local), "."+filepath.Base(local)+"."+randomID()+".download")
		if err := m.store.Download(ctx, strings.TrimPrefix(p, m.bucket), tmp); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("download %s: %w", p, err)
		}
		if err := os.Rename(tmp, local); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("download %s: %w", p, err)
		}
		return nil
	})
}

// Upload sends the files staged in a mount's local folder to their keys in
// the bucket; files outside every mount (local tables) and files without
// rows (which the writers remove) are left alone. It
// runs before the commit that references them, so a failed upload leaves
// the table as it was; the caller removes the staged files
// (RemoveStaged also deletes their uploaded objects).
func Upload(ctx context.Context, files []StagedFile) error {
	var todo []string
	for _, f := range files {
		if m, _ := localOf(f.Path); m != nil && f.Rows > 0 {
			todo = append(todo, f.Path)
		}
	}
	return each(ctx, todo, func(ctx context.Context, p string) error {
		m, rel := localOf(p)
		key := strings.TrimPrefix(m.url+"/"+rel, m.bucket)
		if err := m.store.Upload(ctx, p, key); err != nil {
			return fmt.Errorf("upload %s: %w", RemotePath(p), err)
		}
		crashpoint.Hit(crashpoint.FileUploaded)
		return nil
	})
}

// removeRemote deletes, best effort, the object of a staged local file.
func removeRemote(local string, log interface{ Warn(string, ...any) }) {
	m, rel := localOf(local)
	if m == nil {
		return
	}
	key := strings.TrimPrefix(m.url+"/"+rel, m.bucket)
	if err := m.store.Delete(context.Background(), key); err != nil {
		log.Warn("could not remove uploaded file", "path", m.url+"/"+rel, "err", err)
	}
}

// DeleteRemote deletes the object of a remote path (best effort callers
// ignore the error); a missing object is not an error.
func DeleteRemote(ctx context.Context, p string) error {
	m, _ := mountOf(p)
	if m == nil {
		return fmt.Errorf("delete %s: %w", p, errNoMount)
	}
	if err := m.store.Delete(ctx, strings.TrimPrefix(p, m.bucket)); err != nil {
		return err
	}
	if err := os.Remove(LocalPath(p)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

var errNoMount = errors.New("no lakehouse on object storage holds it")

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
