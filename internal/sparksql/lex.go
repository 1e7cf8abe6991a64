package sparksql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token of Spark SQL text is.
type tokenKind int

const (
	tkSpace    tokenKind = iota // blanks and newlines
	tkComment                   // -- line comment or /* block comment */ (hints included)
	tkString                    // 'Spark string literal', r'raw literal'
	tkQuoted                    // "quoted identifier" (DuckDB reading; Spark would read a string)
	tkBacktick                  // `quoted identifier`
	tkIdent                     // name or keyword
	tkNumber                    // 12, 1.5, 1e3
	tkPunct                     // ( ) , . :: and any other single character
)

// token is one lexeme; text is exactly the source text, so joining all tokens
// gives the input back.
type token struct {
	kind tokenKind
	text string
	line int // 1-based line where the token starts
}

// lex splits Spark SQL into tokens. It fails only on text that cannot be
// split: an unterminated string literal, quoted identifier or block comment.
func lex(src string) ([]token, error) {
	var toks []token
	line := 1
	i := 0
	emit := func(kind tokenKind, end int) {
		toks = append(toks, token{kind: kind, text: src[i:end], line: line})
		line += strings.Count(src[i:end], "\n")
		i = end
	}
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			j := i + 1
			for j < len(src) && strings.IndexByte(" \t\n\r\f\v", src[j]) >= 0 {
				j++
			}
			emit(tkSpace, j)
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = len(src) - i
			}
			emit(tkComment, i+j)
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			// Spark allows nested bracketed comments.
			depth, j := 0, i
			for j < len(src) {
				if strings.HasPrefix(src[j:], "/*") {
					depth++
					j += 2
				} else if strings.HasPrefix(src[j:], "*/") {
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
				return nil, fmt.Errorf("line %d: unterminated /* comment", line)
			}
			emit(tkComment, j)
		case c == '\'':
			j, err := scanSparkString(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			emit(tkString, j)
		case (c == 'r' || c == 'R') && i+1 < len(src) && src[i+1] == '\'' && !prevIsWordChar(src, i):
			// Spark raw string literal r'...': no escapes at all.
			q := src[i+1]
			j := strings.IndexByte(src[i+2:], q)
			if j < 0 {
				return nil, fmt.Errorf("line %d: unterminated raw string literal", line)
			}
			emit(tkString, i+2+j+1)
		case c == '"' || c == '`':
			j := i + 1
			for {
				k := strings.IndexByte(src[j:], c)
				if k < 0 {
					return nil, fmt.Errorf("line %d: unterminated %c quoted identifier", line, c)
				}
				j += k + 1
				if j < len(src) && src[j] == c { // doubled quote inside
					j++
					continue
				}
				break
			}
			if c == '"' {
				emit(tkQuoted, j)
			} else {
				emit(tkBacktick, j)
			}
		case isIdentStart(src, i):
			j := i
			for j < len(src) {
				r, n := utf8.DecodeRuneInString(src[j:])
				if r != '_' && r != '$' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					break
				}
				j += n
			}
			emit(tkIdent, j)
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) {
				d := src[j]
				if d >= '0' && d <= '9' || d == '.' || d >= 'a' && d <= 'z' || d >= 'A' && d <= 'Z' || d == '_' {
					j++
					continue
				}
				if (d == '+' || d == '-') && (src[j-1] == 'e' || src[j-1] == 'E') {
					j++
					continue
				}
				break
			}
			emit(tkNumber, j)
		case c == ':' && strings.HasPrefix(src[i:], "::"):
			emit(tkPunct, i+2)
		default:
			_, n := utf8.DecodeRuneInString(src[i:])
			emit(tkPunct, i+n)
		}
	}
	return toks, nil
}

// scanSparkString returns the end of the Spark string literal that starts at
// src[i] is a quote. Inside it a backslash escapes the next character, and a
// doubled quote stands for one quote (DuckDB's reading; Spark would read two
// adjacent literals).
func scanSparkString(src string, i int) (int, error) {
	j := i + 1
	for j < len(src) {
		switch src[j] {
		case '\\':
			j += 2
		case '\'':
			if j+1 < len(src) && src[j+1] == '\'' {
				j += 2
				continue
			}
			return j + 1, nil
		default:
			j++
		}
	}
	return 0, fmt.Errorf("unterminated string literal")
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
