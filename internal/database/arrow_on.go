//go:build duckdb_arrow

package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/uuid"
)

// ArrowEnabled reports whether the package was built with the duckdb_arrow
// tag (PostgreSQL writes read DuckDB results as Arrow batches).
const ArrowEnabled = true

// pgArrowTypes are the target types the Arrow path encodes; a write with
// any other column type (timetz, text-staged types) goes row by row.
var pgArrowTypes = map[uint32]bool{
	oidBool: true, oidInt2: true, oidInt4: true, oidInt8: true, oidOID: true, oidFloat4: true, oidFloat8: true,
	oidText: true, oidVarchar: true, oidBPChar: true, oidName: true, oidBytea: true, oidJSON: true, oidJSONB: true,
	oidUUID: true, oidDate: true, oidTimestamp: true, oidTimestampTZ: true, oidTime: true, oidInterval: true, oidNumeric: true,
}

func pgArrowSupported(cols []pgWriteCol) bool {
	for _, c := range cols {
		if c.stageType == "text" || c.stageType == "text[]" {
			return false
		}
		t := c.target
		if t.enum {
			continue
		}
		base := t.base
		if elem, ok := pgArrayElem[base]; ok {
			base = elem
		}
		if !pgArrowTypes[base] {
			return false
		}
	}
	return true
}

func pgCopyOutArrow(ctx context.Context, duck *sql.Conn, q string, cols []pgWriteCol, send func(io.Reader) error) (bool, error) {
	if !pgArrowSupported(cols) {
		return false, nil
	}
	err := duck.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rr, err := ar.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rr.Release()
		enc := &pgArrowEncoder{rr: rr, cols: cols}
		err = send(enc)
		if enc.err != nil {
			return enc.err
		}
		return err
	})
	return true, err
}

type arrowEnc func(buf []byte, i int) ([]byte, error)

// pgArrowEncoder is pgCopyEncoder over Arrow record batches.
type pgArrowEncoder struct {
	rr     array.RecordReader
	cols   []pgWriteCol
	encs   []arrowEnc
	arrs   []arrow.Array
	row    int
	nrows  int
	buf    []byte
	off    int
	header bool
	done   bool
	n      int64
	err    error
}

func (e *pgArrowEncoder) fail(err error) (int, error) {
	e.err = err
	return 0, err
}

func (e *pgArrowEncoder) Read(p []byte) (int, error) {
	if !e.header {
		e.buf = append(e.buf, pgCopySignature...)
		e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0)
		e.header = true
	}
	for len(e.buf)-e.off < len(p) && !e.done {
		if e.row == e.nrows {
			if !e.rr.Next() {
				if err := e.rr.Err(); err != nil {
					return e.fail(fmt.Errorf("read the output from DuckDB: %w", err))
				}
				e.buf = append(e.buf, 0xff, 0xff)
				e.done = true
				break
			}
			rec := e.rr.RecordBatch()
			e.row, e.nrows = 0, int(rec.NumRows())
			e.arrs = rec.Columns()
			e.encs = e.encs[:0]
			for i, a := range e.arrs {
				enc, err := arrowEncoder(a, e.cols[i].target)
				if err != nil {
					return e.fail(fmt.Errorf("column %q: %w", e.cols[i].src.name, err))
				}
				e.encs = append(e.encs, enc)
			}
			continue
		}
		e.n++
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(e.cols)))
		for c, a := range e.arrs {
			if a.IsNull(e.row) {
				e.buf = append(e.buf, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			b, err := e.encs[c](e.buf, e.row)
			if err != nil {
				return e.fail(fmt.Errorf("row %d, column %q: %w", e.n, e.cols[c].src.name, err))
			}
			e.buf = b
		}
		e.row++
	}
	n := copy(p, e.buf[e.off:])
	e.off += n
	if e.off == len(e.buf) {
		e.buf, e.off = e.buf[:0], 0
	}
	if n == 0 && e.done {
		return 0, io.EOF
	}
	return n, nil
}

// arrowEncoder returns the binary encoder of one Arrow column for a target
// column type.
func arrowEncoder(a arrow.Array, t pgTarget) (arrowEnc, error) {
	if t.enum {
		return arrowText(a, nil)
	}
	if elem, ok := pgArrayElem[t.base]; ok {
		return arrowArray(a, elem)
	}
	return arrowScalar(a, t.base)
}

