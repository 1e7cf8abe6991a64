package functions

import (
	"regexp"
	"strings"
)

// Functions that choose, order or name columns.

// Drop removes columns (drop).
type Drop struct {
	// Columns to remove. Each must exist.
	Columns []string
}

func (*Drop) Name() string { return "drop" }
func (f *Drop) options() []Option {
	return []Option{{Key: "columns", Kind: List, Required: true, Doc: "Columns to remove; each must exist.", target: &f.Columns}}
}

func (f *Drop) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	gone := map[int]bool{}
	for _, n := range f.Columns {
		c, err := column(in, "columns", n)
		if err != nil {
			return "", nil, err
		}
		gone[in.Index(c.Name)] = true
	}
	if len(gone) == len(in) {
		return "", nil, optErr("columns", "would drop every column")
	}
	p := &projection{}
	for i, c := range in {
		if !gone[i] {
			p.exprs = append(p.exprs, quoteIdent(c.Name))
			p.out = append(p.out, c)
		}
	}
	return p.sql(from), p.out, nil
}

// Select keeps only the listed columns, in the listed order (select).
type Select struct {
	// Columns to keep, in order. Each must exist.
	Columns []string
}

func (*Select) Name() string { return "select" }
func (f *Select) options() []Option {
	return []Option{{Key: "columns", Kind: List, Required: true, Doc: "Columns to keep, in this order; each must exist.", target: &f.Columns}}
}

func (f *Select) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	p := &projection{}
	seen := map[int]bool{}
	for _, n := range f.Columns {
		c, err := column(in, "columns", n)
		if err != nil {
			return "", nil, err
		}
		i := in.Index(c.Name)
		if seen[i] {
			return "", nil, optErr("columns", "column %q is listed twice", n)
		}
		seen[i] = true
		p.exprs = append(p.exprs, quoteIdent(c.Name))
		p.out = append(p.out, c)
	}
	if len(p.out) == 0 {
		return "", nil, optErr("columns", "no column listed")
	}
	return p.sql(from), p.out, nil
}

// Rename renames one column (rename).
type Rename struct {
	// Column is the column to rename.
	Column string
	// AsColumn is its new name; no other column may have it.
	AsColumn string
}

func (*Rename) Name() string { return "rename" }
func (f *Rename) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column to rename.", target: &f.Column},
		{Key: "asColumn", Kind: String, Required: true, Doc: "Its new name; no other column may have it.", target: &f.AsColumn},
	}
}

func (f *Rename) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	names := in.Names()
	names[in.Index(c.Name)] = f.AsColumn
	return renamed(from, in, names, "asColumn")
}

// RenameAll renames several columns at once (rename_all).
type RenameAll struct {
	// Columns maps each column to rename to its new name.
	Columns []Pair
}

func (*RenameAll) Name() string { return "rename_all" }
func (f *RenameAll) options() []Option {
	return []Option{{Key: "columns", Kind: Map, Required: true, Doc: "Maps each column to its new name (old: new); each must exist.", target: &f.Columns}}
}

func (f *RenameAll) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	names := in.Names()
	for _, p := range f.Columns {
		c, err := column(in, "columns", p.Key)
		if err != nil {
			return "", nil, err
		}
		names[in.Index(c.Name)] = p.Value
	}
	return renamed(from, in, names, "columns")
}

// Swap exchanges the names of two columns (swap).
type Swap struct {
	ColumnA string
	ColumnB string
}

func (*Swap) Name() string { return "swap" }
func (f *Swap) options() []Option {
	return []Option{
		{Key: "columnA", Kind: String, Required: true, Doc: "One column.", target: &f.ColumnA},
		{Key: "columnB", Kind: String, Required: true, Doc: "The other column; the two exchange names (each keeps its place).", target: &f.ColumnB},
	}
}

func (f *Swap) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	a, err := column(in, "columnA", f.ColumnA)
	if err != nil {
		return "", nil, err
	}
	b, err := column(in, "columnB", f.ColumnB)
	if err != nil {
		return "", nil, err
	}
	ia, ib := in.Index(a.Name), in.Index(b.Name)
	if ia == ib {
		return "", nil, optErr("columnB", "names the same column as columnA")
	}
	names := in.Names()
	names[ia], names[ib] = b.Name, a.Name
	return renamed(from, in, names, "columnB")
}

