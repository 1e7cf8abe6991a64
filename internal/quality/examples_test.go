package quality_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/quality"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// TestExamples evaluates the assertions of the manifests in
// examples/quality as the runner will once it calls this package: a job's
// assertions over its (single) input, an output's assertions over the
// output's rows. The printed tables are kept in
// testdata/examples/<manifest>.golden (-update rewrites them); every check
// of the examples passes.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/quality/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example manifests")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc yaml.Node
			if err := yaml.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, entry := range get(get(doc.Content[0], "workflow"), "dag").Content {
				ses := openSession(t)
				ctx := context.Background()
				job := get(get(get(entry, "spec"), "stackSpec"), "job")
				inputs := get(job, "inputs").Content
				for _, in := range inputs {
					registerCSV(t, ses.Exec, get(in, "name").Value, get(in, "dataset").Value, get(get(in, "options"), "inferSchema"))
				}
				if s := get(job, "steps"); s != nil {
					for _, sq := range s.Content {
						for _, step := range get(sq, "sequence").Content {
							q, err := sparksql.Rewrite(get(step, "sql").Value)
							if err != nil {
								t.Fatal(err)
							}
							if err := ses.Exec(ctx, "CREATE OR REPLACE VIEW "+get(step, "name").Value+" AS "+q); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
				check := func(view, dataset string, node *yaml.Node) {
					as, err := quality.FromYAML(node, file)
					if err != nil {
						t.Fatal(err)
					}
					cols, err := functions.Describe(ctx, ses.Conn(), "SELECT * FROM "+view)
					if err != nil {
						t.Fatal(err)
					}
					suite, err := quality.Compile(ctx, quality.Dataset{Name: dataset, From: view, Columns: cols}, as,
						quality.CompileOptions{Rewrite: sparksql.Rewrite, Engine: ses.Conn()})
					if err != nil {
						t.Fatal(err)
					}
					res, err := suite.Evaluate(ctx, ses.Conn())
					if err != nil {
						t.Fatal(err)
					}
					if err := res.Err(); err != nil {
						t.Errorf("the example's checks must pass: %v", err)
					}
					out.WriteString(res.Table() + "\n")
				}
				if a := get(job, "assertions"); a != nil {
					check(get(inputs[0], "name").Value, get(inputs[0], "dataset").Value, a)
				}
				if outs := get(job, "outputs"); outs != nil {
					for _, o := range outs.Content {
						if a := get(o, "assertions"); a != nil {
							check(get(o, "name").Value, get(o, "dataset").Value, a)
						}
					}
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
				t.Fatalf("tables\n%s\nwant (%s)\n%s", out.String(), golden, want)
			}
		})
	}
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
	if err := exec(context.Background(), "CREATE OR REPLACE VIEW "+name+" AS SELECT * FROM read_csv('"+path+"', header = true, all_varchar = "+allVarchar+")"); err != nil {
		t.Fatal(err)
	}
}
