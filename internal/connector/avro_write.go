package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/twmb/avro"
	"github.com/twmb/avro/ocf"
)

// Avro output: the relation's rows are scanned from DuckDB and encoded with
// github.com/twmb/avro's OCF writer. Types map as Spark's Avro writer maps
// them: nullable columns are unions [type, "null"], TIMESTAMP WITH TIME
// ZONE is timestamp-micros, TIMESTAMP local-timestamp-micros, DATE date,
// DECIMAL a bytes decimal, lists arrays, structs records, maps with string
// keys maps.

// describe returns the columns of a query.
func describe(ctx context.Context, db Execer, query string) ([]column, error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+query+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		t, err := parseDuckType(typ)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", name, err)
		}
		cols = append(cols, column{name: name, typ: typ, t: t})
	}
	return cols, rows.Err()
}

// avroSchemaFor builds the Avro schema of columns.
func avroSchemaFor(cols []column, o *AvroWriteOptions) (string, error) {
	names := map[string]int{}
	fields := make([]any, len(cols))
	for i, c := range cols {
		t, err := avroTypeJSON(c.t, o.RecordName+"_"+c.name, names)
		if err != nil {
			return "", fmt.Errorf("column %s: %w", c.name, err)
		}
		fields[i] = map[string]any{"name": c.name, "type": []any{t, "null"}}
	}
	rec := map[string]any{"type": "record", "name": o.RecordName, "fields": fields}
	if o.RecordNamespace != "" {
		rec["namespace"] = o.RecordNamespace
	}
	b, err := json.Marshal(rec)
	return string(b), err
}

func avroTypeJSON(t *dtype, name string, names map[string]int) (any, error) {
	nullable := func(x any) any { return []any{x, "null"} }
	switch t.id {
	case "BOOLEAN":
		return "boolean", nil
	case "TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT":
		return "int", nil
	case "BIGINT", "UINTEGER":
		return "long", nil
	case "FLOAT":
		return "float", nil
	case "DOUBLE":
		return "double", nil
	case "VARCHAR", "JSON":
		return "string", nil
	case "UUID":
		return map[string]any{"type": "string", "logicalType": "uuid"}, nil
	case "BLOB":
		return "bytes", nil
	case "DATE":
		return map[string]any{"type": "int", "logicalType": "date"}, nil
	case "TIME":
		return map[string]any{"type": "long", "logicalType": "time-micros"}, nil
	case "TIMESTAMPTZ":
		return map[string]any{"type": "long", "logicalType": "timestamp-micros"}, nil
	case "TIMESTAMP":
		return map[string]any{"type": "long", "logicalType": "local-timestamp-micros"}, nil
	case "DECIMAL":
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": t.prec, "scale": t.scale}, nil
	case "LIST":
		e, err := avroTypeJSON(t.elem, name, names)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": nullable(e)}, nil
	case "MAP":
		if t.key.id != "VARCHAR" {
			return nil, fmt.Errorf("Avro map keys are strings, not %s", t.key.SQL())
		}
		v, err := avroTypeJSON(t.val, name, names)
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "map", "values": nullable(v)}, nil
	case "STRUCT":
		// Record names must be unique within a schema.
		n := sanitizeAvroName(name)
		names[n]++
		if names[n] > 1 {
			n = fmt.Sprintf("%s_%d", n, names[n])
		}
		fields := make([]any, len(t.fields))
		for i, f := range t.fields {
			ft, err := avroTypeJSON(f.t, n+"_"+f.name, names)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			fields[i] = map[string]any{"name": f.name, "type": nullable(ft)}
		}
		return map[string]any{"type": "record", "name": n, "fields": fields}, nil
	}
	return nil, fmt.Errorf("type %s cannot be written to Avro", t.SQL())
}

func sanitizeAvroName(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}

