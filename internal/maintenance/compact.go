package maintenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/compaction"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// SortKey is one column of a sort order (sort_order).
type SortKey = lakehouse.RewriteSortKey

// CompactOptions configure Compact (rewrite_dataset).
type CompactOptions struct {
	// TargetFileSize in bytes; 0 means the table property
	// write.target-file-size-bytes, else 512 MiB.
	TargetFileSize int64
	// Where, a DuckDB SQL predicate over the table's columns, limits the
	// rewrite to files holding at least one matching row.
	Where string
	// Sort orders rows while rewriting, by SortOrder or else by the table's
	// sort order (strategy: sort).
	Sort      bool
	SortOrder []SortKey
	// ZOrder clusters rows by the Morton (z-)order of these columns while
	// rewriting (sort_order zorder(c1, c2); strategy zorder): files then
	// cover small ranges of every one of them, so a filter on any prunes
	// files. Not with Sort. Default: none. At most
	// lakehouse.MaxZOrderColumns columns, of types with an order.
	ZOrder []string
	// RewriteAll rewrites every selected file, whatever its size.
	RewriteAll bool
	// MinInputFiles is the fewest small files of one partition worth a
	// rewrite (default 5, as Iceberg); RewriteAll ignores it.
	MinInputFiles int
	// DeleteFileThreshold: a data file with at least this many delete files
	// is rewritten whatever its size, even alone in its partition
	// (Iceberg's delete-file-threshold); 0 turns the rule off.
	DeleteFileThreshold int
	// DeleteRatioThreshold: a data file whose file-scoped position deletes
	// remove at least this fraction of its rows is rewritten whatever its
	// size (Iceberg's delete-ratio-threshold); 0 means
	// DefaultDeleteRatioThreshold, a negative value turns the rule off.
	DeleteRatioThreshold float64
	DryRun               bool
}

// DefaultDeleteRatioThreshold is Iceberg's default delete-ratio-threshold.
const DefaultDeleteRatioThreshold = compaction.DefaultDeleteRatioThreshold

