package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// DatasetFile is the file a folder target keeps its dataset metadata in.
// Its name starts with "_", so readers skip it (as Spark skips _SUCCESS).
const DatasetFile = "_flare_dataset.json"

// DatasetInfo is what a file output says about its dataset: the title,
// description and tags a table keeps in its properties. Write keeps them in
// DatasetFile beside the part files of a folder target.
type DatasetInfo struct {
	// Dataset is the output's address, as written.
	Dataset     string   `json:"dataset"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

// datasetDoc is the content of DatasetFile.
type datasetDoc struct {
	DatasetInfo
	Format      string          `json:"format"`
	PartitionBy []string        `json:"partitionBy,omitempty"`
	Columns     []datasetColumn `json:"columns"`
	Writer      string          `json:"writer"`
}

type datasetColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// SingleFile reports whether a write to path in format produces one file
// (the path ends in the format's extension, perhaps with a compression
// suffix) rather than a folder of part files.
func SingleFile(path, format string) bool {
	single, _ := singleFile(path, format)
	return single
}

// writeDatasetFile writes DatasetFile into dir, with the columns of the
// relation written.
func writeDatasetFile(ctx context.Context, db Execer, source, dir string, s Sink, format string) error {
	doc := datasetDoc{DatasetInfo: *s.Dataset, Format: format, PartitionBy: s.PartitionBy, Writer: "flare"}
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+source+")")
	if err != nil {
		return fmt.Errorf("describe the written columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c datasetColumn
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return err
		}
		doc.Columns = append(doc.Columns, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, DatasetFile), append(b, '\n'), 0o644)
}
