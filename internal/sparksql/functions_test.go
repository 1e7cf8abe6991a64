package sparksql_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// openDB opens an in-memory DuckDB with the session time zone fixed to UTC
// (Spark's results below assume spark.sql.session.timeZone=UTC).
func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one connection: the Go functions are registered on it
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := sparksql.Install(ctx, conn); err != nil {
		t.Fatal(err)
	}
	return db
}

// query rewrites spark, runs it and returns the first column of every row as
// text ("NULL" for NULL).
func query(t testing.TB, db *sql.DB, spark string) []string {
	t.Helper()
	q, err := sparksql.Rewrite(spark)
	if err != nil {
		t.Fatalf("Rewrite(%q): %v", spark, err)
	}
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("run %q (from %q): %v", q, spark, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			out = append(out, v.String)
		} else {
			out = append(out, "NULL")
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("run %q: %v", q, err)
	}
	return out
}

func TestRewriteErrors(t *testing.T) {
	tests := []struct {
		name, sql, want string
	}{
		{"unsupported letter", "SELECT date_format(ts, 'yyyy QQ')", `"yyyy QQ"`},
		{"pattern not literal", "SELECT date_format(ts, fmt)", "string literal"},
		{"offset when formatting", "SELECT date_format(ts, 'HH:mm XXX')", "XXX"},
		{"optional section", "SELECT to_date(s, 'yyyy[-MM]')", "optional"},
		{"unterminated string", "SELECT 'abc", "line 1:8: unterminated string"},
		{"unterminated comment", "SELECT 1\n/* x", "line 2:1: unterminated /*"},
		{"error names line", "SELECT 1,\n  date_format(ts, 'G')", "line 2:3: date_format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sparksql.Rewrite(tc.sql)
			if err == nil {
				t.Fatalf("Rewrite(%q): want an error", tc.sql)
			}
			if !errors.Is(err, sparksql.ErrRewrite) {
				t.Errorf("error %v is not ErrRewrite", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestInstallTwice(t *testing.T) {
	db := openDB(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := sparksql.Install(context.Background(), conn); err != nil {
		t.Fatalf("second Install: %v", err)
	}
	conn.Close()
	if got := query(t, db, "SELECT CAST(nvl(NULL, 1) AS VARCHAR)"); len(got) != 1 || got[0] != "1" {
		t.Errorf("nvl after second Install: %v", got)
	}
}

func TestParseFormat(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"yyyy-MM-dd", "%Y-%m-%d"},
		{"dd/MM/yyyy HH:mm:ss", "%d/%m/%Y %H:%M:%S"},
	} {
		got, err := sparksql.ParseFormat(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := sparksql.ParseFormat("yyyy-MM-dd[ HH]"); err == nil {
		t.Error("optional sections must be refused")
	}
}
