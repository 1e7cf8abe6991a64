package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// A merge's whenClause is Spark SQL: WHEN clauses of MERGE INTO, without
// the first WHEN (or with it). It is split here with the Spark SQL lexer
// into typed clauses (lakehouse.MergeClause); each condition and value
// goes through the Spark SQL front on its own and is bound against the
// table (old) and the output's rows (new) when compiling, so a mistake is
// reported at its file:line:col and the lakehouse only executes clauses.
//
//	[WHEN] MATCHED [AND cond] THEN UPDATE SET * | UPDATE SET col = expr, ... | DELETE
//	[WHEN] NOT MATCHED [BY TARGET] [AND cond] THEN INSERT * | INSERT (col, ...) VALUES (expr, ...)

// Flare's aliases of a merge's table and source rows.
const mergeTarget, mergeSource = "old", "new"

// mergeExpr is one condition or value of a clause: its rewrite and where
// it starts in the whenClause.
type mergeExpr struct {
	line, col int
	r         *sparksql.Rewritten
}

// parsedClause is a clause with the places of its parts, for binding.
type parsedClause struct {
	lakehouse.MergeClause
	at    sparksql.Token   // its first token (MATCHED or NOT)
	cond  *mergeExpr       // nil without AND
	exprs []*mergeExpr     // the value of each Set entry
	cols  []sparksql.Token // the token naming each Set column
}

// ParseMergeClauses parses a merge's whenClause (Spark SQL) into typed
// clauses whose conditions and values went through the Spark SQL front
// (DuckDB SQL over old.<column> and new.<column>). Nothing is bound. An
// error is an *engine.SQLError with its line and column in when.
func ParseMergeClauses(when string) ([]lakehouse.MergeClause, error) {
	ps, err := parseMergeClauses(when)
	if err != nil {
		return nil, err
	}
	out := make([]lakehouse.MergeClause, len(ps))
	for i, p := range ps {
		out[i] = p.MergeClause
	}
	return out, nil
}

