package functions

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// Pos is a place in a manifest. Line and Col count from 1; zero means
// unknown.
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col" (or the parts that are known).
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is a problem with one function of a chain: a bad option when
// decoding, or an unknown column, a wrong type, ... when compiling.
type Error struct {
	// Pos is where the option (or, without one, the function) is written.
	Pos Pos
	// Index is the function's place in the chain, from 1 (0 = unknown).
	Index int
	// Function is the function's name.
	Function string
	// Option is the option at fault, "" for the function as a whole.
	Option string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s + ": ")
	}
	b.WriteString("function ")
	if e.Function != "" {
		b.WriteString(e.Function)
	} else {
		b.WriteString("?")
	}
	if e.Index > 0 {
		fmt.Fprintf(&b, " (#%d)", e.Index)
	}
	if e.Option != "" {
		b.WriteString(", option " + e.Option)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// ErrorList is every problem Decode found.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// OptionError is an error of Apply about one option.
type OptionError struct {
	Option string
	Msg    string
}

func (e *OptionError) Error() string {
	if e.Option == "" {
		return e.Msg
	}
	return "option " + e.Option + ": " + e.Msg
}

func optErr(option, format string, args ...any) error {
	return &OptionError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

// Arg is one option as a manifest decoder produced it: Value is a string,
// bool, int, int64, float64, nil, []any or []string (lists), or
// map[string]any or []Pair (mappings).
type Arg struct {
	Value any
	Pos   Pos
}

// Call is a decoded function and where its options were written, for
// errors found when the chain is compiled.
type Call struct {
	Function Function
	// Index is the function's place in its chain, from 1.
	Index int
	// Pos is where the function's entry is written.
	Pos Pos
	// OptionPos maps an option's canonical key to where it is written.
	OptionPos map[string]Pos
}

func (c *Call) errorAt(err error) *Error {
	e := &Error{Pos: c.Pos, Index: c.Index, Msg: err.Error()}
	if c.Function != nil {
		e.Function = c.Function.Name()
	}
	if oe, ok := err.(*OptionError); ok {
		e.Option, e.Msg = oe.Option, oe.Msg
		if p, ok := c.OptionPos[oe.Option]; ok {
			e.Pos = p
		}
	}
	return e
}

// FromArgs turns the options of one function, as written in a manifest, into
// its typed struct. An unknown function or option, a missing required
// option, or a value of the wrong kind is an error at the option's
// position; all such problems are returned together as an ErrorList.
func FromArgs(name string, args map[string]Arg, at Pos) (*Call, error) {
	r := findEntry(name)
	if r == nil {
		return nil, ErrorList{{Pos: at, Function: name, Msg: "unknown function" + hint(name, Names())}}
	}
	fn := r.new()
	call := &Call{Function: fn, Pos: at, OptionPos: map[string]Pos{}}
	opts := fn.options()
	byKey := map[string]*Option{}
	var keys []string
	for i := range opts {
		byKey[opts[i].Key] = &opts[i]
		keys = append(keys, opts[i].Key)
	}
	spec := &Spec{Options: opts}
	var errs ErrorList
	fail := func(p Pos, option, format string, a ...any) {
		errs = append(errs, &Error{Pos: p, Function: r.name, Option: option, Msg: fmt.Sprintf(format, a...)})
	}
	seen := map[string]string{}
	written := make([]string, 0, len(args))
	for k := range args {
		written = append(written, k)
	}
	sort.Strings(written)
	for _, k := range written {
		a := args[k]
		o := spec.Option(k)
		if o == nil {
			if len(keys) == 0 {
				fail(a.Pos, "", "unknown option %q: %s takes no options", k, r.name)
			} else {
				fail(a.Pos, "", "unknown option %q%s", k, hint(k, keys))
			}
			continue
		}
		if prev, dup := seen[o.Key]; dup {
			fail(a.Pos, o.Key, "given twice (as %q and %q)", prev, k)
			continue
		}
		seen[o.Key] = k
		call.OptionPos[o.Key] = a.Pos
		if err := o.set(a.Value); err != nil {
			fail(a.Pos, o.Key, "%v", err)
		}
	}
	for _, k := range keys {
		o := byKey[k]
		if _, ok := seen[k]; ok {
			continue
		}
		if o.Required {
			fail(at, k, "required option is missing")
			continue
		}
		if o.Default != "" {
			if err := o.set(o.Default); err != nil {
				panic(fmt.Sprintf("functions: default of %s.%s: %v", r.name, k, err))
			}
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return call, nil
}

// FromYAML decodes a manifest's `functions:` sequence; file names the
// manifest in positions.
func FromYAML(node *yaml.Node, file string) ([]*Call, error) {
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	pos := func(n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }
	if node.Kind != yaml.SequenceNode {
		return nil, ErrorList{{Pos: pos(node), Msg: "functions must be a list of {name: ..., options...}"}}
	}
	var calls []*Call
	var errs ErrorList
	for i, item := range node.Content {
		if item.Kind != yaml.MappingNode {
			errs = append(errs, &Error{Pos: pos(item), Index: i + 1, Msg: "a function must be a mapping with a name"})
			continue
		}
		var name string
		namePos := pos(item)
		args := map[string]Arg{}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			if k.Value == "name" {
				name, namePos = v.Value, pos(v)
				continue
			}
			args[k.Value] = Arg{Value: yamlValue(v), Pos: pos(v)}
		}
		if name == "" {
			errs = append(errs, &Error{Pos: pos(item), Index: i + 1, Msg: "a function needs a name" + hint("", Names())})
			continue
		}
		call, err := FromArgs(name, args, namePos)
		if err != nil {
			for _, e := range err.(ErrorList) {
				e.Index = i + 1
				errs = append(errs, e)
			}
			continue
		}
		call.Index = i + 1
		calls = append(calls, call)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return calls, nil
}

// yamlValue converts a node to the values Arg takes, keeping scalars as
// written and mappings in order.
func yamlValue(n *yaml.Node) any {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = yamlValue(c)
		}
		return out
	case yaml.MappingNode:
		out := make([]Pair, 0, len(n.Content)/2)
		for j := 0; j+1 < len(n.Content); j += 2 {
			v := yamlValue(n.Content[j+1])
			s, _ := scalarString(v)
			out = append(out, Pair{Key: n.Content[j].Value, Value: s})
		}
		return out
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	}
	return nil
}

func findEntry(name string) *entry {
	for i := range registry {
		if strings.EqualFold(registry[i].name, name) {
			return &registry[i]
		}
	}
	return nil
}

// scalarString renders a scalar value as written.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case nil:
		return "", false
	}
	return "", false
}

