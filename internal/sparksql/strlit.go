package sparksql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// litChar is one character of a Spark string literal's value, and whether it
// was written as a backslash escape (so a newline escape is not a line break
// of the source).
type litChar struct {
	r       rune
	escaped bool
}

// sparkStringValue decodes the text of a Spark string literal token ('...',
// "...", r'...' or r"...") the way Spark's parser does: backslash escapes \n
// \t \r \b \0 \Z \\ \' \" \uXXXX \UXXXXXXXX and octal \ooo; \% and \_ keep
// their backslash (for LIKE); any other \c is c. A raw literal keeps every
// character.
func sparkStringValue(text string) []litChar {
	if text[0] == 'r' || text[0] == 'R' {
		var out []litChar
		for _, r := range text[2 : len(text)-1] {
			out = append(out, litChar{r: r})
		}
		return out
	}
	body := text[1 : len(text)-1]
	var out []litChar
	for i := 0; i < len(body); {
		r, n := utf8.DecodeRuneInString(body[i:])
		if r != '\\' || i+1 >= len(body) {
			out = append(out, litChar{r: r})
			i += n
			continue
		}
		e, en := utf8.DecodeRuneInString(body[i+1:])
		i += 1 + en
		switch e {
		case 'n':
			out = append(out, litChar{r: '\n', escaped: true})
		case 't':
			out = append(out, litChar{r: '\t', escaped: true})
		case 'r':
			out = append(out, litChar{r: '\r', escaped: true})
		case 'b':
			out = append(out, litChar{r: '\b', escaped: true})
		case 'Z':
			out = append(out, litChar{r: 0x1a, escaped: true})
		case '%', '_':
			out = append(out, litChar{r: '\\'}, litChar{r: e})
		case 'u', 'U':
			width := 4
			if e == 'U' {
				width = 8
			}
			if i+width <= len(body) {
				if v, err := strconv.ParseUint(body[i:i+width], 16, 32); err == nil {
					out = append(out, litChar{r: rune(v), escaped: true})
					i += width
					continue
				}
			}
			out = append(out, litChar{r: e})
		case '0', '1', '2', '3':
			if i+2 <= len(body) && isOctal(body[i]) && isOctal(body[i+1]) {
				v, _ := strconv.ParseUint(body[i-1:i+2], 8, 32)
				out = append(out, litChar{r: rune(v), escaped: true})
				i += 2
				continue
			}
			if e == '0' {
				out = append(out, litChar{r: 0, escaped: true})
				continue
			}
			out = append(out, litChar{r: e})
		default:
			out = append(out, litChar{r: e})
		}
	}
	return out
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// value returns the plain string value of decoded literal characters.
func value(cs []litChar) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteRune(c.r)
	}
	return b.String()
}

// duckStringValue returns the value of a DuckDB string literal.
func duckStringValue(text string) string {
	return strings.ReplaceAll(text[1:len(text)-1], "''", "'")
}
