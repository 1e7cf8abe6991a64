package orc

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/big"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Kind is an ORC column type.
type Kind int

// The ORC type kinds.
const (
	Boolean Kind = iota
	Byte
	Short
	Int
	Long
	Float
	Double
	String
	Binary
	Timestamp
	List
	Map
	Struct
	Union
	Decimal
	Date
	Varchar
	Char
	TimestampInstant
)

var kindNames = []string{"boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "string", "binary",
	"timestamp", "array", "map", "struct", "uniontype", "decimal", "date", "varchar", "char", "timestamp with local time zone"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Type is a column type of a file's schema.
type Type struct {
	Kind Kind
	// Children are the element (List), key and value (Map) or field
	// (Struct) types; Names are the field names of a Struct.
	Children []*Type
	Names    []string
	// Precision and Scale of a Decimal; MaxLength of a Varchar or Char.
	Precision, Scale, MaxLength int
	id                          int
}

// DecimalValue is a decimal: Unscaled * 10^-Scale.
type DecimalValue struct {
	Unscaled *big.Int
	Scale    int
}

// KeyValue is one entry of a Map value.
type KeyValue struct{ Key, Value any }

// File is an ORC file open for reading.
type File struct {
	r      io.ReaderAt
	ps     *postScript
	footer *footer
	schema *Type
	types  []*Type
}

// Compression kinds.
const (
	compNone = iota
	compZlib
	compSnappy
	compLZO
	compLZ4
	compZstd
)

// Open reads the tail of an ORC file: postscript, footer and schema.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 4 {
		return nil, fmt.Errorf("not an ORC file: %d bytes", size)
	}
	head := make([]byte, 3)
	if _, err := r.ReadAt(head, 0); err != nil || string(head) != "ORC" {
		return nil, fmt.Errorf("not an ORC file: no ORC magic at the start")
	}
	tailLen := int64(16 * 1024)
	if tailLen > size {
		tailLen = size
	}
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read the file tail: %w", err)
	}
	psLen := int64(tail[len(tail)-1])
	if psLen+1 > tailLen {
		return nil, fmt.Errorf("not an ORC file: postscript length %d", psLen)
	}
	ps, err := parsePostScript(tail[tailLen-1-psLen : tailLen-1])
	if err != nil {
		return nil, fmt.Errorf("postscript: %w", err)
	}
	if ps.magic != "" && ps.magic != "ORC" {
		return nil, fmt.Errorf("not an ORC file: postscript magic %q", ps.magic)
	}
	f := &File{r: r, ps: ps}
	switch ps.compression {
	case compNone, compZlib, compSnappy, compLZ4, compZstd:
	case compLZO:
		return nil, fmt.Errorf("LZO compression is not supported")
	default:
		return nil, fmt.Errorf("unknown compression kind %d", ps.compression)
	}
	footerStart := size - 1 - psLen - int64(ps.footerLength)
	if footerStart < 3 {
		return nil, fmt.Errorf("bad footer length %d", ps.footerLength)
	}
	raw := make([]byte, ps.footerLength)
	if _, err := r.ReadAt(raw, footerStart); err != nil {
		return nil, fmt.Errorf("read the footer: %w", err)
	}
	fb, err := f.decompress(raw)
	if err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	if f.footer, err = parseFooter(fb); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	if f.footer.encrypted {
		return nil, fmt.Errorf("encrypted ORC files are not supported")
	}
	if len(f.footer.types) == 0 {
		return nil, fmt.Errorf("the file has no schema")
	}
	f.types = make([]*Type, len(f.footer.types))
	for i, pt := range f.footer.types {
		f.types[i] = &Type{Kind: Kind(pt.kind), Names: pt.fieldNames, Precision: int(pt.precision), Scale: int(pt.scale), MaxLength: int(pt.maxLength), id: i}
	}
	for i, pt := range f.footer.types {
		for _, c := range pt.subtypes {
			if int(c) >= len(f.types) || int(c) <= i {
				return nil, fmt.Errorf("type %d: bad subtype %d", i, c)
			}
			f.types[i].Children = append(f.types[i].Children, f.types[c])
		}
	}
	f.schema = f.types[0]
	return f, nil
}

// Schema is the root type (a Struct for files of rows).
func (f *File) Schema() *Type { return f.schema }

