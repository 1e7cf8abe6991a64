package datafile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
)

// duckType is a parsed DuckDB column type as DESCRIBE prints it.
type duckType struct {
	name   string // upper-case base name: INTEGER, DECIMAL, STRUCT, LIST, MAP, ...
	prec   int    // DECIMAL precision
	scale  int    // DECIMAL scale
	elem   *duckType
	key    *duckType
	value  *duckType
	fields []duckField
}

type duckField struct {
	name string
	typ  *duckType
}

// parseDuckType parses a DuckDB type string such as
// `STRUCT(a INTEGER, "b c" DECIMAL(10,2)[])` or `MAP(VARCHAR, BIGINT)`.
func parseDuckType(s string) (*duckType, error) {
	p := &typeParser{s: s}
	t, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("parse DuckDB type %q: %w", s, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("parse DuckDB type %q: unexpected %q at %d", s, p.s[p.i:], p.i)
	}

	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skipSpace() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("expected %q at %d", c, p.i)
	}
	p.i++

	return nil
}

func (p *typeParser) parse() (*duckType, error) {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(",()[]", rune(p.s[p.i])) {
		p.i++
	}
	name := strings.ToUpper(strings.TrimSpace(p.s[start:p.i]))
	if name == "" {
		return nil, fmt.Errorf("missing type name at %d", start)
	}
	t := &duckType{name: name}
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		var err error
		switch name {
		case "STRUCT":
			err = p.parseStructFields(t)
		case "MAP":
			if t.key, err = p.parse(); err == nil {
				if err = p.expect(','); err == nil {
					t.value, err = p.parse()
				}
			}
		case "DECIMAL", "NUMERIC":
			t.name = "DECIMAL"
			err = p.parseDecimal(t)
		default: // ENUM('a', 'b'), UNION(...), VARCHAR(n): skip the arguments
			err = p.skipArgs()
			if err == nil {
				p.i-- // leave the closing parenthesis for expect below
			}
		}
		if err != nil {
			return nil, err
		}
		if err := p.expect(')'); err != nil {
			return nil, err
		}
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '[' {
			break
		}
		end := strings.IndexByte(p.s[p.i:], ']')
		if end < 0 {
			return nil, fmt.Errorf("unclosed [ at %d", p.i)
		}
		kind := "LIST"
		if end > 1 {
			kind = "ARRAY"
		}
		p.i += end + 1
		t = &duckType{name: kind, elem: t}
	}

	return t, nil
}

func (p *typeParser) parseDecimal(t *duckType) error {
	end := strings.IndexByte(p.s[p.i:], ')')
	if end < 0 {
		return fmt.Errorf("unclosed DECIMAL at %d", p.i)
	}
	parts := strings.Split(p.s[p.i:p.i+end], ",")
	var err error
	if t.prec, err = strconv.Atoi(strings.TrimSpace(parts[0])); err != nil {
		return fmt.Errorf("decimal precision: %w", err)
	}
	if len(parts) > 1 {
		if t.scale, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil {
			return fmt.Errorf("decimal scale: %w", err)
		}
	}
	p.i += end

	return nil
}

func (p *typeParser) skipArgs() error {
	depth, inQuote := 1, byte(0)
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '\'' || c == '"':
			inQuote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				p.i++
				return nil
			}
		}
	}

	return fmt.Errorf("unclosed parenthesis")
}

func (p *typeParser) parseStructFields(t *duckType) error {
	for {
		p.skipSpace()
		var name string
		if p.i < len(p.s) && p.s[p.i] == '"' {
			var b strings.Builder
			p.i++
			for {
				if p.i >= len(p.s) {
					return fmt.Errorf("unclosed quoted field name")
				}
				if p.s[p.i] == '"' {
					if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
						b.WriteByte('"')
						p.i += 2
						continue
					}
					p.i++
					break
				}
				b.WriteByte(p.s[p.i])
				p.i++
			}
			name = b.String()
		} else {
			start := p.i
			for p.i < len(p.s) && p.s[p.i] != ' ' {
				p.i++
			}
			name = p.s[start:p.i]
		}
		ft, err := p.parse()
		if err != nil {
			return fmt.Errorf("struct field %s: %w", name, err)
		}
		t.fields = append(t.fields, duckField{name: name, typ: ft})
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}

		return nil
	}
}

