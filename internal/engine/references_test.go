package engine

import (
	"context"
	"strings"
	"testing"
)

// TestReferencesOfJoinsWithUndefinedTables: a query that joins a view with
// a lakehouse table not defined yet lists that table (DuckDB's
// GetTableNames lists nothing when the query does not bind, and callers ask
// precisely to define those tables).
func TestReferencesOfJoinsWithUndefinedTables(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.DefineRelation(ctx, "orders", "SELECT 1 AS state_code"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT count(*) FROM orders JOIN lakehouse.retail.states USING (state_code)",
		"SELECT count(*) FROM orders o JOIN lakehouse.retail.states s ON o.state_code = s.state_code",
		"SELECT * FROM orders WHERE state_code IN (SELECT state_code FROM lakehouse.retail.states)",
		"WITH x AS (SELECT * FROM lakehouse.retail.states) SELECT * FROM orders, x",
	} {
		refs, err := s.References(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var got []string
		for _, r := range refs {
			got = append(got, r.String())
		}
		if !strings.Contains(strings.Join(got, " "), "lakehouse.retail.states") {
			t.Errorf("%s: references %v, want lakehouse.retail.states among them", q, got)
		}
	}
}
