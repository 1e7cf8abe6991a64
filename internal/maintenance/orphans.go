package maintenance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
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
	for _, of := range plan.OrphanFiles() {
		p := filepath.Clean(localPath(of.Path))
		ok, err := removable(p, scan, realLoc, fenced, cutoff)
		if err != nil {
			return nil, err
		}
		if ok {
			rep.Removed = append(rep.Removed, File{Path: p, Bytes: of.SizeBytes, Kind: "orphan"})
		}
	}
	sort.Slice(rep.Removed, func(i, j int) bool { return rep.Removed[i].Path < rep.Removed[j].Path })
	if len(rep.Removed) == 0 {
		rep.Note = "no orphan files older than " + cutoff.UTC().Format(time.RFC3339)
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
