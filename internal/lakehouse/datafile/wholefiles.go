package datafile

import "github.com/apache/iceberg-go/table"

// WholeFiles keeps one scan task per data file. iceberg-go (v0.7) splits a
// Parquet file larger than read.split.target-size (128 MiB) into a task per
// range of row groups; Flare reads, lists and replaces whole files, so a
// file listed once per range would be read as many times (its rows
// counted twice) and replaced twice (an overwrite fails).
func WholeFiles(tasks []table.FileScanTask) []table.FileScanTask {
	out := tasks[:0:0]
	seen := make(map[string]int, len(tasks))
	for _, t := range tasks {
		if i, ok := seen[t.File.FilePath()]; ok {
			// A split covers part of the file; the whole file is read.
			out[i].Start, out[i].Length = 0, t.File.FileSizeBytes()
			continue
		}
		seen[t.File.FilePath()] = len(out)
		out = append(out, t)
	}

	return out
}
