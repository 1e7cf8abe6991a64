package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Value is one key's value as decoded by its Field.
type Value struct {
	Field *Field
	// Key is the key as written; KeyPos where it was written.
	Key    string
	KeyPos Pos
	// Pos is where the value starts.
	Pos  Pos
	Node *yaml.Node
	// Str is the text of a scalar (String, Enum normalised to the declared
	// spelling, and Bool, Int and Float as written).
	Str   string
	Bool  bool
	Int   int64
	Float float64
	// List holds a List's items and ListPos their positions.
	List    []string
	ListPos []Pos
	// Map holds a Map's or Conf's entries in written order.
	Map []Entry
	// Obj is an Object's keys; Objs are the items of Objects.
	Obj  *Values
	Objs []*Values
}

// Entry is one key of a Map value.
type Entry struct {
	Key, Value  string
	KeyPos, Pos Pos
	Node        *yaml.Node
}

// MapOf returns a Map value's entries as a Go map.
func (v *Value) MapOf() map[string]string {
	if v == nil || v.Map == nil {
		return nil
	}
	out := make(map[string]string, len(v.Map))
	for _, e := range v.Map {
		out[e.Key] = e.Value
	}
	return out
}

// Values are the decoded keys of one object. Reading a key through Get (or
// the typed getters) marks it used; Unused lists the keys a manifest gave
// that no code read, which the compile step reports as an internal error so
// that no key is ever accepted and silently ignored.
type Values struct {
	Spec *ObjectSpec
	Pos  Pos
	Node *yaml.Node
	vals map[string]*Value
	// order is the canonical keys in written order.
	order []string
	used  map[string]bool
	// given holds every key written, including those refused or whose value
	// failed to decode; unknown the keys that no field declares.
	given   map[string]bool
	unknown []string
}

// NewValues returns an empty set of values of o (for values built from
// flags or in code).
func NewValues(o *ObjectSpec, p Pos) *Values {
	return &Values{Spec: o, Pos: p, vals: map[string]*Value{}, used: map[string]bool{}, given: map[string]bool{}}
}

// Set stores v under its field's canonical key (used by flags and tests).
func (vs *Values) Set(v *Value) {
	k := v.Field.Key
	if _, ok := vs.vals[k]; !ok {
		vs.order = append(vs.order, k)
	}
	vs.vals[k] = v
	vs.given[k] = true
}

func (vs *Values) field(key string) *Field {
	f := vs.Spec.Field(key)
	if f == nil && vs.Spec.Extra == nil {
		panic(fmt.Sprintf("spec %s: key %q is not declared", vs.Spec.Path, key))
	}
	return f
}

func (vs *Values) canon(key string) string {
	if f := vs.field(key); f != nil {
		return f.Key
	}
	return key
}

// Get returns the value of key (nil when not given) and marks it used.
// Asking for an undeclared key is a programming error and panics.
func (vs *Values) Get(key string) *Value {
	if vs == nil {
		return nil
	}
	k := vs.canon(key)
	v := vs.vals[k]
	if v != nil {
		vs.used[k] = true
	}
	return v
}

// Has reports whether key was given, without marking it used.
func (vs *Values) Has(key string) bool {
	if vs == nil {
		return false
	}
	return vs.vals[vs.canon(key)] != nil
}

// Given reports whether key was written at all, even when its value was
// refused or failed to decode (so that a second error about the same key is
// not reported).
func (vs *Values) Given(key string) bool {
	if vs == nil {
		return false
	}
	return vs.given[vs.canon(key)]
}

// Unknown returns the keys written that no field declares.
func (vs *Values) Unknown() []string {
	if vs == nil {
		return nil
	}
	return vs.unknown
}

// KeyPos is where key was written, or the object's position.
func (vs *Values) KeyPos(key string) Pos {
	if vs == nil {
		return Pos{}
	}
	if v := vs.vals[vs.canon(key)]; v != nil {
		return v.KeyPos
	}
	return vs.Pos
}

// ValuePos is where key's value was written, or the object's position.
func (vs *Values) ValuePos(key string) Pos {
	if vs == nil {
		return Pos{}
	}
	if v := vs.vals[vs.canon(key)]; v != nil {
		return v.Pos
	}
	return vs.Pos
}

// Str returns a scalar's text ("" when not given).
func (vs *Values) Str(key string) string {
	if v := vs.Get(key); v != nil {
		return v.Str
	}
	return ""
}

