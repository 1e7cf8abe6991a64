package connector

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// dtype is a DuckDB column type, as the Go decoders build tables of them
// and the Avro writer maps them.
type dtype struct {
	// id is BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT, UTINYINT,
	// USMALLINT, UINTEGER, UBIGINT, FLOAT, DOUBLE, DECIMAL, VARCHAR, BLOB,
	// DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, LIST, STRUCT or MAP.
	id           string
	prec, scale  int
	elem         *dtype // LIST
	key, val     *dtype // MAP
	fields       []field
	timestampRes string // s, ms, ns for TIMESTAMP_S/_MS/_NS (read only)
}

type field struct {
	name string
	t    *dtype
}

var (
	tBool    = &dtype{id: "BOOLEAN"}
	tInt     = &dtype{id: "INTEGER"}
	tBigint  = &dtype{id: "BIGINT"}
	tDouble  = &dtype{id: "DOUBLE"}
	tVarchar = &dtype{id: "VARCHAR"}
	tBlob    = &dtype{id: "BLOB"}
	tDate    = &dtype{id: "DATE"}
	tTS      = &dtype{id: "TIMESTAMP"}
	tTSTZ    = &dtype{id: "TIMESTAMPTZ"}
)

// SQL spells the type for CREATE TABLE and CAST.
func (t *dtype) SQL() string {
	switch t.id {
	case "DECIMAL":
		return fmt.Sprintf("DECIMAL(%d, %d)", t.prec, t.scale)
	case "TIMESTAMPTZ":
		return timestampTZ
	case "LIST":
		return t.elem.SQL() + "[]"
	case "MAP":
		return "MAP(" + t.key.SQL() + ", " + t.val.SQL() + ")"
	case "STRUCT":
		parts := make([]string, len(t.fields))
		for i, f := range t.fields {
			parts[i] = quoteIdent(f.name) + " " + f.t.SQL()
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	}
	return t.id
}

func (t *dtype) equal(o *dtype) bool {
	if t == o {
		return true
	}
	if t == nil || o == nil || t.id != o.id || t.prec != o.prec || t.scale != o.scale || len(t.fields) != len(o.fields) {
		return false
	}
	switch t.id {
	case "LIST":
		return t.elem.equal(o.elem)
	case "MAP":
		return t.key.equal(o.key) && t.val.equal(o.val)
	case "STRUCT":
		for i := range t.fields {
			if t.fields[i].name != o.fields[i].name || !t.fields[i].t.equal(o.fields[i].t) {
				return false
			}
		}
	}
	return true
}

// parseDuckType reads a type as DuckDB spells it in DESCRIBE.
func parseDuckType(s string) (*dtype, error) {
	p := &typeParser{s: s}
	t, err := p.duck()
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("type %q: unexpected %q", s, p.s[p.i:])
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *typeParser) peek(c byte) bool {
	p.space()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *typeParser) expect(c byte) error {
	if !p.peek(c) {
		if p.i >= len(p.s) {
			return fmt.Errorf("expected %q at the end", c)
		}
		return fmt.Errorf("expected %q at %q", c, p.s[p.i:])
	}
	p.i++
	return nil
}

// word reads a name: letters, digits, '_', or a double-quoted (DuckDB) or
// back-quoted (Spark) identifier.
func (p *typeParser) word() (string, error) {
	p.space()
	if p.i >= len(p.s) {
		return "", fmt.Errorf("expected a name at the end")
	}
	if q := p.s[p.i]; q == '"' || q == '`' {
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == q {
				if p.i+1 < len(p.s) && p.s[p.i+1] == q {
					b.WriteByte(q)
					p.i += 2
					continue
				}
				p.i++
				return b.String(), nil
			}
			b.WriteByte(c)
			p.i++
		}
		return "", fmt.Errorf("unclosed quoted name")
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return "", fmt.Errorf("expected a name at %q", p.s[p.i:])
	}
	return p.s[start:p.i], nil
}

func (p *typeParser) number() (int, error) {
	w, err := p.word()
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(w)
}

