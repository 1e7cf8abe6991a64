package rowlevel

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// mergeAction is what a WHEN clause does.
type mergeAction int

const (
	actUpdate mergeAction = iota
	actDelete
	actInsert
)

func (a mergeAction) String() string {
	switch a {
	case actUpdate:
		return "UPDATE"
	case actDelete:
		return "DELETE"
	}
	return "INSERT"
}

// assignment is one "column = expression" of UPDATE SET, or one column and
// its value of INSERT (cols) VALUES (...).
type assignment struct {
	column string // as written, without the target alias
	expr   string
}

// mergeClause is one WHEN [NOT] MATCHED [AND cond] THEN action.
type mergeClause struct {
	matched bool
	cond    string // empty: always
	action  mergeAction
	star    bool // UPDATE SET * / INSERT *
	assigns []assignment
	text    string
}

// parseWhen splits a merge whenClause (the text after the first WHEN; a
// leading WHEN is accepted too) into its clauses, in order.
func parseWhen(when, targetAlias string) ([]mergeClause, error) {
	s := strings.TrimSpace(when)
	if w := wordAt(s, 0); strings.EqualFold(w, "WHEN") {
		s = strings.TrimSpace(s[len(w):])
	}
	if s == "" {
		return nil, fmt.Errorf("%w: merge whenClause is empty; write e.g. MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *", datafile.ErrInvalidSpec)
	}
	var out []mergeClause
	for _, part := range splitKeyword(s, "WHEN") {
		c, err := parseClause(strings.TrimSpace(part), targetAlias)
		if err != nil {
			return nil, fmt.Errorf("%w: merge clause WHEN %s: %w", datafile.ErrInvalidSpec, strings.TrimSpace(part), err)
		}
		out = append(out, c)
	}
	// As in Spark, only the last clause of each kind may omit its condition:
	// a later one could never fire.
	for _, matched := range []bool{true, false} {
		open := false
		for _, c := range out {
			if c.matched != matched {
				continue
			}
			if open {
				return nil, fmt.Errorf("%w: merge clause WHEN %s can never fire: an earlier %s clause has no AND condition (only the last one may omit it)",
					datafile.ErrInvalidSpec, c.text, kind(matched))
			}
			open = c.cond == ""
		}
	}

	return out, nil
}

func kind(matched bool) string {
	if matched {
		return "MATCHED"
	}
	return "NOT MATCHED"
}

func parseClause(s, targetAlias string) (mergeClause, error) {
	c := mergeClause{text: s}
	rest := s
	next := func() string {
		rest = strings.TrimSpace(rest)
		w := wordAt(rest, 0)
		rest = rest[len(w):]
		return strings.ToUpper(w)
	}
	w := next()
	if w == "NOT" {
		w = next()
		if w != "MATCHED" {
			return c, fmt.Errorf("expected NOT MATCHED, found NOT %s", w)
		}
		c.matched = false
		save := rest
		if next() == "BY" {
			switch next() {
			case "TARGET":
			case "SOURCE":
				return c, fmt.Errorf("NOT MATCHED BY SOURCE is not supported; delete those rows with delete_from_dataset")
			default:
				return c, fmt.Errorf("expected NOT MATCHED BY TARGET")
			}
		} else {
			rest = save
		}
	} else if w == "MATCHED" {
		c.matched = true
	} else {
		return c, fmt.Errorf("expected MATCHED or NOT MATCHED, found %q", w)
	}
	then := findKeyword(rest, "THEN")
	if then < 0 {
		return c, fmt.Errorf("missing THEN")
	}
	head := strings.TrimSpace(rest[:then])
	rest = strings.TrimSpace(rest[then+len("THEN"):])
	if head != "" {
		w := wordAt(head, 0)
		if !strings.EqualFold(w, "AND") {
			return c, fmt.Errorf("expected AND <condition> or THEN, found %q", head)
		}
		c.cond = strings.TrimSpace(head[len(w):])
		if c.cond == "" {
			return c, fmt.Errorf("AND needs a condition")
		}
	}
	switch act := next(); act {
	case "UPDATE":
		if !c.matched {
			return c, fmt.Errorf("NOT MATCHED clauses can only INSERT")
		}
		c.action = actUpdate
		if next() != "SET" {
			return c, fmt.Errorf("expected UPDATE SET")
		}
		body := strings.TrimSpace(rest)
		if body == "*" {
			c.star = true
			return c, nil
		}
		for _, a := range splitTop(body, ',') {
			eq := findTop(a, '=')
			if eq < 0 {
				return c, fmt.Errorf("assignment %q: expected column = expression", strings.TrimSpace(a))
			}
			col, err := assignedColumn(a[:eq], targetAlias)
			if err != nil {
				return c, err
			}
			expr := strings.TrimSpace(a[eq+1:])
			if expr == "" {
				return c, fmt.Errorf("assignment %q has no expression", strings.TrimSpace(a))
			}
			c.assigns = append(c.assigns, assignment{column: col, expr: expr})
		}
	case "DELETE":
		if !c.matched {
			return c, fmt.Errorf("NOT MATCHED clauses can only INSERT")
		}
		c.action = actDelete
		if strings.TrimSpace(rest) != "" {
			return c, fmt.Errorf("unexpected %q after DELETE", strings.TrimSpace(rest))
		}
	case "INSERT":
		if c.matched {
			return c, fmt.Errorf("MATCHED clauses can UPDATE or DELETE, not INSERT")
		}
		c.action = actInsert
		body := strings.TrimSpace(rest)
		if body == "*" {
			c.star = true
			return c, nil
		}
		vi := findKeyword(body, "VALUES")
		if vi < 0 || !strings.HasPrefix(body, "(") {
			return c, fmt.Errorf("expected INSERT * or INSERT (columns) VALUES (expressions)")
		}
		cols, ok1 := parens(body[:vi])
		vals, ok2 := parens(body[vi+len("VALUES"):])
		if !ok1 || !ok2 {
			return c, fmt.Errorf("expected INSERT (columns) VALUES (expressions)")
		}
		cl, vl := splitTop(cols, ','), splitTop(vals, ',')
		if len(cl) != len(vl) {
			return c, fmt.Errorf("INSERT names %d columns but gives %d values", len(cl), len(vl))
		}
		for i := range cl {
			col, err := assignedColumn(cl[i], targetAlias)
			if err != nil {
				return c, err
			}
			c.assigns = append(c.assigns, assignment{column: col, expr: strings.TrimSpace(vl[i])})
		}
	case "":
		return c, fmt.Errorf("missing action after THEN (UPDATE, DELETE or INSERT)")
	default:
		return c, fmt.Errorf("unknown action %s (UPDATE, DELETE or INSERT)", act)
	}

	return c, nil
}

