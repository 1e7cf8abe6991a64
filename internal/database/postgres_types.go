package database

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
)

// PostgreSQL type OIDs read natively (pg_type.dat).
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestampTZ = 1184
	oidInterval    = 1186
	oidTimeTZ      = 1266
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// pgArrayElem maps the built-in array types to their element types.
var pgArrayElem = map[uint32]uint32{
	1000: oidBool, 1001: oidBytea, 1003: oidName, 1005: oidInt2, 1007: oidInt4, 1009: oidText,
	1014: oidBPChar, 1015: oidVarchar, 1016: oidInt8, 1021: oidFloat4, 1022: oidFloat8, 1028: oidOID,
	1115: oidTimestamp, 1182: oidDate, 1183: oidTime, 1185: oidTimestampTZ, 1187: oidInterval,
	1231: oidNumeric, 1270: oidTimeTZ, 2951: oidUUID, 199: oidJSON, 3807: oidJSONB,
}

// pgEpochMicros is 2000-01-01 (PostgreSQL's epoch) in Unix microseconds.
const pgEpochMicros = 946684800 * 1_000_000

// pgScalar is how one PostgreSQL type is read.
type pgScalar struct {
	duck string          // DuckDB type of the created column (JSON for json)
	info duckdb.TypeInfo // table function column type (VARCHAR for json)
	expr string          // conversion in DuckDB, see duckColumn.expr
	// set writes a non-NULL binary value into a chunk.
	set func(ch *duckdb.DataChunk, col, row int, b []byte) error
	// value decodes a binary value for a list element.
	value func(b []byte) (any, error)
	bound boundKind
	// partitionable: numeric, date or timestamp.
	partitionable bool
}

// pgTypeInfo is what the catalog says about a type that is not built in.
type pgTypeInfo struct {
	typtype  byte   // b base, d domain, e enum, c composite, r range, ...
	basetype uint32 // domains
	typmod   int32  // domains
	elem     uint32 // arrays (typcategory A)
	category byte
}

