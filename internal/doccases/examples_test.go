package doccases

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/cli"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// TestSyndicationExample runs examples/syndication/city_export.yaml with the
// repository's flare.yaml, as docs/inputs-outputs.md shows it: a csv read
// with an Avro schema, a table, and syndicated csv and parquet files.
func TestSyndicationExample(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "../../examples", filepath.Join(dir, "examples"))
	cfg, err := os.ReadFile("../../flare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "flare.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	if code := cli.Main([]string{"run", "examples/syndication/city_export.yaml"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	p := &project{t: t, dir: dir}
	ses, err := openSession()
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	p.ses = ses
	// The Avro schema types the columns (inferSchema is off: without the
	// schema every column would be a string).
	equal(t, "table columns", p.columns("retail.city_typed"),
		"city_id VARCHAR, city_name VARCHAR, county_name VARCHAR, state_code VARCHAR, state_name VARCHAR, zip_code INTEGER, population BIGINT")
	equal(t, "table rows", p.one("SELECT count(*), sum(population) > 0 FROM "+p.rel("retail.city_typed", "")), "240|true")
	for _, folder := range []string{"lakehouse/syndicate/state_population", "examples/data/exports/state_population"} {
		files := p.files(folder)
		if len(files) != 2 || files[0] != "_flare_dataset.json" || !strings.HasPrefix(files[1], "part-") {
			t.Errorf("%s holds %v, want a part file and _flare_dataset.json", folder, files)
		}
	}
	csv := filepath.Join(dir, "lakehouse/syndicate/state_population", p.files("lakehouse/syndicate/state_population")[1])
	pq := filepath.Join(dir, "examples/data/exports/state_population", p.files("examples/data/exports/state_population")[1])
	equal(t, "csv and parquet agree with the table",
		p.one("SELECT (SELECT sum(cities) FROM read_csv('"+csv+"', header = true)), (SELECT sum(cities) FROM read_parquet('"+pq+"')), (SELECT count(*) FROM "+p.rel("retail.city_typed", "")+")"),
		"240|240|240")
	meta, err := os.ReadFile(filepath.Join(dir, "lakehouse/syndicate/state_population/_flare_dataset.json"))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "dataset file", string(meta), `"title": "Population by state"`, `"Syndicate"`)
	if p.exists("syndicate.state_population") {
		t.Error("the syndication created a table")
	}
}

// TestDocsShowTheSyndicationExample: docs/inputs-outputs.md shows the
// example file verbatim.
func TestDocsShowTheSyndicationExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/inputs-outputs.md")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := os.ReadFile("../../examples/syndication/city_export.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "```yaml\n"+string(ex)+"```") {
		t.Error("docs/inputs-outputs.md does not show examples/syndication/city_export.yaml verbatim; copy it in")
	}
}

// TestTuningDocListsEverySetting: docs/tuning.md names every Spark setting
// the spec declares, so that its tables say what each one does.
func TestTuningDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/tuning.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range spec.SparkConf.Fields {
		if !strings.Contains(string(doc), "`"+f.Key+"`") && !strings.Contains(string(doc), "`"+f.Key+":") {
			t.Errorf("docs/tuning.md does not name %s", f.Key)
		}
	}
}