// Compact bin-packs the table's small data files into files near the target
// size, one group per partition (and bin), and commits all groups in one
// atomic replace snapshot. DuckDB writes the new files. Position delete
// files (merge-on-read) are applied while rewriting, so the new files hold
// only live rows, and the same snapshot drops the delete files that applied
// only to rewritten data files. A commit that loses a race with another
// writer is staged again on the new head by Flare's commit path (an append
// that committed meanwhile is kept); if a file it rewrote was removed
// meanwhile, or got new deletes, it fails with a conflict and removes what
// it wrote.
func Compact(ctx context.Context, l *lakehouse.Lakehouse, db lakehouse.DB, t *lakehouse.Table, opt CompactOptions) (*Report, error) {
	start := time.Now()
	rep, err := compact(ctx, l, db, t, opt)
	if err != nil {
		return nil, fmt.Errorf("rewrite_dataset on table %s: %w", t.Name(), err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func compact(ctx context.Context, l *lakehouse.Lakehouse, db lakehouse.DB, t *lakehouse.Table, opt CompactOptions) (*Report, error) {
	tbl := t.Iceberg()
	rep := &Report{Action: ActionCompact, Table: t.Name().String(), DryRun: opt.DryRun}
	if tbl.CurrentSnapshot() == nil {
		rep.Note = "table has no data"
		return rep, nil
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan files: %w", err)
	}
	tasks = lakehouse.WholeFiles(tasks)
	rep.FilesBefore = len(tasks)
	for _, task := range tasks {
		rep.BytesBefore += task.File.FileSizeBytes()
	}
	rep.FilesAfter, rep.BytesAfter = rep.FilesBefore, rep.BytesBefore
	liveDeletes, err := liveDeleteFiles(ctx, tbl)
	if err != nil {
		return nil, err
	}
	rep.DeleteFilesBefore, rep.DeleteFilesAfter = len(liveDeletes), len(liveDeletes)

	target := opt.TargetFileSize
	if target <= 0 {
		target = lakehouse.DefaultTargetFileSize
		if v, ok := tbl.Properties()[lakehouse.PropTargetFileSize]; ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("%w: table property %s = %q is not a positive number", ErrInvalidOption, lakehouse.PropTargetFileSize, v)
			}
			target = n
		}
	}
	if strings.TrimSpace(opt.Where) != "" {
		if tasks, err = matching(ctx, db, t, tasks, opt.Where); err != nil {
			return nil, err
		}
	}
	groups, err := compactionGroups(tasks, target, opt)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		rep.Note = "nothing to compact"
		return rep, nil
	}
	rewritten := map[string]struct{}{}
	for _, g := range groups {
		for _, task := range g.Tasks {
			if len(task.EqualityDeleteFiles)+len(task.DeletionVectorFiles) > 0 {
				return nil, fmt.Errorf("data file %s has equality deletes or deletion vectors, which Flare does not apply; compact the table with another engine", task.File.FilePath())
			}
			rewritten[task.File.FilePath()] = struct{}{}
			rep.Rewritten = append(rep.Rewritten, File{Path: task.File.FilePath(), Bytes: task.File.FileSizeBytes(), Kind: "data"})
		}
	}
	// The delete files that apply only to rewritten data files go in the
	// same snapshot (iceberg-go's whole-rewrite check: a file-scoped delete
	// whose target is rewritten, a partition-scoped one when no surviving
	// data file of its partition is old enough for it to apply).
	var dead []iceberg.DataFile
	if len(liveDeletes) > 0 {
		fsys, err := tbl.FS(ctx)
		if err != nil {
			return nil, fmt.Errorf("table file system: %w", err)
		}
		if dead, err = table.CollectDeadPositionDeletes(ctx, fsys, tbl.CurrentSnapshot(), rewritten); err != nil {
			return nil, fmt.Errorf("find the delete files the rewrite makes obsolete: %w", err)
		}
		sort.Slice(dead, func(i, j int) bool { return dead[i].FilePath() < dead[j].FilePath() })
		for _, d := range dead {
			rep.Rewritten = append(rep.Rewritten, File{Path: d.FilePath(), Bytes: d.FileSizeBytes(), Kind: "delete"})
		}
		rep.DeleteFilesAfter = len(liveDeletes) - len(dead)
	}
	rep.Groups = len(groups)
	crashpoint.Hit(crashpoint.ReadPlanned)
	if opt.DryRun {
		var in int64
		for _, g := range groups {
			in += g.TotalSizeBytes
			rep.Added += int(max(1, (g.TotalSizeBytes+target-1)/target))
		}
		rep.FilesAfter = rep.FilesBefore - len(rewritten) + rep.Added
		rep.Note = "output sizes are estimates"
		return rep, nil
	}

	var outs []*lakehouse.RewriteOutput
	cleanup := func() {
		for _, o := range outs {
			l.RemoveRewritten(o)
		}
	}
	results := make([]table.CompactionGroupResult, 0, len(groups))
	for _, g := range groups {
		old := make([]iceberg.DataFile, len(g.Tasks))
		for i, task := range g.Tasks {
			old[i] = task.File
		}
		out, err := l.RewriteTasks(ctx, db, t, g.Tasks, lakehouse.RewriteOptions{TargetFileSize: target, Sort: opt.Sort, Order: opt.SortOrder, ZOrder: opt.ZOrder})
		if err != nil {
			cleanup()
			return nil, err
		}
		outs = append(outs, out)
		rep.RowsDropped += out.RowsIn - out.Rows
		results = append(results, table.CompactionGroupResult{
			PartitionKey: g.PartitionKey, OldDataFiles: old, NewDataFiles: out.Files,
			BytesBefore: g.TotalSizeBytes, BytesAfter: out.Bytes,
		})
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return nil, err
	}
	for _, gr := range results {
		rep.Added += len(gr.NewDataFiles)
		rep.BytesAfter += gr.BytesAfter - gr.BytesBefore
	}
	committed, err := t.Commit(ctx, ActionCompact, func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
		d := dead
		if a.N > 0 {
			// Another writer committed first: the rewrite still holds if
			// every file it rewrote is live with the same deletes (then the
			// delete files it drops are found again on the new head).
			var err error
			if d, err = replayRewrite(ctx, a.Table, groups, rewritten); err != nil {
				return nil, fmt.Errorf("%w: %w", commit.ErrConflict, err)
			}
		}
		return stageRewrite(ctx, a.Table, results, d)
	})
	if err != nil {
		if errors.Is(err, commit.ErrStateUnknown) {
			return nil, fmt.Errorf("%w (the new files are kept; remove_orphans removes them if the commit did not land)", err)
		}
		cleanup()
		return nil, fmt.Errorf("%w (nothing changed; run the action again)", err)
	}
	rep.FilesAfter = rep.FilesBefore - len(rewritten) + rep.Added
	if s := committed.Iceberg().CurrentSnapshot(); s != nil {
		rep.SnapshotID = s.SnapshotID
		if s.Summary != nil {
			// the committed totals include rows other writers added meanwhile
			if n, err := strconv.Atoi(s.Summary.Properties["total-data-files"]); err == nil {
				rep.FilesAfter = n
			}
			if n, err := strconv.ParseInt(s.Summary.Properties["total-files-size"], 10, 64); err == nil {
				rep.BytesAfter = n
			}
			if n, err := strconv.Atoi(s.Summary.Properties["total-delete-files"]); err == nil {
				rep.DeleteFilesAfter = n
			}
		}
	}
	return rep, nil
}

