package connector

import (
	"database/sql/driver"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Text values to typed values, for the formats whose values are text
// (xml, xlsx cells read as text): type inference as Spark does it, and
// conversion to a column's type.

// textParser converts text to typed values.
type textParser struct {
	dateLayout string // Go layout; "" means ISO dates
	tsLayout   string // Go layout; "" means ISO 8601
	loc        *time.Location
	nullValue  string
	hasNull    bool
}

func newTextParser(dateFormat, timestampFormat, nullValue string, hasNull bool) (*textParser, error) {
	p := &textParser{loc: time.UTC, nullValue: nullValue, hasNull: hasNull}
	var err error
	if dateFormat != "" {
		if p.dateLayout, err = javaLayout(dateFormat); err != nil {
			return nil, fmt.Errorf("option dateFormat: %w", err)
		}
	}
	if timestampFormat != "" {
		if p.tsLayout, err = javaLayout(timestampFormat); err != nil {
			return nil, fmt.Errorf("option timestampFormat: %w", err)
		}
	}
	return p, nil
}

// isInt reports whether s is [+-]digits.
func isInt(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isFloat reports whether s is a decimal number: [+-](d+[.d*]|.d+)[e[+-]d+].
func isFloat(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits := func(s string) (int, string) {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		return n, s[n:]
	}
	n, rest := digits(s)
	if rest != "" && rest[0] == '.' {
		var m int
		m, rest = digits(rest[1:])
		n += m
	}
	if n == 0 {
		return false
	}
	if rest != "" && (rest[0] == 'e' || rest[0] == 'E') {
		rest = rest[1:]
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			rest = rest[1:]
		}
		var m int
		if m, rest = digits(rest); m == 0 {
			return false
		}
	}
	return rest == ""
}

// tNull is the type of a value that was always empty during inference.
var tNull = &dtype{id: "NULL"}

// isNull reports whether text stands for NULL.
func (p *textParser) isNull(s string) bool {
	return s == "" || (p.hasNull && s == p.nullValue)
}

// infer returns the narrowest type of a text value, in Spark's order:
// BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, else VARCHAR.
func (p *textParser) infer(s string) *dtype {
	switch {
	case p.isNull(s):
		return tNull
	case isInt(s):
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return tBigint
		}
		return tDouble
	case isFloat(s):
		return tDouble
	case strings.EqualFold(s, "true") || strings.EqualFold(s, "false"):
		return tBool
	}
	// ISO dates and timestamps start with a digit: most text is not tried
	// against every layout.
	if p.dateLayout == "" && p.tsLayout == "" && (len(s) < 8 || s[0] < '0' || s[0] > '9') {
		return tVarchar
	}
	if _, err := p.date(s); err == nil {
		return tDate
	}
	if _, err := p.timestamp(s); err == nil {
		return tTSTZ
	}
	return tVarchar
}

// mergeTypes is the type that holds values of both types (Spark's
// compatibleType): numbers widen to DOUBLE, DATE to TIMESTAMP, structs merge
// their fields, a value meets a list as a list element, a value meets a
// struct as its valueTag field; anything else becomes VARCHAR.
func mergeTypes(a, b *dtype, valueTag string) *dtype {
	switch {
	case a == nil || a.id == "NULL":
		return b
	case b == nil || b.id == "NULL":
		return a
	case a.equal(b):
		return a
	case a.id == "LIST" && b.id == "LIST":
		return &dtype{id: "LIST", elem: mergeTypes(a.elem, b.elem, valueTag)}
	case a.id == "LIST":
		return &dtype{id: "LIST", elem: mergeTypes(a.elem, b, valueTag)}
	case b.id == "LIST":
		return &dtype{id: "LIST", elem: mergeTypes(a, b.elem, valueTag)}
	case a.id == "STRUCT" && b.id == "STRUCT":
		out := &dtype{id: "STRUCT"}
		idx := map[string]int{}
		for _, f := range a.fields {
			idx[f.name] = len(out.fields)
			out.fields = append(out.fields, f)
		}
		for _, f := range b.fields {
			if i, ok := idx[f.name]; ok {
				out.fields[i].t = mergeTypes(out.fields[i].t, f.t, valueTag)
				continue
			}
			out.fields = append(out.fields, f)
		}
		return out
	case a.id == "STRUCT":
		return mergeTypes(a, &dtype{id: "STRUCT", fields: []field{{valueTag, b}}}, valueTag)
	case b.id == "STRUCT":
		return mergeTypes(&dtype{id: "STRUCT", fields: []field{{valueTag, a}}}, b, valueTag)
	case isNumber(a) && isNumber(b):
		return tDouble
	case (a.id == "DATE" || a.id == "TIMESTAMPTZ") && (b.id == "DATE" || b.id == "TIMESTAMPTZ"):
		return tTSTZ
	}
	return tVarchar
}

func isNumber(t *dtype) bool {
	switch t.id {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL":
		return true
	}
	return false
}

// finish turns types only ever seen empty into VARCHAR and, when sorted,
// orders struct fields by name (as Spark's inference does).
func finishType(t *dtype, sorted bool) *dtype {
	switch t.id {
	case "NULL":
		return tVarchar
	case "LIST":
		return &dtype{id: "LIST", elem: finishType(t.elem, sorted)}
	case "STRUCT":
		out := &dtype{id: "STRUCT", fields: make([]field, len(t.fields))}
		for i, f := range t.fields {
			out.fields[i] = field{f.name, finishType(f.t, sorted)}
		}
		if sorted {
			sortFields(out.fields)
		}
		return out
	}
	return t
}

