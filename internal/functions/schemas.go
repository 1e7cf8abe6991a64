package functions

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Schemas for parse_as_json: Spark's DataType JSON or DDL, and Avro, read
// into DuckDB types; jsonStructure writes the structure DuckDB's from_json
// takes.

// sparkSchemaType reads a Spark schema: DataType JSON or a DDL string.
func sparkSchemaType(s string) (*dtype, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "\"") {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("not Spark schema JSON: %v", err)
		}
		return sparkJSONType(v, "")
	}
	p := &ddlParser{src: s}
	fields, err := p.fields(0)
	if err != nil {
		return nil, fmt.Errorf("DDL schema %q: %v", s, err)
	}
	return &dtype{base: "STRUCT", fields: fields}, nil
}

func sparkJSONType(v any, path string) (*dtype, error) {
	at := func() string {
		if path == "" {
			return ""
		}
		return path + ": "
	}
	switch x := v.(type) {
	case string:
		t, err := duckType(x)
		if err != nil {
			return nil, fmt.Errorf("%s%v", at(), err)
		}
		return parseType(t)
	case map[string]any:
		switch x["type"] {
		case "struct":
			fs, _ := x["fields"].([]any)
			t := &dtype{base: "STRUCT"}
			for i, f := range fs {
				fm, _ := f.(map[string]any)
				name, _ := fm["name"].(string)
				if name == "" {
					return nil, fmt.Errorf("%sfield %d has no name", at(), i+1)
				}
				ft, err := sparkJSONType(fm["type"], joinPath(path, name))
				if err != nil {
					return nil, err
				}
				t.fields = append(t.fields, field{name, ft})
			}
			if len(t.fields) == 0 {
				return nil, fmt.Errorf("%sa struct needs fields", at())
			}
			return t, nil
		case "array":
			e, err := sparkJSONType(x["elementType"], path+"[]")
			if err != nil {
				return nil, err
			}
			return &dtype{base: "LIST", elem: e}, nil
		case "map":
			k, err := sparkJSONType(x["keyType"], path+"<key>")
			if err != nil {
				return nil, err
			}
			val, err := sparkJSONType(x["valueType"], path+"<value>")
			if err != nil {
				return nil, err
			}
			return &dtype{base: "MAP", kv: []*dtype{k, val}}, nil
		}
		return nil, fmt.Errorf("%sunknown type %v (expected struct, array, map or a primitive name)", at(), x["type"])
	}
	return nil, fmt.Errorf("%sexpected a type name or object, got %v", at(), v)
}

func joinPath(p, n string) string {
	if p == "" {
		return n
	}
	return p + "." + n
}

// ddlParser reads Spark DDL: "a INT, b ARRAY<STRING>, c STRUCT<x: INT>".
type ddlParser struct {
	src string
	i   int
}

func (p *ddlParser) space() {
	for p.i < len(p.src) && strings.ContainsRune(" \t\n\r", rune(p.src[p.i])) {
		p.i++
	}
}

func (p *ddlParser) ident() string {
	p.space()
	if p.i < len(p.src) && p.src[p.i] == '`' {
		j := strings.IndexByte(p.src[p.i+1:], '`')
		if j < 0 {
			return ""
		}
		s := p.src[p.i+1 : p.i+1+j]
		p.i += j + 2
		return s
	}
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

func (p *ddlParser) accept(s string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.i:], s) {
		p.i += len(s)
		return true
	}
	return false
}

// fields reads name type pairs up to the end (depth 0) or a closing >.
func (p *ddlParser) fields(depth int) ([]field, error) {
	var out []field
	for {
		name := p.ident()
		if name == "" {
			return nil, fmt.Errorf("expected a field name at offset %d", p.i)
		}
		p.accept(":")
		t, err := p.typ()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.accept("NOT NULL") || p.accept("not null") {
			p.space()
		}
		if len(p.src)-p.i >= 7 && strings.EqualFold(p.src[p.i:p.i+7], "COMMENT") {
			p.i += 7
			p.space()
			if p.i < len(p.src) && p.src[p.i] == '\'' {
				j := strings.IndexByte(p.src[p.i+1:], '\'')
				if j < 0 {
					return nil, fmt.Errorf("unterminated comment")
				}
				p.i += j + 2
			}
		}
		out = append(out, field{name, t})
		if p.accept(",") {
			continue
		}
		p.space()
		if depth == 0 && p.i == len(p.src) || depth > 0 && p.i < len(p.src) && p.src[p.i] == '>' {
			return out, nil
		}
		return nil, fmt.Errorf("unexpected %q at offset %d", p.src[p.i:], p.i)
	}
}

func (p *ddlParser) typ() (*dtype, error) {
	name := strings.ToLower(p.ident())
	switch name {
	case "array":
		if !p.accept("<") {
			return nil, fmt.Errorf("expected < after ARRAY")
		}
		e, err := p.typ()
		if err != nil {
			return nil, err
		}
		if !p.accept(">") {
			return nil, fmt.Errorf("expected > closing ARRAY")
		}
		return &dtype{base: "LIST", elem: e}, nil
	case "map":
		if !p.accept("<") {
			return nil, fmt.Errorf("expected < after MAP")
		}
		k, err := p.typ()
		if err != nil {
			return nil, err
		}
		if !p.accept(",") {
			return nil, fmt.Errorf("expected , in MAP<key, value>")
		}
		v, err := p.typ()
		if err != nil {
			return nil, err
		}
		if !p.accept(">") {
			return nil, fmt.Errorf("expected > closing MAP")
		}
		return &dtype{base: "MAP", kv: []*dtype{k, v}}, nil
	case "struct":
		if !p.accept("<") {
			return nil, fmt.Errorf("expected < after STRUCT")
		}
		fs, err := p.fields(1)
		if err != nil {
			return nil, err
		}
		if !p.accept(">") {
			return nil, fmt.Errorf("expected > closing STRUCT")
		}
		return &dtype{base: "STRUCT", fields: fs}, nil
	case "":
		return nil, fmt.Errorf("expected a type at offset %d", p.i)
	}
	if p.accept("(") {
		j := strings.IndexByte(p.src[p.i:], ')')
		if j < 0 {
			return nil, fmt.Errorf("unclosed ( after %s", name)
		}
		name += "(" + p.src[p.i:p.i+j] + ")"
		p.i += j + 1
	}
	t, err := duckType(name)
	if err != nil {
		return nil, err
	}
	return parseType(t)
}