// Copy copies the values of one column into another, replacing it or
// adding it (copy).
type Copy struct {
	FromColumn string
	ToColumn   string
}

func (*Copy) Name() string { return "copy" }
func (f *Copy) options() []Option {
	return []Option{
		{Key: "fromColumn", Kind: String, Required: true, Doc: "The column to copy.", target: &f.FromColumn},
		{Key: "toColumn", Kind: String, Required: true, Doc: "The column that receives the values: replaced if it exists, else added at the end.", target: &f.ToColumn},
	}
}

func (f *Copy) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "fromColumn", f.FromColumn)
	if err != nil {
		return "", nil, err
	}
	if f.ToColumn == "" {
		return "", nil, optErr("toColumn", "no column named")
	}
	p := identity(in)
	p.set(f.ToColumn, quoteIdent(c.Name), c.Type)
	return p.sql(from), p.out, nil
}

// ChangeColumnCase changes every column name to lower or upper case
// (change_column_case).
type ChangeColumnCase struct {
	// Case is lower or upper.
	Case string
}

func (*ChangeColumnCase) Name() string { return "change_column_case" }
func (f *ChangeColumnCase) options() []Option {
	return []Option{{Key: "case", Kind: Enum, Values: []string{"lower", "upper"},
		ValueAliases: map[string]string{"lowercase": "lower", "uppercase": "upper"},
		Required:     true, Doc: "lower or upper: the case every column name is changed to.", target: &f.Case}}
}

func (f *ChangeColumnCase) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	names := in.Names()
	for i, n := range names {
		if f.Case == "upper" {
			names[i] = strings.ToUpper(n)
		} else {
			names[i] = strings.ToLower(n)
		}
	}
	return renamed(from, in, names, "case")
}

var notNameChar = regexp.MustCompile(`[^A-Za-z0-9_]`)

// CleanseColumnNames trims, lower-cases and replaces every character other
// than A-Z, a-z, 0-9 and _ with _ in every column name
// (cleanse_column_names).
type CleanseColumnNames struct{}

func (*CleanseColumnNames) Name() string      { return "cleanse_column_names" }
func (*CleanseColumnNames) options() []Option { return nil }

func (f *CleanseColumnNames) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	names := in.Names()
	for i, n := range names {
		names[i] = notNameChar.ReplaceAllString(strings.ToLower(strings.TrimSpace(n)), "_")
	}
	return renamed(from, in, names, "")
}

var (
	camelLowerUpper = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	camelAcronym    = regexp.MustCompile(`([A-Z]+)([A-Z][a-z])`)
)

// SnakeCase turns camelCase column names into snake_case (snake_case):
// customerId -> customer_id, HTTPServer -> http_server, COVERED_ENCOUNTERS
// -> covered_encounters.
type SnakeCase struct{}

func (*SnakeCase) Name() string      { return "snake_case" }
func (*SnakeCase) options() []Option { return nil }

func (f *SnakeCase) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	names := in.Names()
	for i, n := range names {
		n = camelAcronym.ReplaceAllString(n, "${1}_${2}")
		n = camelLowerUpper.ReplaceAllString(n, "${1}_${2}")
		names[i] = strings.ToLower(n)
	}
	return renamed(from, in, names, "")
}

// ColumnsReplace renames columns in bulk with a sed substitution applied to
// every name (columns_replace).
type ColumnsReplace struct {
	// SedExpression is s/regex/replacement/flags.
	SedExpression string
}

func (*ColumnsReplace) Name() string { return "columns_replace" }
func (f *ColumnsReplace) options() []Option {
	return []Option{{Key: "sedExpression", Kind: String, Required: true,
		Doc: "s/regex/replacement/flags applied to every column name (& = match, \\1 = group; flags g, i).", target: &f.SedExpression}}
}

func (f *ColumnsReplace) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	e, err := parseSed(f.SedExpression)
	if err != nil {
		return "", nil, optErr("sedExpression", "%v", err)
	}
	names := in.Names()
	for i, n := range names {
		names[i] = e.apply(n)
	}
	return renamed(from, in, names, "sedExpression")
}
