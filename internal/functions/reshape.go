package functions

import (
	"fmt"
	"regexp"
	"strings"
)

// Functions that change the shape of the rows: explode arrays, pull struct
// fields out, pivot, unpivot, drop duplicates.

// needsEngine is returned by Apply when the SQL cannot be built from the
// text alone; Compile asks the engine and applies again.
type needsEngine struct {
	// types: the type of column is needed (it comes from a free SQL
	// expression earlier in the chain).
	column string
	// values: the distinct values of the pivot column are needed.
	values bool
	reason string
}

func (e *needsEngine) Error() string { return e.reason }

func needTypes(c Column, fn string) error {
	return &needsEngine{column: c.Name, reason: fmt.Sprintf("%s needs the type of column %q, which comes from an expression earlier in the chain", fn, c.Name)}
}

// elemType is the element type of a list column; "" when unknown.
func elemType(c Column, fn, opt string) (string, error) {
	if c.Type == "" {
		return "", nil
	}
	t, err := parseType(c.Type)
	if err != nil {
		return "", optErr(opt, "column %q: %v", c.Name, err)
	}
	switch {
	case t.isList():
		return t.elem.String(), nil
	case t.base == "MAP":
		return "", optErr(opt, "column %q is a MAP; %s takes an array (use unfurl with explode(map_entries(%s)) AS entry)", c.Name, fn, c.Name)
	}
	return "", optErr(opt, "column %q is %s, not an array", c.Name, c.Type)
}

// outerArray is an array expression that is [NULL] when the array is NULL
// or empty, so that unnest keeps the row (Spark's explode_outer).
func outerArray(expr string) string {
	return "CASE WHEN len(" + expr + ") > 0 THEN " + expr + " ELSE [NULL] END"
}

// Flatten turns each element of an array column into a row of its own,
// the other columns repeated (flatten); rows whose array is NULL or empty
// are dropped. FlattenOuter keeps them, with NULL (flatten_outer).
type Flatten struct {
	Column   string
	AsColumn string
	outer    bool
}

// FlattenOuter is Flatten that keeps rows whose array is NULL or empty.
func FlattenOuter() *Flatten { return &Flatten{outer: true} }

// Outer reports whether f is flatten_outer.
func (f *Flatten) Outer() bool { return f.outer }

func (f *Flatten) Name() string {
	if f.outer {
		return "flatten_outer"
	}
	return "flatten"
}

func (f *Flatten) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The array column.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the elements (default: the array column itself, replaced).", target: &f.AsColumn},
	}
}

func (f *Flatten) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	et, err := elemType(c, f.Name(), "column")
	if err != nil {
		return "", nil, err
	}
	arr := quoteIdent(c.Name)
	if f.outer {
		arr = outerArray(arr)
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), "unnest("+arr+")", et)
	return p.sql(from), p.out, nil
}

// Unfurl pulls values out of nested columns (unfurl): `col.*` adds every
// field of a struct column as a column; `explode(col) AS name` adds the
// elements of an array column, one row each (explode_outer keeps rows with
// empty arrays; without AS the array column is replaced); any other
// `<Spark SQL expression> AS name` adds that expression.
type Unfurl struct {
	Expression string
}

func (*Unfurl) Name() string { return "unfurl" }
func (f *Unfurl) options() []Option {
	return []Option{{Key: "expression", Kind: String, Required: true,
		Doc: "col.* (struct fields as columns), explode(col) [AS name] or explode_outer(col) [AS name] (array elements as rows), or <expression> AS name.", target: &f.Expression}}
}

var (
	unfurlStar    = regexp.MustCompile(`^\s*(.+?)\s*\.\s*\*\s*$`)
	unfurlExplode = regexp.MustCompile(`(?is)^\s*(explode|explode_outer)\s*\((.+)\)\s*(?:(?:as\s+)?(` + "`[^`]+`" + `|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*))?\s*$`)
	trailingAlias = regexp.MustCompile(`(?is)^(.*\S)\s+as\s+(` + "`[^`]+`" + `|"[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s*$`)
	plainPath     = regexp.MustCompile("^\\s*(?:`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*)(?:\\s*\\.\\s*(?:`[^`]+`|\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_]*))*\\s*$")
)

