package datafile

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// Row identity columns a row-level read adds: the data file (as DuckDB read
// it, a local path) and the row's 0-based position in it. Iceberg position
// deletes name rows by exactly this pair.
const (
	ColFile = "__flare_file"
	ColPos  = "__flare_pos"
	// ColFileIdx is the index of the row's file in the read's file list
	// (DuckDB's file_index): a cheap join key within one read.
	ColFileIdx = "__flare_fidx"
)

// ScanSQL returns a DuckDB query over the planned files of a read: the
// schema's columns (by Parquet field id) and, with rowIDs, the ColFile and
// ColPos of each row, and ColFileIdx (the index of the row's file in
// tasks). Position delete files the planner attached to the
// tasks are applied with an anti-join on (file_path, pos). Equality deletes
// and deletion vectors are refused: Flare never writes them.
func ScanSQL(name string, tasks []table.FileScanTask, sc *iceberg.Schema, rowIDs bool) (string, error) {
	fields := sc.Fields()
	cols := make([]string, len(fields))
	types := make([]string, len(fields))
	for i, f := range fields {
		dt, err := DuckTypeOf(f.Type)
		if err != nil {
			return "", fmt.Errorf("read %s: column %s: %w", name, f.Name, err)
		}
		cols[i], types[i] = QuoteIdent(f.Name), dt
	}
	if len(tasks) == 0 {
		parts := make([]string, len(fields))
		for i := range fields {
			parts[i] = "CAST(NULL AS " + types[i] + ") AS " + cols[i]
		}
		if rowIDs {
			parts = append(parts, "CAST(NULL AS VARCHAR) AS "+ColFile, "CAST(NULL AS BIGINT) AS "+ColPos, "CAST(NULL AS UBIGINT) AS "+ColFileIdx)
		}
		return "SELECT " + strings.Join(parts, ", ") + " WHERE false", nil
	}
	files := make([]string, len(tasks))
	var deletes []string
	seen := map[string]bool{}
	for i, task := range tasks {
		files[i] = QuoteString(LocalPath(task.File.FilePath()))
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
				deletes = append(deletes, QuoteString(LocalPath(d.FilePath())))
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
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", f.ID, QuoteString(f.Name), QuoteString(types[i]))
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
		sel = append(sel, "__d.filename AS "+ColFile, "__d.file_row_number AS "+ColPos, "__d.file_index AS "+ColFileIdx)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + read + ", filename = true, file_row_number = true) AS __d"
	if len(deletes) > 0 {
		// file_path holds the data file's path as the manifest records it;
		// DuckDB's filename is the local path it was given.
		q += " ANTI JOIN (SELECT " + PathSQL("file_path") + " AS file_path, pos FROM read_parquet([" +
			strings.Join(deletes, ", ") + "])) AS __x ON __x.file_path = __d.filename AND __x.pos = __d.file_row_number"
	}

	return q, nil
}

// ReadParquet returns the quoted column names of schema sc and the
// unclosed read_parquet( call over paths that binds them by field id; the
// caller appends its own options and the closing parenthesis. name names
// the table in errors.
func ReadParquet(name string, sc *iceberg.Schema, paths []string) ([]string, string, error) {
	fields := sc.Fields()
	cols := make([]string, len(fields))
	entries := make([]string, len(fields))
	for i, f := range fields {
		dt, err := DuckTypeOf(f.Type)
		if err != nil {
			return nil, "", fmt.Errorf("read %s: column %s: %w", name, f.Name, err)
		}
		cols[i] = QuoteIdent(f.Name)
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", f.ID, QuoteString(f.Name), QuoteString(dt))
	}
	if len(paths) == 0 {
		return nil, "", fmt.Errorf("%w: read %s: no files given", ErrInvalidSpec, name)
	}
	files := make([]string, len(paths))
	for i, p := range paths {
		files[i] = QuoteString(LocalPath(p))
	}

	return cols, "read_parquet([" + strings.Join(files, ", ") + "], schema = MAP {" + strings.Join(entries, ", ") + "}", nil
}

// LiveRowsSQL returns a DuckDB query over files with the columns of sc
// (bound by field id) and, when deletes names position delete files
// for some of them, without the rows those delete files remove. A delete
// file is applied only to the data files deletes pairs it with (the ones
// scan planning matched it to, which respects sequence numbers), not to
// every file it names.
func LiveRowsSQL(name string, sc *iceberg.Schema, files []iceberg.DataFile, deletes map[string][]iceberg.DataFile) (string, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.FilePath()
	}
	var pairs []string
	var deleteFiles []string
	seen := map[string]bool{}
	for _, f := range files {
		for _, d := range deletes[f.FilePath()] {
			dl := LocalPath(d.FilePath())
			pairs = append(pairs, "("+QuoteString(dl)+", "+QuoteString(LocalPath(f.FilePath()))+")")
			if !seen[dl] {
				seen[dl] = true
				deleteFiles = append(deleteFiles, QuoteString(dl))
			}
		}
	}
	cols, read, err := ReadParquet(name, sc, paths)
	if len(pairs) == 0 || err != nil {
		if err == nil {
			return "SELECT " + strings.Join(cols, ", ") + " FROM " + read + ")", nil
		}
		return "", err
	}
	for _, f := range sc.Fields() {
		if n := strings.ToLower(f.Name); n == "filename" || n == "file_row_number" {
			return "", fmt.Errorf("read %s: column %s clashes with DuckDB's row identity columns, which applying position deletes needs; rename it", name, f.Name)
		}
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "__d." + c
	}
	// file_path holds the data file's path as the manifest records it;
	// DuckDB's filename is the local path it was given.
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + read + ", filename = true, file_row_number = true) AS __d" +
		" ANTI JOIN (SELECT __p.file_path, __p.pos FROM (SELECT " + PathSQL("file_path") + " AS file_path, pos, filename AS delete_file FROM read_parquet([" +
		strings.Join(deleteFiles, ", ") + "], filename = true, union_by_name = true)) AS __p JOIN (VALUES " + strings.Join(pairs, ", ") +
		") AS __a(delete_file, data_file) ON __a.delete_file = __p.delete_file AND __a.data_file = __p.file_path) AS __x" +
		" ON __x.file_path = __d.filename AND __x.pos = __d.file_row_number", nil
}

// LocalPath turns a file URI of the local file system into a path, and
// the path of a file on object storage under a mounted lakehouse (Mount)
// into the path of its local copy (remote.go).
func LocalPath(p string) string {
	if IsRemote(p) {
		if m, rel := mountOf(p); m != nil {
			return filepath.Join(m.local, filepath.FromSlash(rel))
		}
		return p
	}
	return strings.TrimPrefix(p, "file://")
}
