package plan

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Fragment says what a SQL text of a manifest must be.
type Fragment int

const (
	// AQuery is one query: SELECT, WITH, FROM, VALUES or TABLE, or one in
	// parentheses (steps, input queries, flare sql).
	AQuery Fragment = iota
	// ACondition is one expression (merge conditions and clauses, delete
	// and compaction conditions).
	ACondition
)

// Front turns one fragment of Flare (Spark) SQL into the engine's dialect.
// Every SQL text of a manifest or a command goes through it, once, in the
// compile step: step SQL, input queries, merge conditions, delete and
// compaction conditions, flare sql. A fragment is one statement (a query
// is never followed by another; a condition holds none), so that SQL in a
// manifest can only read: it cannot COPY, ATTACH, INSTALL, SET or write.
func Front(text string, kind Fragment) (string, error) {
	r, err := front(text, kind)
	if err != nil {
		return "", err
	}
	return r.SQL, nil
}

// front is Front keeping the map from the engine's SQL back to the Spark
// text, for error positions; its errors are *engine.SQLError with the
// position in the Spark text.
func front(text string, kind Fragment) (*sparksql.Rewritten, error) {
	q := strings.TrimRightFunc(text, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	q = strings.TrimSuffix(q, ";")
	if err := oneStatement(q, kind); err != nil {
		return nil, err
	}
	r, err := sparksql.Translate(q)
	if err != nil {
		return nil, engine.RewriteError(err)
	}
	return r, nil
}

// queryStarts are the words a query may start with.
var queryStarts = map[string]bool{"select": true, "with": true, "from": true, "values": true, "table": true}

// oneStatement refuses a second statement after a query, a statement that
// is not a query, and a statement inside a condition. Text the lexer cannot
// split is left for the translation to report.
func oneStatement(q string, kind Fragment) error {
	toks, err := sparksql.Lex(q)
	if err != nil {
		return nil
	}
	var first *sparksql.Token
	depth := 0
	for i := range toks {
		t := toks[i]
		if !t.Significant() {
			continue
		}
		if first == nil {
			first = &toks[i]
		}
		switch t.Text {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
		case ";":
			if depth <= 0 {
				return &engine.SQLError{Line: t.Line, Col: t.Col, Msg: "one statement only: a SQL text is one query (or one condition), with no statement after it"}
			}
		}
	}
	if kind == AQuery && first != nil && first.Text != "(" && !queryStarts[strings.ToLower(first.Text)] {
		return &engine.SQLError{Line: first.Line, Col: first.Col,
			Msg: fmt.Sprintf("expected a query (SELECT, WITH, FROM, VALUES), found %q: SQL in Flare only reads (write with outputs and actions)", first.Text)}
	}
	return nil
}

// posFunc maps a byte offset of a SQL text to its place in the manifest.
type posFunc func(offset int) spec.Pos

var missingTableRE = regexp.MustCompile(`^Catalog Error: Table with name (\S+) does not exist!`)

// knownViews turns the engine's "Table with name x does not exist" about a
// one-part name into a message listing the job's views.
func (jc *jobCompiler) knownViews(msg string) string {
	m := missingTableRE.FindStringSubmatch(msg)
	if m == nil || strings.Contains(m[1], ".") {
		return msg
	}
	known := "none"
	if len(jc.viewNames) > 0 {
		known = strings.Join(jc.viewNames, ", ")
	}
	return fmt.Sprintf("unknown view %q (known: %s)%s", m[1], known, spec.DidYouMean(m[1], jc.viewNames))
}

// query rewrites a SQL text and binds the lakehouse tables it names (as
// typed, empty relations) in the job's session. It returns nil after
// reporting a problem.
func (jc *jobCompiler) query(ctx context.Context, text string, at posFunc, what string) *Query {
	r, err := front(text, AQuery)
	if err != nil {
		jc.sqlErr(err, text, at, what)
		return nil
	}
	refs, err := jc.bindTables(ctx, jc.ses, r.SQL)
	if err != nil {
		jc.sqlErr(err, text, at, what)
		return nil
	}
	return &Query{SQL: r.SQL, Tables: refs, src: r}
}

// viewErr reports an engine error about a job's SQL, naming the job's
// views when the SQL reads a view that does not exist.
func (jc *jobCompiler) viewErr(err error, text string, at posFunc, what string) {
	if se := engine.AsSQLError(err); se != nil {
		if m := missingTableRE.FindStringSubmatch(se.Msg); m != nil && jc.failed[strings.ToLower(m[1])] {
			return // the view it reads failed, and was reported where it is defined
		}
		se.Msg = jc.knownViews(se.Msg)
		err = se
	}
	jc.sqlErr(err, text, at, what)
}

// bindTables finds the three-part names <depot>.<collection>.<dataset> a
// query (engine dialect) reads that name lakehouse tables, and defines each
// in ses as a typed, empty relation. Names that are not lakehouse tables
// are left for the engine to report.
func (c *compiler) bindTables(ctx context.Context, ses *engine.Session, q string) ([]TableRef, error) {
	refs, err := ses.References(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []TableRef
	seen := map[string]bool{}
	for _, ref := range refs {
		if len(ref.Parts) != 3 {
			continue
		}
		d, err := c.env.Config.Depot(ref.Parts[0])
		if err != nil || d.Type != depot.Lakehouse {
			continue
		}
		tr := TableRef{Depot: d.Name, Table: lakehouse.TableName{Collection: ref.Parts[1], Dataset: ref.Parts[2]}}
		if seen[ref.String()] {
			continue
		}
		seen[ref.String()] = true
		sql, err := c.tableSchemaSQL(ctx, tr, lakehouse.ReadOptions{})
		if err != nil {
			return nil, err
		}
		// The name is bound as written, so that the query's spelling of the
		// depot (an alias such as icebase) resolves too.
		if err := ses.DefineTable(ctx, ref.Parts[0], ref.Parts[1], ref.Parts[2], sql); err != nil {
			return nil, err
		}
		out = append(out, TableRef{Depot: ref.Parts[0], Table: tr.Table})
	}
	return out, nil
}

// sqlErr reports an engine error about a SQL text at the place in the
// manifest that its line and column point to.
func (c *compiler) sqlErr(err error, text string, at posFunc, what string) {
	var se *engine.SQLError
	if errors.As(err, &se) {
		if se.Line > 0 {
			c.errAt(at(lineOffset(text, se.Line, se.Col)), "%s: %s", what, shortMsg(se.Msg))
			return
		}
		c.errAt(at(0), "%s: %s", what, shortMsg(se.Msg))
		return
	}
	c.errAt(at(0), "%s: %v", what, err)
}

// shortMsg drops the engine's list of every overload of a function, which
// runs to dozens of lines and says less than the first line.
func shortMsg(msg string) string {
	if i := strings.Index(msg, "\n\tCandidate functions:"); i >= 0 {
		return msg[:i]
	}
	return msg
}

// lineOffset is the byte offset of 1-based line and column in text.
func lineOffset(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	if col > 1 {
		off += col - 1
	}
	if off > len(text) {
		off = len(text)
	}
	return off
}

// flowPos maps offsets of a one-line (or simply folded) scalar from its
// start position: good enough for short conditions.
func flowPos(start spec.Pos, text string) posFunc {
	return func(off int) spec.Pos {
		if off > len(text) {
			off = len(text)
		}
		nl := strings.Count(text[:off], "\n")
		if nl == 0 {
			if start.Col > 0 {
				start.Col += off
			}
			return start
		}
		return spec.Pos{File: start.File, Line: start.Line + nl, Col: off - strings.LastIndexByte(text[:off], '\n')}
	}
}

// CompileQuery compiles one query given outside a manifest (flare sql):
// it goes through the Spark SQL front, and the lakehouse tables it names
// are listed for the runner to bind. ses parses it (nothing is bound).
func CompileQuery(ctx context.Context, env *Env, ses *engine.Session, text string) (*Query, error) {
	q, err := Front(text, AQuery)
	if err != nil {
		return nil, err
	}
	refs, err := ses.References(ctx, q)
	if err != nil {
		return nil, err
	}
	out := &Query{SQL: q}
	seen := map[string]bool{}
	for _, ref := range refs {
		if len(ref.Parts) != 3 || seen[ref.String()] {
			continue
		}
		d, err := env.Config.Depot(ref.Parts[0])
		if err != nil || d.Type != depot.Lakehouse {
			continue
		}
		seen[ref.String()] = true
		out.Tables = append(out.Tables, TableRef{Depot: ref.Parts[0], Table: lakehouse.TableName{Collection: ref.Parts[1], Dataset: ref.Parts[2]}})
	}
	return out, nil
}
