package engine

import (
	"context"
	"encoding/json"
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
	seen := map[string]bool{}
	for _, n := range names {
		r := TableRef{Parts: splitQualified(n)}
		seen[strings.Join(r.Parts, "\x00")] = true
		out = append(out, r)
	}
	// GetTableNames binds the query and lists nothing when binding fails,
	// as it does for a join with a table that is not defined yet (the very
	// tables a caller asks about, to define them). The parse tree lists
	// qualified names without binding.
	parsed, err := s.ParsedNames(ctx, query)
	if err != nil {
		return nil, err
	}
	for _, r := range parsed {
		if len(r.Parts) != 3 {
			continue
		}
		if k := strings.Join(r.Parts, "\x00"); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// ParsedNames lists the relation names of a query's parse tree
// (json_serialize_sql): nothing is bound, so names that do not exist are
// listed too, and so are references to the query's CTEs.
func (s *Session) ParsedNames(ctx context.Context, query string) ([]TableRef, error) {
	var text string
	if err := s.conn.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql("+Quote(query)+") AS VARCHAR)").Scan(&text); err != nil {
		return nil, fmt.Errorf("parse query: %w", err)
	}
	var tree any
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return nil, fmt.Errorf("parse query: %w", err)
	}
	var out []TableRef
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "BASE_TABLE" {
				c, _ := x["catalog_name"].(string)
				sc, _ := x["schema_name"].(string)
				t, _ := x["table_name"].(string)
				var parts []string
				for _, p := range []string{c, sc, t} {
					if p != "" {
						parts = append(parts, p)
					}
				}
				if t != "" {
					out = append(out, TableRef{Parts: parts})
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(tree)
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
