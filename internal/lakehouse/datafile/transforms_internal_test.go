package datafile

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"math/big"

	"github.com/apache/iceberg-go"
	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/google/uuid"
)

func duckConn(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	return conn
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}

	return v
}

// TestTransformsMatchIceberg checks the DuckDB expressions of every partition
// transform against iceberg-go's own transform on sample values.
func TestTransformsMatchIceberg(t *testing.T) {
	ctx := context.Background()
	conn := duckConn(t)
	if err := RegisterBucketFunctions(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := RegisterBucketFunctions(ctx, conn); err != nil { // idempotent
		t.Fatalf("second registration: %v", err)
	}
	dec := func(s string, p, sc int) iceberg.Literal {
		l, err := iceberg.StringLiteral(s).To(iceberg.DecimalTypeOf(p, sc))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ts := func(s string) iceberg.Literal {
		return iceberg.NewLiteral(iceberg.Timestamp(mustTime(t, s).UnixMicro()))
	}
	date := func(s string) iceberg.Literal {
		return iceberg.NewLiteral(iceberg.Date(mustTime(t, s+"T00:00:00Z").Unix() / 86400))
	}
	u := uuid.MustParse("f79c3e09-677c-4bbd-a479-3f349cb785e7")
	type sample struct {
		sql string // DuckDB literal
		typ iceberg.Type
		lit iceberg.Literal
	}
	samples := []sample{
		{"34::INTEGER", iceberg.PrimitiveTypes.Int32, iceberg.NewLiteral(int32(34))},
		{"(-7)::INTEGER", iceberg.PrimitiveTypes.Int32, iceberg.NewLiteral(int32(-7))},
		{"34::BIGINT", iceberg.PrimitiveTypes.Int64, iceberg.NewLiteral(int64(34))},
		{"(-1234567890123)::BIGINT", iceberg.PrimitiveTypes.Int64, iceberg.NewLiteral(int64(-1234567890123))},
		{"'iceberg'", iceberg.PrimitiveTypes.String, iceberg.NewLiteral("iceberg")},
		{"'żółw naïve'", iceberg.PrimitiveTypes.String, iceberg.NewLiteral("żółw naïve")},
		{"DATE '2017-11-16'", iceberg.PrimitiveTypes.Date, date("2017-11-16")},
		{"DATE '1969-12-31'", iceberg.PrimitiveTypes.Date, date("1969-12-31")},
		{"TIMESTAMP '2017-11-16 22:31:08'", iceberg.PrimitiveTypes.Timestamp, ts("2017-11-16T22:31:08Z")},
		{"TIMESTAMP '1969-12-31 23:59:59.999999'", iceberg.PrimitiveTypes.Timestamp, ts("1969-12-31T23:59:59.999999Z")},
		{"TIMESTAMPTZ '2017-11-16 23:31:08+01'", iceberg.PrimitiveTypes.TimestampTz, ts("2017-11-16T22:31:08Z")},
		{"14.20::DECIMAL(9,2)", iceberg.DecimalTypeOf(9, 2), dec("14.20", 9, 2)},
		{"(-0.50)::DECIMAL(20,2)", iceberg.DecimalTypeOf(20, 2), dec("-0.50", 20, 2)},
		{"'" + u.String() + "'::UUID", iceberg.PrimitiveTypes.UUID, iceberg.NewLiteral(u)},
		{"'\\x00\\x01\\x02\\x03'::BLOB", iceberg.PrimitiveTypes.Binary, iceberg.NewLiteral([]byte{0, 1, 2, 3})},
	}
	transforms := []iceberg.Transform{
		iceberg.BucketTransform{NumBuckets: 16}, iceberg.BucketTransform{NumBuckets: 4}, iceberg.BucketTransform{NumBuckets: 1000},
		iceberg.TruncateTransform{Width: 3}, iceberg.TruncateTransform{Width: 10},
		iceberg.YearTransform{}, iceberg.MonthTransform{}, iceberg.DayTransform{}, iceberg.HourTransform{},
		iceberg.IdentityTransform{},
	}
	for _, tr := range transforms {
		for _, s := range samples {
			expr, err := HelperExpr("v", s.typ, tr)
			if err != nil {
				continue // transform not offered for this type
			}
			t.Run(fmt.Sprintf("%s/%s", tr, s.sql), func(t *testing.T) {
				want := tr.Apply(iceberg.Optional[iceberg.Literal]{Valid: true, Val: s.lit})
				if !want.Valid {
					t.Fatalf("iceberg-go cannot apply %s to %s", tr, s.typ)
				}
				var got any
				q := "SELECT CAST(" + expr + " AS VARCHAR) FROM (SELECT " + s.sql + " AS v)"
				if err := conn.QueryRowContext(ctx, q).Scan(&got); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				pv, err := partitionValue(Helper{field: iceberg.PartitionField{Name: "p", Transform: tr}, src: s.typ}, got)
				if err != nil {
					t.Fatal(err)
				}
				wantV := want.Val.Any()
				if fmt.Sprint(pv) != fmt.Sprint(wantV) {
					t.Errorf("DuckDB %s = %v (%T), iceberg-go = %v (%T)", expr, pv, pv, wantV, wantV)
				}
			})
		}
	}
}

func TestTwosComplement(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"0", []byte{0}}, {"127", []byte{0x7f}}, {"128", []byte{0, 0x80}}, {"-1", []byte{0xff}},
		{"-128", []byte{0x80}}, {"-129", []byte{0xff, 0x7f}}, {"1420", []byte{0x05, 0x8c}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			v, _ := new(big.Int).SetString(tc.in, 10)
			if got := twosComplement(v); string(got) != string(tc.want) {
				t.Errorf("twosComplement(%s) = %x, want %x", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseDuckType(t *testing.T) {
	tests := []struct{ in, want string }{
		{"INTEGER", "int"},
		{"DECIMAL(10,2)", "decimal(10, 2)"},
		{"TIMESTAMP WITH TIME ZONE", "timestamptz"},
		{"VARCHAR[]", "list<string>"},
		{"INTEGER[3]", "list<int>"},
		{`STRUCT(a INTEGER, "b c" VARCHAR[])`, "struct<1: a: optional int, 2: b c: optional list<string>>"},
		{"MAP(VARCHAR, STRUCT(x DOUBLE))", "map<string, struct<3: x: optional double>>"},
		{"ENUM('a', 'b')", "string"},
		{"UBIGINT", "decimal(38, 0)"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			dt, err := parseDuckType(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			it, err := icebergType(dt, &idGen{})
			if err != nil {
				t.Fatal(err)
			}
			if it.String() != tc.want {
				t.Errorf("got %s, want %s", it, tc.want)
			}
		})
	}
	if _, err := parseDuckType("INTERVAL"); err != nil {
		t.Fatal(err)
	}
	dt, _ := parseDuckType("INTERVAL")
	if _, err := icebergType(dt, &idGen{}); err == nil {
		t.Error("INTERVAL mapped, want ErrUnsupportedType")
	}
}

// TestParseDate reads the day partition values DuckDB writes, also years
// after 9999 (a Spark cast of epoch milliseconds as seconds lands there).
func TestParseDate(t *testing.T) {
	bad := func(err error) error { return err }
	for _, tc := range []struct {
		in   string
		want int32 // days since 1970-01-01; -1: an error
	}{
		{"1970-01-02", 1},
		{"2010-01-01", 14610},
		{"41970-10-28", 14610000},
		{"41970-13-28", -1},
		{"2010-1-1", -1},
		{"x", -1},
	} {
		got, err := parseDate(tc.in, bad)
		if tc.want == -1 {
			if err == nil {
				t.Errorf("%s: %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != iceberg.Date(tc.want) {
			t.Errorf("%s: %v, %v, want %d", tc.in, got, err, tc.want)
		}
	}
}
