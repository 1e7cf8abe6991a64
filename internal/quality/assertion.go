package quality

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/functions"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// Pos is a place in a manifest (the same type the functions package uses).
type Pos = functions.Pos

// Assertion is one entry of an assertions list: the column form
// ({column, filter?, validFormat?, tests}) or the sql form ({sql, tests}).
type Assertion struct {
	// Column is the column the tests measure (column form).
	Column string
	// Filter is a Spark SQL condition: only rows where it holds are
	// measured (column form; `==` works).
	Filter string
	// ValidFormat holds the regex valid values match (column form; needed
	// by invalid_count and invalid_percentage).
	ValidFormat *ValidFormat
	// SQL is a Spark SQL query that returns one row; the tests name its
	// columns (sql form).
	SQL string
	// Tests are "metric op number": avg > 1000, missing_count == 0, ...
	Tests []string

	// Pos is where the assertion starts; OptionPos where each key's value
	// is written (column, filter, validFormat.regex, sql); TestPos where
	// each test is written. All optional, for errors.
	Pos       Pos
	OptionPos map[string]Pos
	TestPos   []Pos
}

// ValidFormat describes valid values.
type ValidFormat struct {
	// Regex is a regular expression a valid value contains a match of
	// (anchor it with ^...$ to match whole values).
	Regex string
}

// Option declares one key of an assertion, for the manifest spec and the
// docs.
type Option struct {
	Key  string
	Kind string // "string", "list of strings", "mapping"
	Doc  string
}

// Options are the keys of an assertion.
var Options = []Option{
	{"column", "string", "The column the tests measure (column form)."},
	{"filter", "string", "A Spark SQL condition; only rows where it holds are measured (column form)."},
	{"validFormat", "mapping", "{regex: ...}: values with no match of the regex are invalid (invalid_count, invalid_percentage)."},
	{"validFormat.regex", "string", "The regex of valid values (RE2 syntax; a match anywhere in the value counts, anchor with ^...$ for whole values)."},
	{"sql", "string", "A Spark SQL query returning one row; the tests name its columns (sql form)."},
	{"tests", "list of strings", "Tests of the form `metric op number`; op is one of < <= > >= == != (= and <> also work)."},
}

// Metric is one measure of a column.
type Metric struct {
	Name string
	Doc  string
	// numeric: the column must be a number; valid: needs validFormat.
	numeric, valid bool
}

// Metrics are the metrics of the column form, in the order the docs list
// them. Percentages are 0 to 100, of the rows measured.
var Metrics = []Metric{
	{Name: "avg", Doc: "Average of the values (a number column).", numeric: true},
	{Name: "min", Doc: "Smallest value (a number column).", numeric: true},
	{Name: "max", Doc: "Largest value (a number column).", numeric: true},
	{Name: "sum", Doc: "Sum of the values (a number column).", numeric: true},
	{Name: "count", Doc: "Rows measured (after the filter)."},
	{Name: "distinct_count", Doc: "Distinct non-NULL values."},
	{Name: "duplicate_count", Doc: "Non-NULL values that repeat an earlier one: non-NULL values minus distinct values."},
	{Name: "missing_count", Doc: "NULL values."},
	{Name: "missing_percentage", Doc: "NULL values, in percent of the rows measured (0-100)."},
	{Name: "invalid_count", Doc: "Non-NULL values without a match of validFormat.regex.", valid: true},
	{Name: "invalid_percentage", Doc: "Invalid values, in percent of the rows measured (0-100).", valid: true},
	{Name: "avg_length", Doc: "Average length of the values as text."},
	{Name: "min_length", Doc: "Shortest length of the values as text."},
	{Name: "max_length", Doc: "Longest length of the values as text."},
}

func metricNames() []string {
	n := make([]string, len(Metrics))
	for i, m := range Metrics {
		n[i] = m.Name
	}
	return n
}

func findMetric(name string) *Metric {
	for i := range Metrics {
		if Metrics[i].Name == name {
			return &Metrics[i]
		}
	}
	return nil
}

// Error is a problem with one assertion.
type Error struct {
	Pos Pos
	// Assertion is the assertion's place in its list, from 1.
	Assertion int
	// Key is the key at fault ("tests", "column", ...), "" for the whole
	// assertion.
	Key string
	Msg string
}