// Bool returns a Bool value (false when not given).
func (vs *Values) Bool(key string) bool {
	if v := vs.Get(key); v != nil {
		return v.Bool
	}
	return false
}

// Int returns an Int value (0 when not given).
func (vs *Values) Int(key string) int64 {
	if v := vs.Get(key); v != nil {
		return v.Int
	}
	return 0
}

// Float returns a Float value (0 when not given).
func (vs *Values) Float(key string) float64 {
	if v := vs.Get(key); v != nil {
		return v.Float
	}
	return 0
}

// List returns a List value (nil when not given).
func (vs *Values) List(key string) []string {
	if v := vs.Get(key); v != nil {
		return v.List
	}
	return nil
}

// Map returns a Map or Conf value as a Go map (nil when not given).
func (vs *Values) Map(key string) map[string]string {
	return vs.Get(key).MapOf()
}

// Obj returns an Object value (nil when not given).
func (vs *Values) Obj(key string) *Values {
	if v := vs.Get(key); v != nil {
		return v.Obj
	}
	return nil
}

// Objs returns the items of an Objects value.
func (vs *Values) Objs(key string) []*Values {
	if v := vs.Get(key); v != nil {
		return v.Objs
	}
	return nil
}

// Keys returns the canonical keys given, in written order.
func (vs *Values) Keys() []string {
	if vs == nil {
		return nil
	}
	return append([]string(nil), vs.order...)
}

// Use marks keys used without reading them (for keys whose presence alone
// is the information, such as a legacy shape already handled).
func (vs *Values) Use(keys ...string) {
	if vs == nil {
		return
	}
	for _, k := range keys {
		vs.used[vs.canon(k)] = true
	}
}

// Unused returns the keys given but never read, here and in the objects
// below the keys that were read, as "path.key" at their positions.
func (vs *Values) Unused() []*Error {
	var out []*Error
	vs.unused(vs.Spec.Path, &out)
	return out
}

func (vs *Values) unused(path string, out *[]*Error) {
	if vs == nil {
		return
	}
	for _, k := range vs.order {
		v := vs.vals[k]
		if !vs.used[k] {
			if v.Field != nil && v.Field.Status == NoEffect {
				continue
			}
			*out = append(*out, &Error{Pos: v.KeyPos, Msg: fmt.Sprintf("%s.%s was accepted but not executed", path, v.Key)})
			continue
		}
		if v.Obj != nil {
			v.Obj.unused(path+"."+k, out)
		}
		for _, o := range v.Objs {
			o.unused(path+"."+k+"[]", out)
		}
	}
}

// Decoder decodes YAML nodes against object specs, collecting every error
// and warning with its position.
type Decoder struct {
	File  string
	Errs  ErrorList
	Warns ErrorList
}

// Posn is the position of a node.
func (d *Decoder) Posn(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.File}
	}
	return Pos{File: d.File, Line: n.Line, Col: n.Column}
}

// Errorf records an error at node n.
func (d *Decoder) Errorf(n *yaml.Node, format string, args ...any) {
	d.Errs.Add(d.Posn(n), format, args...)
}

// Warnf records a warning at node n.
func (d *Decoder) Warnf(n *yaml.Node, format string, args ...any) {
	d.Warns.Add(d.Posn(n), format, args...)
}

// Resolve follows YAML aliases.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// IsNull reports whether a node is absent or null.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Describe names what a node is, for "expected X, found Y".
func Describe(n *yaml.Node) string {
	n = Resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "an unknown node"
}

// Decode reads mapping n as an object of o. It returns nil (after
// recording the error) when n is not a mapping; a null node gives empty
// values.
func (d *Decoder) Decode(n *yaml.Node, o *ObjectSpec) *Values {
	n = Resolve(n)
	vs := NewValues(o, d.Posn(n))
	vs.Node = n
	if IsNull(n) {
		return vs
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "expected %s (a mapping), found %s", o.What, Describe(n))
		return nil
	}
	d.collect(vs, n, false)
	for _, f := range o.Fields {
		if f.Required && !vs.given[f.Key] {
			d.Errs.Add(vs.Pos, "%s needs %s%s", o.What, f.Key, docParen(f.Doc))
		}
	}
	return vs
}

func docParen(doc string) string {
	if doc == "" {
		return ""
	}
	return " (" + strings.TrimSuffix(lowerFirst(doc), ".") + ")"
}

func lowerFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// collect reads the keys of n. Keys from YAML merge keys (<<) are weak:
// they never override a key written in the mapping itself.
func (d *Decoder) collect(vs *Values, n *yaml.Node, weak bool) {
	o := vs.Spec
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			d.Errorf(kn, "expected a key name in %s, found %s", o.Path, Describe(kn))
			continue
		}
		if kn.Value == "<<" && kn.ShortTag() == "!!merge" {
			merges = append(merges, Resolve(vn))
			continue
		}
		f := o.Field(kn.Value)
		canon := ""
		switch {
		case f != nil:
			canon = f.Key
		case o.Extra != nil:
			canon = kn.Value
		}
		if canon == "" {
			vs.unknown = append(vs.unknown, kn.Value)
			if msg, found := o.Misplaced[CamelKey(kn.Value)]; found {
				d.Errorf(kn, "%s", msg)
			} else {
				d.Errorf(kn, "unknown key %q in %s%s", kn.Value, o.Path, Hint(kn.Value, o.Keys()))
			}
			continue
		}
		if !weak || !vs.given[canon] {
			vs.given[canon] = true
		}
		if prev := vs.vals[canon]; prev != nil {
			if !weak {
				d.Errorf(kn, "key %q is given twice in %s (first at line %d)", kn.Value, o.Path, prev.KeyPos.Line)
			}
			continue
		}
		if f == nil {
			f = o.Extra
		}
		switch f.Status {
		case Refused:
			d.Errorf(kn, "not supported yet: %s.%s%s", o.Path, f.Key, noteSuffix(f.Note))
			continue
		case NoEffect:
			d.Warnf(kn, "%s.%s has no effect here%s", o.Path, kn.Value, noteSuffix(f.Note))
		}
		if IsNull(vn) && f.Kind != Any {
			continue
		}
		v := d.value(vn, f, kn.Value)
		if v == nil {
			continue
		}
		v.Key, v.KeyPos = kn.Value, d.Posn(kn)
		vs.vals[canon] = v
		vs.order = append(vs.order, canon)
	}
	for _, src := range merges {
		switch {
		case src != nil && src.Kind == yaml.MappingNode:
			d.collect(vs, src, true)
		case src != nil && src.Kind == yaml.SequenceNode:
			for _, c := range src.Content {
				if c = Resolve(c); c.Kind == yaml.MappingNode {
					d.collect(vs, c, true)
				}
			}
		}
	}
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return ": " + note
}

// Value decodes one node as field f describes (key names it in messages).
// It returns nil after recording an error.
func (d *Decoder) Value(n *yaml.Node, f *Field, key string) *Value {
	return d.value(n, f, key)
}

func (d *Decoder) value(n *yaml.Node, f *Field, key string) *Value {
	n = Resolve(n)
	if f.What != "" {
		key = f.What
	}
	v := &Value{Field: f, Key: key, Pos: d.Posn(n), Node: n}
	ok := true
	switch f.Kind {
	case String:
		v.Str, ok = d.scalar(n, key, "a string")
	case Enum:
		var s string
		if s, ok = d.scalar(n, key, "one of "+strings.Join(f.Values, ", ")); ok {
			v.Str, ok = d.enum(n, f, key, s)
		}
	case Bool:
		var s string
		if s, ok = d.scalar(n, key, "true or false"); ok {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "yes", "on":
				v.Bool = true
			case "false", "no", "off":
			default:
				d.Errorf(n, "expected %s (true or false), found %s", key, Describe(n))
				ok = false
			}
			v.Str = s
		}
	case Int:
		var s string
		if s, ok = d.scalar(n, key, "a whole number"); ok {
			t := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "+"), "_", "")
			i, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				d.Errorf(n, "expected %s (a whole number), found %s", key, describeText(n, s))
				ok = false
			}
			v.Int, v.Str = i, s
			if ok && f.MinSet && float64(i) < f.Min {
				d.Errorf(n, "%s must be %s or more, not %d", key, trimFloat(f.Min), i)
				ok = false
			}
		}
	case Float:
		var s string
		if s, ok = d.scalar(n, key, "a number"); ok {
			x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				d.Errorf(n, "expected %s (a number), found %s", key, describeText(n, s))
				ok = false
			}
			v.Float, v.Str = x, s
			if ok && f.MinSet && x < f.Min {
				d.Errorf(n, "%s must be %s or more, not %s", key, trimFloat(f.Min), s)
				ok = false
			}
		}
	case List:
		v.List, v.ListPos, ok = d.list(n, key, f.Single)
	case Map:
		v.Map, ok = d.strMap(n, key)
	case Conf:
		v.Map, ok = d.conf(n)
	case Object:
		v.Obj = d.Decode(n, f.Object)
		ok = v.Obj != nil
	case Objects:
		if n.Kind != yaml.SequenceNode {
			d.Errorf(n, "expected %s to be a list, found %s", key, Describe(n))
			return nil
		}
		for _, c := range n.Content {
			if o := d.Decode(c, f.Object); o != nil {
				v.Objs = append(v.Objs, o)
			}
		}
	case Any:
	}
	if !ok {
		return nil
	}
	if f.Check != nil {
		if err := f.Check(v); err != nil {
			d.Errorf(n, "%s: %v", key, err)
			return nil
		}
	}
	return v
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// describeText is Describe, but quotes a string's text.
func describeText(n *yaml.Node, s string) string {
	if d := Describe(n); d != "a string" {
		return d
	}
	return fmt.Sprintf("%q", s)
}