// stageRewrite stages one replace snapshot on tbl: the groups' data files
// rewritten, and the delete files dead dropped.
func stageRewrite(ctx context.Context, tbl *table.Table, results []table.CompactionGroupResult, dead []iceberg.DataFile) (*commit.Staged, error) {
	txn := tbl.NewTransaction()
	// The branch's job state (a stream's offsets) carries over.
	props, err := commit.Carry(tbl, "", iceberg.Properties{"flare.action": ActionCompact}, nil)
	if err != nil {
		return nil, err
	}
	rw := txn.NewRewrite(props)
	for _, gr := range results {
		rw.ApplyResult(gr)
	}
	for _, d := range dead {
		rw.DeleteFile(d)
	}
	if err := rw.Commit(ctx); err != nil {
		return nil, fmt.Errorf("stage rewrite: %w", err)
	}
	return commit.FromTransaction(txn)
}

// replayRewrite checks that a rewrite planned on an older snapshot still
// holds on tbl's current one: every rewritten data file is live with the
// same delete files (new deletes on it would be lost with it). It returns
// the delete files the rewrite makes obsolete on the current snapshot.
func replayRewrite(ctx context.Context, tbl *table.Table, groups []compaction.Group, rewritten map[string]struct{}) ([]iceberg.DataFile, error) {
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("plan files after a concurrent commit: %w", err)
	}
	tasks = lakehouse.WholeFiles(tasks)
	now := make(map[string]table.FileScanTask, len(tasks))
	for _, task := range tasks {
		now[task.File.FilePath()] = task
	}
	deletePaths := func(task table.FileScanTask) string {
		var ps []string
		for _, d := range task.DeleteFiles {
			ps = append(ps, d.FilePath())
		}
		sort.Strings(ps)
		return strings.Join(ps, "\n")
	}
	for _, g := range groups {
		for _, task := range g.Tasks {
			cur, ok := now[task.File.FilePath()]
			if !ok {
				return nil, fmt.Errorf("commit diverged: data file %s to rewrite is no longer on the branch head (another writer removed or rewrote it)", task.File.FilePath())
			}
			if deletePaths(cur) != deletePaths(task) || len(cur.EqualityDeleteFiles)+len(cur.DeletionVectorFiles) > 0 {
				return nil, fmt.Errorf("commit diverged: data file %s to rewrite got new deletes from another writer", task.File.FilePath())
			}
		}
	}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}
	dead, err := table.CollectDeadPositionDeletes(ctx, fsys, tbl.CurrentSnapshot(), rewritten)
	if err != nil {
		return nil, fmt.Errorf("find the delete files the rewrite makes obsolete: %w", err)
	}
	return dead, nil
}

// matching keeps the tasks whose file holds at least one row matching where.
func matching(ctx context.Context, db lakehouse.DB, t *lakehouse.Table, tasks []table.FileScanTask, where string) ([]table.FileScanTask, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	paths := make([]string, len(tasks))
	for i, task := range tasks {
		paths[i] = task.File.FilePath()
	}
	if err := lakehouse.Fetch(ctx, paths...); err != nil { // local copies, for a table on object storage
		return nil, err
	}
	q, err := t.ReadFilesSQL(paths, true)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT filename FROM ("+q+") AS target WHERE ("+where+")")
	if err != nil {
		return nil, fmt.Errorf("%w: where %q: %w", ErrInvalidOption, where, err)
	}
	defer rows.Close()
	hit := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, fmt.Errorf("where %q: %w", where, err)
		}
		hit[f] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: where %q: %w", ErrInvalidOption, where, err)
	}
	var out []table.FileScanTask
	for _, task := range tasks {
		if hit[lakehouse.LocalPath(task.File.FilePath())] {
			out = append(out, task)
		}
	}
	return out, nil
}