func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s + ": ")
	}
	fmt.Fprintf(&b, "assertion #%d", e.Assertion)
	if e.Key != "" {
		b.WriteString(", " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// ErrorList is every problem found.
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

// test is a parsed "metric op number".
type test struct {
	metric string
	op     string
	limit  float64
}

var testRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<>|=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$`)

// parseTest reads "metric op number"; = is ==, <> is !=.
func parseTest(s string) (test, error) {
	m := testRE.FindStringSubmatch(s)
	if m == nil {
		return test{}, fmt.Errorf("%q is not `metric op number` (for example: missing_count < 5; op is one of < <= > >= == !=)", s)
	}
	op := m[2]
	switch op {
	case "=":
		op = "=="
	case "<>":
		op = "!="
	}
	v, err := strconv.ParseFloat(m[3], 64)
	if err != nil {
		return test{}, fmt.Errorf("%q: %v", s, err)
	}
	return test{metric: strings.ToLower(m[1]), op: op, limit: v}, nil
}

// FromYAML decodes a manifest's assertions list; file names the manifest
// in positions. Unknown keys, a missing tests list and the like are errors
// at their position.
func FromYAML(node *yaml.Node, file string) ([]Assertion, error) {
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	pos := func(n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }
	var errs ErrorList
	if node.Kind != yaml.SequenceNode {
		return nil, ErrorList{{Pos: pos(node), Msg: "assertions must be a list"}}
	}
	var out []Assertion
	keys := []string{"column", "filter", "validFormat", "sql", "tests"}
	for i, item := range node.Content {
		n := i + 1
		if item.Kind != yaml.MappingNode {
			errs = append(errs, &Error{Pos: pos(item), Assertion: n, Msg: "an assertion must be a mapping: {column, tests} or {sql, tests}"})
			continue
		}
		a := Assertion{Pos: pos(item), OptionPos: map[string]Pos{}}
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, v := item.Content[j], item.Content[j+1]
			key := k.Value
			if key == "valid_format" {
				key = "validFormat"
			}
			scalar := func() (string, bool) {
				if v.Kind != yaml.ScalarNode {
					errs = append(errs, &Error{Pos: pos(v), Assertion: n, Key: key, Msg: "expected a string"})
					return "", false
				}
				a.OptionPos[key] = pos(v)
				return v.Value, true
			}
			switch key {
			case "column":
				a.Column, _ = scalar()
			case "filter":
				a.Filter, _ = scalar()
			case "sql":
				a.SQL, _ = scalar()
			case "validFormat":
				if v.Kind != yaml.MappingNode {
					errs = append(errs, &Error{Pos: pos(v), Assertion: n, Key: key, Msg: "expected a mapping {regex: ...}"})
					continue
				}
				a.ValidFormat = &ValidFormat{}
				for m := 0; m+1 < len(v.Content); m += 2 {
					if v.Content[m].Value != "regex" {
						errs = append(errs, &Error{Pos: pos(v.Content[m]), Assertion: n, Key: "validFormat", Msg: fmt.Sprintf("unknown key %q (validFormat takes regex)", v.Content[m].Value)})
						continue
					}
					a.ValidFormat.Regex = v.Content[m+1].Value
					a.OptionPos["validFormat.regex"] = pos(v.Content[m+1])
				}
			case "tests":
				if v.Kind != yaml.SequenceNode {
					errs = append(errs, &Error{Pos: pos(v), Assertion: n, Key: key, Msg: "expected a list of tests"})
					continue
				}
				a.OptionPos[key] = pos(v)
				for _, t := range v.Content {
					a.Tests = append(a.Tests, t.Value)
					a.TestPos = append(a.TestPos, pos(t))
				}
			default:
				errs = append(errs, &Error{Pos: pos(k), Assertion: n, Msg: fmt.Sprintf("unknown key %q%s", k.Value, hint(k.Value, keys))})
			}
		}
		out = append(out, a)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func hint(got string, allowed []string) string {
	best, bestD := "", 1<<30
	for _, a := range allowed {
		if d := spec.Distance(strings.ToLower(got), strings.ToLower(a)); d < bestD {
			best, bestD = a, d
		}
	}
	if bestD <= 2 && bestD < len(got) {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	s := append([]string(nil), allowed...)
	sort.Strings(s)
	return " (expected one of: " + strings.Join(s, ", ") + ")"
}
