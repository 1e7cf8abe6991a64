package connector

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestSchemaKind(t *testing.T) {
	for _, tc := range []struct {
		text, kind, err string
	}{
		{`{"type":"record","name":"r","fields":[]}`, SchemaAvro, ""},
		{` {"fields":[], "type": "struct"}`, SchemaSpark, ""},
		{"id INT, name STRING", SchemaDDL, ""},
		{`{"type":"array","items":"int"}`, "", "Avro record"},
		{`{"type":`, "", "not JSON"},
		{"  ", "", "empty"},
	} {
		kind, err := SchemaKind(tc.text)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("SchemaKind(%q): error %v, want one containing %q", tc.text, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind {
			t.Errorf("SchemaKind(%q) = %q, %v; want %q", tc.text, kind, err, tc.kind)
		}
	}
}

// TestSparkSchemaFromAvro checks the Avro-to-Spark mapping field by field,
// through the columns a reader gets (DuckDB types).
func TestSparkSchemaFromAvro(t *testing.T) {
	text, err := os.ReadFile("testdata/schema/orders.avsc")
	if err != nil {
		t.Fatal(err)
	}
	js, err := SparkSchema(string(text), SchemaAvro)
	if err != nil {
		t.Fatal(err)
	}
	names, types, err := SchemaColumns(js)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"order_id BIGINT",
		"customer VARCHAR",
		"placed_on DATE",
		"placed_at TIMESTAMP WITH TIME ZONE",
		"shipped_at TIMESTAMP WITH TIME ZONE",
		"local_at TIMESTAMP",
		"amount DECIMAL(10, 2)",
		"status VARCHAR",
		"tags VARCHAR[]",
		"attrs MAP(VARCHAR, INTEGER)",
		`address STRUCT("city" VARCHAR, "zip" INTEGER)`,
		`billing STRUCT("city" VARCHAR, "zip" INTEGER)`,
		"qty BIGINT",
		"price DOUBLE",
		`code STRUCT("member0" INTEGER, "member1" VARCHAR)`,
		"ok BOOLEAN",
		"raw BLOB",
	}
	var got []string
	for i := range names {
		got = append(got, names[i]+" "+types[i])
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("columns:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSparkSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, kind, err string
	}{
		{"recursive record", `{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}`, SchemaAvro, "refers to itself"},
		{"not a record", `{"type":"array","items":"int"}`, SchemaAvro, "a read schema is a record"},
		{"null alone", `{"type":"record","name":"r","fields":[{"name":"x","type":"null"}]}`, SchemaAvro, "type null alone"},
		{"bad avro", `{"type":"record","name":"r","fields":[{"name":"x","type":"nope"}]}`, SchemaAvro, "not an Avro schema"},
		{"decimal too wide", `{"type":"record","name":"r","fields":[{"name":"x","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":2}}]}`, SchemaAvro, "1 to 38"},
		{"bad ddl", "id INTEGR", SchemaDDL, "unknown type"},
		{"unknown kind", "id INT", "xml", "unknown schema kind"},
		{"empty struct", `{"type":"struct","fields":[]}`, SchemaSpark, "expected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SparkSchema(tc.text, tc.kind)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// TestReadWithConvertedSchemas reads csv and json files with schemas given
// in each form and checks the names, types and values the reader gives.
func TestReadWithConvertedSchemas(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cityAvro, _ := os.ReadFile("testdata/schema/city.avsc")
	eventsAvro, _ := os.ReadFile("testdata/schema/events.avsc")
	for _, tc := range []struct {
		name, file, format, text, kind string
		opts                           map[string]string
		schema                         string
		rows                           []string
	}{
		{
			name: "csv, avro schema", file: "city.csv", format: CSV, text: string(cityAvro), kind: SchemaAvro,
			schema: "city_id:VARCHAR,zip_code:INTEGER,city_name:VARCHAR,county_name:VARCHAR,state_code:VARCHAR,state_name:VARCHAR",
			rows:   []string{"C1|36003|Autaugaville|Autauga|AL|Alabama", "C2|36006|Billingsley|Autauga|AL|Alabama"},
		},
		{
			name: "csv, ddl schema", file: "city.csv", format: CSV, text: "id STRING, zip LONG, name STRING, county STRING, st STRING, state STRING", kind: SchemaDDL,
			schema: "id:VARCHAR,zip:BIGINT,name:VARCHAR,county:VARCHAR,st:VARCHAR,state:VARCHAR",
			rows:   []string{"C1|36003|Autaugaville|Autauga|AL|Alabama", "C2|36006|Billingsley|Autauga|AL|Alabama"},
		},
		{
			name: "json, avro schema with logical types and nesting", file: "events.json", format: JSON, text: string(eventsAvro), kind: SchemaAvro,
			schema: `id:BIGINT,at:TIMESTAMP WITH TIME ZONE,day:DATE,amount:DECIMAL(8,2),tags:VARCHAR[],who:STRUCT("name" VARCHAR, age INTEGER)`,
			rows: []string{
				"1|2024-03-01 10:00:00+00|2024-03-01|12.50|[a, b]|{'name': ann, 'age': 31}",
				"2|2024-03-02 11:30:00+00|2024-03-02|7.25|[]|{'name': bob, 'age': NULL}",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, err := SparkSchema(tc.text, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			expr, err := ReadSQL(Source{Path: "testdata/schema/" + tc.file, Format: tc.format, Options: tc.opts, SchemaString: js})
			if err != nil {
				t.Fatal(err)
			}
			got, err := readTable(ctx, db, expr)
			if err != nil {
				t.Fatal(err)
			}
			if got.schema != tc.schema {
				t.Errorf("schema %s\nwant   %s", got.schema, tc.schema)
			}
			if strings.Join(got.rows, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got.rows, "\n"), strings.Join(tc.rows, "\n"))
			}
		})
	}
}

func TestCSVRefusesNestedSchema(t *testing.T) {
	js, err := SparkSchema("id INT, tags ARRAY<STRING>", SchemaDDL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReadSQL(Source{Path: "testdata/schema/city.csv", Format: CSV, SchemaString: js})
	if err == nil || !strings.Contains(err.Error(), "column tags is VARCHAR[]") {
		t.Fatalf("a nested csv column was not refused: %v", err)
	}
	// The reader option schema takes a StructType in JSON as well as DDL,
	// but not together with schemaString.
	_, err = ReadSQL(Source{Path: "testdata/schema/city.csv", Format: CSV, Options: map[string]string{"schema": "id INT"}, SchemaString: js})
	if err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("two schemas were not refused: %v", err)
	}
	cols, err := schemaColumns("", `{"type":"struct","fields":[{"name":"a","type":"long"}]}`)
	if err != nil || len(cols) != 1 || cols[0].typ != "BIGINT" {
		t.Fatalf("option schema as JSON: %v %v", cols, err)
	}
}
