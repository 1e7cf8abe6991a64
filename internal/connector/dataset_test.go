package connector

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatasetFile checks that a folder target keeps the output's title,
// description and tags in _flare_dataset.json, written with the part files,
// replaced on append, skipped by readers and refused for a single file.
func TestDatasetFile(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "syndicate", "orders_csv")
	src := "(SELECT i AS id, 'c' || i AS city FROM range(3) t(i))"
	info := &DatasetInfo{Dataset: "dataos://lakehouse:syndicate/orders_csv", Title: "Orders", Description: "Orders as csv", Tags: []string{"Fused", "Offline"}}
	res, err := Write(ctx, db, src, Sink{Path: target, Format: CSV, Dataset: info, PartitionBy: []string{"city"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 || res.Rows != 3 {
		t.Errorf("wrote %d files, %d rows; want 3 part files (the metadata file is not one), 3 rows", res.Files, res.Rows)
	}
	var doc struct {
		Dataset, Title, Description, Format string
		Tags, PartitionBy                   []string
		Columns                             []struct{ Name, Type string }
	}
	b, err := os.ReadFile(filepath.Join(target, DatasetFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Orders" || doc.Description != "Orders as csv" || strings.Join(doc.Tags, ",") != "Fused,Offline" ||
		doc.Format != "csv" || strings.Join(doc.PartitionBy, ",") != "city" || len(doc.Columns) != 2 ||
		doc.Columns[0].Name != "id" || doc.Columns[0].Type != "BIGINT" || doc.Dataset != info.Dataset {
		t.Errorf("%s holds %+v", DatasetFile, doc)
	}
	// Readers skip it: the folder reads as its rows only.
	expr, err := ReadSQL(Source{Path: target, Format: CSV, Options: map[string]string{"header": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readTable(ctx, db, expr)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.rows) != 3 {
		t.Errorf("read %d rows back, want 3: %v", len(got.rows), got.rows)
	}
	// Append replaces it with the latest output's.
	info2 := *info
	info2.Title = "Orders, appended"
	if _, err := Write(ctx, db, src, Sink{Path: target, Format: CSV, Mode: "append", Dataset: &info2, PartitionBy: []string{"city"}}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(target, DatasetFile))
	if !strings.Contains(string(b), "Orders, appended") {
		t.Errorf("append kept the old metadata:\n%s", b)
	}
	// A single file cannot keep it.
	_, err = Write(ctx, db, src, Sink{Path: filepath.Join(dir, "one.csv"), Format: CSV, Dataset: info})
	if err == nil || !strings.Contains(err.Error(), "a single file cannot keep them") {
		t.Errorf("a single-file target with metadata: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "one.csv")); err == nil {
		t.Errorf("the refused single file was written")
	}
}
