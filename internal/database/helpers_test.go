package database

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// needEnv returns a service's environment variable; without it the test
// is skipped, except under CI=true where a missing service is a failure.
func needEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; .ci/run starts the server and sets it", name)
		}
		t.Skipf("%s is not set (see docs/connectors.md, Tests)", name)
	}
	return v
}

// pgTest is a PostgreSQL test context: a Config for the server of
// FLARE_TEST_POSTGRES_URI and a schema of the test's own, dropped after.
type pgTest struct {
	cfg    Config
	schema string
	conn   *pgx.Conn
}

func newPGTest(t *testing.T) *pgTest {
	t.Helper()
	uri := needEnv(t, "FLARE_TEST_POSTGRES_URI")
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	port := 5432
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	c := Config{Depot: "pg", Kind: PostgreSQL, Host: u.Hostname(), Port: port, Database: strings.TrimPrefix(u.Path, "/"),
		User: u.User.Username(), Params: map[string]string{}}
	c.Password, _ = u.User.Password()
	for k, v := range u.Query() {
		c.Params[k] = v[0]
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	schema := "flare_t_" + randomSuffix()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	return &pgTest{cfg: c, schema: schema, conn: conn}
}

func (p *pgTest) exec(t *testing.T, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		q = strings.ReplaceAll(q, "{schema}", p.schema)
		if _, err := p.conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func (p *pgTest) table(name string) TableName { return TableName{Schema: p.schema, Name: name} }

// rows returns a query's rows rendered as text, one string per row with
// columns joined by " | " (NULL as "NULL").
func (p *pgTest) rows(t *testing.T, q string) []string {
	t.Helper()
	q = strings.ReplaceAll(q, "{schema}", p.schema)
	rs, err := p.conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = textOf(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// duckTest opens an in-memory DuckDB and one connection to it.
func duckTest(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); db.Close() })
	return conn
}

func duckRows(t *testing.T, conn *sql.Conn, q string) []string {
	t.Helper()
	rs, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = textOf(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return string(x)
	case driver.Valuer: // pgtype.Numeric and friends render as text
		if dv, err := x.Value(); err == nil {
			return textOf(dv)
		}
	}
	return fmt.Sprint(v)
}

// typeCase is one line of testdata/postgres_types.txt or mysql_types.txt.
type typeCase struct {
	line                                         int
	srcType, srcValue, duckType, duckValue, back string
}

func readTypeCases(t *testing.T, path string) []typeCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []typeCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 5 {
			t.Fatalf("%s:%d: want 5 fields separated by \" | \", got %d", path, n, len(f))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		out = append(out, typeCase{line: n, srcType: f[0], srcValue: f[1], duckType: f[2], duckValue: f[3], back: f[4]})
	}
	return out
}

func mustDuck(t *testing.T, conn *sql.Conn, qs ...string) {
	t.Helper()
	for _, q := range qs {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// freePort returns a local TCP port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// myTest is a MySQL/MariaDB test context: a Config for the server of
// FLARE_TEST_MYSQL_DSN and a database of the test's own, dropped after.
type myTest struct {
	cfg     Config
	schema  string
	db      *sql.DB
	mariadb bool
}

func newMyTest(t *testing.T) *myTest {
	t.Helper()
	dsn := needEnv(t, "FLARE_TEST_MYSQL_DSN")
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("FLARE_TEST_MYSQL_DSN: %v", err)
	}
	host, portS, err := net.SplitHostPort(mc.Addr)
	if err != nil {
		t.Fatalf("FLARE_TEST_MYSQL_DSN address %q: %v", mc.Addr, err)
	}
	port, _ := strconv.Atoi(portS)
	schema := "flare_t_" + randomSuffix()
	c := Config{Depot: "my", Kind: MariaDB, Host: host, Port: port, Database: mc.DBName, User: mc.User, Password: mc.Passwd, Params: map[string]string{}}
	db, err := myOpen(c)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	var version string
	if err := db.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
		t.Fatalf("connect to FLARE_TEST_MYSQL_DSN: %v", err)
	}
	m := &myTest{cfg: c, schema: schema, db: db, mariadb: strings.Contains(strings.ToLower(version), "mariadb")}
	if !m.mariadb {
		m.cfg.Kind = MySQL
	}
	if _, err := db.Exec("CREATE DATABASE " + schema + " CHARACTER SET utf8mb4"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE " + schema)
		db.Close()
	})
	return m
}

func (m *myTest) exec(t *testing.T, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		q = strings.ReplaceAll(q, "{schema}", m.schema)
		if _, err := m.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func (m *myTest) table(name string) TableName { return TableName{Schema: m.schema, Name: name} }

func (m *myTest) rows(t *testing.T, q string) []string {
	t.Helper()
	q = strings.ReplaceAll(q, "{schema}", m.schema)
	rs, err := m.db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = textOf(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}