func unquoteName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '`' && s[len(s)-1] == '`' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

// splitPath splits a.`b c`.d into its names.
func splitPath(s string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '`' || c == '"':
			quote = c
		case c == '.':
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		case c == ' ' || c == '\t':
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// resolvePath finds a column and struct fields below it: the SQL of the
// value and its type ("" when unknown).
func resolvePath(in Schema, names []string, fn string) (string, string, error) {
	c, err := column(in, "expression", names[0])
	if err != nil {
		return "", "", err
	}
	expr, typ := quoteIdent(c.Name), c.Type
	for _, n := range names[1:] {
		if typ == "" {
			return "", "", needTypes(c, fn)
		}
		t, err := parseType(typ)
		if err != nil {
			return "", "", optErr("expression", "%v", err)
		}
		if t.base != "STRUCT" {
			return "", "", optErr("expression", "%s is %s, not a struct: it has no field %q", expr, typ, n)
		}
		var found *field
		for i := range t.fields {
			if strings.EqualFold(t.fields[i].name, n) {
				found = &t.fields[i]
				break
			}
		}
		if found == nil {
			return "", "", optErr("expression", "struct %s has no field %q (fields: %s)", expr, n, fieldNames(t))
		}
		expr = "struct_extract(" + expr + ", " + quoteLit(found.name) + ")"
		typ = found.typ.String()
	}
	return expr, typ, nil
}

func fieldNames(t *dtype) string {
	n := make([]string, len(t.fields))
	for i, f := range t.fields {
		n[i] = f.name
	}
	return strings.Join(n, ", ")
}

func (f *Unfurl) Apply(from string, in Schema, env *Env) (string, Schema, error) {
	e := strings.TrimSpace(f.Expression)
	if e == "" {
		return "", nil, optErr("expression", "is empty")
	}
	p := identity(in)
	if m := unfurlStar.FindStringSubmatch(e); m != nil && plainPath.MatchString(m[1]) {
		names := splitPath(m[1])
		c, err := column(in, "expression", names[0])
		if err != nil {
			return "", nil, err
		}
		expr, typ, err := resolvePath(in, names, "unfurl")
		if err != nil {
			return "", nil, err
		}
		if typ == "" {
			return "", nil, needTypes(c, "unfurl")
		}
		t, err := parseType(typ)
		if err != nil {
			return "", nil, optErr("expression", "%v", err)
		}
		if t.base != "STRUCT" {
			return "", nil, optErr("expression", "%s is %s, not a struct", m[1], typ)
		}
		for _, fl := range t.fields {
			if i := in.Index(fl.name); i >= 0 {
				return "", nil, optErr("expression", "field %q of %s would clash with column %q; rename one first", fl.name, m[1], in[i].Name)
			}
			p.exprs = append(p.exprs, "struct_extract("+expr+", "+quoteLit(fl.name)+")")
			p.out = append(p.out, Column{Name: fl.name, Type: fl.typ.String()})
		}
		return p.sql(from), p.out, nil
	}
	if m := unfurlExplode.FindStringSubmatch(e); m != nil {
		outer := strings.EqualFold(m[1], "explode_outer")
		arg, alias := strings.TrimSpace(m[2]), unquoteName(m[3])
		var arr, et, name string
		if plainPath.MatchString(arg) {
			names := splitPath(arg)
			expr, typ, err := resolvePath(in, names, "unfurl")
			if err != nil {
				return "", nil, err
			}
			c := Column{Name: names[len(names)-1], Type: typ}
			if et, err = elemType(c, "explode", "expression"); err != nil {
				return "", nil, err
			}
			arr, name = expr, alias
			if name == "" {
				if len(names) > 1 {
					return "", nil, optErr("expression", "name the elements: %s AS name", e)
				}
				name = in[in.Index(names[0])].Name
			}
		} else {
			if alias == "" {
				return "", nil, optErr("expression", "name the elements: %s AS name", e)
			}
			x, err := env.rewrite(arg)
			if err != nil {
				return "", nil, optErr("expression", "%v", err)
			}
			arr, name = "("+x+")", alias
		}
		if outer {
			arr = outerArray(arr)
		}
		p.set(name, "unnest("+arr+")", et)
		return p.sql(from), p.out, nil
	}
	m := trailingAlias.FindStringSubmatch(e)
	if m == nil {
		return "", nil, optErr("expression", "expected col.*, explode(col) [AS name] or <expression> AS name, got %q", e)
	}
	x, err := env.rewrite(m[1])
	if err != nil {
		return "", nil, optErr("expression", "%v", err)
	}
	p.set(unquoteName(m[2]), "("+x+")", "")
	return p.sql(from), p.out, nil
}

// DropDuplicates keeps one row of each set of rows equal in the listed
// columns (all columns when none is listed) (drop_duplicates). Which row
// of a set is kept is not defined, as in Spark.
type DropDuplicates struct {
	Columns []string
}

func (*DropDuplicates) Name() string { return "drop_duplicates" }
func (f *DropDuplicates) options() []Option {
	return []Option{{Key: "columns", Kind: List, Doc: "The columns that must be equal for rows to be duplicates (default: all columns).", target: &f.Columns}}
}

func (f *DropDuplicates) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if len(f.Columns) == 0 {
		return "SELECT DISTINCT *\nFROM " + from, in.clone(), nil
	}
	var keys []string
	for _, n := range f.Columns {
		c, err := column(in, "columns", n)
		if err != nil {
			return "", nil, err
		}
		keys = append(keys, quoteIdent(c.Name))
	}
	return "SELECT DISTINCT ON (" + strings.Join(keys, ", ") + ") *\nFROM " + from, in.clone(), nil
}

