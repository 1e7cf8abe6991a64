package orc

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The ORC metadata messages (orc_proto.proto), decoded field by field with
// protowire: only the fields a reader needs.

type postScript struct {
	footerLength    uint64
	compression     uint64
	blockSize       uint64
	metadataLength  uint64
	writerVersion   uint64
	magic           string
	version         []uint64
	stripeStatsSize uint64
}

type stripeInfo struct {
	offset, indexLength, dataLength, footerLength, numberOfRows uint64
}

type protoType struct {
	kind       uint64
	subtypes   []uint64
	fieldNames []string
	maxLength  uint64
	precision  uint64
	scale      uint64
}

type footer struct {
	headerLength   uint64
	contentLength  uint64
	stripes        []stripeInfo
	types          []protoType
	numberOfRows   uint64
	rowIndexStride uint64
	encrypted      bool
}

type stream struct {
	kind, column, length uint64
}

type columnEncoding struct {
	kind, dictionarySize uint64
}

type stripeFooter struct {
	streams        []stream
	columns        []columnEncoding
	writerTimezone string
	encrypted      bool
}

// fields walks the fields of a message, calling fn with the field number,
// wire type and the field's bytes (for bytes fields) or varint value.
func fields(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad protobuf tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		var data []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			data, n = protowire.ConsumeBytes(b)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b)
			v = uint64(x)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("bad protobuf field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := fn(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// uints appends the values of a repeated uint field, packed or not.
func uints(dst []uint64, typ protowire.Type, v uint64, data []byte) ([]uint64, error) {
	if typ == protowire.VarintType {
		return append(dst, v), nil
	}
	for len(data) > 0 {
		x, n := protowire.ConsumeVarint(data)
		if n < 0 {
			return nil, fmt.Errorf("bad packed varint")
		}
		dst = append(dst, x)
		data = data[n:]
	}
	return dst, nil
}

func parsePostScript(b []byte) (*postScript, error) {
	ps := &postScript{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		var err error
		switch num {
		case 1:
			ps.footerLength = v
		case 2:
			ps.compression = v
		case 3:
			ps.blockSize = v
		case 4:
			ps.version, err = uints(ps.version, typ, v, data)
		case 5:
			ps.metadataLength = v
		case 6:
			ps.writerVersion = v
		case 7:
			ps.stripeStatsSize = v
		case 8000:
			ps.magic = string(data)
		}
		return err
	})
	return ps, err
}

func parseFooter(b []byte) (*footer, error) {
	f := &footer{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		switch num {
		case 1:
			f.headerLength = v
		case 2:
			f.contentLength = v
		case 3:
			var s stripeInfo
			err := fields(data, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch num {
				case 1:
					s.offset = v
				case 2:
					s.indexLength = v
				case 3:
					s.dataLength = v
				case 4:
					s.footerLength = v
				case 5:
					s.numberOfRows = v
				case 6, 7:
					f.encrypted = true
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("stripe information: %w", err)
			}
			f.stripes = append(f.stripes, s)
		case 4:
			var t protoType
			err := fields(data, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
				var err error
				switch num {
				case 1:
					t.kind = v
				case 2:
					t.subtypes, err = uints(t.subtypes, typ, v, data)
				case 3:
					t.fieldNames = append(t.fieldNames, string(data))
				case 4:
					t.maxLength = v
				case 5:
					t.precision = v
				case 6:
					t.scale = v
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("type: %w", err)
			}
			f.types = append(f.types, t)
		case 6:
			f.numberOfRows = v
		case 8:
			f.rowIndexStride = v
		case 10:
			f.encrypted = true
		}
		return nil
	})
	return f, err
}

func parseStripeFooter(b []byte) (*stripeFooter, error) {
	sf := &stripeFooter{}
	err := fields(b, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		switch num {
		case 1:
			var s stream
			err := fields(data, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch num {
				case 1:
					s.kind = v
				case 2:
					s.column = v
				case 3:
					s.length = v
				}
				return nil
			})
			if err != nil {
				return err
			}
			sf.streams = append(sf.streams, s)
		case 2:
			var c columnEncoding
			err := fields(data, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch num {
				case 1:
					c.kind = v
				case 2:
					c.dictionarySize = v
				}
				return nil
			})
			if err != nil {
				return err
			}
			sf.columns = append(sf.columns, c)
		case 3:
			sf.writerTimezone = string(data)
		case 4:
			sf.encrypted = true
		}
		return nil
	})
	return sf, err
}