// idGen hands out placeholder field ids; iceberg.AssignFreshSchemaIDs
// renumbers them the way table creation does.
type idGen struct{ next int }

func (g *idGen) id() int { g.next++; return g.next }

// icebergType maps a DuckDB type to an Iceberg type (see docs/lakehouse.md).
func icebergType(t *duckType, ids *idGen) (iceberg.Type, error) {
	switch t.name {
	case "BOOLEAN", "BOOL":
		return iceberg.PrimitiveTypes.Bool, nil
	case "TINYINT", "SMALLINT", "INTEGER", "INT", "UTINYINT", "USMALLINT":
		return iceberg.PrimitiveTypes.Int32, nil
	case "BIGINT", "UINTEGER":
		return iceberg.PrimitiveTypes.Int64, nil
	case "UBIGINT", "HUGEINT", "UHUGEINT":
		return iceberg.DecimalTypeOf(38, 0), nil
	case "FLOAT", "REAL":
		return iceberg.PrimitiveTypes.Float32, nil
	case "DOUBLE":
		return iceberg.PrimitiveTypes.Float64, nil
	case "DECIMAL":
		return iceberg.DecimalTypeOf(t.prec, t.scale), nil
	case "VARCHAR", "ENUM", "JSON":
		return iceberg.PrimitiveTypes.String, nil
	case "BLOB":
		return iceberg.PrimitiveTypes.Binary, nil
	case "DATE":
		return iceberg.PrimitiveTypes.Date, nil
	case "TIME":
		return iceberg.PrimitiveTypes.Time, nil
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME":
		return iceberg.PrimitiveTypes.Timestamp, nil
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		return iceberg.PrimitiveTypes.TimestampTz, nil
	case "UUID":
		return iceberg.PrimitiveTypes.UUID, nil
	case "LIST", "ARRAY":
		id := ids.id()
		el, err := icebergType(t.elem, ids)
		if err != nil {
			return nil, err
		}
		return &iceberg.ListType{ElementID: id, Element: el}, nil
	case "MAP":
		kid, vid := ids.id(), ids.id()
		k, err := icebergType(t.key, ids)
		if err != nil {
			return nil, err
		}
		v, err := icebergType(t.value, ids)
		if err != nil {
			return nil, err
		}
		return &iceberg.MapType{KeyID: kid, KeyType: k, ValueID: vid, ValueType: v}, nil
	case "STRUCT":
		fields := make([]iceberg.NestedField, len(t.fields))
		for i := range t.fields {
			fields[i].ID = ids.id()
		}
		for i, f := range t.fields {
			ft, err := icebergType(f.typ, ids)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			fields[i].Name, fields[i].Type = f.name, ft
		}
		return &iceberg.StructType{FieldList: fields}, nil
	}

	return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, t.name)
}

// DuckTypeOf returns the DuckDB type that holds an Iceberg type.
func DuckTypeOf(t iceberg.Type) (string, error) {
	switch t := t.(type) {
	case iceberg.BooleanType:
		return "BOOLEAN", nil
	case iceberg.Int32Type:
		return "INTEGER", nil
	case iceberg.Int64Type:
		return "BIGINT", nil
	case iceberg.Float32Type:
		return "FLOAT", nil
	case iceberg.Float64Type:
		return "DOUBLE", nil
	case iceberg.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision(), t.Scale()), nil
	case iceberg.StringType:
		return "VARCHAR", nil
	case iceberg.BinaryType, iceberg.FixedType:
		return "BLOB", nil
	case iceberg.DateType:
		return "DATE", nil
	case iceberg.TimeType:
		return "TIME", nil
	case iceberg.TimestampType:
		return "TIMESTAMP", nil
	case iceberg.TimestampTzType:
		return "TIMESTAMPTZ", nil
	case iceberg.TimestampNsType:
		return "TIMESTAMP_NS", nil
	case iceberg.TimestampTzNsType:
		return "TIMESTAMPTZ", nil
	case iceberg.UUIDType:
		return "UUID", nil
	case *iceberg.ListType:
		el, err := DuckTypeOf(t.Element)
		if err != nil {
			return "", err
		}
		return el + "[]", nil
	case *iceberg.MapType:
		k, err := DuckTypeOf(t.KeyType)
		if err != nil {
			return "", err
		}
		v, err := DuckTypeOf(t.ValueType)
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", nil
	case *iceberg.StructType:
		parts := make([]string, len(t.FieldList))
		for i, f := range t.FieldList {
			ft, err := DuckTypeOf(f.Type)
			if err != nil {
				return "", err
			}
			parts[i] = QuoteIdent(f.Name) + " " + ft
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	}

	return "", fmt.Errorf("%w: Iceberg type %s has no DuckDB mapping", ErrUnsupportedType, t)
}