// Pivot turns the distinct values of a column into columns, one row per
// group (pivot): groupBy(groupBy).pivot(column, values).agg(aggregate) in
// Spark's terms.
type Pivot struct {
	GroupBy []string
	Column  string
	// Values are the values that become columns, in order. Without them
	// the distinct values of the column are read (sorted, NULL first) when
	// the job runs, which Compile does through the engine.
	Values []string
	// AggregateExpression is one Spark SQL aggregate, or several separated
	// by commas each with an alias: "sum(Amount) AS Amount".
	AggregateExpression string
	// Approach "two-phase" is Spark's plan for large inputs; DuckDB's
	// PIVOT needs no such hint, so it changes nothing.
	Approach string

	// nullValue is set when the values read from the data include NULL;
	// it becomes a column named "null", as in Spark.
	nullValue bool
	// read is set when Values were read from the data (Compile).
	read bool
}

func (*Pivot) Name() string { return "pivot" }
func (f *Pivot) options() []Option {
	return []Option{
		{Key: "groupBy", Kind: List, Required: true, Doc: "The columns that identify a row of the result.", target: &f.GroupBy},
		{Key: "column", Kind: String, Required: true, Doc: "The column whose values become columns.", target: &f.Column},
		{Key: "values", Kind: List, Doc: "The values that become columns, in order (default: every distinct value, sorted, read when the job runs).", target: &f.Values},
		{Key: "aggregateExpression", Kind: String, Required: true, Doc: "A Spark SQL aggregate such as sum(Amount) AS Amount (several: comma-separated, each with AS).", target: &f.AggregateExpression},
		{Key: "approach", Kind: Enum, Values: []string{"two-phase"}, Doc: "two-phase: Spark's plan for large inputs; accepted, no effect (DuckDB runs one PIVOT).", NoEffect: "DuckDB runs one PIVOT, which needs no plan hint", target: &f.Approach},
	}
}

