package sparksql

import (
	"strconv"
	"strings"
)

// arg is one argument of a call.
type arg struct {
	toks   []Token // its tokens, blanks around it included (the name of a named argument excluded)
	text   string  // its rewritten, marked text
	lit    *string // the value, when the argument is a string literal
	name   string  // for name => value, the name
	lambda *lambda // for x -> body and (x, y) -> body
}

// src returns the argument's Spark text without the blanks around it.
func (a arg) src() string { return strings.TrimSpace(Text(a.toks)) }

// int returns the argument's value when it is an integer literal (a sign
// allowed).
func (a arg) int() (int, bool) {
	s := strings.ReplaceAll(a.src(), " ", "")
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(s, "L"), "l"))
	return n, err == nil
}

// isNull reports whether the argument is the NULL literal.
func (a arg) isNull() bool { return strings.EqualFold(a.src(), "null") }

// lambda is a Spark lambda function argument. Its body refers to the
// parameters through markers; with substitutes them.
type lambda struct {
	params  []string // as written
	markers []string
	body    string // marked text
}

// with returns the body with parameter k replaced by repl[k]. A
// replacement must not hold a line break.
func (l *lambda) with(repl ...string) string {
	s := l.body
	for k, m := range l.markers {
		r := "NULL"
		if k < len(repl) {
			r = repl[k]
		}
		s = strings.ReplaceAll(s, m, r)
	}
	return s
}

// duck returns the lambda as a DuckDB lambda with fresh parameter names.
func (l *lambda) duck(rw *rewriter) string {
	names := rw.fresh(len(l.params))
	return "lambda " + strings.Join(names, ", ") + ": " + l.with(names...)
}

// fresh returns n new identifiers for lambda parameters in the output.
func (rw *rewriter) fresh(n int) []string {
	out := make([]string, n)
	for k := range out {
		rw.nextID++
		out[k] = "_l" + strconv.Itoa(rw.nextID)
	}
	return out
}

// call is a function call found in the token stream.
type call struct {
	name  Token // the name as written
	lname string
	args  []arg
	toks  []Token // the whole call, name to closing parenthesis
	rest  []Token // the tokens after the call
	used  int     // tokens of rest the rule took (OVER, WITHIN GROUP, ...)
	prev  string  // lower-case previous significant token, "" at the start
}

// argTexts joins the rewritten texts of the arguments with commas.
func argTexts(args []arg) string {
	t := make([]string, len(args))
	for i, a := range args {
		t[i] = a.text
	}
	return strings.Join(t, ",")
}

// rule rewrites one call. It returns "" (and no error) to leave the call as
// it is. Each argument's text may be used once; a second use must go
// through flat (no line breaks). The rewriter restores the line breaks of
// dropped text.
type rule func(rw *rewriter, c *call) (string, error)

// namesNotCalls holds the tokens after which name( is a table, a column
// list or a type, never a function call.
var namesNotCalls = map[string]bool{"into": true, "table": true, "view": true, "update": true, "as": true,
	"::": true}

