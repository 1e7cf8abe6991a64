package maintenance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
)

// DefaultOrphanAge is how old a file must be, by default, before
// RemoveOrphans deletes it: older than any write still in flight.
const DefaultOrphanAge = 3 * 24 * time.Hour

// OrphanOptions configure RemoveOrphans (remove_orphans).
type OrphanOptions struct {
	// OlderThan: only files last modified before it are removed; zero means
	// DefaultOrphanAge ago.
	OlderThan time.Time
	// Location limits the search to a folder inside the table's location
	// (absolute, or relative to the table location).
	Location string
	DryRun   bool
}

// RemoveOrphans deletes the files under the table's location that no
// metadata of the table references (no snapshot's manifest list, manifest,
// data or delete file, no metadata file in the log) and that are older
// than OlderThan. Candidates come from iceberg-go's PlanOrphanFiles; they
// are then kept only when they are regular files (never symlinks, which
// are neither followed nor removed) whose real path lies inside the
// table's real location and outside any other table's folder: another
// table of the lakehouse, or any folder with its own metadata/*.metadata.json
// or catalog.db, even when nested inside this table's folder.
func RemoveOrphans(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, opt OrphanOptions) (*Report, error) {
	start := time.Now()
	rep, err := removeOrphans(ctx, l, t, opt)
	if err != nil {
		return nil, fmt.Errorf("remove_orphans on table %s: %w", t.Name(), err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func removeOrphans(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, opt OrphanOptions) (*Report, error) {
	tbl := t.Iceberg()
	rep := &Report{Action: ActionRemoveOrphans, Table: t.Name().String(), DryRun: opt.DryRun}
	cutoff := opt.OlderThan
	if cutoff.IsZero() {
		cutoff = time.Now().Add(-DefaultOrphanAge)
	}
	if l.OnObjectStorage() {
		return removeRemoteOrphans(ctx, l, t, opt, rep, cutoff) // orphans_s3.go
	}
	loc := localPath(tbl.Location())
	if !filepath.IsAbs(loc) {
		return nil, fmt.Errorf("table location %s is not a local folder; remove_orphans supports local tables only", tbl.Location())
	}
	realLoc, err := filepath.EvalSymlinks(loc)
	if err != nil {
		return nil, fmt.Errorf("table location %s: %w", loc, err)
	}
	scan := loc
	if opt.Location != "" {
		scan = localPath(opt.Location)
		if !filepath.IsAbs(scan) {
			scan = filepath.Join(loc, scan)
		}
		scan = filepath.Clean(scan)
		if !inside(loc, scan) {
			return nil, fmt.Errorf("%w: location %s is outside the table's location %s", ErrInvalidOption, opt.Location, loc)
		}
		realScan, err := filepath.EvalSymlinks(scan)
		if err != nil {
			return nil, fmt.Errorf("location %s: %w", opt.Location, err)
		}
		if !inside(realLoc, realScan) {
			return nil, fmt.Errorf("%w: location %s leads outside the table's location %s through a symlink", ErrInvalidOption, opt.Location, loc)
		}
	}
	fenced, err := otherTables(ctx, l, t, realLoc)
	if err != nil {
		return nil, err
	}

	plan, err := tbl.PlanOrphanFiles(ctx, table.WithLocation(scan), table.WithFilesOlderThan(max(0, time.Since(cutoff))))
	if err != nil {
		return nil, fmt.Errorf("find unreferenced files: %w", err)
	}
	versions := committedVersions(tbl)
	for _, of := range plan.OrphanFiles() {
		p := filepath.Clean(localPath(of.Path))
		ok, err := removable(p, scan, realLoc, fenced, cutoff)
		if err != nil {
			return nil, err
		}
		if ok {
			rep.Removed = append(rep.Removed, File{Path: p, Bytes: of.SizeBytes, Kind: orphanKind(p, loc, of.SizeBytes, versions)})
		}
	}
	sort.Slice(rep.Removed, func(i, j int) bool { return rep.Removed[i].Path < rep.Removed[j].Path })
	if len(rep.Removed) == 0 {
		rep.Note = "no orphan files older than " + cutoff.UTC().Format(time.RFC3339)
	} else if n := countKind(rep.Removed, KindUncommittedMetadata) + countKind(rep.Removed, KindTemporary); n > 0 {
		rep.Note = fmt.Sprintf("%d of them from commits that never landed (a crash or a lost race inside a commit); the table's committed metadata is intact", n)
	}
	if opt.DryRun {
		return rep, nil
	}
	var errs []string
	for _, f := range rep.Removed {
		if err := os.Remove(f.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Sprintf("%s: %v", f.Path, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d orphan files could not be deleted: %s", len(errs), strings.Join(errs, "; "))
	}
	return rep, nil
}

// Kinds of orphan files (File.Kind) remove_orphans reports.
const (
	// KindData and KindDelete are staged data and position delete files
	// of writes that did not commit.
	KindData   = "data"
	KindDelete = "delete"
	// KindManifest and KindManifestList are manifests and manifest lists
	// written for a commit that did not land.
	KindManifest     = "manifest"
	KindManifestList = "manifest-list"
	// KindUncommittedMetadata is a table metadata file that no commit made
	// current: its version is newer than the table's, or another file of
	// the same version is the committed one (a crash inside a commit, or a
	// commit that lost the race to another writer).
	KindUncommittedMetadata = "uncommitted-metadata"
	// KindOldMetadata is a metadata file older than the table's metadata
	// log keeps (write.metadata.previous-versions-max).
	KindOldMetadata = "old-metadata"
	// KindTemporary is a file a write left under a temporary name when it
	// died before renaming it (internal/lakehouse/atomicio).
	KindTemporary = "temporary"
	// KindOther is any other file no metadata references.
	KindOther = "orphan"
)

var metadataName = regexp.MustCompile(`^(\d+)-[0-9a-fA-F-]{36}(\.[a-z0-9]+)?\.metadata\.json$`)

// committedVersions returns the metadata versions of the table's current
// metadata file and its metadata log, and the lowest of them.
func committedVersions(tbl *table.Table) map[int]bool {
	out := map[int]bool{}
	add := func(p string) {
		if m := metadataName.FindStringSubmatch(filepath.Base(p)); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil {
				out[v] = true
			}
		}
	}
	add(tbl.MetadataLocation())
	for e := range tbl.Metadata().PreviousFiles() {
		add(e.MetadataFile)
	}
	return out
}

// orphanKind says what an unreferenced file is, from its name and place.
func orphanKind(p, loc string, size int64, versions map[int]bool) string {
	base := filepath.Base(p)
	rel, _ := filepath.Rel(loc, p)
	inMetadata := strings.HasPrefix(rel, "metadata"+string(filepath.Separator))
	switch {
	case atomicio.IsTemp(base):
		return KindTemporary
	case inMetadata && strings.HasSuffix(base, atomicio.MetadataSuffix):
		m := metadataName.FindStringSubmatch(base)
		if m == nil {
			return KindUncommittedMetadata
		}
		v, _ := strconv.Atoi(m[1])
		newest, oldest := -1, -1
		for c := range versions {
			newest = max(newest, c)
			if oldest < 0 || c < oldest {
				oldest = c
			}
		}
		if size == 0 || versions[v] || v > newest || v >= oldest {
			return KindUncommittedMetadata
		}
		return KindOldMetadata
	case inMetadata && strings.HasSuffix(base, ".avro"):
		if strings.HasPrefix(base, "snap-") {
			return KindManifestList
		}
		return KindManifest
	case strings.HasSuffix(base, ".parquet") && strings.Contains(base, "-deletes-"):
		return KindDelete
	case strings.HasSuffix(base, ".parquet"):
		return KindData
	}
	return KindOther
}

func countKind(fs []File, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// removable applies the safety rules to one candidate.
func removable(p, scan, realLoc string, fenced []string, cutoff time.Time) (bool, error) {
	if !inside(scan, p) {
		return false, nil
	}
	st, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("check %s: %w", p, err)
	}
	if !st.Mode().IsRegular() || !st.ModTime().Before(cutoff) {
		return false, nil
	}
	realDir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return false, nil //nolint:nilerr // vanished or unreadable: not ours to delete
	}
	real := filepath.Join(realDir, filepath.Base(p))
	if !inside(realLoc, real) {
		return false, nil
	}
	for _, f := range fenced {
		if inside(f, real) {
			return false, nil
		}
	}
	return true, nil
}

// otherTables returns the real folders, inside realLoc, that belong to
// other tables: locations of the lakehouse's other tables, and folders
// holding their own Iceberg metadata or a catalog.
func otherTables(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, realLoc string) ([]string, error) {
	var out []string
	names, err := l.Tables(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == t.Name() {
			continue
		}
		o, err := l.LoadTable(ctx, n)
		if err != nil {
			return nil, err
		}
		p := localPath(o.Iceberg().Location())
		if rp, err := filepath.EvalSymlinks(p); err == nil {
			p = rp
		}
		if p != realLoc && inside(realLoc, p) {
			out = append(out, p)
		}
	}
	err = filepath.WalkDir(realLoc, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == realLoc {
			return nil //nolint:nilerr // unreadable folders hold nothing we delete
		}
		if _, err := os.Stat(filepath.Join(p, lakehouse.CatalogFile)); err == nil {
			out = append(out, p)
			return filepath.SkipDir
		}
		if p != filepath.Join(realLoc, "metadata") {
			if m, _ := filepath.Glob(filepath.Join(p, "metadata", "*.metadata.json")); len(m) > 0 {
				out = append(out, p)
				return filepath.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look for nested tables under %s: %w", realLoc, err)
	}
	return out, nil
}

// inside reports whether p is dir or lies under it (both clean, absolute).
func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func localPath(p string) string { return strings.TrimPrefix(p, "file://") }
