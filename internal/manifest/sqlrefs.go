package manifest

import "strings"

// ViewRef is an unqualified name that a SQL text reads as a table or view,
// at a byte offset of the text.
type ViewRef struct {
	Name   string
	Offset int
}

// ViewRefs finds the one-part names a SQL text reads: the names after FROM
// (each item of a comma list) and JOIN, and the view of `cache table v` /
// `uncache table v`. Names defined in the same text (CTEs, `cache table v
// as select`, `create temp view v as`) are not reads; they are returned as
// defines. Qualified names (a.b, a.b.c) are tables and are left out, as are
// table functions (range(10)) and FROM inside function calls
// (extract(year from ts)). Strings, quoted identifiers and comments are
// skipped. It is a small tokenizer, not a parser: it is meant to catch
// typos in view names, not to check SQL.
func ViewRefs(sql string) (reads []ViewRef, defines []string) {
	toks := lexSQL(sql)
	ctes := map[string]bool{}
	for i, t := range toks {
		if t.is("with") {
			for _, name := range cteNames(toks, i+1) {
				ctes[strings.ToLower(name)] = true
			}
		}
	}
	type frame struct{ fn, fromList, expect bool }
	stack := []frame{{}}
	top := func() *frame { return &stack[len(stack)-1] }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		f := top()
		switch {
		case t.kind == tkPunct && t.text == "(":
			fn := false
			if i > 0 && (toks[i-1].kind == tkIdent && !sqlKeywords[toks[i-1].low] || toks[i-1].kind == tkQuoted) {
				fn = true
			}
			f.expect = false
			stack = append(stack, frame{fn: fn})
			continue
		case t.kind == tkPunct && t.text == ")":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		case t.kind == tkPunct && t.text == ",":
			if f.fromList && !f.expect {
				f.expect = true
			}
			continue
		case t.kind == tkPunct && t.text == ";":
			*f = frame{fn: f.fn}
			continue
		case t.kind == tkPunct:
			f.expect = false
			continue
		}
		if f.expect && (t.kind == tkIdent || t.kind == tkQuoted) {
			f.expect = false
			if t.kind == tkIdent && notTableWords[t.low] {
				if clauseWords[t.low] {
					f.fromList = false
				}
				continue
			}
			j, parts := qualified(toks, i)
			i = j - 1
			if j < len(toks) && toks[j].text == "(" {
				continue // a table function
			}
			if parts == 1 && !ctes[strings.ToLower(t.text)] {
				reads = append(reads, ViewRef{Name: t.text, Offset: t.off})
			}
			continue
		}
		if t.kind != tkIdent {
			continue
		}
		switch t.low {
		case "from":
			if f.fn || (i > 0 && toks[i-1].low == "distinct") {
				continue // extract(x from y), trim(... from s), is distinct from
			}
			f.fromList, f.expect = true, true
		case "join":
			f.expect = true
		case "cache", "uncache":
			j := i + 1
			if j < len(toks) && toks[j].is("lazy") {
				j++
			}
			if j >= len(toks) || !toks[j].is("table") {
				continue
			}
			j++
			if t.low == "uncache" && j+1 < len(toks) && toks[j].is("if") && toks[j+1].is("exists") {
				j += 2
			}
			if j >= len(toks) || (toks[j].kind != tkIdent && toks[j].kind != tkQuoted) {
				continue
			}
			name := toks[j]
			k, parts := qualified(toks, j)
			if k < len(toks) && toks[k].is("options") {
				k = skipParens(toks, k+1)
			}
			if t.low == "cache" && k < len(toks) && (toks[k].is("as") || toks[k].is("select") || toks[k].is("with") || toks[k].text == "(") {
				defines = append(defines, name.text)
			} else if parts == 1 && !ctes[strings.ToLower(name.text)] {
				reads = append(reads, ViewRef{Name: name.text, Offset: name.off})
			}
			i = k - 1
		case "create":
			j := i + 1
			for j < len(toks) && j < i+6 && !toks[j].is("view") && !toks[j].is("table") {
				j++
			}
			if j >= len(toks) || j >= i+6 {
				continue
			}
			j++
			if j+2 < len(toks) && toks[j].is("if") && toks[j+1].is("not") && toks[j+2].is("exists") {
				j += 3
			}
			if j < len(toks) && (toks[j].kind == tkIdent || toks[j].kind == tkQuoted) {
				k, parts := qualified(toks, j)
				if parts == 1 {
					defines = append(defines, toks[j].text)
				}
				i = k - 1
			}
		default:
			if clauseWords[t.low] {
				f.fromList, f.expect = false, false
			}
		}
	}
	return reads, defines
}

