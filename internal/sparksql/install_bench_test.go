package sparksql_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// BenchmarkInstall measures what every engine session pays at start.
func BenchmarkInstall(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := sparksql.Install(ctx, conn); err != nil {
			b.Fatal(err)
		}
		conn.Close()
		db.Close()
	}
}
