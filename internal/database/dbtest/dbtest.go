// Package dbtest gives tests outside package database the PostgreSQL and
// MySQL/MariaDB servers that .ci/run starts: found through
// FLARE_TEST_POSTGRES_URI and FLARE_TEST_MYSQL_DSN, skipped with a message
// naming the variable when it is unset, and a failure under CI=true. A
// test gets a schema (a database on MySQL) of its own and a flare.yaml depot
// entry for the server.
//
// It is for tests only; it never touches the lakehouse.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// The environment variables that name the test servers.
const (
	PostgresEnv = "FLARE_TEST_POSTGRES_URI"
	MySQLEnv    = "FLARE_TEST_MYSQL_DSN"
)

// Need returns the environment variable name; without it the test is
// skipped, except under CI=true, where a missing service is a failure.
func Need(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; .ci/run starts the server and sets it", name)
		}
		t.Skipf("%s is not set (docs/connectors.md, Tests)", name)
	}
	return v
}

// Available reports whether the variable is set (for tests that list what
// they will skip).
func Available(name string) bool { return os.Getenv(name) != "" }

// Server is one test server and a schema of the test's own on it.
type Server struct {
	// Type is the flare.yaml depot type: postgresql, mysql or mariadb.
	Type string
	// Version is the server's version string (MySQL: VERSION()).
	Version  string
	Host     string
	Port     int
	Database string
	User     string
	Password string
	Params   map[string]string
	// Schema is the test's own schema (PostgreSQL) or database (MySQL),
	// dropped when the test ends; the collection of its addresses.
	Schema string
	db     *sql.DB
}

// Postgres connects to the server of FLARE_TEST_POSTGRES_URI and creates
// the schema (dropping one left by an earlier run).
func Postgres(t testing.TB, schema string) *Server {
	t.Helper()
	uri := Need(t, PostgresEnv)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	s := &Server{Type: "postgresql", Host: u.Hostname(), Port: 5432, Database: strings.TrimPrefix(u.Path, "/"),
		User: u.User.Username(), Params: map[string]string{}, Schema: schema}
	if p := u.Port(); p != "" {
		s.Port, _ = strconv.Atoi(p)
	}
	s.Password, _ = u.User.Password()
	for k, v := range u.Query() {
		s.Params[k] = v[0]
	}
	s.open(t, "pgx", uri)
	s.Exec(t, "DROP SCHEMA IF EXISTS "+pgIdent(schema)+" CASCADE", "CREATE SCHEMA "+pgIdent(schema))
	t.Cleanup(func() {
		s.db.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+pgIdent(schema)+" CASCADE")
		s.db.Close()
	})
	return s
}

// MySQL connects to the server of FLARE_TEST_MYSQL_DSN and creates the
// database schema (dropping one left by an earlier run). Its Type is
// mysql whichever server it is (the depot types behave alike; set Type to
// mariadb before Depot to declare that one).
func MySQL(t testing.TB, schema string) *Server {
	t.Helper()
	dsn := Need(t, MySQLEnv)
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	s := &Server{Type: "mysql", Database: c.DBName, User: c.User, Password: c.Passwd, Params: map[string]string{}, Schema: schema}
	host, port, ok := strings.Cut(c.Addr, ":")
	s.Host, s.Port = host, 3306
	if ok {
		s.Port, _ = strconv.Atoi(port)
	}
	s.open(t, "mysql", dsn)
	if err := s.db.QueryRow("SELECT VERSION()").Scan(&s.Version); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "DROP DATABASE IF EXISTS "+myIdent(schema), "CREATE DATABASE "+myIdent(schema))
	t.Cleanup(func() {
		s.db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+myIdent(schema))
		s.db.Close()
	})
	return s
}

func (s *Server) open(t testing.TB, driver, dsn string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("connect to the test server: %v", err)
	}
	s.db = db
}

// Depot returns a flare.yaml depot entry (one line, flow style) named name
// for the server. A password is put in the environment variable
// FLARE_TEST_<NAME>_PASSWORD for the test's duration and named by
// password_env, as a project would.
func (s *Server) Depot(t *testing.T, name string) string {
	t.Helper()
	e := fmt.Sprintf("  %s: {type: %s, host: %q, port: %d, database: %q", name, s.Type, s.Host, s.Port, s.Database)
	if s.User != "" {
		e += fmt.Sprintf(", user: %q", s.User)
	}
	if s.Password != "" {
		env := "FLARE_TEST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_PASSWORD"
		t.Setenv(env, s.Password)
		e += ", password_env: " + env
	}
	if len(s.Params) > 0 {
		var ps []string
		for k, v := range s.Params {
			ps = append(ps, fmt.Sprintf("%s: %q", k, v))
		}
		e += ", params: {" + strings.Join(ps, ", ") + "}"
	}
	return e + "}\n"
}

// Addr is the server's host:port as messages show it.
func (s *Server) Addr() string { return s.Host + ":" + strconv.Itoa(s.Port) }

// Exec runs statements; {schema} in them is the test's schema, quoted.
func (s *Server) Exec(t testing.TB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		q = s.expand(q)
		if _, err := s.db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Rows returns a query's rows, each as its columns' text joined by " | "
// (NULL for null; times in UTC, RFC 3339).
func (s *Server) Rows(t testing.TB, q string) []string {
	t.Helper()
	q = s.expand(q)
	rs, err := s.db.QueryContext(context.Background(), q)
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
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case []byte:
				parts[i] = string(x)
			case time.Time:
				parts[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func (s *Server) expand(q string) string {
	if s.Type == "postgresql" {
		return strings.ReplaceAll(q, "{schema}", pgIdent(s.Schema))
	}
	return strings.ReplaceAll(q, "{schema}", myIdent(s.Schema))
}

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func myIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
