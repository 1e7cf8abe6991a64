package lakehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// RewriteTasks is RewriteFiles for planned scan tasks of the table (from
// its scan planning, so each task carries the delete files that apply to
// its data file): the position delete files of each task are applied while
// reading, with the same anti-join on (data file, row position) as Flare's
// reads, so the new files hold only the live rows. The delete files are
// not removed from the table: the caller's commit does that (a delete file
// may only be dropped when every data file it applies to is rewritten).
// Equality deletes and deletion vectors are refused: Flare does not apply
// them.
func (l *Lakehouse) RewriteTasks(ctx context.Context, db DB, t *Table, tasks []table.FileScanTask, opt RewriteOptions) (*RewriteOutput, error) {
	start := time.Now()
	files := make([]iceberg.DataFile, len(tasks))
	deletes := map[string][]iceberg.DataFile{}
	for i, task := range tasks {
		files[i] = task.File
		if len(task.EqualityDeleteFiles) > 0 || len(task.DeletionVectorFiles) > 0 {
			return nil, fmt.Errorf("rewrite files of table %s: data file %s has equality deletes or deletion vectors, which Flare does not apply; compact the table with another engine",
				t.name, task.File.FilePath())
		}
		for _, d := range task.DeleteFiles {
			if d.ContentType() != iceberg.EntryContentPosDeletes || d.FileFormat() != iceberg.ParquetFile {
				return nil, fmt.Errorf("rewrite files of table %s: data file %s has a %s delete file in %s format (%s), which Flare does not apply",
					t.name, task.File.FilePath(), d.ContentType(), d.FileFormat(), d.FilePath())
			}
			deletes[task.File.FilePath()] = append(deletes[task.File.FilePath()], d)
		}
	}
	out, err := l.rewriteFiles(ctx, db, t, files, deletes, opt)
	if err != nil {
		return nil, fmt.Errorf("rewrite files of table %s: %w", t.name, err)
	}
	l.log.Debug("files rewritten", "table", t.name.String(), "in", len(files), "out", len(out.Files),
		"deletes applied", out.DeleteFilesApplied, "rows dropped", out.RowsIn-out.Rows, "duration", time.Since(start))

	return out, nil
}

// liveRowsSQL returns a DuckDB query over files with the table's current
// columns (bound by field id) and, when deletes names position delete files
// for some of them, without the rows those delete files remove. A delete
// file is applied only to the data files deletes pairs it with (the ones
// scan planning matched it to, which respects sequence numbers), not to
// every file it names.
func (t *Table) liveRowsSQL(files []iceberg.DataFile, deletes map[string][]iceberg.DataFile) (string, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.FilePath()
	}
	var pairs []string
	var deleteFiles []string
	seen := map[string]bool{}
	for _, f := range files {
		for _, d := range deletes[f.FilePath()] {
			dl := localPath(d.FilePath())
			pairs = append(pairs, "("+quoteString(dl)+", "+quoteString(localPath(f.FilePath()))+")")
			if !seen[dl] {
				seen[dl] = true
				deleteFiles = append(deleteFiles, quoteString(dl))
			}
		}
	}
	if len(pairs) == 0 {
		return t.ReadFilesSQL(paths, false)
	}
	cols, read, err := t.readParquet(paths)
	if err != nil {
		return "", err
	}
	for _, f := range t.tbl.Schema().Fields() {
		if n := strings.ToLower(f.Name); n == "filename" || n == "file_row_number" {
			return "", fmt.Errorf("read %s: column %s clashes with DuckDB's row identity columns, which applying position deletes needs; rename it", t.name, f.Name)
		}
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "__d." + c
	}
	// file_path holds the data file's path as the manifest records it;
	// DuckDB's filename is the local path it was given.
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + read + ", filename = true, file_row_number = true) AS __d" +
		" ANTI JOIN (SELECT __p.file_path, __p.pos FROM (SELECT regexp_replace(file_path, '^file://', '') AS file_path, pos, filename AS delete_file FROM read_parquet([" +
		strings.Join(deleteFiles, ", ") + "], filename = true, union_by_name = true)) AS __p JOIN (VALUES " + strings.Join(pairs, ", ") +
		") AS __a(delete_file, data_file) ON __a.delete_file = __p.delete_file AND __a.data_file = __p.file_path) AS __x" +
		" ON __x.file_path = __d.filename AND __x.pos = __d.file_row_number", nil
}
