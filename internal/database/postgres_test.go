package database

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestPostgresTypes reads one column of every mapped type (testdata/
// postgres_types.txt) into DuckDB, checks each DuckDB type and value, then
// writes the DuckDB table back, into a table like the source and into a
// table Write creates, and compares every value as PostgreSQL text.
func TestPostgresTypes(t *testing.T) {
	p := newPGTest(t)
	ctx := context.Background()
	cases := readTypeCases(t, "testdata/postgres_types.txt")
	p.exec(t,
		"CREATE TYPE {schema}.mood AS ENUM ('sad', 'happy')",
		"CREATE DOMAIN {schema}.posint AS integer CHECK (VALUE > 0)",
		"CREATE DOMAIN {schema}.money2 AS numeric(12,2)",
	)
	defs, vals := []string{"id integer"}, []string{"1"}
	for i, c := range cases {
		defs = append(defs, fmt.Sprintf("c%d %s", i, c.srcType))
		vals = append(vals, c.srcValue)
	}
	p.exec(t, "CREATE TABLE {schema}.types ("+strings.Join(defs, ", ")+")",
		"INSERT INTO {schema}.types VALUES ("+strings.Join(vals, ", ")+")")

	duck := duckTest(t)
	res, err := Read(ctx, p.cfg, ReadOptions{Table: p.table("types")}, duck, "types")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 1 || len(res.Columns) != len(cases)+1 {
		t.Fatalf("read %d rows, %d columns", res.Rows, len(res.Columns))
	}
	described := duckRows(t, duck, "SELECT column_type FROM (DESCRIBE types)")
	for i, c := range cases {
		col := fmt.Sprintf("c%d", i)
		name := fmt.Sprintf("line %d %s", c.line, c.srcType)
		if got := res.Columns[i+1].DuckType; got != c.duckType {
			t.Errorf("%s: Column.DuckType %s, want %s", name, got, c.duckType)
		}
		if got := described[i+1]; got != c.duckType {
			t.Errorf("%s: DuckDB column type %s, want %s", name, got, c.duckType)
		}
		if got := res.Columns[i+1].SourceType; c.srcType == "integer" && got != "integer" {
			t.Errorf("%s: SourceType %q", name, got)
		}
		q := fmt.Sprintf("SELECT %s IS NOT DISTINCT FROM CAST(%s AS %s), CAST(%s AS VARCHAR) FROM types", col, c.duckValue, c.duckType, col)
		if c.duckType == "JSON" {
			q = fmt.Sprintf("SELECT CAST(%s AS VARCHAR) IS NOT DISTINCT FROM %s, CAST(%s AS VARCHAR) FROM types", col, c.duckValue, col)
		}
		got := duckRows(t, duck, q)
		if len(got) != 1 || !strings.HasPrefix(got[0], "true |") {
			t.Errorf("%s: DuckDB value %v, want %s", name, got, c.duckValue)
		}
	}

	// Back into a table like the source: every value must come back as it was.
	p.exec(t, "CREATE TABLE {schema}.back (LIKE {schema}.types)")
	wr, err := Write(ctx, duck, "types", p.cfg, WriteOptions{Table: p.table("back"), SaveMode: Append})
	if err != nil {
		t.Fatal(err)
	}
	if wr.Rows != 1 || wr.Created {
		t.Fatalf("write: %+v", wr)
	}
	// Into a table Write creates from the DuckDB types.
	wr, err = Write(ctx, duck, "types", p.cfg, WriteOptions{Table: p.table("created"), SaveMode: Overwrite})
	if err != nil {
		t.Fatal(err)
	}
	if !wr.Created {
		t.Fatalf("write: %+v", wr)
	}
	created := p.rows(t, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = '{schema}.created'::regclass AND attnum > 0 ORDER BY attnum`)
	for i, c := range cases {
		col := fmt.Sprintf("c%d", i)
		name := fmt.Sprintf("line %d %s", c.line, c.srcType)
		same := "s.%[1]s::text IS NOT DISTINCT FROM b.%[1]s::text"
		if c.srcType == "numeric" {
			// Unconstrained numeric is read as DECIMAL(38,18): the value
			// comes back equal, with 18 fractional digits.
			same = "s.%[1]s IS NOT DISTINCT FROM b.%[1]s"
		}
		got := p.rows(t, fmt.Sprintf("SELECT "+same+", s.%[1]s::text, b.%[1]s::text FROM {schema}.types s, {schema}.back b", col))
		if !strings.HasPrefix(got[0], "true |") {
			t.Errorf("%s: written back into the same type: source | back = %s", name, strings.TrimPrefix(got[0], "false | "))
		}
		if created[i+1] != c.back {
			t.Errorf("%s: created column type %s, want %s", name, created[i+1], c.back)
			continue
		}
		if strings.HasPrefix(c.srcType, "char(") {
			continue // char(n)::text drops the padding that the read keeps
		}
		src := "s.%[1]s::%[2]s::text"
		if c.back == "text" || c.back == "text[]" {
			src = "format('%%s', s.%[1]s)" // the output function's text, as the read gives it
		}
		got = p.rows(t, fmt.Sprintf("SELECT "+src+" IS NOT DISTINCT FROM b.%[1]s::text, s.%[1]s::text, b.%[1]s::text FROM {schema}.types s, {schema}.created b", col, c.back))
		if !strings.HasPrefix(got[0], "true |") {
			t.Errorf("%s: written into a created %s: source | back = %s", name, c.back, strings.TrimPrefix(got[0], "false | "))
		}
	}
}