// pgScalarFor maps a scalar type; ok is false for types read as text.
func pgScalarFor(oid uint32, typmod int32) (pgScalar, bool, error) {
	switch oid {
	case oidBool:
		return pgScalar{duck: "BOOLEAN", info: mustType(duckdb.TYPE_BOOLEAN), set: setBool, value: func(b []byte) (any, error) { return b[0] != 0, nil }}, true, nil
	case oidInt2:
		return pgScalar{duck: "SMALLINT", info: mustType(duckdb.TYPE_SMALLINT), set: setInt16, value: func(b []byte) (any, error) { return int16(binary.BigEndian.Uint16(b)), nil }, partitionable: true}, true, nil
	case oidInt4:
		return pgScalar{duck: "INTEGER", info: mustType(duckdb.TYPE_INTEGER), set: setInt32, value: func(b []byte) (any, error) { return int32(binary.BigEndian.Uint32(b)), nil }, partitionable: true}, true, nil
	case oidInt8:
		return pgScalar{duck: "BIGINT", info: mustType(duckdb.TYPE_BIGINT), set: setInt64, value: func(b []byte) (any, error) { return int64(binary.BigEndian.Uint64(b)), nil }, partitionable: true}, true, nil
	case oidOID:
		return pgScalar{duck: "UINTEGER", info: mustType(duckdb.TYPE_UINTEGER), set: setUint32, value: func(b []byte) (any, error) { return binary.BigEndian.Uint32(b), nil }, partitionable: true}, true, nil
	case oidFloat4:
		return pgScalar{duck: "FLOAT", info: mustType(duckdb.TYPE_FLOAT), set: setFloat32, value: func(b []byte) (any, error) { return math.Float32frombits(binary.BigEndian.Uint32(b)), nil }, partitionable: true}, true, nil
	case oidFloat8:
		return pgScalar{duck: "DOUBLE", info: mustType(duckdb.TYPE_DOUBLE), set: setFloat64, value: func(b []byte) (any, error) { return math.Float64frombits(binary.BigEndian.Uint64(b)), nil }, partitionable: true}, true, nil
	case oidText, oidVarchar, oidBPChar, oidName:
		return pgScalar{duck: "VARCHAR", info: mustType(duckdb.TYPE_VARCHAR), set: setBytes, value: func(b []byte) (any, error) { return string(b), nil }}, true, nil
	case oidBytea:
		return pgScalar{duck: "BLOB", info: mustType(duckdb.TYPE_BLOB), set: setBytes, value: func(b []byte) (any, error) { return append([]byte(nil), b...), nil }}, true, nil
	case oidJSON:
		return pgScalar{duck: "JSON", info: mustType(duckdb.TYPE_VARCHAR), expr: exprJSON, set: setBytes, value: func(b []byte) (any, error) { return string(b), nil }}, true, nil
	case oidJSONB:
		return pgScalar{duck: "JSON", info: mustType(duckdb.TYPE_VARCHAR), expr: exprJSON, set: setJSONB, value: func(b []byte) (any, error) {
			if len(b) == 0 || b[0] != 1 {
				return nil, fmt.Errorf("jsonb binary version %v is not 1", b[:min(1, len(b))])
			}
			return string(b[1:]), nil
		}}, true, nil
	case oidUUID:
		return pgScalar{duck: "UUID", info: mustType(duckdb.TYPE_UUID), set: setUUID, value: func(b []byte) (any, error) { return append([]byte(nil), b...), nil }}, true, nil
	case oidDate:
		return pgScalar{duck: "DATE", info: mustType(duckdb.TYPE_INTEGER), expr: exprDate, set: setDate, value: dateValue, bound: boundDate, partitionable: true}, true, nil
	case oidTimestamp:
		return pgScalar{duck: "TIMESTAMP", info: mustType(duckdb.TYPE_BIGINT), expr: exprTimestamp, set: setTimestamp, value: timestampValue, bound: boundTimestamp, partitionable: true}, true, nil
	case oidTimestampTZ:
		return pgScalar{duck: "TIMESTAMP WITH TIME ZONE", info: mustType(duckdb.TYPE_BIGINT), expr: exprTimestampTZ, set: setTimestamp, value: timestampValue, bound: boundTimestamp, partitionable: true}, true, nil
	case oidTime:
		return pgScalar{duck: "TIME", info: mustType(duckdb.TYPE_TIME), set: setTime, value: timeValue}, true, nil
	case oidTimeTZ:
		return pgScalar{duck: "TIME WITH TIME ZONE", info: mustType(duckdb.TYPE_TIME_TZ), set: setTimeTZ, value: timeTZValue}, true, nil
	case oidInterval:
		return pgScalar{duck: "INTERVAL", info: mustType(duckdb.TYPE_INTERVAL), set: setInterval, value: intervalValue}, true, nil
	case oidNumeric:
		p, s := 38, 18 // unconstrained numeric: Spark's DecimalType(38, 18)
		if typmod >= 4 {
			p, s = numericTypmod(typmod)
			if s < 0 { // numeric(p, -s): integers rounded to 10^s
				p, s = p-s, 0
			}
			p = max(p, s)
		}
		if p > 38 {
			return pgScalar{}, false, fmt.Errorf("%w: numeric(%d) has more than the 38 digits DuckDB's DECIMAL holds; cast it in a query (e.g. ::numeric(38,%d) or ::text)", ErrUnsupportedType, p, s)
		}
		info, err := duckdb.NewDecimalInfo(uint8(p), uint8(s))
		if err != nil {
			return pgScalar{}, false, err
		}
		sc := pgScalar{duck: fmt.Sprintf("DECIMAL(%d,%d)", p, s), info: info, partitionable: true}
		if p <= 18 {
			sc.set = func(ch *duckdb.DataChunk, col, row int, b []byte) error {
				v, err := numericToInt64(b, p, s)
				if err != nil {
					return err
				}
				return duckdb.SetChunkValue(*ch, col, row, v)
			}
			sc.value = func(b []byte) (any, error) { return numericToInt64(b, p, s) }
		} else {
			sc.set = func(ch *duckdb.DataChunk, col, row int, b []byte) error {
				v, err := numericToBig(b, p, s)
				if err != nil {
					return err
				}
				return duckdb.SetChunkValue(*ch, col, row, v)
			}
			sc.value = func(b []byte) (any, error) { return numericToBig(b, p, s) }
		}
		return sc, true, nil
	}
	return pgScalar{}, false, nil
}

func setBool(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, b[0] != 0)
}
func setInt16(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, int16(binary.BigEndian.Uint16(b)))
}
func setInt32(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, int32(binary.BigEndian.Uint32(b)))
}
func setUint32(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, binary.BigEndian.Uint32(b))
}
func setInt64(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, int64(binary.BigEndian.Uint64(b)))
}
func setFloat32(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, math.Float32frombits(binary.BigEndian.Uint32(b)))
}
func setFloat64(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, math.Float64frombits(binary.BigEndian.Uint64(b)))
}
func setBytes(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, b)
}
func setJSONB(ch *duckdb.DataChunk, col, row int, b []byte) error {
	if len(b) == 0 || b[0] != 1 {
		return fmt.Errorf("jsonb binary version %v is not 1", b[:min(1, len(b))])
	}
	return duckdb.SetChunkValue(*ch, col, row, b[1:])
}
func setUUID(ch *duckdb.DataChunk, col, row int, b []byte) error {
	return duckdb.SetChunkValue(*ch, col, row, b)
}