// NumRows is the number of rows in the file.
func (f *File) NumRows() uint64 { return f.footer.numberOfRows }

// decompress undoes the chunked compression of a stream.
func (f *File) decompress(b []byte) ([]byte, error) {
	if f.ps.compression == compNone {
		return b, nil
	}
	var out []byte
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, fmt.Errorf("truncated compression chunk header")
		}
		h := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
		n := h >> 1
		b = b[3:]
		if n > len(b) {
			return nil, fmt.Errorf("compression chunk of %d bytes, %d left", n, len(b))
		}
		chunk := b[:n]
		b = b[n:]
		if h&1 == 1 {
			out = append(out, chunk...)
			continue
		}
		var err error
		switch f.ps.compression {
		case compZlib:
			var d []byte
			d, err = io.ReadAll(flate.NewReader(bytes.NewReader(chunk)))
			out = append(out, d...)
		case compSnappy:
			var d []byte
			d, err = snappy.Decode(nil, chunk)
			out = append(out, d...)
		case compZstd:
			out, err = zstdDecoder.DecodeAll(chunk, out)
		case compLZ4:
			max := int(f.ps.blockSize)
			if max <= 0 {
				max = 256 * 1024
			}
			d := make([]byte, max)
			var m int
			m, err = lz4.UncompressBlock(chunk, d)
			out = append(out, d[:m]...)
		}
		if err != nil {
			return nil, fmt.Errorf("decompress: %w", err)
		}
	}
	return out, nil
}

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))

