package functions_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/functions"
)

func TestFromArgsErrors(t *testing.T) {
	at := functions.Pos{File: "m.yaml", Line: 10, Col: 9}
	arg := func(v any, line int) functions.Arg {
		return functions.Arg{Value: v, Pos: functions.Pos{File: "m.yaml", Line: line, Col: 11}}
	}
	tests := []struct {
		name string
		fn   string
		args map[string]functions.Arg
		want []string
	}{
		{"unknown function", "dorp", nil, []string{`m.yaml:10:9: function dorp: unknown function; did you mean "drop"?`}},
		{"unknown option with a hint", "drop", map[string]functions.Arg{"colums": arg([]any{"a"}, 11)},
			[]string{`m.yaml:11:11: function drop: unknown option "colums"; did you mean "columns"?`, `m.yaml:10:9: function drop, option columns: required option is missing`}},
		{"wrong kind", "cut_character", map[string]functions.Arg{"column": arg("a", 11), "startIndex": arg([]any{1}, 12), "endIndex": arg("2", 13)},
			[]string{`m.yaml:12:11: function cut_character, option startIndex: expected an integer, got a list`}},
		{"not in the enum", "trim", map[string]functions.Arg{"column": arg("a", 11), "method": arg("strip", 12)},
			[]string{`m.yaml:12:11: function trim, option method: "strip" is not one of trim, ltrim, rtrim`}},
		{"a map where a list is wanted", "drop", map[string]functions.Arg{"columns": arg(map[string]any{"a": "b"}, 11)},
			[]string{`option columns: expected a list of strings, got a mapping`}},
		{"the same option twice, camelCase and snake_case", "rename", map[string]functions.Arg{"column": arg("a", 11), "asColumn": arg("b", 12), "as_column": arg("c", 13)},
			[]string{`given twice`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := functions.FromArgs(tt.fn, tt.args, at)
			if err == nil {
				t.Fatal("no error")
			}
			var list functions.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T, want ErrorList", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n%s\nwant it to contain\n%s", msg, w)
				}
			}
		})
	}
}

