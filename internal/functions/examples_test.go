package functions_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// TestExamples runs the step functions of the manifests in
// examples/functions over their CSV inputs, as the runner will once it
// calls this package (the thirdparty depot is examples/data), and keeps
// the resulting rows in testdata/examples/<manifest>.golden (-update
// rewrites them).
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/functions/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example manifests")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ses := openSession(t)
			ctx := context.Background()
			job := exampleJob(t, file)
			for _, in := range seq(t, get(job, "inputs")) {
				registerCSV(t, ses.Exec, get(in, "name").Value, get(in, "dataset").Value, get(get(in, "options"), "inferSchema"))
			}
			var out strings.Builder
			for _, s := range seq(t, get(job, "steps")) {
				for _, step := range seq(t, get(s, "sequence")) {
					name := get(step, "name").Value
					q, err := sparksql.Rewrite(get(step, "sql").Value)
					if err != nil {
						t.Fatal(err)
					}
					if err := ses.Exec(ctx, "CREATE OR REPLACE VIEW "+quoteIdent(name+"__sql")+" AS "+q); err != nil {
						t.Fatal(err)
					}
					in, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM "+quoteIdent(name+"__sql"))
					if err != nil {
						t.Fatal(err)
					}
					calls, err := functions.FromYAML(get(step, "functions"), file)
					if err != nil {
						t.Fatal(err)
					}
					chain, err := functions.Compile(ctx, quoteIdent(name+"__sql"), in, calls, functions.Options{Rewrite: sparksql.Rewrite, Engine: ses.Conn(), ReadData: true})
					if err != nil {
						t.Fatal(err)
					}
					if err := ses.Exec(ctx, "CREATE OR REPLACE VIEW "+quoteIdent(name)+" AS "+chain.SQL); err != nil {
						t.Fatal(err)
					}
					out.WriteString("step " + name + "\n" + markdownTable(t, ses, "SELECT * FROM "+quoteIdent(name), true) + "\n")
				}
			}
			golden := filepath.Join("testdata/examples", strings.TrimSuffix(filepath.Base(file), ".yaml")+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Fatalf("rows\n%s\nwant (%s)\n%s", out.String(), golden, want)
			}
		})
	}
}

// exampleJob returns the job of a manifest's first dag entry.
func exampleJob(t *testing.T, file string) *yaml.Node {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	dag := seq(t, get(get(doc.Content[0], "workflow"), "dag"))
	return get(get(get(dag[0], "spec"), "stackSpec"), "job")
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seq(t *testing.T, n *yaml.Node) []*yaml.Node {
	t.Helper()
	if n == nil || n.Kind != yaml.SequenceNode {
		t.Fatalf("expected a list at line %v", n)
	}
	return n.Content
}

// registerCSV makes a view of a CSV in the thirdparty depot (examples/data):
// every column a string unless inferSchema is true, as Spark reads CSV.
func registerCSV(t *testing.T, exec func(context.Context, string) error, name, dataset string, infer *yaml.Node) {
	t.Helper()
	const depot = "dataos://thirdparty:"
	if !strings.HasPrefix(dataset, depot) {
		t.Fatalf("example input %s is not in the thirdparty depot", dataset)
	}
	path := filepath.Join("../../examples/data", strings.TrimPrefix(dataset, depot))
	allVarchar := "true"
	if infer != nil && infer.Value == "true" {
		allVarchar = "false"
	}
	q := "CREATE OR REPLACE VIEW " + quoteIdent(name) + " AS SELECT * FROM read_csv('" + path + "', header = true, all_varchar = " + allVarchar + ")"
	if err := exec(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}