// splitTop splits s at commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func (f *Pivot) Apply(from string, in Schema, env *Env) (string, Schema, error) {
	if len(f.GroupBy) == 0 {
		return "", nil, optErr("groupBy", "no column listed")
	}
	var groups []string
	var out Schema
	for _, n := range f.GroupBy {
		c, err := column(in, "groupBy", n)
		if err != nil {
			return "", nil, err
		}
		groups = append(groups, quoteIdent(c.Name))
		out = append(out, c)
	}
	pc, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	if f.Approach != "" && !strings.EqualFold(f.Approach, "two-phase") {
		return "", nil, optErr("approach", "%q is not two-phase", f.Approach)
	}
	// Aggregates, each rewritten from Spark SQL. They are computed per
	// (group, value) in an inner GROUP BY, so any aggregate expression
	// works (Spark macros such as collect_list too); the outer GROUP BY
	// spreads the values into columns. A (group, value) with no rows is
	// NULL, as in Spark.
	parts := splitTop(f.AggregateExpression)
	var aggs, aliases []string
	for _, a := range parts {
		a = strings.TrimSpace(a)
		if a == "" {
			return "", nil, optErr("aggregateExpression", "is empty")
		}
		alias := ""
		if m := trailingAlias.FindStringSubmatch(a); m != nil {
			a, alias = m[1], unquoteName(m[2])
		}
		if len(parts) > 1 && alias == "" {
			return "", nil, optErr("aggregateExpression", "with several aggregates each needs an alias: %s AS name", a)
		}
		x, err := env.rewrite(a)
		if err != nil {
			return "", nil, optErr("aggregateExpression", "%v", err)
		}
		aggs = append(aggs, x)
		aliases = append(aliases, alias)
	}
	if len(f.Values) == 0 && !f.nullValue && f.read {
		// No rows, so no values: the groups alone, as Spark gives them.
		return "SELECT DISTINCT " + strings.Join(groups, ", ") + "\nFROM " + from, out, nil
	}
	if len(f.Values) == 0 && !f.nullValue {
		return "", nil, &needsEngine{values: true, reason: fmt.Sprintf("pivot without values reads the distinct values of %q when the job runs", pc.Name)}
	}
	type val struct{ lit, name string }
	var vals []val
	if f.nullValue {
		vals = append(vals, val{"NULL", "null"})
	}
	seen := map[string]bool{}
	for _, v := range f.Values {
		if seen[v] {
			return "", nil, optErr("values", "value %q is listed twice", v)
		}
		seen[v] = true
		vals = append(vals, val{quoteLit(v), v})
	}
	key := quoteIdent("__flare_pivot")
	inner := append(append([]string(nil), groups...), quoteIdent(pc.Name)+" AS "+key)
	for i, a := range aggs {
		inner = append(inner, a+" AS "+quoteIdent(fmt.Sprintf("__flare_agg%d", i+1)))
	}
	outer := append([]string(nil), groups...)
	for _, v := range vals {
		for i, a := range aliases {
			name := v.name
			if len(aliases) > 1 {
				name += "_" + a
			}
			if out.Index(name) >= 0 {
				return "", nil, optErr("values", "value column %q would clash with a groupBy column", name)
			}
			outer = append(outer, fmt.Sprintf("first(%s) FILTER (WHERE %s IS NOT DISTINCT FROM %s) AS %s",
				quoteIdent(fmt.Sprintf("__flare_agg%d", i+1)), key, v.lit, quoteIdent(name)))
			out = append(out, Column{Name: name})
		}
	}
	q := "SELECT " + strings.Join(outer, ", ") + "\nFROM (SELECT " + strings.Join(inner, ", ") + " FROM " + from +
		" GROUP BY " + strings.Join(append(append([]string(nil), groups...), quoteIdent(pc.Name)), ", ") + ")\nGROUP BY " + strings.Join(groups, ", ")
	return q, out, nil
}

// Unpivot turns columns into rows of (key, value) pairs (unpivot): the
// names of the Columns go into KeyColumnName, their values into
// ValueColumnName, and the PivotColumns are repeated on every row. One of
// the two lists may be ["*"]: every column not in the other list. Rows
// whose value is NULL are kept, as in Spark.
type Unpivot struct {
	// Columns are the columns turned into rows.
	Columns []string
	// PivotColumns are the columns kept on every row.
	PivotColumns    []string
	KeyColumnName   string
	ValueColumnName string
}

func (*Unpivot) Name() string { return "unpivot" }
func (f *Unpivot) options() []Option {
	return []Option{
		{Key: "columns", Kind: List, Required: true, Doc: "The columns turned into rows, or \"*\" for every column not in pivotColumns; their types must agree.", target: &f.Columns},
		{Key: "pivotColumns", Kind: List, Required: true, Doc: "The columns kept on every row, or \"*\" for every column not in columns.", target: &f.PivotColumns},
		{Key: "keyColumnName", Kind: String, Required: true, Doc: "The column for the unpivoted columns' names.", target: &f.KeyColumnName},
		{Key: "valueColumnName", Kind: String, Required: true, Doc: "The column for their values.", target: &f.ValueColumnName},
	}
}

