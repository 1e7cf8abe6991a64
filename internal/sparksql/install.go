package sparksql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// macro is one DuckDB macro that a Library creates. Every macro uses its
// parameters as expressions, so DuckDB inlines it and folds constant
// arguments. A definition may list overloads by number and by type of the
// parameters: "(s VARCHAR) AS ..., (x) AS ...".
type macro struct {
	name string
	def  string // everything after "CREATE OR REPLACE MACRO name"
}

// macros are the macros a Library can create. Files add theirs from init.
var macros []macro

func addMacros(ms ...macro) { macros = append(macros, ms...) }

// catalog indexes the macros and Go functions by name, with what each one
// calls; built once.
var catalog = sync.OnceValue(func() map[string]*entry {
	c := map[string]*entry{}
	for _, m := range macros {
		if _, dup := c[m.name]; dup {
			panic("sparksql: two macros named " + m.name)
		}
		c[m.name] = &entry{macro: m}
	}
	for name := range udfs {
		c[name] = &entry{udf: name}
	}
	for _, e := range c {
		if e.udf != "" {
			continue
		}
		toks, err := lex(e.macro.def, true)
		if err != nil {
			panic("sparksql: macro " + e.macro.name + ": " + err.Error())
		}
		for _, name := range calledNames(toks) {
			if d, ok := c[name]; ok {
				e.calls = append(e.calls, d)
			}
		}
	}
	return c
})

type entry struct {
	macro macro
	udf   string // name of a Go function (then macro is empty)
	calls []*entry
	typed *bool
	agg   *bool
}

// aggregates reports whether the macro calls an aggregate function
// (itself or through the macros it calls).
func (e *entry) aggregates() bool {
	if e.agg != nil {
		return *e.agg
	}
	a := false
	e.agg = &a
	if e.udf == "" {
		toks, _ := lex(e.macro.def, true)
		for _, n := range calledNames(toks) {
			if aggregates[n] {
				a = true
			}
		}
		for _, d := range e.calls {
			if d.aggregates() {
				a = true
			}
		}
	}
	e.agg = &a
	return a
}

// typed reports whether the macro, or one it calls, has typed overloads
// (DuckDB then needs the argument types to pick one).
func (e *entry) typedOverloads() bool {
	if e.typed != nil {
		return *e.typed
	}
	t := false
	e.typed = &t // a cycle counts as untyped until known
	if e.udf == "" {
		toks, _ := lex(e.macro.def, true)
		for _, o := range SplitComma(toks) {
			o = Trim(o)
			if len(o) == 0 || o[0].Text != "(" {
				continue
			}
			for _, p := range SplitComma(o[1:MatchParen(o, 0)]) {
				if len(Trim(p)) > 1 {
					t = true
				}
			}
		}
		for _, d := range e.calls {
			if d.typedOverloads() {
				t = true
			}
		}
	}
	e.typed = &t
	return t
}

// calledNames returns the lower-case names of the functions that toks call.
func calledNames(toks []Token) []string {
	var out []string
	seen := map[string]bool{}
	for i, t := range toks {
		if t.Kind != Ident && t.Kind != QuotedIdent {
			continue
		}
		if n := nextSig(toks, i+1); n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "(" {
			name := strings.ToLower(t.Name())
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// Library creates the Spark functions that DuckDB SQL made by Translate
// calls, in one DuckDB database, each once and only when a statement needs
// it: creating a DuckDB macro binds its body, which costs about a
// millisecond, so creating all of them would slow every session start.
// Macros go into the default schema of the connection's current database
// (main of an in-memory database), where every connection of that database
// sees them; a caller that later switches the default catalog with USE
// needs a new Library. The Go functions (hash, xxhash64, crc32, SHA-2) are
// registered on the connection's database. A Library is safe for
// concurrent use.
type Library struct {
	mu   sync.Mutex
	done map[string]bool
}

// NewLibrary returns a Library for a database that has none of the
// functions yet.
func NewLibrary() *Library { return &Library{done: map[string]bool{}} }

// Install creates the functions that duckSQL (DuckDB SQL, such as
// Rewritten.SQL) calls and that are not created yet.
func (l *Library) Install(ctx context.Context, conn *sql.Conn, duckSQL string) error {
	toks, err := lex(duckSQL, true)
	if err != nil {
		return nil // not ours to report: DuckDB will
	}
	return l.install(ctx, conn, calledNames(toks))
}

// InstallAll creates every function.
func (l *Library) InstallAll(ctx context.Context, conn *sql.Conn) error {
	var names []string
	for name := range catalog() {
		names = append(names, name)
	}
	return l.install(ctx, conn, names)
}

func (l *Library) install(ctx context.Context, conn *sql.Conn, names []string) error {
	c := catalog()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Dependencies first (depth-first post-order); a macro on a cycle, or
	// that calls itself, gets a stub with its overloads first, because
	// DuckDB binds a macro's body when it is created.
	const (
		visiting = 1
		visited  = 2
	)
	state := map[*entry]int{}
	stub := map[*entry]bool{}
	var order []*entry
	var visit func(e *entry)
	visit = func(e *entry) {
		if l.done[nameOf(e)] || state[e] == visited {
			return
		}
		if state[e] == visiting {
			stub[e] = true
			return
		}
		state[e] = visiting
		for _, d := range e.calls {
			visit(d)
		}
		state[e] = visited
		order = append(order, e)
	}
	for _, n := range names {
		if e, ok := c[n]; ok {
			visit(e)
		}
	}
	if len(order) == 0 {
		return nil
	}
	var b strings.Builder
	for _, e := range order {
		if e.udf != "" {
			if err := registerUDF(conn, e.udf); err != nil {
				return err
			}
			continue
		}
		if stub[e] {
			b.WriteString("CREATE OR REPLACE MACRO " + quoteIdent(e.macro.name) + stubDef(e.macro) + ";\n")
		}
	}
	for _, e := range order {
		if e.udf == "" {
			b.WriteString("CREATE OR REPLACE MACRO " + quoteIdent(e.macro.name) + e.macro.def + ";\n")
		}
	}
	if b.Len() > 0 {
		if _, err := conn.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("install spark functions: %w", l.culprit(ctx, conn, order, stub, err))
		}
	}
	for _, e := range order {
		l.done[nameOf(e)] = true
	}
	return nil
}

func nameOf(e *entry) string {
	if e.udf != "" {
		return e.udf
	}
	return e.macro.name
}

// culprit creates the macros one by one to find the one that fails, for a
// message that names it.
func (l *Library) culprit(ctx context.Context, conn *sql.Conn, order []*entry, stub map[*entry]bool, err error) error {
	for _, e := range order {
		if e.udf == "" && stub[e] {
			if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE MACRO "+quoteIdent(e.macro.name)+stubDef(e.macro)); err != nil {
				return fmt.Errorf("%s: %w", e.macro.name, err)
			}
		}
	}
	for _, e := range order {
		if e.udf != "" {
			continue
		}
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE MACRO "+quoteIdent(e.macro.name)+e.macro.def); err != nil {
			return fmt.Errorf("%s: %w", e.macro.name, err)
		}
	}
	return err
}

// Install creates every Spark function in the database behind conn (CREATE
// OR REPLACE, so it may run again). A session that runs many statements
// should rather keep a Library and install what each statement needs.
func Install(ctx context.Context, conn *sql.Conn) error {
	return NewLibrary().InstallAll(ctx, conn)
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
