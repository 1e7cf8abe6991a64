package sparksql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// formatNumber: format_number(x, d) rounds to d decimals with grouping
// commas; format_number(x, 'pattern') takes a java.text.DecimalFormat
// pattern (literal) with #, 0, ',' and '.'.
func formatNumber(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	x := c.args[0].text
	if c.args[1].lit == nil {
		return "spark_format_number(" + argTexts(c.args) + ")", nil
	}
	p := *c.args[1].lit
	if p == "" {
		return "spark_format_number(" + x + ", 0)" + newlines(c.args[1].toks), nil
	}
	intPart, frac, hasDot := strings.Cut(p, ".")
	if strings.Trim(intPart, "#0,") != "" || strings.Trim(frac, "#0") != "" {
		return "", fmt.Errorf("format_number pattern %q: only #, 0, ',' and '.' are supported", p)
	}
	maxFrac := len(frac)
	minFrac := strings.Count(frac, "0")
	if !hasDot {
		maxFrac, minFrac = 0, 0
	}
	group := ""
	if strings.Contains(intPart, ",") {
		group = ","
	}
	out := fmt.Sprintf("format('{:%s.%df}', CAST(%s AS DOUBLE))", group, maxFrac, x)
	if maxFrac > minFrac {
		strip := fmt.Sprintf("0{0,%d}$", maxFrac-minFrac)
		if minFrac == 0 {
			strip = `\.?` + strip
		}
		out = "regexp_replace(" + out + ", " + quoteDuck(strip) + ", '')"
	}
	return out + newlines(c.args[1].toks), nil
}

func init() {
	addMacros(macro{"spark_format_number", `(x, d) AS CASE WHEN d < 0 THEN NULL ELSE format('{:,.' || CAST(d AS INTEGER) || 'f}', CAST(x AS DOUBLE)) END`})
}

var numberFormatRE = regexp.MustCompile(`(?i)^\s*(\$?)(S|MI)?(\$?)([09,G]*)([.D][09]*)?(S|MI|PR)?\s*$`)

// numberFormat is a parsed Spark number format ('99G999D9S', '$99.99').
type numberFormat struct {
	dollar     bool
	intDigits  []byte // '0' or '9' for each digit; ',' for a group separator
	fracDigits int
	dot        bool
	sign       string // "", "S<", "S>", "MI<", "MI>", "PR"
}

func parseNumberFormat(f string) (*numberFormat, bool) {
	m := numberFormatRE.FindStringSubmatch(f)
	if m == nil || !strings.ContainsAny(f, "09") {
		return nil, false
	}
	nf := &numberFormat{dollar: m[1] != "" || m[3] != ""}
	if m[2] != "" {
		nf.sign = strings.ToUpper(m[2]) + "<"
	}
	for _, c := range strings.ToUpper(m[4]) {
		switch c {
		case 'G', ',':
			nf.intDigits = append(nf.intDigits, ',')
		default:
			nf.intDigits = append(nf.intDigits, byte(c))
		}
	}
	if m[5] != "" {
		nf.dot = true
		nf.fracDigits = len(m[5]) - 1
	}
	if m[6] != "" {
		if nf.sign != "" {
			return nil, false
		}
		nf.sign = strings.ToUpper(m[6])
		if nf.sign != "PR" {
			nf.sign += ">"
		}
	}
	return nf, true
}

func (nf *numberFormat) digits() int {
	n := 0
	for _, c := range nf.intDigits {
		if c != ',' {
			n++
		}
	}
	return n
}

// toCharSQL formats the number x (DuckDB SQL, used several times through a
// lambda parameter) as Spark's to_char does.
func (nf *numberFormat) toCharSQL(rw *rewriter, x string) string {
	v := rw.fresh(1)[0]
	n := nf.digits()
	// |x| rounded to the fraction digits, as text, split into integer and fraction.
	abs := fmt.Sprintf("format('{:.%df}', abs(CAST(%s AS DOUBLE)))", nf.fracDigits, v)
	intText := "split_part(" + abs + ", '.', 1)"
	zeroPad := len(nf.intDigits) > 0 && nf.intDigits[0] == '0'
	pad := "' '"
	if zeroPad {
		pad = "'0'"
	}
	// Integer digits padded to the format's width; 0 alone prints as blank
	// for a 9 format with a fraction, as Spark does not do: keep "0".
	padded := fmt.Sprintf("lpad(%s, %d, %s)", intText, n, pad)
	var parts []string
	pos := 1
	for _, c := range nf.intDigits {
		if c == ',' {
			parts = append(parts, fmt.Sprintf("CASE WHEN substr(%s, %d, 1) IN (' ', '') THEN ' ' ELSE ',' END", padded, pos))
			continue
		}
		parts = append(parts, fmt.Sprintf("substr(%s, %d, 1)", padded, pos))
		pos++
	}
	body := "''"
	if len(parts) > 0 {
		body = strings.Join(parts, " || ")
	}
	if nf.dot {
		body += " || '.'"
		if nf.fracDigits > 0 {
			body += " || split_part(" + abs + ", '.', 2)"
		}
	}
	body = "ltrim(" + body + ")"
	if nf.dollar {
		body = "'$' || " + body
	}
	neg := v + " < 0"
	switch nf.sign {
	case "S<":
		body = "CASE WHEN " + neg + " THEN '-' ELSE '+' END || " + body
	case "S>":
		body = body + " || CASE WHEN " + neg + " THEN '-' ELSE '+' END"
	case "MI<":
		body = "CASE WHEN " + neg + " THEN '-' ELSE ' ' END || " + body
	case "MI>":
		body = body + " || CASE WHEN " + neg + " THEN '-' ELSE ' ' END"
	case "PR":
		body = "CASE WHEN " + neg + " THEN '<' || " + body + " || '>' ELSE " + body + " END"
	default:
		body = "CASE WHEN " + neg + " THEN '-' ELSE '' END || " + body
	}
	overflow := strings.Repeat("#", n)
	if nf.dot {
		overflow += "." + strings.Repeat("#", nf.fracDigits)
	}
	body = "CASE WHEN length(" + intText + ") > " + strconv.Itoa(max(n, 1)) + " THEN " + quoteDuck(overflow) + " ELSE " + body + " END"
	return "list_transform([" + x + "], lambda " + v + ": CASE WHEN " + v + " IS NULL THEN NULL ELSE " + body + " END)[1]"
}