// Rows calls fn for every row of the file with the values of the root
// struct's fields (Go values: bool, int8, int16, int32, int64, float32,
// float64, string, []byte, time.Time, DecimalValue, []any, []KeyValue,
// map[string]any; nil for NULL). The slice is reused between calls.
func (f *File) Rows(fn func(row []any) error) error {
	if f.schema.Kind != Struct {
		return fmt.Errorf("the root type is %s, not a struct", f.schema.Kind)
	}
	row := make([]any, len(f.schema.Children))
	for si, st := range f.footer.stripes {
		rd, err := f.openStripe(st)
		if err != nil {
			return fmt.Errorf("stripe %d: %w", si, err)
		}
		cols := make([]column, len(f.schema.Children))
		for i, t := range f.schema.Children {
			if cols[i], err = rd.column(t); err != nil {
				return fmt.Errorf("stripe %d column %s: %w", si, f.schema.Names[i], err)
			}
		}
		for r := uint64(0); r < st.numberOfRows; r++ {
			for i, c := range cols {
				v, err := c.next()
				if err != nil {
					return fmt.Errorf("stripe %d row %d column %s: %w", si, r, f.schema.Names[i], err)
				}
				row[i] = v
			}
			if err := fn(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// stripe holds one stripe's decompressed streams.
type stripe struct {
	f       *File
	streams map[[2]uint64][]byte // (column, kind) -> data
	enc     []columnEncoding
	tz      *time.Location
}

// Stream kinds.
const (
	skPresent = iota
	skData
	skLength
	skDictionaryData
	skDictionaryCount
	skSecondary
	skRowIndex
)

func (f *File) openStripe(st stripeInfo) (*stripe, error) {
	footStart := int64(st.offset + st.indexLength + st.dataLength)
	raw := make([]byte, st.footerLength)
	if _, err := f.r.ReadAt(raw, footStart); err != nil {
		return nil, fmt.Errorf("read the stripe footer: %w", err)
	}
	fb, err := f.decompress(raw)
	if err != nil {
		return nil, fmt.Errorf("stripe footer: %w", err)
	}
	sf, err := parseStripeFooter(fb)
	if err != nil {
		return nil, fmt.Errorf("stripe footer: %w", err)
	}
	if sf.encrypted {
		return nil, fmt.Errorf("encrypted stripes are not supported")
	}
	s := &stripe{f: f, streams: map[[2]uint64][]byte{}, enc: sf.columns, tz: time.UTC}
	if sf.writerTimezone != "" && sf.writerTimezone != "GMT" && sf.writerTimezone != "UTC" {
		if s.tz, err = time.LoadLocation(sf.writerTimezone); err != nil {
			return nil, fmt.Errorf("writer time zone %q: %w", sf.writerTimezone, err)
		}
	}
	data := make([]byte, st.indexLength+st.dataLength)
	if _, err := f.r.ReadAt(data, int64(st.offset)); err != nil {
		return nil, fmt.Errorf("read the stripe: %w", err)
	}
	var off uint64
	for _, sm := range sf.streams {
		if off+sm.length > uint64(len(data)) {
			return nil, fmt.Errorf("stream of column %d runs past the stripe", sm.column)
		}
		b := data[off : off+sm.length]
		off += sm.length
		switch sm.kind {
		case skPresent, skData, skLength, skDictionaryData, skSecondary:
			d, err := f.decompress(b)
			if err != nil {
				return nil, fmt.Errorf("column %d: %w", sm.column, err)
			}
			s.streams[[2]uint64{sm.column, sm.kind}] = d
		}
	}
	return s, nil
}

func (s *stripe) stream(col, kind uint64) *buf {
	b, ok := s.streams[[2]uint64{col, kind}]
	if !ok {
		return nil
	}
	return &buf{b: b}
}

func (s *stripe) v2(col int) bool {
	if col >= len(s.enc) {
		return false
	}
	return s.enc[col].kind == 2 || s.enc[col].kind == 3
}

func (s *stripe) dictionary(col int) bool {
	return col < len(s.enc) && (s.enc[col].kind == 1 || s.enc[col].kind == 3)
}

// column reads the values of one column, one per next().
type column interface {
	next() (any, error)
}

// present wraps a column with its PRESENT stream: NULL where the bit is 0.
type present struct {
	bits  *boolRLE
	inner column
}

func (p *present) next() (any, error) {
	ok, err := p.bits.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	return p.inner.next()
}

type funcColumn func() (any, error)

func (f funcColumn) next() (any, error) { return f() }

// 2015-01-01 00:00:00 UTC, the base of ORC timestamps, in seconds.
const orcEpoch = 1420070400

func (s *stripe) column(t *Type) (column, error) {
	id := uint64(t.id)
	data := s.stream(id, skData)
	need := func(b *buf, what string) error {
		if b == nil {
			return fmt.Errorf("%s stream missing", what)
		}
		return nil
	}
	var c column
	switch t.Kind {
	case Boolean:
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		r := newBoolRLE(data)
		c = funcColumn(func() (any, error) { return r.next() })
	case Byte:
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		r := &byteRLE{s: data}
		c = funcColumn(func() (any, error) {
			b, err := r.next()
			return int8(b), err
		})
	case Short, Int, Long, Date:
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		r := newIntReader(data, s.v2(t.id), true)
		kind := t.Kind
		c = funcColumn(func() (any, error) {
			v, err := r.next()
			if err != nil {
				return nil, err
			}
			switch kind {
			case Short:
				return int16(v), nil
			case Int:
				return int32(v), nil
			case Date:
				return time.Unix(v*86400, 0).UTC(), nil
			}
			return v, nil
		})
	case Float:
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		c = funcColumn(func() (any, error) {
			b, err := data.take(4)
			if err != nil {
				return nil, err
			}
			return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
		})
	case Double:
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		c = funcColumn(func() (any, error) {
			b, err := data.take(8)
			if err != nil {
				return nil, err
			}
			return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
		})
	case String, Varchar, Char, Binary:
		bin := t.Kind == Binary
		length := s.stream(id, skLength)
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		if err := need(length, "LENGTH"); err != nil {
			return nil, err
		}
		lens := newIntReader(length, s.v2(t.id), false)
		if s.dictionary(t.id) {
			dictData := s.stream(id, skDictionaryData)
			if dictData == nil {
				dictData = &buf{}
			}
			n := int(s.enc[t.id].dictionarySize)
			dict := make([]string, n)
			for i := range dict {
				l, err := lens.next()
				if err != nil {
					return nil, fmt.Errorf("dictionary: %w", err)
				}
				b, err := dictData.take(int(l))
				if err != nil {
					return nil, fmt.Errorf("dictionary: %w", err)
				}
				dict[i] = string(b)
			}
			idx := newIntReader(data, s.v2(t.id), false)
			c = funcColumn(func() (any, error) {
				i, err := idx.next()
				if err != nil {
					return nil, err
				}
				if i < 0 || int(i) >= len(dict) {
					return nil, fmt.Errorf("dictionary index %d of %d", i, len(dict))
				}
				return dict[i], nil
			})
			break
		}
		c = funcColumn(func() (any, error) {
			l, err := lens.next()
			if err != nil {
				return nil, err
			}
			b, err := data.take(int(l))
			if err != nil {
				return nil, err
			}
			if bin {
				return append([]byte(nil), b...), nil
			}
			return string(b), nil
		})
	case Timestamp, TimestampInstant:
		sec := s.stream(id, skSecondary)
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		if err := need(sec, "SECONDARY"); err != nil {
			return nil, err
		}
		secs := newIntReader(data, s.v2(t.id), true)
		nanos := newIntReader(sec, s.v2(t.id), false)
		base := time.Date(2015, 1, 1, 0, 0, 0, 0, s.tz).Unix()
		if t.Kind == TimestampInstant {
			base = orcEpoch
		}
		c = funcColumn(func() (any, error) {
			sv, err := secs.next()
			if err != nil {
				return nil, err
			}
			nv, err := nanos.next()
			if err != nil {
				return nil, err
			}
			ns := nv >> 3
			if z := nv & 7; z != 0 {
				for i := int64(0); i <= z; i++ {
					ns *= 10
				}
			}
			secs := base + sv
			// Writers store negative timestamps with a fraction as the
			// next whole second (C++ and Java readers undo it so).
			if secs < 0 && ns > 999999 {
				secs--
			}
			ts := time.Unix(secs, ns)
			if t.Kind == Timestamp {
				// A wall-clock time: as written in the writer's zone.
				w := ts.In(s.tz)
				return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC), nil
			}
			return ts.UTC(), nil
		})
	case Decimal:
		sec := s.stream(id, skSecondary)
		if err := need(data, "DATA"); err != nil {
			return nil, err
		}
		if err := need(sec, "SECONDARY"); err != nil {
			return nil, err
		}
		scales := newIntReader(sec, s.v2(t.id), true)
		c = funcColumn(func() (any, error) {
			v, err := data.bigVarint()
			if err != nil {
				return nil, err
			}
			sc, err := scales.next()
			if err != nil {
				return nil, err
			}
			return DecimalValue{Unscaled: v, Scale: int(sc)}, nil
		})
	case List, Map:
		length := s.stream(id, skLength)
		if err := need(length, "LENGTH"); err != nil {
			return nil, err
		}
		lens := newIntReader(length, s.v2(t.id), false)
		kids := make([]column, len(t.Children))
		for i, ct := range t.Children {
			k, err := s.column(ct)
			if err != nil {
				return nil, err
			}
			kids[i] = k
		}
		if t.Kind == List && len(kids) != 1 || t.Kind == Map && len(kids) != 2 {
			return nil, fmt.Errorf("%s with %d children", t.Kind, len(kids))
		}
		isMap := t.Kind == Map
		c = funcColumn(func() (any, error) {
			n, err := lens.next()
			if err != nil {
				return nil, err
			}
			if n < 0 {
				return nil, fmt.Errorf("negative length")
			}
			if isMap {
				out := make([]KeyValue, n)
				for i := range out {
					if out[i].Key, err = kids[0].next(); err != nil {
						return nil, err
					}
					if out[i].Value, err = kids[1].next(); err != nil {
						return nil, err
					}
				}
				return out, nil
			}
			out := make([]any, n)
			for i := range out {
				if out[i], err = kids[0].next(); err != nil {
					return nil, err
				}
			}
			return out, nil
		})
	case Struct:
		kids := make([]column, len(t.Children))
		for i, ct := range t.Children {
			k, err := s.column(ct)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", t.Names[i], err)
			}
			kids[i] = k
		}
		c = funcColumn(func() (any, error) {
			out := make(map[string]any, len(kids))
			for i, k := range kids {
				v, err := k.next()
				if err != nil {
					return nil, err
				}
				out[t.Names[i]] = v
			}
			return out, nil
		})
	default:
		return nil, fmt.Errorf("ORC type %s is not supported", t.Kind)
	}
	if p := s.stream(id, skPresent); p != nil {
		return &present{bits: newBoolRLE(p), inner: c}, nil
	}
	return c, nil
}
