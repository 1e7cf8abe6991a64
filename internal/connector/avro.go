package connector

import (
	"bytes"
	"compress/bzip2"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"reflect"
	"sort"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/twmb/avro"
	"github.com/twmb/avro/ocf"
)

// avroDecoder reads Avro object container files with github.com/twmb/avro.
// The columns come from the first file's schema (or avroSchema); every
// other file is resolved to it by Avro's schema-resolution rules, so files
// written with compatible older or newer schemas read together.
type avroDecoder struct {
	o      *AvroReadOptions
	reader *avro.Schema // the schema rows are decoded to
	cols   []column
	conv   []func(any) (driver.Value, error)
}

func newAvroDecoder(o *AvroReadOptions) (*avroDecoder, error) {
	d := &avroDecoder{o: o}
	if o.AvroSchema != "" {
		s, err := avro.Parse(o.AvroSchema)
		if err != nil {
			return nil, fmt.Errorf("option avroSchema: %w", err)
		}
		d.reader = s
	}
	return d, nil
}

// avroCodecs are offered to the reader beyond its built-in ones.
var avroCodecs = []ocf.Codec{bzip2Codec{}}

type bzip2Codec struct{}

func (bzip2Codec) Name() string { return "bzip2" }
func (bzip2Codec) Compress([]byte) ([]byte, error) {
	return nil, errors.New("bzip2 blocks cannot be written")
}
func (bzip2Codec) Decompress(src []byte) ([]byte, error) {
	return io.ReadAll(bzip2.NewReader(bytes.NewReader(src)))
}
func (bzip2Codec) Close() error { return nil }