func pgDate(b []byte) (time.Time, error) {
	d := int32(binary.BigEndian.Uint32(b))
	if d == math.MaxInt32 || d == math.MinInt32 {
		return time.Time{}, fmt.Errorf("date %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(d < 0))
	}
	return time.Unix((int64(d)+10957)*86400, 0).UTC(), nil
}

func dateValue(b []byte) (any, error) { return pgDate(b) }

// setDate delivers days since 1970 (exprDate makes them a DATE).
func setDate(ch *duckdb.DataChunk, col, row int, b []byte) error {
	d := int32(binary.BigEndian.Uint32(b))
	if d == math.MaxInt32 || d == math.MinInt32 {
		return fmt.Errorf("date %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(d < 0))
	}
	return duckdb.SetChunkValue(*ch, col, row, d+10957)
}

func timestampValue(b []byte) (any, error) {
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return nil, fmt.Errorf("timestamp %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(us < 0))
	}
	return time.UnixMicro(us + pgEpochMicros).UTC(), nil
}

// setTimestamp delivers microseconds since 1970 (exprTimestamp and
// exprTimestampTZ make them a TIMESTAMP or a UTC TIMESTAMPTZ).
func setTimestamp(ch *duckdb.DataChunk, col, row int, b []byte) error {
	us := int64(binary.BigEndian.Uint64(b))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return fmt.Errorf("timestamp %sinfinity cannot be carried into DuckDB; filter or cast it in a query", sign(us < 0))
	}
	return duckdb.SetChunkValue(*ch, col, row, us+pgEpochMicros)
}

func timeValue(b []byte) (any, error) {
	us := int64(binary.BigEndian.Uint64(b))
	if us >= 86_400_000_000 {
		return nil, fmt.Errorf("time 24:00:00 cannot be carried into DuckDB exactly")
	}
	return time.UnixMicro(us).UTC(), nil
}

func setTime(ch *duckdb.DataChunk, col, row int, b []byte) error {
	v, err := timeValue(b)
	if err != nil {
		return err
	}
	return duckdb.SetChunkValue(*ch, col, row, v.(time.Time))
}

func timeTZValue(b []byte) (any, error) {
	us := int64(binary.BigEndian.Uint64(b[:8]))
	west := int32(binary.BigEndian.Uint32(b[8:12])) // PostgreSQL stores seconds west of UTC
	if us >= 86_400_000_000 {
		return nil, fmt.Errorf("time 24:00:00 cannot be carried into DuckDB exactly")
	}
	t := time.UnixMicro(us).UTC()
	return time.Date(1970, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone("", -int(west))), nil
}

func setTimeTZ(ch *duckdb.DataChunk, col, row int, b []byte) error {
	v, err := timeTZValue(b)
	if err != nil {
		return err
	}
	return duckdb.SetChunkValue(*ch, col, row, v.(time.Time))
}

func intervalValue(b []byte) (any, error) {
	return duckdb.Interval{
		Micros: int64(binary.BigEndian.Uint64(b[:8])),
		Days:   int32(binary.BigEndian.Uint32(b[8:12])),
		Months: int32(binary.BigEndian.Uint32(b[12:16])),
	}, nil
}

func setInterval(ch *duckdb.DataChunk, col, row int, b []byte) error {
	v, _ := intervalValue(b)
	return duckdb.SetChunkValue(*ch, col, row, v.(duckdb.Interval))
}

func sign(neg bool) string {
	if neg {
		return "-"
	}
	return ""
}

var pow10 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < 20; i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// pgNumeric is the header of a binary numeric: base-10000 digits with the
// weight of the first one.
type pgNumeric struct {
	ndigits, weight int
	neg             bool
	digits          []byte
}

func parseNumeric(b []byte) (pgNumeric, error) {
	if len(b) < 8 {
		return pgNumeric{}, fmt.Errorf("numeric value of %d bytes", len(b))
	}
	n := pgNumeric{
		ndigits: int(int16(binary.BigEndian.Uint16(b[0:2]))),
		weight:  int(int16(binary.BigEndian.Uint16(b[2:4]))),
	}
	switch s := binary.BigEndian.Uint16(b[4:6]); s {
	case 0x0000:
	case 0x4000:
		n.neg = true
	case 0xC000:
		return n, fmt.Errorf("numeric NaN cannot be carried into a DuckDB DECIMAL; filter or cast it in a query")
	case 0xD000, 0xF000:
		return n, fmt.Errorf("numeric infinity cannot be carried into a DuckDB DECIMAL; filter or cast it in a query")
	default:
		return n, fmt.Errorf("numeric sign %#x", s)
	}
	if len(b) != 8+2*n.ndigits {
		return n, fmt.Errorf("numeric value of %d bytes for %d digits", len(b), n.ndigits)
	}
	n.digits = b[8:]
	return n, nil
}

// numericToInt64 returns the value scaled by 10^scale as an integer, for
// DECIMAL(p<=18, scale). A value with more fractional digits than scale
// or more digits than p is refused, never rounded.
func numericToInt64(b []byte, p, scale int) (int64, error) {
	n, err := parseNumeric(b)
	if err != nil {
		return 0, err
	}
	var acc uint64
	for i := 0; i < n.ndigits; i++ {
		d := uint64(binary.BigEndian.Uint16(n.digits[2*i:]))
		if d == 0 {
			continue
		}
		e := 4*(n.weight-i) + scale
		var term uint64
		switch {
		case e < 0:
			if e <= -4 || d%pow10[-e] != 0 {
				return 0, fmt.Errorf("numeric value has more than %d fractional digits", scale)
			}
			term = d / pow10[-e]
		case e > 18:
			return 0, fmt.Errorf("numeric value has more than %d digits", p)
		default:
			hi, lo := bits.Mul64(d, pow10[e])
			if hi != 0 {
				return 0, fmt.Errorf("numeric value has more than %d digits", p)
			}
			term = lo
		}
		var carry uint64
		acc, carry = bits.Add64(acc, term, 0)
		if carry != 0 {
			return 0, fmt.Errorf("numeric value has more than %d digits", p)
		}
	}
	if acc >= pow10[p] {
		return 0, fmt.Errorf("numeric value has more than %d digits (DECIMAL(%d,%d))", p, p, scale)
	}
	if n.neg {
		return -int64(acc), nil
	}
	return int64(acc), nil
}

var bigTenThousand = big.NewInt(10000)

// numericToBig is numericToInt64 for DECIMAL(19..38, scale).
func numericToBig(b []byte, p, scale int) (*big.Int, error) {
	n, err := parseNumeric(b)
	if err != nil {
		return nil, err
	}
	acc := new(big.Int)
	d := new(big.Int)
	for i := 0; i < n.ndigits; i++ {
		acc.Mul(acc, bigTenThousand)
		acc.Add(acc, d.SetUint64(uint64(binary.BigEndian.Uint16(n.digits[2*i:]))))
	}
	if n.ndigits > 0 {
		e := 4*(n.weight-(n.ndigits-1)) + scale
		pe := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(e))), nil)
		if e >= 0 {
			acc.Mul(acc, pe)
		} else {
			var rem big.Int
			acc.QuoRem(acc, pe, &rem)
			if rem.Sign() != 0 {
				return nil, fmt.Errorf("numeric value has more than %d fractional digits (DECIMAL(%d,%d)); cast it in a query", scale, p, scale)
			}
		}
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
	if acc.CmpAbs(limit) >= 0 {
		return nil, fmt.Errorf("numeric value has more than %d digits (DECIMAL(%d,%d)); cast it in a query", p, p, scale)
	}
	if n.neg {
		acc.Neg(acc)
	}
	return acc, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pgLookupTypes reads the catalog entries of types that are not built in.
func pgLookupTypes(ctx context.Context, conn *pgx.Conn, oids []uint32) (map[uint32]pgTypeInfo, error) {
	out := map[uint32]pgTypeInfo{}
	if len(oids) == 0 {
		return out, nil
	}
	rows, err := conn.Query(ctx, `SELECT oid, typtype, typbasetype, typtypmod, typelem, typcategory FROM pg_catalog.pg_type WHERE oid = ANY($1)`, oids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var oid, base, elem uint32
		var typtype, cat string
		var mod int32
		if err := rows.Scan(&oid, &typtype, &base, &mod, &elem, &cat); err != nil {
			return nil, err
		}
		out[oid] = pgTypeInfo{typtype: typtype[0], basetype: base, typmod: mod, elem: elem, category: cat[0]}
	}
	return out, rows.Err()
}

// numericTypmod splits a numeric type modifier: precision in the high 16
// bits, scale in the low 11 bits, sign-extended (PostgreSQL 15 allows
// negative scales and scales above the precision).
func numericTypmod(typmod int32) (precision, scale int) {
	m := typmod - 4
	return int(m>>16) & 0xffff, int((m&0x7ff)^1024) - 1024
}
