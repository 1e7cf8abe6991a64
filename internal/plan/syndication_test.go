package plan_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// syndicationManifest is the docs' syndication job (case_scenario/
// syndication.md) over lakehouse.retail.city; output holds the output's
// keys after name, indented as an outputs[] item.
func syndicationManifest(output string) string {
	return `version: v1
name: syndct-city
type: workflow
workflow:
  dag:
    - name: syndct-city-01
      spec:
        stack: flare:7.0
        compute: runnable-default
        stackSpec:
          configs: {}
          job:
            explain: true
            inputs:
              - name: processed
                format: iceberg
                dataset: dataos://lakehouse:retail/city
            logLevel: INFO
            outputs:
              - name: syndicatePos
` + output + `
            steps:
              - sequence:
                  - name: syndicatePos
                    sql: SELECT city_id, city_name, state_code, population FROM processed
            variables:
              keepSystemColumns: "false"
`
}

func (p *project) run(t *testing.T, manifest string) error {
	t.Helper()
	f := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	pl, err := p.compile(f)
	if err != nil {
		return err
	}
	r := &workflow.Runner{Config: p.cfg, Lakehouses: p.ls, Engines: p.eng, Progress: workflow.NewProgress(nil, false), Logger: slog.New(slog.DiscardHandler)}
	_, err = r.Run(context.Background(), pl)
	return err
}

