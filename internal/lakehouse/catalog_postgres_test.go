package lakehouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// TestPostgresCatalog writes and reads a table through a PostgreSQL catalog
// (FLARE_TEST_POSTGRES_URI; .ci/run starts a server), and checks that an
// unreachable server gives an error that says what to check.
func TestPostgresCatalog(t *testing.T) {
	ctx := context.Background()
	t.Run("unreachable server", func(t *testing.T) {
		_, err := lakehouse.Open(ctx, t.TempDir(), lakehouse.Options{CatalogURI: "postgres://flare:secret@127.0.0.1:1/none?connect_timeout=2"})
		if err == nil || !strings.Contains(err.Error(), "is the PostgreSQL server running") || strings.Contains(err.Error(), "secret") {
			t.Errorf("err = %v; want a hint and no password", err)
		}
	})
	uri := os.Getenv("FLARE_TEST_POSTGRES_URI")
	if uri == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FLARE_TEST_POSTGRES_URI is not set; .ci/run starts PostgreSQL and sets it")
		}
		t.Skip("FLARE_TEST_POSTGRES_URI is not set (see README.md, Tests that need a service)")
	}
	root := filepath.Join(t.TempDir(), "lh")
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{CatalogURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer lh.Close()
	n := lakehouse.TableName{Collection: fmt.Sprintf("pg%d", time.Now().UnixNano()), Dataset: "t"}
	db := newDuck(t)
	for i := range 3 {
		if _, err := lh.Write(ctx, db, fmt.Sprintf("(SELECT %d AS id)", i), lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, lakehouse.CatalogFile)); !os.IsNotExist(err) {
		t.Errorf("a SQLite catalog file was created next to the tables (stat err %v)", err)
	}
	other, err := lakehouse.Open(ctx, root, lakehouse.Options{CatalogURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tbl, err := other.LoadTable(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tbl.Snapshots()); got != 3 {
		t.Errorf("%d snapshots seen through a second connection, want 3", got)
	}
}

// TestPostgresCatalogFirstUse: processes opening an empty PostgreSQL
// catalog at once must not fail creating its tables (a duplicate key on
// pg_type when two CREATE TABLE IF NOT EXISTS race). Each opener has its
// own connection pool, as a separate process would; the database is a
// fresh schema.
func TestPostgresCatalogFirstUse(t *testing.T) {
	uri := os.Getenv("FLARE_TEST_POSTGRES_URI")
	if uri == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FLARE_TEST_POSTGRES_URI is not set; .ci/run starts PostgreSQL and sets it")
		}
		t.Skip("FLARE_TEST_POSTGRES_URI is not set (see README.md, Tests that need a service)")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const openers, rounds = 8, 3
	for round := range rounds {
		schema := fmt.Sprintf("flare_first_use_%d", time.Now().UnixNano())
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE") })
		sep := "?"
		if strings.Contains(uri, "?") {
			sep = "&"
		}
		schemaURI := uri + sep + "search_path=" + schema
		root := filepath.Join(t.TempDir(), "lh")
		start := make(chan struct{})
		errs := make(chan error, openers)
		for range openers {
			go func() {
				<-start
				lh, err := lakehouse.Open(ctx, root, lakehouse.Options{CatalogURI: schemaURI})
				if err == nil {
					_, err = lh.Tables(ctx)
					_ = lh.Close()
				}
				errs <- err
			}()
		}
		close(start)
		for range openers {
			if err := <-errs; err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
		var n int
		if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1", schema).Scan(&n); err != nil || n != 2 {
			t.Errorf("round %d: %d catalog tables in %s (err %v), want 2", round, n, schema, err)
		}
	}
}
