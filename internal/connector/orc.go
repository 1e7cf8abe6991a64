package connector

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math/big"
	"os"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/flare-lakehouse/flare/internal/connector/orc"
)

// orcDecoder reads ORC files with the orc package. The columns are the
// first file's; the other files must have the same columns.
type orcDecoder struct {
	o     *ORCReadOptions
	cols  []column
	convs []func(any) (driver.Value, error)
	first string
}

func newORCDecoder(o *ORCReadOptions) (*orcDecoder, error) { return &orcDecoder{o: o}, nil }

func openORC(path string) (*orc.File, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	of, err := orc.Open(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return of, f, nil
}

func (d *orcDecoder) columns(ctx context.Context, files []fileRef) ([]column, error) {
	of, f, err := openORC(files[0].path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", files[0].name, err)
	}
	defer f.Close()
	root := of.Schema()
	if root.Kind != orc.Struct {
		return nil, fmt.Errorf("read %s: the ORC schema is a %s, not a struct of columns", files[0].name, root.Kind)
	}
	for i, t := range root.Children {
		dt, conv, err := orcType(t)
		if err != nil {
			return nil, fmt.Errorf("read %s: column %s: %w", files[0].name, root.Names[i], err)
		}
		d.cols = append(d.cols, column{name: root.Names[i], typ: dt.SQL(), t: dt})
		d.convs = append(d.convs, conv)
	}
	d.first = files[0].name
	return d.cols, nil
}

func (d *orcDecoder) rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error {
	of, file, err := openORC(f.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.name, err)
	}
	defer file.Close()
	root := of.Schema()
	if len(root.Children) != len(d.cols) {
		return fmt.Errorf("read %s: %d columns, %s has %d", f.name, len(root.Children), d.first, len(d.cols))
	}
	for i, t := range root.Children {
		dt, _, err := orcType(t)
		if err != nil || root.Names[i] != d.cols[i].name || !dt.equal(d.cols[i].t) {
			return fmt.Errorf("read %s: column %d is %s %s, in %s %s %s", f.name, i+1, root.Names[i], t.Kind, d.first, d.cols[i].name, d.cols[i].typ)
		}
	}
	out := make([]driver.Value, len(d.cols))
	n := 0
	err = of.Rows(func(row []any) error {
		n++
		for i, v := range row {
			c, err := d.convs[i](v)
			if err != nil {
				return &MalformedError{File: f.name, Record: n, Reason: "column " + d.cols[i].name + ": " + err.Error(), Err: err}
			}
			out[i] = c
		}
		if err := emit(out); err != nil {
			return fmt.Errorf("read %s row %d: %w", f.name, n, err)
		}
		return nil
	})
	if err != nil {
		if _, ok := err.(*MalformedError); ok {
			return err
		}
		return &MalformedError{File: f.name, Record: n + 1, Reason: err.Error(), Err: err}
	}
	return nil
}

// orcType maps an ORC type to DuckDB's, with a converter of the orc
// package's values.
func orcType(t *orc.Type) (*dtype, func(any) (driver.Value, error), error) {
	ident := func(v any) (driver.Value, error) { return v, nil }
	switch t.Kind {
	case orc.Boolean:
		return tBool, ident, nil
	case orc.Byte:
		return &dtype{id: "TINYINT"}, ident, nil
	case orc.Short:
		return &dtype{id: "SMALLINT"}, ident, nil
	case orc.Int:
		return tInt, ident, nil
	case orc.Long:
		return tBigint, ident, nil
	case orc.Float:
		return &dtype{id: "FLOAT"}, ident, nil
	case orc.Double:
		return tDouble, ident, nil
	case orc.String, orc.Varchar, orc.Char:
		return tVarchar, ident, nil
	case orc.Binary:
		return tBlob, ident, nil
	case orc.Date:
		return tDate, ident, nil
	case orc.Timestamp:
		return tTS, ident, nil
	case orc.TimestampInstant:
		return tTSTZ, ident, nil
	case orc.Decimal:
		p, s := t.Precision, t.Scale
		if p == 0 {
			// Hive 0.11 decimals have no precision.
			p, s = 38, 18
		}
		if p > 38 {
			return nil, nil, fmt.Errorf("decimal(%d, %d) is wider than DuckDB's 38 digits", p, s)
		}
		dt := &dtype{id: "DECIMAL", prec: p, scale: s}
		return dt, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			dv := v.(orc.DecimalValue)
			u := new(big.Int).Set(dv.Unscaled)
			switch {
			case dv.Scale < s:
				u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s-dv.Scale)), nil))
			case dv.Scale > s:
				q, m := new(big.Int).QuoRem(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dv.Scale-s)), nil), new(big.Int))
				if m.Sign() != 0 {
					return nil, fmt.Errorf("decimal with scale %d does not fit decimal(%d, %d)", dv.Scale, p, s)
				}
				u = q
			}
			return duckdb.Decimal{Width: uint8(p), Scale: uint8(s), Value: u}, nil
		}, nil
	case orc.List:
		et, ec, err := orcType(t.Children[0])
		if err != nil {
			return nil, nil, err
		}
		return &dtype{id: "LIST", elem: et}, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			in := v.([]any)
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
	case orc.Map:
		kt, kc, err := orcType(t.Children[0])
		if err != nil {
			return nil, nil, err
		}
		vt, vc, err := orcType(t.Children[1])
		if err != nil {
			return nil, nil, err
		}
		return &dtype{id: "MAP", key: kt, val: vt}, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			var out duckdb.OrderedMap
			for _, kv := range v.([]orc.KeyValue) {
				k, err := kc(kv.Key)
				if err != nil {
					return nil, err
				}
				x, err := vc(kv.Value)
				if err != nil {
					return nil, err
				}
				out.Set(k, x)
			}
			return out, nil
		}, nil
	case orc.Struct:
		st := &dtype{id: "STRUCT"}
		convs := map[string]func(any) (driver.Value, error){}
		for i, ct := range t.Children {
			ft, fc, err := orcType(ct)
			if err != nil {
				return nil, nil, fmt.Errorf("field %s: %w", t.Names[i], err)
			}
			st.fields = append(st.fields, field{t.Names[i], ft})
			convs[t.Names[i]] = fc
		}
		return st, func(v any) (driver.Value, error) {
			if v == nil {
				return nil, nil
			}
			in := v.(map[string]any)
			out := make(map[string]any, len(in))
			for k, x := range in {
				c, err := convs[k](x)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return out, nil
		}, nil
	}
	return nil, nil, fmt.Errorf("ORC type %s is not supported", t.Kind)
}
