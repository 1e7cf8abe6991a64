package sparksql

import (
	"errors"
	"fmt"
	"strings"
)

// ErrRewrite is wrapped by every error Rewrite returns.
var ErrRewrite = errors.New("spark sql rewrite")

// Rewrite turns Spark SQL into DuckDB SQL where the macros that Install
// creates are not enough. It
//
//   - renames calls whose DuckDB namesake differs from Spark (split, substr,
//     date_add, date_sub, datediff, dayofweek, ...) to spark_* macros;
//   - rewrites calls that need their arguments looked at: date patterns in
//     date_format, to_date, to_timestamp, unix_timestamp and from_unixtime
//     are converted to strftime/strptime formats here, once, so a literal
//     pattern costs nothing per row; explode becomes unnest;
//     current_timestamp() loses its parentheses; int(x), string(x), ... become
//     TRY_CAST; concat(a, b) becomes a || b (NULL if any part is NULL);
//   - spells Spark string literals with backslash escapes as DuckDB literals
//     of the same value, and `backtick` identifiers as "double-quoted" ones.
//
// Text inside string literals, "quoted identifiers" and comments (Spark hints
// /*+ ... */ included: DuckDB ignores them as comments) is never rewritten, and
// the result has exactly the newlines of the input, so a DuckDB error on line
// N points at line N of the manifest's SQL. Only the columns within a line
// may move.
func Rewrite(sparkSQL string) (string, error) {
	toks, err := lex(sparkSQL)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrRewrite, err)
	}
	out, err := rewriteTokens(toks)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrRewrite, err)
	}
	if got, want := strings.Count(out, "\n"), strings.Count(sparkSQL, "\n"); got != want {
		// A rule that duplicated or dropped a line break: a bug here, not in the SQL.
		return "", fmt.Errorf("%w: internal error: output has %d newlines, input %d", ErrRewrite, got, want)
	}
	return out, nil
}

// arg is one argument of a call: its rewritten text (with the blanks and
// comments around it), and the Spark value when it is a lone string literal.
type arg struct {
	text      string
	lit       *string
	pre, post string // for a literal: the blanks and comments around it
}

// withLiteral returns the argument's text with its literal replaced by lit,
// keeping the line breaks around it.
func (a arg) withLiteral(lit string) string { return a.pre + lit + a.post }

// call is a function call found in the token stream.
type call struct {
	name    string // as written
	args    []arg
	prevSig string // lower-cased previous significant token, "" at start
	line    int
}

// rule rewrites one call. It returns "" (and no error) to leave the call as
// it is. It must use each argument's text at most once so that no newline is
// duplicated; Rewrite restores the line breaks of dropped text.
type rule func(c call) (string, error)

func rewriteTokens(toks []token) (string, error) {
	var b strings.Builder
	prevSig := ""
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tkString:
			b.WriteString(duckStringLiteral(t.text))
		case tkBacktick:
			inner := strings.ReplaceAll(t.text[1:len(t.text)-1], "``", "`")
			b.WriteString(`"` + strings.ReplaceAll(inner, `"`, `""`) + `"`)
		case tkIdent:
			if out, next, ok := rewriteRLike(toks, i, prevSig); ok {
				b.WriteString(out)
				i = next
				break
			}
			open := nextSignificant(toks, i+1, false)
			if open < 0 || toks[open].text != "(" || prevSig == "." {
				b.WriteString(t.text)
				break
			}
			closing := matchParen(toks, open)
			if closing < 0 {
				b.WriteString(t.text)
				break
			}
			text, err := rewriteCall(toks, i, open, closing, prevSig)
			if err != nil {
				return "", err
			}
			b.WriteString(text)
			i = closing
		case tkNumber:
			b.WriteString(duckNumber(t.text))
		default:
			b.WriteString(t.text)
		}
		if t.kind != tkSpace && t.kind != tkComment {
			prevSig = strings.ToLower(toks[i].text)
		}
	}
	return b.String(), nil
}

// rewriteRLike handles the operator forms x RLIKE 'regex' and x REGEXP
// 'regex' (with or without NOT): DuckDB's SIMILAR TO is a regexp full match,
// so the pattern is wrapped to match anywhere, as Spark's RLIKE does. It
// returns the text for tokens i..next.
func rewriteRLike(toks []token, i int, prevSig string) (string, int, bool) {
	w := strings.ToLower(toks[i].text)
	if w != "rlike" && w != "regexp" || prevSig == "" || prevSig == "(" || prevSig == "," {
		return "", 0, false
	}
	j := nextSignificant(toks, i+1, true)
	if j < 0 || toks[j].kind != tkString {
		return "", 0, false
	}
	re := value(sparkStringValue(toks[j].text))
	return "SIMILAR TO" + joinText(toks[i+1:j]) + quoteDuck("(?s).*(?:"+re+").*"), j, true
}

