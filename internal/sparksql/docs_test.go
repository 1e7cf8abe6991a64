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
		notes := strings.ReplaceAll(f.Notes, "|", `\|`)
		b.WriteString("| `" + strings.ReplaceAll(f.Signature, "|", `\|`) + "` | " + f.How + " | " + notes + " |\n")
	}
	return b.String()
}

// TestDocsFunctionTable keeps the table in docs/spark-sql.md equal to
// Functions(); run with -update to rewrite it.
func TestDocsFunctionTable(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin := strings.Index(doc, "<!-- functions:begin")
	end := strings.Index(doc, "<!-- functions:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/spark-sql.md lacks the functions:begin/end markers")
	}
	begin += strings.Index(doc[begin:], "\n") + 1
	want := functionTable()
	if doc[begin:end] == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc[:begin]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the function table in %s is out of date: run go test ./internal/sparksql -update", docPath)
}

func TestFunctionsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range sparksql.Functions() {
		if f.Name == "" || f.Signature == "" || seen[f.Name] {
			t.Errorf("bad or duplicate entry %+v", f)
		}
		seen[f.Name] = true
		switch f.How {
		case "DuckDB", "macro", "rewrite":
		default:
			t.Errorf("%s: How = %q", f.Name, f.How)
		}
	}
	for _, name := range []string{"nvl", "nvl2", "date_format", "to_date", "to_timestamp", "from_unixtime",
		"unix_timestamp", "collect_list", "collect_set", "size", "explode", "current_timestamp", "current_date",
		"date_add", "date_sub", "datediff", "concat_ws", "substr", "substring", "instr", "lcase", "ucase", "ifnull",
		"nanvl", "int", "if", "array_contains", "sort_array", "initcap", "split", "regexp_extract",
		"monotonically_increasing_id"} {
		if !seen[name] {
			t.Errorf("Functions() lacks %s", name)
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
