package functions

import (
	"fmt"
	"strings"
)

// Column is one column of a relation.
type Column struct {
	Name string
	// Type is the DuckDB type as DESCRIBE prints it ("VARCHAR",
	// "STRUCT(a INTEGER)[]"); "" when it is not known before the run (the
	// result of a free SQL expression, which only the engine can type).
	Type string
}

// Schema is the ordered columns of a relation.
type Schema []Column

// Names lists the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = c.Name
	}
	return out
}

// Index returns the position of the column called name, or -1. Names match
// without regard to case, as in Spark and DuckDB; an exact match wins.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	for i, c := range s {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// String renders the schema as "a INTEGER, b VARCHAR" (unknown types as ?).
func (s Schema) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		t := c.Type
		if t == "" {
			t = "?"
		}
		parts[i] = c.Name + " " + t
	}
	return strings.Join(parts, ", ")
}

func (s Schema) clone() Schema { return append(Schema(nil), s...) }

// complete reports whether every type is known.
func (s Schema) complete() bool {
	for _, c := range s {
		if c.Type == "" {
			return false
		}
	}
	return true
}

// dtype is a parsed DuckDB type.
type dtype struct {
	// base is the upper-case type name: VARCHAR, INTEGER, DECIMAL, STRUCT,
	// LIST (for T[]), ARRAY (for T[n]), MAP, UNION, ENUM, TIMESTAMP WITH
	// TIME ZONE, ...
	base   string
	args   string   // DECIMAL's "(18,3)", ENUM's values: kept as written
	elem   *dtype   // LIST, ARRAY
	size   string   // ARRAY
	fields []field  // STRUCT, UNION
	kv     []*dtype // MAP: key, value
}

type field struct {
	name string
	typ  *dtype
}

// String renders the type as DuckDB's DESCRIBE does.
func (t *dtype) String() string {
	switch t.base {
	case "LIST":
		return t.elem.String() + "[]"
	case "ARRAY":
		return t.elem.String() + "[" + t.size + "]"
	case "STRUCT", "UNION":
		parts := make([]string, len(t.fields))
		for i, f := range t.fields {
			parts[i] = quoteIdent(f.name) + " " + f.typ.String()
		}
		return t.base + "(" + strings.Join(parts, ", ") + ")"
	case "MAP":
		return "MAP(" + t.kv[0].String() + ", " + t.kv[1].String() + ")"
	}
	return t.base + t.args
}

func (t *dtype) isList() bool { return t.base == "LIST" || t.base == "ARRAY" }

// typeClass groups DuckDB types by what a function may do with them.
type typeClass int

const (
	classUnknown typeClass = iota
	classString
	classNumeric
	classInteger // also numeric
	classDate
	classTimestamp // TIMESTAMP and friends, with or without zone
	classBool
	classBlob
	classNested
	classOther
)

func classOf(typ string) typeClass {
	if typ == "" {
		return classUnknown
	}
	t, err := parseType(typ)
	if err != nil {
		return classOther
	}
	switch t.base {
	case "VARCHAR", "JSON", "ENUM", "CHAR", "TEXT", "STRING":
		return classString
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		return classInteger
	case "FLOAT", "DOUBLE", "DECIMAL", "REAL":
		return classNumeric
	case "DATE":
		return classDate
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return classTimestamp
	case "BOOLEAN":
		return classBool
	case "BLOB":
		return classBlob
	case "LIST", "ARRAY", "STRUCT", "MAP", "UNION":
		return classNested
	}
	return classOther
}

func (c typeClass) numeric() bool { return c == classNumeric || c == classInteger }

// parseType reads a DuckDB type as DESCRIBE prints it.
func parseType(s string) (*dtype, error) {
	p := &typeParser{src: s}
	t, err := p.typ()
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	p.space()
	if p.i < len(p.src) {
		return nil, fmt.Errorf("type %q: unexpected %q", s, p.src[p.i:])
	}
	return t, nil
}

type typeParser struct {
	src string
	i   int
}

func (p *typeParser) space() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t' || p.src[p.i] == '\n') {
		p.i++
	}
}