// cteNames reads "name [(cols)] AS (body) [, name ...]" from toks[i:].
func cteNames(toks []sqlTok, i int) []string {
	var names []string
	if i < len(toks) && toks[i].is("recursive") {
		i++
	}
	for i < len(toks) && (toks[i].kind == tkIdent || toks[i].kind == tkQuoted) {
		names = append(names, toks[i].text)
		i++
		if i < len(toks) && toks[i].text == "(" {
			i = skipParens(toks, i)
		}
		if i < len(toks) && toks[i].is("as") {
			i++
		}
		if i >= len(toks) || toks[i].text != "(" {
			break
		}
		i = skipParens(toks, i)
		if i >= len(toks) || toks[i].text != "," {
			break
		}
		i++
	}
	return names
}

// skipParens skips a balanced "( ... )" starting at toks[i] and returns
// the index after it (i itself when toks[i] is not "(").
func skipParens(toks []sqlTok, i int) int {
	if i >= len(toks) || toks[i].text != "(" {
		return i
	}
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return i
}

// qualified reads name(.name)* from toks[i] and returns the index after it
// and the number of parts.
func qualified(toks []sqlTok, i int) (int, int) {
	parts := 1
	j := i + 1
	for j+1 < len(toks) && toks[j].text == "." && toks[j].kind == tkPunct &&
		(toks[j+1].kind == tkIdent || toks[j+1].kind == tkQuoted || toks[j+1].text == "*") {
		parts++
		j += 2
	}
	return j, parts
}

// sqlKeywords are words after which "(" opens a subquery or a list, not a
// function call.
var sqlKeywords = wordSet(`select from where in exists as on join and or not when then else case by with
	union all any some intersect except minus using lateral values into table over having distinct
	is like rlike between cache`)

// clauseWords end a FROM list.
var clauseWords = wordSet(`where group having order limit union intersect except minus window qualify on
	using select lateral cluster distribute sort pivot unpivot offset fetch`)

// notTableWords may follow FROM or JOIN without being a view name.
var notTableWords = wordSet(`values lateral unnest select table where group having order limit union
	intersect except minus window qualify on using cluster distribute sort pivot unpivot`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

type tokKind int

const (
	tkIdent  tokKind = iota // bare word
	tkQuoted                // `name` or "name"
	tkString                // 'text'
	tkNumber
	tkPunct
)

type sqlTok struct {
	kind tokKind
	text string // identifier text without quotes
	low  string // lower-case text, for bare words
	off  int
}

func (t sqlTok) is(word string) bool { return t.kind == tkIdent && t.low == word }

// lexSQL splits SQL into tokens, dropping comments (also /*+ hints */).
func lexSQL(s string) []sqlTok {
	var toks []sqlTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\\' {
					j += 2
					continue
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, sqlTok{kind: tkString, off: i})
			i = min(j+1, len(s))
		case c == '`' || c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			toks = append(toks, sqlTok{kind: tkQuoted, text: b.String(), off: i})
			i = min(j+1, len(s))
		case isIdentStart(c):
			j := i
			for j < len(s) && (isIdentStart(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '$') {
				j++
			}
			toks = append(toks, sqlTok{kind: tkIdent, text: s[i:j], low: strings.ToLower(s[i:j]), off: i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || isIdentStart(s[j])) {
				j++
			}
			toks = append(toks, sqlTok{kind: tkNumber, text: s[i:j], off: i})
			i = j
		default:
			toks = append(toks, sqlTok{kind: tkPunct, text: string(c), off: i})
			i++
		}
	}
	return toks
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