// ident writes a bare word: a keyword, a call, a lambda parameter or a name.
func (rw *rewriter) ident(b *strings.Builder, toks []Token, i int) (int, error) {
	t := toks[i]
	low := strings.ToLower(t.Text)
	p := prevSig(toks, i)
	prev := ""
	if p >= 0 {
		prev = strings.ToLower(toks[p].Text)
	}
	n := nextSig(toks, i+1)
	if prev != "." && !t.duck {
		if m := rw.param(t.Text); m != "" && (n >= len(toks) || toks[n].Text != "(") {
			b.WriteString(synth(t, m))
			return i, nil
		}
		if end, text, ok, err := rw.literal(toks, i); err != nil || ok {
			if err != nil {
				return i, err
			}
			b.WriteString(text)
			return end, nil
		}
	}
	if n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "(" && prev != "." && !namesNotCalls[prev] {
		closing := MatchParen(toks, n)
		if closing > 0 {
			text, end, err := rw.call(toks, i, n, closing, prev)
			if err != nil {
				return i, err
			}
			b.WriteString(text)
			return end, nil
		}
	}
	if !t.duck && prev != "." {
		if r, ok := keywordRules[low]; ok {
			text, end, err := r(rw, toks, i)
			if err != nil || end >= i {
				if err == nil {
					b.WriteString(text)
				}
				return end, err
			}
		}
	}
	if prev == "." && duckReserved[low] {
		// t.end: a field or column named after a DuckDB keyword
		b.WriteString(synth(t, quoteIdent(t.Text)))
		return i, nil
	}
	if low == "window" && !t.duck && (n >= len(toks) || toks[n].Kind != Ident && toks[n].Kind != QuotedIdent && toks[n].Text != "(") {
		// a column named window (Spark's time window column)
		b.WriteString(synth(t, quoteIdent(t.Text)))
		return i, nil
	}
	b.WriteString(verb(t))
	return i, nil
}

// duckReserved are DuckDB keywords that Spark allows as a field name
// after a dot (w.end).
var duckReserved = wordSet(`end start all analyse analyze and any array as asc asymmetric both case cast check
	collate column constraint create default deferrable desc distinct do else except false fetch for foreign from
	grant group having in initially intersect into lateral leading limit not null offset on only or order placing
	primary references returning select some symmetric table then to trailing true union unique using variadic when
	where window with`)

// keywordRules rewrite a bare word that is not a call; they return end < i
// to leave it alone.
var keywordRules = map[string]func(rw *rewriter, toks []Token, i int) (string, int, error){
	"current_timestamp": func(rw *rewriter, toks []Token, i int) (string, int, error) {
		return synth(toks[i], "CAST(current_timestamp AS TIMESTAMP)"), i, nil
	},
	"current_timezone": func(rw *rewriter, toks []Token, i int) (string, int, error) {
		return synth(toks[i], "current_setting('TimeZone')"), i, nil
	},
}

// call rewrites the call toks[nameIdx](toks[open] ... toks[closing]) and
// returns its text and the index of the last token used.
func (rw *rewriter) call(toks []Token, nameIdx, open, closing int, prev string) (string, int, error) {
	name := toks[nameIdx]
	c := &call{name: name, lname: strings.ToLower(name.Text), toks: toks[nameIdx : closing+1], rest: toks[closing+1:], prev: prev}
	if name.duck {
		c.lname = ""
	}
	inner := toks[open+1 : closing]
	if len(Trim(inner)) > 0 {
		for _, part := range SplitComma(inner) {
			a, err := rw.makeArg(part)
			if err != nil {
				return "", 0, err
			}
			c.args = append(c.args, a)
		}
	}
	if c.lname != "" {
		if why, ok := unsupported[c.lname]; ok {
			return "", 0, rw.errorf(name, ErrUnsupported, "Spark function %s is not supported%s", c.lname, why)
		}
		wrap := rw.bindAggregates(c)
		if r, ok := rules[c.lname]; ok {
			out, err := r(rw, c)
			out = wrap(out)
			if err != nil {
				var e *Error
				if ok := asError(err, &e); ok {
					return "", 0, err
				}
				return "", 0, rw.errorf(name, ErrSyntax, "%s: %v", c.lname, err)
			}
			if out != "" {
				end := closing + c.used
				out = anchorAt(name.Offset, 0) + out
				if missing := strings.Count(Text(toks[nameIdx:end+1]), "\n") - strings.Count(out, "\n"); missing > 0 {
					out += strings.Repeat("\n", missing)
				}
				return out, end, nil
			}
		} else if to, ok := renames[c.lname]; ok {
			name = mk(name, Ident, to)
		}
		texts := make([]string, len(c.args))
		for k, a := range c.args {
			texts[k] = a.text
			if a.lambda != nil {
				texts[k] = " " + a.lambda.duck(rw)
			}
		}
		gap := Text(toks[nameIdx+1 : open])
		return wrap(verb(name) + gap + "(" + strings.Join(texts, ",") + ")"), closing, nil
	}
	texts := make([]string, len(c.args))
	for k, a := range c.args {
		texts[k] = a.text
		if a.lambda != nil {
			texts[k] = " " + a.lambda.duck(rw)
		}
	}
	gap := Text(toks[nameIdx+1 : open])
	return verb(name) + gap + "(" + strings.Join(texts, ",") + ")", closing, nil
}

