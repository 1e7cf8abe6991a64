package lakehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
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
	out, err := datafile.Rewrite(ctx, db, t.tbl, t.name.String(), files, deletes, opt, l.log)
	if err != nil {
		return nil, fmt.Errorf("rewrite files of table %s: %w", t.name, err)
	}
	l.log.Debug("files rewritten", "table", t.name.String(), "in", len(files), "out", len(out.Files),
		"deletes applied", out.DeleteFilesApplied, "rows dropped", out.RowsIn-out.Rows, "duration", time.Since(start))

	return out, nil
}
