package datafile

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// writeOrdered writes the rows of the ordered query q into files of about
// perFile rows in dir, each file one run of the order, as Spark's sorted
// writes are: DuckDB's parallel COPY with FILE_SIZE_BYTES fills several
// files at once, so each file would get row groups from all over the order
// and the files' ranges would overlap (measured: with 2 threads, 17 of 64
// files of a table sorted by x spanned most of x), which undoes what a
// sort or z-order rewrite is for, pruning files. The rows are kept in
// their order in a temporary table (its rowid is the place in the order),
// and each file is one COPY of a run of rowids (DuckDB keeps a query's order
// in a table it fills with preserve_insertion_order, its default, which
// Flare never turns off). copyOpts are the options
// of a COPY into dir; the ones naming files there are replaced.
func writeOrdered(ctx context.Context, db DB, q, dir, writeID string, copyOpts []string, perFile int64, log *slog.Logger) ([]StagedFile, error) {
	tmp := "__flare_ordered_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE "+tmp+" AS "+q); err != nil {
		return nil, fmt.Errorf("order the rows: %w", err)
	}
	defer func() { _, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+tmp) }()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+tmp).Scan(&n); err != nil {
		return nil, fmt.Errorf("count the rows: %w", err)
	}
	var opts []string
	for _, o := range copyOpts {
		if !strings.HasPrefix(o, "FILENAME_PATTERN ") && !strings.HasPrefix(o, "FILE_SIZE_BYTES ") && o != "APPEND" {
			opts = append(opts, o)
		}
	}
	// Equal runs: no small last file.
	files := max(1, (n+perFile-1)/perFile)
	var out []StagedFile
	for i := range files {
		lo, hi := n*i/files, n*(i+1)/files
		path := filepath.Join(dir, writeID+"-"+uuid.NewString()+".parquet")
		stmt := fmt.Sprintf("COPY (SELECT * FROM %s WHERE rowid >= %d AND rowid < %d ORDER BY rowid) TO %s (%s)", tmp, lo, hi, QuoteString(path), strings.Join(opts, ", "))
		log.Debug("rewriting data files in order", "sql", stmt)
		staged, err := ReadCopyStats(ctx, db, stmt, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, staged...)
	}
	return out, nil
}