// compactionGroups plans the rewrite: iceberg-go's bin-pack planner, or one
// group per partition for rewrite-all.
func compactionGroups(tasks []table.FileScanTask, target int64, opt CompactOptions) ([]compaction.Group, error) {
	if opt.RewriteAll {
		byKey := map[string]*compaction.Group{}
		var keys []string
		for _, task := range tasks {
			k := partitionKey(task.File)
			g, ok := byKey[k]
			if !ok {
				g = &compaction.Group{PartitionKey: k}
				byKey[k] = g
				keys = append(keys, k)
			}
			g.Tasks = append(g.Tasks, task)
			g.TotalSizeBytes += task.File.FileSizeBytes()
		}
		out := make([]compaction.Group, 0, len(keys))
		for _, k := range keys {
			out = append(out, *byKey[k])
		}
		return out, nil
	}
	cfg := compaction.DefaultConfig()
	cfg.TargetFileSizeBytes = target
	cfg.MinFileSizeBytes = target * 3 / 4
	cfg.MaxFileSizeBytes = target * 9 / 5
	if opt.MinInputFiles > 0 {
		cfg.MinInputFiles = uint(opt.MinInputFiles)
	}
	cfg.DeleteFileThreshold = math.MaxInt32 // off, as in Iceberg
	if opt.DeleteFileThreshold > 0 {
		cfg.DeleteFileThreshold = opt.DeleteFileThreshold
	}
	switch r := opt.DeleteRatioThreshold; {
	case r < 0:
		cfg.DeleteRatioThreshold = 0 // off
	case r > 0:
		cfg.DeleteRatioThreshold = r
	}
	plan, err := cfg.PlanCompaction(tasks)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	// iceberg-go drops a bin of fewer than MinInputFiles files even when one
	// of them has too many deletes; Iceberg rewrites such a file whatever
	// the count. Plan those files again, with the small files of their
	// partition that no group took, allowing bins of one file.
	grouped := map[string]bool{}
	for _, g := range plan.Groups {
		for _, task := range g.Tasks {
			grouped[task.File.FilePath()] = true
		}
	}
	forcedParts := map[string]bool{}
	for _, task := range tasks {
		if !grouped[task.File.FilePath()] && tooManyDeletes(task, cfg) {
			forcedParts[partitionKey(task.File)] = true
		}
	}
	if len(forcedParts) == 0 {
		return plan.Groups, nil
	}
	var rest []table.FileScanTask
	for _, task := range tasks {
		if !grouped[task.File.FilePath()] && forcedParts[partitionKey(task.File)] &&
			(tooManyDeletes(task, cfg) || task.File.FileSizeBytes() < cfg.MinFileSizeBytes) {
			rest = append(rest, task)
		}
	}
	cfg.MinInputFiles = 1
	more, err := cfg.PlanCompaction(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOption, err)
	}
	return append(plan.Groups, more.Groups...), nil
}

// tooManyDeletes is the planner's delete rule: at least DeleteFileThreshold
// delete files, or file-scoped position deletes that remove at least
// DeleteRatioThreshold of the file's rows.
func tooManyDeletes(task table.FileScanTask, cfg compaction.Config) bool {
	if len(task.DeleteFiles)+len(task.EqualityDeleteFiles)+len(task.DeletionVectorFiles) >= cfg.DeleteFileThreshold {
		return true
	}
	rows := task.File.Count()
	if cfg.DeleteRatioThreshold <= 0 || rows <= 0 {
		return false
	}
	var deleted int64
	for _, d := range task.DeleteFiles {
		if referencedDataFile(d) == task.File.FilePath() {
			deleted += d.Count()
		}
	}
	return float64(min(deleted, rows))/float64(rows) >= cfg.DeleteRatioThreshold
}

// filePathFieldID is the field id of a position delete file's file_path.
const filePathFieldID = 2147483546

// referencedDataFile is the one data file a position delete file applies
// to, or "" when it is partition-scoped: its referenced_data_file (format
// version 3 manifests keep it) or else equal lower and upper bounds of its
// file_path column (how version 2 manifests say it; iceberg-go writes
// untruncated bounds for a file-scoped delete file).
func referencedDataFile(d iceberg.DataFile) string {
	if d.ContentType() != iceberg.EntryContentPosDeletes {
		return ""
	}
	if ref := d.ReferencedDataFile(); ref != nil && *ref != "" {
		return *ref
	}
	lo, hi := d.LowerBoundValues()[filePathFieldID], d.UpperBoundValues()[filePathFieldID]
	if len(lo) == 0 || !bytes.Equal(lo, hi) {
		return ""
	}
	return string(lo)
}

// liveDeleteFiles lists the delete files of the table's current snapshot.
func liveDeleteFiles(ctx context.Context, tbl *table.Table) ([]iceberg.DataFile, error) {
	s := tbl.CurrentSnapshot()
	if s == nil {
		return nil, nil
	}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}
	mans, err := s.Manifests(fsys)
	if err != nil {
		return nil, fmt.Errorf("read manifest list of snapshot %d: %w", s.SnapshotID, err)
	}
	var out []iceberg.DataFile
	for _, m := range mans {
		if m.ManifestContent() != iceberg.ManifestContentDeletes {
			continue
		}
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", m.FilePath(), err)
		}
		for _, e := range entries {
			out = append(out, e.DataFile())
		}
	}
	return out, nil
}

// partitionKey identifies a file's partition: its spec id and values.
func partitionKey(df iceberg.DataFile) string {
	p := df.Partition()
	ids := make([]int, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "spec=%d", df.SpecID())
	for _, id := range ids {
		fmt.Fprintf(&b, "/%d=%v", id, p[id])
	}
	return b.String()
}
