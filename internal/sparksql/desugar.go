package sparksql

import (
	"strconv"
	"strings"
)

// desugar rewrites Spark syntax that spans several tokens into tokens that
// the call rewriter handles: infix operators DuckDB lacks become calls
// (a ^ b -> xor(a, b)), LIKE gets Spark's escape character, CLUSTER BY /
// DISTRIBUTE BY / SORT BY become ORDER BY (or PARTITION BY in a window),
// and VALUES rows get their parentheses. Made tokens carry the offset of
// the Spark text they stand for.
func desugar(toks []Token) ([]Token, error) {
	toks, err := rewriteTimeWindows(toks)
	if err != nil {
		return nil, err
	}
	if toks, err = rewriteLateralView(toks); err != nil {
		return nil, err
	}
	for _, op := range infixOps {
		if toks, err = rewriteInfix(toks, op); err != nil {
			return nil, err
		}
	}
	toks = rewriteLike(toks)
	toks = rewriteClauses(toks)
	toks = rewriteValues(toks)
	return toks, nil
}

// mk makes a token that stands for Spark text at t.
func mk(t Token, kind Kind, text string) Token {
	return Token{Kind: kind, Text: text, Offset: t.Offset, Line: t.Line, Col: t.Col, duck: true}
}

// Spark's binary operator precedence (higher binds tighter).
func binaryPrec(t Token) int {
	switch t.Kind {
	case Op:
		switch t.Text {
		case "*", "/", "%":
			return 7
		case "+", "-", "||":
			return 6
		case "<<", ">>", ">>>":
			return 5
		case "&":
			return 4
		case "^":
			return 3
		case "|":
			return 2
		case "=", "==", "<", ">", "<=", ">=", "!=", "<>", "<=>":
			return 1
		}
	case Ident:
		switch strings.ToLower(t.Text) {
		case "div":
			if !t.duck {
				return 7
			}
		}
	}
	return -1
}

// endsOperand reports whether t can end an operand (so that a following
// + or - is binary).
func endsOperand(t Token) bool {
	switch t.Kind {
	case Number, String, QuotedIdent:
		return true
	case Punct:
		return t.Text == ")" || t.Text == "]"
	case Ident:
		return !exprKeywords[strings.ToLower(t.Text)]
	}
	return false
}