// assignedColumn returns the column an assignment targets: "old.a", "a",
// `a` or "a" give a.
func assignedColumn(s, targetAlias string) (string, error) {
	s = strings.TrimSpace(s)
	if i := findTop(s, '.'); i >= 0 {
		alias := unquoteIdent(s[:i])
		if !strings.EqualFold(alias, targetAlias) {
			return "", fmt.Errorf("assignment target %s: only the table's columns (%s.<column>) can be set", s, targetAlias)
		}
		s = strings.TrimSpace(s[i+1:])
	}
	name := unquoteIdent(s)
	if name == "" || strings.ContainsAny(name, " ()") && !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, "`") {
		return "", fmt.Errorf("assignment target %q is not a column name", s)
	}

	return name, nil
}

func unquoteIdent(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '`' && s[len(s)-1] == '`') {
		q := s[:1]
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return s
}

// parens returns the inside of "( ... )" when s is exactly that.
func parens(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return "", false
	}
	if end := matchParen(s, 0); end != len(s)-1 {
		return "", false
	}
	return s[1 : len(s)-1], true
}

// scan walks s outside quotes, calling fn with each byte index and the
// paren depth; fn returns false to stop.
func scan(s string, fn func(i, depth int) bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\'', '"', '`':
			j := i + 1
			for j < len(s) {
				if s[j] == ch {
					if j+1 < len(s) && s[j+1] == ch {
						j += 2
						continue
					}
					break
				}
				if s[j] == '\\' && ch == '\'' {
					j++
				}
				j++
			}
			i = j
			continue
		case '(':
			depth++
			continue
		case ')':
			depth--
			continue
		}
		if !fn(i, depth) {
			return
		}
	}
}

func matchParen(s string, open int) int {
	depth := 0
	inQuote := byte(0)
	for i := open; i < len(s); i++ {
		ch := s[i]
		if inQuote != 0 {
			if ch == inQuote {
				inQuote = 0
			}
			continue
		}
		switch ch {
		case '\'', '"', '`':
			inQuote = ch
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// findTop returns the first index of ch at paren depth 0 outside quotes.
func findTop(s string, ch byte) int {
	at := -1
	scan(s, func(i, depth int) bool {
		if depth == 0 && s[i] == ch {
			at = i
			return false
		}
		return true
	})
	return at
}

// splitTop splits s on sep at paren depth 0 outside quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	last := 0
	scan(s, func(i, depth int) bool {
		if depth == 0 && s[i] == sep {
			out = append(out, s[last:i])
			last = i + 1
		}
		return true
	})
	return append(out, s[last:])
}

// findKeyword returns the index of the first whole-word keyword at paren
// depth 0 outside quotes, or -1.
func findKeyword(s, kw string) int {
	at := -1
	scan(s, func(i, depth int) bool {
		if depth != 0 || (i > 0 && isWordByte(s[i-1])) {
			return true
		}
		if w := wordAt(s, i); strings.EqualFold(w, kw) {
			at = i
			return false
		}
		return true
	})
	return at
}

// splitKeyword splits s before every whole-word keyword at depth 0 (the
// keyword itself is dropped).
func splitKeyword(s, kw string) []string {
	var out []string
	for {
		i := findKeyword(s, kw)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(kw):]
	}
}

func wordAt(s string, i int) string {
	j := i
	for j < len(s) && isWordByte(s[j]) {
		j++
	}
	return s[i:j]
}

func isWordByte(b byte) bool {
	return b == '_' || b < 128 && (unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b)))
}
