package sparksql

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// literal rewrites a typed literal that starts at the bare word toks[i]:
// X'0A1B' (binary), DATE '...', TIMESTAMP '...', TIMESTAMP_NTZ '...',
// TIMESTAMP_LTZ '...', TIME '...', and INTERVAL literals. It returns the
// index of the last token used and ok = false when toks[i] starts none.
func (rw *rewriter) literal(toks []Token, i int) (int, string, bool, error) {
	t := toks[i]
	low := strings.ToLower(t.Text)
	if low == "interval" {
		return rw.interval(toks, i)
	}
	typ, ok := literalTypes[low]
	if !ok {
		return 0, "", false, nil
	}
	j := nextSig(toks, i+1)
	if j >= len(toks) || toks[j].Kind != String || toks[j].duck {
		return 0, "", false, nil
	}
	if low == "x" && j != i+1 && toks[j].Text[0] == '"' {
		return 0, "", false, nil
	}
	val := toks[j].Value()
	if typ == "BLOB" {
		if len(val)%2 == 1 {
			val = "0" + val
		}
		raw, err := hex.DecodeString(val)
		if err != nil {
			return 0, "", false, rw.errorf(t, ErrSyntax, "binary literal X'%s': not hexadecimal", toks[j].Value())
		}
		var b strings.Builder
		for _, c := range raw {
			fmt.Fprintf(&b, `\x%02X`, c)
		}
		return j, synth(t, "CAST('"+b.String()+"' AS BLOB)") + newlines(toks[i:j+1]), true, nil
	}
	return j, synth(t, typ+" "+quoteDuck(val)) + newlines(toks[i:j+1]), true, nil
}

var literalTypes = map[string]string{
	"x": "BLOB", "date": "DATE", "timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP",
	"timestamp_ltz": "TIMESTAMP", "time": "TIME",
}

// intervalUnits maps Spark's interval unit words to their unit.
var intervalUnits = map[string]string{
	"year": "year", "years": "year", "month": "month", "months": "month", "week": "week", "weeks": "week",
	"day": "day", "days": "day", "hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute",
	"second": "second", "seconds": "second", "millisecond": "millisecond", "milliseconds": "millisecond",
	"microsecond": "microsecond", "microseconds": "microsecond",
}

// ival is an interval as Spark's three fields.
type ival struct {
	months int64
	days   int64
	micros int64
}

func (v ival) neg() ival { return ival{-v.months, -v.days, -v.micros} }
func (v ival) add(w ival) ival {
	return ival{v.months + w.months, v.days + w.days, v.micros + w.micros}
}

// duck spells v as a DuckDB INTERVAL literal.
func (v ival) duck() string {
	var parts []string
	if v.months != 0 {
		parts = append(parts, fmt.Sprintf("%d months", v.months))
	}
	if v.days != 0 {
		parts = append(parts, fmt.Sprintf("%d days", v.days))
	}
	if v.micros != 0 || len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d microseconds", v.micros))
	}
	return "INTERVAL '" + strings.Join(parts, " ") + "'"
}

// unitValue returns n units (n a decimal number text) as an interval.
func unitValue(n string, unit string) (ival, error) {
	r, ok := new(big.Rat).SetString(n)
	if !ok {
		return ival{}, fmt.Errorf("%q is not a number", n)
	}
	whole := func(per int64) (int64, error) {
		x := new(big.Rat).Mul(r, big.NewRat(per, 1))
		if !x.IsInt() {
			return 0, fmt.Errorf("%s %s: a fraction is not allowed here", n, unit)
		}
		return x.Num().Int64(), nil
	}
	var v ival
	var err error
	switch unit {
	case "year":
		v.months, err = whole(12)
	case "month":
		v.months, err = whole(1)
	case "week":
		v.days, err = whole(7)
	case "day":
		v.days, err = whole(1)
	case "hour":
		v.micros, err = whole(3600e6)
	case "minute":
		v.micros, err = whole(60e6)
	case "second":
		v.micros, err = whole(1e6)
	case "millisecond":
		v.micros, err = whole(1000)
	case "microsecond":
		v.micros, err = whole(1)
	}
	return v, err
}