func arrowScalar(a arrow.Array, oid uint32) (arrowEnc, error) {
	bad := func() (arrowEnc, error) {
		return nil, fmt.Errorf("DuckDB delivered %s for a column of type oid %d", a.DataType(), oid)
	}
	switch oid {
	case oidBool:
		x, ok := a.(*array.Boolean)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			if x.Value(i) {
				return append(b, 0, 0, 0, 1, 1), nil
			}
			return append(b, 0, 0, 0, 1, 0), nil
		}, nil
	case oidInt2:
		x, ok := a.(*array.Int16)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint16(append(b, 0, 0, 0, 2), uint16(x.Value(i))), nil
		}, nil
	case oidInt4:
		x, ok := a.(*array.Int32)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), uint32(x.Value(i))), nil
		}, nil
	case oidOID:
		x, ok := a.(*array.Uint32)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), x.Value(i)), nil
		}, nil
	case oidInt8:
		x, ok := a.(*array.Int64)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(x.Value(i))), nil
		}, nil
	case oidFloat4:
		x, ok := a.(*array.Float32)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), math.Float32bits(x.Value(i))), nil
		}, nil
	case oidFloat8:
		x, ok := a.(*array.Float64)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), math.Float64bits(x.Value(i))), nil
		}, nil
	case oidText, oidVarchar, oidBPChar, oidName, oidBytea, oidJSON:
		return arrowText(a, nil)
	case oidJSONB:
		return arrowText(a, []byte{1})
	case oidNumeric:
		get, err := arrowBytes(a)
		if err != nil {
			return nil, err
		}
		return func(b []byte, i int) ([]byte, error) { return appendNumeric(b, string(get(i))) }, nil
	case oidUUID:
		if x, ok := a.(*array.FixedSizeBinary); ok {
			return func(b []byte, i int) ([]byte, error) { return append(append(b, 0, 0, 0, 16), x.Value(i)...), nil }, nil
		}
		get, err := arrowBytes(a)
		if err != nil {
			return nil, err
		}
		return func(b []byte, i int) ([]byte, error) {
			u, err := uuid.ParseBytes(get(i))
			if err != nil {
				return nil, err
			}
			return append(append(b, 0, 0, 0, 16), u[:]...), nil
		}, nil
	case oidDate:
		x, ok := a.(*array.Date32)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), uint32(int32(x.Value(i))-10957)), nil
		}, nil
	case oidTimestamp, oidTimestampTZ:
		x, ok := a.(*array.Timestamp)
		if !ok {
			return bad()
		}
		mul, div := unitToMicros(x.DataType().(*arrow.TimestampType).Unit)
		return func(b []byte, i int) ([]byte, error) {
			us := int64(x.Value(i))*mul/div - pgEpochMicros
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(us)), nil
		}, nil
	case oidTime:
		x, ok := a.(*array.Time64)
		if !ok {
			return bad()
		}
		mul, div := unitToMicros(x.DataType().(*arrow.Time64Type).Unit)
		return func(b []byte, i int) ([]byte, error) {
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(int64(x.Value(i))*mul/div)), nil
		}, nil
	case oidInterval:
		x, ok := a.(*array.MonthDayNanoInterval)
		if !ok {
			return bad()
		}
		return func(b []byte, i int) ([]byte, error) {
			v := x.Value(i)
			b = binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 16), uint64(v.Nanoseconds/1000))
			b = binary.BigEndian.AppendUint32(b, uint32(v.Days))
			return binary.BigEndian.AppendUint32(b, uint32(v.Months)), nil
		}, nil
	}
	return bad()
}

func unitToMicros(u arrow.TimeUnit) (mul, div int64) {
	switch u {
	case arrow.Second:
		return 1_000_000, 1
	case arrow.Millisecond:
		return 1000, 1
	case arrow.Nanosecond:
		return 1, 1000
	}
	return 1, 1
}

// arrowBytes returns an accessor of a string or binary column's bytes.
func arrowBytes(a arrow.Array) (func(int) []byte, error) {
	switch x := a.(type) {
	case *array.String:
		return func(i int) []byte { return unsafeBytes(x.Value(i)) }, nil
	case *array.LargeString:
		return func(i int) []byte { return unsafeBytes(x.Value(i)) }, nil
	case *array.StringView:
		return func(i int) []byte { return unsafeBytes(x.Value(i)) }, nil
	case *array.Binary:
		return x.Value, nil
	case *array.LargeBinary:
		return x.Value, nil
	case *array.BinaryView:
		return x.Value, nil
	}
	return nil, fmt.Errorf("DuckDB delivered %s where text was expected", a.DataType())
}

func arrowText(a arrow.Array, prefix []byte) (arrowEnc, error) {
	get, err := arrowBytes(a)
	if err != nil {
		return nil, err
	}
	return func(b []byte, i int) ([]byte, error) {
		v := get(i)
		b = binary.BigEndian.AppendUint32(b, uint32(len(prefix)+len(v)))
		return append(append(b, prefix...), v...), nil
	}, nil
}

// arrowArray writes a list column as a one-dimensional array.
func arrowArray(a arrow.Array, elemOID uint32) (arrowEnc, error) {
	var values arrow.Array
	var offsets func(int) (int64, int64)
	switch x := a.(type) {
	case *array.List:
		values, offsets = x.ListValues(), x.ValueOffsets
	case *array.LargeList:
		values, offsets = x.ListValues(), x.ValueOffsets
	default:
		return nil, fmt.Errorf("DuckDB delivered %s for an array column", a.DataType())
	}
	elem, err := arrowScalar(values, elemOID)
	if err != nil {
		return nil, err
	}
	return func(b []byte, i int) ([]byte, error) {
		start, end := offsets(i)
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		hasNull := uint32(0)
		for j := start; j < end; j++ {
			if values.IsNull(int(j)) {
				hasNull = 1
			}
		}
		if start == end {
			b = binary.BigEndian.AppendUint32(b, 0)
			b = binary.BigEndian.AppendUint32(b, 0)
			b = binary.BigEndian.AppendUint32(b, elemOID)
		} else {
			b = binary.BigEndian.AppendUint32(b, 1)
			b = binary.BigEndian.AppendUint32(b, hasNull)
			b = binary.BigEndian.AppendUint32(b, elemOID)
			b = binary.BigEndian.AppendUint32(b, uint32(end-start))
			b = binary.BigEndian.AppendUint32(b, 1)
			for j := start; j < end; j++ {
				if values.IsNull(int(j)) {
					b = append(b, 0xff, 0xff, 0xff, 0xff)
					continue
				}
				if b, err = elem(b, int(j)); err != nil {
					return nil, fmt.Errorf("element %d: %w", j-start+1, err)
				}
			}
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
		return b, nil
	}, nil
}

// unsafeBytes views a string's bytes without copying; they are only read.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
