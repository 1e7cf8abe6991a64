package database

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// digits is a ten-row table for generating rows on MySQL and MariaDB alike.
const digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"

var intWidth = regexp.MustCompile(`^((tiny|small|medium|big)?int)\((\d+)\)`)

// normMyType drops integer display widths (int(11) on MariaDB, int on
// MySQL 8) except tinyint(1), the boolean.
func normMyType(s string) string {
	if strings.HasPrefix(s, "tinyint(1)") {
		return s
	}
	return intWidth.ReplaceAllString(s, "$1")
}

// TestMySQLTypes is TestPostgresTypes for MySQL/MariaDB with
// testdata/mysql_types.txt.
func TestMySQLTypes(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	var cases []typeCase
	for _, c := range readTypeCases(t, "testdata/mysql_types.txt") {
		if server, typ, ok := strings.Cut(c.srcType, ":"); ok {
			if (server == "mariadb") != m.mariadb {
				continue
			}
			c.srcType = typ
		}
		cases = append(cases, c)
	}
	defs, vals := []string{"id int"}, []string{"1"}
	for i, c := range cases {
		defs = append(defs, fmt.Sprintf("c%d %s", i, c.srcType))
		vals = append(vals, c.srcValue)
	}
	m.exec(t, "CREATE TABLE {schema}.types ("+strings.Join(defs, ", ")+")",
		"INSERT INTO {schema}.types VALUES ("+strings.Join(vals, ", ")+")")

	duck := duckTest(t)
	res, err := Read(ctx, m.cfg, ReadOptions{Table: m.table("types")}, duck, "types")
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
		if got := described[i+1]; got != c.duckType || res.Columns[i+1].DuckType != c.duckType {
			t.Errorf("%s: DuckDB column type %s (Column.DuckType %s), want %s", name, got, res.Columns[i+1].DuckType, c.duckType)
		}
		q := fmt.Sprintf("SELECT %s IS NOT DISTINCT FROM CAST(%s AS %s), CAST(%s AS VARCHAR) FROM types", col, c.duckValue, c.duckType, col)
		if c.duckType == "JSON" {
			q = fmt.Sprintf("SELECT CAST(%s AS VARCHAR) IS NOT DISTINCT FROM %s, CAST(%s AS VARCHAR) FROM types", col, c.duckValue, col)
		}
		if got := duckRows(t, duck, q); len(got) != 1 || !strings.HasPrefix(got[0], "true |") {
			t.Errorf("%s: DuckDB value %v, want %s", name, got, c.duckValue)
		}
	}

	m.exec(t, "CREATE TABLE {schema}.back LIKE {schema}.types")
	if wr, err := Write(ctx, duck, "types", m.cfg, WriteOptions{Table: m.table("back"), SaveMode: Append}); err != nil || wr.Rows != 1 {
		t.Fatalf("write back: %+v %v", wr, err)
	}
	if wr, err := Write(ctx, duck, "types", m.cfg, WriteOptions{Table: m.table("created"), SaveMode: Overwrite}); err != nil || !wr.Created {
		t.Fatalf("write created: %+v %v", wr, err)
	}
	created := m.rows(t, "SELECT LOWER(COLUMN_TYPE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = 'created' ORDER BY ORDINAL_POSITION")
	for i, c := range cases {
		col := fmt.Sprintf("c%d", i)
		name := fmt.Sprintf("line %d %s", c.line, c.srcType)
		got := m.rows(t, fmt.Sprintf("SELECT s.%[1]s <=> b.%[1]s, HEX(s.%[1]s), HEX(b.%[1]s) FROM {schema}.types s, {schema}.back b", col))
		if !strings.HasPrefix(got[0], "1 |") {
			t.Errorf("%s: written back into the same type: hex source | back = %s", name, strings.TrimPrefix(got[0], "0 | "))
		}
		if normMyType(created[i+1]) != c.back {
			t.Errorf("%s: created column type %s, want %s", name, created[i+1], c.back)
			continue
		}
		got = m.rows(t, fmt.Sprintf("SELECT s.%[1]s <=> b.%[1]s, CAST(s.%[1]s AS CHAR), CAST(b.%[1]s AS CHAR) FROM {schema}.types s, {schema}.created b", col))
		if !strings.HasPrefix(got[0], "1 |") {
			t.Errorf("%s: written into a created %s: source | back = %s", name, c.back, strings.TrimPrefix(got[0], "0 | "))
		}
	}
}

