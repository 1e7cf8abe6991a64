package sparksql

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register(map[string]rule{
		"explode":                     explode(false, false),
		"explode_outer":               explode(true, false),
		"posexplode":                  explode(false, true),
		"posexplode_outer":            explode(true, true),
		"inline":                      inline(false),
		"inline_outer":                inline(true),
		"stack":                       stack,
		"array":                       array,
		"map":                         mapRule,
		"named_struct":                namedStruct,
		"struct":                      structRule,
		"cast":                        castRule("CAST"),
		"try_cast":                    castRule("TRY_CAST"),
		"concat":                      concat,
		"boolean":                     castFn("BOOLEAN"),
		"tinyint":                     castFn("TINYINT"),
		"smallint":                    castFn("SMALLINT"),
		"int":                         castFn("INTEGER"),
		"bigint":                      castFn("BIGINT"),
		"float":                       castFn("FLOAT"),
		"double":                      castFn("DOUBLE"),
		"string":                      castFn("VARCHAR"),
		"binary":                      castFn("BLOB"),
		"date":                        castFn("DATE"),
		"timestamp":                   castFn("TIMESTAMP"),
		"decimal":                     castFn("DECIMAL(10,0)"),
		"monotonically_increasing_id": noArgs("(row_number() OVER () - 1)"),
		"any":                         anyRule("bool_or"),
		"some":                        anyRule("bool_or"),
		"rank":                        rankRule,
		"dense_rank":                  rankRule,
		"percent_rank":                rankRule,
		"cume_dist":                   rankRule,
		"sequence":                    sequence,
		"if":                          ifRule,
	})
}

// isMapExpr reports whether an argument is syntactically a map: a call of a
// function that returns one.
func isMapExpr(a arg) bool {
	sig := Trim(a.toks)
	if len(sig) == 0 || sig[0].Kind != Ident {
		return false
	}
	switch strings.ToLower(sig[0].Text) {
	case "map", "map_from_arrays", "map_from_entries", "str_to_map", "map_concat", "map_filter",
		"transform_keys", "transform_values", "map_zip_with":
		n := nextSig(sig, 1)
		return n < len(sig) && sig[n].Text == "(" && MatchParen(sig, n) == len(sig)-1
	}
	return false
}

// explode turns Spark's generators into DuckDB's unnest. A map (known from
// its syntax) explodes into key and value columns; pos adds the 0-based
// position first; outer keeps a row of NULLs for an empty or NULL array.
func explode(outer, pos bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 1); err != nil {
			return "", err
		}
		a := c.args[0].text
		if isMapExpr(c.args[0]) {
			a = "map_entries(" + a + ")"
			if outer {
				a = "spark_outer_array(" + a + ")"
			}
			if pos {
				return "unnest(list_transform(" + a + ", lambda _e, _i: {'pos': _i - 1, 'key': _e.key, 'value': _e.value}), recursive := true)", nil
			}
			return "unnest(" + a + ", recursive := true)", nil
		}
		if pos {
			x := "list_transform(" + a + ", lambda _e, _i: {'pos': _i - 1, 'col': _e})"
			if outer {
				x = "CASE WHEN len(" + flat(a) + ") > 0 THEN " + x + " ELSE [{'pos': NULL, 'col': NULL}] END"
			}
			return "unnest(" + x + ", max_depth := 2)", nil
		}
		if outer {
			a = "spark_outer_array(" + a + ")"
		}
		return "unnest(" + a + ")", nil
	}
}

// inline explodes an array of structs into one column per field.
func inline(outer bool) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 1, 1); err != nil {
			return "", err
		}
		a := c.args[0].text
		if outer {
			a = "spark_outer_array(" + a + ")"
		}
		return "unnest(" + a + ", max_depth := 2)", nil
	}
}

// stack(n, v1, ..., vk) makes n rows of ceil(k/n) columns col0, col1, ...
func stack(rw *rewriter, c *call) (string, error) {
	if len(c.args) < 2 {
		return "", fmt.Errorf("want stack(n, expr1, ...)")
	}
	n, ok := c.args[0].int()
	if !ok || n < 1 {
		return "", fmt.Errorf("the number of rows must be a positive integer literal, got %s", c.args[0].src())
	}
	vals := c.args[1:]
	cols := (len(vals) + n - 1) / n
	rows := make([]string, n)
	for r := 0; r < n; r++ {
		fields := make([]string, cols)
		for k := 0; k < cols; k++ {
			v := "NULL"
			if idx := r*cols + k; idx < len(vals) {
				v = vals[idx].text
			}
			fields[k] = "'col" + strconv.Itoa(k) + "': " + v
		}
		rows[r] = "{" + strings.Join(fields, ", ") + "}"
	}
	return newlines(c.args[0].toks) + "unnest([" + strings.Join(rows, ", ") + "], max_depth := 2)", nil
}

func array(rw *rewriter, c *call) (string, error) {
	return "list_value(" + argTexts(c.args) + ")", nil
}

// mapRule: map(k1, v1, k2, v2, ...) becomes MAP([k1, k2], [v1, v2]).
func mapRule(rw *rewriter, c *call) (string, error) {
	if len(c.args)%2 != 0 {
		return "", fmt.Errorf("map needs key, value pairs, got %d arguments", len(c.args))
	}
	if len(c.args) == 0 {
		return "MAP {}", nil
	}
	var keys, vals []string
	for k := 0; k < len(c.args); k += 2 {
		keys = append(keys, c.args[k].text)
		vals = append(vals, c.args[k+1].text)
	}
	// keys before values would reorder line breaks: keep them all at the end.
	return "MAP([" + flatJoin(keys) + "], [" + flatJoin(vals) + "])" + newlines(c.toks), nil
}

