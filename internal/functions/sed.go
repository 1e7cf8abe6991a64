package functions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// sedExpr is a parsed sed substitution, s/regex/replacement/flags.
type sedExpr struct {
	pattern string // RE2 syntax, as Go and DuckDB read it
	// repl is the replacement as parts: literal text and group references.
	repl       []replPart
	global     bool
	ignoreCase bool
	re         *regexp.Regexp
}

type replPart struct {
	lit   string
	group int // -1 for literal text
}

// parseSed reads a sed substitution. The regex is RE2 (extended syntax, as
// `sed -E` and Java read it); in the replacement & is the whole match and
// \1..\9 are groups. Flags: g (every match, not only the first), i or I
// (ignore case).
func parseSed(expr string) (*sedExpr, error) {
	s := strings.TrimSpace(expr)
	if len(s) < 2 || s[0] != 's' {
		return nil, fmt.Errorf("%q is not a sed substitution: expected s/regex/replacement/flags", expr)
	}
	delim := s[1]
	if delim == '\\' || delim == '\n' || delim == ' ' {
		return nil, fmt.Errorf("%q: %q cannot delimit a sed substitution", expr, delim)
	}
	var parts []string
	var cur strings.Builder
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			if s[i+1] == delim {
				cur.WriteByte(delim)
			} else {
				cur.WriteByte('\\')
				cur.WriteByte(s[i+1])
			}
			i++
			continue
		}
		if c == delim && len(parts) < 2 {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	if len(parts) != 2 {
		return nil, fmt.Errorf("%q is not a sed substitution: expected s%cregex%creplacement%cflags", expr, delim, delim, delim)
	}
	flags := cur.String()
	e := &sedExpr{pattern: parts[0]}
	for _, f := range flags {
		switch f {
		case 'g':
			e.global = true
		case 'i', 'I':
			e.ignoreCase = true
		default:
			return nil, fmt.Errorf("%q: flag %q is not supported (g, i)", expr, f)
		}
	}
	if e.pattern == "" {
		return nil, fmt.Errorf("%q: the regex is empty", expr)
	}
	goPattern := e.pattern
	if e.ignoreCase {
		goPattern = "(?i)" + goPattern
	}
	re, err := regexp.Compile(goPattern)
	if err != nil {
		return nil, fmt.Errorf("%q: bad regex: %v", expr, err)
	}
	e.re = re
	repl := parts[1]
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			e.repl = append(e.repl, replPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '&':
			flush()
			e.repl = append(e.repl, replPart{group: 0})
		case c == '\\' && i+1 < len(repl):
			n := repl[i+1]
			i++
			switch {
			case n >= '0' && n <= '9':
				g := int(n - '0')
				if g > re.NumSubexp() {
					return nil, fmt.Errorf("%q: the replacement names group \\%d, the regex has %d", expr, g, re.NumSubexp())
				}
				flush()
				e.repl = append(e.repl, replPart{group: g})
			case n == 'n':
				lit.WriteByte('\n')
			case n == 't':
				lit.WriteByte('\t')
			default:
				lit.WriteByte(n)
			}
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return e, nil
}

// apply runs the substitution on s in Go (for column names).
func (e *sedExpr) apply(s string) string {
	expand := func(m []int) string {
		var b strings.Builder
		for _, p := range e.repl {
			if p.group < 0 {
				b.WriteString(p.lit)
			} else if m[2*p.group] >= 0 {
				b.WriteString(s[m[2*p.group]:m[2*p.group+1]])
			}
		}
		return b.String()
	}
	n := 1
	if e.global {
		n = -1
	}
	matches := e.re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m[0]])
		b.WriteString(expand(m))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// sql is DuckDB's regexp_replace of expr.
func (e *sedExpr) sql(expr string) string {
	var r strings.Builder
	for _, p := range e.repl {
		if p.group >= 0 {
			r.WriteString(`\` + strconv.Itoa(p.group))
			continue
		}
		r.WriteString(strings.ReplaceAll(p.lit, `\`, `\\`))
	}
	opts := ""
	if e.global {
		opts += "g"
	}
	if e.ignoreCase {
		opts += "i"
	}
	q := "regexp_replace(" + expr + ", " + quoteLit(duckRegex(e.pattern)) + ", " + quoteLit(r.String())
	if opts != "" {
		q += ", " + quoteLit(opts)
	}
	return q + ")"
}

// duckRegex turns Go/Java named groups (?<name>...) into RE2's (?P<name>...),
// the only form DuckDB's RE2 reads.
func duckRegex(p string) string {
	if !strings.Contains(p, "(?<") {
		return p
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(' && strings.HasPrefix(p[i:], "(?<") && i+3 < len(p) && p[i+3] != '=' && p[i+3] != '!':
			b.WriteString("(?P<")
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
