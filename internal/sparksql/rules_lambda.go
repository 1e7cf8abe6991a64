package sparksql

import (
	"fmt"
	"strings"
)

func init() {
	register(map[string]rule{
		"transform":        transform,
		"filter":           filterRule,
		"exists":           existsRule("spark_exists"),
		"forall":           existsRule("spark_forall"),
		"aggregate":        aggregate,
		"reduce":           aggregate,
		"zip_with":         zipWith,
		"map_filter":       mapFilter,
		"transform_keys":   transformMap(true),
		"transform_values": transformMap(false),
		"map_zip_with":     mapZipWith,
		"array_sort":       arraySort,
		"size":             sizeRule,
		"cardinality":      sizeRule,
		"element_at":       elementAt,
		"try_element_at":   elementAt,
		"arrays_zip":       arraysZip,
	})
}

// lambdaArg returns argument i as a lambda of min..max parameters.
func lambdaArg(c *call, i, min, max int) (*lambda, error) {
	if i >= len(c.args) || c.args[i].lambda == nil {
		return nil, fmt.Errorf("argument %d must be a lambda function such as x -> x + 1", i+1)
	}
	l := c.args[i].lambda
	if n := len(l.params); n < min || n > max {
		return nil, fmt.Errorf("the lambda function takes %d to %d parameters, got %d", min, max, n)
	}
	return l, nil
}

// transform(array, x -> f) and transform(array, (x, i) -> f) with a
// 0-based index i (DuckDB's is 1-based).
func transform(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	l, err := lambdaArg(c, 1, 1, 2)
	if err != nil {
		return "", err
	}
	return "list_transform(" + c.args[0].text + ", " + indexLambda(rw, l) + ")", nil
}

// indexLambda spells a Spark lambda (x) or (x, i) as a DuckDB one whose
// index parameter counts from 0.
func indexLambda(rw *rewriter, l *lambda) string {
	names := rw.fresh(len(l.params))
	if len(names) == 1 {
		return "lambda " + names[0] + ": " + l.with(names[0])
	}
	return "lambda " + names[0] + ", " + names[1] + ": " + l.with(names[0], "("+names[1]+" - 1)")
}

func filterRule(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 2 || c.args[1].lambda == nil {
		return "", nil // DuckDB's filter, e.g. in a FILTER clause
	}
	l, err := lambdaArg(c, 1, 1, 2)
	if err != nil {
		return "", err
	}
	return "list_filter(" + c.args[0].text + ", " + indexLambda(rw, l) + ")", nil
}

// existsRule: exists(array, x -> p) is true if p holds for some element,
// NULL if none holds but p is NULL for some; forall is its dual.
func existsRule(fn string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if len(c.args) != 2 || c.args[1].lambda == nil {
			if fn == "spark_exists" {
				return "", nil // EXISTS (subquery)
			}
			return "", fmt.Errorf("want forall(array, x -> predicate)")
		}
		l, err := lambdaArg(c, 1, 1, 1)
		if err != nil {
			return "", err
		}
		return fn + "(list_transform(" + c.args[0].text + ", " + l.duck(rw) + "))", nil
	}
}

// aggregate(array, start, (acc, x) -> merge[, acc -> finish]).
func aggregate(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 4); err != nil {
		return "", err
	}
	merge, err := lambdaArg(c, 2, 2, 2)
	if err != nil {
		return "", err
	}
	names := rw.fresh(2)
	// Spark's accumulator has the type of start; DuckDB's list_reduce
	// takes the initial value last.
	out := "list_reduce(" + c.args[0].text + ", lambda " + names[0] + ", " + names[1] + ": " + merge.with(names[0], names[1]) +
		", " + c.args[1].text + ")"
	out = "CASE WHEN " + flat(c.args[0].text) + " IS NULL THEN NULL ELSE " + out + " END"
	if len(c.args) == 4 {
		finish, err := lambdaArg(c, 3, 1, 1)
		if err != nil {
			return "", err
		}
		return "list_transform([" + out + "], " + finish.duck(rw) + ")[1]", nil
	}
	return out, nil
}

// zipWith(a, b, (x, y) -> f) pads the shorter array with NULLs.
func zipWith(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 3); err != nil {
		return "", err
	}
	l, err := lambdaArg(c, 2, 2, 2)
	if err != nil {
		return "", err
	}
	p := rw.fresh(1)[0]
	return "list_transform(list_zip(" + c.args[0].text + ", " + c.args[1].text + "), lambda " + p + ": " +
		l.with(p+"[1]", p+"[2]") + ")", nil
}

