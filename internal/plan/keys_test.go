package plan_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// TestEveryKey walks every key the spec declares and proves that it is
// executed or refused. For each key it compiles two manifests: one with the
// key set (A) and one without it (B), built from a base manifest in
// testdata/keys at the place the key's object lives.
//   - a supported key: A compiles, and its plan differs from B's (or B
//     fails: the key is required). A key that was read but changed nothing
//     in the plan is a key the runner cannot execute.
//   - a refused key: A fails with "not supported yet" naming the key.
//   - a no-effect key: A compiles with a note naming the key, and A's plan
//     equals B's.
//
// Keys whose object sits under a refused or no-effect key are covered by it.
// A new key without a case here fails the test.
func TestEveryKey(t *testing.T) {
	p := newProject(t)
	var cases keyCases
	data, err := os.ReadFile("testdata/keys/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range reachable() {
		home, ok := cases.Objects[o.Path]
		if !ok {
			t.Errorf("%s: no home in testdata/keys/cases.yaml objects", o.Path)
			continue
		}
		for _, f := range o.Fields {
			key := o.Path + "." + f.Key
			seen[key] = true
			t.Run(key, func(t *testing.T) {
				c := cases.Keys[key]
				c.With = withHome(home.With, c.With)
				if c.Value == nil && !c.Keep {
					c.Value = derived(f)
				}
				if c.Value == nil && !c.Keep {
					t.Fatalf("no case for %s in testdata/keys/cases.yaml (give a value)", key)
				}
				base := home.Base
				if c.Base != "" {
					base = c.Base
				}
				needServers(t, base) // database_test.go
				at := home.At
				if c.At != "" {
					at = c.At
				}
				if c.Value == "$SNAPSHOT" {
					c.Value = p.snapshot
				}
				a, b := buildPair(t, base, at, f.Key, c)
				ra, rb := p.outcome(t, a), p.outcome(t, b)
				status := f.Status
				if c.Expect == "refused" {
					status = spec.Refused
				}
				switch status {
				case spec.Refused:
					if !strings.Contains(ra.err, "not supported yet") || !strings.Contains(ra.err, f.Key) {
						t.Fatalf("refused key accepted, or refused without naming it:\n%s", ra.err)
					}
				case spec.NoEffect:
					if ra.err != "" {
						t.Fatalf("a no-effect key failed to compile:\n%s", ra.err)
					}
					if !strings.Contains(ra.notes, f.Key) || !strings.Contains(ra.notes, "no effect") {
						t.Fatalf("no note names the key:\n%s", ra.notes)
					}
					if ra.plan != rb.plan {
						t.Fatalf("a no-effect key changed the plan")
					}
				default:
					if ra.err != "" {
						t.Fatalf("the key's case does not compile:\n%s", ra.err)
					}
					if rb.err == "" && ra.plan == rb.plan {
						t.Fatalf("the key changes nothing in the plan: it would be accepted and ignored")
					}
				}
			})
		}
	}
	for k := range cases.Keys {
		if !seen[k] {
			t.Errorf("testdata/keys/cases.yaml has a case for %s, which the spec does not declare", k)
		}
	}
}

type keyCases struct {
	// Objects say where each object lives: a base manifest and a path in
	// it, and siblings to set there for every key of the object (a step
	// function's name and required options).
	Objects map[string]struct {
		Base, At string
		With     map[string]any
	}
	// Keys give the value to set, and optionally siblings to set with it
	// (in both manifests) or another home.
	Keys map[string]keyCase
}

type keyCase struct {
	Value any
	// Keep tests the key as the base manifest has it (A = base).
	Keep bool
	// With sets siblings and Without removes them, in both manifests.
	With    map[string]any
	Without []string
	Base    string
	At      string
	// Expect "refused": a supported key whose only telling value is
	// refused when compiled (isStream: true).
	Expect string
}

// reachable returns every object of the reference that a supported key
// leads to: objects only under refused or no-effect keys are covered by
// those keys.
func reachable() []*spec.ObjectSpec {
	seen := map[string]bool{}
	var out []*spec.ObjectSpec
	var walk func(o *spec.ObjectSpec)
	walk = func(o *spec.ObjectSpec) {
		if seen[o.Path] {
			return
		}
		seen[o.Path] = true
		out = append(out, o)
		for _, f := range o.Fields {
			if f.Object != nil && f.Status == spec.Supported {
				walk(f.Object)
			}
		}
	}
	walk(spec.Workflow)
	for _, s := range spec.Reference() {
		if s.Title == "Manifest" {
			continue
		}
		for _, o := range s.Objects {
			walk(o)
		}
	}
	// File formats' options are declared by the connector's option structs.
	for _, f := range connector.ReadFormats {
		walk(plan.ReaderSpec(f))
	}
	for _, f := range connector.WriteFormats {
		walk(plan.WriterSpec(f))
	}
	// Step functions' options are declared by the functions package.
	for _, o := range plan.FunctionSpecs() {
		walk(o)
	}
	walk(plan.DatabaseReaderSpec())
	walk(plan.DatabaseWriterSpec())
	return out
}

