package sparksql

import "strings"

// Name is a possibly qualified name in Spark SQL text: a, a.b, `a b`.c.
type Name struct {
	Parts  []string // unquoted parts: a.`b c` is [a, b c]
	Offset int      // byte offset of the first part
	Pos    Pos      // line and column of the first part
}

// String joins the parts with dots (unquoted).
func (n Name) String() string { return strings.Join(n.Parts, ".") }

// ReadName reads name(.name)* starting at the significant token toks[i]
// and returns it with the index after it; ok is false when toks[i] is not
// a name.
func ReadName(toks []Token, i int) (n Name, next int, ok bool) {
	if i >= len(toks) || toks[i].Name() == "" {
		return Name{}, i, false
	}
	n = Name{Parts: []string{toks[i].Name()}, Offset: toks[i].Offset, Pos: Pos{toks[i].Line, toks[i].Col}}
	j := nextSig(toks, i+1)
	for j+1 < len(toks) && toks[j].Kind == Punct && toks[j].Text == "." {
		k := nextSig(toks, j+1)
		if k >= len(toks) || toks[k].Name() == "" {
			break
		}
		n.Parts = append(n.Parts, toks[k].Name())
		j = nextSig(toks, k+1)
	}
	return n, j, true
}

// Tables returns the relations a Spark SQL text reads and the names it
// defines. Reads are the names after FROM (each item of a comma list),
// JOIN, and of CACHE TABLE v / UNCACHE TABLE v, in order, one-part and
// qualified (lakehouse.retail.city) alike, except names the text defines
// (CTEs, CACHE TABLE v AS SELECT, CREATE [TEMP] VIEW v AS). Table functions
// (range(10)), VALUES and FROM inside a call (extract(year FROM ts),
// trim(BOTH ' ' FROM s)) are not reads. Strings, comments and hints are
// skipped. It scans tokens; it is not a parser.
func Tables(sql string) (reads, defines []Name, err error) {
	all, err := Lex(sql)
	if err != nil {
		return nil, nil, err
	}
	var toks []Token
	for _, t := range all {
		if t.Significant() {
			toks = append(toks, t)
		}
	}
	ctes := map[string]bool{}
	for i, t := range toks {
		if t.Is("with") {
			for _, n := range cteNames(toks, i+1) {
				ctes[strings.ToLower(n.String())] = true
				defines = append(defines, n)
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
		case t.Kind == Punct && t.Text == "(":
			fn := i > 0 && (toks[i-1].Kind == Ident && !subqueryWords[strings.ToLower(toks[i-1].Text)] || toks[i-1].Kind == QuotedIdent)
			f.expect = false
			stack = append(stack, frame{fn: fn})
			continue
		case t.Kind == Punct && t.Text == ")":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			continue
		case t.Kind == Punct && t.Text == ",":
			if f.fromList && !f.expect {
				f.expect = true
			}
			continue
		case t.Kind == Punct && t.Text == ";":
			*f = frame{fn: f.fn}
			continue
		case t.Kind == Punct || t.Kind == Op:
			f.expect = false
			continue
		}
		if f.expect && (t.Kind == Ident || t.Kind == QuotedIdent) {
			f.expect = false
			low := strings.ToLower(t.Text)
			if t.Kind == Ident && notTables[low] {
				if fromListEnd[low] {
					f.fromList = false
				}
				continue
			}
			n, j, _ := ReadName(toks, i)
			i = j - 1
			if j < len(toks) && toks[j].Kind == Punct && toks[j].Text == "(" {
				continue // a table function
			}
			if !ctes[strings.ToLower(n.String())] {
				reads = append(reads, n)
			}
			continue
		}
		if t.Kind != Ident {
			continue
		}
		switch low := strings.ToLower(t.Text); low {
		case "from":
			if f.fn || (i > 0 && toks[i-1].Is("distinct")) {
				continue // extract(x FROM y), trim(... FROM s), IS DISTINCT FROM
			}
			f.fromList, f.expect = true, true
		case "join":
			f.expect = true
		case "cache", "uncache":
			j := i + 1
			if j < len(toks) && toks[j].Is("lazy") {
				j++
			}
			if j >= len(toks) || !toks[j].Is("table") {
				continue
			}
			j++
			if low == "uncache" && j+1 < len(toks) && toks[j].Is("if") && toks[j+1].Is("exists") {
				j += 2
			}
			n, k, ok := ReadName(toks, j)
			if !ok {
				continue
			}
			if k < len(toks) && toks[k].Is("options") && k+1 < len(toks) && toks[k+1].Text == "(" {
				k = MatchParen(toks, k+1) + 1
			}
			if low == "cache" && k < len(toks) && (toks[k].Is("as") || toks[k].Is("select") || toks[k].Is("with") || toks[k].Text == "(") {
				defines = append(defines, n)
			} else if !ctes[strings.ToLower(n.String())] {
				reads = append(reads, n)
			}
			i = k - 1
		case "create":
			j := i + 1
			for j < len(toks) && j < i+6 && !toks[j].Is("view") && !toks[j].Is("table") {
				j++
			}
			if j >= len(toks) || j >= i+6 {
				continue
			}
			j++
			if j+2 < len(toks) && toks[j].Is("if") && toks[j+1].Is("not") && toks[j+2].Is("exists") {
				j += 3
			}
			if n, k, ok := ReadName(toks, j); ok {
				defines = append(defines, n)
				i = k - 1
			}
		default:
			if fromListEnd[low] {
				f.fromList, f.expect = false, false
			}
		}
	}
	return reads, defines, nil
}

// cteNames reads "name [(cols)] AS (body) [, name ...]" from toks[i:].
func cteNames(toks []Token, i int) []Name {
	var names []Name
	if i < len(toks) && toks[i].Is("recursive") {
		i++
	}
	for {
		n, j, ok := ReadName(toks, i)
		if !ok {
			break
		}
		names = append(names, n)
		i = j
		if i < len(toks) && toks[i].Text == "(" {
			i = MatchParen(toks, i) + 1
		}
		if i < len(toks) && toks[i].Is("as") {
			i++
		}
		if i <= 0 || i >= len(toks) || toks[i].Text != "(" {
			break
		}
		i = MatchParen(toks, i) + 1
		if i <= 0 || i >= len(toks) || toks[i].Text != "," {
			break
		}
		i++
	}
	return names
}

// subqueryWords are words after which "(" opens a subquery or a list, not
// a call.
var subqueryWords = wordSet(`select from where in exists as on join and or not when then else case by with
	union all any some intersect except minus using lateral values into table over having distinct
	is like rlike between cache`)

// fromListEnd are words that end a FROM list.
var fromListEnd = wordSet(`where group having order limit union intersect except minus window qualify on
	using select lateral cluster distribute sort pivot unpivot offset fetch`)

// notTables may follow FROM or JOIN without being a relation.
var notTables = wordSet(`values lateral unnest select table where group having order limit union
	intersect except minus window qualify on using cluster distribute sort pivot unpivot`)

// Columns returns the names an expression refers to: bare and qualified
// names that are not called (f(...)), not keywords of an expression
// (AND, CASE, NULL, INTERVAL units ...), not lambda parameters and not
// after a dot of a longer name. The merge clauses use it to find the
// columns a SET assigns and reads.
func Columns(toks []Token) []Name {
	var sig []Token
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	var out []Name
	lambdaParams := map[string]bool{}
	for i := 0; i < len(sig); i++ {
		t := sig[i]
		if t.Kind == Op && t.Text == "->" && i > 0 {
			// x -> ..., (x, y) -> ...
			if sig[i-1].Kind == Punct && sig[i-1].Text == ")" {
				for k := i - 2; k >= 0 && sig[k].Text != "("; k-- {
					if sig[k].Name() != "" {
						lambdaParams[strings.ToLower(sig[k].Name())] = true
					}
				}
			} else if sig[i-1].Name() != "" {
				lambdaParams[strings.ToLower(sig[i-1].Name())] = true
			}
		}
	}
	for i := 0; i < len(sig); i++ {
		t := sig[i]
		if t.Kind != Ident && t.Kind != QuotedIdent {
			continue
		}
		if i > 0 && sig[i-1].Kind == Punct && sig[i-1].Text == "." {
			continue
		}
		if t.Kind == Ident && notColumns[strings.ToLower(t.Text)] {
			continue
		}
		if t.Kind == Ident && i+1 < len(sig) && sig[i+1].Kind == String && literalTypes[strings.ToLower(t.Text)] != "" {
			continue // DATE '...'
		}
		n, j, _ := ReadName(sig, i)
		if j < len(sig) && sig[j].Kind == Punct && sig[j].Text == "(" {
			i = j - 1
			continue // a call
		}
		if j < len(sig) && sig[j].Kind == Op && (sig[j].Text == "->" || sig[j].Text == "=>") {
			i = j - 1
			continue
		}
		if len(n.Parts) == 1 && lambdaParams[strings.ToLower(n.Parts[0])] {
			continue
		}
		out = append(out, n)
		i = j - 1
	}
	return out
}

// notColumns are the words of an expression that are not column names.
var notColumns = wordSet(`and or not is null true false case when then else end in like ilike rlike regexp
	between distinct from as interval year years month months week weeks day days hour hours minute minutes
	second seconds millisecond milliseconds microsecond microseconds to cast escape exists all any some
	asc desc nulls first last over partition by order rows range unbounded preceding following current row
	div within group filter ignore respect set insert update delete values matched`)
