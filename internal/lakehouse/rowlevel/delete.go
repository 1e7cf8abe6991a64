package rowlevel

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// DeleteSpec is DELETE FROM <table> <Alias> WHERE <Where>.
type DeleteSpec struct {
	// Where is a DuckDB predicate over the table's columns, which are
	// aliased Alias; it may use sub-queries over other relations of db.
	Where string
	// Alias defaults to Flare's "target".
	Alias string
	// DryRun reports what would change and commits nothing.
	DryRun bool
	// Branch deletes from this branch of the table instead of main; a
	// missing branch is created from main's current snapshot (the one the
	// delete read) when the delete commits.
	Branch string
}

// DeleteResult reports one DELETE.
type DeleteResult struct {
	Branch string // the branch deleted from ("" = main)
	Mode   string // copy-on-write or merge-on-read
	DryRun bool
	// Rows is the number of rows deleted (or that would be).
	Rows       int64
	FilesTotal int
	// FilesDropped are data files whose rows all matched: removed without
	// a rewrite. FilesRewritten are partly matching files: rewritten
	// (copy-on-write) or given position deletes (merge-on-read).
	FilesDropped     int
	FilesRewritten   int
	FilesAdded       int
	DeleteFilesAdded int
	SnapshotID       int64 // the head of the branch afterwards
	Duration         time.Duration
}

// Summary is one line for people.
func (r *DeleteResult) Summary() string {
	verb := "deleted"
	if r.DryRun {
		verb = "would delete"
	}
	how := "rewritten"
	if r.Mode == MergeOnRead {
		how = "given position deletes"
	}
	return fmt.Sprintf("%s %d rows: %d of %d data files dropped whole, %d %s (%s)",
		verb, r.Rows, r.FilesDropped, r.FilesTotal, r.FilesRewritten, how, r.Mode)
}

// Delete deletes the rows of the target for which spec.Where holds, in one
// atomic catalog commit. Data files whose rows all match are dropped
// without a rewrite; partly matching files are rewritten without the rows
// (copy-on-write, the default) or get position delete files (table property
// write.delete.mode = merge-on-read). See docs/delete.md.
func Delete(ctx context.Context, tgt Target, db datafile.DB, spec DeleteSpec) (*DeleteResult, error) {
	start := time.Now()
	res, err := deleteRows(ctx, tgt, db, spec)
	if err != nil {
		return nil, fmt.Errorf("delete from table %s: %w", tgt.Name, err)
	}
	res.Duration = time.Since(start)
	tgt.Log.Info("rows deleted", "table", tgt.Name, "mode", res.Mode, "dry_run", res.DryRun, "rows", res.Rows,
		"files_dropped", res.FilesDropped, "files_rewritten", res.FilesRewritten, "snapshot", res.SnapshotID, "duration", res.Duration)

	return res, nil
}

