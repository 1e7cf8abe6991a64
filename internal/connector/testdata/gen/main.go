// Command gen writes the Avro and xlsx fixtures of the connector tests with
// the libraries' own writers (github.com/twmb/avro's OCF writer, excelize).
// Run it from the repository root:
//
//	go run ./internal/connector/testdata/gen
//
// The ORC fixtures and the fastavro-written Avro files come from
// ../make_fixtures.py.
package main

import (
	"fmt"
	"log"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/avro/ocf"
	"github.com/xuri/excelize/v2"
)

const dir = "internal/connector/testdata"

const peopleSchema = `{
  "type": "record", "name": "Person", "namespace": "flare.test",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "score", "type": ["null", "double"], "default": null},
    {"name": "born", "type": ["null", {"type": "int", "logicalType": "date"}], "default": null},
    {"name": "seen", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "int"}},
    {"name": "address", "type": ["null", {"type": "record", "name": "Address", "fields": [
      {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "string"]}]}]},
    {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
    {"name": "active", "type": "boolean"},
    {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
    {"name": "home", "type": ["null", "Address"], "default": null}
  ]
}`

func people() []map[string]any {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	ts := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	rat := func(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
	city := func(c string, zip any) map[string]any { return map[string]any{"city": c, "zip": zip} }
	return []map[string]any{
		{"id": int64(1), "name": "ann", "score": 9.5, "born": day("1990-01-02"), "seen": ts("2024-03-01T10:00:00.123456Z"),
			"tags": []any{"a", "b"}, "attrs": map[string]any{"x": int32(1)}, "address": city("NY", "10001"),
			"price": rat("12.34"), "active": true, "kind": "A", "home": city("Albany", nil)},
		{"id": int64(2), "name": "bob", "score": nil, "born": nil, "seen": ts("2024-03-02T00:00:00Z"),
			"tags": []any{}, "attrs": map[string]any{}, "address": nil,
			"price": rat("-0.5"), "active": false, "kind": "B", "home": nil},
		{"id": int64(3), "name": "cy ✓", "score": -1.25, "born": day("2001-12-31"), "seen": ts("1999-12-31T23:59:59Z"),
			"tags": []any{"c"}, "attrs": map[string]any{"y": int32(2), "z": int32(3)}, "address": city("LA", nil),
			"price": rat("99999999.99"), "active": true, "kind": "A", "home": nil},
	}
}

func writeAvro(name, schema string, codec ocf.Codec, rows []map[string]any, opts ...ocf.WriterOpt) {
	s := avro.MustParse(schema)
	f, err := os.Create(filepath.Join(dir, "avro", name))
	if err != nil {
		log.Fatal(err)
	}
	if codec != nil {
		opts = append(opts, ocf.WithCodec(codec))
	}
	w, err := ocf.NewWriter(f, s, opts...)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Encode(r); err != nil {
			log.Fatalf("%s: %v", name, err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	writeAvro("people.avro", peopleSchema, ocf.SnappyCodec(), people())
	writeAvro("people_null.avro", peopleSchema, nil, people())
	writeAvro("people_deflate.avro", peopleSchema, ocf.DeflateCodec(6), people())
	writeAvro("people_zstd.avro", peopleSchema, ocf.MustZstdCodec(nil, nil), people())

	// Schema evolution: v1 has no email; v2 adds it with a default.
	v1 := `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	v2 := `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}`
	os.MkdirAll(filepath.Join(dir, "avro", "evolve"), 0o755)
	writeAvro("evolve/part-1.avro", v1, nil, []map[string]any{{"id": int64(1), "name": "ann"}, {"id": int64(2), "name": "bob"}})
	writeAvro("evolve/part-2.avro", v2, nil, []map[string]any{{"id": int64(3), "name": "cy", "email": "cy@example.com"}})
	// Many blocks: 5000 rows, 100 per block.
	var many []map[string]any
	for i := 0; i < 5000; i++ {
		many = append(many, map[string]any{"id": int64(i), "name": fmt.Sprintf("user-%d", i)})
	}
	writeAvro("many_blocks.avro", v1, ocf.DeflateCodec(1), many, ocf.WithBlockCount(100))

	writeXLSX()
}

// writeXLSX writes xlsx/people.xlsx (sheets People and Offset) and
// xlsx/secret.xlsx (password "flare").
func writeXLSX() {
	os.MkdirAll(filepath.Join(dir, "xlsx"), 0o755)
	f := excelize.NewFile()
	must := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "People"))
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy
	must(err)
	tsStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	must(err)
	moneyStyle, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	must(err)
	rows := [][]any{
		{"id", "name", "born", "score", "active", "note", "seen"},
		{1, "ann", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), 1234.5, true, "first", time.Date(2024, 3, 1, 10, 30, 0, 0, time.UTC)},
		{2, "bob", nil, 0.25, false, nil, nil},
		{3, "cy", time.Date(2001, 12, 31, 0, 0, 0, 0, time.UTC), -7, true, "", time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC)},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		must(f.SetSheetRow("People", cell, &r))
	}
	must(f.SetCellStyle("People", "C2", "C4", dateStyle))
	must(f.SetCellStyle("People", "D2", "D4", moneyStyle))
	must(f.SetCellStyle("People", "G2", "G4", tsStyle))

	_, err = f.NewSheet("Offset")
	must(err)
	must(f.SetCellValue("Offset", "A1", "Quarterly report"))
	off := [][]any{{"region", "q1", "q2"}, {"north", 10, 11}, {"south", 20, 21}, {"east", 30, 31}}
	for i, r := range off {
		cell, _ := excelize.CoordinatesToCellName(2, i+3)
		must(f.SetSheetRow("Offset", cell, &r))
	}
	must(f.SetCellValue("Offset", "B8", "total (not data)"))
	must(f.SaveAs(filepath.Join(dir, "xlsx", "people.xlsx")))

	s := excelize.NewFile()
	must(s.SetSheetRow("Sheet1", "A1", &[]any{"k", "v"}))
	must(s.SetSheetRow("Sheet1", "A2", &[]any{"a", 1}))
	must(s.SaveAs(filepath.Join(dir, "xlsx", "secret.xlsx"), excelize.Options{Password: "flare"}))
}
