package functions_test

import (
	"context"
	"database/sql"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

var update = flag.Bool("update", false, "rewrite the generated reference in docs/functions.md")

const docPath = "../../docs/functions.md"

// TestDocsReference keeps the reference part of docs/functions.md equal to
// what the package declares and does: for each function its doc, its
// options (from Specs), the manifest snippet of its first test case, and
// that case's input and output rows as DuckDB computes them. Run with
// -update to rewrite it.
func TestDocsReference(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	const beginMark, endMark = "<!-- reference:begin", "<!-- reference:end -->"
	begin := strings.Index(doc, beginMark)
	end := strings.Index(doc, endMark)
	if begin < 0 || end < begin {
		t.Fatalf("%s lacks the reference:begin/end markers", docPath)
	}
	begin += strings.Index(doc[begin:], "\n") + 1
	want := reference(t)
	if doc[begin:end] == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc[:begin]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the reference in %s is out of date: run go test ./internal/functions -run TestDocsReference -update", docPath)
}

func reference(t *testing.T) string {
	ses := openSession(t)
	ctx := context.Background()
	var b strings.Builder
	for _, spec := range functions.Specs() {
		b.WriteString("### `" + spec.Name + "`\n\n" + spec.Doc + "\n\n")
		if len(spec.Options) == 0 {
			b.WriteString("No options.\n\n")
		} else {
			b.WriteString("| Option | Type | Required | Default | Meaning |\n| --- | --- | --- | --- | --- |\n")
			for _, o := range spec.Options {
				typ := o.Kind.String()
				if o.Kind == functions.Enum {
					typ = strings.Join(o.Values, " \\| ")
				}
				req := ""
				if o.Required {
					req = "yes"
				}
				b.WriteString("| `" + o.Key + "` | " + typ + " | " + req + " | " + o.Default + " | " + strings.ReplaceAll(o.Doc, "|", "\\|") + " |\n")
			}
			b.WriteString("\n")
		}
		cases := readCases(t, filepath.Join("testdata/functions", spec.Name+".test"))
		tc := cases[0]
		snippet := strings.TrimLeft(tc.functions, "\n")
		b.WriteString("```yaml\nfunctions:\n" + indentLines(snippet, "  ") + "\n```\n\n")
		if err := ses.Exec(ctx, "CREATE OR REPLACE TEMP TABLE input AS "+tc.input); err != nil {
			t.Fatal(err)
		}
		b.WriteString("Input:\n\n" + markdownTable(t, ses, "SELECT * FROM input", false) + "\n")
		in, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM input")
		if err != nil {
			t.Fatal(err)
		}
		var node yaml.Node
		if err := yaml.Unmarshal([]byte(tc.functions), &node); err != nil {
			t.Fatal(err)
		}
		calls, err := functions.FromYAML(&node, tc.file)
		if err != nil {
			t.Fatal(err)
		}
		chain, err := functions.Compile(ctx, `"input"`, in, calls, functions.Options{Rewrite: sparksql.Rewrite, Engine: ses.Conn(), ReadData: true})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("Output:\n\n" + markdownTable(t, ses, chain.SQL, true) + "\n")
	}
	return b.String()
}

func indentLines(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pre + l
		}
	}
	return strings.Join(lines, "\n")
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// markdownTable renders a query's first rows (at most 6; sorted, so that
// the docs do not change with thread timing) as a markdown table, the
// header showing each column's name and type. Random UUIDs are shown as
// such.
func markdownTable(t *testing.T, ses *engine.Session, q string, sorted bool) string {
	ctx := context.Background()
	cols, err := functions.Describe(ctx, ses.Conn(), q)
	if err != nil {
		t.Fatal(err)
	}
	casts := make([]string, len(cols))
	head := make([]string, len(cols))
	for i, c := range cols {
		casts[i] = "CAST(" + quoteIdent(c.Name) + " AS VARCHAR)"
		head[i] = c.Name + " <sub>" + strings.ToLower(functions.NormType(c.Type)) + "</sub>"
	}
	order := ""
	if sorted {
		order = " ORDER BY ALL"
	}
	rows, err := queryCells(ctx, ses, "SELECT "+strings.Join(casts, ", ")+" FROM (SELECT * FROM ("+q+")"+order+" LIMIT 6)")
	if err != nil {
		t.Fatal(err)
	}
	esc := func(s string) string {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
		return uuidRE.ReplaceAllString(s, "(random UUID)")
	}
	for i := range head {
		head[i] = esc(head[i])
	}
	var b strings.Builder
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat(" --- |", len(cols)) + "\n")
	for _, cells := range rows {
		for i := range cells {
			cells[i] = esc(cells[i])
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if len(rows) == 0 {
		b.WriteString("| (no rows) |" + strings.Repeat(" |", len(cols)-1) + "\n")
	}
	return b.String()
}

// queryCells runs DuckDB SQL whose columns are all VARCHAR and returns the
// cells, NULL as "NULL".
func queryCells(ctx context.Context, ses *engine.Session, q string) ([][]string, error) {
	rs, err := ses.Conn().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = "NULL"
			if v.Valid {
				cells[i] = v.String
			}
		}
		out = append(out, cells)
	}
	return out, rs.Err()
}