// withHome is the object's siblings overridden by the key's own.
func withHome(home, key map[string]any) map[string]any {
	if len(home) == 0 {
		return key
	}
	out := map[string]any{}
	for k, v := range home {
		out[k] = v
	}
	for k, v := range key {
		out[k] = v
	}
	return out
}

// derived gives a value for keys whose kind alone says what to set (for
// refused and no-effect keys, any value of the kind).
func derived(f *spec.Field) any {
	if f.Status != spec.Supported {
		switch f.Kind {
		case spec.String:
			return "x"
		case spec.Float:
			return 0.5
		case spec.List:
			return []string{"x"}
		case spec.Map:
			return map[string]string{"x": "y"}
		}
	}
	switch f.Kind {
	case spec.Bool:
		return f.Default != "true"
	case spec.Enum:
		for _, v := range f.Values {
			if !strings.EqualFold(v, f.Default) {
				return v
			}
		}
	case spec.Int:
		if f.MinSet {
			return int(f.Min) + 2
		}
		return 3
	}
	return nil
}

// buildPair returns the base manifest with key set (A) and without it (B),
// both with the case's siblings set, as files in a temporary folder.
func buildPair(t *testing.T, base, at, key string, c keyCase) (string, string) {
	t.Helper()
	make := func(set bool) string {
		var doc yaml.Node
		data, err := os.ReadFile(filepath.Join("testdata/keys", base))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		m := navigate(t, doc.Content[0], at)
		for k, v := range c.With {
			setKey(t, m, k, v)
		}
		for _, k := range c.Without {
			removeKey(m, k)
		}
		switch {
		case !set:
			removeKey(m, key)
		case !c.Keep:
			setKey(t, m, key, expandKeys(t, c.Value))
		}
		out, err := yaml.Marshal(&doc)
		if err != nil {
			t.Fatal(err)
		}
		name := "a.yaml"
		if !set {
			name = "b.yaml"
		}
		dir := t.TempDir()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		// Files a case names ($KEYS/q.sql) sit beside the manifest, as a
		// sqlFile must.
		copyDir(t, "testdata/keys/files", dir)
		return p
	}
	return make(true), make(false)
}

// expandKeys replaces $KEYS/ in string values: files of testdata/keys/files
// are copied beside the manifest.
func expandKeys(t *testing.T, v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	return strings.ReplaceAll(s, "$KEYS/", "")
}

var stepRE = regexp.MustCompile(`^([^\[]*)(?:\[(\d+)\])?$`)

// navigate follows a path like workflow.dag[0].spec to a mapping node,
// creating empty mappings for missing keys.
func navigate(t *testing.T, n *yaml.Node, path string) *yaml.Node {
	t.Helper()
	if path == "" {
		return n
	}
	for _, step := range strings.Split(path, ".") {
		m := stepRE.FindStringSubmatch(step)
		if m == nil {
			t.Fatalf("bad path step %q", step)
		}
		if n.Kind != yaml.MappingNode {
			t.Fatalf("path %s: %s is not a mapping", path, step)
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == m[1] {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: m[1]}, next)
		}
		if m[2] != "" {
			i, _ := strconv.Atoi(m[2])
			if next.Kind != yaml.SequenceNode || i >= len(next.Content) {
				t.Fatalf("path %s: %s has no item %d", path, m[1], i)
			}
			next = next.Content[i]
		}
		n = next
	}
	return n
}

func setKey(t *testing.T, m *yaml.Node, key string, v any) {
	t.Helper()
	var vn yaml.Node
	if err := vn.Encode(v); err != nil {
		t.Fatal(err)
	}
	if m.Kind == yaml.MappingNode && m.Style == yaml.FlowStyle {
		m.Style = 0
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = &vn
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &vn)
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// result is what compiling a manifest gave.
type result struct{ plan, notes, err string }

func (p *project) outcome(t *testing.T, path string) result {
	t.Helper()
	wf, err := manifest.Load(path, manifest.Options{})
	if err != nil {
		return result{err: err.Error()}
	}
	pl, err := plan.Compile(context.Background(), wf, p.env())
	if err != nil {
		return result{err: err.Error()}
	}
	notes := pl.Notes.Error()
	pl.Notes, pl.File = nil, ""
	js, err := json.Marshal(pl)
	if err != nil {
		t.Fatal(err)
	}
	// Positions move when a key is added; they are not what the key does.
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	js, _ = json.Marshal(withoutPositions(v))
	return result{plan: string(js), notes: notes}
}

func withoutPositions(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "Pos" {
				delete(x, k)
				continue
			}
			x[k] = withoutPositions(c)
		}
	case []any:
		for i, c := range x {
			x[i] = withoutPositions(c)
		}
	}
	return v
}