// toNumberSQL parses the text s by the format: NULL (try) or an error when
// it does not match.
func (nf *numberFormat) toNumberSQL(rw *rewriter, s string, try bool) string {
	v := rw.fresh(1)[0]
	var re strings.Builder
	re.WriteString("^")
	if strings.HasPrefix(nf.sign, "S<") || strings.HasPrefix(nf.sign, "MI<") {
		re.WriteString("[+-]?")
	}
	if nf.sign == "PR" {
		re.WriteString("<?")
	}
	if nf.dollar {
		re.WriteString(`\$`)
	}
	for _, c := range nf.intDigits {
		if c == ',' {
			re.WriteString(",?")
		} else {
			re.WriteString("[0-9]?")
		}
	}
	if nf.dot {
		re.WriteString(`(\.[0-9]{0,` + strconv.Itoa(nf.fracDigits) + `})?`)
	}
	if strings.HasSuffix(nf.sign, ">") {
		re.WriteString("[+-]?")
	}
	if nf.sign == "PR" {
		re.WriteString(">?")
	}
	re.WriteString("$")
	typ := fmt.Sprintf("DECIMAL(%d,%d)", max(nf.digits()+nf.fracDigits, 1), nf.fracDigits)
	num := "CAST(nullif(regexp_replace(" + v + ", '[^0-9.]', '', 'g'), '') AS " + typ + ")"
	signed := "CASE WHEN contains(" + v + ", '-') OR starts_with(" + v + ", '<') THEN -" + num + " ELSE " + num + " END"
	bad := "NULL"
	if !try {
		bad = "error('to_number: ' || " + v + " || ' does not match the format')"
	}
	return "list_transform([" + s + "], lambda " + v + ": CASE WHEN " + v + " IS NULL THEN NULL WHEN regexp_full_match(trim(" + v + "), " +
		quoteDuck(re.String()) + ") THEN " + signed + " ELSE " + bad + " END)[1]"
}

// toChar: to_char(x, format) formats numbers (Spark number formats), dates
// and timestamps (date patterns) and binary values ('hex', 'base64', 'utf-8').
func toChar(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	if c.args[1].lit == nil {
		return "", fmt.Errorf("the format must be a string literal, got %s", c.args[1].src())
	}
	f := *c.args[1].lit
	nl := newlines(c.args[1].toks)
	switch strings.ToLower(f) {
	case "hex":
		return "hex(" + c.args[0].text + ")" + nl, nil
	case "base64":
		return "base64(" + c.args[0].text + ")" + nl, nil
	case "utf-8", "utf8":
		return "decode(" + c.args[0].text + ")" + nl, nil
	}
	if nf, ok := parseNumberFormat(f); ok {
		return nf.toCharSQL(rw, c.args[0].text) + nl, nil
	}
	conv, _, err := convertPattern(f, formatting)
	if err != nil {
		return "", err
	}
	return "strftime(spark_ts(" + c.args[0].text + "), " + quoteDuck(conv) + ")" + nl, nil
}

func toNumber(try bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 2, 2); err != nil {
			return "", err
		}
		if c.args[1].lit == nil {
			return "", fmt.Errorf("the format must be a string literal, got %s", c.args[1].src())
		}
		nf, ok := parseNumberFormat(*c.args[1].lit)
		if !ok {
			return "", fmt.Errorf("invalid number format %q", *c.args[1].lit)
		}
		return nf.toNumberSQL(rw, c.args[0].text, try) + newlines(c.args[1].toks), nil
	}
}