// interval rewrites a Spark interval literal at toks[i] (the word INTERVAL):
//
//	INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 2:03:04.5' DAY TO SECOND, ...
//	INTERVAL [-]'3' DAY, INTERVAL 5 DAYS 3 HOURS, INTERVAL '1 day 2 hours'
//
// into a DuckDB INTERVAL literal of the same months, days and microseconds.
// A unit count that is not a literal (INTERVAL x DAY) becomes to_days(x).
func (rw *rewriter) interval(toks []Token, i int) (int, string, bool, error) {
	t := toks[i]
	j := nextSig(toks, i+1)
	if j >= len(toks) {
		return 0, "", false, nil
	}
	fail := func(format string, args ...any) (int, string, bool, error) {
		return 0, "", false, rw.errorf(t, ErrSyntax, "interval literal: "+format, args...)
	}
	var total ival
	var exprs []string
	last := i
	count := 0
	for {
		k := j
		sign := ""
		if k < len(toks) && toks[k].Kind == Op && (toks[k].Text == "-" || toks[k].Text == "+") {
			sign = toks[k].Text
			k = nextSig(toks, k+1)
		}
		if k >= len(toks) {
			break
		}
		var num string
		isStr := false
		switch toks[k].Kind {
		case String:
			num, isStr = strings.TrimSpace(toks[k].Value()), true
		case Number:
			num = toks[k].Text
		default:
			if count == 0 && toks[k].Kind == Punct && toks[k].Text == "(" {
				// INTERVAL (expr) unit
				closing := MatchParen(toks, k)
				u := nextSig(toks, closing+1)
				if closing < 0 || u >= len(toks) || intervalUnits[strings.ToLower(toks[u].Text)] == "" {
					return 0, "", false, nil
				}
				inner, err := rw.emit(toks[k : closing+1])
				if err != nil {
					return 0, "", false, err
				}
				fn := "to_" + intervalUnits[strings.ToLower(toks[u].Text)] + "s"
				exprs = append(exprs, fn+"("+sign+flat(inner)+")")
				last = u
				count++
				j = nextSig(toks, u+1)
				continue
			}
		}
		if num == "" {
			break
		}
		u := nextSig(toks, k+1)
		unit := ""
		if u < len(toks) && toks[u].Kind == Ident {
			unit = intervalUnits[strings.ToLower(toks[u].Text)]
		}
		if unit == "" {
			if isStr && count == 0 {
				// INTERVAL '1 day 2 hours': Spark's and DuckDB's multi-unit strings agree.
				v, err := parseMultiUnit(num)
				if err != nil {
					return fail("%v", err)
				}
				if sign == "-" {
					v = v.neg()
				}
				return k, synth(t, v.duck()) + newlines(toks[i:k+1]), true, nil
			}
			break
		}
		end := u
		var v ival
		var err error
		// unit TO unit
		if to := nextSig(toks, u+1); to < len(toks) && toks[to].Is("to") {
			u2 := nextSig(toks, to+1)
			if u2 >= len(toks) || intervalUnits[strings.ToLower(toks[u2].Text)] == "" {
				return fail("expected a unit after TO")
			}
			if !isStr {
				return fail("%s TO %s needs a string, as in '1-2'", toks[u].Text, toks[u2].Text)
			}
			v, err = parseRange(num, unit, intervalUnits[strings.ToLower(toks[u2].Text)])
			end = u2
		} else {
			v, err = parseSingle(num, unit)
		}
		if err != nil {
			return fail("%v", err)
		}
		if sign == "-" {
			v = v.neg()
		}
		total = total.add(v)
		count++
		last = end
		j = nextSig(toks, end+1)
	}
	if count == 0 {
		return 0, "", false, nil
	}
	out := total.duck()
	if len(exprs) > 0 {
		out = "(" + out + " + " + strings.Join(exprs, " + ") + ")"
	}
	return last, synth(t, out) + newlines(toks[i:last+1]), true, nil
}

// parseSingle reads the count of one unit: '10', '-1', '1.5' (seconds).
func parseSingle(s, unit string) (ival, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	v, err := unitValue(s, unit)
	if neg {
		v = v.neg()
	}
	return v, err
}

