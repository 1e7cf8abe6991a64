package sparksql

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Rewrite turns Spark SQL into DuckDB SQL with the same meaning, given the
// macros that Install creates. See Translate.
func Rewrite(sparkSQL string) (string, error) {
	r, err := Translate(sparkSQL)
	if err != nil {
		return "", err
	}
	return r.SQL, nil
}

// Rewritten is Spark SQL translated to DuckDB SQL, with a map from
// positions in SQL back to the Spark text.
type Rewritten struct {
	SQL     string
	src     string
	anchors []anchor // by out offset
}

// anchor says that SQL[out:out+n] was copied from src[src:src+n]; text
// after it (up to the next anchor) was made for the Spark text at src.
type anchor struct{ out, src, n int }

// Translate turns Spark SQL into DuckDB SQL where the macros that Install
// creates are not enough:
//
//   - quoting as Spark reads it: '...' and "..." are string literals (with
//     Spark's backslash escapes, adjacent literals concatenated), `...` quotes
//     an identifier;
//   - Spark-only syntax: x'..' binary literals, typed literals, INTERVAL
//     literals with Spark's units and strings, the operators <=> ! ^ div >>>
//     and RLIKE, LIKE with Spark's \ escape, lambdas (x -> ..., (x, i) -> ...),
//     named arguments (f(arg => v)), CLUSTER BY / DISTRIBUTE BY / SORT BY,
//     VALUES rows without parentheses, Spark type names in CAST;
//   - calls whose DuckDB namesake differs from Spark, or that need their
//     arguments looked at (date patterns are converted once, at text level);
//   - Spark functions that Flare does not run are refused by name.
//
// Comments stay (as DuckDB block comments), and the result has exactly the
// line breaks of the input, so a DuckDB error on line N is on line N of the
// Spark text; Source maps a column too.
func Translate(sparkSQL string) (*Rewritten, error) {
	if i := strings.IndexAny(sparkSQL, "\x00\x01\x02\x03"); i >= 0 {
		return nil, &Error{Pos: posAt(sparkSQL, i), Msg: "control character in SQL text", Err: ErrSyntax}
	}
	toks, err := Lex(sparkSQL)
	if err != nil {
		return nil, err
	}
	toks, err = desugar(toks)
	if err != nil {
		return nil, err
	}
	rw := &rewriter{src: sparkSQL}
	marked, err := rw.emit(toks)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, fmt.Errorf("%w: %w", ErrRewrite, err)
	}
	r := finish(sparkSQL, marked)
	if strings.ContainsAny(r.SQL, "\x02\x03") {
		return nil, fmt.Errorf("%w: internal error: a lambda parameter was left in %q", ErrRewrite, r.SQL)
	}
	if got, want := strings.Count(r.SQL, "\n"), strings.Count(sparkSQL, "\n"); got != want {
		// A rule that duplicated or dropped a line break: a bug here, not in the SQL.
		return nil, fmt.Errorf("%w: internal error: output has %d newlines, input %d", ErrRewrite, got, want)
	}
	return r, nil
}

// Source returns the position in the Spark text that position p of SQL
// was made from. Text that a rewrite made up maps to the start of the Spark
// text it replaces.
func (r *Rewritten) Source(p Pos) Pos {
	out := offsetOf(r.SQL, p)
	k := sort.Search(len(r.anchors), func(i int) bool { return r.anchors[i].out > out }) - 1
	if k < 0 {
		return p
	}
	a := r.anchors[k]
	src := a.src
	if d := out - a.out; d < a.n {
		src += d
	}
	return posAt(r.src, src)
}

// posAt returns the line and column of byte offset off of s.
func posAt(s string, off int) Pos {
	if off > len(s) {
		off = len(s)
	}
	line := 1 + strings.Count(s[:off], "\n")
	start := strings.LastIndexByte(s[:off], '\n') + 1
	return Pos{Line: line, Col: utf8.RuneCountInString(s[start:off]) + 1}
}

// offsetOf returns the byte offset of p in s (clamped to s).
func offsetOf(s string, p Pos) int {
	off := 0
	for line := 1; line < p.Line; line++ {
		i := strings.IndexByte(s[off:], '\n')
		if i < 0 {
			return len(s)
		}
		off += i + 1
	}
	for c := 1; c < p.Col && off < len(s) && s[off] != '\n'; c++ {
		_, n := utf8.DecodeRuneInString(s[off:])
		off += n
	}
	return off
}

// Markers in the text the rewriter builds: an anchor "\x00src:n\x01" ties
// the text after it to the Spark source; a lambda parameter "\x02id\x03"
// is replaced by the rule of the higher-order function that owns it.
func anchorAt(src, n int) string {
	return "\x00" + strconv.Itoa(src) + ":" + strconv.Itoa(n) + "\x01"
}

