package connector

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the option tables in docs/connectors.md")

const connectorsDoc = "../../docs/connectors.md"

// fieldDocs reads the doc comments of the option structs' fields from
// options.go: struct name -> field name -> text.
func fieldDocs(t *testing.T) map[string]map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "options.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		m := map[string]string{}
		for _, fl := range st.Fields.List {
			if fl.Doc == nil || len(fl.Names) == 0 {
				continue
			}
			name := fl.Names[0].Name
			text := strings.Join(strings.Fields(fl.Doc.Text()), " ")
			// "Header: the first line ..." / "Delimiter separates ...":
			// the option name stands in the table's first column.
			text = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(text, name+":"), name))
			switch {
			case strings.HasPrefix(text, "is "):
				text = strings.TrimPrefix(text, "is ")
			case strings.HasPrefix(text, "of "):
				text = strings.ToLower(name) + " " + text
			}
			m[name] = text
		}
		out[ts.Name.Name] = m
		return false
	})
	return out
}

// optionTables renders every format's reader and writer options.
func optionTables(t *testing.T) string {
	docs := fieldDocs(t)
	var b strings.Builder
	table := func(title string, v any) {
		typ := reflect.TypeOf(v).Elem().Name()
		b.WriteString("#### " + title + "\n\n| Option | Type | Default | Allowed values | Meaning |\n|---|---|---|---|---|\n")
		for _, f := range OptionFields(v) {
			name := "`" + f.Name + "`"
			for _, a := range f.Aliases {
				name += ", `" + a + "`"
			}
			def := "–"
			if f.Default != "" {
				def = "`" + f.Default + "`"
			}
			allowed := "–"
			if len(f.Enum) > 0 {
				allowed = "`" + strings.Join(f.Enum, "`, `") + "`"
			}
			meaning := strings.ReplaceAll(docs[typ][f.Field], "|", `\|`)
			switch f.Status {
			case "noeffect":
				meaning = "**no effect**: " + f.Note + "."
			case "refused":
				meaning = "**not supported yet**: " + f.Note + "."
			}
			if meaning == "" {
				t.Errorf("%s.%s has no doc comment", typ, f.Field)
			}
			b.WriteString("| " + name + " | " + f.Type + " | " + def + " | " + allowed + " | " + meaning + " |\n")
		}
		b.WriteString("\n")
	}
	for _, f := range ReadFormats {
		v, _ := NewReadOptions(f)
		table(f+" input", v)
	}
	for _, f := range WriteFormats {
		v, _ := NewWriteOptions(f)
		table(f+" output", v)
	}
	return b.String()
}

// TestConnectorDocs keeps the option tables of docs/connectors.md equal to
// the option structs (names, types, defaults, allowed values and their doc
// comments); run with -update to rewrite them.
func TestConnectorDocs(t *testing.T) {
	raw, err := os.ReadFile(connectorsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	begin := strings.Index(doc, "<!-- options:begin")
	end := strings.Index(doc, "<!-- options:end -->")
	if begin < 0 || end < begin {
		t.Fatal("docs/connectors.md lacks the options:begin/end markers")
	}
	begin += strings.Index(doc[begin:], "\n") + 1
	want := optionTables(t)
	if doc[begin:end] == want {
		return
	}
	if *update {
		if err := os.WriteFile(connectorsDoc, []byte(doc[:begin]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the option tables in %s are out of date: run go test ./internal/connector -run TestConnectorDocs -update", connectorsDoc)
}

// TestOptionNames: every format lists its options, and a parse refuses any
// other name while taking each listed one.
func TestOptionNames(t *testing.T) {
	for _, f := range ReadFormats {
		names, err := ReadOptionNames(f)
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: %v %v", f, names, err)
		}
		if _, err := ParseReadOptions(f, map[string]string{"noSuchOption": "1"}); err == nil || !strings.Contains(err.Error(), `unknown option "noSuchOption"`) {
			t.Errorf("%s input took an unknown option: %v", f, err)
		}
	}
	for _, f := range WriteFormats {
		if _, err := ParseWriteOptions(f, map[string]string{"noSuchOption": "1"}); err == nil {
			t.Errorf("%s output took an unknown option", f)
		}
	}
	got, _ := ReadOptionNames("csv")
	want := "charset codec columnNameOfCorruptRecord comment compression dateFormat delimiter emptyValue encoding enforceSchema escape header ignoreLeadingWhiteSpace ignoreTrailingWhiteSpace inferSchema lineSep mode multiLine nullValue pathGlobFilter quote recursiveFileLookup samplingRatio schema sep timestampFormat"
	if strings.Join(got, " ") != want {
		t.Errorf("csv options %v", got)
	}
	o, err := ParseReadOptions("XML", map[string]string{"row_tag": "item", "ATTRIBUTEPREFIX": "@", "mode": "dropmalformed"})
	if err != nil {
		t.Fatal(err)
	}
	x := o.(*XMLReadOptions)
	if x.RowTag != "item" || x.AttributePrefix != "@" || x.Mode != DropMalformed || x.ValueTag != "_VALUE" || !x.InferSchema {
		t.Errorf("parsed %+v", x)
	}
	if _, err := ParseReadOptions("csv", map[string]string{"sep": ";", "delimiter": ","}); err == nil || !strings.Contains(err.Error(), "say the same thing") {
		t.Errorf("an option and its alias: %v", err)
	}
	if _, err := ParseReadOptions("xlsx", map[string]string{"mode": "LENIENT"}); err == nil || !strings.Contains(err.Error(), `"LENIENT" is not FAILFAST, DROPMALFORMED or PERMISSIVE`) {
		t.Errorf("a bad enum: %v", err)
	}
}
