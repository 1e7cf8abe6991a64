package sparksql

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math"
	"math/big"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// The Go functions below do what SQL cannot express at a sane cost: Spark's
// own hash functions (Murmur3 and xxHash64 over Spark's binary layout of
// each type, seed 42), CRC-32 and SHA-2 with 224/384/512 bits.

// udf is a scalar function registered through duckdb-go.
type udf struct {
	in       []duckdb.Type
	variadic bool // the last input type repeats
	out      duckdb.Type
	nulls    bool // the function sees NULL inputs (else NULL in, NULL out)
	fn       func(args []driver.Value) (any, error)
}

func (u *udf) Config() duckdb.ScalarFuncConfig {
	var c duckdb.ScalarFuncConfig
	for i, t := range u.in {
		info, err := duckdb.NewTypeInfo(t)
		if err != nil {
			panic(err)
		}
		if u.variadic && i == len(u.in)-1 {
			c.VariadicTypeInfo = info
			continue
		}
		c.InputTypeInfos = append(c.InputTypeInfos, info)
	}
	if c.InputTypeInfos == nil {
		c.InputTypeInfos = []duckdb.TypeInfo{}
	}
	out, err := duckdb.NewTypeInfo(u.out)
	if err != nil {
		panic(err)
	}
	c.ResultTypeInfo = out
	c.SpecialNullHandling = u.nulls
	return c
}

func (u *udf) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: u.fn}
}

var udfs = map[string][]*udf{
	"spark_hash_go": {{in: []duckdb.Type{duckdb.TYPE_ANY}, variadic: true, out: duckdb.TYPE_INTEGER, nulls: true,
		fn: func(args []driver.Value) (any, error) {
			h := uint32(42)
			for _, a := range args {
				var err error
				if h, err = murmurValue(a, h); err != nil {
					return nil, err
				}
			}
			return int32(h), nil
		}}},
	"spark_xxhash64_go": {{in: []duckdb.Type{duckdb.TYPE_ANY}, variadic: true, out: duckdb.TYPE_BIGINT, nulls: true,
		fn: func(args []driver.Value) (any, error) {
			h := uint64(42)
			for _, a := range args {
				var err error
				if h, err = xxValue(a, h); err != nil {
					return nil, err
				}
			}
			return int64(h), nil
		}}},
	"spark_crc32_go": {{in: []duckdb.Type{duckdb.TYPE_BLOB}, out: duckdb.TYPE_BIGINT,
		fn: func(args []driver.Value) (any, error) {
			return int64(crc32.ChecksumIEEE(args[0].([]byte))), nil
		}}},
	"spark_sha2_go": {{in: []duckdb.Type{duckdb.TYPE_BLOB, duckdb.TYPE_INTEGER}, out: duckdb.TYPE_VARCHAR,
		fn: func(args []driver.Value) (any, error) {
			b := args[0].([]byte)
			switch args[1].(int32) {
			case 224:
				s := sha256.Sum224(b)
				return hex.EncodeToString(s[:]), nil
			case 384:
				s := sha512.Sum384(b)
				return hex.EncodeToString(s[:]), nil
			case 512:
				s := sha512.Sum512(b)
				return hex.EncodeToString(s[:]), nil
			}
			return nil, nil
		}}},
	"spark_type_name": {{in: []duckdb.Type{duckdb.TYPE_VARCHAR}, out: duckdb.TYPE_VARCHAR,
		fn: func(args []driver.Value) (any, error) { return sparkTypeName(args[0].(string)), nil }}},
}

// registerUDF registers the Go function name on the connection's database;
// one that is there already (from another Library) is kept.
func registerUDF(conn *sql.Conn, name string) error {
	set := udfs[name]
	fs := make([]duckdb.ScalarFunc, len(set))
	for i, f := range set {
		fs[i] = f
	}
	err := duckdb.RegisterScalarUDFSet(conn, name, fs...)
	if err == nil {
		return nil
	}
	var n int
	if qerr := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", name).Scan(&n); qerr == nil && n > 0 {
		return nil
	}
	return fmt.Errorf("register %s: %w", name, err)
}