// finish strips the anchors out of marked text.
func finish(src, marked string) *Rewritten {
	r := &Rewritten{src: src}
	var b strings.Builder
	for {
		i := strings.IndexByte(marked, 0)
		if i < 0 {
			b.WriteString(marked)
			break
		}
		b.WriteString(marked[:i])
		j := strings.IndexByte(marked[i:], 1) + i
		s, n, _ := strings.Cut(marked[i+1:j], ":")
		so, _ := strconv.Atoi(s)
		nn, _ := strconv.Atoi(n)
		r.anchors = append(r.anchors, anchor{out: b.Len(), src: so, n: nn})
		marked = marked[j+1:]
	}
	r.SQL = b.String()
	return r
}

// stripAnchors removes anchors from marked text.
func stripAnchors(s string) string {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], 1) + i
		s = s[:i] + s[j+1:]
	}
}

// flat returns marked text for a second use in a rewrite: without anchors
// and line breaks (comments are blanks and literals carry no raw line
// break, so a line break is always a blank).
func flat(s string) string { return strings.ReplaceAll(stripAnchors(s), "\n", " ") }

// newlines returns the line breaks in the source text of toks, to stand
// for text a rewrite drops.
func newlines(toks []Token) string {
	n := 0
	for _, t := range toks {
		n += strings.Count(t.Text, "\n")
	}
	return strings.Repeat("\n", n)
}

// duckComment spells a Spark comment as a DuckDB block comment of the same
// length on each line: DuckDB does not nest block comments, and a line
// comment must not swallow text that a rewrite puts after it.
func duckComment(c string) string {
	if strings.HasPrefix(c, "--") {
		return "/*" + strings.ReplaceAll(strings.ReplaceAll(c[2:], "*/", "* "), "/*", " *") + "*/"
	}
	inner := c[2 : len(c)-2]
	inner = strings.ReplaceAll(strings.ReplaceAll(inner, "*/", "  "), "/*", "  ")
	return "/*" + inner + "*/"
}

// rewriter turns tokens into marked DuckDB text.
type rewriter struct {
	src    string
	nextID int
	scopes []map[string]string // lambda parameters in scope: lower-case name -> marker
}