func (d *Decoder) scalar(n *yaml.Node, key, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "expected %s (%s), found %s", key, want, Describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *Decoder) enum(n *yaml.Node, f *Field, key, s string) (string, bool) {
	t := strings.TrimSpace(s)
	for _, a := range f.Values {
		if strings.EqualFold(a, t) {
			return a, true
		}
	}
	d.Errorf(n, "unknown %s %q%s", key, s, Hint(t, f.Values))
	return "", false
}

func (d *Decoder) list(n *yaml.Node, key string, single bool) ([]string, []Pos, bool) {
	if n.Kind == yaml.ScalarNode && single {
		return []string{n.Value}, []Pos{d.Posn(n)}, true
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, "expected %s (a list of strings), found %s", key, Describe(n))
		return nil, nil, false
	}
	out := make([]string, 0, len(n.Content))
	pos := make([]Pos, 0, len(n.Content))
	ok := true
	for _, c := range n.Content {
		c = Resolve(c)
		if c.Kind != yaml.ScalarNode || IsNull(c) {
			d.Errorf(c, "expected a string in %s, found %s", key, Describe(c))
			ok = false
			continue
		}
		out = append(out, c.Value)
		pos = append(pos, d.Posn(c))
	}
	return out, pos, ok
}

// ScalarText stringifies a scalar as written; lists of scalars are joined
// with ","; ok is false for anything else.
func ScalarText(n *yaml.Node) (string, bool) {
	n = Resolve(n)
	if IsNull(n) {
		return "", true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, true
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = Resolve(c)
			if c.Kind != yaml.ScalarNode {
				return "", false
			}
			parts = append(parts, c.Value)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

func (d *Decoder) strMap(n *yaml.Node, key string) ([]Entry, bool) {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "expected %s (a mapping), found %s", key, Describe(n))
		return nil, false
	}
	var out []Entry
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := Resolve(n.Content[i]), Resolve(n.Content[i+1])
		s, ok := ScalarText(vn)
		if !ok {
			d.Errorf(vn, "expected a plain value for %q in %s, found %s", kn.Value, key, Describe(vn))
			continue
		}
		if seen[kn.Value] {
			d.Errorf(kn, "key %q is given twice in %s", kn.Value, key)
			continue
		}
		seen[kn.Value] = true
		out = append(out, Entry{Key: kn.Value, Value: s, KeyPos: d.Posn(kn), Pos: d.Posn(vn), Node: vn})
	}
	if out == nil {
		out = []Entry{}
	}
	return out, true
}

// conf decodes sparkConf: a list of one-key mappings (or one mapping).
func (d *Decoder) conf(n *yaml.Node) ([]Entry, bool) {
	out := []Entry{}
	add := func(kn, vn *yaml.Node) {
		s, ok := ScalarText(vn)
		if !ok {
			d.Errorf(vn, "expected a plain value for sparkConf %q, found %s", kn.Value, Describe(vn))
			return
		}
		out = append(out, Entry{Key: kn.Value, Value: s, KeyPos: d.Posn(kn), Pos: d.Posn(vn), Node: vn})
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			add(Resolve(n.Content[i]), Resolve(n.Content[i+1]))
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			c = Resolve(c)
			if c.Kind != yaml.MappingNode {
				d.Errorf(c, "expected a one-key mapping in sparkConf (- spark.x: value), found %s", Describe(c))
				continue
			}
			for i := 0; i+1 < len(c.Content); i += 2 {
				add(Resolve(c.Content[i]), Resolve(c.Content[i+1]))
			}
		}
	default:
		d.Errorf(n, "expected sparkConf as a list of one-key mappings, found %s", Describe(n))
		return nil, false
	}
	return out, true
}