// bindAggregates: DuckDB picks the overload of a typed macro by the types
// of its arguments, but it does not know the type of an aggregate or window
// function there; it then picks a wrong overload or none. Arguments of a
// Spark function that hold one are therefore first bound to a lambda
// parameter, whose type DuckDB knows: f(max(x), 1) becomes
// list_transform([struct_pack(a1 := max(x))], lambda _v: f(_v.a1, 1))[1].
// The returned function wraps the call's text.
func (rw *rewriter) bindAggregates(c *call) func(string) string {
	none := func(s string) string { return s }
	if c.lname == "cast" || c.lname == "try_cast" {
		return none // castRule binds its expression itself
	}
	if _, ok := rules[c.lname]; !ok {
		target := c.lname
		if to, ok := renames[c.lname]; ok {
			target = to
		}
		if e, ok := catalog()[target]; !ok || !e.typedOverloads() {
			return none
		}
	}
	var fields []string
	var v string
	for k := range c.args {
		a := &c.args[k]
		if a.lambda != nil || !hasAggregate(a.toks) {
			continue
		}
		if v == "" {
			v = rw.fresh(1)[0]
		}
		f := "a" + strconv.Itoa(k+1)
		fields = append(fields, f+" := "+a.text)
		a.text, a.lit = " "+v+"."+f, nil
	}
	if fields == nil {
		return none
	}
	return func(s string) string {
		if s == "" {
			return s
		}
		return "list_transform([struct_pack(" + strings.Join(fields, ",") + ")], lambda " + v + ": " + s + ")[1]"
	}
}

// hasAggregate reports whether toks call an aggregate or window function.
func hasAggregate(toks []Token) bool {
	for i, t := range toks {
		if t.Kind != Ident {
			continue
		}
		if t.Is("over") {
			return true
		}
		if n := nextSig(toks, i+1); n < len(toks) && toks[n].Kind == Punct && toks[n].Text == "(" && isAggregate(strings.ToLower(t.Text)) {
			return true
		}
	}
	return false
}

// isAggregate reports whether the Spark function name aggregates: a
// built-in aggregate, or a macro that calls one.
func isAggregate(name string) bool {
	if aggregates[name] {
		return true
	}
	if to, ok := renames[name]; ok {
		name = to
	}
	e, ok := catalog()[name]
	return ok && e.aggregates()
}

// aggregates are the aggregate functions of Spark and DuckDB.
var aggregates = wordSet(`sum count avg mean min max first last first_value last_value any_value collect_list collect_set
	array_agg list string_agg listagg group_concat stddev stddev_pop stddev_samp std variance var_pop var_samp
	corr covar_pop covar_samp kurtosis kurtosis_pop skewness median mode percentile percentile_approx
	approx_percentile percentile_cont percentile_disc quantile quantile_cont quantile_disc reservoir_quantile
	approx_quantile approx_count_distinct count_if bool_and bool_or every any some bit_and bit_or bit_xor max_by
	min_by arg_max arg_min regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx regr_sxy
	regr_syy histogram try_sum try_avg bitmap_construct_agg bitmap_or_agg bitmap_and_agg grouping grouping_id
	product entropy fsum favg sumkahan bitstring_agg`)

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

