package datafile

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/twmb/murmur3"
)

// Iceberg's bucket transform: (murmur3_x86_32(serialised value) & MaxInt32) % N,
// where ints, longs, dates (days), times and timestamps (micros) are hashed as
// 8-byte little-endian longs, strings as UTF-8, binary and UUIDs as their
// bytes, and decimals as the minimal big-endian two's-complement bytes of the
// unscaled value.

func bucketOf(hash uint32, n int32) int32 { return (int32(hash) & math.MaxInt32) % n }

func bucketLong(v int64, n int32) int32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	return bucketOf(murmur3.Sum32(b[:]), n)
}

func bucketBytes(v []byte, n int32) int32 { return bucketOf(murmur3.Sum32(v), n) }

// bucketDecimal hashes the unscaled value given as decimal digits ("-1234").
func bucketDecimal(unscaled string, n int32) (int32, error) {
	v, ok := new(big.Int).SetString(unscaled, 10)
	if !ok {
		return 0, fmt.Errorf("iceberg_bucket_decimal: %q is not an integer", unscaled)
	}

	return bucketBytes(twosComplement(v), n), nil
}

// twosComplement returns the minimal big-endian two's-complement bytes of v
// (Java's BigInteger.toByteArray).
func twosComplement(v *big.Int) []byte {
	if v.Sign() >= 0 {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -v - 1 in bytes, inverted
	m := new(big.Int).Neg(v)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	for i := range b {
		b[i] = ^b[i]
	}

	return b
}

type bucketUDF struct {
	in   duckdb.Type
	exec duckdb.RowExecutorFn
}

func (u bucketUDF) Config() duckdb.ScalarFuncConfig {
	in, _ := duckdb.NewTypeInfo(u.in)
	n, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	out, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{in, n}, ResultTypeInfo: out}
}

func (u bucketUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: u.exec}
}

func numBuckets(v driver.Value) (int32, error) {
	n, ok := v.(int32)
	if !ok || n <= 0 {
		return 0, fmt.Errorf("iceberg bucket: number of buckets must be a positive INTEGER, got %v", v)
	}

	return n, nil
}

// bucketUDFs returns the bucket functions by name.
func bucketUDFs() map[string]bucketUDF {
	return map[string]bucketUDF{
		"iceberg_bucket_long": {in: duckdb.TYPE_BIGINT, exec: func(v []driver.Value) (any, error) {
			n, err := numBuckets(v[1])
			if err != nil {
				return nil, err
			}
			return bucketLong(v[0].(int64), n), nil
		}},
		"iceberg_bucket_string": {in: duckdb.TYPE_VARCHAR, exec: func(v []driver.Value) (any, error) {
			n, err := numBuckets(v[1])
			if err != nil {
				return nil, err
			}
			return bucketBytes([]byte(v[0].(string)), n), nil
		}},
		"iceberg_bucket_binary": {in: duckdb.TYPE_BLOB, exec: func(v []driver.Value) (any, error) {
			n, err := numBuckets(v[1])
			if err != nil {
				return nil, err
			}
			return bucketBytes(v[0].([]byte), n), nil
		}},
		"iceberg_bucket_decimal": {in: duckdb.TYPE_VARCHAR, exec: func(v []driver.Value) (any, error) {
			n, err := numBuckets(v[1])
			if err != nil {
				return nil, err
			}
			return bucketDecimal(v[0].(string), n)
		}},
	}
}

// RegisterBucketFunctions registers the iceberg_bucket_long(BIGINT, n),
// iceberg_bucket_string(VARCHAR, n), iceberg_bucket_binary(BLOB, n) and
// iceberg_bucket_decimal(unscaled VARCHAR, n) scalar functions on a DuckDB
// connection, unless they exist already.
func RegisterBucketFunctions(ctx context.Context, conn *sql.Conn) error {
	var have int
	err := conn.QueryRowContext(ctx,
		`SELECT count(*) FROM duckdb_functions() WHERE function_name = 'iceberg_bucket_long'`).Scan(&have)
	if err != nil {
		return fmt.Errorf("register iceberg bucket functions: %w", err)
	}
	if have > 0 {
		return nil
	}
	udfs := bucketUDFs()
	for _, name := range []string{"iceberg_bucket_long", "iceberg_bucket_string", "iceberg_bucket_binary", "iceberg_bucket_decimal"} {
		if err := duckdb.RegisterScalarUDF(conn, name, udfs[name]); err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}

	return nil
}