func mapFilter(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	l, err := lambdaArg(c, 1, 2, 2)
	if err != nil {
		return "", err
	}
	e := rw.fresh(1)[0]
	return "map_from_entries(list_filter(map_entries(" + c.args[0].text + "), lambda " + e + ": " +
		l.with(e+".key", e+".value") + "))", nil
}

func transformMap(keys bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 2, 2); err != nil {
			return "", err
		}
		l, err := lambdaArg(c, 1, 2, 2)
		if err != nil {
			return "", err
		}
		e := rw.fresh(1)[0]
		body := l.with(e+".key", e+".value")
		entry := "{'key': " + e + ".key, 'value': " + body + "}"
		if keys {
			entry = "{'key': " + body + ", 'value': " + e + ".value}"
		}
		return "map_from_entries(list_transform(map_entries(" + c.args[0].text + "), lambda " + e + ": " + entry + "))", nil
	}
}

// mapZipWith(m1, m2, (k, v1, v2) -> f) over the keys of both maps, m1's
// first.
func mapZipWith(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 3); err != nil {
		return "", err
	}
	l, err := lambdaArg(c, 2, 3, 3)
	if err != nil {
		return "", err
	}
	n := rw.fresh(3)
	m1, m2, k := n[0], n[1], n[2]
	keys := "list_concat(map_keys(" + m1 + "), list_filter(map_keys(" + m2 + "), lambda " + k + ": NOT list_contains(map_keys(" + m1 + "), " + k + ")))"
	body := l.with(k, m1+"["+k+"]", m2+"["+k+"]")
	return "list_transform([" + c.args[0].text + "], lambda " + m1 + ": list_transform([" + c.args[1].text + "], lambda " + m2 +
		": map_from_entries(list_transform(" + keys + ", lambda " + k + ": {'key': " + k + ", 'value': " + body + "})))[1])[1]", nil
}

// arraySort(a) sorts ascending with NULLs last; arraySort(a, (l, r) -> cmp)
// sorts with a comparator (negative: l first), stable.
func arraySort(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	if len(c.args) == 1 {
		return "spark_array_sort(" + c.args[0].text + ")", nil
	}
	l, err := lambdaArg(c, 1, 2, 2)
	if err != nil {
		return "", err
	}
	n := rw.fresh(3)
	a, i, j := n[0], n[1], n[2]
	cmp := flat(l.with(a+"["+j+"]", a+"["+i+"]"))
	// The position of element i is the number of elements that sort before it.
	rank := "len(list_filter(range(1, len(" + a + ") + 1), lambda " + j + ": (" + cmp + ") < 0 OR ((" + cmp + ") = 0 AND " + j + " < " + i + ")))"
	return "list_transform([" + c.args[0].text + "], lambda " + a + ": list_transform(list_sort(list_transform(range(1, len(" + a + ") + 1), lambda " + i +
		": {'r': " + rank + ", 'v': " + a + "[" + i + "]})), lambda _s: _s.v))[1]", nil
}

// sizeRule: size of an array, or of a map written as one.
func sizeRule(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 1); err != nil {
		return "", err
	}
	if isMapExpr(c.args[0]) {
		return "coalesce(cardinality(" + c.args[0].text + "), -1)", nil
	}
	return "size(" + c.args[0].text + ")", nil
}

// elementAt: element_at(array, i) counts from 1 (negative from the end);
// element_at(map, key) looks the key up. DuckDB's subscript does both.
func elementAt(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 2); err != nil {
		return "", err
	}
	return "(" + c.args[0].text + ")[" + c.args[1].text + "]", nil
}

// arraysZip(a, b, ...) makes an array of structs whose fields are named
// after the arrays when they are columns, else 0, 1, ...
func arraysZip(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 0 {
		return "[]", nil
	}
	i := rw.fresh(1)[0]
	var lens, fields []string
	for k, a := range c.args {
		name := fmt.Sprint(k)
		if sig := Trim(a.toks); isColumnRef(sig) {
			name = sig[len(sig)-1].Name()
		}
		lens = append(lens, "len("+flat(a.text)+")")
		fields = append(fields, quoteIdent(name)+" := ("+flat(a.text)+")["+i+"]")
	}
	return "list_transform(range(1, greatest(" + strings.Join(lens, ", ") + ") + 1), lambda " + i + ": struct_pack(" +
		strings.Join(fields, ", ") + "))" + newlines(c.toks), nil
}
