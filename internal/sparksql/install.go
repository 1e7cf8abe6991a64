package sparksql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// macro is one DuckDB macro that Install creates. Every macro uses its
// parameters as expressions, so DuckDB inlines it and folds constant
// arguments. A definition may list overloads by number and by type of the
// parameters: "(s VARCHAR) AS ..., (x) AS ...".
type macro struct {
	name string
	def  string // everything after "CREATE OR REPLACE MACRO name"
}

// macros are created by Install in this order (a macro must come after the
// macros it calls). Files add theirs from init, in file name order.
var macros []macro

func addMacros(ms ...macro) { macros = append(macros, ms...) }

// Install creates the macros and functions that Spark SQL rewritten by
// Translate needs (CREATE OR REPLACE, so it may run again). Macros go into
// the default schema of the connection's current database (main of an
// in-memory database), where every connection of that database sees them;
// a caller that later switches the default catalog with USE must Install
// again there. The Go functions (hash, xxhash64, crc32, Java number formats)
// are registered on the connection's database.
func Install(ctx context.Context, conn *sql.Conn) error {
	if err := registerUDFs(conn); err != nil {
		return fmt.Errorf("install spark functions: %w", err)
	}
	// DuckDB binds a macro's body when it is created, so every macro that
	// another one calls (or that calls itself) must exist first: stubs with
	// the same overloads come first.
	var b strings.Builder
	for _, m := range macros {
		b.WriteString("CREATE OR REPLACE MACRO " + quoteIdent(m.name) + stubDef(m) + ";\n")
	}
	for _, m := range macros {
		b.WriteString("CREATE OR REPLACE MACRO " + quoteIdent(m.name) + m.def + ";\n")
	}
	if _, err := conn.ExecContext(ctx, b.String()); err == nil {
		return nil
	}
	// Find the macro that fails, for a message that names it.
	for _, m := range macros {
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE MACRO "+quoteIdent(m.name)+stubDef(m)); err != nil {
			return fmt.Errorf("install spark function %s: %w", m.name, err)
		}
	}
	for _, m := range macros {
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE MACRO "+quoteIdent(m.name)+m.def); err != nil {
			return fmt.Errorf("install spark function %s: %w", m.name, err)
		}
	}
	return nil
}

// stubDef returns the overloads of a macro with every body replaced by
// NULL.
func stubDef(m macro) string {
	toks, err := lex(m.def, true)
	if err != nil {
		panic("sparksql: macro " + m.name + ": " + err.Error())
	}
	var parts []string
	for _, o := range SplitComma(toks) {
		o = Trim(o)
		closing := -1
		if len(o) > 0 && o[0].Text == "(" {
			closing = MatchParen(o, 0)
		}
		if closing < 0 {
			panic("sparksql: macro " + m.name + ": an overload does not start with its parameters")
		}
		parts = append(parts, Text(o[:closing+1])+" AS NULL")
	}
	return strings.Join(parts, ", ")
}
