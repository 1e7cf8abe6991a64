package connector

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/avro"
)

// Read schemas may be written in three forms (Flare's schemaType). Whatever
// the form, SparkSchema turns one into Spark's StructType JSON, the form
// Source.SchemaString takes, so every reader sees one kind of schema.
const (
	// SchemaAvro is an Avro record schema (an .avsc file).
	SchemaAvro = "avro"
	// SchemaSpark is Spark's StructType as JSON
	// ({"type":"struct","fields":[...]}), what DataFrame.schema.json gives.
	SchemaSpark = "spark"
	// SchemaDDL is a Spark DDL column list: "id INT, name STRING".
	SchemaDDL = "ddl"
)

// SchemaKind tells which form a schema text is written in: JSON whose type
// is "record" is Avro, JSON whose type is "struct" is Spark's StructType,
// anything that is not a JSON object is DDL. A JSON object of another type
// is an error.
func SchemaKind(text string) (string, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return "", errors.New("the schema is empty")
	}
	if !strings.HasPrefix(t, "{") {
		return SchemaDDL, nil
	}
	var head struct {
		Type any `json:"type"`
	}
	if err := json.Unmarshal([]byte(t), &head); err != nil {
		return "", fmt.Errorf("the schema starts with { but is not JSON: %w", err)
	}
	switch head.Type {
	case "record":
		return SchemaAvro, nil
	case "struct":
		return SchemaSpark, nil
	}
	return "", fmt.Errorf("a JSON schema must be an Avro record ({\"type\":\"record\",...}) or a Spark struct ({\"type\":\"struct\",...}), not type %v", head.Type)
}

// SparkSchema converts a read schema written as kind (SchemaAvro,
// SchemaSpark or SchemaDDL) into Spark's StructType JSON. Avro types map as
// Spark's Avro reader maps them: a union with null is a nullable value of
// the other branch, int/date is integer/date, long/timestamp-millis and
// -micros are timestamp (local-timestamp-* timestamp_ntz), bytes and fixed
// are binary (decimal logical types decimal(p,s)), enum and uuid are string,
// arrays, maps (string keys) and nested records keep their shape. A
// recursive record cannot be a column type and is refused, as Spark does.
func SparkSchema(text, kind string) (string, error) {
	var cols schema
	var err error
	switch kind {
	case SchemaAvro:
		cols, err = avroColumns(text)
	case SchemaSpark:
		cols, err = schemaColumns(text, "")
	case SchemaDDL:
		cols, err = schemaColumns("", text)
	default:
		return "", fmt.Errorf("unknown schema kind %q (avro, spark, ddl)", kind)
	}
	if err != nil {
		return "", err
	}
	if len(cols) == 0 {
		return "", errors.New("the schema has no columns")
	}
	return sparkStructJSON(cols)
}

// SchemaColumns returns the column names and DuckDB types of a Spark
// StructType JSON schema, as a reader will type them.
func SchemaColumns(structJSON string) (names, types []string, err error) {
	cols, err := schemaColumns(structJSON, "")
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cols {
		names = append(names, c.name)
		types = append(types, c.typ)
	}
	return names, types, nil
}

// avroColumns reads an Avro record schema into columns.
func avroColumns(text string) (schema, error) {
	s, err := avro.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("not an Avro schema: %w", err)
	}
	root := s.Root()
	if root.Type != "record" {
		return nil, fmt.Errorf("the Avro schema is a %s; a read schema is a record", root.Type)
	}
	w := &avroWalk{names: map[string]*avro.SchemaNode{}, open: map[string]bool{}}
	w.define(root)
	var out schema
	for i := range root.Fields {
		f := &root.Fields[i]
		t, err := w.sparkType(&f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		out = append(out, column{name: f.Name, typ: t.SQL(), t: t})
	}
	return out, nil
}

// avroWalk maps Avro types to DuckDB types the way Spark's Avro reader
// (SchemaConverters.toSqlType) maps them to Spark types.
type avroWalk struct {
	// names are the named types defined so far, by name and full name.
	names map[string]*avro.SchemaNode
	// open are the records being mapped, to find recursion.
	open map[string]bool
}

func (w *avroWalk) define(n *avro.SchemaNode) {
	switch n.Type {
	case "record", "enum", "fixed":
		if n.Name != "" {
			w.names[n.Name] = n
			if n.Namespace != "" && !strings.Contains(n.Name, ".") {
				w.names[n.Namespace+"."+n.Name] = n
			}
		}
	}
}

func fullName(n *avro.SchemaNode) string {
	if n.Namespace != "" && !strings.Contains(n.Name, ".") {
		return n.Namespace + "." + n.Name
	}
	return n.Name
}

