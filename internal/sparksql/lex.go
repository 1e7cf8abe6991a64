package sparksql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a token of Spark SQL text is.
type Kind int

const (
	Space       Kind = iota // blanks and line breaks
	Comment                 // -- line comment or /* block comment */ (hints /*+ ... */ included; Spark nests them)
	String                  // Spark string literal: '...', "..." or raw r'...' / r"..." (Value decodes it)
	Ident                   // bare name or keyword
	QuotedIdent             // `quoted identifier` (Value unquotes it)
	Number                  // 12, 1.5, .5, 1e3, 10L, 2.5BD, 1.5D (Spark's typed suffixes included)
	Op                      // operator: + - * / % = == != <> < <= > >= <=> ! ~ & | ^ || << >> >>> -> => :: : ?
	Punct                   // ( ) [ ] { } , . ;
)

func (k Kind) String() string {
	switch k {
	case Space:
		return "space"
	case Comment:
		return "comment"
	case String:
		return "string"
	case Ident:
		return "identifier"
	case QuotedIdent:
		return "quoted identifier"
	case Number:
		return "number"
	case Op:
		return "operator"
	case Punct:
		return "punctuation"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Token is one lexeme of Spark SQL text. Text is exactly the source text, so
// joining the Text of all tokens gives the input back.
type Token struct {
	Kind   Kind
	Text   string
	Offset int // byte offset of the first byte in the source
	Line   int // 1-based line of the first character
	Col    int // 1-based column of the first character, counted in characters (runes)

	duck bool // made by Rewrite: Text is DuckDB SQL, emitted as it is
}

// Is reports whether t is the bare word w (case-insensitive), such as a
// keyword. A quoted identifier is never a keyword.
func (t Token) Is(w string) bool { return t.Kind == Ident && strings.EqualFold(t.Text, w) }

// Significant reports whether t is neither a blank nor a comment.
func (t Token) Significant() bool { return t.Kind != Space && t.Kind != Comment }

// Value returns what the token stands for: the decoded value of a string
// literal (escapes applied as Spark does), the name of a quoted identifier
// without its backticks, and the text of every other token.
func (t Token) Value() string {
	switch t.Kind {
	case String:
		if t.duck {
			return duckStringValue(t.Text)
		}
		return value(sparkStringValue(t.Text))
	case QuotedIdent:
		if t.duck {
			return strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`)
		}
		return strings.ReplaceAll(t.Text[1:len(t.Text)-1], "``", "`")
	}
	return t.Text
}

// Name returns the identifier a token names: the text of a bare word, the
// unquoted name of a `quoted` one, and "" for any other token.
func (t Token) Name() string {
	switch t.Kind {
	case Ident:
		return t.Text
	case QuotedIdent:
		return t.Value()
	}
	return ""
}

// Pos is a position in SQL text.
type Pos struct {
	Line, Col int // 1-based; Col counts characters
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// operators are the multi-character operators, longest first.
var operators = []string{"<=>", ">>>", "<<", ">>", "<=", ">=", "<>", "!=", "==", "||", "->", "=>", "::", "|>"}

// Lex splits Spark SQL text into tokens, as Spark's lexer does: '...' and
// "..." are string literals (with backslash escapes; adjacent literals are
// separate tokens that Spark concatenates), r'...' is a raw string,
// `...` is a quoted identifier (a doubled backtick stands for one), --
// and /* */ are comments (block comments nest). It fails only on text that
// cannot be split: an unterminated string, quoted identifier or comment.
func Lex(sql string) ([]Token, error) { return lex(sql, false) }

// lex splits Spark SQL, or DuckDB SQL when duck is set: then '...' doubles
// a quote instead of escaping it with a backslash, and "..." quotes an
// identifier.
func lex(sql string, duck bool) ([]Token, error) {
	var toks []Token
	line, col := 1, 1
	i := 0
	emit := func(kind Kind, end int) {
		text := sql[i:end]
		toks = append(toks, Token{Kind: kind, Text: text, Offset: i, Line: line, Col: col})
		for _, r := range text {
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		i = end
	}
	fail := func(format string, args ...any) ([]Token, error) {
		return nil, &Error{Pos: Pos{line, col}, Msg: fmt.Sprintf(format, args...), Err: ErrSyntax}
	}
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			j := i + 1
			for j < len(sql) && strings.IndexByte(" \t\n\r\f\v", sql[j]) >= 0 {
				j++
			}
			emit(Space, j)
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = len(sql) - i
			}
			emit(Comment, i+j)
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			depth, j := 0, i
			for j < len(sql) {
				if strings.HasPrefix(sql[j:], "/*") {
					depth++
					j += 2
				} else if strings.HasPrefix(sql[j:], "*/") {
					depth--
					j += 2
					if depth == 0 {
						break
					}
				} else {
					j++
				}
			}
			if depth != 0 {
				return fail("unterminated /* comment")
			}
			emit(Comment, j)
		case duck && (c == '\'' || c == '"'):
			j := i + 1
			for {
				k := strings.IndexByte(sql[j:], c)
				if k < 0 {
					return fail("unterminated quoted text")
				}
				j += k + 1
				if j < len(sql) && sql[j] == c {
					j++
					continue
				}
				break
			}
			if c == '"' {
				emit(QuotedIdent, j)
			} else {
				emit(String, j)
			}
		case c == '\'' || c == '"':
			j, ok := scanQuoted(sql, i, true)
			if !ok {
				return fail("unterminated string literal")
			}
			emit(String, j)
		case !duck && (c == 'r' || c == 'R') && i+1 < len(sql) && (sql[i+1] == '\'' || sql[i+1] == '"') && !prevIsWordChar(sql, i):
			// Raw string literal r'...': a backslash does not escape,
			// except that \' (or \") does not end it, as in Spark.
			j, ok := scanQuoted(sql, i+1, true)
			if !ok {
				return fail("unterminated raw string literal")
			}
			emit(String, j)
		case c == '`':
			j := i + 1
			for {
				k := strings.IndexByte(sql[j:], '`')
				if k < 0 {
					return fail("unterminated `quoted identifier`")
				}
				j += k + 1
				if j < len(sql) && sql[j] == '`' { // doubled backtick inside
					j++
					continue
				}
				break
			}
			emit(QuotedIdent, j)
		case isIdentStart(sql, i):
			emit(Ident, scanWord(sql, i))
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9' && !prevIsWordChar(sql, i):
			emit(Number, scanNumber(sql, i))
		default:
			n := 0
			for _, op := range operators {
				if strings.HasPrefix(sql[i:], op) {
					n = len(op)
					break
				}
			}
			if n > 0 {
				emit(Op, i+n)
				continue
			}
			if strings.IndexByte("()[]{},.;", c) >= 0 {
				emit(Punct, i+1)
				continue
			}
			_, n = utf8.DecodeRuneInString(sql[i:])
			emit(Op, i+n)
		}
	}
	return toks, nil
}

// scanQuoted returns the end of the quoted text starting at sql[i] (its
// opening quote). A backslash always takes the next character with it.
func scanQuoted(sql string, i int, backslash bool) (int, bool) {
	q := sql[i]
	for j := i + 1; j < len(sql); j++ {
		switch sql[j] {
		case '\\':
			if backslash {
				j++
			}
		case q:
			return j + 1, true
		}
	}
	return 0, false
}

func scanWord(sql string, i int) int {
	j := i
	for j < len(sql) {
		r, n := utf8.DecodeRuneInString(sql[j:])
		if r != '_' && r != '$' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		j += n
	}
	return j
}

// scanNumber returns the end of the number starting at sql[i]: digits, a
// fraction, an exponent and letters that follow (Spark's L, S, Y, D, F, BD
// suffixes; an identifier such as 1col is lexed as one number token too).
func scanNumber(sql string, i int) int {
	j := i
	for j < len(sql) {
		d := sql[j]
		switch {
		case d >= '0' && d <= '9' || d == '_' || d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z':
			j++
		case d == '.':
			// 1.5, but not 1..2 or t.1.col
			if strings.IndexByte(sql[i:j], '.') >= 0 || strings.ContainsAny(sql[i:j], "eE") {
				return j
			}
			j++
		case (d == '+' || d == '-') && (sql[j-1] == 'e' || sql[j-1] == 'E') && j+1 < len(sql) && sql[j+1] >= '0' && sql[j+1] <= '9' && isDigits(sql[i:j-1]):
			j++
		default:
			return j
		}
	}
	return j
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}

func isIdentStart(src string, i int) bool {
	r, _ := utf8.DecodeRuneInString(src[i:])
	return r == '_' || unicode.IsLetter(r)
}

func prevIsWordChar(src string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(src[:i])
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// MatchParen returns the index of the token that closes the bracket at
// toks[open] ("(", "[" or "{"), or -1 when it is not closed.
func MatchParen(toks []Token, open int) int {
	if open < 0 || open >= len(toks) {
		return -1
	}
	opening := toks[open].Text
	closing := map[string]string{"(": ")", "[": "]", "{": "}"}[opening]
	if closing == "" || toks[open].Kind != Punct {
		return -1
	}
	depth := 0
	for k := open; k < len(toks); k++ {
		if toks[k].Kind != Punct {
			continue
		}
		switch toks[k].Text {
		case opening:
			depth++
		case closing:
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// Depths returns, for each token, how many brackets ((, [, {) enclose it;
// a bracket itself counts as outside.
func Depths(toks []Token) []int {
	d := make([]int, len(toks))
	depth := 0
	for i, t := range toks {
		if t.Kind == Punct {
			switch t.Text {
			case ")", "]", "}":
				depth--
			}
		}
		d[i] = depth
		if t.Kind == Punct {
			switch t.Text {
			case "(", "[", "{":
				depth++
			}
		}
	}
	return d
}

// SplitTop splits toks at every top-level token (outside any bracket) for
// which sep returns true, dropping the separators. It always returns at
// least one (maybe empty) part.
func SplitTop(toks []Token, sep func(Token) bool) [][]Token {
	var parts [][]Token
	start := 0
	for i, d := range Depths(toks) {
		if d == 0 && sep(toks[i]) {
			parts = append(parts, toks[start:i])
			start = i + 1
		}
	}
	return append(parts, toks[start:])
}

// SplitComma splits toks at top-level commas, as the arguments of a call or
// the items of a select list.
func SplitComma(toks []Token) [][]Token {
	return SplitTop(toks, func(t Token) bool { return t.Kind == Punct && t.Text == "," })
}

// SplitKeyword splits toks before every top-level bare word kw (compared
// case-insensitively); each part after the first starts with the keyword.
// SplitKeyword(toks, "WHEN") splits a MERGE's WHEN clauses.
func SplitKeyword(toks []Token, kw string) [][]Token {
	var parts [][]Token
	start := 0
	for i, d := range Depths(toks) {
		if d == 0 && toks[i].Is(kw) && i > start {
			parts = append(parts, toks[start:i])
			start = i
		}
	}
	return append(parts, toks[start:])
}

// FindTop returns the index of the first top-level token for which match
// returns true, or -1.
func FindTop(toks []Token, match func(Token) bool) int {
	for i, d := range Depths(toks) {
		if d == 0 && match(toks[i]) {
			return i
		}
	}
	return -1
}

// Trim drops leading and trailing blanks and comments.
func Trim(toks []Token) []Token {
	i, j := 0, len(toks)
	for i < j && !toks[i].Significant() {
		i++
	}
	for j > i && !toks[j-1].Significant() {
		j--
	}
	return toks[i:j]
}

// Text joins the source text of toks.
func Text(toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.Text)
	}
	return b.String()
}

// nextSig returns the index of the first significant token at or after i,
// or len(toks).
func nextSig(toks []Token, i int) int {
	for i < len(toks) && !toks[i].Significant() {
		i++
	}
	return i
}

// prevSig returns the index of the last significant token before i, or -1.
func prevSig(toks []Token, i int) int {
	i--
	for i >= 0 && !toks[i].Significant() {
		i--
	}
	return i
}
