//go:build duckdb_arrow

package database

import (
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// TestArrowEncoderMatchesRows encodes the same DuckDB rows for binary COPY
// through Arrow batches and through the driver's rows: the bytes must be
// identical for every type the Arrow path takes.
func TestArrowEncoderMatchesRows(t *testing.T) {
	ctx := context.Background()
	duck := duckTest(t)
	mustDuck(t, duck, `CREATE TABLE src AS SELECT
		i % 2 = 0 AS b, i::SMALLINT AS i2, (i * 100000)::INTEGER AS i4, i * 10000000000 AS i8, i::UINTEGER AS o,
		i / 3::FLOAT AS f4, i / 7::DOUBLE AS f8, 'text ' || i AS t, ('\x00\xFF' || i)::BLOB AS by,
		'{"a": ' || i || '}' AS j, (i * 1.25)::DECIMAL(12,2) AS n, gen_random_uuid() AS u,
		DATE '1969-12-25' + i::INTEGER AS d, TIMESTAMP '1960-01-01 00:00:00.123456' + i * INTERVAL 1 HOUR AS ts,
		TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 SECOND AS tz, TIME '00:00:00.000001' + i * INTERVAL 1 SECOND AS tm,
		i * INTERVAL '1 month 2 days 3 microseconds' AS iv, [i, NULL, i + 1]::INTEGER[] AS l, [] :: VARCHAR[] AS el,
		CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS maybe
		FROM range(0, 5000) r(i)`)
	src, err := describeRelation(ctx, duck, "src")
	if err != nil {
		t.Fatal(err)
	}
	oids := []uint32{oidBool, oidInt2, oidInt4, oidInt8, oidOID, oidFloat4, oidFloat8, oidText, oidBytea, oidJSONB, oidNumeric, oidUUID,
		oidDate, oidTimestamp, oidTimestampTZ, oidTime, oidInterval, 1007, 1009, oidInt8}
	var targets []pgTarget
	for i, s := range src {
		tg := pgTarget{name: s.name, typ: "x", oid: oids[i], typmod: -1, base: oids[i], baseMod: -1}
		if oids[i] == oidNumeric {
			tg.baseMod = (12 << 16) | 2 + 4
		}
		if _, ok := pgArrayElem[oids[i]]; ok {
			tg.elem = pgArrayElem[oids[i]]
		}
		targets = append(targets, tg)
	}
	plan, err := pgPlanWrite(src, targets)
	if err != nil {
		t.Fatal(err)
	}
	if !pgArrowSupported(plan.cols) {
		t.Fatal("the Arrow path refuses these columns")
	}
	exprs := make([]string, len(plan.cols))
	for i, pc := range plan.cols {
		exprs[i] = pc.duckExpr
	}
	mustDuck(t, duck, "CREATE TABLE fixed AS SELECT "+joinExprs(exprs)+" FROM src")
	var viaRows, viaArrow []byte
	err = queryDuck(ctx, duck, "SELECT * FROM fixed", func(rows driver.Rows) error {
		viaRows, err = io.ReadAll(&pgCopyEncoder{rows: rows, cols: plan.cols, vals: make([]driver.Value, len(plan.cols))})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = duck.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rr, err := ar.QueryContext(ctx, "SELECT * FROM fixed")
		if err != nil {
			return err
		}
		defer rr.Release()
		var _ array.RecordReader = rr
		viaArrow, err = io.ReadAll(&pgArrowEncoder{rr: rr, cols: plan.cols})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(viaRows) < 5000*50 || !bytes.Equal(viaRows, viaArrow) {
		i := 0
		for i < len(viaRows) && i < len(viaArrow) && viaRows[i] == viaArrow[i] {
			i++
		}
		t.Fatalf("encodings differ at byte %d (rows %d bytes, arrow %d bytes)", i, len(viaRows), len(viaArrow))
	}
}

func joinExprs(e []string) string {
	out := ""
	for i, s := range e {
		if i > 0 {
			out += ", "
		}
		out += s + " AS c" + string(rune('a'+i))
	}
	return out
}

// TestArrowReadCoversEveryType checks that, built with duckdb_arrow, every
// type of testdata/postgres_types.txt is read through Arrow batches (so
// TestPostgresTypes tests the Arrow path under the tag).
func TestArrowReadCoversEveryType(t *testing.T) {
	p := newPGTest(t)
	cases := readTypeCases(t, "testdata/postgres_types.txt")
	p.exec(t, "CREATE TYPE {schema}.mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN {schema}.posint AS integer CHECK (VALUE > 0)",
		"CREATE DOMAIN {schema}.money2 AS numeric(12,2)")
	defs := []string{}
	for i, c := range cases {
		defs = append(defs, fmt.Sprintf("c%d %s", i, c.srcType))
	}
	p.exec(t, "CREATE TABLE {schema}.types ("+strings.Join(defs, ", ")+")")
	cols, err := pgDescribe(context.Background(), p.conn, p.cfg, ReadOptions{Table: p.table("types")})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cols {
		if _, ok := pgArrowFor(c); !ok {
			t.Errorf("line %d %s: not read through Arrow", cases[i].line, cases[i].srcType)
		}
	}
}