func (w *avroWalk) sparkType(n *avro.SchemaNode) (*dtype, error) {
	w.define(n)
	switch n.LogicalType {
	case "date":
		if n.Type == "int" {
			return tDate, nil
		}
	case "timestamp-millis", "timestamp-micros":
		if n.Type == "long" {
			return tTSTZ, nil
		}
	case "local-timestamp-millis", "local-timestamp-micros":
		if n.Type == "long" {
			return tTS, nil
		}
	case "decimal":
		if n.Type == "bytes" || n.Type == "fixed" {
			if n.Precision < 1 || n.Precision > 38 {
				return nil, fmt.Errorf("decimal precision %d: Spark's decimals hold 1 to 38 digits", n.Precision)
			}
			return &dtype{id: "DECIMAL", prec: n.Precision, scale: n.Scale}, nil
		}
	}
	switch n.Type {
	case "null":
		return nil, errors.New("a field of type null alone has no values to read; make it a union such as [\"null\", \"string\"]")
	case "boolean":
		return tBool, nil
	case "int":
		return tInt, nil // time-millis too, as Spark reads it
	case "long":
		return tBigint, nil // time-micros too
	case "float":
		return &dtype{id: "FLOAT"}, nil
	case "double":
		return tDouble, nil
	case "string", "enum":
		return tVarchar, nil
	case "bytes", "fixed":
		return tBlob, nil
	case "array":
		if n.Items == nil {
			return nil, errors.New("an array needs items")
		}
		e, err := w.sparkType(n.Items)
		if err != nil {
			return nil, err
		}
		return &dtype{id: "LIST", elem: e}, nil
	case "map":
		if n.Values == nil {
			return nil, errors.New("a map needs values")
		}
		v, err := w.sparkType(n.Values)
		if err != nil {
			return nil, err
		}
		return &dtype{id: "MAP", key: tVarchar, val: v}, nil
	case "record":
		name := fullName(n)
		if w.open[name] {
			return nil, fmt.Errorf("record %s refers to itself: a recursive type cannot be a column (Spark refuses it too)", name)
		}
		w.open[name] = true
		defer delete(w.open, name)
		t := &dtype{id: "STRUCT"}
		for i := range n.Fields {
			ft, err := w.sparkType(&n.Fields[i].Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", n.Fields[i].Name, err)
			}
			t.fields = append(t.fields, field{n.Fields[i].Name, ft})
		}
		return t, nil
	case "union":
		return w.union(n)
	}
	if ref, ok := w.names[n.Type]; ok {
		if ref.Type == "record" && w.open[fullName(ref)] {
			return nil, fmt.Errorf("record %s refers to itself: a recursive type cannot be a column (Spark refuses it too)", fullName(ref))
		}
		return w.sparkType(ref)
	}
	return nil, fmt.Errorf("unknown Avro type %q", n.Type)
}

// union maps a union as Spark does: null branches make the value nullable;
// one other branch is that branch's type; int and long widen to long, float
// and double to double; any other mix is a struct of member0, member1, ...
func (w *avroWalk) union(n *avro.SchemaNode) (*dtype, error) {
	var branches []*avro.SchemaNode
	for i := range n.Branches {
		if n.Branches[i].Type != "null" {
			branches = append(branches, &n.Branches[i])
		}
	}
	if len(branches) == 0 {
		return nil, errors.New("a union of null alone has no values to read")
	}
	types := make([]*dtype, len(branches))
	for i, b := range branches {
		t, err := w.sparkType(b)
		if err != nil {
			return nil, err
		}
		types[i] = t
	}
	if len(types) == 1 {
		return types[0], nil
	}
	if len(types) == 2 && branches[0].LogicalType == "" && branches[1].LogicalType == "" {
		a, b := branches[0].Type, branches[1].Type
		switch {
		case a == "int" && b == "long" || a == "long" && b == "int":
			return tBigint, nil
		case a == "float" && b == "double" || a == "double" && b == "float":
			return tDouble, nil
		}
	}
	t := &dtype{id: "STRUCT"}
	for i, bt := range types {
		t.fields = append(t.fields, field{fmt.Sprintf("member%d", i), bt})
	}
	return t, nil
}

// sparkStructJSON writes columns as Spark's StructType JSON.
func sparkStructJSON(cols schema) (string, error) {
	fields := make([]any, len(cols))
	for i, c := range cols {
		t, err := sparkJSONOf(c.t)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.name, err)
		}
		fields[i] = sparkField(c.name, t)
	}
	b, err := json.Marshal(map[string]any{"type": "struct", "fields": fields})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func sparkField(name string, t any) map[string]any {
	return map[string]any{"name": name, "type": t, "nullable": true, "metadata": map[string]any{}}
}

// sparkJSONOf is the Spark DataType JSON of a DuckDB type.
func sparkJSONOf(t *dtype) (any, error) {
	if t == nil {
		return nil, errors.New("no type")
	}
	switch t.id {
	case "BOOLEAN":
		return "boolean", nil
	case "TINYINT":
		return "byte", nil
	case "SMALLINT":
		return "short", nil
	case "INTEGER":
		return "integer", nil
	case "BIGINT":
		return "long", nil
	case "FLOAT":
		return "float", nil
	case "DOUBLE":
		return "double", nil
	case "DECIMAL":
		return fmt.Sprintf("decimal(%d,%d)", t.prec, t.scale), nil
	case "VARCHAR":
		return "string", nil
	case "BLOB":
		return "binary", nil
	case "DATE":
		return "date", nil
	case "TIMESTAMP":
		return "timestamp_ntz", nil
	case "TIMESTAMPTZ":
		return "timestamp", nil
	case "LIST":
		e, err := sparkJSONOf(t.elem)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "elementType": e, "containsNull": true}, nil
	case "MAP":
		k, err := sparkJSONOf(t.key)
		if err != nil {
			return nil, err
		}
		v, err := sparkJSONOf(t.val)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "map", "keyType": k, "valueType": v, "valueContainsNull": true}, nil
	case "STRUCT":
		fields := make([]any, len(t.fields))
		for i, f := range t.fields {
			ft, err := sparkJSONOf(f.t)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			fields[i] = sparkField(f.name, ft)
		}
		return map[string]any{"type": "struct", "fields": fields}, nil
	}
	return nil, fmt.Errorf("type %s has no Spark equivalent", t.SQL())
}

// nestedCSVColumn returns the first column of a schema whose type a csv
// file cannot hold (array, map, struct), as Spark's csv reader refuses them.
func nestedCSVColumn(cols schema) (column, bool) {
	for _, c := range cols {
		if c.t != nil && (c.t.id == "LIST" || c.t.id == "MAP" || c.t.id == "STRUCT") {
			return c, true
		}
	}
	return column{}, false
}