func (p *typeParser) duck() (*dtype, error) {
	w, err := p.word()
	if err != nil {
		return nil, err
	}
	u := strings.ToUpper(w)
	var t *dtype
	switch u {
	case "STRUCT":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		t = &dtype{id: "STRUCT"}
		for {
			name, err := p.word()
			if err != nil {
				return nil, err
			}
			ft, err := p.duck()
			if err != nil {
				return nil, err
			}
			t.fields = append(t.fields, field{name, ft})
			if p.peek(',') {
				p.i++
				continue
			}
			if err := p.expect(')'); err != nil {
				return nil, err
			}
			break
		}
	case "MAP":
		if err := p.expect('('); err != nil {
			return nil, err
		}
		k, err := p.duck()
		if err != nil {
			return nil, err
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		v, err := p.duck()
		if err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
		t = &dtype{id: "MAP", key: k, val: v}
	case "DECIMAL", "NUMERIC":
		t = &dtype{id: "DECIMAL", prec: 18, scale: 3}
		if p.peek('(') {
			p.i++
			if t.prec, err = p.number(); err != nil {
				return nil, err
			}
			t.scale = 0
			if p.peek(',') {
				p.i++
				if t.scale, err = p.number(); err != nil {
					return nil, err
				}
			}
			if err := p.expect(')'); err != nil {
				return nil, err
			}
		}
	case "TIMESTAMP":
		t = &dtype{id: "TIMESTAMP"}
		save := p.i
		if w2, err := p.word(); err == nil && strings.EqualFold(w2, "WITH") {
			if _, err := p.word(); err != nil { // TIME
				return nil, err
			}
			if _, err := p.word(); err != nil { // ZONE
				return nil, err
			}
			t = &dtype{id: "TIMESTAMPTZ"}
		} else {
			p.i = save
		}
	case "TIME":
		t = &dtype{id: "TIME"}
		save := p.i
		if w2, err := p.word(); err == nil && strings.EqualFold(w2, "WITH") {
			p.word()
			p.word()
			t = &dtype{id: "TIMETZ"}
		} else {
			p.i = save
		}
	case "TIMESTAMPTZ":
		t = &dtype{id: "TIMESTAMPTZ"}
	case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		t = &dtype{id: "TIMESTAMP", timestampRes: strings.ToLower(strings.TrimPrefix(u, "TIMESTAMP_"))}
	case "BOOLEAN", "BOOL":
		t = &dtype{id: "BOOLEAN"}
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
		"FLOAT", "DOUBLE", "DATE", "BLOB", "UUID", "INTERVAL", "JSON":
		t = &dtype{id: u}
	case "INT", "INT4":
		t = &dtype{id: "INTEGER"}
	case "INT8", "LONG":
		t = &dtype{id: "BIGINT"}
	case "REAL", "FLOAT4":
		t = &dtype{id: "FLOAT"}
	case "FLOAT8":
		t = &dtype{id: "DOUBLE"}
	case "VARCHAR", "TEXT", "STRING":
		t = &dtype{id: "VARCHAR"}
		if p.peek('(') { // VARCHAR(n)
			p.i++
			p.number()
			if err := p.expect(')'); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("unsupported type %s", w)
	}
	// Lists: T[] (and fixed-size arrays T[n], read as lists).
	for p.peek('[') {
		p.i++
		if !p.peek(']') {
			if _, err := p.number(); err != nil {
				return nil, err
			}
		}
		if err := p.expect(']'); err != nil {
			return nil, err
		}
		t = &dtype{id: "LIST", elem: t}
	}
	return t, nil
}

// sparkDType maps a Spark SQL type (DDL spelling: int, decimal(10,2),
// array<string>, map<string,int>, struct<a:int,b:string>) to a DuckDB type.
func sparkDType(s string) (*dtype, error) {
	p := &typeParser{s: s}
	t, err := p.spark()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unknown type %q", s)
	}
	return t, nil
}

func (p *typeParser) spark() (*dtype, error) {
	start := p.i
	w, err := p.word()
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(w) {
	case "array":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		e, err := p.spark()
		if err != nil {
			return nil, err
		}
		if err := p.expect('>'); err != nil {
			return nil, err
		}
		return &dtype{id: "LIST", elem: e}, nil
	case "map":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		k, err := p.spark()
		if err != nil {
			return nil, err
		}
		if err := p.expect(','); err != nil {
			return nil, err
		}
		v, err := p.spark()
		if err != nil {
			return nil, err
		}
		if err := p.expect('>'); err != nil {
			return nil, err
		}
		return &dtype{id: "MAP", key: k, val: v}, nil
	case "struct":
		if err := p.expect('<'); err != nil {
			return nil, err
		}
		t := &dtype{id: "STRUCT"}
		for !p.peek('>') {
			name, err := p.word()
			if err != nil {
				return nil, err
			}
			if p.peek(':') {
				p.i++
			}
			ft, err := p.spark()
			if err != nil {
				return nil, err
			}
			t.fields = append(t.fields, field{name, ft})
			if p.peek(',') {
				p.i++
			}
		}
		p.i++
		return t, nil
	}
	// A primitive, perhaps with arguments: decimal(10, 2), varchar(20).
	if p.peek('(') {
		depth := 0
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
	}
	typ, err := sparkType(p.s[start:p.i])
	if err != nil {
		return nil, err
	}
	return parseDuckType(typ)
}

// sparkJSONType maps a Spark DataType in JSON (a string such as "integer", or
// an object for array, map and struct types) to a DuckDB type.
func sparkJSONType(raw json.RawMessage) (*dtype, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		return sparkDType(name)
	}
	var obj struct {
		Type        string          `json:"type"`
		ElementType json.RawMessage `json:"elementType"`
		KeyType     json.RawMessage `json:"keyType"`
		ValueType   json.RawMessage `json:"valueType"`
		Fields      []struct {
			Name string          `json:"name"`
			Type json.RawMessage `json:"type"`
		} `json:"fields"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("not a Spark data type: %s", raw)
	}
	switch obj.Type {
	case "array":
		e, err := sparkJSONType(obj.ElementType)
		if err != nil {
			return nil, err
		}
		return &dtype{id: "LIST", elem: e}, nil
	case "map":
		k, err := sparkJSONType(obj.KeyType)
		if err != nil {
			return nil, err
		}
		v, err := sparkJSONType(obj.ValueType)
		if err != nil {
			return nil, err
		}
		return &dtype{id: "MAP", key: k, val: v}, nil
	case "struct":
		t := &dtype{id: "STRUCT"}
		for _, f := range obj.Fields {
			ft, err := sparkJSONType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			t.fields = append(t.fields, field{f.Name, ft})
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown Spark type %q", obj.Type)
}
