package manifest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks yaml.Node trees, collecting every error it finds.
type decoder struct {
	file  string
	dir   string
	lines []string
	opt   Options
	errs  ErrorList
	warns ErrorList
	// depots holds legacy outputs[] entries with a depot (name -> entry).
	depots map[string]*legacyDepot
}

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errAt(p Pos, format string, args ...any) {
	d.errs = append(d.errs, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errAt(d.pos(n), format, args...)
}

func (d *decoder) warnf(n *yaml.Node, format string, args ...any) {
	d.warns = append(d.warns, &Error{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...)})
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// describe names what a node is, for "expected X, found Y".
func describe(n *yaml.Node) string {
	n = resolve(n)
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

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// camelKey turns snake_case into camelCase (older_than -> olderThan).
func camelKey(k string) string {
	if !strings.Contains(k, "_") {
		return k
	}
	var b strings.Builder
	up := false
	for i, r := range k {
		switch {
		case r == '_' && i > 0:
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

// mapping is a decoded YAML mapping with its keys in canonical form.
type mapping struct {
	node *yaml.Node
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
}

func (m *mapping) get(k string) *yaml.Node {
	if m == nil {
		return nil
	}
	return m.vals[k]
}

func (m *mapping) has(k string) bool { return m != nil && m.vals[k] != nil }

// keyPos is the position of key k (or of the mapping when absent).
func (d *decoder) keyPos(m *mapping, k string) Pos {
	if m != nil && m.keys[k] != nil {
		return d.pos(m.keys[k])
	}
	if m != nil {
		return d.pos(m.node)
	}
	return Pos{File: d.file}
}

// misplaced gives a message for keys that users put in the wrong place.
type misplaced map[string]string

// mapping checks that n is a mapping whose keys (camelCase or snake_case)
// are among allowed, reporting unknown keys with a hint. what names the
// place ("output options"). It returns nil (after reporting) when n is not
// a mapping; a null node gives an empty mapping.
func (d *decoder) mapping(n *yaml.Node, what string, allowed []string, wrong misplaced) *mapping {
	n = resolve(n)
	m := &mapping{node: n, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	if isNull(n) {
		return m
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected %s (a mapping), found %s", what, describe(n))
		return nil
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	d.collect(m, n, what, ok, allowed, wrong)
	return m
}

func (d *decoder) collect(m *mapping, n *yaml.Node, what string, ok map[string]bool, allowed []string, wrong misplaced) {
	d.collectKeys(m, n, what, ok, allowed, wrong, false)
}

// collectKeys reads the keys of n into m. Keys from YAML merge keys (<<)
// are weak: they never override a key written in the mapping itself.
func (d *decoder) collectKeys(m *mapping, n *yaml.Node, what string, ok map[string]bool, allowed []string, wrong misplaced, weak bool) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			d.errorf(kn, "expected a key name in %s, found %s", what, describe(kn))
			continue
		}
		if kn.Value == "<<" && kn.ShortTag() == "!!merge" {
			merges = append(merges, resolve(vn))
			continue
		}
		k := camelKey(kn.Value)
		if prev := m.keys[k]; prev != nil {
			if !weak {
				d.errorf(kn, "key %q is given twice in %s (first at line %d)", kn.Value, what, prev.Line)
			}
			continue
		}
		if !ok[k] {
			if msg, found := wrong[k]; found {
				d.errorf(kn, "%s", msg)
			} else {
				d.errorf(kn, "unknown key %q in %s%s", kn.Value, what, hint(kn.Value, allowed))
			}
			continue
		}
		m.keys[k], m.vals[k] = kn, vn
	}
	for _, src := range merges {
		switch {
		case src != nil && src.Kind == yaml.MappingNode:
			d.collectKeys(m, src, what, ok, allowed, wrong, true)
		case src != nil && src.Kind == yaml.SequenceNode:
			for _, c := range src.Content {
				if c = resolve(c); c.Kind == yaml.MappingNode {
					d.collectKeys(m, c, what, ok, allowed, wrong, true)
				}
			}
		}
	}
}

// hint returns "; did you mean \"x\"?" or the list of allowed words.
func hint(got string, allowed []string) string {
	if s := closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	if len(allowed) == 0 {
		return ""
	}
	return " (expected one of: " + strings.Join(sortedCopy(allowed), ", ") + ")"
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// didYouMean returns "; did you mean \"x\"?" or nothing (for messages
// that list the allowed words themselves).
func didYouMean(got string, allowed []string) string {
	if s := closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// closest returns the allowed word nearest to got, if it is near enough.
func closest(got string, allowed []string) string {
	g := strings.ToLower(camelKey(got))
	best, bestD := "", 1<<30
	for _, a := range allowed {
		dist := levenshtein(g, strings.ToLower(a))
		if dist < bestD {
			best, bestD = a, dist
		}
	}
	limit := 2
	if len(g) >= 9 {
		limit = 3
	}
	if bestD <= limit && bestD < len(g) {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// str returns a scalar's text ("" for null); other kinds are an error.
func (d *decoder) str(n *yaml.Node, what string) string {
	n = resolve(n)
	if isNull(n) {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.errorf(n, "expected %s (a string), found %s", what, describe(n))
		return ""
	}
	return n.Value
}

// lower is str in lower case (for case-insensitive values).
func (d *decoder) lower(n *yaml.Node, what string) string {
	return strings.ToLower(strings.TrimSpace(d.str(n, what)))
}

// oneOf checks a lower-cased value against its allowed words.
func (d *decoder) oneOf(n *yaml.Node, what string, allowed ...string) string {
	v := d.lower(n, what)
	if v == "" {
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	d.errorf(n, "unknown %s %q%s", what, resolve(n).Value, hint(v, allowed))
	return v
}

func (d *decoder) boolean(n *yaml.Node, what string) bool {
	n = resolve(n)
	if isNull(n) {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true
		case "false", "no", "off":
			return false
		}
	}
	d.errorf(n, "expected %s (true or false), found %s", what, describe(n))
	return false
}

func (d *decoder) integer(n *yaml.Node, what string) int {
	n = resolve(n)
	if isNull(n) {
		return 0
	}
	if n.Kind == yaml.ScalarNode {
		var v int
		if _, err := fmt.Sscanf(strings.TrimSpace(n.Value), "%d", &v); err == nil && fmt.Sprint(v) == strings.TrimLeft(strings.TrimSpace(n.Value), "+") {
			return v
		}
	}
	d.errorf(n, "expected %s (a whole number), found %s", what, describe(n))
	return 0
}

// strList accepts a list of scalars, or (when single) one scalar.
func (d *decoder) strList(n *yaml.Node, what string, single bool) []string {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode && single {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "expected %s (a list of strings), found %s", what, describe(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = resolve(c)
		if c.Kind != yaml.ScalarNode || isNull(c) {
			d.errorf(c, "expected a string in %s, found %s", what, describe(c))
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

// seq returns the items of a list (nil for null).
func (d *decoder) seq(n *yaml.Node, what string) []*yaml.Node {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "expected %s (a list), found %s", what, describe(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = resolve(c)
	}
	return out
}

// scalarText stringifies a scalar as written; lists of scalars are joined
// with ","; ok is false for anything else.
func scalarText(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, true
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = resolve(c)
			if c.Kind != yaml.ScalarNode {
				return "", false
			}
			parts = append(parts, c.Value)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

// strMap decodes a mapping of free-form keys to scalar values, stringified.
// The keys are kept as written.
func (d *decoder) strMap(n *yaml.Node, what string) map[string]string {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "expected %s (a mapping), found %s", what, describe(n))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := resolve(n.Content[i]), resolve(n.Content[i+1])
		v, ok := scalarText(vn)
		if !ok {
			d.errorf(vn, "expected a plain value for %q in %s, found %s", kn.Value, what, describe(vn))
			continue
		}
		if _, dup := out[kn.Value]; dup {
			d.errorf(kn, "key %q is given twice in %s", kn.Value, what)
		}
		out[kn.Value] = v
	}
	return out
}

// confList decodes sparkConf: a list of one-key maps (or one mapping).
func (d *decoder) confList(n *yaml.Node, into map[string]string, seen map[string]Pos) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	add := func(kn, vn *yaml.Node) {
		v, ok := scalarText(vn)
		if !ok {
			d.errorf(vn, "expected a plain value for sparkConf %q, found %s", kn.Value, describe(vn))
			return
		}
		if old, dup := into[kn.Value]; dup && old != v {
			d.errorf(kn, "sparkConf %q is %q here but %q at %s", kn.Value, v, old, seen[kn.Value])
			return
		}
		into[kn.Value] = v
		seen[kn.Value] = d.pos(kn)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			add(resolve(n.Content[i]), n.Content[i+1])
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			c = resolve(c)
			if c.Kind != yaml.MappingNode {
				d.errorf(c, "expected a one-key mapping in sparkConf (- spark.x: value), found %s", describe(c))
				continue
			}
			for i := 0; i+1 < len(c.Content); i += 2 {
				add(resolve(c.Content[i]), c.Content[i+1])
			}
		}
	default:
		d.errorf(n, "expected sparkConf as a list of one-key mappings, found %s", describe(n))
	}
}

// canon is a node's value as JSON with sorted keys, to compare aliases.
func canon(n *yaml.Node) string {
	var v any
	if err := resolve(n).Decode(&v); err != nil {
		return "?" + n.Value
	}
	b, err := json.Marshal(normalizeAny(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// normalizeAny makes YAML-decoded values JSON-encodable (map[any]any keys).
func normalizeAny(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeAny(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = normalizeAny(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = normalizeAny(x)
		}
		return t
	}
	return v
}