// exprKeywords are words after which an expression starts.
var exprKeywords = wordSet(`select where and or not when then else case on by having in is as between like ilike
	rlike regexp distinct all set values limit offset qualify any some escape from for placing return with
	union intersect except minus group order partition`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// operandStart returns the index where the operand that ends at toks[end]
// (a significant token) starts, for an operator of precedence prec.
func operandStart(toks []Token, end int, prec int) int {
	i := end
	for {
		i = primaryStart(toks, i)
		// postfix and qualified names: a.b, a::t, a[0]
		p := prevSig(toks, i)
		if p >= 0 && (toks[p].Kind == Punct && toks[p].Text == "." || toks[p].Kind == Op && toks[p].Text == "::") {
			if q := prevSig(toks, p); q >= 0 {
				i = q
				continue
			}
		}
		// unary prefix operators
		for p >= 0 && toks[p].Kind == Op && (toks[p].Text == "-" || toks[p].Text == "+" || toks[p].Text == "~") {
			q := prevSig(toks, p)
			if q >= 0 && endsOperand(toks[q]) {
				break
			}
			i, p = p, q
		}
		if p >= 0 && binaryPrec(toks[p]) > prec {
			q := prevSig(toks, p)
			if q >= 0 && endsOperand(toks[q]) {
				i = q
				continue
			}
		}
		return i
	}
}

// primaryStart returns where the primary expression ending at toks[i] starts:
// a name, literal, (...) group with the call name before it, [...] subscript,
// CASE ... END, typed literal.
func primaryStart(toks []Token, i int) int {
	t := toks[i]
	switch {
	case t.Kind == Punct && (t.Text == ")" || t.Text == "]"):
		open := matchBack(toks, i)
		if open < 0 {
			return i
		}
		p := prevSig(toks, open)
		if p < 0 {
			return open
		}
		pt := toks[p]
		if t.Text == "]" {
			if endsOperand(pt) {
				return primaryStart(toks, p)
			}
			return open
		}
		if pt.Is("over") || pt.Is("filter") {
			if q := prevSig(toks, p); q >= 0 {
				return primaryStart(toks, q)
			}
		}
		if pt.Is("group") {
			if q := prevSig(toks, p); q >= 0 && toks[q].Is("within") {
				if r := prevSig(toks, q); r >= 0 {
					return primaryStart(toks, r)
				}
			}
		}
		if (pt.Kind == Ident && !exprKeywords[strings.ToLower(pt.Text)]) || pt.Kind == QuotedIdent {
			return p
		}
		return open
	case t.Kind == Ident && (intervalUnits[strings.ToLower(t.Text)] != "" || t.Is("to")) || t.Kind == String || t.Kind == Number:
		// the end of INTERVAL '1-1' YEAR TO MONTH or INTERVAL 3 DAYS
		for k := i; k >= 0; k-- {
			tk := toks[k]
			if !tk.Significant() {
				continue
			}
			if tk.Is("interval") {
				return k
			}
			if tk.Kind == Ident && (intervalUnits[strings.ToLower(tk.Text)] != "" || tk.Is("to")) || tk.Kind == String ||
				tk.Kind == Number || tk.Kind == Op && (tk.Text == "-" || tk.Text == "+") {
				continue
			}
			break
		}
		if t.Kind != String {
			return i
		}
		p := prevSig(toks, i)
		if p >= 0 && toks[p].Kind == Ident && literalTypes[strings.ToLower(toks[p].Text)] != "" {
			return p
		}
		if p >= 0 && toks[p].Kind == String {
			return primaryStart(toks, p)
		}
		return i
	case t.Is("end"):
		depth := 0
		for k := i; k >= 0; k-- {
			if toks[k].Is("end") {
				depth++
			} else if toks[k].Is("case") {
				depth--
				if depth == 0 {
					return k
				}
			}
		}
		return i
	}
	return i
}

// matchBack returns the index of the bracket that opens the one closing at
// toks[i], or -1.
func matchBack(toks []Token, i int) int {
	closing := toks[i].Text
	opening := map[string]string{")": "(", "]": "[", "}": "{"}[closing]
	depth := 0
	for k := i; k >= 0; k-- {
		if toks[k].Kind != Punct {
			continue
		}
		switch toks[k].Text {
		case closing:
			depth++
		case opening:
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// operandEnd returns the index of the last token of the operand that starts
// at the first significant token at or after i, for an operator of
// precedence prec; -1 if there is none.
func operandEnd(toks []Token, i int, prec int) int {
	i = nextSig(toks, i)
	if i >= len(toks) {
		return -1
	}
	for {
		// unary prefix
		for i < len(toks) && toks[i].Kind == Op && (toks[i].Text == "-" || toks[i].Text == "+" || toks[i].Text == "~") {
			i = nextSig(toks, i+1)
		}
		if i >= len(toks) {
			return -1
		}
		end := primaryEnd(toks, i)
		if end < 0 {
			return -1
		}
		// postfix: .name, ::type, [index]
		for {
			n := nextSig(toks, end+1)
			if n >= len(toks) {
				break
			}
			if toks[n].Kind == Punct && toks[n].Text == "." || toks[n].Kind == Op && toks[n].Text == "::" {
				m := nextSig(toks, n+1)
				if m >= len(toks) {
					break
				}
				end = primaryEnd(toks, m)
				if end < 0 {
					return -1
				}
				continue
			}
			if toks[n].Kind == Punct && toks[n].Text == "[" {
				if c := MatchParen(toks, n); c > 0 {
					end = c
					continue
				}
			}
			break
		}
		n := nextSig(toks, end+1)
		if n < len(toks) && binaryPrec(toks[n]) > prec {
			i = nextSig(toks, n+1)
			if i >= len(toks) {
				return end
			}
			continue
		}
		return end
	}
}

// primaryEnd returns the last token of the primary expression at toks[i].
func primaryEnd(toks []Token, i int) int {
	t := toks[i]
	switch {
	case t.Kind == Punct && (t.Text == "(" || t.Text == "["):
		return MatchParen(toks, i)
	case t.Is("case"):
		depth := 0
		for k := i; k < len(toks); k++ {
			if toks[k].Is("case") {
				depth++
			} else if toks[k].Is("end") {
				depth--
				if depth == 0 {
					return k
				}
			}
		}
		return -1
	case t.Is("interval"):
		// INTERVAL [-]'...' unit [TO unit] ... or INTERVAL n unit n unit ...
		end := i
		k := nextSig(toks, i+1)
		for k < len(toks) {
			if toks[k].Kind == Op && (toks[k].Text == "-" || toks[k].Text == "+") {
				k = nextSig(toks, k+1)
				continue
			}
			if toks[k].Kind == String || toks[k].Kind == Number || toks[k].Kind == Ident && (intervalUnits[strings.ToLower(toks[k].Text)] != "" || toks[k].Is("to")) {
				end = k
				k = nextSig(toks, k+1)
				continue
			}
			break
		}
		return end
	case t.Kind == Ident || t.Kind == QuotedIdent:
		n := nextSig(toks, i+1)
		if n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "(" {
			end := MatchParen(toks, n)
			if end < 0 {
				return -1
			}
			// OVER (...), FILTER (...), WITHIN GROUP (...)
			for {
				m := nextSig(toks, end+1)
				if m >= len(toks) {
					return end
				}
				if toks[m].Is("over") || toks[m].Is("filter") {
					o := nextSig(toks, m+1)
					if o < len(toks) && toks[o].Text == "(" {
						end = MatchParen(toks, o)
						continue
					}
					if o < len(toks) && toks[m].Is("over") {
						end = o // OVER w
						continue
					}
				}
				if toks[m].Is("within") {
					g := nextSig(toks, m+1)
					o := nextSig(toks, g+1)
					if o < len(toks) && toks[o].Text == "(" {
						end = MatchParen(toks, o)
						continue
					}
				}
				return end
			}
		}
		if t.Kind == Ident && literalTypes[strings.ToLower(t.Text)] != "" && n < len(toks) && toks[n].Kind == String {
			return n
		}
		return i
	case t.Kind == String:
		end := i
		for {
			n := nextSig(toks, end+1)
			if n < len(toks) && toks[n].Kind == String {
				end = n
				continue
			}
			return end
		}
	case t.Kind == Number || t.Kind == Op && t.Text == "*":
		return i
	}
	return -1
}

// infixOp is a Spark operator DuckDB lacks, rewritten as a call.
type infixOp struct {
	match func(t Token) bool
	prec  int
	fn    string
	not   bool // also "NOT op": NOT fn(a, b)
}

var infixOps = []infixOp{
	{match: func(t Token) bool { return t.Is("div") && !t.duck }, prec: 7, fn: "spark_div"},
	{match: func(t Token) bool { return t.Kind == Op && t.Text == ">>>" }, prec: 5, fn: "spark_shiftrightunsigned"},
	{match: func(t Token) bool { return t.Kind == Op && t.Text == "^" }, prec: 3, fn: "xor"},
	{match: func(t Token) bool { return (t.Is("rlike") || t.Is("regexp")) && !t.duck }, prec: 1, fn: "regexp_matches", not: true},
}

// rewriteInfix replaces every "a op b" by "fn(a, b)", left to right.
func rewriteInfix(toks []Token, op infixOp) ([]Token, error) {
	for from := 0; ; {
		k := -1
		for i := from; i < len(toks); i++ {
			if op.match(toks[i]) {
				k = i
				break
			}
		}
		if k < 0 {
			return toks, nil
		}
		from = k + 1
		l := prevSig(toks, k)
		negate := false
		opTok := toks[k]
		if l >= 0 && op.not && toks[l].Is("not") && !toks[l].duck {
			negate = true
			l = prevSig(toks, l)
		}
		// A word operator must follow an operand (regexp(...) is a call).
		if l < 0 || !endsOperand(toks[l]) {
			continue
		}
		start := operandStart(toks, l, op.prec)
		end := operandEnd(toks, k+1, op.prec)
		if end < 0 {
			continue
		}
		var out []Token
		out = append(out, toks[:start]...)
		if negate {
			out = append(out, mk(opTok, Ident, "NOT"), mk(opTok, Space, " "))
		}
		out = append(out, mk(opTok, Ident, op.fn), mk(opTok, Punct, "("))
		out = append(out, toks[start:l+1]...)
		out = append(out, mk(opTok, Punct, ","))
		// the operator (and NOT) become blanks that keep their line breaks
		for _, t := range toks[l+1 : k+1] {
			if strings.Contains(t.Text, "\n") {
				out = append(out, mk(t, Space, newlines([]Token{t})))
			}
		}
		out = append(out, toks[k+1:end+1]...)
		out = append(out, mk(opTok, Punct, ")"))
		out = append(out, toks[end+1:]...)
		toks = out
		from = start
	}
}

// rewriteLike gives LIKE and ILIKE Spark's default escape character, the
// backslash (DuckDB's LIKE has none): a LIKE b becomes a LIKE b ESCAPE '\'.
// LIKE ANY/ALL/SOME (...) are left alone.
func rewriteLike(toks []Token) []Token {
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if !(t.Is("like") || t.Is("ilike")) || t.duck {
			continue
		}
		l := prevSig(toks, k)
		if l < 0 || !(endsOperand(toks[l]) || toks[l].Is("not")) {
			continue
		}
		n := nextSig(toks, k+1)
		if n >= len(toks) || toks[n].Is("any") || toks[n].Is("all") || toks[n].Is("some") {
			continue
		}
		end := operandEnd(toks, k+1, 1)
		if end < 0 {
			continue
		}
		if e := nextSig(toks, end+1); e < len(toks) && toks[e].Is("escape") {
			continue
		}
		ins := []Token{mk(t, Space, " "), mk(t, Ident, "ESCAPE"), mk(t, Space, " "), mk(t, String, `'\'`)}
		toks = append(toks[:end+1], append(ins, toks[end+1:]...)...)
		k = end + len(ins)
	}
	return toks
}

// rewriteClauses turns Spark's CLUSTER BY, DISTRIBUTE BY and SORT BY into
// DuckDB clauses. On one machine rows need no distribution: DISTRIBUTE BY
// x is dropped, SORT BY x (sort within each partition) becomes ORDER BY x
// and CLUSTER BY x becomes ORDER BY x. In a window, DISTRIBUTE BY means
// PARTITION BY, SORT BY means ORDER BY and CLUSTER BY x means PARTITION BY x
// ORDER BY x.
func rewriteClauses(toks []Token) []Token {
	for k := 0; k < len(toks); k++ {
		t := toks[k]
		if t.duck || !(t.Is("cluster") || t.Is("distribute") || t.Is("sort")) {
			continue
		}
		by := nextSig(toks, k+1)
		if by >= len(toks) || !toks[by].Is("by") {
			continue
		}
		// the list runs to the next clause at this depth
		end := by
		depth := 0
		for j := by + 1; j < len(toks); j++ {
			tj := toks[j]
			if tj.Kind == Punct && (tj.Text == "(" || tj.Text == "[") {
				depth++
			}
			if tj.Kind == Punct && (tj.Text == ")" || tj.Text == "]") {
				if depth == 0 {
					break
				}
				depth--
			}
			if depth == 0 && (tj.Kind == Punct && tj.Text == ";" || tj.Kind == Ident && clauseEnd[strings.ToLower(tj.Text)]) {
				break
			}
			if tj.Significant() {
				end = j
			}
		}
		window := inWindow(toks, k)
		list := toks[by+1 : end+1]
		var repl []Token
		switch {
		case t.Is("distribute") && window:
			repl = []Token{mk(t, Ident, "PARTITION BY")}
			repl = append(repl, list...)
		case t.Is("distribute"):
			repl = []Token{mk(t, Space, newlines(toks[k:end+1]))}
		case t.Is("sort"):
			repl = []Token{mk(t, Ident, "ORDER BY")}
			repl = append(repl, list...)
		case t.Is("cluster") && window:
			repl = []Token{mk(t, Ident, "PARTITION BY")}
			repl = append(repl, list...)
			repl = append(repl, mk(t, Ident, " ORDER BY "))
			repl = append(repl, oneLine(list)...)
		default: // CLUSTER BY outside a window
			repl = []Token{mk(t, Ident, "ORDER BY")}
			repl = append(repl, list...)
		}
		if !(t.Is("distribute") && !window) {
			repl = append([]Token{mk(t, Space, newlines(toks[k:by+1]))}, repl...)
		}
		out := append([]Token{}, toks[:k]...)
		out = append(out, repl...)
		out = append(out, toks[end+1:]...)
		toks = out
	}
	return toks
}

// clauseEnd are words that end a CLUSTER/DISTRIBUTE/SORT BY list.
var clauseEnd = wordSet(`limit offset union intersect except minus window sort order having qualify
	distribute cluster rows range fetch`)

// inWindow reports whether toks[k] is inside OVER (...) or a WINDOW w AS (...).
func inWindow(toks []Token, k int) bool {
	depth := 0
	for j := k - 1; j >= 0; j-- {
		if toks[j].Kind != Punct {
			continue
		}
		switch toks[j].Text {
		case ")":
			depth++
		case "(":
			if depth > 0 {
				depth--
				continue
			}
			p := prevSig(toks, j)
			if p < 0 {
				return false
			}
			if toks[p].Is("over") {
				return true
			}
			if toks[p].Is("as") {
				// WINDOW w AS (
				q := prevSig(toks, p)
				r := prevSig(toks, q)
				return r >= 0 && (toks[r].Is("window") || toks[r].Kind == Punct && toks[r].Text == ",")
			}
			return false
		}
	}
	return false
}

// rewriteValues gives each row of a VALUES list its parentheses, as Spark
// allows VALUES 1, 2, 3 (three rows) where DuckDB wants VALUES (1), (2), (3).
func rewriteValues(toks []Token) []Token {
	for k := 0; k < len(toks); k++ {
		if !toks[k].Is("values") || toks[k].duck {
			continue
		}
		i := nextSig(toks, k+1)
		var out []Token
		out = append(out, toks[:i]...)
		changed := false
		for i < len(toks) {
			end := operandEnd(toks, i, 0)
			if end < 0 {
				break
			}
			isRow := toks[i].Kind == Punct && toks[i].Text == "(" && MatchParen(toks, i) == end
			if isRow {
				out = append(out, toks[i:end+1]...)
			} else {
				changed = true
				out = append(out, mk(toks[i], Punct, "("))
				out = append(out, toks[i:end+1]...)
				out = append(out, mk(toks[end], Punct, ")"))
			}
			n := nextSig(toks, end+1)
			out = append(out, toks[end+1:n]...)
			if n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "," {
				out = append(out, toks[n])
				m := nextSig(toks, n+1)
				out = append(out, toks[n+1:m]...)
				i = m
				continue
			}
			i = n
			break
		}
		if !changed {
			continue
		}
		out = append(out, toks[i:]...)
		toks = out
	}
	return toks
}

// oneLine copies toks for a second use: blanks and comments lose their line
// breaks.
func oneLine(toks []Token) []Token {
	out := make([]Token, len(toks))
	for i, t := range toks {
		if !t.Significant() {
			t = Token{Kind: Space, Text: " ", Offset: t.Offset, Line: t.Line, Col: t.Col}
		}
		out[i] = t
	}
	return out
}

// rewriteLateralView turns Spark's
//
//	FROM t LATERAL VIEW [OUTER] explode(arr) tab AS c1, c2
//
// into a DuckDB lateral join: CROSS JOIN LATERAL (SELECT explode(arr)) AS
// tab(c1, c2), or for OUTER a LEFT JOIN ... ON true, which keeps the rows
// whose array is empty or NULL.
func rewriteLateralView(toks []Token) ([]Token, error) {
	for k := 0; k < len(toks); k++ {
		if !toks[k].Is("lateral") || toks[k].duck {
			continue
		}
		v := nextSig(toks, k+1)
		if v >= len(toks) || !toks[v].Is("view") {
			continue
		}
		outer := false
		g := nextSig(toks, v+1)
		if g < len(toks) && toks[g].Is("outer") {
			outer = true
			g = nextSig(toks, g+1)
		}
		open := nextSig(toks, g+1)
		if g >= len(toks) || toks[g].Kind != Ident || open >= len(toks) || toks[open].Text != "(" {
			return nil, &Error{Pos: Pos{toks[k].Line, toks[k].Col}, Msg: "LATERAL VIEW needs a generator call such as explode(array)", Err: ErrSyntax}
		}
		closing := MatchParen(toks, open)
		if closing < 0 {
			return nil, &Error{Pos: Pos{toks[k].Line, toks[k].Col}, Msg: "unclosed generator call in LATERAL VIEW", Err: ErrSyntax}
		}
		end := closing
		alias := ""
		var cols []string
		j := nextSig(toks, closing+1)
		if j < len(toks) && toks[j].Name() != "" && !toks[j].Is("as") && !fromListEnd[strings.ToLower(toks[j].Text)] && !toks[j].Is("lateral") && !toks[j].Is("join") {
			alias = toks[j].Name()
			end = j
			j = nextSig(toks, j+1)
		}
		if j < len(toks) && toks[j].Is("as") {
			for {
				c := nextSig(toks, j+1)
				if c >= len(toks) || toks[c].Name() == "" {
					break
				}
				cols = append(cols, toks[c].Name())
				end = c
				j = nextSig(toks, c+1)
				if j >= len(toks) || toks[j].Text != "," {
					break
				}
			}
		}
		if alias == "" {
			alias = "_lv" + itoa(k)
		}
		if cols == nil {
			switch strings.ToLower(toks[g].Text) {
			case "explode", "explode_outer":
				cols = []string{"col"}
			case "posexplode", "posexplode_outer":
				cols = []string{"pos", "col"}
			}
		}
		t := toks[k]
		join := "CROSS JOIN LATERAL (SELECT "
		if outer {
			join = "LEFT JOIN LATERAL (SELECT "
		}
		aliasText := quoteIdent(alias)
		if cols != nil {
			q := make([]string, len(cols))
			for i, c := range cols {
				q[i] = quoteIdent(c)
			}
			aliasText += "(" + strings.Join(q, ", ") + ")"
		}
		tail := ") AS " + aliasText
		if outer {
			tail += " ON true"
		}
		var out []Token
		out = append(out, toks[:k]...)
		out = append(out, mk(t, Ident, join))
		out = append(out, toks[g:closing+1]...)
		out = append(out, mk(t, Ident, tail), mk(t, Space, newlines(toks[k:g])+newlines(toks[closing+1:end+1])))
		out = append(out, toks[end+1:]...)
		toks = out
	}
	return toks, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