func sortFields(fs []field) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].name < fs[j-1].name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// convert turns text into a value of a primitive type for the appender.
func (p *textParser) convert(s string, t *dtype) (driver.Value, error) {
	if p.isNull(s) {
		return nil, nil
	}
	switch t.id {
	case "VARCHAR":
		return s, nil
	case "BOOLEAN":
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean", s)
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		bits := map[string]int{"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}[t.id]
		n, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, bits)
		if err != nil {
			return nil, fmt.Errorf("%q is not a %s", s, strings.ToLower(t.id))
		}
		return n, nil
	case "FLOAT", "DOUBLE":
		if !isFloat(s) && s != "NaN" && s != "Infinity" && s != "-Infinity" {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		f, err := strconv.ParseFloat(strings.Replace(s, "Infinity", "Inf", 1), 64)
		if err != nil && !(errorsIsRange(err) && math.IsInf(f, 0)) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case "DECIMAL":
		r, ok := new(big.Rat).SetString(s)
		if !ok || !isFloat(s) {
			return nil, fmt.Errorf("%q is not a decimal", s)
		}
		return decimalConv(t)(r)
	case "DATE":
		d, err := p.date(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	case "TIMESTAMP", "TIMESTAMPTZ":
		ts, err := p.timestamp(s)
		if err != nil {
			return nil, err
		}
		if t.id == "TIMESTAMP" {
			// Without a zone: the wall-clock time as written.
			return time.Date(ts.Year(), ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), time.UTC), nil
		}
		return ts, nil
	case "BLOB":
		return []byte(s), nil
	}
	return nil, fmt.Errorf("a text value cannot be read as %s", t.SQL())
}

func errorsIsRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (p *textParser) date(s string) (time.Time, error) {
	layout := p.dateLayout
	if layout == "" {
		layout = "2006-01-02"
	}
	t, err := time.ParseInLocation(layout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	return t, nil
}

// isoLayouts are the timestamp forms read without a timestampFormat.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

func (p *textParser) timestamp(s string) (time.Time, error) {
	if p.tsLayout != "" {
		t, err := time.ParseInLocation(p.tsLayout, s, p.loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
		}
		return t, nil
	}
	for _, l := range isoLayouts {
		if t, err := time.ParseInLocation(l, s, p.loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}

// javaLayout converts a Java/Spark datetime pattern (yyyy-MM-dd HH:mm:ss)
// to a Go time layout. Pattern letters Go cannot express are refused.
func javaLayout(pattern string) (string, error) {
	var b strings.Builder
	rs := []rune(pattern)
	for i := 0; i < len(rs); {
		c := rs[i]
		if c == '\'' {
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == i+1 {
				b.WriteRune('\'')
			} else {
				b.WriteString(string(rs[i+1 : j]))
			}
			i = j + 1
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteRune(c)
			i++
			continue
		}
		n := 1
		for i+n < len(rs) && rs[i+n] == c {
			n++
		}
		var out string
		switch {
		case c == 'y' && n == 2:
			out = "06"
		case c == 'y' || c == 'u':
			out = "2006"
		case c == 'M' && n == 1:
			out = "1"
		case c == 'M' && n == 2:
			out = "01"
		case c == 'M' && n == 3:
			out = "Jan"
		case c == 'M':
			out = "January"
		case c == 'd' && n == 1:
			out = "2"
		case c == 'd':
			out = "02"
		case c == 'H':
			out = "15"
		case c == 'h' && n == 1:
			out = "3"
		case c == 'h':
			out = "03"
		case c == 'm' && n == 1:
			out = "4"
		case c == 'm':
			out = "04"
		case c == 's' && n == 1:
			out = "5"
		case c == 's':
			out = "05"
		case c == 'S':
			out = strings.Repeat("0", n)
		case c == 'a':
			out = "PM"
		case c == 'E' && n <= 3:
			out = "Mon"
		case c == 'E':
			out = "Monday"
		case c == 'X' && n == 1:
			out = "Z07"
		case c == 'X' && n == 2:
			out = "Z0700"
		case c == 'X':
			out = "Z07:00"
		case c == 'x' && n == 1:
			out = "-07"
		case c == 'x' && n == 2:
			out = "-0700"
		case c == 'x':
			out = "-07:00"
		case c == 'Z' && n <= 3:
			out = "-0700"
		case c == 'Z':
			out = "-07:00"
		case c == 'z':
			out = "MST"
		default:
			return "", fmt.Errorf("pattern letter %q of %q cannot be read in this format", string(c), pattern)
		}
		b.WriteString(out)
		i += n
	}
	return b.String(), nil
}

// decimalOf is a DuckDB decimal value of a float (xlsx numbers), rounded to
// the type's scale.
func decimalOf(f float64, t *dtype) (driver.Value, error) {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'f', t.scale, 64))
	if !ok {
		return nil, fmt.Errorf("%v is not a decimal", f)
	}
	return decimalConv(t)(r)
}
