package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the type of a manifest value.
type Kind int

const (
	// String is any scalar, kept as written (numbers and booleans too).
	String Kind = iota
	// Bool is true or false (also yes/no/on/off, quoted or not).
	Bool
	// Int is a whole number (quoted digits are accepted: "10").
	Int
	// Float is a number.
	Float
	// Enum is a string among Field.Values, matched without regard to case
	// and normalised to the declared spelling.
	Enum
	// List is a list of scalars (with Field.Single, a lone scalar is a
	// one-item list).
	List
	// Map is a mapping of free-form keys to scalars, stringified.
	Map
	// Object is a mapping whose keys Field.Object declares.
	Object
	// Objects is a list of mappings whose keys Field.Object declares.
	Objects
	// Any is any YAML value, kept as a node (schemas, free-form JSON).
	Any
	// Conf is Spark's sparkConf: a list of one-key mappings (or a mapping),
	// decoded like Map.
	Conf
)

// String names the kind as the docs show it.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Bool:
		return "boolean"
	case Int:
		return "integer"
	case Float:
		return "number"
	case Enum:
		return "one of"
	case List:
		return "list of strings"
	case Map:
		return "mapping"
	case Object:
		return "object"
	case Objects:
		return "list of objects"
	case Any:
		return "any"
	case Conf:
		return "list of one-key mappings"
	}
	return "?"
}

// Status says what Flare does with a key.
type Status int

const (
	// Supported keys are executed.
	Supported Status = iota
	// Refused keys are documented Flare keys whose feature is not built:
	// giving one is an error ("not supported yet"), never ignored.
	Refused
	// NoEffect keys are accepted and change nothing on one machine (Spark
	// cluster sizes, schema-registry hints of a stack we do not run); the
	// plan carries a note that says so, printed once.
	NoEffect
)

// Field declares one key of an Object.
type Field struct {
	// Key is the canonical spelling (camelCase, or as Iceberg spells it).
	Key string
	// Aliases are other accepted spellings. The snake_case form of a
	// camelCase key is always accepted and need not be listed.
	Aliases []string
	Kind    Kind
	// Values are an Enum's allowed values, in their canonical spelling.
	Values []string
	// Default is shown in docs and flag help; "" means none. Decoding does
	// not fill it in: the compile step applies defaults, so that "not
	// given" stays visible.
	Default string
	// Doc is one line for the docs table and flag help.
	Doc string
	// What names the value in messages ("storage level") when the key
	// alone would not say enough; "" uses the key.
	What string
	// Flag is the CLI flag of `flare table` subcommands that sets this key
	// ("" = no flag).
	Flag string
	// Object declares the keys of an Object or of each item of Objects.
	Object *ObjectSpec
	// Required keys must be given.
	Required bool
	// Single lets a List be written as one scalar.
	Single bool
	// Min bounds an Int or Float from below when MinSet.
	Min    float64
	MinSet bool
	Status Status
	// Note says why a Refused or NoEffect key is so, or what to use instead.
	Note string
	// Check validates a decoded value beyond its kind (a syntax, a range).
	// The error message is shown at the value's position.
	Check func(v *Value) error
}

// ObjectSpec declares the keys of one manifest object.
type ObjectSpec struct {
	// Path is where the object sits in a manifest, as docs and errors show
	// it: "job.outputs[].options".
	Path string
	// What names one such object in messages: "an output".
	What string
	// Doc is a paragraph for the docs.
	Doc    string
	Fields []*Field
	// Misplaced gives a hint for keys that users put here by mistake.
	Misplaced map[string]string
	// Extra, when set, accepts keys that Fields do not declare, each
	// decoded as Extra declares (open maps such as table properties).
	Extra *Field
	// FoldCase matches keys without regard to case (Spark's reader and
	// writer options are case-insensitive).
	FoldCase bool
	// Page is the docs page that explains the object.
	Page string

	index map[string]*Field
}

// Field returns the declared field for key as written (canonical, alias,
// snake_case or, with FoldCase, any case), or nil.
func (o *ObjectSpec) Field(key string) *Field {
	o.build()
	if f := o.index[key]; f != nil {
		return f
	}
	if f := o.index[CamelKey(key)]; f != nil {
		return f
	}
	if o.FoldCase {
		return o.index["\x00"+strings.ToLower(CamelKey(key))]
	}
	return nil
}

// Keys lists the canonical keys, in declaration order.
func (o *ObjectSpec) Keys() []string {
	out := make([]string, len(o.Fields))
	for i, f := range o.Fields {
		out[i] = f.Key
	}
	return out
}

func (o *ObjectSpec) build() {
	if o.index != nil {
		return
	}
	idx := map[string]*Field{}
	for _, f := range o.Fields {
		names := append([]string{f.Key}, f.Aliases...)
		for _, n := range names {
			for _, k := range []string{n, CamelKey(n)} {
				if prev := idx[k]; prev != nil && prev != f {
					panic(fmt.Sprintf("spec %s: key %q declared twice", o.Path, k))
				}
				idx[k] = f
				idx["\x00"+strings.ToLower(k)] = f
			}
		}
	}
	o.index = idx
}

// Variants is a family of objects chosen by a name, such as the options of
// each action or the keys of each step function.
type Variants struct {
	// What names the family in messages: "action".
	What    string
	Objects map[string]*ObjectSpec
	// Status and Note apply to every variant (e.g. a family not built yet).
	Status Status
	Note   string
}

// Names lists the variant names, sorted.
func (v *Variants) Names() []string {
	out := make([]string, 0, len(v.Objects))
	for n := range v.Objects {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Get returns the variant named name (case-insensitive), or nil.
func (v *Variants) Get(name string) *ObjectSpec {
	if o := v.Objects[name]; o != nil {
		return o
	}
	for n, o := range v.Objects {
		if strings.EqualFold(n, name) {
			return o
		}
	}
	return nil
}

// CamelKey turns snake_case into camelCase (older_than -> olderThan);
// other keys are returned unchanged.
func CamelKey(k string) string {
	if !strings.Contains(k, "_") || strings.HasPrefix(k, "_") {
		return k
	}
	var b strings.Builder
	up := false
	for _, r := range k {
		switch {
		case r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SnakeKey turns camelCase into snake_case (olderThan -> older_than).
func SnakeKey(k string) string {
	var b strings.Builder
	for i, r := range k {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