func parseMergeClauses(when string) ([]parsedClause, error) {
	all, err := sparksql.Lex(when)
	if err != nil {
		return nil, engine.RewriteError(err)
	}
	var toks []sparksql.Token
	for _, t := range all {
		if t.Significant() {
			toks = append(toks, t)
		}
	}
	if len(toks) == 0 {
		return nil, &engine.SQLError{Line: 1, Col: 1, Msg: "merge whenClause is empty; write e.g. MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"}
	}
	top := topLevel(toks)
	start := 0
	if toks[0].Is("when") {
		start = 1
	}
	// Clause i runs from starts[i] to the next WHEN.
	var segs [][2]int
	from := start
	for j := start; j <= len(toks); j++ {
		if j < len(toks) && !(top[j] && toks[j].Is("when")) {
			continue
		}
		if j == from {
			at := toks[len(toks)-1]
			if j < len(toks) {
				at = toks[j]
			}
			return nil, tokErr(at, "WHEN without a clause: expected MATCHED or NOT MATCHED")
		}
		segs = append(segs, [2]int{from, j})
		from = j + 1
	}
	var out []parsedClause
	for _, sg := range segs {
		c, err := parseMergeClause(when, toks[sg[0]:sg[1]], top[sg[0]:sg[1]])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	// As in Spark, only the last clause of each kind may omit its
	// condition: a later one could never fire.
	for _, matched := range []bool{true, false} {
		open := false
		for _, c := range out {
			if c.Matched != matched {
				continue
			}
			if open {
				return nil, tokErr(c.at, "the clause WHEN %s can never fire: an earlier %s clause has no AND condition (only the last one may omit it)", c.Text, clauseKind(matched))
			}
			open = c.cond == nil
		}
	}
	return out, nil
}

func clauseKind(matched bool) string {
	if matched {
		return "MATCHED"
	}
	return "NOT MATCHED"
}

// parseMergeClause parses one clause (the tokens after its WHEN); top says
// which tokens are outside brackets and CASE expressions.
func parseMergeClause(when string, seg []sparksql.Token, top []bool) (parsedClause, error) {
	c := parsedClause{at: seg[0]}
	c.Text = span(when, seg)
	k := 0
	switch {
	case seg[0].Is("matched"):
		c.Matched = true
		k = 1
	case seg[0].Is("not"):
		if len(seg) < 2 || !seg[1].Is("matched") {
			return c, tokErr(seg[0], "expected NOT MATCHED")
		}
		k = 2
		if k < len(seg) && seg[k].Is("by") {
			switch {
			case k+1 < len(seg) && seg[k+1].Is("target"):
				k += 2
			case k+1 < len(seg) && seg[k+1].Is("source"):
				return c, tokErr(seg[k+1], "NOT MATCHED BY SOURCE is not supported yet; delete those rows with the delete_from_dataset action")
			default:
				return c, tokErr(seg[k], "expected NOT MATCHED BY TARGET")
			}
		}
	default:
		return c, tokErr(seg[0], "expected MATCHED or NOT MATCHED, found %q", seg[0].Text)
	}
	then := -1
	for j := k; j < len(seg); j++ {
		if top[j] && seg[j].Is("then") {
			then = j
			break
		}
	}
	if then < 0 {
		depths := sparksql.Depths(seg)
		for j, t := range seg {
			switch {
			case t.Kind != sparksql.Punct:
			case (t.Text == "(" || t.Text == "[") && sparksql.MatchParen(seg, j) < 0:
				return c, tokErr(t, "%s is not closed", t.Text)
			case (t.Text == ")" || t.Text == "]") && depths[j] < 0:
				return c, tokErr(t, "%s closes nothing", t.Text)
			}
		}
		return c, tokErr(seg[len(seg)-1], "missing THEN after WHEN %s", clauseKind(c.Matched))
	}
	if then > k {
		if !seg[k].Is("and") {
			return c, tokErr(seg[k], "expected AND <condition> or THEN, found %q", seg[k].Text)
		}
		if then == k+1 {
			return c, tokErr(seg[k], "AND needs a condition")
		}
		e, err := mergeExprOf(when, seg[k+1:then])
		if err != nil {
			return c, err
		}
		c.cond, c.Cond = e, e.r.SQL
	}
	k = then + 1
	if k >= len(seg) {
		return c, tokErr(seg[then], "missing action after THEN (UPDATE, DELETE or INSERT)")
	}
	act := seg[k]
	rest := seg[k+1:]
	switch {
	case act.Is("update"):
		if !c.Matched {
			return c, tokErr(act, "NOT MATCHED clauses can only INSERT")
		}
		c.Action = lakehouse.MergeUpdate
		if len(rest) == 0 || !rest[0].Is("set") {
			return c, tokErr(act, "expected UPDATE SET")
		}
		rest = rest[1:]
		if len(rest) == 0 {
			return c, tokErr(seg[len(seg)-1], "UPDATE SET needs * or column = expression, ...")
		}
		if len(rest) == 1 && rest[0].Text == "*" {
			c.Star = true
			return c, nil
		}
		for _, part := range sparksql.SplitComma(rest) {
			if len(part) == 0 {
				return c, tokErr(act, "UPDATE SET has an empty assignment (a comma too many?)")
			}
			eq := sparksql.FindTop(part, func(t sparksql.Token) bool { return t.Kind == sparksql.Op && t.Text == "=" })
			if eq < 0 {
				return c, tokErr(part[0], "assignment %q: expected column = expression", span(when, part))
			}
			if eq == 0 {
				return c, tokErr(part[0], "assignment %q names no column", span(when, part))
			}
			col, err := assignedColumn(when, part[:eq])
			if err != nil {
				return c, err
			}
			if eq == len(part)-1 {
				return c, tokErr(part[eq], "assignment %q has no expression", span(when, part))
			}
			e, err := mergeExprOf(when, part[eq+1:])
			if err != nil {
				return c, err
			}
			c.Set = append(c.Set, lakehouse.Assignment{Column: col.Name(), Expr: e.r.SQL})
			c.cols, c.exprs = append(c.cols, col), append(c.exprs, e)
		}
	case act.Is("delete"):
		if !c.Matched {
			return c, tokErr(act, "NOT MATCHED clauses can only INSERT")
		}
		c.Action = lakehouse.MergeDelete
		if len(rest) > 0 {
			return c, tokErr(rest[0], "unexpected %q after DELETE", span(when, rest))
		}
	case act.Is("insert"):
		if c.Matched {
			return c, tokErr(act, "MATCHED clauses can UPDATE or DELETE, not INSERT")
		}
		c.Action = lakehouse.MergeInsert
		if len(rest) == 1 && rest[0].Text == "*" {
			c.Star = true
			return c, nil
		}
		want := "expected INSERT * or INSERT (columns) VALUES (expressions)"
		if len(rest) == 0 || rest[0].Text != "(" {
			return c, tokErr(act, "%s", want)
		}
		closeCols := sparksql.MatchParen(rest, 0)
		if closeCols < 0 || closeCols+2 >= len(rest) || !rest[closeCols+1].Is("values") || rest[closeCols+2].Text != "(" {
			return c, tokErr(act, "%s", want)
		}
		closeVals := sparksql.MatchParen(rest, closeCols+2)
		if closeVals < 0 {
			return c, tokErr(rest[closeCols+2], "VALUES ( is not closed")
		}
		if closeVals != len(rest)-1 {
			return c, tokErr(rest[closeVals+1], "unexpected %q after INSERT ... VALUES (...)", span(when, rest[closeVals+1:]))
		}
		cols := sparksql.SplitComma(rest[1:closeCols])
		vals := sparksql.SplitComma(rest[closeCols+3 : closeVals])
		if len(cols) != len(vals) {
			return c, tokErr(rest[closeCols+1], "INSERT names %d columns but gives %d values", len(cols), len(vals))
		}
		for i := range cols {
			if len(cols[i]) == 0 || len(vals[i]) == 0 {
				return c, tokErr(act, "INSERT has an empty column or value (a comma too many?)")
			}
			col, err := assignedColumn(when, cols[i])
			if err != nil {
				return c, err
			}
			e, err := mergeExprOf(when, vals[i])
			if err != nil {
				return c, err
			}
			c.Set = append(c.Set, lakehouse.Assignment{Column: col.Name(), Expr: e.r.SQL})
			c.cols, c.exprs = append(c.cols, col), append(c.exprs, e)
		}
	default:
		return c, tokErr(act, "unknown action %s (UPDATE, DELETE or INSERT)", act.Text)
	}
	return c, nil
}

// assignedColumn returns the token naming the column an assignment or an
// INSERT column sets: col, `col` or old.col.
func assignedColumn(when string, toks []sparksql.Token) (sparksql.Token, error) {
	name := func(t sparksql.Token) bool { return t.Kind == sparksql.Ident || t.Kind == sparksql.QuotedIdent }
	switch {
	case len(toks) == 1 && name(toks[0]):
		return toks[0], nil
	case len(toks) == 3 && name(toks[0]) && toks[1].Text == "." && name(toks[2]):
		if !strings.EqualFold(toks[0].Name(), mergeTarget) {
			return toks[0], tokErr(toks[0], "assignment target %s: only the table's columns (%s.<column>) can be set", span(when, toks), mergeTarget)
		}
		return toks[2], nil
	}
	return toks[0], tokErr(toks[0], "%q is not a column name", span(when, toks))
}

// mergeExprOf sends one condition or value through the Spark SQL front;
// an error's position is moved from the fragment to the whenClause.
func mergeExprOf(when string, toks []sparksql.Token) (*mergeExpr, error) {
	r, err := front(span(when, toks), ACondition)
	if err != nil {
		return nil, shiftErr(err, toks[0].Line, toks[0].Col)
	}
	return &mergeExpr{line: toks[0].Line, col: toks[0].Col, r: r}, nil
}

// shiftErr moves an error's position in a fragment that starts at line,
// col of a larger text to its place in that text.
func shiftErr(err error, line, col int) error {
	var se *engine.SQLError
	if !errors.As(err, &se) {
		return &engine.SQLError{Line: line, Col: col, Msg: err.Error(), Err: err}
	}
	c := *se
	switch {
	case c.Line <= 0:
		c.Line, c.Col = line, col
	case c.Line == 1:
		c.Line, c.Col = line, col+max(c.Col, 1)-1
	default:
		c.Line += line - 1
	}
	return &c
}

// span is the source text from the first to the last token of toks.
func span(text string, toks []sparksql.Token) string {
	if len(toks) == 0 {
		return ""
	}
	last := toks[len(toks)-1]
	return text[toks[0].Offset : last.Offset+len(last.Text)]
}

func tokErr(t sparksql.Token, format string, args ...any) error {
	return &engine.SQLError{Line: t.Line, Col: t.Col, Msg: fmt.Sprintf(format, args...)}
}

// topLevel says, per token, whether it is outside every bracket and CASE
// expression (where WHEN and THEN are the clauses' own).
func topLevel(toks []sparksql.Token) []bool {
	out := make([]bool, len(toks))
	cases := 0
	for i, d := range sparksql.Depths(toks) {
		if d == 0 && toks[i].Is("end") && cases > 0 {
			cases--
			continue
		}
		out[i] = d == 0 && cases == 0
		if d == 0 && toks[i].Is("case") {
			cases++
		}
	}
	return out
}

// mergeClauses compiles an output's whenClause against the table (its
// rows as the SQL target, aliased old) and the output's view (new): every
// condition and value is bound, every column set must be the table's, and
// * needs every table column in the output. It returns nil after
// reporting a problem.
func (jc *jobCompiler) mergeClauses(ctx context.Context, out *manifest.Output, ref TableRef, target, what string) []lakehouse.MergeClause {
	when := out.Merge.WhenClause
	at := posFunc(func(off int) spec.Pos { return out.Merge.WhenPosAt(off) })
	what += ", merge whenClause"
	report := func(err error) []lakehouse.MergeClause {
		jc.sqlErr(err, when, at, what)
		return nil
	}
	ps, err := parseMergeClauses(when)
	if err != nil {
		return report(err)
	}
	tnames, _, err := jc.ses.Columns(ctx, "("+target+")")
	if err != nil {
		return report(err)
	}
	snames, _, err := jc.ses.Columns(ctx, engine.QuoteIdent(out.Name))
	if err != nil {
		return report(err)
	}
	src := engine.QuoteIdent(out.Name) + " AS " + mergeSource
	var clauses []lakehouse.MergeClause
	for _, c := range ps {
		from := "(" + target + ") AS " + mergeTarget + ", " + src
		if !c.Matched {
			// No table row: the values of an INSERT read the source only.
			from = src
		}
		if c.cond != nil {
			if err := jc.ses.Check(ctx, "SELECT 1 FROM "+from+" WHERE", c.cond.r); err != nil {
				return report(shiftErr(err, c.cond.line, c.cond.col))
			}
		}
		seen := map[string]bool{}
		for i, e := range c.exprs {
			if err := jc.ses.Check(ctx, "FROM "+from+" SELECT", e.r); err != nil {
				return report(shiftErr(err, e.line, e.col))
			}
			col := c.cols[i]
			name, ok := findName(tnames, col.Name())
			if !ok {
				return report(tokErr(col, "table %s has no column %s (columns: %s)", ref, col.Name(), strings.Join(tnames, ", ")))
			}
			if seen[name] {
				return report(tokErr(col, "column %s is set twice", name))
			}
			seen[name] = true
			c.Set[i].Column = name
		}
		if c.Star {
			var missing []string
			for _, n := range tnames {
				if _, ok := findName(snames, n); !ok {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				return report(tokErr(c.at, "%s * needs every column of the table in the output's rows; view %s has no %s: name the columns to set instead",
					c.Action, out.Name, strings.Join(missing, ", ")))
			}
		}
		clauses = append(clauses, c.MergeClause)
	}
	return clauses
}

// findName finds name among names, ignoring case as SQL does, and returns
// it as names spells it.
func findName(names []string, name string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}