func (p *typeParser) peek() byte {
	p.space()
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

func (p *typeParser) expect(c byte) error {
	if p.peek() != c {
		return fmt.Errorf("expected %q at offset %d", c, p.i)
	}
	p.i++
	return nil
}

// word reads a bare word (letters, digits, _).
func (p *typeParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.src[start:p.i]
}

// name reads a field name: a bare word or a "quoted" identifier.
func (p *typeParser) name() (string, error) {
	if p.peek() == '"' {
		p.i++
		var b strings.Builder
		for p.i < len(p.src) {
			c := p.src[p.i]
			p.i++
			if c == '"' {
				if p.i < len(p.src) && p.src[p.i] == '"' {
					b.WriteByte('"')
					p.i++
					continue
				}
				return b.String(), nil
			}
			b.WriteByte(c)
		}
		return "", fmt.Errorf("unterminated quoted name")
	}
	w := p.word()
	if w == "" {
		return "", fmt.Errorf("expected a field name at offset %d", p.i)
	}
	return w, nil
}

func (p *typeParser) typ() (*dtype, error) {
	var words []string
	for {
		w := p.word()
		if w == "" {
			break
		}
		words = append(words, strings.ToUpper(w))
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("expected a type name at offset %d", p.i)
	}
	t := &dtype{base: strings.Join(words, " ")}
	if a, ok := typeAliases[t.base]; ok {
		t.base = a
	}
	if p.peek() == '(' {
		switch t.base {
		case "STRUCT", "UNION":
			p.i++
			for {
				n, err := p.name()
				if err != nil {
					return nil, err
				}
				ft, err := p.typ()
				if err != nil {
					return nil, err
				}
				t.fields = append(t.fields, field{n, ft})
				if p.peek() == ',' {
					p.i++
					continue
				}
				if err := p.expect(')'); err != nil {
					return nil, err
				}
				break
			}
		case "MAP":
			p.i++
			k, err := p.typ()
			if err != nil {
				return nil, err
			}
			if err := p.expect(','); err != nil {
				return nil, err
			}
			v, err := p.typ()
			if err != nil {
				return nil, err
			}
			if err := p.expect(')'); err != nil {
				return nil, err
			}
			t.kv = []*dtype{k, v}
		default:
			// DECIMAL(18,3), ENUM('a', 'b'), VARCHAR(10): keep as written.
			start := p.i
			depth, inStr := 0, false
			for p.i < len(p.src) {
				c := p.src[p.i]
				p.i++
				switch {
				case inStr:
					if c == '\'' {
						inStr = false
					}
				case c == '\'':
					inStr = true
				case c == '(':
					depth++
				case c == ')':
					depth--
				}
				if depth == 0 && !inStr {
					break
				}
			}
			if depth != 0 {
				return nil, fmt.Errorf("unbalanced parentheses")
			}
			t.args = strings.ReplaceAll(p.src[start:p.i], ", ", ",")
			if t.base == "ENUM" {
				t.args = p.src[start:p.i]
			}
		}
	}
	for p.peek() == '[' {
		p.i++
		start := p.i
		for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
			p.i++
		}
		size := p.src[start:p.i]
		if err := p.expect(']'); err != nil {
			return nil, err
		}
		if size == "" {
			t = &dtype{base: "LIST", elem: t}
		} else {
			t = &dtype{base: "ARRAY", elem: t, size: size}
		}
	}
	return t, nil
}

// typeAliases are other names DuckDB prints or accepts for a type.
var typeAliases = map[string]string{
	"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE", "INT": "INTEGER", "INT4": "INTEGER", "INT8": "BIGINT",
	"INT2": "SMALLINT", "INT1": "TINYINT", "BOOL": "BOOLEAN", "STRING": "VARCHAR", "TEXT": "VARCHAR",
	"FLOAT4": "FLOAT", "REAL": "FLOAT", "FLOAT8": "DOUBLE", "SHORT": "SMALLINT", "LONG": "BIGINT",
	"NUMERIC": "DECIMAL", "BYTEA": "BLOB", "TIMETZ": "TIME WITH TIME ZONE",
}

// normType renders typ the way parseType reads it back, so that types
// written by hand and types printed by DuckDB compare equal.
func normType(typ string) string {
	if typ == "" {
		return ""
	}
	t, err := parseType(typ)
	if err != nil {
		return typ
	}
	return t.String()
}

// NormType renders a DuckDB type name in one canonical spelling
// (TIMESTAMPTZ as TIMESTAMP WITH TIME ZONE, struct field names quoted), so
// that types from different sources compare equal.
func NormType(typ string) string { return normType(typ) }