// avroValue turns a value scanned from DuckDB into what the Avro encoder
// takes for type t.
func avroValue(v any, t *dtype) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.id {
	case "TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT":
		switch x := v.(type) {
		case int8:
			return int32(x), nil
		case int16:
			return int32(x), nil
		case int32:
			return x, nil
		case uint8:
			return int32(x), nil
		case uint16:
			return int32(x), nil
		}
	case "BIGINT", "UINTEGER":
		switch x := v.(type) {
		case int64:
			return x, nil
		case uint32:
			return int64(x), nil
		}
	case "DECIMAL":
		if d, ok := v.(duckdb.Decimal); ok {
			scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
			return new(big.Rat).SetFrac(d.Value, scale), nil
		}
	case "UUID":
		switch x := v.(type) {
		case []byte:
			if len(x) == 16 {
				var u duckdb.UUID
				copy(u[:], x)
				return u.String(), nil
			}
		case string:
			return x, nil
		}
	case "TIME":
		if tm, ok := v.(time.Time); ok {
			return time.Duration(tm.Hour())*time.Hour + time.Duration(tm.Minute())*time.Minute +
				time.Duration(tm.Second())*time.Second + time.Duration(tm.Nanosecond()), nil
		}
	case "LIST":
		in, ok := v.([]any)
		if !ok {
			break
		}
		out := make([]any, len(in))
		for i, x := range in {
			c, err := avroValue(x, t.elem)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case "STRUCT":
		in, ok := v.(map[string]any)
		if !ok {
			break
		}
		out := make(map[string]any, len(t.fields))
		for _, f := range t.fields {
			c, err := avroValue(in[f.name], f.t)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			out[f.name] = c
		}
		return out, nil
	case "MAP":
		out := map[string]any{}
		put := func(k, x any) error {
			c, err := avroValue(x, t.val)
			if err != nil {
				return err
			}
			out[fmt.Sprint(k)] = c
			return nil
		}
		switch m := v.(type) {
		case duckdb.OrderedMap:
			for i, k := range m.Keys() {
				if err := put(k, m.Values()[i]); err != nil {
					return nil, err
				}
			}
			return out, nil
		case duckdb.Map:
			for k, x := range m {
				if err := put(k, x); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %T value cannot be written as Avro %s", v, t.SQL())
}

func avroCodec(codec string) (ocf.Codec, error) {
	switch codec {
	case "", "snappy":
		return ocf.SnappyCodec(), nil
	case "deflate":
		return ocf.DeflateCodec(-1), nil
	case "zstandard":
		return ocf.ZstdCodec(nil, nil)
	case "null":
		return nil, nil
	}
	return nil, fmt.Errorf("unknown avro codec %q", codec)
}

// writeAvroFile writes the rows of a query to one Avro file.
func writeAvroFile(ctx context.Context, db Execer, query, path string, o *AvroWriteOptions, codec string) (int64, error) {
	cols, err := describe(ctx, db, query)
	if err != nil {
		return 0, err
	}
	w, err := newAvroFile(path, cols, o, codec)
	if err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		w.abort()
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			w.abort()
			return 0, err
		}
		if err := w.write(vals); err != nil {
			w.abort()
			return 0, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		w.abort()
		return 0, err
	}
	return n, w.close()
}

// avroFile is one Avro file being written.
type avroFile struct {
	f    *os.File
	w    *ocf.Writer
	cols []column
	rec  map[string]any
}

func newAvroFile(path string, cols []column, o *AvroWriteOptions, codec string) (*avroFile, error) {
	var schemaText string
	var err error
	if o.AvroSchema != "" {
		schemaText = o.AvroSchema
	} else if schemaText, err = avroSchemaFor(cols, o); err != nil {
		return nil, err
	}
	s, err := avro.Parse(schemaText)
	if err != nil {
		return nil, fmt.Errorf("avro schema: %w", err)
	}
	if o.AvroSchema != "" {
		// The given schema's fields must be columns.
		have := map[string]bool{}
		for _, c := range cols {
			have[c.name] = true
		}
		for _, f := range s.Root().Fields {
			if !have[f.Name] && !f.HasDefault {
				return nil, fmt.Errorf("option avroSchema: field %s is not a column of the output", f.Name)
			}
		}
	}
	c, err := avroCodec(codec)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	var opts []ocf.WriterOpt
	if c != nil {
		opts = append(opts, ocf.WithCodec(c))
	}
	w, err := ocf.NewWriter(f, s, opts...)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &avroFile{f: f, w: w, cols: cols, rec: make(map[string]any, len(cols))}, nil
}

func (a *avroFile) write(vals []any) error {
	for i, c := range a.cols {
		v, err := avroValue(vals[i], c.t)
		if err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
		a.rec[c.name] = v
	}
	return a.w.Encode(a.rec)
}

func (a *avroFile) close() error {
	if err := a.w.Close(); err != nil {
		a.f.Close()
		return err
	}
	return a.f.Close()
}

func (a *avroFile) abort() {
	a.w.Close()
	a.f.Close()
}

// writeAvroPartitioned writes Hive-style partition folders below dir, one
// file per partition (name-N.avro), as Spark's partitionBy does: the
// partition columns are in the folder names, not in the files.
func writeAvroPartitioned(ctx context.Context, db Execer, source, dir, name string, o *AvroWriteOptions, codec string, partBy []string) (int64, error) {
	parts := make([]string, len(partBy))
	order := make([]string, len(partBy))
	for i, p := range partBy {
		parts[i] = "CAST(" + quoteIdent(p) + " AS VARCHAR) AS __flare_p" + fmt.Sprint(i)
		order[i] = "__flare_p" + fmt.Sprint(i) + " NULLS FIRST"
	}
	excl := make([]string, len(partBy))
	for i, p := range partBy {
		excl[i] = quoteIdent(p)
	}
	query := "SELECT * EXCLUDE (" + strings.Join(excl, ", ") + "), " + strings.Join(parts, ", ") +
		" FROM " + source + " ORDER BY " + strings.Join(order, ", ")
	all, err := describe(ctx, db, query)
	if err != nil {
		return 0, err
	}
	cols := all[:len(all)-len(partBy)]
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(all))
	ptrs := make([]any, len(all))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var cur *avroFile
	var curKey string
	files := 0
	var n int64
	fail := func(err error) (int64, error) {
		if cur != nil {
			cur.abort()
		}
		return 0, err
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fail(err)
		}
		segs := make([]string, len(partBy))
		for i, p := range partBy {
			v, _ := vals[len(cols)+i].(string)
			if vals[len(cols)+i] == nil {
				v = "__HIVE_DEFAULT_PARTITION__"
			} else {
				v = hiveEscape(v)
			}
			segs[i] = hiveEscape(p) + "=" + v
		}
		key := filepath.Join(segs...)
		if cur == nil || key != curKey {
			if cur != nil {
				if err := cur.close(); err != nil {
					return fail(err)
				}
			}
			cur, err = newAvroFile(filepath.Join(dir, key, fmt.Sprintf("%s-%d.avro", name, files)), cols, o, codec)
			if err != nil {
				return fail(err)
			}
			curKey = key
			files++
		}
		if err := cur.write(vals[:len(cols)]); err != nil {
			return fail(fmt.Errorf("row %d: %w", n+1, err))
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if cur != nil {
		if err := cur.close(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// hiveEscape escapes a partition value for a folder name as Hive and Spark
// do (%XX for characters that cannot stand in a path segment).
func hiveEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune("\"#%'*/:=?\\{[]^", r) {
			fmt.Fprintf(&b, "%%%02X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