func TestMySQLReadOptionsAndPartitions(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	m.exec(t, "CREATE TABLE {schema}.orders (id int NULL, day date, ts timestamp(6) NULL, customer varchar(10) NOT NULL, amount decimal(12,2))",
		`INSERT INTO {schema}.orders
		 SELECT IF(i % 97 = 0, NULL, i), DATE_ADD('2024-01-01', INTERVAL i % 400 DAY),
		        TIMESTAMPADD(MINUTE, i * 37, '2024-01-01 00:00:00'), CONCAT('c', i % 13), i * 1.25
		 FROM (SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS i FROM `+digits+` a, `+digits+` b, `+digits+` c, `+digits+` e) s WHERE i <= 5000`)
	duck := duckTest(t)
	mustDuck(t, duck, "SET threads = 4")
	whole, err := Read(ctx, m.cfg, ReadOptions{Table: m.table("orders")}, duck, "whole")
	if err != nil || whole.Rows != 5000 {
		t.Fatalf("whole: %+v %v", whole, err)
	}
	tests := []struct {
		name string
		o    ReadOptions
		want int
	}{
		{"integer", ReadOptions{PartitionColumn: "id", LowerBound: "100", UpperBound: "4000", NumPartitions: 6}, 6},
		{"date", ReadOptions{PartitionColumn: "day", LowerBound: "2024-01-01", UpperBound: "2025-02-01", NumPartitions: 3}, 3},
		{"timestamp", ReadOptions{PartitionColumn: "ts", LowerBound: "2024-01-01 00:00:00", UpperBound: "2024-05-01 00:00:00", NumPartitions: 4}, 4},
		{"decimal", ReadOptions{PartitionColumn: "amount", LowerBound: "0", UpperBound: "6250", NumPartitions: 5}, 5},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Table = m.table("orders")
			name := fmt.Sprintf("p%d", i)
			res, err := Read(ctx, m.cfg, o, duck, name)
			if err != nil {
				t.Fatal(err)
			}
			if res.Partitions != tt.want || res.Rows != whole.Rows {
				t.Fatalf("%d rows in %d partitions", res.Rows, res.Partitions)
			}
			diff := duckRows(t, duck, fmt.Sprintf(`SELECT count(*) FROM (
				(SELECT * FROM whole EXCEPT ALL SELECT * FROM %[1]s) UNION ALL (SELECT * FROM %[1]s EXCEPT ALL SELECT * FROM whole))`, name))
			if diff[0] != "0" {
				t.Fatalf("%s rows differ from the unpartitioned read", diff[0])
			}
		})
	}
	if _, err := Read(ctx, m.cfg, ReadOptions{Query: "SELECT customer, SUM(amount) AS total FROM " + m.schema + ".orders GROUP BY customer"}, duck, "q"); err != nil {
		t.Fatal(err)
	}
	if got := duckRows(t, duck, "SELECT count(*), typeof(any_value(total)) FROM q"); got[0] != "13 | DECIMAL(34,2)" {
		t.Fatalf("query: %q", got)
	}
	cols, err := Schema(ctx, m.cfg, ReadOptions{Table: m.table("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(cols); got != "[{id int(11) INTEGER true} {day date DATE true} {ts timestamp(6) TIMESTAMP WITH TIME ZONE true} {customer varchar(10) VARCHAR false} {amount decimal(12,2) DECIMAL(12,2) true}]" &&
		got != "[{id int INTEGER true} {day date DATE true} {ts timestamp(6) TIMESTAMP WITH TIME ZONE true} {customer varchar(10) VARCHAR false} {amount decimal(12,2) DECIMAL(12,2) true}]" {
		t.Fatalf("schema %s", got)
	}
}

func TestMySQLReadErrors(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	m.exec(t, "CREATE TABLE {schema}.bad (id int, flag tinyint(1), t time, d decimal(65,0))",
		"INSERT INTO {schema}.bad VALUES (1, 1, '10:00:00', 1), (2, 7, '10:00:00', 1), (3, 0, '-01:00:00', 1)")
	duck := duckTest(t)
	tests := []struct {
		name string
		o    ReadOptions
		want []string
	}{
		{"decimal wider than DuckDB's", ReadOptions{Table: m.table("bad")}, []string{`column "d" (decimal(65,0))`, "38 digits"}},
		{"tinyint(1) read through a query is a TINYINT", ReadOptions{DBTable: "(SELECT id, flag FROM " + m.schema + ".bad) AS b"}, nil},
		{"negative time", ReadOptions{Query: "SELECT t FROM " + m.schema + ".bad ORDER BY id"}, []string{`row 3, column "t"`, "not a time of day"}},
		{"missing table", ReadOptions{Table: m.table("nope")}, []string{"no such table", "depot my"}},
		{"syntax error", ReadOptions{Query: "SELEC 1"}, []string{"depot my", "error 1064"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(ctx, m.cfg, tt.o, duck, fmt.Sprintf("e%d", i))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// Read as a table, tinyint(1) is a boolean and 7 is refused.
	m.exec(t, "CREATE TABLE {schema}.flags (id int, flag tinyint(1))", "INSERT INTO {schema}.flags VALUES (1, 1), (2, 7)")
	_, err := Read(ctx, m.cfg, ReadOptions{Table: m.table("flags")}, duck, "flags")
	if err == nil || !strings.Contains(err.Error(), `row 2, column "flag" (tinyint(1)): value 7 in a tinyint(1) column is not a boolean`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMySQLSaveModes(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	duck := duckTest(t)
	mustDuck(t, duck, "CREATE TABLE src AS SELECT * FROM (VALUES (1, 'one', 1.5), (2, 'two', 2.5), (3, 'three', NULL)) AS v(id, name, score)")
	existing := func(t *testing.T, name, seed string) {
		if seed == "" {
			seed = "(1, 'old one', 9), (9, 'nine', 9)"
		}
		m.exec(t, "CREATE TABLE {schema}."+name+" (id int PRIMARY KEY, name varchar(20), score decimal(5,2), note varchar(10) DEFAULT 'kept', KEY (name))",
			"INSERT INTO {schema}."+name+" (id, name, score) VALUES "+seed)
	}
	tests := []struct {
		name      string
		exists    bool
		seed      string
		opts      WriteOptions
		want      []string
		res       WriteResult
		wantErr   string
		unchanged bool
	}{
		{name: "append to a new table", opts: WriteOptions{SaveMode: Append},
			res: WriteResult{Rows: 3, Created: true}, want: []string{"1 | one | 1.5", "2 | two | 2.5", "3 | three | NULL"}},
		{name: "append", exists: true, seed: "(9, 'nine', 9)", opts: WriteOptions{SaveMode: Append, BatchSize: 2},
			res: WriteResult{Rows: 3}, want: []string{"1 | one | 1.50 | kept", "2 | two | 2.50 | kept", "3 | three | NULL | kept", "9 | nine | 9.00 | kept"}},
		{name: "append a key that exists", exists: true, opts: WriteOptions{SaveMode: Append}, wantErr: "Duplicate entry", unchanged: true},
		{name: "overwrite keeps the table", exists: true, opts: WriteOptions{SaveMode: Overwrite},
			res: WriteResult{Rows: 3}, want: []string{"1 | one | 1.50 | kept", "2 | two | 2.50 | kept", "3 | three | NULL | kept"}},
		{name: "errorifexists on an existing table", exists: true, opts: WriteOptions{SaveMode: ErrorIfExists}, wantErr: "table already exists", unchanged: true},
		{name: "ignore an existing table", exists: true, opts: WriteOptions{SaveMode: Ignore}, res: WriteResult{Skipped: true}, unchanged: true},
		{name: "ignore creates", opts: WriteOptions{SaveMode: Ignore},
			res: WriteResult{Rows: 3, Created: true}, want: []string{"1 | one | 1.5", "2 | two | 2.5", "3 | three | NULL"}},
		{name: "upsert", exists: true, opts: WriteOptions{SaveMode: Upsert, UpsertKeys: []string{"ID"}},
			res: WriteResult{Rows: 3}, want: []string{"1 | one | 1.50 | kept", "2 | two | 2.50 | kept", "3 | three | NULL | kept", "9 | nine | 9.00 | kept"}},
		{name: "upsert creates with a primary key", opts: WriteOptions{SaveMode: Upsert, UpsertKeys: []string{"id", "name"}},
			res: WriteResult{Rows: 3, Created: true}, want: []string{"1 | one | 1.5", "2 | two | 2.5", "3 | three | NULL"}},
		{name: "upsert on columns that are no unique key", exists: true, opts: WriteOptions{SaveMode: Upsert, UpsertKeys: []string{"name"}},
			wantErr: "upsertKeys (name) must be the columns of the primary key or of a unique key of the table; its unique keys: PRIMARY (id)", unchanged: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("t%d", i)
			if tt.exists {
				existing(t, name, tt.seed)
			}
			var snapshot []string
			if tt.exists {
				snapshot = m.rows(t, "SELECT * FROM {schema}."+name+" ORDER BY 1")
			}
			o := tt.opts
			o.Table = m.table(name)
			res, err := Write(ctx, duck, "src", m.cfg, o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "depot my") {
					t.Errorf("error does not name the depot: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res != tt.res {
				t.Fatalf("result %+v, want %+v", res, tt.res)
			}
			got := m.rows(t, "SELECT * FROM {schema}."+name+" ORDER BY 1")
			if tt.unchanged {
				if strings.Join(got, "\n") != strings.Join(snapshot, "\n") {
					t.Fatalf("table changed: %q, was %q", got, snapshot)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("table holds %q, want %q", got, tt.want)
			}
			if tt.opts.SaveMode == Upsert && !tt.exists {
				if got := m.rows(t, "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = '"+name+"' AND INDEX_NAME = 'PRIMARY'"); got[0] != "id,name" {
					t.Errorf("created primary key: %q", got)
				}
			}
		})
	}
}

func TestMySQLFailedWriteLeavesTarget(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	duck := duckTest(t)
	mustDuck(t, duck, "CREATE TABLE src AS SELECT i AS id, 'n' || i AS name, CASE WHEN i = 6000 THEN 50000000 ELSE i END AS score FROM range(1, 10001) t(i)")
	mustDuck(t, duck, "CREATE TABLE dup AS SELECT i % 7000 AS id, 'n' || i AS name, i AS score FROM range(1, 10001) t(i)")
	mustDuck(t, duck, "CREATE TABLE long AS SELECT i AS id, CASE WHEN i = 7777 THEN 'much too long' ELSE 'ok' END AS name, i AS score FROM range(1, 10001) t(i)")
	tests := []struct {
		name, relation string
		opts           WriteOptions
		create         bool
		wantErr        string
	}{
		{"overwrite with an out-of-range value", "src", WriteOptions{SaveMode: Overwrite, BatchSize: 500}, false, "Out of range value"},
		{"append with a duplicate key", "dup", WriteOptions{SaveMode: Append}, false, "Duplicate entry"},
		{"upsert with an out-of-range value", "src", WriteOptions{SaveMode: Upsert, UpsertKeys: []string{"id"}}, false, "Out of range value"},
		{"created table with a value too long", "long", WriteOptions{SaveMode: Overwrite, CreateTableColumnTypes: "name varchar(5)"}, true, "row 7777 of the output: Data too long"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("f%d", i)
			var before []string
			if !tt.create {
				m.exec(t, "CREATE TABLE {schema}."+name+" (id bigint PRIMARY KEY, name text, score mediumint)",
					"INSERT INTO {schema}."+name+" VALUES (1, 'before', 1), (2, 'before', 2), (50, 'before', 50)")
				before = m.rows(t, "SELECT * FROM {schema}."+name+" ORDER BY 1")
			}
			o := tt.opts
			o.Table = m.table(name)
			_, err := Write(ctx, duck, tt.relation, m.cfg, o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			t.Log(err)
			if tt.create {
				if got := m.rows(t, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{schema}' AND TABLE_NAME = '"+name+"'"); got[0] != "0" {
					t.Fatal("the failed write left the table it created")
				}
				return
			}
			if got := m.rows(t, "SELECT * FROM {schema}."+name+" ORDER BY 1"); strings.Join(got, "\n") != strings.Join(before, "\n") {
				t.Fatalf("table changed by a failed write: %d rows, was %d", len(got), len(before))
			}
		})
	}
	// A table without transactions is refused before anything is written.
	m.exec(t, "CREATE TABLE {schema}.myisam (id bigint, name text, score bigint) ENGINE=MyISAM")
	_, err := Write(ctx, duck, "src", m.cfg, WriteOptions{Table: m.table("myisam"), SaveMode: Append})
	if err == nil || !strings.Contains(err.Error(), "engine is MyISAM") {
		t.Fatalf("err = %v", err)
	}
}

func TestMySQLUnreachable(t *testing.T) {
	m := newMyTest(t)
	ctx := context.Background()
	if err := Ping(ctx, m.cfg); err != nil {
		t.Fatalf("ping the test server: %v", err)
	}
	closed := m.cfg
	closed.Host, closed.Port = "127.0.0.1", freePort(t)
	err := Ping(ctx, closed)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), fmt.Sprintf("at 127.0.0.1:%d", closed.Port)) || !strings.Contains(err.Error(), "depot my") {
		t.Fatalf("closed port: %v", err)
	}
	wrong := m.cfg
	wrong.Password = "not-the-password-xyz"
	err = Ping(ctx, wrong)
	if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "not-the-password-xyz") || !strings.Contains(err.Error(), "Access denied") {
		t.Fatalf("wrong password: %v", err)
	}
	duck := duckTest(t)
	mustDuck(t, duck, "CREATE TABLE src AS SELECT 1 AS id")
	if _, err := Write(ctx, duck, "src", closed, WriteOptions{Table: m.table("x"), SaveMode: Append}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("write to a closed port: %v", err)
	}
}
