package lakehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// ReadFilesSQL returns a DuckDB query over exactly these data files of the
// table, with the table's current columns bound by Parquet field id (like
// SelectSQL). With filename set, the query has one more column, filename,
// holding the path of each row's file. Delete files are not applied.
func (t *Table) ReadFilesSQL(paths []string, filename bool) (string, error) {
	cols, read, err := datafile.ReadParquet(t.name.String(), t.tbl.Schema(), paths)
	if err != nil {
		return "", err
	}
	opts := ""
	if filename {
		cols = append(cols, "filename")
		opts = ", filename = true"
	}

	return "SELECT " + strings.Join(cols, ", ") + " FROM " + read + opts + ")", nil
}

// RewriteFiles writes the rows of files, which must all be data files of one
// partition of one partition spec, into new Parquet files near the target
// size with DuckDB (COPY ... FIELD_IDS, like Write), in the folder of the
// first input file. It returns the staged files as Iceberg DataFiles with
// the inputs' spec and partition; it commits nothing. Commit them with
// iceberg-go (a rewrite snapshot), or call RemoveRewritten when the commit
// fails. Files with delete files must not be passed (their deleted rows
// would come back): use RewriteTasks for them.
func (l *Lakehouse) RewriteFiles(ctx context.Context, db DB, t *Table, files []iceberg.DataFile, opt RewriteOptions) (*RewriteOutput, error) {
	start := time.Now()
	out, err := datafile.Rewrite(ctx, db, t.tbl, t.name.String(), files, nil, opt, l.log)
	if err != nil {
		return nil, fmt.Errorf("rewrite files of table %s: %w", t.name, err)
	}
	l.log.Debug("files rewritten", "table", t.name.String(), "in", len(files), "out", len(out.Files), "duration", time.Since(start))

	return out, nil
}

// RemoveRewritten deletes the staged files of a rewrite whose commit failed.
func (l *Lakehouse) RemoveRewritten(out *RewriteOutput) {
	if out == nil {
		return
	}
	datafile.RemoveStagedIn(out.Dir, out.WriteID, l.log)
}