func openAvro(path string, opts ...ocf.ReaderOpt) (*ocf.Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range avroCodecs {
		opts = append(opts, ocf.WithCodec(c))
	}
	r, err := ocf.NewReader(f, opts...)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

func (d *avroDecoder) columns(ctx context.Context, files []fileRef) ([]column, error) {
	if d.reader == nil {
		r, f, err := openAvro(files[0].path)
		if err != nil {
			return nil, fmt.Errorf("read %s: not an Avro file: %w", files[0].name, err)
		}
		d.reader = r.Schema()
		r.Close()
		f.Close()
	}
	root := d.reader.Root()
	if root.Type != "record" {
		return nil, fmt.Errorf("read %s: the Avro schema is a %s, not a record", files[0].name, root.Type)
	}
	names := map[string]*avro.SchemaNode{}
	for _, fl := range root.Fields {
		t, conv, err := avroType(&fl.Type, names)
		if err != nil {
			return nil, fmt.Errorf("read %s: field %s: %w", files[0].name, fl.Name, err)
		}
		d.cols = append(d.cols, column{name: fl.Name, typ: t.SQL(), t: t})
		d.conv = append(d.conv, conv)
	}
	return d.cols, nil
}

func (d *avroDecoder) rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error {
	r, file, err := openAvro(f.path, ocf.WithReaderSchema(d.reader))
	if err != nil {
		return fmt.Errorf("read %s: %w", f.name, err)
	}
	defer file.Close()
	defer r.Close()
	row := make([]driver.Value, len(d.cols))
	for n := 1; ; n++ {
		var rec map[string]any
		if err := r.Decode(&rec); err != nil {
			if err == io.EOF {
				return nil
			}
			return &MalformedError{File: f.name, Record: n, Reason: err.Error(), Err: err}
		}
		for i, c := range d.cols {
			v, err := d.conv[i](rec[c.name])
			if err != nil {
				return &MalformedError{File: f.name, Record: n, Reason: "field " + c.name + ": " + err.Error(), Err: err}
			}
			row[i] = v
		}
		if err := emit(row); err != nil {
			return fmt.Errorf("read %s record %d: %w", f.name, n, err)
		}
	}
}

// avroType maps an Avro schema to a DuckDB type and a converter from the
// decoded Go value to what DuckDB's appender takes. names collects named
// types as they are defined, for later references.
func avroType(n *avro.SchemaNode, names map[string]*avro.SchemaNode) (*dtype, func(any) (driver.Value, error), error) {
	ident := func(v any) (driver.Value, error) { return v, nil }
	switch n.Type {
	case "record", "enum", "fixed":
		if n.Name != "" {
			names[n.Name] = n
			if n.Namespace != "" {
				names[n.Namespace+"."+n.Name] = n
			}
		}
	}
	switch n.LogicalType {
	case "date":
		if n.Type == "int" {
			return tDate, ident, nil
		}
	case "timestamp-millis", "timestamp-micros", "timestamp-nanos":
		if n.Type == "long" {
			return tTSTZ, ident, nil
		}
	case "local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		if n.Type == "long" {
			return tTS, ident, nil
		}
	case "time-millis", "time-micros":
		return &dtype{id: "TIME"}, func(v any) (driver.Value, error) {
			switch t := v.(type) {
			case nil:
				return nil, nil
			case time.Duration:
				return time.Unix(0, 0).UTC().Add(t), nil
			case time.Time:
				return t, nil
			}
			return nil, fmt.Errorf("time value %T", v)
		}, nil
	case "decimal":
		if n.Precision > 0 && n.Precision <= 38 {
			t := &dtype{id: "DECIMAL", prec: n.Precision, scale: n.Scale}
			return t, decimalConv(t), nil
		}
	case "uuid":
		return tVarchar, func(v any) (driver.Value, error) {
			if b, ok := v.([16]byte); ok {
				u := duckdb.UUID(b)
				return u.String(), nil
			}
			return v, nil
		}, nil
	}
	switch n.Type {
	case "null":
		return tVarchar, func(any) (driver.Value, error) { return nil, nil }, nil
	case "boolean":
		return tBool, ident, nil
	case "int":
		return tInt, ident, nil
	case "long":
		return tBigint, ident, nil
	case "float":
		return &dtype{id: "FLOAT"}, ident, nil
	case "double":
		return tDouble, ident, nil
	case "string", "enum":
		return tVarchar, ident, nil
	case "bytes", "fixed":
		return tBlob, func(v any) (driver.Value, error) { return bytesOf(v), nil }, nil
	case "array":
		et, ec, err := avroType(n.Items, names)
		if err != nil {
			return nil, nil, err
		}
		return &dtype{id: "LIST", elem: et}, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			in, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("array value %T", v)
			}
			out := make([]any, len(in))
			for i, x := range in {
				c, err := ec(x)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return out, nil
		}, nil
	case "map":
		vt, vc, err := avroType(n.Values, names)
		if err != nil {
			return nil, nil, err
		}
		return &dtype{id: "MAP", key: tVarchar, val: vt}, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Map {
				return nil, fmt.Errorf("map value %T", v)
			}
			// The decoded Go map lost the file's order: keys are sorted so
			// that a read is deterministic.
			ks := make([]string, 0, rv.Len())
			for _, k := range rv.MapKeys() {
				ks = append(ks, k.String())
			}
			sort.Strings(ks)
			var out duckdb.OrderedMap
			for _, k := range ks {
				c, err := vc(rv.MapIndex(reflect.ValueOf(k)).Interface())
				if err != nil {
					return nil, err
				}
				out.Set(k, c)
			}
			return out, nil
		}, nil
	case "record":
		t := &dtype{id: "STRUCT"}
		convs := make([]func(any) (driver.Value, error), len(n.Fields))
		for i := range n.Fields {
			ft, fc, err := avroType(&n.Fields[i].Type, names)
			if err != nil {
				return nil, nil, fmt.Errorf("field %s: %w", n.Fields[i].Name, err)
			}
			t.fields = append(t.fields, field{n.Fields[i].Name, ft})
			convs[i] = fc
		}
		return t, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			in, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("record value %T", v)
			}
			out := make(map[string]any, len(t.fields))
			for i, f := range t.fields {
				c, err := convs[i](in[f.name])
				if err != nil {
					return nil, err
				}
				out[f.name] = c
			}
			return out, nil
		}, nil
	case "union":
		var branches []*avro.SchemaNode
		for i := range n.Branches {
			if n.Branches[i].Type != "null" {
				branches = append(branches, &n.Branches[i])
			}
		}
		switch len(branches) {
		case 0:
			return tVarchar, func(any) (driver.Value, error) { return nil, nil }, nil
		case 1:
			// [null, T]: a nullable T, as Spark reads it.
			return avroType(branches[0], names)
		}
		return nil, nil, fmt.Errorf("a union of several non-null types is not supported yet")
	}
	if ref, ok := names[n.Type]; ok {
		return avroType(ref, names)
	}
	return nil, nil, fmt.Errorf("Avro type %q is not supported", n.Type)
}

func bytesOf(v any) any {
	switch b := v.(type) {
	case nil:
		return nil
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array {
		out := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(out), rv)
		return out
	}
	return v
}

// decimalConv turns a decoded Avro decimal (*big.Rat) into DuckDB's Decimal.
func decimalConv(t *dtype) func(any) (driver.Value, error) {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.scale)), nil)
	return func(v any) (driver.Value, error) {
		var r *big.Rat
		switch x := v.(type) {
		case nil:
			return nil, nil
		case *big.Rat:
			r = x
		case big.Rat:
			r = &x
		case float64:
			r = new(big.Rat).SetFloat64(x)
		default:
			return nil, fmt.Errorf("decimal value %T", v)
		}
		n := new(big.Int).Mul(r.Num(), scale)
		q, m := new(big.Int).QuoRem(n, r.Denom(), new(big.Int))
		if m.Sign() != 0 {
			return nil, fmt.Errorf("decimal %s has more than %d fraction digits", r.FloatString(t.scale+3), t.scale)
		}
		return duckdb.Decimal{Width: uint8(t.prec), Scale: uint8(t.scale), Value: q}, nil
	}
}
