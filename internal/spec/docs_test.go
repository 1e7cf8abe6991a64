package spec

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md")

// TestReferenceDoc fails when docs/reference.md and the spec differ; run
// go test ./internal/spec -update to regenerate the page.
func TestReferenceDoc(t *testing.T) {
	const page = "../../docs/reference.md"
	got := Markdown()
	if *update {
		if err := os.WriteFile(page, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/spec -update)", err)
	}
	if string(want) != got {
		t.Fatal("docs/reference.md differs from internal/spec: run go test ./internal/spec -update")
	}
}

// TestSpecShapes checks the declarations themselves: every field has a
// doc line or a note, enums have values, objects have paths, refused and
// no-effect keys say why, and flags are unique per object.
func TestSpecShapes(t *testing.T) {
	for _, s := range Reference() {
		for _, o := range s.Objects {
			if o.Path == "" || o.What == "" {
				t.Errorf("object %q/%q lacks a path or a name", o.Path, o.What)
			}
			flags := map[string]bool{}
			for _, f := range o.Fields {
				where := o.Path + "." + f.Key
				switch {
				case f.Status != Supported && f.Note == "":
					t.Errorf("%s: a refused or no-effect key must say why (Note)", where)
				case f.Status == Supported && f.Doc == "":
					t.Errorf("%s: no doc line", where)
				}
				if f.Kind == Enum && len(f.Values) == 0 {
					t.Errorf("%s: an enum without values", where)
				}
				if (f.Kind == Object || f.Kind == Objects) && f.Object == nil {
					t.Errorf("%s: an object without its spec", where)
				}
				if f.Flag != "" {
					if flags[f.Flag] {
						t.Errorf("%s: flag --%s declared twice", where, f.Flag)
					}
					flags[f.Flag] = true
				}
				if strings.Contains(f.Key, " ") {
					t.Errorf("%s: a key with a space", where)
				}
			}
		}
	}
}

func TestDecodeEntries(t *testing.T) {
	d := &Decoder{File: "m.yaml"}
	p := Pos{File: "m.yaml", Line: 3, Col: 5}
	vs := d.DecodeEntries([]Entry{
		{Key: "BRANCH", Value: "audit", KeyPos: p, Pos: p},
		{Key: "snapshotId", Value: "12", KeyPos: p, Pos: p},
		{Key: "split-size", Value: "5", KeyPos: p, Pos: p},
		{Key: "brnach", Value: "x", KeyPos: p, Pos: p},
	}, IcebergRead, p)
	refused := &ObjectSpec{Path: "job.inputs[].options[test]", Fields: []*Field{{Key: "later", Kind: Int, Status: Refused, Note: "not built"}}}
	d.DecodeEntries([]Entry{{Key: "later", Value: "1", KeyPos: p, Pos: p}}, refused, p)
	if vs.Str("branch") != "audit" || vs.Int("snapshot-id") != 12 {
		t.Errorf("branch/snapshot-id: %q %d", vs.Str("branch"), vs.Int("snapshot-id"))
	}
	msgs := d.Errs.Error()
	for _, want := range []string{`unknown key "brnach" in job.inputs[].options[iceberg]; did you mean "branch"?`, "not supported yet: job.inputs[].options[test].later"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("errors lack %q:\n%s", want, msgs)
		}
	}
	if len(d.Warns) != 1 || !strings.Contains(d.Warns[0].Msg, "split-size has no effect") {
		t.Errorf("warnings: %v", d.Warns)
	}
	// The no-effect key needs no reading.
	if u := vs.Unused(); len(u) != 0 {
		t.Errorf("unused: %v", u)
	}
}
