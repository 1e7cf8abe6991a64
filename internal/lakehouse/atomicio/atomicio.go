// Package atomicio is the iceberg-go file IO Flare uses for local tables: it
// is iceberg-go's LocalFS, except that a file iceberg-go creates (table
// metadata, manifest lists, manifests) is written under a temporary name in
// the same folder and renamed to its final name only once it is complete. A
// process that dies while writing therefore never leaves a truncated
// NNNNN-<uuid>.metadata.json (or manifest) under a final name, only a
// hidden temporary file that `remove-orphans` reports and removes
// (docs/reliability.md).
//
// It also records, per context, which files were created (Track), so that
// the commit path can remove exactly the files of a commit attempt that
// certainly did not land.
//
// Install replaces iceberg-go's registered IO for local paths (no scheme and
// file://) with this one; it does not touch other schemes. The package owns
// no other state and reads no table metadata.
package atomicio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	iceio "github.com/apache/iceberg-go/io"

	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// TempMarker is part of the name of every temporary file: a file named
// ".<final name>.<random>" + TempMarker is a write that never completed.
const TempMarker = ".flare-tmp"

// MetadataSuffix ends the name of a table metadata file.
const MetadataSuffix = ".metadata.json"

var installOnce sync.Once

// Install makes iceberg-go open local paths (no scheme, or file://) through
// this package. It is idempotent and safe for concurrent use.
func Install() {
	installOnce.Do(func() {
		factory := func(ctx context.Context, _ *url.URL, _ map[string]string) (iceio.IO, error) {
			return FS{rec: recorderOf(ctx)}, nil
		}
		for _, scheme := range []string{"", "file"} {
			iceio.Unregister(scheme)
			iceio.Register(scheme, factory)
		}
	})
}

// IsTemp reports whether a file name (base name or path) is one of this
// package's temporary files.
func IsTemp(name string) bool {
	base := filepath.Base(name)
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, TempMarker)
}

// FS is iceberg-go's LocalFS with atomic Create and WriteFile.
type FS struct {
	iceio.LocalFS
	rec *Recorder
}

var (
	_ iceio.WriteFileIO = FS{}
	_ iceio.ListableIO  = FS{}
)

// Create returns a writer whose content appears under name only when it is
// closed without error.
func (f FS) Create(name string) (iceio.FileWriter, error) {
	final, err := localPath(name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	tmp, err := tempName(final)
	if err != nil {
		return nil, err
	}
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}

	return &writer{File: file, tmp: tmp, final: final, name: name, rec: f.rec,
		metadata: strings.HasSuffix(final, MetadataSuffix)}, nil
}

// WriteFile writes content to a temporary file and renames it to name.
func (f FS) WriteFile(name string, content []byte) error {
	w, err := f.Create(name)
	if err != nil {
		return err
	}
	if _, err := w.Write(content); err != nil {
		_ = w.(*writer).abort()
		return err
	}

	return w.Close()
}

type writer struct {
	*os.File
	tmp, final, name string
	rec              *Recorder
	metadata         bool
	wrote            bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.metadata && !w.wrote && len(p) > 1 && crashpoint.Armed(crashpoint.MetadataPartial) {
		_, _ = w.File.Write(p[:len(p)/2])
		crashpoint.Hit(crashpoint.MetadataPartial)
	}
	w.wrote = true
	return w.File.Write(p)
}

// ReadFrom copies through Write (os.File's own ReadFrom would bypass it).
func (w *writer) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{w}, r)
}

func (w *writer) Close() error {
	if err := w.File.Close(); err != nil {
		_ = os.Remove(w.tmp)
		return err
	}
	if err := os.Rename(w.tmp, w.final); err != nil {
		_ = os.Remove(w.tmp)
		return err
	}
	w.rec.add(w.name)
	if w.metadata {
		crashpoint.Hit(crashpoint.MetadataWritten)
	}

	return nil
}

func (w *writer) abort() error {
	_ = w.File.Close()
	return os.Remove(w.tmp)
}

func tempName(final string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("temporary name for %s: %w", final, err)
	}

	return filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+"."+hex.EncodeToString(b[:])+TempMarker), nil
}

// localPath turns a path or file:// URI into a local path, as LocalFS does.
func localPath(name string) (string, error) {
	if !strings.Contains(name, "://") && !strings.HasPrefix(name, "file:") {
		return filepath.FromSlash(name), nil
	}
	u, err := url.Parse(name)
	if err != nil {
		return "", fmt.Errorf("invalid local file path %q: %w", name, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("unsupported local filesystem scheme %q", u.Scheme)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return "", fmt.Errorf("unsupported file URI authority %q", u.Host)
	}
	p := u.Path
	if p == "" {
		p = u.Opaque
	}

	return filepath.FromSlash(p), nil
}

// Recorder collects the files created through contexts it tracks.
type Recorder struct {
	mu    sync.Mutex
	paths []string
}

type recorderKey struct{}

// Track returns a context under which every file iceberg-go creates through
// this IO is recorded in the returned Recorder.
func Track(ctx context.Context) (context.Context, *Recorder) {
	r := &Recorder{}
	return context.WithValue(ctx, recorderKey{}, r), r
}

func recorderOf(ctx context.Context) *Recorder {
	if ctx == nil {
		return nil
	}
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}

func (r *Recorder) add(name string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.paths = append(r.paths, name)
	r.mu.Unlock()
}

// Paths returns the files created so far, in creation order, as iceberg-go
// named them.
func (r *Recorder) Paths() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.paths...)
}

// Metadata returns the table metadata files created so far.
func (r *Recorder) Metadata() []string {
	var out []string
	for _, p := range r.Paths() {
		if strings.HasSuffix(p, MetadataSuffix) {
			out = append(out, p)
		}
	}
	return out
}

// RemoveAll deletes the recorded files (best effort) and forgets them; it
// returns the paths it could not delete.
func (r *Recorder) RemoveAll() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	paths := r.paths
	r.paths = nil
	r.mu.Unlock()
	var failed []string
	for _, p := range paths {
		lp, err := localPath(p)
		if err == nil {
			err = os.Remove(lp)
		}
		if err != nil && !os.IsNotExist(err) {
			failed = append(failed, p)
		}
	}
	return failed
}