func (rw *rewriter) errorf(t Token, kind error, format string, args ...any) error {
	return &Error{Pos: Pos{t.Line, t.Col}, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func verb(t Token) string { return anchorAt(t.Offset, len(t.Text)) + t.Text }

func synth(t Token, text string) string { return anchorAt(t.Offset, 0) + text }

// emit rewrites toks into marked DuckDB text.
func (rw *rewriter) emit(toks []Token) (string, error) {
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		next, err := rw.token(&b, toks, i)
		if err != nil {
			return "", err
		}
		i = next
	}
	return b.String(), nil
}

// token writes the rewrite of toks[i] (and of the tokens that belong to
// it) and returns the index of the last token it used.
func (rw *rewriter) token(b *strings.Builder, toks []Token, i int) (int, error) {
	t := toks[i]
	if t.duck && t.Kind != Ident && t.Kind != Punct {
		b.WriteString(verb(t))
		return i, nil
	}
	switch t.Kind {
	case Space:
		b.WriteString(t.Text)
	case Comment:
		b.WriteString(duckComment(t.Text))
	case String:
		// Adjacent literals are one value in Spark: 'a' 'b' = 'ab'.
		j := i
		val := t.Value()
		for {
			k := nextSig(toks, j+1)
			if k >= len(toks) || toks[k].Kind != String || toks[k].duck {
				break
			}
			val += toks[k].Value()
			j = k
		}
		b.WriteString(synth(t, duckLiteral(t, val)))
		b.WriteString(newlines(toks[i+1 : j+1]))
		return j, nil
	case QuotedIdent:
		if m := rw.param(t.Value()); m != "" && !afterDot(toks, i) {
			b.WriteString(synth(t, m))
			break
		}
		b.WriteString(synth(t, quoteIdent(t.Value())))
	case Number:
		b.WriteString(synth(t, duckNumber(t.Text)))
	case Op:
		switch t.Text {
		case "<=>":
			b.WriteString(synth(t, "IS NOT DISTINCT FROM"))
		case "!":
			b.WriteString(synth(t, "NOT "))
		case "-":
			// Spark types -2147483648 as an INT (DuckDB reads 2147483648 first)
			n := nextSig(toks, i+1)
			if p := prevSig(toks, i); (p < 0 || !endsOperand(toks[p])) && n < len(toks) && toks[n].Kind == Number {
				switch toks[n].Text {
				case "2147483648":
					b.WriteString(synth(t, "CAST(-2147483648 AS INTEGER)") + newlines(toks[i:n+1]))
					return n, nil
				case "9223372036854775808", "9223372036854775808L", "9223372036854775808l":
					b.WriteString(synth(t, "CAST(-9223372036854775808 AS BIGINT)") + newlines(toks[i:n+1]))
					return n, nil
				}
			}
			b.WriteString(verb(t))
		case "|>":
			return i, rw.errorf(t, ErrUnsupported, "the SQL pipe operator |> is not supported")
		case "::":
			// x::type with a Spark type
			b.WriteString(verb(t))
			if end := typeEnd(toks, i+1); end > 0 {
				if typ, err := sparkType(toks[i+1 : end+1]); err == nil {
					b.WriteString(synth(toks[nextSig(toks, i+1)], typ) + newlines(toks[i+1:end+1]))
					return end, nil
				}
			}
		default:
			b.WriteString(verb(t))
		}
	case Ident:
		return rw.ident(b, toks, i)
	default:
		b.WriteString(verb(t))
	}
	return i, nil
}

func afterDot(toks []Token, i int) bool {
	p := prevSig(toks, i)
	return p >= 0 && toks[p].Kind == Punct && toks[p].Text == "."
}

// param returns the marker of the lambda parameter name, or "".
func (rw *rewriter) param(name string) string {
	low := strings.ToLower(name)
	for k := len(rw.scopes) - 1; k >= 0; k-- {
		if m, ok := rw.scopes[k][low]; ok {
			return m
		}
	}
	return ""
}

// duckLiteral spells a string value as a DuckDB literal. Escaped control
// characters become chr(n) joined with ||; a raw line break keeps its place
// in a comment, so that the text has the input's line breaks but no literal
// spans lines.
func duckLiteral(t Token, val string) string {
	if !strings.ContainsFunc(val, isControl) {
		return quoteDuck(val)
	}
	var parts []string
	var cur strings.Builder
	for _, r := range val {
		if !isControl(r) {
			cur.WriteRune(r)
			continue
		}
		if cur.Len() > 0 {
			parts = append(parts, quoteDuck(cur.String()))
			cur.Reset()
		}
		parts = append(parts, fmt.Sprintf("chr(%d)", r))
	}
	if cur.Len() > 0 {
		parts = append(parts, quoteDuck(cur.String()))
	}
	out := "(" + strings.Join(parts, " || ") + ")"
	// The source's raw line breaks (not \n escapes) are kept as comments.
	if n := strings.Count(t.Text, "\n"); n > 0 {
		out += "/*" + strings.Repeat("\n", n) + "*/"
	}
	return out
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// quoteIdent quotes a name as a DuckDB identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// numberSuffixes are Spark's typed numeric literal suffixes (1L, 2.5BD, ...).
var numberSuffixes = []struct{ suffix, typ string }{
	{"bd", "DECIMAL"}, {"l", "BIGINT"}, {"s", "SMALLINT"}, {"y", "TINYINT"}, {"d", "DOUBLE"}, {"f", "FLOAT"},
}

// duckNumber spells a Spark numeric literal for DuckDB: 10L becomes
// CAST(10 AS BIGINT), 2.5BD the decimal literal 2.5, 1e3 the double 1000.0
// (DuckDB reads 1e3 as a double too), 1.5 a decimal as in Spark.
func duckNumber(text string) string {
	lower := strings.ToLower(text)
	for _, s := range numberSuffixes {
		if !strings.HasSuffix(lower, s.suffix) {
			continue
		}
		digits := lower[:len(lower)-len(s.suffix)]
		if !isNumeric(digits) {
			continue
		}
		if s.typ == "DECIMAL" {
			if !strings.ContainsAny(digits, "e") {
				return decimalLiteral(text[:len(digits)])
			}
			return text[:len(digits)]
		}
		return "CAST(" + text[:len(digits)] + " AS " + s.typ + ")"
	}
	return text
}

// decimalLiteral spells digits as a DECIMAL of Spark's precision and scale
// (DuckDB reads 10 as an INTEGER and 1.5 as DECIMAL(2,1), as Spark does,
// but 2BD must be a decimal).
func decimalLiteral(digits string) string {
	intPart, frac, _ := strings.Cut(digits, ".")
	intPart = strings.TrimLeft(intPart, "0")
	p := len(intPart) + len(frac)
	if p == 0 {
		p = 1
	}
	if p > 38 {
		return digits
	}
	return fmt.Sprintf("CAST(%s AS DECIMAL(%d,%d))", digits, max(p, len(frac)), len(frac))
}

func isNumeric(s string) bool {
	if s == "" || strings.Trim(s, "0123456789.e+-") != "" {
		return false
	}
	return s[0] >= '0' && s[0] <= '9' || s[0] == '.'
}

// typeEnd returns the last token of the type name that starts at the first
// significant token at or after i: name, name(...), name<...>; -1 if none.
func typeEnd(toks []Token, i int) int {
	i = nextSig(toks, i)
	if i >= len(toks) || toks[i].Kind != Ident {
		return -1
	}
	end := i
	n := nextSig(toks, i+1)
	if n < len(toks) && toks[n].Kind == Op && toks[n].Text == "<" {
		depth := 0
		for k := n; k < len(toks); k++ {
			if toks[k].Kind != Op {
				continue
			}
			switch toks[k].Text {
			case "<":
				depth++
			case ">", ">>", ">>>":
				depth -= len(toks[k].Text)
			}
			if depth <= 0 {
				return k
			}
		}
		return -1
	}
	if n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "(" {
		return MatchParen(toks, n)
	}
	return end
}