// DecodeEntries checks the entries of a free-form option map (reader or
// writer options, kept as written by the manifest) against o: unknown keys
// get a "did you mean", values are typed by their fields. where names the
// map in messages ("csv reader options").
func (d *Decoder) DecodeEntries(entries []Entry, o *ObjectSpec, pos Pos) *Values {
	vs := NewValues(o, pos)
	keys := o.Keys()
	for _, e := range entries {
		f := o.Field(e.Key)
		canon := ""
		switch {
		case f != nil:
			canon = f.Key
		case o.Extra != nil:
			canon, f = e.Key, o.Extra
		}
		if canon == "" {
			vs.unknown = append(vs.unknown, e.Key)
			if msg, found := o.Misplaced[CamelKey(e.Key)]; found {
				d.Errs.Add(e.KeyPos, "%s", msg)
			} else {
				d.Errs.Add(e.KeyPos, "unknown key %q in %s%s", e.Key, o.Path, Hint(e.Key, keys))
			}
			continue
		}
		if prev := vs.vals[canon]; prev != nil {
			d.Errs.Add(e.KeyPos, "option %q is given twice in %s (also as %q)", e.Key, o.Path, prev.Key)
			continue
		}
		vs.given[canon] = true
		switch f.Status {
		case Refused:
			d.Errs.Add(e.KeyPos, "not supported yet: %s.%s%s", o.Path, f.Key, noteSuffix(f.Note))
			continue
		case NoEffect:
			d.Warns.Add(e.KeyPos, "%s.%s has no effect here%s", o.Path, e.Key, noteSuffix(f.Note))
		}
		node := e.Node
		if node == nil {
			node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Value, Line: e.Pos.Line, Column: e.Pos.Col}
		}
		file := d.File
		d.File = e.Pos.File
		v := d.value(node, f, e.Key)
		d.File = file
		if v == nil {
			continue
		}
		v.Key, v.KeyPos, v.Pos = e.Key, e.KeyPos, e.Pos
		vs.vals[canon] = v
		vs.order = append(vs.order, canon)
	}
	for _, f := range o.Fields {
		if f.Required && !vs.given[f.Key] {
			d.Errs.Add(pos, "%s needs %s%s", o.What, f.Key, docParen(f.Doc))
		}
	}
	return vs
}

// SortedKeys returns the keys of m, sorted.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes the given values as a JSON object in written order
// (for golden files and flare plan --json).
func (vs *Values) MarshalJSON() ([]byte, error) {
	if vs == nil {
		return []byte("null"), nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range vs.order {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := marshalNoEscape(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalNoEscape(vs.vals[k].plain())
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// plain is the value as a JSON-encodable Go value.
func (v *Value) plain() any {
	switch {
	case v.Obj != nil:
		return v.Obj
	case v.Objs != nil:
		return v.Objs
	case v.List != nil:
		return v.List
	case v.Map != nil:
		return v.MapOf()
	case v.Field != nil && v.Field.Kind == Bool:
		return v.Bool
	case v.Field != nil && v.Field.Kind == Int:
		return v.Int
	case v.Field != nil && v.Field.Kind == Float:
		return v.Float
	case v.Field != nil && v.Field.Kind == Any && v.Node != nil:
		var x any
		if err := v.Node.Decode(&x); err == nil {
			return x
		}
	}
	return v.Str
}

// Entries returns a Map or Conf value's entries in written order (nil when
// not given).
func (vs *Values) Entries(key string) []Entry {
	if v := vs.Get(key); v != nil {
		return v.Map
	}
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UseAll marks the value and everything below it used (for a value that
// repeats one already read, such as the same option given in two places).
func (v *Value) UseAll() {
	if v == nil {
		return
	}
	v.Obj.useAll()
	for _, o := range v.Objs {
		o.useAll()
	}
}

func (vs *Values) useAll() {
	if vs == nil {
		return
	}
	for k, v := range vs.vals {
		vs.used[k] = true
		v.UseAll()
	}
}
