package spec

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Flags binds the fields of an object (and of its Object fields) that
// declare a Flag to a flag set, so that a `flare table` subcommand and the
// manifest action it mirrors share one declaration.
type Flags struct {
	obj   *ObjectSpec
	fs    *pflag.FlagSet
	flags map[string]*flagField // by flag name
}

type flagField struct {
	path []*Field // the Object fields above, then the field
}

// AddFlags declares o's flags on fs. Every flag is checked by the same
// decoder as a manifest key, so a flag and a manifest key give the same
// errors.
func AddFlags(fs *pflag.FlagSet, o *ObjectSpec) *Flags {
	f := &Flags{obj: o, fs: fs, flags: map[string]*flagField{}}
	f.add(o, nil)
	return f
}

func (f *Flags) add(o *ObjectSpec, above []*Field) {
	for _, fld := range o.Fields {
		path := append(append([]*Field(nil), above...), fld)
		if fld.Kind == Object && fld.Object != nil {
			f.add(fld.Object, path)
			continue
		}
		if fld.Flag == "" {
			continue
		}
		usage := strings.TrimSuffix(lowerFirst(fld.Doc), ".")
		if fld.Kind == Enum {
			usage += " (" + strings.Join(fld.Values, ", ") + ")"
		}
		if fld.Default != "" && fld.Kind != Bool {
			usage += " (default: " + fld.Default + ")"
		}
		if fld.Kind == Bool {
			f.fs.Bool(fld.Flag, false, usage)
		} else {
			f.fs.String(fld.Flag, "", usage)
		}
		f.flags[fld.Flag] = &flagField{path: path}
	}
}

// Values returns the object's values from the flags the user set, with
// positions naming the flag ("flag --where"). Errors are the decoder's.
func (f *Flags) Values() (*Values, error) {
	d := &Decoder{}
	vs := NewValues(f.obj, Pos{File: "command line"})
	f.fs.Visit(func(pf *pflag.Flag) {
		ff := f.flags[pf.Name]
		if ff == nil {
			return
		}
		text := pf.Value.String()
		pos := Pos{File: "command line"}
		node := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}
		target := vs
		for _, above := range ff.path[:len(ff.path)-1] {
			v := target.vals[above.Key]
			if v == nil {
				v = &Value{Field: above, Key: above.Key, KeyPos: pos, Pos: pos, Obj: NewValues(above.Object, pos)}
				target.Set(v)
			}
			target = v.Obj
		}
		fld := ff.path[len(ff.path)-1]
		d.File = pos.File
		v := d.value(node, fld, "--"+pf.Name)
		if v == nil {
			return
		}
		v.Key, v.KeyPos, v.Pos = fld.Key, pos, pos
		target.Set(v)
	})
	if len(d.Errs) > 0 {
		return nil, d.Errs
	}
	return vs, nil
}

// FlagNames lists the flags bound, sorted (for tests and docs).
func (f *Flags) FlagNames() []string { return SortedKeys(f.flags) }

// String describes the binding (for debugging).
func (f *Flags) String() string { return fmt.Sprintf("flags of %s: %v", f.obj.Path, f.FlagNames()) }
