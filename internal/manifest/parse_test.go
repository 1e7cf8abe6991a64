package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// jobYAML wraps one step's sql (already indented for the step) in a job.
func jobYAML(sqlKey string) []byte {
	return []byte(`job:
  inputs: [{name: city, dataset: "dataos://lakehouse:s/city"}]
  steps:
    - sequence:
        - name: s1
` + sqlKey + `
  outputs: [{name: s1, dataset: "dataos://lakehouse:s/out"}]
`)
}

// TestSQLPositions maps an offset inside a step's SQL back to the manifest
// (the compile step reports engine errors there), for every scalar style.
func TestSQLPositions(t *testing.T) {
	tests := []struct {
		name, sql, want string
	}{
		{"plain", `          sql: SELECT * FROM city JOIN nope`, "x.yaml:6:40"},
		{"literal block", "          sql: |\n            SELECT *\n\n            FROM city\n              JOIN nope ON true", "x.yaml:10:20"},
		{"literal block keep indent", "          sql: |2\n              SELECT * FROM nope", "x.yaml:7:29"},
		{"folded block", "          sql: >\n            SELECT *\n            FROM city\n            JOIN nope ON true", "x.yaml:9:18"},
		{"plain over lines", "          sql: SELECT *\n            FROM city\n            JOIN nope", "x.yaml:8:18"},
		{"double quoted", `          sql: "SELECT * FROM nope"`, "x.yaml:6:31"},
		{"single quoted over lines", "          sql: 'SELECT * FROM city\n            JOIN nope ON true'", "x.yaml:7:18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wf, err := Parse("x.yaml", jobYAML(tt.sql), Options{})
			if err != nil {
				t.Fatal(err)
			}
			st := wf.Jobs[0].Steps[0]
			off := strings.Index(st.SQL, "nope")
			if got := st.PosAt(off).String(); got != tt.want {
				t.Errorf("nope is at %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSingleJobIsNamedAfterFile(t *testing.T) {
	wf, err := Parse(filepath.Join("some", "dir", "city-load.yml"), jobYAML("          sql: SELECT * FROM city"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if wf.Name != "city-load" || len(wf.Jobs) != 1 || wf.Jobs[0].Name != "city-load" {
		t.Errorf("workflow %q with jobs %v, want one job city-load", wf.Name, wf.Jobs)
	}
}

func TestOrder(t *testing.T) {
	job := func(name string, deps ...string) *Job { return &Job{Name: name, Dependencies: deps} }
	names := func(js []*Job) string {
		var s []string
		for _, j := range js {
			s = append(s, j.Name)
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name    string
		jobs    []*Job
		want    string
		wantErr bool
	}{
		{"manifest order kept", []*Job{job("a"), job("b"), job("c")}, "a,b,c", false},
		{"dependency first", []*Job{job("report", "ingest"), job("ingest")}, "ingest,report", false},
		{"diamond", []*Job{job("d", "b", "c"), job("c", "a"), job("b", "a"), job("a")}, "a,c,b,d", false},
		{"cycle", []*Job{job("a", "b"), job("b", "a")}, "", true},
		{"unknown", []*Job{job("a", "zzz")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&Workflow{Name: "wf", Jobs: tt.jobs}).Order()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && names(got) != tt.want {
				t.Errorf("order = %s, want %s", names(got), tt.want)
			}
		})
	}
}

func TestErrorList(t *testing.T) {
	l := ErrorList{
		{Pos: Pos{File: "b.yaml", Line: 1, Col: 1}, Msg: "third"},
		{Pos: Pos{File: "a.yaml", Line: 9, Col: 2}, Msg: "second"},
		{Pos: Pos{File: "a.yaml", Line: 2}, Msg: "first"},
		{Pos: Pos{File: "a.yaml", Line: 9, Col: 2}, Msg: "second"},
	}
	l.Sort()
	want := "a.yaml:2: first\na.yaml:9:2: second\nb.yaml:1:1: third"
	if got := l.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error", err)
	}
}

// TestDocExample parses every manifest in docs/manifest.md that is marked
// as a complete example, so that the page stays true.
func TestDocExample(t *testing.T) {
	page, err := os.ReadFile("../../docs/manifest.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)```yaml\n(# example: ([^\n]+)\n.*?)```")
	found := re.FindAllSubmatch(page, -1)
	if len(found) == 0 {
		t.Fatal("docs/manifest.md has no ```yaml block starting with # example:")
	}
	for _, m := range found {
		name := string(m[2])
		t.Run(name, func(t *testing.T) {
			wf, err := Parse(name, m[1], Options{Vars: map[string]string{"day": "2024-01-01"}})
			if err != nil {
				t.Fatalf("the example in docs/manifest.md does not parse:\n%v", err)
			}
			if len(wf.Jobs) == 0 {
				t.Error("the example has no jobs")
			}
		})
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	m := []byte(`
job:
  inputs: [{name: a, dataset: "dataos://lakehouse:s/a"}]
  outputs:
    - name: a
      dataset: dataos://lakehouse:s/b
      options: &opts
        saveMode: append
        compressionType: snappy
    - name: a
      dataset: dataos://lakehouse:s/c
      options:
        <<: *opts
        saveMode: overwrite
`)
	wf, err := Parse("anchors.yaml", m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	outs := wf.Jobs[0].Outputs
	if len(outs) != 2 || outs[0].SaveMode != "append" || outs[1].CompressionType != "snappy" {
		t.Fatalf("outputs = %+v %+v", outs[0], outs[1])
	}
	// A key written next to a merge key wins, as in YAML.
	if outs[1].SaveMode != "overwrite" {
		t.Errorf("saveMode = %q, want overwrite (the explicit key beats the merged one)", outs[1].SaveMode)
	}
}
