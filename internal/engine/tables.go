package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// DefineTable makes the three-part name catalog.schema.name resolve to a
// DuckDB query (for a lakehouse table: a read of its current files).
func (s *Session) DefineTable(ctx context.Context, catalog, schema, name, duckSQL string) error {
	stmts := []string{
		"ATTACH IF NOT EXISTS ':memory:' AS " + QuoteIdent(catalog),
		"CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(catalog) + "." + QuoteIdent(schema),
		"CREATE OR REPLACE VIEW " + QuoteIdent(catalog) + "." + QuoteIdent(schema) + "." + QuoteIdent(name) + " AS " + duckSQL,
	}
	for _, q := range stmts {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("define table %s.%s.%s: %w", catalog, schema, name, err)
		}
	}
	return nil
}

// TableRef is a relation name a query uses.
type TableRef struct {
	// Parts is the name split on dots: one part for a view, three for
	// catalog.schema.table.
	Parts []string
}

func (r TableRef) String() string { return strings.Join(r.Parts, ".") }

// References lists the relations a query (DuckDB's dialect) reads, as
// written (CTE names excluded), using DuckDB's own parser.
func (s *Session) References(ctx context.Context, query string) ([]TableRef, error) {
	names, err := duckdb.GetTableNames(s.conn, query, true)
	if err != nil {
		return nil, sqlError(err, 0, nil)
	}
	out := make([]TableRef, 0, len(names))
	for _, n := range names {
		out = append(out, TableRef{Parts: splitQualified(n)})
	}
	return out, nil
}

// splitQualified splits a.b.c honouring double quotes, dropping a trailing
// " AS alias".
func splitQualified(s string) []string {
	var parts []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && inQ && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQ = !inQ
		case c == '.' && !inQ:
			parts = append(parts, cur.String())
			cur.Reset()
		case c == ' ' && !inQ && strings.HasPrefix(s[i:], " AS "):
			// duckdb.GetTableNames reports "name AS alias"
			return append(parts, cur.String())
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}