// FieldIDsLiteral renders the FIELD_IDS option of DuckDB's COPY for a
// schema, with nested ids in the `__duckdb_field_id` form.
func FieldIDsLiteral(sc *iceberg.Schema) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range sc.Fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		writeFieldID(&b, f.Name, f.ID, f.Type)
	}
	b.WriteByte('}')

	return b.String()
}

func writeFieldID(b *strings.Builder, name string, id int, t iceberg.Type) {
	b.WriteString(QuoteString(name))
	b.WriteString(": ")
	switch t := t.(type) {
	case *iceberg.ListType:
		fmt.Fprintf(b, "{__duckdb_field_id: %d, ", id)
		writeFieldID(b, "element", t.ElementID, t.Element)
		b.WriteByte('}')
	case *iceberg.MapType:
		fmt.Fprintf(b, "{__duckdb_field_id: %d, ", id)
		writeFieldID(b, "key", t.KeyID, t.KeyType)
		b.WriteString(", ")
		writeFieldID(b, "value", t.ValueID, t.ValueType)
		b.WriteByte('}')
	case *iceberg.StructType:
		fmt.Fprintf(b, "{__duckdb_field_id: %d", id)
		for _, f := range t.FieldList {
			b.WriteString(", ")
			writeFieldID(b, f.Name, f.ID, f.Type)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%d", id)
	}
}

// QuoteIdent quotes a DuckDB identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteString quotes a DuckDB string literal.
func QuoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// promotion reports how a result column of type from fits a table column of
// type to: exact, castable by a safe promotion (int->long, float->double,
// decimal precision widening, recursively in nested types), or not at all.
type Fit int

const (
	FitNone Fit = iota
	FitCast
	FitExact
)

func TypeFit(from, to iceberg.Type) Fit {
	switch to := to.(type) {
	case *iceberg.ListType:
		f, ok := from.(*iceberg.ListType)
		if !ok {
			return FitNone
		}
		return TypeFit(f.Element, to.Element)
	case *iceberg.MapType:
		f, ok := from.(*iceberg.MapType)
		if !ok {
			return FitNone
		}
		return min(TypeFit(f.KeyType, to.KeyType), TypeFit(f.ValueType, to.ValueType))
	case *iceberg.StructType:
		f, ok := from.(*iceberg.StructType)
		if !ok || len(f.FieldList) != len(to.FieldList) {
			return FitNone
		}
		res := FitExact
		for i := range to.FieldList {
			if !strings.EqualFold(f.FieldList[i].Name, to.FieldList[i].Name) {
				return FitNone
			}
			res = min(res, TypeFit(f.FieldList[i].Type, to.FieldList[i].Type))
		}
		return res
	}
	if from.Equals(to) {
		return FitExact
	}
	if promotable(from, to) {
		return FitCast
	}

	return FitNone
}

// promotable reports whether Iceberg allows promoting primitive type from to
// type to.
func promotable(from, to iceberg.Type) bool {
	switch f := from.(type) {
	case iceberg.Int32Type:
		_, ok := to.(iceberg.Int64Type)
		return ok
	case iceberg.Float32Type:
		_, ok := to.(iceberg.Float64Type)
		return ok
	case iceberg.DecimalType:
		t, ok := to.(iceberg.DecimalType)
		return ok && t.Scale() == f.Scale() && t.Precision() >= f.Precision()
	}

	return false
}