func rewriteCall(toks []token, nameIdx, open, closing int, prevSig string) (string, error) {
	name := toks[nameIdx].text
	gap := joinText(toks[nameIdx+1 : open])
	var args []arg
	if nextSignificant(toks[:closing], open+1, true) >= 0 {
		start := open + 1
		depth := 0
		for k := open + 1; k <= closing; k++ {
			tk := toks[k]
			if tk.kind != tkPunct {
				continue
			}
			switch tk.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
			if (tk.text == "," && depth == 0) || k == closing {
				a, err := makeArg(toks[start:k])
				if err != nil {
					return "", err
				}
				args = append(args, a)
				start = k + 1
			}
		}
	}
	c := call{name: name, args: args, prevSig: prevSig, line: toks[nameIdx].line}
	if r, ok := rules[strings.ToLower(name)]; ok && !namesTable[prevSig] {
		out, err := r(c)
		if err != nil {
			return "", fmt.Errorf("line %d: %s: %w", c.line, strings.ToLower(name), err)
		}
		if out != "" {
			orig := joinText(toks[nameIdx : closing+1])
			if missing := strings.Count(orig, "\n") - strings.Count(out, "\n"); missing > 0 {
				out += strings.Repeat("\n", missing)
			}
			return out, nil
		}
	}
	texts := make([]string, len(args))
	for k, a := range args {
		texts[k] = a.text
	}
	return name + gap + "(" + strings.Join(texts, ",") + ")", nil
}

// namesTable holds the tokens after which name( is a table, a column
// list or a type, never a function call.
var namesTable = map[string]bool{"into": true, "table": true, "view": true, "update": true, "as": true, "::": true}

func makeArg(toks []token) (arg, error) {
	text, err := rewriteTokens(toks)
	if err != nil {
		return arg{}, err
	}
	a := arg{text: text}
	var sig []int
	for i, t := range toks {
		if t.kind != tkSpace && t.kind != tkComment {
			sig = append(sig, i)
		}
	}
	if len(sig) == 1 && toks[sig[0]].kind == tkString {
		v := value(sparkStringValue(toks[sig[0]].text))
		a.lit = &v
		a.pre, a.post = joinText(toks[:sig[0]]), joinText(toks[sig[0]+1:])
	}
	return a, nil
}

// nextSignificant returns the index of the first token at or after i that is
// not a blank or a comment (or, if !skipComments, not a blank), or -1.
func nextSignificant(toks []token, i int, skipComments bool) int {
	for ; i < len(toks); i++ {
		if toks[i].kind == tkSpace || (skipComments && toks[i].kind == tkComment) {
			continue
		}
		return i
	}
	return -1
}

func matchParen(toks []token, open int) int {
	depth := 0
	for k := open; k < len(toks); k++ {
		if toks[k].kind != tkPunct {
			continue
		}
		switch toks[k].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

func joinText(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}

// numberSuffixes are Spark's typed numeric literal suffixes (1L, 2.5BD, ...).
var numberSuffixes = []struct{ suffix, typ string }{
	{"bd", ""}, {"l", "BIGINT"}, {"s", "SMALLINT"}, {"y", "TINYINT"}, {"d", "DOUBLE"}, {"f", "FLOAT"},
}

// duckNumber spells a Spark numeric literal for DuckDB: 10L becomes
// CAST(10 AS BIGINT), 2.5BD the decimal literal 2.5.
func duckNumber(text string) string {
	lower := strings.ToLower(text)
	if strings.HasPrefix(lower, "0x") {
		return text
	}
	for _, s := range numberSuffixes {
		if !strings.HasSuffix(lower, s.suffix) {
			continue
		}
		digits := lower[:len(lower)-len(s.suffix)]
		if digits == "" || strings.Trim(digits, "0123456789.e+-") != "" {
			continue
		}
		if s.typ == "" {
			return text[:len(digits)]
		}
		return "CAST(" + text[:len(digits)] + " AS " + s.typ + ")"
	}
	return text
}
