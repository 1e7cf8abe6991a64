package maintenance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/compaction"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
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
	// RewriteAll rewrites every selected file, whatever its size.
	RewriteAll bool
	// MinInputFiles is the fewest small files of one partition worth a
	// rewrite (default 5, as Iceberg); RewriteAll ignores it.
	MinInputFiles int
	DryRun        bool
}

// Compact bin-packs the table's small data files into files near the target
// size, one group per partition (and bin), and commits all groups in one
// atomic replace snapshot. DuckDB writes the new files. A commit that loses
// a race with another writer is retried by iceberg-go on the refreshed table
// (an append that committed meanwhile is kept); if a file it rewrote was
// removed meanwhile, it fails and removes what it wrote.
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
	rep.FilesBefore = len(tasks)
	for _, task := range tasks {
		rep.BytesBefore += task.File.FileSizeBytes()
	}
	rep.FilesAfter, rep.BytesAfter = rep.FilesBefore, rep.BytesBefore

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
	for _, g := range groups {
		for _, task := range g.Tasks {
			if len(task.DeleteFiles)+len(task.EqualityDeleteFiles)+len(task.DeletionVectorFiles) > 0 {
				return nil, fmt.Errorf("data file %s has delete files; compacting tables with delete files is not supported yet", task.File.FilePath())
			}
			rep.Rewritten = append(rep.Rewritten, File{Path: task.File.FilePath(), Bytes: task.File.FileSizeBytes(), Kind: "data"})
		}
	}
	rep.Groups = len(groups)
	if opt.DryRun {
		var in int64
		for _, g := range groups {
			in += g.TotalSizeBytes
			rep.Added += int(max(1, (g.TotalSizeBytes+target-1)/target))
		}
		rep.FilesAfter = rep.FilesBefore - len(rep.Rewritten) + rep.Added
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
		out, err := l.RewriteFiles(ctx, db, t, old, lakehouse.RewriteOptions{TargetFileSize: target, Sort: opt.Sort, Order: opt.SortOrder})
		if err != nil {
			cleanup()
			return nil, err
		}
		outs = append(outs, out)
		results = append(results, table.CompactionGroupResult{
			PartitionKey: g.PartitionKey, OldDataFiles: old, NewDataFiles: out.Files,
			BytesBefore: g.TotalSizeBytes, BytesAfter: out.Bytes,
		})
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return nil, err
	}
	txn := tbl.NewTransaction()
	rw := txn.NewRewrite(iceberg.Properties{"flare.action": ActionCompact})
	for _, gr := range results {
		rw.ApplyResult(gr)
		rep.Added += len(gr.NewDataFiles)
		rep.BytesAfter += gr.BytesAfter - gr.BytesBefore
	}
	if err := rw.Commit(ctx); err != nil {
		cleanup()
		return nil, fmt.Errorf("stage rewrite: %w", err)
	}
	committed, err := txn.Commit(ctx)
	if err != nil {
		if !definiteFailure(err) {
			return nil, fmt.Errorf("commit (state unknown; the new files are kept, remove_orphans removes them if the commit did not land): %w", err)
		}
		cleanup()
		return nil, fmt.Errorf("commit: %w (nothing changed; run the action again)", err)
	}
	rep.FilesAfter = rep.FilesBefore - len(rep.Rewritten) + rep.Added
	if s := committed.CurrentSnapshot(); s != nil {
		rep.SnapshotID = s.SnapshotID
		if s.Summary != nil {
			// the committed totals include rows other writers added meanwhile
			if n, err := strconv.Atoi(s.Summary.Properties["total-data-files"]); err == nil {
				rep.FilesAfter = n
			}
			if n, err := strconv.ParseInt(s.Summary.Properties["total-files-size"], 10, 64); err == nil {
				rep.BytesAfter = n
			}
		}
	}
	return rep, nil
}

// definiteFailure reports commit errors after which the catalog certainly
// did not accept the commit.
func definiteFailure(err error) bool {
	msg := strings.ToLower(err.Error())
	return errors.Is(err, table.ErrCommitFailed) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(msg, "requirement failed") || strings.Contains(msg, "validat") || strings.Contains(msg, "conflict") ||
		strings.Contains(msg, "missing")
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
		if hit[strings.TrimPrefix(task.File.FilePath(), "file://")] {
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
	plan, err := cfg.PlanCompaction(tasks)
	if err != nil {
		return nil, err
	}
	return plan.Groups, nil
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