// makeArg rewrites one argument.
func (rw *rewriter) makeArg(toks []Token) (arg, error) {
	sig := Trim(toks)
	// name => value
	if len(sig) > 2 && sig[0].Kind == Ident {
		if k := nextSig(sig, 1); k < len(sig) && sig[k].Kind == Op && sig[k].Text == "=>" {
			a, err := rw.makeArg(sig[k+1:])
			a.name = sig[0].Text
			a.text = newlines(sig[:k+1]) + a.text
			return a, err
		}
	}
	if l, ok, err := rw.makeLambda(sig); ok || err != nil {
		if err != nil {
			return arg{}, err
		}
		return arg{toks: toks, lambda: l, text: newlines(toks)}, nil
	}
	text, err := rw.emit(toks)
	if err != nil {
		return arg{}, err
	}
	a := arg{toks: toks, text: text}
	if len(sig) > 0 {
		all := true
		val := ""
		for _, t := range sig {
			if t.Kind == String {
				val += t.Value()
			} else if t.Significant() {
				all = false
				break
			}
		}
		if all {
			a.lit = &val
		}
	}
	return a, nil
}

// makeLambda reads x -> body or (x, y, ...) -> body.
func (rw *rewriter) makeLambda(sig []Token) (*lambda, bool, error) {
	var params []string
	arrow := -1
	switch {
	case len(sig) > 0 && (sig[0].Kind == Ident || sig[0].Kind == QuotedIdent):
		k := nextSig(sig, 1)
		if k < len(sig) && sig[k].Kind == Op && sig[k].Text == "->" {
			params, arrow = []string{sig[0].Name()}, k
		}
	case len(sig) > 0 && sig[0].Kind == Punct && sig[0].Text == "(":
		closing := MatchParen(sig, 0)
		if closing < 0 {
			return nil, false, nil
		}
		k := nextSig(sig, closing+1)
		if k >= len(sig) || sig[k].Kind != Op || sig[k].Text != "->" {
			return nil, false, nil
		}
		for _, p := range SplitComma(sig[1:closing]) {
			p = Trim(p)
			if len(p) != 1 || p[0].Kind != Ident && p[0].Kind != QuotedIdent {
				return nil, false, rw.errorf(sig[0], ErrSyntax, "lambda parameters must be names, got (%s)", Text(sig[1:closing]))
			}
			params = append(params, p[0].Name())
		}
		arrow = k
	}
	if arrow < 0 {
		return nil, false, nil
	}
	l := &lambda{params: params}
	scope := map[string]string{}
	for _, p := range params {
		rw.nextID++
		m := "\x02" + strconv.Itoa(rw.nextID) + "\x03"
		l.markers = append(l.markers, m)
		scope[strings.ToLower(p)] = m
	}
	rw.scopes = append(rw.scopes, scope)
	body, err := rw.lambdaBody(sig[arrow+1:])
	rw.scopes = rw.scopes[:len(rw.scopes)-1]
	if err != nil {
		return nil, false, err
	}
	l.body = newlines(sig[:arrow+1]) + body
	return l, true, nil
}

// lambdaBody rewrites a lambda's body; a tuple (a, b) is a struct in Spark,
// its fields named after the columns or variables (else col1, col2, ...).
func (rw *rewriter) lambdaBody(toks []Token) (string, error) {
	sig := Trim(toks)
	if len(sig) < 3 || sig[0].Kind != Punct || sig[0].Text != "(" || MatchParen(sig, 0) != len(sig)-1 {
		return rw.emit(toks)
	}
	parts := SplitComma(sig[1 : len(sig)-1])
	if len(parts) < 2 {
		return rw.emit(toks)
	}
	fields := make([]string, len(parts))
	for k, p := range parts {
		name := "col" + strconv.Itoa(k+1)
		if ps := Trim(p); isColumnRef(ps) {
			name = ps[len(ps)-1].Name()
		}
		text, err := rw.emit(p)
		if err != nil {
			return "", err
		}
		fields[k] = quoteIdent(name) + " := " + text
	}
	return newlines(toks[:1]) + "struct_pack(" + strings.Join(fields, ",") + ")" + newlines(sig[len(sig)-1:]), nil
}