func init() {
	addMacros(
		// Spark hashes dates as days and timestamps as microseconds.
		macro{"spark_hash_arg", `(x DATE) AS CAST(x - DATE '1970-01-01' AS INTEGER), (x TIMESTAMP) AS epoch_us(x),
			(x TIMESTAMPTZ) AS epoch_us(x), (x) AS x`},
		macro{"crc32", `(x VARCHAR) AS spark_crc32_go(encode(x)), (x BLOB) AS spark_crc32_go(x), (x) AS spark_crc32_go(encode(CAST(x AS VARCHAR)))`},
	)
	spark("typeof", `(x) AS spark_type_name(typeof(x))`)
	register(map[string]rule{
		"hash":     hashRule("spark_hash_go"),
		"xxhash64": hashRule("spark_xxhash64_go"),
	})
}

func hashRule(fn string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if len(c.args) == 0 {
			return "", fmt.Errorf("want at least one argument")
		}
		parts := make([]string, len(c.args))
		for i, a := range c.args {
			parts[i] = "spark_hash_arg(" + a.text + ")"
		}
		return fn + "(" + strings.Join(parts, ",") + ")", nil
	}
}

// Murmur3_x86_32 as Spark implements it (org.apache.spark.unsafe.hash).
const (
	murC1 = 0xcc9e2d51
	murC2 = 0x1b873593
)

func rotl32(x uint32, r uint) uint32 { return x<<r | x>>(32-r) }

func mixK1(k uint32) uint32 { return rotl32(k*murC1, 15) * murC2 }

func mixH1(h, k uint32) uint32 { return rotl32(h^k, 13)*5 + 0xe6546b64 }

