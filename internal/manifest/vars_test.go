package manifest

import (
	"reflect"
	"testing"
)

func TestExpandVars(t *testing.T) {
	vars := map[string]string{"day": "2024-01-01", "n": "5", "dotted.name": "d", "empty": ""}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	tests := []struct {
		in, want string
		probs    []varProblem
	}{
		{"no vars", "no vars", nil},
		{"${day}", "2024-01-01", nil},
		{"a_${day}_${n}", "a_2024-01-01_5", nil},
		{"${dotted.name}${empty}!", "d!", nil},
		{"$${day}", "${day}", nil},
		{"$$${day}", "$${day}", nil}, // leftmost: "$", then the escape "$${"
		{"cost $5 and $|key| stay", "cost $5 and $|key| stay", nil},
		{"x ${missing} y", "x  y", []varProblem{{Off: 2, Msg: "variable ${missing} is not set; pass --var missing=... or set the environment variable missing"}}},
		{"${bad name}", "", []varProblem{{Off: 0, Msg: `bad variable name "bad name" in ${bad name} (letters, digits, '_', '.', '-'; write $${ for a literal ${)`}}},
		{"ab ${open", "ab ${open", []varProblem{{Off: 3, Msg: "unterminated ${ (write $${ for a literal ${)"}}},
		{"${day} ${x} ${y}", "2024-01-01  ", []varProblem{
			{Off: 7, Msg: "variable ${x} is not set; pass --var x=... or set the environment variable x"},
			{Off: 12, Msg: "variable ${y} is not set; pass --var y=... or set the environment variable y"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, probs := expandVars(tt.in, lookup)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !reflect.DeepEqual(probs, tt.probs) {
				t.Errorf("problems = %+v, want %+v", probs, tt.probs)
			}
		})
	}
}

func TestOptionsLookupOrder(t *testing.T) {
	opt := Options{
		Vars:      map[string]string{"a": "from-var"},
		LookupEnv: func(k string) (string, bool) { return "from-env-" + k, k != "none" },
	}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{{"a", "from-var", true}, {"b", "from-env-b", true}, {"none", "from-env-none", false}} {
		if got, ok := opt.lookup(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("lookup(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := (Options{}).lookup("HOME"); ok {
		t.Error("without LookupEnv the environment must not be read")
	}
}

func TestVariableTypesFollowTheirValue(t *testing.T) {
	m := []byte(`
job:
  showPreviewLines: ${lines}
  explain: ${explain}
  inputs: [{name: a, dataset: "dataos://lakehouse:s/${t}"}]
  outputs: [{name: a, dataset: "dataos://lakehouse:s/b"}]
`)
	wf, err := Parse("job.yaml", m, Options{Vars: map[string]string{"lines": "7", "explain": "true", "t": "tbl"}})
	if err != nil {
		t.Fatal(err)
	}
	j := wf.Jobs[0]
	if j.ShowPreviewLines != 7 || !j.Explain || j.Inputs[0].Dataset != "dataos://lakehouse:s/tbl" {
		t.Errorf("got showPreviewLines=%d explain=%v dataset=%q", j.ShowPreviewLines, j.Explain, j.Inputs[0].Dataset)
	}
}
