package maintenance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// removeRemoteOrphans is remove_orphans for a table of a lakehouse on
// object storage: iceberg-go lists the objects under the table's location
// (or opt.Location inside it) and finds those no metadata references;
// objects under another table's location are kept; the rest, older than
// the cutoff, are deleted from the bucket (and from the local file mirror).
// Object storage has no symlinks, so the local rules about them do not
// apply; keys with . or .. segments are refused.
func removeRemoteOrphans(ctx context.Context, l *lakehouse.Lakehouse, t *lakehouse.Table, opt OrphanOptions, rep *Report, cutoff time.Time) (*Report, error) {
	tbl := t.Iceberg()
	loc := strings.TrimSuffix(tbl.Location(), "/")
	scan := loc
	if opt.Location != "" {
		scan = strings.TrimSuffix(opt.Location, "/")
		if !strings.Contains(scan, "://") {
			scan = loc + "/" + strings.Trim(scan, "/")
		}
		for _, seg := range strings.Split(strings.SplitN(scan, "://", 2)[1], "/") {
			if seg == "." || seg == ".." || seg == "" {
				return nil, fmt.Errorf("%w: location %s: no empty, . or .. segments", ErrInvalidOption, opt.Location)
			}
		}
		if !under(loc, scan) {
			return nil, fmt.Errorf("%w: location %s is outside the table's location %s", ErrInvalidOption, opt.Location, loc)
		}
	}
	var fenced []string
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
		if p := strings.TrimSuffix(o.Iceberg().Location(), "/"); p != loc && under(loc, p) {
			fenced = append(fenced, p)
		}
	}
	// iceberg-go's PlanOrphanFiles walks "folders", which S3-compatible
	// servers may still list after their last object is gone (SeaweedFS
	// does, and the walk then fails): the bucket is listed flat instead.
	store := l.Store()
	bucket := "s3://" + store.Bucket() + "/"
	if !strings.HasPrefix(scan, bucket) {
		return nil, fmt.Errorf("table location %s is not in the lakehouse's bucket %s", loc, store.Bucket())
	}
	objs, err := store.List(ctx, strings.TrimPrefix(scan, bucket)+"/")
	if err != nil {
		return nil, fmt.Errorf("list the table's files: %w", err)
	}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}
	referenced, err := referencedFiles(fsys, tbl)
	if err != nil {
		return nil, err
	}
	versions := committedVersions(tbl)
	for _, o := range objs {
		p := bucket + o.Key
		if referenced[p] || !o.ModTime.Before(cutoff) {
			continue
		}
		skip := false
		for _, f := range fenced {
			skip = skip || under(f, p)
		}
		if skip {
			continue
		}
		rep.Removed = append(rep.Removed, File{Path: p, Bytes: o.Size, Kind: orphanKind(p, loc, o.Size, versions)})
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
		if err := lakehouse.DeleteObject(ctx, f.Path); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", f.Path, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d orphan files could not be deleted: %s", len(errs), strings.Join(errs, "; "))
	}
	return rep, nil
}

// under reports whether the object path p is dir or lies below it (object
// keys are names, not paths: nothing resolves . or ..).
func under(dir, p string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// referencedFiles returns every file the table's metadata references: its
// metadata files (current and logged, a version hint), statistics files, and for every snapshot its manifest
// list, manifests and their data and delete files (also entries marked
// deleted: such a file goes when its snapshot expires, not before).
func referencedFiles(fsys icebergio.IO, tbl *table.Table) (map[string]bool, error) {
	out := map[string]bool{tbl.MetadataLocation(): true}
	meta := tbl.Metadata()
	for e := range meta.PreviousFiles() {
		out[e.MetadataFile] = true
	}
	out[strings.TrimSuffix(meta.Location(), "/")+"/metadata/version-hint.text"] = true
	for f := range meta.Statistics() {
		out[f.StatisticsPath] = true
	}
	for f := range meta.PartitionStatistics() {
		out[f.StatisticsPath] = true
	}
	for _, s := range meta.Snapshots() {
		if s.ManifestList == "" {
			continue
		}
		out[s.ManifestList] = true
		mans, err := s.Manifests(fsys)
		if err != nil {
			return nil, fmt.Errorf("read manifest list of snapshot %d: %w", s.SnapshotID, err)
		}
		for _, m := range mans {
			if out[m.FilePath()] {
				continue
			}
			out[m.FilePath()] = true
			entries, err := m.FetchEntries(fsys, false)
			if err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", m.FilePath(), err)
			}
			for _, e := range entries {
				out[e.DataFile().FilePath()] = true
			}
		}
	}
	return out, nil
}