func isStar(l []string) bool { return len(l) == 1 && strings.TrimSpace(l[0]) == "*" }

func (f *Unpivot) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if isStar(f.Columns) && isStar(f.PivotColumns) {
		return "", nil, optErr("pivotColumns", "columns and pivotColumns cannot both be \"*\": list the columns of one of them")
	}
	pick := func(opt string, names []string) ([]Column, map[int]bool, error) {
		var cols []Column
		idx := map[int]bool{}
		for _, n := range names {
			c, err := column(in, opt, n)
			if err != nil {
				return nil, nil, err
			}
			i := in.Index(c.Name)
			if idx[i] {
				return nil, nil, optErr(opt, "column %q is listed twice", n)
			}
			idx[i] = true
			cols = append(cols, c)
		}
		return cols, idx, nil
	}
	rest := func(taken map[int]bool) []Column {
		var cols []Column
		for i, c := range in {
			if !taken[i] {
				cols = append(cols, c)
			}
		}
		return cols
	}
	var vals, ids []Column
	switch {
	case isStar(f.Columns):
		var taken map[int]bool
		var err error
		if ids, taken, err = pick("pivotColumns", f.PivotColumns); err != nil {
			return "", nil, err
		}
		vals = rest(taken)
	case isStar(f.PivotColumns):
		var taken map[int]bool
		var err error
		if vals, taken, err = pick("columns", f.Columns); err != nil {
			return "", nil, err
		}
		ids = rest(taken)
	default:
		var err error
		if vals, _, err = pick("columns", f.Columns); err != nil {
			return "", nil, err
		}
		var taken map[int]bool
		if ids, taken, err = pick("pivotColumns", f.PivotColumns); err != nil {
			return "", nil, err
		}
		for _, v := range vals {
			if taken[in.Index(v.Name)] {
				return "", nil, optErr("pivotColumns", "column %q is in both columns and pivotColumns", v.Name)
			}
		}
	}
	if len(vals) == 0 {
		return "", nil, optErr("columns", "no column left to unpivot")
	}
	if f.KeyColumnName == "" || f.ValueColumnName == "" || strings.EqualFold(f.KeyColumnName, f.ValueColumnName) {
		return "", nil, optErr("valueColumnName", "keyColumnName and valueColumnName must be two different names")
	}
	// The values share one column, so their types must agree (numbers of
	// different widths are widened by DuckDB).
	typ := vals[0].Type
	for _, v := range vals[1:] {
		if v.Type == "" || typ == "" {
			typ = ""
			continue
		}
		if normType(v.Type) != normType(typ) {
			if classOf(v.Type).numeric() && classOf(typ).numeric() {
				typ = ""
				continue
			}
			return "", nil, optErr("columns", "the unpivoted columns must have one type: %s is %s, %s is %s (convert them first with set_type)",
				vals[0].Name, vals[0].Type, v.Name, v.Type)
		}
	}
	var out Schema
	var idNames, valNames []string
	for _, c := range ids {
		if strings.EqualFold(c.Name, f.KeyColumnName) || strings.EqualFold(c.Name, f.ValueColumnName) {
			return "", nil, optErr("keyColumnName", "%q is already a column that stays", c.Name)
		}
		idNames = append(idNames, quoteIdent(c.Name))
		out = append(out, c)
	}
	for _, c := range vals {
		valNames = append(valNames, quoteIdent(c.Name))
	}
	out = append(out, Column{Name: f.KeyColumnName, Type: "VARCHAR"}, Column{Name: f.ValueColumnName, Type: typ})
	k, v := quoteIdent(f.KeyColumnName), quoteIdent(f.ValueColumnName)
	cols := append(append([]string(nil), idNames...), valNames...)
	q := "SELECT " + strings.Join(append(append([]string(nil), idNames...), k, v), ", ") +
		"\nFROM (SELECT " + strings.Join(cols, ", ") + " FROM " + from + ") UNPIVOT INCLUDE NULLS (" + v + " FOR " + k + " IN (" + strings.Join(valNames, ", ") + "))"
	return q, out, nil
}
