package plan_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// schemaManifest is a one-input job in the docs' syntax; input holds the
// input's keys after name and dataset, indented as an inputs[] item.
func schemaManifest(dataset, input string) string {
	return `version: v1
name: wf-schema
type: workflow
workflow:
  dag:
    - name: read-city
      spec:
        stack: flare:7.0
        compute: runnable-default
        stackSpec:
          job:
            inputs:
              - name: city_connect
                dataset: ` + dataset + "\n" + input + `
            steps:
              - sequence:
                  - name: finalDf
                    sql: SELECT * FROM city_connect
`
}

// TestInputSchemas compiles inputs whose columns a schema names and types,
// in every form the docs use (schemaPath to an .avsc, a Spark JSON or a DDL
// file, schemaString, schema, with and without schemaType), and checks the
// columns the input view gets.
func TestInputSchemas(t *testing.T) {
	p := newProject(t)
	const city = "city_id VARCHAR, city_name VARCHAR, county_name VARCHAR, state_code VARCHAR, state_name VARCHAR, zip_code INTEGER, population BIGINT"
	const renamed = "id VARCHAR, name VARCHAR, county VARCHAR, state VARCHAR, state_name VARCHAR, zip BIGINT, population DECIMAL(12,0)"
	avro, err := os.ReadFile(filepath.Join(p.dir, "data/schemas/city.avsc"))
	if err != nil {
		t.Fatal(err)
	}
	struct_, err := os.ReadFile(filepath.Join(p.dir, "data/schemas/city_struct.json"))
	if err != nil {
		t.Fatal(err)
	}
	quote := func(s string) string { return fmt.Sprintf("%q", strings.TrimSpace(s)) }
	for _, tc := range []struct {
		name, dataset, input, cols string
	}{
		{"avsc without schemaType (Avro, as Flare assumes)", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaPath: dataos://files:none/schemas/city.avsc`, city},
		{"schemaType AVRO", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaType: AVRO
                schemaPath: dataos://files:none/schemas/city.avsc`, city},
		{"Spark JSON file", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaType: sparkJson
                schemaPath: dataos://files:none/schemas/city_struct.json`, renamed},
		{"DDL file", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaType: sparkDDL
                schemaPath: dataos://files:none/schemas/city.ddl`, "id VARCHAR, name VARCHAR, county VARCHAR, state VARCHAR, state_name VARCHAR, zip INTEGER, population BIGINT"},
		{"path inside the input's depot", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaPath: schemas/city.avsc`, city},
		{"schemaString, Avro", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaType: AVRO
                schemaString: ` + quote(string(avro)), city},
		{"schemaString, Spark JSON found from the text", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaString: ` + quote(string(struct_)), renamed},
		{"schema as the docs' enrichment page gives it", "dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schema: ` + quote(string(struct_)), renamed},
		{"json input, Avro logical types", "dataos://files:none/orders.json", `                format: json
                schemaPath: dataos://files:none/schemas/orders.avsc`, "id BIGINT, city_id VARCHAR, amount DECIMAL(9,2), ts TIMESTAMP"},
		{"parquet input: the schema picks and casts columns", "dataos://files:exports/city.parquet", `                format: parquet
                schemaType: sparkDDL
                schemaString: "city_id STRING, population INT"`, "city_id VARCHAR, population INTEGER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(f, []byte(schemaManifest(tc.dataset, tc.input)), 0o644); err != nil {
				t.Fatal(err)
			}
			pl, err := p.compile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range pl.Jobs[0].Reads[0].Columns {
				got = append(got, c.Name+" "+c.Type)
			}
			if g := strings.Join(got, ", "); g != tc.cols {
				t.Errorf("columns\n %s\nwant\n %s", g, tc.cols)
			}
		})
	}
}

// TestInputSchemaValues runs an input read with an Avro schema and checks
// the values, not only the types.
func TestInputSchemaValues(t *testing.T) {
	p := newProject(t)
	f := filepath.Join(t.TempDir(), "m.yaml")
	m := schemaManifest("dataos://files:none/city.csv", `                format: csv
                options: {header: true}
                schemaPath: dataos://files:none/schemas/city.avsc`)
	if err := os.WriteFile(f, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	pl, err := p.compile(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ses, err := p.eng.Session(ctx, engine.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	r := &workflow.Runner{Config: p.cfg, Lakehouses: p.ls, Engines: p.eng, Progress: workflow.NewProgress(nil, false), Logger: slog.New(slog.DiscardHandler), DefineOnly: true}
	if err := r.Prepare(ctx, ses, pl.Jobs[0]); err != nil {
		t.Fatal(err)
	}
	res, err := ses.Query(ctx, "SELECT city_id, zip_code + 1, population * 2 FROM finalDf ORDER BY city_id LIMIT 1", -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(res.Rows); got != "[[C0001 57932 3424]]" {
		t.Errorf("first row %s, want [[C0001 57932 3424]] (zip_code and population typed as numbers)", got)
	}
}

func TestInputSchemaErrors(t *testing.T) {
	p := newProject(t)
	for _, tc := range []struct {
		name, dataset, input, err string
	}{
		{"schemaType disagrees with the file", "dataos://files:none/city.csv", `                format: csv
                schemaType: avro
                schemaPath: dataos://files:none/schemas/city_struct.json`, "schemaType is avro, but schema file $PROJECT/data/schemas/city_struct.json is written as a Spark struct (JSON)"},
		{"two schemas", "dataos://files:none/city.csv", `                format: csv
                schemaString: "id INT"
                schemaPath: dataos://files:none/schemas/city.avsc`, "the schema is given as schemaString and schemaPath: give one"},
		{"schema beside the reader option", "dataos://files:none/city.csv", `                format: csv
                schemaPath: dataos://files:none/schemas/city.avsc
                options: {schema: "id INT"}`, "the schema is given twice, as schemaPath and as the reader option schema"},
		{"a path out of the depot", "dataos://files:none/city.csv", `                format: csv
                schemaPath: ../flare.yaml`, "climbs out"},
		{"an absolute path", "dataos://files:none/city.csv", `                format: csv
                schemaPath: /etc/passwd`, "an absolute path"},
		{"a missing file", "dataos://files:none/city.csv", `                format: csv
                schemaPath: dataos://files:none/schemas/nope.avsc`, "no file $PROJECT/data/schemas/nope.avsc"},
		{"a folder", "dataos://files:none/city.csv", `                format: csv
                schemaPath: dataos://files:none/schemas`, "is a folder"},
		{"not a schema", "dataos://files:none/city.csv", `                format: csv
                schemaPath: dataos://files:none/orders.json`, "is not JSON"},
		{"schemaType alone", "dataos://files:none/city.csv", `                format: csv
                schemaType: avro`, "schemaType says how schemaPath or schemaString is written"},
		{"a table input", "dataos://lakehouse:retail/city", `                format: iceberg
                schemaPath: dataos://files:none/schemas/city.avsc`, "applies to file inputs"},
		{"an unknown schemaType", "dataos://files:none/city.csv", `                format: csv
                schemaType: protobuf
                schemaPath: dataos://files:none/schemas/city.avsc`, "protobuf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(f, []byte(schemaManifest(tc.dataset, tc.input)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := p.compile(f)
			if err == nil {
				t.Fatal("compiled, want an error")
			}
			msg := strings.ReplaceAll(err.Error(), p.dir, "$PROJECT")
			if !strings.Contains(msg, tc.err) || !strings.Contains(msg, "m.yaml:") {
				t.Fatalf("error\n %s\nwant one at m.yaml:line containing\n %s", msg, tc.err)
			}
		})
	}
}