func deleteRows(ctx context.Context, tgt Target, db datafile.DB, spec DeleteSpec) (*DeleteResult, error) {
	if strings.TrimSpace(spec.Where) == "" {
		return nil, fmt.Errorf("%w: delete needs a condition (deleteWhere / --where); to empty a table, overwrite it", datafile.ErrInvalidSpec)
	}
	alias := orDefault(spec.Alias, "target")
	db, release, err := datafile.PinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()
	op, err := newRowOp(ctx, tgt, db, PropDeleteMode, spec.Branch, nil)
	if err != nil {
		return nil, err
	}
	defer op.cleanup(ctx)
	res := &DeleteResult{Branch: op.branch, Mode: op.mode, DryRun: spec.DryRun, FilesTotal: len(op.tasks), SnapshotID: op.baseID}
	if len(op.tasks) == 0 {
		return res, nil
	}

	tgtRel, hits := op.temp("delete_tgt"), op.temp("delete_hits")
	tq, err := datafile.ScanSQL(tgt.Name, op.tasks, op.sc, true)
	if err != nil {
		return nil, err
	}
	if err := op.exec(ctx, "CREATE TEMP VIEW "+tgtRel+" AS "+tq); err != nil {
		return nil, fmt.Errorf("read table: %w", err)
	}
	// The predicate is evaluated once; later steps use the row ids it
	// chose, so a sub-query over a changing relation cannot disagree.
	q := "CREATE TEMP TABLE " + hits + " AS SELECT " + datafile.ColFile + ", " + datafile.ColPos + " FROM " + tgtRel + " AS " + datafile.QuoteIdent(alias) + " WHERE (" + spec.Where + ")"
	if err := op.exec(ctx, q); err != nil {
		return nil, fmt.Errorf("evaluate the condition %q: %w", spec.Where, err)
	}

	// Per touched file: rows hit against rows live. A file without delete
	// files has Count() live rows; others are counted.
	rows, err := db.QueryContext(ctx, "SELECT "+datafile.ColFile+", count(*) FROM "+hits+" GROUP BY 1 ORDER BY 1")
	if err != nil {
		return nil, fmt.Errorf("count matching rows: %w", err)
	}
	hitBy := map[string]int64{}
	var order []string
	for rows.Next() {
		var f string
		var n int64
		if err := rows.Scan(&f, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count matching rows: %w", err)
		}
		hitBy[f] = n
		order = append(order, f)
		res.Rows += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count matching rows: %w", err)
	}
	var withDeletes []string
	for _, f := range order {
		if len(op.byLocal[f].DeleteFiles) > 0 {
			withDeletes = append(withDeletes, f)
		}
	}
	live := map[string]int64{}
	if len(withDeletes) > 0 {
		lq, err := op.scanOf(withDeletes)
		if err != nil {
			return nil, err
		}
		rows, err := db.QueryContext(ctx, "SELECT "+datafile.ColFile+", count(*) FROM ("+lq+") GROUP BY 1")
		if err != nil {
			return nil, fmt.Errorf("count live rows: %w", err)
		}
		for rows.Next() {
			var f string
			var n int64
			if err := rows.Scan(&f, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count live rows: %w", err)
			}
			live[f] = n
		}
		rows.Close()
	}
	var drop, partial []string
	for _, f := range order {
		n, ok := live[f]
		if !ok {
			n = op.byLocal[f].File.Count()
		}
		if hitBy[f] >= n {
			drop = append(drop, f)
		} else {
			partial = append(partial, f)
		}
	}
	res.FilesDropped, res.FilesRewritten = len(drop), len(partial)
	if spec.DryRun || res.Rows == 0 {
		return res, nil
	}

	var remove, add, dels []iceberg.DataFile
	for _, f := range drop {
		remove = append(remove, op.byLocal[f].File)
	}
	if len(partial) > 0 {
		if op.mode == CopyOnWrite {
			keep, err := op.keptRows(ctx, partial, "SELECT "+datafile.ColFile+", "+datafile.ColPos+" FROM "+hits)
			if err != nil {
				return nil, err
			}
			kept := op.temp("delete_kept")
			if err := op.exec(ctx, "CREATE TEMP VIEW "+kept+" AS "+keep); err != nil {
				return nil, fmt.Errorf("plan rewrite: %w", err)
			}
			if add, res.FilesAdded, _, err = op.writeRows(ctx, kept); err != nil {
				return nil, err
			}
			for _, f := range partial {
				remove = append(remove, op.byLocal[f].File)
			}
		} else {
			dels, err = op.writePositionDeletes(ctx, "SELECT "+datafile.ColFile+", "+datafile.ColPos+" FROM "+hits+" WHERE "+datafile.ColFile+" IN "+stringList(partial))
			if err != nil {
				return nil, err
			}
			res.DeleteFilesAdded = len(dels)
		}
	}
	if res.SnapshotID, err = op.commit(ctx, "delete", remove, add, dels); err != nil {
		return nil, err
	}
	return res, nil
}