func TestFromArgsDecodes(t *testing.T) {
	at := functions.Pos{Line: 1}
	call, err := functions.FromArgs("unpivot", map[string]functions.Arg{
		"columns":           {Value: "*"},
		"pivot_columns":     {Value: []any{"a", "b"}},
		"keyColumnName":     {Value: "k"},
		"value_column_name": {Value: "v"},
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	u := call.Function.(*functions.Unpivot)
	if strings.Join(u.Columns, ",") != "*" || strings.Join(u.PivotColumns, ",") != "a,b" || u.KeyColumnName != "k" || u.ValueColumnName != "v" {
		t.Fatalf("decoded %+v", u)
	}
	// Defaults apply when an option is not given; ints and bools from YAML
	// scalars and from Go values.
	call, err = functions.FromArgs("add_column", map[string]functions.Arg{"column": {Value: "n"}, "value": {Value: 8}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if a := call.Function.(*functions.AddColumn); a.Type != "string" || a.Value != "8" {
		t.Fatalf("decoded %+v", a)
	}
	call, err = functions.FromArgs("cut_character", map[string]functions.Arg{"column": {Value: "c"}, "startIndex": {Value: "1"}, "endIndex": {Value: 4.0}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if c := call.Function.(*functions.CutCharacter); c.StartIndex != 1 || c.EndIndex != 4 {
		t.Fatalf("decoded %+v", c)
	}
	call, err = functions.FromArgs("hash", map[string]functions.Arg{"column": {Value: "c"}, "algo": {Value: "sha256"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if h := call.Function.(*functions.Hash); h.Algo != "SHA-256" {
		t.Fatalf("value alias not made canonical: %+v", h)
	}
}

func TestFromYAMLPositions(t *testing.T) {
	src := "functions:\n  - name: drop\n    columns: [a]\n  - name: rename\n    column: a\n    asColumn: b\n  - columns: [x]\n"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	seq := doc.Content[0].Content[1]
	_, err := functions.FromYAML(seq, "job.yaml")
	if err == nil || !strings.Contains(err.Error(), "job.yaml:7:5: function ? (#3): a function needs a name") {
		t.Fatalf("err = %v", err)
	}
	seq.Content = seq.Content[:2]
	calls, err := functions.FromYAML(seq, "job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if calls[1].Index != 2 || calls[1].Pos.String() != "job.yaml:4:11" || calls[1].OptionPos["asColumn"].String() != "job.yaml:6:15" {
		t.Fatalf("positions: index %d at %s, asColumn at %s", calls[1].Index, calls[1].Pos, calls[1].OptionPos["asColumn"])
	}
	// A compile error points at the option of the function at fault.
	in := functions.Schema{{Name: "z", Type: "INTEGER"}}
	_, err = functions.Compile(context.Background(), "t", in, calls, functions.Options{})
	var fe *functions.Error
	if !errors.As(err, &fe) || fe.Index != 1 || fe.Function != "drop" || fe.Option != "columns" || fe.Pos.String() != "job.yaml:3:14" {
		t.Fatalf("err = %#v", err)
	}
	if got := err.Error(); got != `job.yaml:3:14: function drop (#1), option columns: unknown column "a" (the columns are: z)` {
		t.Fatalf("message %q", got)
	}
}

func TestSpecsAreComplete(t *testing.T) {
	specs := functions.Specs()
	if len(specs) != 42 {
		t.Fatalf("%d functions, want the 42 of Flare's list", len(specs))
	}
	for _, s := range specs {
		if s.Doc == "" || s.New == nil || s.New().Name() != s.Name {
			t.Errorf("%s: doc %q, New names %q", s.Name, s.Doc, s.New().Name())
		}
		for _, o := range s.Options {
			if o.Key == "" || o.Doc == "" {
				t.Errorf("%s: option %+v lacks a key or doc", s.Name, o)
			}
			if o.Kind == functions.Enum && len(o.Values) == 0 {
				t.Errorf("%s.%s: enum without values", s.Name, o.Key)
			}
			if o.Required && o.Default != "" {
				t.Errorf("%s.%s: required with a default", s.Name, o.Key)
			}
			if s.Option(o.Key) == nil {
				t.Errorf("%s: Option(%q) finds nothing", s.Name, o.Key)
			}
		}
		if functions.Lookup(strings.ToUpper(s.Name)) == nil {
			t.Errorf("Lookup(%q) finds nothing", s.Name)
		}
	}
}

// TestCompileWithoutEngine is the flare validate path: columns are
// checked through a whole chain, and a chain that needs data is deferred
// at the function that needs it.
func TestCompileWithoutEngine(t *testing.T) {
	in := functions.Schema{{Name: "id", Type: "INTEGER"}, {Name: "country", Type: "VARCHAR"}, {Name: "amount", Type: "DOUBLE"}}
	calls := []*functions.Call{
		{Function: &functions.Rename{Column: "amount", AsColumn: "revenue"}},
		{Function: &functions.Pivot{GroupBy: []string{"id"}, Column: "country", AggregateExpression: "sum(revenue)"}},
		{Function: &functions.Drop{Columns: []string{"nope"}}},
	}
	chain, err := functions.Compile(context.Background(), "t", in, calls, functions.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if chain.Deferred != 2 || chain.SQL != "" || !strings.Contains(chain.Note, "pivot") || chain.Out.Index("revenue") < 0 {
		t.Fatalf("chain %+v", chain)
	}
	calls[1] = &functions.Call{Function: &functions.Drop{Columns: []string{"amount"}}}
	_, err = functions.Compile(context.Background(), "t", in, calls, functions.Options{})
	if err == nil || !strings.Contains(err.Error(), `function drop (#2), option columns: unknown column "amount"`) {
		t.Fatalf("err = %v", err)
	}
}
