package functions

import (
	"sort"
	"strings"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// Function is one step function with its typed options.
type Function interface {
	// Name is the Flare function name: "drop", "split_url", ...
	Name() string
	// Apply returns a SELECT over from (a quoted relation name or a
	// parenthesised query) whose columns are in, and the columns that
	// SELECT produces. It reads no data. Errors about one option are
	// *OptionError values.
	Apply(from string, in Schema, env *Env) (query string, out Schema, err error)
	// options binds the function's options to its fields; the package
	// owns the set of functions.
	options() []Option
}

// Env is what Apply may use besides the schema.
type Env struct {
	// Rewrite turns a Spark SQL expression (set_variable, unfurl, pivot's
	// aggregate) into DuckDB SQL. Nil leaves the text as written.
	Rewrite func(sparkSQL string) (string, error)
}

func (e *Env) rewrite(s string) (string, error) {
	if e == nil || e.Rewrite == nil {
		return s, nil
	}
	return e.Rewrite(s)
}

// Kind is the type of an option value in a manifest.
type Kind int

const (
	// String is a scalar kept as written.
	String Kind = iota
	// Int is a whole number.
	Int
	// Bool is true or false.
	Bool
	// Enum is a string among Option.Values (matched without regard to
	// case).
	Enum
	// List is a list of scalars; a lone scalar is a one-item list.
	List
	// Map is a mapping of free-form keys to scalars, kept in the order
	// written.
	Map
)

// String names the kind as the docs show it.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "integer"
	case Bool:
		return "boolean"
	case Enum:
		return "one of"
	case List:
		return "list of strings"
	case Map:
		return "mapping"
	}
	return "?"
}

// Option declares one option of a function.
type Option struct {
	// Key is the canonical spelling (camelCase, as Flare's docs write it).
	Key string
	// Aliases are other accepted spellings. The snake_case form of Key is
	// always accepted and is not listed.
	Aliases []string
	Kind    Kind
	// Values are an Enum's allowed values; the first ones are canonical,
	// ValueAliases maps other accepted spellings to them.
	Values       []string
	ValueAliases map[string]string
	Required     bool
	// Default is the value used when the option is not given ("" = none).
	Default string
	// Doc is one line for the docs and `flare validate`.
	Doc string
	// NoEffect, when set, says why the option is accepted but changes
	// nothing here (a Spark planning hint DuckDB does not need); the
	// manifest spec marks it "no effect" and prints this note.
	NoEffect string

	// target is where Decode stores the value: *string, *int, *bool,
	// *[]string or *[]Pair.
	target any
}

// Pair is one entry of a Map option.
type Pair struct {
	Key, Value string
}

// Spec declares one function.
type Spec struct {
	Name string
	// Doc is one paragraph for docs/functions.md.
	Doc     string
	Options []Option
	// New returns the function with zero options.
	New func() Function
}

// Option returns the declared option for key as written (canonical, alias
// or snake_case), or nil.
func (s *Spec) Option(key string) *Option {
	for i := range s.Options {
		o := &s.Options[i]
		if o.Key == key || spec.CamelKey(key) == o.Key {
			return o
		}
		for _, a := range o.Aliases {
			if a == key || spec.CamelKey(key) == a {
				return o
			}
		}
	}
	for i := range s.Options {
		if strings.EqualFold(s.Options[i].Key, spec.CamelKey(key)) {
			return &s.Options[i]
		}
	}
	return nil
}

// Specs lists every function, sorted by name. Each call returns fresh
// values; callers may keep them.
func Specs() []*Spec {
	out := make([]*Spec, 0, len(registry))
	for _, r := range registry {
		out = append(out, r.spec())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the spec of the function called name (case-insensitive),
// or nil.
func Lookup(name string) *Spec {
	for _, r := range registry {
		if strings.EqualFold(r.name, name) {
			return r.spec()
		}
	}
	return nil
}

// Names lists the function names, sorted.
func Names() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.name
	}
	sort.Strings(out)
	return out
}

type entry struct {
	name string
	doc  string
	new  func() Function
}

func (r entry) spec() *Spec {
	opts := r.new().options()
	for i := range opts {
		opts[i].target = nil
	}
	return &Spec{Name: r.name, Doc: r.doc, Options: opts, New: r.new}
}