// TestSyndicationIntoLakehouse runs the docs' syndication manifest: csv,
// parquet and json files written into the lakehouse's folder, outside any
// table, with the output's title, description and tags kept beside them.
func TestSyndicationIntoLakehouse(t *testing.T) {
	p := newProject(t)
	ctx := context.Background()
	for _, tc := range []struct{ outputType, ext string }{{"CSV", ".csv"}, {"Parquet", ".parquet"}, {"JSON", ".json"}} {
		t.Run(tc.outputType, func(t *testing.T) {
			ds := "city_" + strings.ToLower(tc.outputType)
			err := p.run(t, syndicationManifest(`                dataset: dataos://lakehouse:syndicate/`+ds+`?acl=rw
                description: City rows as files
                options:
                  file:
                    saveMode: Overwrite
                    outputType: `+tc.outputType+`
                tags:
                  - Fused
                  - Syndicate
                title: Syndicated cities`))
			if err != nil {
				t.Fatal(err)
			}
			folder := filepath.Join(p.dir, "lakehouse", "syndicate", ds)
			parts, _ := filepath.Glob(filepath.Join(folder, "part-*"+tc.ext))
			if len(parts) != 1 {
				t.Fatalf("%s holds %v, want one part file (*%s)", folder, parts, tc.ext)
			}
			b, err := os.ReadFile(filepath.Join(folder, connector.DatasetFile))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Dataset, Title, Description, Format string
				Tags                                []string
				Columns                             []struct{ Name, Type string }
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Title != "Syndicated cities" || doc.Description != "City rows as files" || strings.Join(doc.Tags, ",") != "Fused,Syndicate" ||
				doc.Dataset != "dataos://lakehouse:syndicate/"+ds || doc.Format != strings.ToLower(tc.outputType) || len(doc.Columns) != 4 {
				t.Errorf("%s: %+v", connector.DatasetFile, doc)
			}
			// The rows read back, through a file read of the same address.
			ses, err := p.eng.Session(ctx, engine.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			defer ses.Close()
			src := connector.Source{Path: folder, Format: strings.ToLower(tc.outputType)}
			if tc.outputType == "CSV" {
				src.Options = map[string]string{"header": "true", "inferSchema": "true"}
			}
			rel, err := connector.ReadSQL(src)
			if err != nil {
				t.Fatal(err)
			}
			n, err := ses.Count(ctx, rel)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := ses.Count(ctx, "read_parquet('"+filepath.Join(p.dir, "data/exports/city.parquet")+"')")
			if n != want || n == 0 {
				t.Errorf("read %d rows back, want %d", n, want)
			}
			// A later job reads the files back through the same address.
			back := strings.Replace(syndicationManifest(`                dataset: dataos://files:exports/back_`+ds+`
                format: parquet`), "format: iceberg\n                dataset: dataos://lakehouse:retail/city", "format: "+strings.ToLower(tc.outputType)+"\n                dataset: dataos://lakehouse:syndicate/"+ds, 1)
			back = strings.Replace(back, "SELECT city_id, city_name, state_code, population FROM processed", "SELECT * FROM processed", 1)
			if tc.outputType == "CSV" {
				back = strings.Replace(back, "dataset: dataos://lakehouse:syndicate/"+ds, "dataset: dataos://lakehouse:syndicate/"+ds+"\n                options: {header: true, inferSchema: true}", 1)
			}
			if err := p.run(t, back); err != nil {
				t.Fatalf("reading the files back: %v", err)
			}
			rel2, err := connector.ReadSQL(connector.Source{Path: filepath.Join(p.dir, "data/exports/back_"+ds), Format: "parquet"})
			if err != nil {
				t.Fatal(err)
			}
			if n2, err := ses.Count(ctx, rel2); err != nil || n2 != want {
				t.Errorf("read back %d rows through dataos://lakehouse:syndicate/%s (%v), want %d", n2, ds, err, want)
			}
			// No table was created.
			if _, err := p.ls.LoadTable(ctx, "lakehouse", lakehouse.TableName{Collection: "syndicate", Dataset: ds}); !errors.Is(err, lakehouse.ErrNoSuchTable) {
				t.Errorf("a table syndicate.%s exists after a file output: %v", ds, err)
			}
		})
	}
}

func TestSyndicationRefusals(t *testing.T) {
	p := newProject(t)
	if err := p.run(t, syndicationManifest(`                dataset: dataos://lakehouse:syndicate/taken
                options: {file: {saveMode: overwrite, outputType: csv}}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, output, err string }{
		{"files into a table's folder", `                dataset: dataos://lakehouse:retail/city
                options: {file: {outputType: csv}}`, "lakehouse.retail.city is an Iceberg table; files (options.file outputType csv) cannot go into a table's folder"},
		{"a table into a folder of files", `                dataset: dataos://lakehouse:syndicate/taken
                format: iceberg`, "holds files a syndication output wrote (_flare_dataset.json): a table cannot go there"},
		{"two save modes", `                dataset: dataos://lakehouse:syndicate/other
                options: {saveMode: append, file: {saveMode: overwrite, outputType: csv}}`, "options.saveMode append and options.file.saveMode overwrite disagree"},
		{"format and outputType", `                dataset: dataos://lakehouse:syndicate/other
                format: parquet
                options: {file: {outputType: csv}}`, "format parquet and options.file.outputType csv disagree"},
		{"merge into files", `                dataset: dataos://lakehouse:syndicate/other
                options: {file: {outputType: csv, iceberg: {merge: {onClause: old.a = new.a, whenClause: MATCHED THEN UPDATE SET *}}}}`, "merge applies to Iceberg tables"},
		{"metadata on a single file", `                dataset: dataos://files:exports/one.csv
                title: One file
                format: csv`, "title, description and tags are kept in _flare_dataset.json beside the part files of a folder"},
		{"keepSystemColumns true", `                dataset: dataos://files:exports/out_csv
                format: csv
            variables:
              keepSystemColumns: true`, "Flare-Go adds none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.run(t, syndicationManifest(tc.output))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v\nwant one containing %q", err, tc.err)
			}
		})
	}
	// A table's folder is not read as files.
	m := strings.Replace(syndicationManifest(`                dataset: dataos://files:exports/t
                format: csv`), "format: iceberg\n", "format: parquet\n", 1)
	if err := p.run(t, m); err == nil || !strings.Contains(err.Error(), "dataset dataos://lakehouse:retail/city is an Iceberg table: read it with format iceberg") {
		t.Errorf("a table's folder read as parquet files: %v", err)
	}
	// options.file.saveMode alone is the table's saveMode.
	if err := p.run(t, syndicationManifest(`                dataset: dataos://lakehouse:retail/city_copy
                options: {file: {saveMode: append}}`)); err != nil {
		t.Fatal(err)
	}
	if err := p.run(t, syndicationManifest(`                dataset: dataos://lakehouse:retail/city_copy
                options: {file: {saveMode: append}}`)); err != nil {
		t.Fatal(err)
	}
	tbl, err := p.ls.LoadTable(context.Background(), "lakehouse", lakehouse.TableName{Collection: "retail", Dataset: "city_copy"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q, err := tbl.SelectSQL(ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ses, err := p.eng.Session(ctx, engine.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	n, err := ses.Count(ctx, "("+q+")")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ses.Count(ctx, "read_parquet('"+filepath.Join(p.dir, "data/exports/city.parquet")+"')")
	if n != 2*want {
		t.Errorf("two writes with options.file.saveMode append hold %d rows, want %d", n, 2*want)
	}
}
