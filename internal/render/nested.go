package render

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Values print as Spark's SQL shell prints them (Hive style): binary as
// UTF-8 text, intervals as 1-2 (years-months), 1 12:30:01.000000000
// (days-time) or 1 months 2 days ... (both), and nested values as
// [1,2], {"a":1,"b":"x"} (struct fields in their order) and {1:"a"} (maps
// in key order), strings inside them quoted, NULL inside them as null.

// dtype is a parsed DuckDB type name, enough to print nested values.
type dtype struct {
	name   string   // upper-case base name: INTEGER, DATE, STRUCT, MAP, LIST, ...
	elem   *dtype   // LIST
	key    *dtype   // MAP
	val    *dtype   // MAP
	fields []string // STRUCT field names, in order
	types  []*dtype // STRUCT field types
}

// parseType reads a DuckDB type name such as STRUCT(a INTEGER, "b c" DATE[])[]
// or MAP(VARCHAR, INTEGER); nil when it cannot.
func parseType(s string) *dtype {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if strings.HasSuffix(s, "]") {
		if i := strings.LastIndexByte(s, '['); i > 0 {
			return &dtype{name: "LIST", elem: parseType(s[:i])}
		}
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return &dtype{name: strings.ToUpper(s)}
	}
	name := strings.ToUpper(strings.TrimSpace(s[:open]))
	parts := splitTop(s[open+1 : len(s)-1])
	switch name {
	case "STRUCT":
		t := &dtype{name: name}
		for _, p := range parts {
			f, ft := cutField(p)
			t.fields = append(t.fields, f)
			t.types = append(t.types, parseType(ft))
		}
		return t
	case "MAP":
		if len(parts) == 2 {
			return &dtype{name: name, key: parseType(parts[0]), val: parseType(parts[1])}
		}
	}
	return &dtype{name: name}
}

// splitTop splits s at commas outside parentheses and double quotes.
func splitTop(s string) []string {
	var out []string
	depth, start, inQ := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQ = !inQ
		case '(':
			if !inQ {
				depth++
			}
		case ')':
			if !inQ {
				depth--
			}
		case ',':
			if depth == 0 && !inQ {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// cutField splits `"a b" INTEGER` or `a INTEGER` into name and type.
func cutField(f string) (string, string) {
	if strings.HasPrefix(f, `"`) {
		for i := 1; i < len(f); i++ {
			if f[i] != '"' {
				continue
			}
			if i+1 < len(f) && f[i+1] == '"' {
				i++
				continue
			}
			return strings.ReplaceAll(f[1:i], `""`, `"`), strings.TrimSpace(f[i+1:])
		}
	}
	name, typ, _ := strings.Cut(f, " ")
	return name, typ
}

// format prints v of type t (nil: unknown); nested values quote strings
// and print NULL as null.
func format(v any, t *dtype, nested bool) string {
	switch x := v.(type) {
	case nil:
		if nested {
			return "null"
		}
		return "NULL"
	case string:
		if nested {
			return `"` + x + `"`
		}
		return x
	case []byte:
		s := strings.ToValidUTF8(string(x), "\uFFFD")
		if nested {
			return `"` + s + `"`
		}
		return s
	case time.Time:
		if t != nil {
			switch t.name {
			case "DATE":
				return x.Format("2006-01-02")
			case "TIME":
				return x.Format("15:04:05.999999")
			}
		}
		return timestamp(x)
	case duckdb.Interval:
		return interval(x)
	case duckdb.Decimal:
		return decimal(x)
	case []any:
		var elem *dtype
		if t != nil {
			elem = t.elem
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = format(e, elem, true)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		var names []string
		types := map[string]*dtype{}
		if t != nil && t.name == "STRUCT" && len(t.fields) == len(x) {
			names = t.fields
			for i, f := range t.fields {
				types[f] = t.types[i]
			}
		} else {
			for k := range x {
				names = append(names, k)
			}
			sort.Strings(names)
		}
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = `"` + n + `":` + format(x[n], types[n], true)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case duckdb.OrderedMap:
		var kt, vt *dtype
		if t != nil {
			kt, vt = t.key, t.val
		}
		keys, vals := x.Keys(), x.Values()
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = format(k, kt, true) + ":" + format(vals[i], vt, true)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case float64:
		return javaDouble(x, 64)
	case float32:
		return javaDouble(float64(x), 32)
	}
	return fmt.Sprint(v)
}

// javaDouble prints a floating-point number as Java's Double.toString
// does, which is how Spark prints it: 3.0, 0.001, 1.0E10, 1.0E-4, NaN,
// Infinity.
func javaDouble(x float64, bits int) string {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case x == 0:
		if math.Signbit(x) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(x); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(x, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(x, 'E', -1, bits) // 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// interval prints an interval the way Spark prints its interval types.
func interval(x duckdb.Interval) string {
	if x.Days == 0 && x.Micros == 0 {
		// year-month interval
		sign, m := "", int64(x.Months)
		if m < 0 {
			sign, m = "-", -m
		}
		return fmt.Sprintf("%s%d-%d", sign, m/12, m%12)
	}
	if x.Months == 0 {
		// day-time interval
		total := int64(x.Days)*86400e6 + x.Micros
		sign := ""
		if total < 0 {
			sign, total = "-", -total
		}
		d := total / 86400e6
		r := total % 86400e6
		return fmt.Sprintf("%s%d %02d:%02d:%02d.%06d000", sign, d, r/3600e6, r/60e6%60, r/1e6%60, r%1e6)
	}
	var parts []string
	add := func(n int64, unit string) {
		if n != 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, unit))
		}
	}
	add(int64(x.Months)/12, "years")
	add(int64(x.Months)%12, "months")
	add(int64(x.Days), "days")
	us := x.Micros
	add(us/3600e6, "hours")
	add(us/60e6%60, "minutes")
	if s := us % 60e6; s != 0 {
		secs := fmt.Sprintf("%d", s/1e6)
		if f := s % 1e6; f != 0 {
			if f < 0 {
				f = -f
			}
			secs += strings.TrimRight(fmt.Sprintf(".%06d", f), "0")
		}
		parts = append(parts, secs+" seconds")
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	return strings.Join(parts, " ")
}

// decimal prints a decimal with its scale, as Spark does (1.50, not 1.5).
func decimal(d duckdb.Decimal) string {
	if d.Value == nil {
		return "NULL"
	}
	s := new(big.Int).Abs(d.Value).String()
	if d.Scale > 0 {
		if len(s) <= int(d.Scale) {
			s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	}
	if d.Value.Sign() < 0 {
		s = "-" + s
	}
	return s
}