// set decodes v into the option's target.
func (o *Option) set(v any) error {
	switch t := o.target.(type) {
	case *string:
		if o.Kind == Enum {
			s, ok := scalarString(v)
			if !ok {
				return fmt.Errorf("expected one of %s, got %s", strings.Join(o.Values, ", "), describeValue(v))
			}
			c, ok := o.canonical(s)
			if !ok {
				return fmt.Errorf("%q is not one of %s%s", s, strings.Join(o.Values, ", "), didYouMean(s, o.Values))
			}
			*t = c
			return nil
		}
		s, ok := scalarString(v)
		if !ok {
			return fmt.Errorf("expected a string, got %s", describeValue(v))
		}
		*t = s
	case *int:
		s, ok := scalarString(v)
		if !ok {
			return fmt.Errorf("expected an integer, got %s", describeValue(v))
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			*t = int(f)
			return nil
		}
		return fmt.Errorf("expected an integer, got %q", s)
	case *bool:
		s, ok := scalarString(v)
		if ok {
			switch strings.ToLower(s) {
			case "true", "yes", "on":
				*t = true
				return nil
			case "false", "no", "off":
				*t = false
				return nil
			}
		}
		return fmt.Errorf("expected true or false, got %s", describeValue(v))
	case *[]string:
		switch x := v.(type) {
		case []string:
			*t = append([]string(nil), x...)
		case []any:
			out := make([]string, 0, len(x))
			for i, e := range x {
				s, ok := scalarString(e)
				if !ok {
					return fmt.Errorf("item %d: expected a string, got %s", i+1, describeValue(e))
				}
				out = append(out, s)
			}
			*t = out
		default:
			s, ok := scalarString(v)
			if !ok {
				return fmt.Errorf("expected a list of strings, got %s", describeValue(v))
			}
			*t = []string{s}
		}
	case *[]Pair:
		switch x := v.(type) {
		case []Pair:
			*t = append([]Pair(nil), x...)
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out := make([]Pair, 0, len(x))
			for _, k := range keys {
				s, ok := scalarString(x[k])
				if !ok {
					return fmt.Errorf("%s: expected a scalar, got %s", k, describeValue(x[k]))
				}
				out = append(out, Pair{k, s})
			}
			*t = out
		default:
			return fmt.Errorf("expected a mapping (key: value), got %s", describeValue(v))
		}
	default:
		panic(fmt.Sprintf("functions: option %s has no target", o.Key))
	}
	return nil
}

func (o *Option) canonical(s string) (string, bool) {
	for _, v := range o.Values {
		if strings.EqualFold(v, s) {
			return v, true
		}
	}
	for a, v := range o.ValueAliases {
		if strings.EqualFold(a, s) {
			return v, true
		}
	}
	return "", false
}

func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case []any, []string:
		return "a list"
	case map[string]any, []Pair:
		return "a mapping"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// hint returns "; did you mean \"x\"?" or the list of allowed words.
func hint(got string, allowed []string) string {
	if s := spec.Closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	if len(allowed) == 0 {
		return ""
	}
	c := append([]string(nil), allowed...)
	sort.Strings(c)
	return " (expected one of: " + strings.Join(c, ", ") + ")"
}

func didYouMean(got string, allowed []string) string {
	if s := spec.Closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}