func fmix32(h uint32, n uint32) uint32 {
	h ^= n
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func murmurInt(v uint32, seed uint32) uint32 { return fmix32(mixH1(seed, mixK1(v)), 4) }

func murmurLong(v uint64, seed uint32) uint32 {
	h := mixH1(seed, mixK1(uint32(v)))
	h = mixH1(h, mixK1(uint32(v>>32)))
	return fmix32(h, 8)
}

func murmurBytes(b []byte, seed uint32) uint32 {
	h := seed
	n := len(b) - len(b)%4
	for i := 0; i < n; i += 4 {
		h = mixH1(h, mixK1(uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24))
	}
	for i := n; i < len(b); i++ {
		h = mixH1(h, mixK1(uint32(int32(int8(b[i])))))
	}
	return fmix32(h, uint32(len(b)))
}

// murmurValue folds one value into the hash as Spark's Murmur3Hash does:
// NULL leaves it unchanged, arrays fold their elements.
func murmurValue(v any, h uint32) (uint32, error) {
	switch x := v.(type) {
	case nil:
		return h, nil
	case bool:
		if x {
			return murmurInt(1, h), nil
		}
		return murmurInt(0, h), nil
	case int8:
		return murmurInt(uint32(int32(x)), h), nil
	case int16:
		return murmurInt(uint32(int32(x)), h), nil
	case int32:
		return murmurInt(uint32(x), h), nil
	case int64:
		return murmurLong(uint64(x), h), nil
	case uint8:
		return murmurInt(uint32(x), h), nil
	case uint16:
		return murmurInt(uint32(x), h), nil
	case uint32:
		return murmurLong(uint64(x), h), nil
	case float32:
		if x == 0 {
			x = 0
		}
		return murmurInt(math.Float32bits(x), h), nil
	case float64:
		if x == 0 {
			x = 0
		}
		return murmurLong(math.Float64bits(x), h), nil
	case string:
		return murmurBytes([]byte(x), h), nil
	case []byte:
		return murmurBytes(x, h), nil
	case duckdb.Decimal:
		if x.Width <= 18 {
			return murmurLong(uint64(x.Value.Int64()), h), nil
		}
		return murmurBytes(javaBigIntBytes(x.Value), h), nil
	case []any:
		for _, e := range x {
			var err error
			if h, err = murmurValue(e, h); err != nil {
				return 0, err
			}
		}
		return h, nil
	case duckdb.OrderedMap:
		vals := x.Values()
		for i, k := range x.Keys() {
			var err error
			if h, err = murmurValue(k, h); err != nil {
				return 0, err
			}
			if h, err = murmurValue(vals[i], h); err != nil {
				return 0, err
			}
		}
		return h, nil
	}
	return 0, fmt.Errorf("hash: values of Go type %T are not supported", v)
}

// javaBigIntBytes returns the two's-complement big-endian bytes of x, as
// java.math.BigInteger.toByteArray does.
func javaBigIntBytes(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -x = ^(x-1)
	m := new(big.Int).Neg(x)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// XXH64 as Spark implements it (org.apache.spark.sql.catalyst.expressions.XXH64).
const (
	xxP1 uint64 = 0x9E3779B185EBCA87
	xxP2 uint64 = 0xC2B2AE3D27D4EB4F
	xxP3 uint64 = 0x165667B19E3779F9
	xxP4 uint64 = 0x85EBCA77C2B2AE63
	xxP5 uint64 = 0x27D4EB2F165667C5
)

func rotl64(x uint64, r uint) uint64 { return x<<r | x>>(64-r) }

func xxFmix(h uint64) uint64 {
	h ^= h >> 33
	h *= xxP2
	h ^= h >> 29
	h *= xxP3
	h ^= h >> 32
	return h
}

func xxInt(v uint32, seed uint64) uint64 {
	h := seed + xxP5 + 4
	h ^= uint64(v) * xxP1
	h = rotl64(h, 23)*xxP2 + xxP3
	return xxFmix(h)
}

func xxLong(v uint64, seed uint64) uint64 {
	h := seed + xxP5 + 8
	h ^= rotl64(v*xxP2, 31) * xxP1
	h = rotl64(h, 27)*xxP1 + xxP4
	return xxFmix(h)
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func xxBytes(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	i := 0
	if n >= 32 {
		v1, v2, v3, v4 := seed+xxP1+xxP2, seed+xxP2, seed, seed-xxP1
		for ; i <= n-32; i += 32 {
			v1 = rotl64(v1+le64(b[i:])*xxP2, 31) * xxP1
			v2 = rotl64(v2+le64(b[i+8:])*xxP2, 31) * xxP1
			v3 = rotl64(v3+le64(b[i+16:])*xxP2, 31) * xxP1
			v4 = rotl64(v4+le64(b[i+24:])*xxP2, 31) * xxP1
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18)
		for _, v := range []uint64{v1, v2, v3, v4} {
			v = rotl64(v*xxP2, 31) * xxP1
			h ^= v
			h = h*xxP1 + xxP4
		}
	} else {
		h = seed + xxP5
	}
	h += uint64(n)
	for ; i <= n-8; i += 8 {
		h ^= rotl64(le64(b[i:])*xxP2, 31) * xxP1
		h = rotl64(h, 27)*xxP1 + xxP4
	}
	if i+4 <= n {
		h ^= uint64(uint32(b[i])|uint32(b[i+1])<<8|uint32(b[i+2])<<16|uint32(b[i+3])<<24) * xxP1
		h = rotl64(h, 23)*xxP2 + xxP3
		i += 4
	}
	for ; i < n; i++ {
		h ^= uint64(b[i]) * xxP5
		h = rotl64(h, 11) * xxP1
	}
	return xxFmix(h)
}

func xxValue(v any, h uint64) (uint64, error) {
	switch x := v.(type) {
	case nil:
		return h, nil
	case bool:
		if x {
			return xxInt(1, h), nil
		}
		return xxInt(0, h), nil
	case int8:
		return xxInt(uint32(int32(x)), h), nil
	case int16:
		return xxInt(uint32(int32(x)), h), nil
	case int32:
		return xxInt(uint32(x), h), nil
	case int64:
		return xxLong(uint64(x), h), nil
	case uint8:
		return xxInt(uint32(x), h), nil
	case uint16:
		return xxInt(uint32(x), h), nil
	case uint32:
		return xxLong(uint64(x), h), nil
	case float32:
		if x == 0 {
			x = 0
		}
		return xxInt(math.Float32bits(x), h), nil
	case float64:
		if x == 0 {
			x = 0
		}
		return xxLong(math.Float64bits(x), h), nil
	case string:
		return xxBytes([]byte(x), h), nil
	case []byte:
		return xxBytes(x, h), nil
	case duckdb.Decimal:
		if x.Width <= 18 {
			return xxLong(uint64(x.Value.Int64()), h), nil
		}
		return xxBytes(javaBigIntBytes(x.Value), h), nil
	case []any:
		for _, e := range x {
			var err error
			if h, err = xxValue(e, h); err != nil {
				return 0, err
			}
		}
		return h, nil
	case duckdb.OrderedMap:
		vals := x.Values()
		for i, k := range x.Keys() {
			var err error
			if h, err = xxValue(k, h); err != nil {
				return 0, err
			}
			if h, err = xxValue(vals[i], h); err != nil {
				return 0, err
			}
		}
		return h, nil
	}
	return 0, fmt.Errorf("xxhash64: values of Go type %T are not supported", v)
}

// sparkTypeName turns a DuckDB type name into Spark's (typeof):
// INTEGER[] -> array<int>, STRUCT(a INTEGER) -> struct<a:int>.
func sparkTypeName(t string) string {
	t = strings.TrimSpace(t)
	switch {
	case strings.HasSuffix(t, "[]"):
		return "array<" + sparkTypeName(t[:len(t)-2]) + ">"
	case strings.HasPrefix(t, "STRUCT(") && strings.HasSuffix(t, ")"):
		var fields []string
		for _, f := range splitTypeList(t[7 : len(t)-1]) {
			name, typ := splitField(f)
			fields = append(fields, name+":"+sparkTypeName(typ))
		}
		return "struct<" + strings.Join(fields, ",") + ">"
	case strings.HasPrefix(t, "MAP(") && strings.HasSuffix(t, ")"):
		kv := splitTypeList(t[4 : len(t)-1])
		if len(kv) == 2 {
			return "map<" + sparkTypeName(kv[0]) + "," + sparkTypeName(kv[1]) + ">"
		}
	case strings.HasPrefix(t, "DECIMAL"):
		return strings.ToLower(t)
	}
	switch t {
	case "INTEGER":
		return "int"
	case "BIGINT", "HUGEINT":
		return "bigint"
	case "SMALLINT":
		return "smallint"
	case "TINYINT":
		return "tinyint"
	case "VARCHAR", "JSON":
		return "string"
	case "DOUBLE":
		return "double"
	case "FLOAT":
		return "float"
	case "BOOLEAN":
		return "boolean"
	case "DATE":
		return "date"
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE":
		return "timestamp"
	case "BLOB":
		return "binary"
	case "INTERVAL":
		return "interval"
	case "TIME":
		return "time(6)"
	case `"NULL"`, "NULL":
		return "void"
	}
	return strings.ToLower(t)
}

// splitTypeList splits "a INTEGER, b STRUCT(c INT, d INT)" at top-level commas.
func splitTypeList(s string) []string {
	var out []string
	depth, start := 0, 0
	inQ := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQ = !inQ
		case '(':
			if !inQ {
				depth++
			}
		case ')':
			if !inQ {
				depth--
			}
		case ',':
			if depth == 0 && !inQ {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// splitField splits `"a b" INTEGER` or `a INTEGER` into name and type.
func splitField(f string) (string, string) {
	if strings.HasPrefix(f, `"`) {
		for i := 1; i < len(f); i++ {
			if f[i] == '"' {
				if i+1 < len(f) && f[i+1] == '"' {
					i++
					continue
				}
				return strings.ReplaceAll(f[1:i], `""`, `"`), strings.TrimSpace(f[i+1:])
			}
		}
	}
	name, typ, _ := strings.Cut(f, " ")
	return name, typ
}
