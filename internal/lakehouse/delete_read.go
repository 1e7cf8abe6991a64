package lakehouse

import (
	"fmt"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// Row identity columns a row-level read adds: the data file (as DuckDB read
// it, a local path) and the row's 0-based position in it. Iceberg position
// deletes name rows by exactly this pair.
const (
	colFile = "__flare_file"
	colPos  = "__flare_pos"
	// colFileIdx is the index of the row's file in the read's file list
	// (DuckDB's file_index): a cheap join key within one read.
	colFileIdx = "__flare_fidx"
)

// scanSQL returns a DuckDB query over the planned files of a read: the
// schema's columns (by Parquet field id) and, with rowIDs, the colFile and
// colPos of each row, and colFileIdx (the index of the row's file in
// tasks). Position delete files the planner attached to the
// tasks are applied with an anti-join on (file_path, pos). Equality deletes
// and deletion vectors are refused: Flare never writes them.
func scanSQL(name TableName, tasks []table.FileScanTask, sc *iceberg.Schema, rowIDs bool) (string, error) {
	fields := sc.Fields()
	cols := make([]string, len(fields))
	types := make([]string, len(fields))
	for i, f := range fields {
		dt, err := duckTypeOf(f.Type)
		if err != nil {
			return "", fmt.Errorf("read %s: column %s: %w", name, f.Name, err)
		}
		cols[i], types[i] = quoteIdent(f.Name), dt
	}
	if len(tasks) == 0 {
		parts := make([]string, len(fields))
		for i := range fields {
			parts[i] = "CAST(NULL AS " + types[i] + ") AS " + cols[i]
		}
		if rowIDs {
			parts = append(parts, "CAST(NULL AS VARCHAR) AS "+colFile, "CAST(NULL AS BIGINT) AS "+colPos, "CAST(NULL AS UBIGINT) AS "+colFileIdx)
		}
		return "SELECT " + strings.Join(parts, ", ") + " WHERE false", nil
	}
	files := make([]string, len(tasks))
	var deletes []string
	seen := map[string]bool{}
	for i, task := range tasks {
		files[i] = quoteString(localPath(task.File.FilePath()))
		if len(task.EqualityDeleteFiles) > 0 {
			return "", fmt.Errorf("read %s: file %s has equality delete files, which Flare does not apply; compact the table with another engine first", name, task.File.FilePath())
		}
		for _, d := range task.DeleteFiles {
			if d.ContentType() != iceberg.EntryContentPosDeletes || d.FileFormat() != iceberg.ParquetFile {
				return "", fmt.Errorf("read %s: file %s has a %s delete file in %s format (%s), which Flare does not apply",
					name, task.File.FilePath(), d.ContentType(), d.FileFormat(), d.FilePath())
			}
			if !seen[d.FilePath()] {
				seen[d.FilePath()] = true
				deletes = append(deletes, quoteString(localPath(d.FilePath())))
			}
		}
	}
	for _, f := range fields {
		if n := strings.ToLower(f.Name); (rowIDs || len(deletes) > 0) && (n == "filename" || n == "file_row_number" || n == "file_index") {
			return "", fmt.Errorf("read %s: column %s clashes with DuckDB's row identity columns; rename it to run row-level operations", name, f.Name)
		}
	}
	entries := make([]string, len(fields))
	for i, f := range fields {
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", f.ID, quoteString(f.Name), quoteString(types[i]))
	}
	read := "read_parquet([" + strings.Join(files, ", ") + "], schema = MAP {" + strings.Join(entries, ", ") + "}"
	if !rowIDs && len(deletes) == 0 {
		return "SELECT " + strings.Join(cols, ", ") + " FROM " + read + ")", nil
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "__d." + c
	}
	if rowIDs {
		sel = append(sel, "__d.filename AS "+colFile, "__d.file_row_number AS "+colPos, "__d.file_index AS "+colFileIdx)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + read + ", filename = true, file_row_number = true) AS __d"
	if len(deletes) > 0 {
		// file_path holds the data file's path as the manifest records it;
		// DuckDB's filename is the local path it was given.
		q += " ANTI JOIN (SELECT regexp_replace(file_path, '^file://', '') AS file_path, pos FROM read_parquet([" +
			strings.Join(deletes, ", ") + "])) AS __x ON __x.file_path = __d.filename AND __x.pos = __d.file_row_number"
	}

	return q, nil
}
