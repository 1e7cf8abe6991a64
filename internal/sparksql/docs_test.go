package sparksql_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

var update = flag.Bool("update", false, "rewrite the function table in docs/spark-sql.md")

const docPath = "../../docs/spark-sql.md"

// functionTable renders Functions() as the markdown table of the docs.
func functionTable() string {
	var b strings.Builder
	b.WriteString("| Spark function | How | Notes |\n| --- | --- | --- |\n")
	for _, f := range sparksql.Functions() {
		b.WriteString("| `" + f.Name + "` | " + f.How + " | " + strings.ReplaceAll(f.Notes, "|", `\|`) + " |\n")
	}
	return b.String()
}

// refusedTable renders Refused() as the markdown table of the docs.
func refusedTable() string {
	var b strings.Builder
	b.WriteString("| Spark function | Why |\n| --- | --- |\n")
	for _, f := range sparksql.Refused() {
		b.WriteString("| `" + f.Name + "` | " + f.Notes + " |\n")
	}
	return b.String()
}

// TestDocsTables keeps the generated tables in docs/spark-sql.md equal to
// Functions() and Refused(); run with -update to rewrite them.
func TestDocsTables(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	changed := false
	for _, tbl := range []struct{ name, want string }{{"functions", functionTable()}, {"refused", refusedTable()}} {
		begin := strings.Index(doc, "<!-- "+tbl.name+":begin")
		end := strings.Index(doc, "<!-- "+tbl.name+":end -->")
		if begin < 0 || end < begin {
			t.Fatalf("docs/spark-sql.md lacks the %s:begin/end markers", tbl.name)
		}
		begin += strings.Index(doc[begin:], "\n") + 1
		if doc[begin:end] != tbl.want {
			doc = doc[:begin] + tbl.want + doc[end:]
			changed = true
		}
	}
	if !changed {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("a generated table in %s is out of date: run go test ./internal/sparksql -update", docPath)
}

// TestEverySparkFunctionIsHandled checks that every Spark built-in runs or
// is refused by name: one that Flare leaves to DuckDB must be a DuckDB
// function (or SQL syntax), so no Spark call meets DuckDB's "does not
// exist".
func TestEverySparkFunctionIsHandled(t *testing.T) {
	db := openDB(t)
	have := map[string]bool{}
	for _, n := range query(t, db, "SELECT DISTINCT function_name FROM duckdb_functions()") {
		have[n] = true
	}
	for _, f := range sparksql.Functions() {
		if f.How == "DuckDB" && !have[f.Runs] && !sparksql.IsSQLForm(f.Name) {
			t.Errorf("%s: left to DuckDB, which has no such function", f.Name)
		}
	}
	for _, f := range sparksql.Refused() {
		_, err := sparksql.Rewrite("SELECT " + f.Name + "(1)")
		if err == nil || !strings.Contains(err.Error(), "Spark function "+f.Name+" is not supported") {
			t.Errorf("%s: want a refusal naming it, got %v", f.Name, err)
		}
	}
}

// TestDocExample runs the step SQL of the manifest in docs/spark-sql.md on a
// copy of the city csv.
func TestDocExample(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	var sqlLines []string
	indent := -1
	for _, l := range lines {
		if indent < 0 {
			if strings.TrimSpace(l) == "sql: |" {
				indent = len(l) - len(strings.TrimLeft(l, " ")) + 2
			}
			continue
		}
		if strings.TrimSpace(l) != "" && len(l)-len(strings.TrimLeft(l, " ")) < indent {
			break
		}
		sqlLines = append(sqlLines, strings.TrimPrefix(l, strings.Repeat(" ", indent)))
	}
	if len(sqlLines) == 0 {
		t.Fatal("no `sql: |` block in the example")
	}
	db := openDB(t)
	csv, err := filepath.Abs("testdata/city.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "CREATE VIEW city AS SELECT * FROM read_csv('"+csv+"')"); err != nil {
		t.Fatal(err)
	}
	spark := strings.Join(sqlLines, "\n")
	got := query(t, db, "SELECT city_name || '|' || county || '|' || population || '|' || county_words || '|' || state_short || '|' || zip || '|' || size_class || '|' || length(loaded_on) FROM ("+spark+") ORDER BY city_id")
	want := []string{
		"Abbeville|Henry County, AL|2688|2|ala|36310|small|10",
		"Adamsville|Jefferson County, AL|4522|2|ala|35005|small|10",
		"Addison|Winston County, AL|758|2|ala|35540|small|10",
		"Akron|Hale County, AL|0|2|ala|35441|small|10",
		"San Jose|Santa Clara County, CA|1013240|3|cal|95101|large|10",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("example result\n got %q\nwant %q", got, want)
	}

	// The same SQL on the repository's example data, which the doc names.
	if _, err := db.ExecContext(context.Background(), "CREATE OR REPLACE VIEW city AS SELECT * FROM read_csv('../../examples/data/city/city.csv')"); err != nil {
		t.Fatal(err)
	}
	if n := query(t, db, "SELECT count(*) FROM ("+spark+")"); len(n) != 1 || n[0] == "0" {
		t.Errorf("the example selects no rows of examples/data/city/city.csv: %v", n)
	}
}
