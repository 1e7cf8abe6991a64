package sparksql

import (
	"fmt"
	"strings"
)

// patternUse says whether a converted pattern formats (strftime) or parses
// (strptime); a few letters work in only one direction.
type patternUse int

const (
	formatting patternUse = iota
	parsing
)

// convertPattern turns a java.time DateTimeFormatter pattern, as Spark uses
// it, into a DuckDB strftime/strptime format. It reports whether the pattern
// prints or reads a time-zone offset.
func convertPattern(pattern string, use patternUse) (format string, zoned bool, err error) {
	var b strings.Builder
	fail := func(format string, args ...any) (string, bool, error) {
		return "", false, fmt.Errorf("%w %q: %s", ErrUnsupportedPattern, pattern, fmt.Sprintf(format, args...))
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '\'':
			// 'quoted text'; '' is one quote, inside or outside quotes.
			if i+1 < len(rs) && rs[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			j := i + 1
			for {
				if j >= len(rs) {
					return fail("unterminated quoted text")
				}
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				writeLiteral(&b, rs[j])
				j++
			}
			i = j + 1
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n := 1
			for i+n < len(rs) && rs[i+n] == c {
				n++
			}
			i += n
			spec, ok := patternLetter(c, n, use)
			if !ok {
				return fail("letter %q (%s) is not supported", strings.Repeat(string(c), n), letterName(c))
			}
			if c == 'X' || c == 'x' || c == 'Z' {
				zoned = true
			}
			b.WriteString(spec)
			continue
		case c == '[' || c == ']' || c == '#' || c == '{' || c == '}':
			return fail("%q is reserved (optional sections are not supported)", string(c))
		default:
			writeLiteral(&b, c)
			i++
		}
	}
	return b.String(), zoned, nil
}

func writeLiteral(b *strings.Builder, r rune) {
	if r == '%' {
		b.WriteString("%%")
		return
	}
	b.WriteRune(r)
}

// patternLetter maps a run of n pattern letters c to a strftime specifier.
// Unpadded Java forms (M, d, H, ...) become DuckDB's %-x forms, which print
// without padding and parse one or two digits, as Java does.
func patternLetter(c rune, n int, use patternUse) (string, bool) {
	switch c {
	case 'y', 'u':
		switch {
		case n == 2:
			return "%y", true
		case n == 1 || n >= 3:
			return "%Y", true
		}
	case 'M', 'L':
		switch n {
		case 1:
			return "%-m", true
		case 2:
			return "%m", true
		case 3:
			return "%b", true
		case 4:
			return "%B", true
		}
	case 'd':
		switch n {
		case 1:
			return "%-d", true
		case 2:
			return "%d", true
		}
	case 'D':
		switch n {
		case 1:
			return "%-j", true
		case 3:
			return "%j", true
		}
	case 'H':
		switch n {
		case 1:
			return "%-H", true
		case 2:
			return "%H", true
		}
	case 'h':
		switch n {
		case 1:
			return "%-I", true
		case 2:
			return "%I", true
		}
	case 'm':
		switch n {
		case 1:
			return "%-M", true
		case 2:
			return "%M", true
		}
	case 's':
		switch n {
		case 1:
			return "%-S", true
		case 2:
			return "%S", true
		}
	case 'S':
		switch n {
		case 3:
			return "%g", true
		case 6:
			return "%f", true
		case 9:
			return "%n", true
		}
	case 'a':
		if n == 1 {
			return "%p", true
		}
	case 'E':
		switch {
		case n <= 3:
			return "%a", true
		case n == 4:
			return "%A", true
		}
	case 'X', 'x', 'Z':
		// DuckDB prints offsets as +HH (or +HH:MM), unlike Java's Z/+HH:MM;
		// it reads every form Java writes, so these letters only parse.
		if use == parsing && n <= 5 {
			return "%z", true
		}
	}
	return "", false
}

func letterName(c rune) string {
	names := map[rune]string{
		'G': "era", 'Q': "quarter", 'q': "quarter", 'w': "week of year", 'W': "week of month",
		'e': "localized day of week", 'c': "localized day of week", 'F': "aligned week of month",
		'K': "hour of am/pm 0-11", 'k': "clock hour 1-24", 'n': "nano of second", 'N': "nano of day",
		'A': "milli of day", 'V': "time-zone ID", 'z': "time-zone name", 'O': "localized offset",
		'X': "zone offset (parsing only)", 'x': "zone offset (parsing only)", 'Z': "zone offset (parsing only)",
		'S': "fraction of second: use SSS, SSSSSS or SSSSSSSSS", 'B': "day period",
	}
	if s, ok := names[c]; ok {
		return s
	}
	return "no strftime equivalent for this width"
}