func flatJoin(texts []string) string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = flat(t)
	}
	return strings.Join(out, ",")
}

// namedStruct: named_struct('a', x, 'b', y) becomes struct_pack("a" := x, ...).
func namedStruct(rw *rewriter, c *call) (string, error) {
	if len(c.args)%2 != 0 || len(c.args) == 0 {
		return "", fmt.Errorf("named_struct needs name, value pairs, got %d arguments", len(c.args))
	}
	var fields []string
	for k := 0; k < len(c.args); k += 2 {
		if c.args[k].lit == nil {
			return "", fmt.Errorf("field names must be string literals, got %s", c.args[k].src())
		}
		fields = append(fields, newlines(c.args[k].toks)+quoteIdent(*c.args[k].lit)+" := "+c.args[k+1].text)
	}
	return "struct_pack(" + strings.Join(fields, ",") + ")", nil
}

// structRule: struct(a, b AS x, 1) names its fields as Spark does: after a
// column (a), an alias (x), or col1, col2, ... by position.
func structRule(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 0 {
		return "", fmt.Errorf("struct needs at least one field")
	}
	var fields []string
	for k, a := range c.args {
		name := "col" + strconv.Itoa(k+1)
		text := a.text
		sig := Trim(a.toks)
		if as := FindTop(sig, func(t Token) bool { return t.Is("as") }); as > 0 {
			alias := Trim(sig[as+1:])
			if len(alias) == 1 && alias[0].Name() != "" {
				t, err := rw.emit(sig[:as])
				if err != nil {
					return "", err
				}
				text, name = t+newlines(sig[as:]), alias[0].Name()
			}
		} else if last := sig[len(sig)-1]; last.Name() != "" && isColumnRef(sig) {
			name = last.Name()
		}
		fields = append(fields, quoteIdent(name)+" := "+text)
	}
	return "struct_pack(" + strings.Join(fields, ",") + ")", nil
}

// isColumnRef reports whether toks are a (qualified) column name.
func isColumnRef(toks []Token) bool {
	want := true // a name
	for _, t := range toks {
		if !t.Significant() {
			continue
		}
		if want {
			if t.Name() == "" {
				return false
			}
		} else if t.Kind != Punct || t.Text != "." {
			return false
		}
		want = !want
	}
	return !want
}

// castRule translates the Spark type of CAST(x AS type).
func castRule(fn string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		open := nextSig(c.toks, 1)
		toks := c.toks[open+1 : len(c.toks)-1]
		as := -1
		for i, d := range Depths(toks) {
			if d == 0 && toks[i].Is("as") {
				as = i
			}
		}
		if as < 0 {
			return "", nil
		}
		typ, err := sparkType(toks[as+1:])
		if err != nil {
			return "", nil // not a Spark type: DuckDB may know it
		}
		x, err := rw.emit(toks[:as])
		if err != nil {
			return "", err
		}
		if f := castMacro(typ); f != "" {
			if fn == "TRY_CAST" {
				f = strings.Replace(f, "spark_to_", "spark_try_to_", 1)
			}
			if hasAggregate(toks[:as]) {
				// the macro's overload needs the type (see bindAggregates)
				v := rw.fresh(1)[0]
				return "list_transform([" + x + "], lambda " + v + ": " + f + "(" + v + "))[1]" + newlines(toks[as:]), nil
			}
			return f + "(" + x + ")" + newlines(toks[as:]), nil
		}
		return fn + "(" + x + " AS " + typ + ")" + newlines(toks[as:]), nil
	}
}

// castMacro returns the macro that casts to typ with Spark's semantics
// where DuckDB's CAST differs (numbers to integers truncate in Spark; DuckDB
// rounds), or "".
func castMacro(typ string) string {
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "VARCHAR":
		return "spark_to_" + strings.ToLower(typ)
	}
	return ""
}

// castFn: int(x), string(x), ... are casts in Spark; Flare gives NULL for
// a value that does not convert (Spark's non-ANSI mode).
func castFn(typ string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if len(c.args) != 1 {
			return "", nil
		}
		if f := castMacro(typ); f != "" {
			return strings.Replace(f, "spark_to_", "spark_try_to_", 1) + "(" + c.args[0].text + ")", nil
		}
		return "TRY_CAST(" + c.args[0].text + " AS " + typ + ")", nil
	}
}

// concat is NULL when any part is NULL in Spark; DuckDB's concat skips NULLs
// but its || operator does not.
func concat(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 0 {
		return "''", nil
	}
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = "(" + a.text + ")"
	}
	return "(" + strings.Join(parts, " || ") + ")", nil
}

// anyRule: any(x) and some(x) are bool_or in Spark; after a comparison
// operator they are the SQL quantifiers (x = ANY (subquery)).
func anyRule(to string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		switch c.prev {
		case "=", "==", "<>", "!=", "<", ">", "<=", ">=", "like", "ilike":
			return "", nil
		}
		return to + "(" + argTexts(c.args) + ")", nil
	}
}

// rankRule drops the arguments Spark allows in rank(x) OVER (...).
func rankRule(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 0 {
		return "", nil
	}
	return c.lname + "()" + newlines(c.toks), nil
}

// sequence(start, stop[, step]) is an inclusive range, counting down when
// stop < start; for dates and timestamps the default step is a day (a
// month between months).
func sequence(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	if len(c.args) == 2 {
		return "spark_sequence(" + argTexts(c.args) + ")", nil
	}
	return "spark_sequence(" + argTexts(c.args) + ")", nil
}

// ifRule: if(cond, a, b); DuckDB has if() too but needs the same number of
// arguments.
func ifRule(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 3); err != nil {
		return "", err
	}
	return "", nil
}