// parseRange reads a Spark interval string for 'from TO to' units:
// '1-2' YEAR TO MONTH, '1 2:03:04.5' DAY TO SECOND, '2:03' HOUR TO MINUTE...
func parseRange(s, from, to string) (ival, error) {
	neg := false
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v ival
	if from == "year" || from == "month" {
		if from != "year" || to != "month" {
			return v, fmt.Errorf("%s TO %s is not an interval range", strings.ToUpper(from), strings.ToUpper(to))
		}
		y, m, ok := strings.Cut(s, "-")
		if !ok {
			return v, fmt.Errorf("%q does not match y-m", s)
		}
		yy, err1 := strconv.ParseInt(y, 10, 64)
		mm, err2 := strconv.ParseInt(m, 10, 64)
		if err1 != nil || err2 != nil || mm > 11 {
			return v, fmt.Errorf("%q does not match y-m", s)
		}
		v.months = yy*12 + mm
	} else {
		order := []string{"day", "hour", "minute", "second"}
		fi, ti := indexOf(order, from), indexOf(order, to)
		if fi < 0 || ti < 0 || ti <= fi {
			return v, fmt.Errorf("%s TO %s is not an interval range", strings.ToUpper(from), strings.ToUpper(to))
		}
		var fields []string
		rest := s
		if from == "day" {
			d, r, ok := strings.Cut(rest, " ")
			if !ok {
				d, r = rest, ""
			}
			fields = append(fields, d)
			rest = strings.TrimSpace(r)
		}
		if rest != "" {
			fields = append(fields, strings.Split(rest, ":")...)
		}
		if len(fields) != ti-fi+1 {
			return v, fmt.Errorf("%q does not match the %s TO %s form", s, strings.ToUpper(from), strings.ToUpper(to))
		}
		for k, f := range fields {
			w, err := unitValue(f, order[fi+k])
			if err != nil {
				return v, err
			}
			v = v.add(w)
		}
	}
	if neg {
		v = v.neg()
	}
	return v, nil
}

// parseMultiUnit reads '1 day 2 hours', 'interval 3 months' and the like.
func parseMultiUnit(s string) (ival, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) > 0 && f[0] == "interval" {
		f = f[1:]
	}
	var v ival
	if len(f) == 0 || len(f)%2 != 0 {
		return v, fmt.Errorf("cannot read %q as an interval", s)
	}
	for k := 0; k < len(f); k += 2 {
		unit := intervalUnits[f[k+1]]
		if unit == "" {
			return v, fmt.Errorf("cannot read %q as an interval: unknown unit %q", s, f[k+1])
		}
		w, err := parseSingle(f[k], unit)
		if err != nil {
			return v, err
		}
		v = v.add(w)
	}
	return v, nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// sparkTypes maps Spark's simple type names to DuckDB's.
var sparkTypes = map[string]string{
	"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "text": "VARCHAR",
	"int": "INTEGER", "integer": "INTEGER", "bigint": "BIGINT", "long": "BIGINT",
	"smallint": "SMALLINT", "short": "SMALLINT", "tinyint": "TINYINT", "byte": "TINYINT",
	"float": "FLOAT", "real": "FLOAT", "double": "DOUBLE", "boolean": "BOOLEAN", "bool": "BOOLEAN",
	"binary": "BLOB", "date": "DATE", "timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP",
	"timestamp_ltz": "TIMESTAMP", "time": "TIME", "variant": "JSON", "void": "INTEGER",
	"decimal": "DECIMAL", "dec": "DECIMAL", "numeric": "DECIMAL", "interval": "INTERVAL",
}

// typeParser reads a Spark data type from tokens.
type typeParser struct {
	toks []Token // significant tokens only
	i    int
	// pending '>' from a split '>>' or '>>>'
	pending int
}

// sparkType translates a Spark data type (INT, ARRAY<STRING>,
// STRUCT<a: INT, b ARRAY<DOUBLE>>, MAP<STRING, INT>, DECIMAL(10, 2), ...)
// into DuckDB's spelling.
func sparkType(toks []Token) (string, error) {
	var sig []Token
	for _, t := range toks {
		if t.Significant() {
			sig = append(sig, t)
		}
	}
	p := &typeParser{toks: sig}
	s, err := p.typ()
	if err != nil {
		return "", err
	}
	if p.pending > 0 || p.i < len(p.toks) {
		return "", fmt.Errorf("unexpected %q after the type", Text(p.toks[p.i:]))
	}
	return s, nil
}

func (p *typeParser) peek() string {
	if p.pending > 0 {
		return ">"
	}
	if p.i < len(p.toks) {
		t := strings.ToLower(p.toks[p.i].Text)
		if t == ">>" || t == ">>>" {
			return ">"
		}
		return t
	}
	return ""
}

func (p *typeParser) take(want string) error {
	if p.pending > 0 && want == ">" {
		p.pending--
		return nil
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i].Text
		if want == ">" && (t == ">>" || t == ">>>") {
			p.i++
			p.pending = len(t) - 1
			return nil
		}
		if strings.EqualFold(t, want) {
			p.i++
			return nil
		}
		return fmt.Errorf("expected %q, found %q", want, t)
	}
	return fmt.Errorf("expected %q at the end", want)
}