// avroSchemaType reads an Avro schema (JSON).
func avroSchemaType(s string) (*dtype, error) {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &v); err != nil {
		return nil, fmt.Errorf("not Avro schema JSON: %v", err)
	}
	a := &avroReader{named: map[string]*dtype{}}
	return a.typ(v, "")
}

type avroReader struct {
	named map[string]*dtype
}

var avroPrimitives = map[string]string{
	"boolean": "BOOLEAN", "int": "INTEGER", "long": "BIGINT", "float": "FLOAT", "double": "DOUBLE",
	"bytes": "BLOB", "string": "VARCHAR",
}

func (a *avroReader) typ(v any, path string) (*dtype, error) {
	at := func() string {
		if path == "" {
			return ""
		}
		return path + ": "
	}
	switch x := v.(type) {
	case string:
		if t, ok := avroPrimitives[x]; ok {
			return &dtype{base: t}, nil
		}
		if t, ok := a.named[x]; ok {
			return t, nil
		}
		if x == "null" {
			return nil, fmt.Errorf("%sa value of type null alone cannot be parsed", at())
		}
		return nil, fmt.Errorf("%sunknown Avro type %q", at(), x)
	case []any:
		var branches []any
		for _, b := range x {
			if b != "null" {
				branches = append(branches, b)
			}
		}
		if len(branches) != 1 {
			return nil, fmt.Errorf("%sonly unions of null and one type are supported, got %d types", at(), len(branches))
		}
		return a.typ(branches[0], path)
	case map[string]any:
		typ, _ := x["type"].(string)
		if lt, _ := x["logicalType"].(string); lt != "" {
			switch lt {
			case "date":
				return &dtype{base: "DATE"}, nil
			case "timestamp-millis", "timestamp-micros", "timestamp-nanos":
				return &dtype{base: "TIMESTAMP WITH TIME ZONE"}, nil
			case "local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
				return &dtype{base: "TIMESTAMP"}, nil
			case "time-millis", "time-micros":
				return &dtype{base: "TIME"}, nil
			case "decimal":
				p, _ := x["precision"].(float64)
				sc, _ := x["scale"].(float64)
				t, err := duckType(fmt.Sprintf("decimal(%d,%d)", int(p), int(sc)))
				if err != nil {
					return nil, fmt.Errorf("%s%v", at(), err)
				}
				return parseType(t)
			case "uuid":
				return &dtype{base: "VARCHAR"}, nil
			}
		}
		switch typ {
		case "record":
			fs, _ := x["fields"].([]any)
			t := &dtype{base: "STRUCT"}
			a.register(x, t)
			for i, f := range fs {
				fm, _ := f.(map[string]any)
				name, _ := fm["name"].(string)
				if name == "" {
					return nil, fmt.Errorf("%sfield %d has no name", at(), i+1)
				}
				ft, err := a.typ(fm["type"], joinPath(path, name))
				if err != nil {
					return nil, err
				}
				t.fields = append(t.fields, field{name, ft})
			}
			if len(t.fields) == 0 {
				return nil, fmt.Errorf("%sa record needs fields", at())
			}
			return t, nil
		case "enum":
			t := &dtype{base: "VARCHAR"}
			a.register(x, t)
			return t, nil
		case "fixed":
			t := &dtype{base: "BLOB"}
			a.register(x, t)
			return t, nil
		case "array":
			e, err := a.typ(x["items"], path+"[]")
			if err != nil {
				return nil, err
			}
			return &dtype{base: "LIST", elem: e}, nil
		case "map":
			val, err := a.typ(x["values"], path+"<value>")
			if err != nil {
				return nil, err
			}
			return &dtype{base: "MAP", kv: []*dtype{{base: "VARCHAR"}, val}}, nil
		}
		if typ != "" {
			return a.typ(typ, path)
		}
		return nil, fmt.Errorf("%san Avro type object needs a type", at())
	}
	return nil, fmt.Errorf("%sexpected an Avro type, got %v", at(), v)
}

func (a *avroReader) register(x map[string]any, t *dtype) {
	name, _ := x["name"].(string)
	if name == "" {
		return
	}
	a.named[name] = t
	if ns, _ := x["namespace"].(string); ns != "" {
		a.named[ns+"."+name] = t
	}
}

// jsonStructure writes t as the structure argument of DuckDB's from_json:
// objects for structs, [elem] for lists, type names otherwise.
func jsonStructure(t *dtype) (string, error) {
	switch t.base {
	case "STRUCT":
		var b strings.Builder
		b.WriteByte('{')
		for i, f := range t.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.name)
			b.Write(k)
			b.WriteByte(':')
			s, err := jsonStructure(f.typ)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		}
		b.WriteByte('}')
		return b.String(), nil
	case "LIST":
		s, err := jsonStructure(t.elem)
		if err != nil {
			return "", err
		}
		return "[" + s + "]", nil
	}
	k, _ := json.Marshal(t.String())
	return string(k), nil
}
