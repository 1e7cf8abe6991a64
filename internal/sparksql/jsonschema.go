package sparksql

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// schemaOfJSON: schema_of_json('literal json'[, options]) infers the Spark
// schema of the JSON text at rewrite time, as Spark does for a literal.
func schemaOfJSON(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	if c.args[0].lit == nil {
		return "", fmt.Errorf("the JSON must be a string literal, got %s", c.args[0].src())
	}
	if len(c.args) == 2 {
		if _, err := optionMap(c.args[1], "allownumericleadingzeros"); err != nil {
			return "", err
		}
	}
	p := &jsonInfer{s: *c.args[0].lit}
	t, err := p.value()
	if err != nil {
		return "", fmt.Errorf("schema_of_json: %w", err)
	}
	p.ws()
	if p.i < len(p.s) {
		return "", fmt.Errorf("schema_of_json: unexpected text after the JSON value")
	}
	return quoteDuck(t.String()) + newlines(c.toks), nil
}

// jtype is an inferred Spark type.
type jtype struct {
	kind   string // BIGINT, DOUBLE, STRING, BOOLEAN, NULL, ARRAY, STRUCT
	elem   *jtype
	fields map[string]*jtype
}

func (t *jtype) String() string {
	switch t.kind {
	case "NULL":
		return "STRING"
	case "ARRAY":
		return "ARRAY<" + t.elem.String() + ">"
	case "STRUCT":
		names := make([]string, 0, len(t.fields))
		for n := range t.fields {
			names = append(names, n)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, n := range names {
			name := n
			if !isPlainName(n) {
				name = "`" + strings.ReplaceAll(n, "`", "``") + "`"
			}
			parts[i] = name + ": " + t.fields[n].String()
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return t.kind
}

func isPlainName(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// merge combines two inferred types as Spark's JSON inference does.
func merge(a, b *jtype) *jtype {
	switch {
	case a.kind == "NULL":
		return b
	case b.kind == "NULL":
		return a
	case a.kind == b.kind && a.kind == "ARRAY":
		return &jtype{kind: "ARRAY", elem: merge(a.elem, b.elem)}
	case a.kind == b.kind && a.kind == "STRUCT":
		f := map[string]*jtype{}
		for k, v := range a.fields {
			f[k] = v
		}
		for k, v := range b.fields {
			if w, ok := f[k]; ok {
				f[k] = merge(w, v)
			} else {
				f[k] = v
			}
		}
		return &jtype{kind: "STRUCT", fields: f}
	case a.kind == b.kind:
		return a
	case (a.kind == "BIGINT" || a.kind == "DOUBLE") && (b.kind == "BIGINT" || b.kind == "DOUBLE"):
		return &jtype{kind: "DOUBLE"}
	}
	return &jtype{kind: "STRING"}
}

// jsonInfer reads JSON leniently (numbers with leading zeros are allowed)
// and infers its type.
type jsonInfer struct {
	s string
	i int
}

func (p *jsonInfer) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *jsonInfer) value() (*jtype, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		t := &jtype{kind: "STRUCT", fields: map[string]*jtype{}}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return t, nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, fmt.Errorf("expected a field name at offset %d", p.i)
			}
			name, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, fmt.Errorf("expected ':' at offset %d", p.i)
			}
			p.i++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			if w, ok := t.fields[name]; ok {
				v = merge(w, v)
			}
			t.fields[name] = v
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return t, nil
			}
			return nil, fmt.Errorf("expected ',' or '}' at offset %d", p.i)
		}
	case c == '[':
		p.i++
		t := &jtype{kind: "ARRAY", elem: &jtype{kind: "NULL"}}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return t, nil
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			t.elem = merge(t.elem, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return t, nil
			}
			return nil, fmt.Errorf("expected ',' or ']' at offset %d", p.i)
		}
	case c == '"':
		if _, err := p.str(); err != nil {
			return nil, err
		}
		return &jtype{kind: "STRING"}, nil
	case c == '-' || c >= '0' && c <= '9':
		j := p.i + 1
		isFloat := false
		for j < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[j]) >= 0 {
			if strings.IndexByte(".eE", p.s[j]) >= 0 {
				isFloat = true
			}
			j++
		}
		p.i = j
		if isFloat {
			return &jtype{kind: "DOUBLE"}, nil
		}
		return &jtype{kind: "BIGINT"}, nil
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return &jtype{kind: "BOOLEAN"}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return &jtype{kind: "BOOLEAN"}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return &jtype{kind: "NULL"}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
}

func (p *jsonInfer) str() (string, error) {
	var b strings.Builder
	for j := p.i + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case '\\':
			j++
			if j < len(p.s) {
				b.WriteByte(p.s[j])
			}
		case '"':
			p.i = j + 1
			return b.String(), nil
		default:
			b.WriteByte(p.s[j])
		}
	}
	return "", fmt.Errorf("unterminated string in JSON")
}