func (p *typeParser) typ() (string, error) {
	if p.i >= len(p.toks) {
		return "", fmt.Errorf("missing type")
	}
	t := p.toks[p.i]
	name := strings.ToLower(t.Name())
	if t.Kind != Ident && t.Kind != QuotedIdent {
		return "", fmt.Errorf("expected a type, found %q", t.Text)
	}
	p.i++
	switch name {
	case "array":
		if err := p.take("<"); err != nil {
			return "", err
		}
		e, err := p.typ()
		if err != nil {
			return "", err
		}
		return e + "[]", p.take(">")
	case "map":
		if err := p.take("<"); err != nil {
			return "", err
		}
		k, err := p.typ()
		if err != nil {
			return "", err
		}
		if err := p.take(","); err != nil {
			return "", err
		}
		v, err := p.typ()
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", p.take(">")
	case "struct":
		if err := p.take("<"); err != nil {
			return "", err
		}
		var fields []string
		for p.peek() != ">" {
			if len(fields) > 0 {
				if err := p.take(","); err != nil {
					return "", err
				}
			}
			name, t, err := p.field()
			if err != nil {
				return "", err
			}
			fields = append(fields, quoteIdent(name)+" "+t)
		}
		if len(fields) == 0 {
			return "", fmt.Errorf("STRUCT<> has no fields")
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", p.take(">")
	case "interval":
		// INTERVAL [unit [TO unit]]
		for p.i < len(p.toks) && (intervalUnits[p.peek()] != "" || p.peek() == "to") {
			p.i++
		}
		return "INTERVAL", nil
	}
	d, ok := sparkTypes[name]
	if !ok {
		return "", fmt.Errorf("unknown type %s", t.Text)
	}
	if p.peek() == "(" {
		var args []string
		p.i++
		for p.i < len(p.toks) && p.toks[p.i].Text != ")" {
			if p.toks[p.i].Text != "," {
				args = append(args, p.toks[p.i].Text)
			}
			p.i++
		}
		if err := p.take(")"); err != nil {
			return "", err
		}
		if d == "DECIMAL" {
			if len(args) == 1 {
				args = append(args, "0")
			}
			return "DECIMAL(" + strings.Join(args, ",") + ")", nil
		}
		return d, nil
	}
	if d == "DECIMAL" {
		return "DECIMAL(10,0)", nil
	}
	return d, nil
}

// field reads "name[:] type [NOT NULL] [COMMENT 'text']".
func (p *typeParser) field() (string, string, error) {
	if p.i >= len(p.toks) {
		return "", "", fmt.Errorf("missing field")
	}
	name := p.toks[p.i].Name()
	if name == "" {
		return "", "", fmt.Errorf("expected a field name, found %q", p.toks[p.i].Text)
	}
	p.i++
	if p.peek() == ":" {
		p.i++
	}
	t, err := p.typ()
	if err != nil {
		return "", "", err
	}
	if p.peek() == "not" {
		p.i++
		if err := p.take("null"); err != nil {
			return "", "", err
		}
	}
	if p.peek() == "comment" {
		p.i += 2
	}
	return name, t, nil
}

// field is one field of a struct schema: name and DuckDB type.
type field struct{ name, typ string }

// ddlFields translates a Spark DDL schema ("a INT, b STRING" or
// "STRUCT<a: INT>") into DuckDB type text, with its top-level fields when
// it is a field list.
func ddlFields(s string) ([]field, string, error) {
	toks, err := Lex(s)
	if err != nil {
		return nil, "", err
	}
	sig := Trim(toks)
	if len(sig) > 0 && (sig[0].Is("struct") || sig[0].Is("array") || sig[0].Is("map")) {
		t, err := sparkType(sig)
		if err != nil {
			return nil, "", fmt.Errorf("schema %q: %w", s, err)
		}
		return nil, t, nil
	}
	var fields []field
	var texts []string
	for _, part := range SplitComma(sig) {
		var ps []Token
		for _, t := range part {
			if t.Significant() {
				ps = append(ps, t)
			}
		}
		if len(ps) == 0 {
			return nil, "", fmt.Errorf("schema %q: empty field", s)
		}
		p := &typeParser{toks: ps}
		name, typ, err := p.field()
		if err != nil {
			return nil, "", fmt.Errorf("schema %q: %w", s, err)
		}
		if p.i < len(p.toks) {
			return nil, "", fmt.Errorf("schema %q: unexpected %q", s, Text(p.toks[p.i:]))
		}
		fields = append(fields, field{name: name, typ: typ})
		texts = append(texts, quoteIdent(name)+" "+typ)
	}
	return fields, "STRUCT(" + strings.Join(texts, ", ") + ")", nil
}
