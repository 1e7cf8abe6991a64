package functions

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Functions that compute column values.

// sparkTypes maps Spark's type names (as add_column and set_type take
// them) to DuckDB's. Spark's timestamp is an instant: TIMESTAMP WITH TIME
// ZONE, as everywhere in Flare.
var sparkTypes = map[string]string{
	"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR",
	"boolean": "BOOLEAN", "bool": "BOOLEAN",
	"byte": "TINYINT", "tinyint": "TINYINT",
	"short": "SMALLINT", "smallint": "SMALLINT",
	"int": "INTEGER", "integer": "INTEGER",
	"long": "BIGINT", "bigint": "BIGINT",
	"float": "FLOAT", "real": "FLOAT",
	"double":    "DOUBLE",
	"decimal":   "DECIMAL(10,0)",
	"date":      "DATE",
	"timestamp": "TIMESTAMP WITH TIME ZONE", "timestamp_ltz": "TIMESTAMP WITH TIME ZONE",
	"timestamp_ntz": "TIMESTAMP",
	"binary":        "BLOB",
}

var decimalType = regexp.MustCompile(`^(?i)decimal\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$`)

// sparkTypeNames are the documented names, for messages.
const sparkTypeNames = "string, boolean, byte, short, int, long, float, double, decimal, decimal(p,s), date, timestamp, timestamp_ntz, binary"

// duckType maps a Spark type name to DuckDB's.
func duckType(spark string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(spark))
	if t, ok := sparkTypes[s]; ok {
		return t, nil
	}
	if m := decimalType.FindStringSubmatch(s); m != nil {
		p, _ := strconv.Atoi(m[1])
		sc := 0
		if m[2] != "" {
			sc, _ = strconv.Atoi(m[2])
		}
		if p < 1 || p > 38 || sc > p {
			return "", fmt.Errorf("decimal(%d,%d): precision must be 1 to 38 and scale at most the precision", p, sc)
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", p, sc), nil
	}
	return "", fmt.Errorf("unknown type %q (expected one of: %s)", spark, sparkTypeNames)
}

var intRanges = map[string]int{"TINYINT": 8, "SMALLINT": 16, "INTEGER": 32, "BIGINT": 64}

var timestampLayouts = []string{
	"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05 MST",
}

// literal is the DuckDB constant of type typ that value reads as, checked
// here so that a bad value is a compile error, not a failed run.
func literal(value, typ string) (string, error) {
	v := strings.TrimSpace(value)
	switch {
	case typ == "VARCHAR":
		return quoteLit(value), nil
	case intRanges[typ] > 0:
		if _, err := strconv.ParseInt(v, 10, intRanges[typ]); err != nil {
			return "", fmt.Errorf("%q is not a whole number that fits %s", value, typ)
		}
		return "CAST(" + v + " AS " + typ + ")", nil
	case typ == "FLOAT" || typ == "DOUBLE":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return "", fmt.Errorf("%q is not a number", value)
		}
		return "CAST(" + quoteLit(v) + " AS " + typ + ")", nil
	case strings.HasPrefix(typ, "DECIMAL"):
		r, ok := new(big.Rat).SetString(v)
		if !ok || strings.ContainsAny(v, "/eE") {
			return "", fmt.Errorf("%q is not a decimal number", value)
		}
		var p, s int
		fmt.Sscanf(typ, "DECIMAL(%d,%d)", &p, &s)
		whole := new(big.Int).Quo(r.Num(), r.Denom())
		if len(whole.Abs(whole).String()) > p-s && whole.Sign() != 0 {
			return "", fmt.Errorf("%q does not fit %s", value, typ)
		}
		return "CAST(" + quoteLit(v) + " AS " + typ + ")", nil
	case typ == "BOOLEAN":
		switch strings.ToLower(v) {
		case "true", "t", "1", "yes", "y":
			return "true", nil
		case "false", "f", "0", "no", "n":
			return "false", nil
		}
		return "", fmt.Errorf("%q is not a boolean (true or false)", value)
	case typ == "DATE":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return "", fmt.Errorf("%q is not a date (yyyy-MM-dd)", value)
		}
		return "DATE " + quoteLit(v), nil
	case strings.HasPrefix(typ, "TIMESTAMP"):
		for _, l := range timestampLayouts {
			if _, err := time.Parse(l, v); err == nil {
				return "CAST(" + quoteLit(v) + " AS " + typ + ")", nil
			}
		}
		return "", fmt.Errorf("%q is not a timestamp (yyyy-MM-dd[ HH:mm:ss[.SSS]][zone])", value)
	}
	return "CAST(" + quoteLit(value) + " AS " + typ + ")", nil
}

// AddColumn adds a column holding one value (add_column).
type AddColumn struct {
	// Column is the new column; an existing column of that name is
	// replaced.
	Column string
	// Value is the value as written; it must read as Type.
	Value string
	// Type is a Spark type name (default string).
	Type string
}

func (*AddColumn) Name() string { return "add_column" }
func (f *AddColumn) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The new column (an existing column of that name is replaced).", target: &f.Column},
		{Key: "value", Kind: String, Required: true, Doc: "Its value, as written; it must read as type.", target: &f.Value},
		{Key: "type", Kind: String, Default: "string", Doc: "Spark type of the value: " + sparkTypeNames + ".", target: &f.Type},
	}
}

func (f *AddColumn) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if f.Column == "" {
		return "", nil, optErr("column", "no column named")
	}
	typ, err := duckType(f.Type)
	if err != nil {
		return "", nil, optErr("type", "Invalid datatype found: %v", err)
	}
	lit, err := literal(f.Value, typ)
	if err != nil {
		return "", nil, optErr("value", "%v", err)
	}
	p := identity(in)
	p.set(f.Column, lit, typ)
	return p.sql(from), p.out, nil
}

// SetColumn sets a column to a string value, replacing it or adding it
// (set_column).
type SetColumn struct {
	Column string
	Value  string
}

func (*SetColumn) Name() string { return "set_column" }
func (f *SetColumn) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column to set (replaced if it exists, else added).", target: &f.Column},
		{Key: "value", Kind: String, Required: true, Doc: "The string every row gets.", target: &f.Value},
	}
}

func (f *SetColumn) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if f.Column == "" {
		return "", nil, optErr("column", "no column named")
	}
	p := identity(in)
	p.set(f.Column, quoteLit(f.Value), "VARCHAR")
	return p.sql(from), p.out, nil
}

// SetType converts columns to other types (set_type). A value that does
// not convert becomes NULL, as in Spark; decimals and strings convert to
// whole numbers by truncation, as in Spark.
type SetType struct {
	// Columns maps each column to its Spark type name.
	Columns []Pair
}

func (*SetType) Name() string { return "set_type" }
func (f *SetType) options() []Option {
	return []Option{{Key: "columns", Kind: Map, Required: true, Doc: "Maps each column to a Spark type: " + sparkTypeNames + ".", target: &f.Columns}}
}

func (f *SetType) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	p := identity(in)
	for _, kv := range f.Columns {
		c, err := column(in, "columns", kv.Key)
		if err != nil {
			return "", nil, err
		}
		typ, err := duckType(kv.Value)
		if err != nil {
			return "", nil, optErr("columns", "column %s: %v", kv.Key, err)
		}
		src, expr := classOf(c.Type), quoteIdent(c.Name)
		switch {
		case intRanges[typ] > 0 && (src == classString || src == classUnknown):
			expr = "TRY_CAST(trunc(TRY_CAST(trim(CAST(" + expr + " AS VARCHAR)) AS DECIMAL(38,10))) AS " + typ + ")"
		case intRanges[typ] > 0 && src == classNumeric:
			expr = "TRY_CAST(trunc(" + expr + ") AS " + typ + ")"
		case typ == "TIMESTAMP WITH TIME ZONE" && src.numeric():
			// Spark reads a number as seconds since the epoch.
			expr = "TRY_CAST(to_timestamp(CAST(" + expr + " AS DOUBLE)) AS " + typ + ")"
		default:
			expr = "TRY_CAST(" + expr + " AS " + typ + ")"
		}
		p.set(c.Name, expr, typ)
	}
	return p.sql(from), p.out, nil
}

// SetVariable sets a column to the value of a Spark SQL expression over the
// row (set_variable).
type SetVariable struct {
	Column     string
	Expression string
}

func (*SetVariable) Name() string { return "set_variable" }
func (f *SetVariable) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column that receives the value (replaced if it exists, else added).", target: &f.Column},
		{Key: "expression", Kind: String, Required: true, Doc: "A Spark SQL expression over the row's columns, e.g. ROUND(price, 0).", target: &f.Expression},
	}
}

func (f *SetVariable) Apply(from string, in Schema, env *Env) (string, Schema, error) {
	if f.Column == "" {
		return "", nil, optErr("column", "no column named")
	}
	if strings.TrimSpace(f.Expression) == "" {
		return "", nil, optErr("expression", "is empty")
	}
	expr, err := env.rewrite(f.Expression)
	if err != nil {
		return "", nil, optErr("expression", "%v", err)
	}
	p := identity(in)
	p.set(f.Column, "("+expr+")", "")
	return p.sql(from), p.out, nil
}

// IncrementVariable adds one to a numeric column, in every row
// (increment_variable).
type IncrementVariable struct {
	Column string
}

func (*IncrementVariable) Name() string { return "increment_variable" }
func (f *IncrementVariable) options() []Option {
	return []Option{{Key: "column", Kind: String, Required: true, Doc: "The numeric column (a variable made by set_variable, say) to add 1 to.", target: &f.Column}}
}

func (f *IncrementVariable) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	cl := classOf(c.Type)
	if cl != classUnknown && !cl.numeric() {
		return "", nil, optErr("column", "column %q is %s, not a number", c.Name, c.Type)
	}
	expr := quoteIdent(c.Name) + " + 1"
	if c.Type != "" {
		expr = "CAST(" + expr + " AS " + c.Type + ")"
	}
	p := identity(in)
	p.set(c.Name, expr, c.Type)
	return p.sql(from), p.out, nil
}

// FillNullOrEmpty replaces NULL and empty values of columns with fixed
// values (fill_null_or_empty).
type FillNullOrEmpty struct {
	// Columns maps each column to the value that fills it.
	Columns []Pair
}

func (*FillNullOrEmpty) Name() string { return "fill_null_or_empty" }
func (f *FillNullOrEmpty) options() []Option {
	return []Option{{Key: "columns", Kind: Map, Required: true, Doc: "Maps each column to the value that replaces its NULL and empty (\"\") values; each column must exist.", target: &f.Columns}}
}

func (f *FillNullOrEmpty) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	p := identity(in)
	for _, kv := range f.Columns {
		c, err := column(in, "columns", kv.Key)
		if err != nil {
			return "", nil, err
		}
		q := quoteIdent(c.Name)
		switch cl := classOf(c.Type); cl {
		case classString:
			p.set(c.Name, "CASE WHEN "+q+" IS NULL OR "+q+" = '' THEN "+quoteLit(kv.Value)+" ELSE "+q+" END", c.Type)
		case classUnknown:
			p.set(c.Name, "CASE WHEN "+q+" IS NULL OR CAST("+q+" AS VARCHAR) = '' THEN "+quoteLit(kv.Value)+" ELSE "+q+" END", "")
		default:
			lit, err := literal(kv.Value, normType(c.Type))
			if err != nil {
				return "", nil, optErr("columns", "column %s is %s: %v", c.Name, c.Type, err)
			}
			p.set(c.Name, "coalesce("+q+", "+lit+")", c.Type)
		}
	}
	return p.sql(from), p.out, nil
}

// ChangeCase changes the case of a column's values (change_case).
type ChangeCase struct {
	// Case is lower, upper or title (each word capitalised).
	Case   string
	Column string
}

func (*ChangeCase) Name() string { return "change_case" }
func (f *ChangeCase) options() []Option {
	return []Option{
		{Key: "case", Kind: Enum, Values: []string{"lower", "upper", "title"},
			ValueAliases: map[string]string{"lowercase": "lower", "uppercase": "upper", "titlecase": "title"},
			Required:     true, Doc: "lower, upper or title (first letter of each word upper, the rest lower).", target: &f.Case},
		{Key: "column", Kind: String, Required: true, Doc: "The column whose values change.", target: &f.Column},
	}
}

// titleCase is Spark's initcap, a Go scalar function (see udf.go).
func titleCase(expr string) string { return udfTitleCase + "(" + expr + ")" }

func (f *ChangeCase) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	s := asText(quoteIdent(c.Name), classOf(c.Type))
	var expr string
	switch f.Case {
	case "upper":
		expr = "upper(" + s + ")"
	case "title":
		expr = titleCase(s)
	default:
		expr = "lower(" + s + ")"
	}
	p := identity(in)
	p.set(c.Name, expr, "VARCHAR")
	return p.sql(from), p.out, nil
}

// whitespace is what trim removes: space, tab, newline, carriage return,
// form feed, vertical tab (chr() rather than an E-string literal, which a Spark
// SQL rewrite would misread; DuckDB folds it to a constant).
const whitespace = "(' ' || chr(9) || chr(10) || chr(13) || chr(12) || chr(11))"

// Trim removes whitespace from both ends, the left or the right of a
// column's values (trim).
type Trim struct {
	Column string
	// Method is trim (both ends), ltrim or rtrim; default trim.
	Method string
}

func (*Trim) Name() string { return "trim" }
func (f *Trim) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column whose values are trimmed.", target: &f.Column},
		{Key: "method", Kind: Enum, Values: []string{"trim", "ltrim", "rtrim"}, Default: "trim",
			Doc: "trim (both ends), ltrim (left) or rtrim (right); removes spaces, tabs and line breaks.", target: &f.Method},
	}
}

func (f *Trim) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	p := identity(in)
	p.set(c.Name, f.Method+"("+asText(quoteIdent(c.Name), classOf(c.Type))+", "+whitespace+")", "VARCHAR")
	return p.sql(from), p.out, nil
}

// CutCharacter keeps characters startIndex..endIndex (from 1, inclusive) of
// a column's values, as `cut -c` does (cut_character).
type CutCharacter struct {
	Column     string
	AsColumn   string
	StartIndex int
	EndIndex   int
}

func (*CutCharacter) Name() string { return "cut_character" }
func (f *CutCharacter) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column to cut.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the result (default: the column itself).", target: &f.AsColumn},
		{Key: "startIndex", Kind: Int, Required: true, Doc: "First character kept, counting from 1.", target: &f.StartIndex},
		{Key: "endIndex", Kind: Int, Required: true, Doc: "Last character kept (inclusive), at least startIndex.", target: &f.EndIndex},
	}
}

func (f *CutCharacter) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	if f.StartIndex < 1 {
		return "", nil, optErr("startIndex", "must be 1 or more, got %d", f.StartIndex)
	}
	if f.EndIndex < f.StartIndex {
		return "", nil, optErr("endIndex", "must be at least startIndex (%d), got %d", f.StartIndex, f.EndIndex)
	}
	p := identity(in)
	expr := fmt.Sprintf("substring(%s, %d, %d)", asText(quoteIdent(c.Name), classOf(c.Type)), f.StartIndex, f.EndIndex-f.StartIndex+1)
	p.set(orColumn(f.AsColumn, c.Name), expr, "VARCHAR")
	return p.sql(from), p.out, nil
}

func orColumn(as, col string) string {
	if as == "" {
		return col
	}
	return as
}

// MaskNumber masks a column's values with a fixed pattern (mask_number):
// where the pattern has #, the value's character at that position is kept;
// any other pattern character replaces it. The result is as long as the
// pattern.
type MaskNumber struct {
	Column  string
	Pattern string
}

func (*MaskNumber) Name() string { return "mask_number" }
func (f *MaskNumber) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column to mask (in place).", target: &f.Column},
		{Key: "pattern", Kind: String, Required: true, Doc: "One character per position: # keeps the value's character, anything else replaces it (XXX-XX-####).", target: &f.Pattern},
	}
}

func (f *MaskNumber) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	if f.Pattern == "" {
		return "", nil, optErr("pattern", "is empty")
	}
	v := asText(quoteIdent(c.Name), classOf(c.Type))
	pat := []rune(f.Pattern)
	var parts []string
	hasKeep := false
	for i := 0; i < len(pat); {
		j := i
		for j < len(pat) && (pat[j] == '#') == (pat[i] == '#') {
			j++
		}
		if pat[i] == '#' {
			parts = append(parts, fmt.Sprintf("substring(%s, %d, %d)", v, i+1, j-i))
			hasKeep = true
		} else {
			parts = append(parts, quoteLit(string(pat[i:j])))
		}
		i = j
	}
	expr := strings.Join(parts, " || ")
	if !hasKeep {
		// A pattern without # still keeps NULL values NULL.
		expr = "CASE WHEN " + v + " IS NULL THEN NULL ELSE " + expr + " END"
	}
	p := identity(in)
	p.set(c.Name, expr, "VARCHAR")
	return p.sql(from), p.out, nil
}

// Merge joins the values of columns with a separator into a new column
// (merge). NULL values are skipped, as Spark's concat_ws does.
type Merge struct {
	Separator string
	Columns   []string
	AsColumn  string
}

func (*Merge) Name() string { return "merge" }
func (f *Merge) options() []Option {
	return []Option{
		{Key: "separator", Kind: String, Required: true, Doc: "Text put between the values.", target: &f.Separator},
		{Key: "columns", Kind: List, Required: true, Doc: "The columns to merge, in order (NULL values are skipped).", target: &f.Columns},
		{Key: "asColumn", Kind: String, Required: true, Doc: "The column for the result (replaced if it exists, else added).", target: &f.AsColumn},
	}
}

func (f *Merge) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if len(f.Columns) == 0 {
		return "", nil, optErr("columns", "no column listed")
	}
	args := []string{quoteLit(f.Separator)}
	for _, n := range f.Columns {
		c, err := column(in, "columns", n)
		if err != nil {
			return "", nil, err
		}
		args = append(args, asText(quoteIdent(c.Name), classOf(c.Type)))
	}
	if f.AsColumn == "" {
		return "", nil, optErr("asColumn", "no column named")
	}
	p := identity(in)
	p.set(f.AsColumn, "concat_ws("+strings.Join(args, ", ")+")", "VARCHAR")
	return p.sql(from), p.out, nil
}

// FindAndReplace rewrites a column's values with a sed substitution
// (find_and_replace).
type FindAndReplace struct {
	Column        string
	SedExpression string
}

func (*FindAndReplace) Name() string { return "find_and_replace" }
func (f *FindAndReplace) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column whose values change (in place).", target: &f.Column},
		{Key: "sedExpression", Kind: String, Required: true, Doc: "s/regex/replacement/flags (& = match, \\1 = group; flags g, i).", target: &f.SedExpression},
	}
}

func (f *FindAndReplace) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	e, err := parseSed(f.SedExpression)
	if err != nil {
		return "", nil, optErr("sedExpression", "%v", err)
	}
	p := identity(in)
	p.set(c.Name, e.sql(asText(quoteIdent(c.Name), classOf(c.Type))), "VARCHAR")
	return p.sql(from), p.out, nil
}

// Hash replaces a column's values with their message digest, as lower-case
// hex (hash).
type Hash struct {
	Column string
	// Algo is MD5, SHA-1, SHA-256, SHA-384 or SHA-512.
	Algo string
}

func (*Hash) Name() string { return "hash" }
func (f *Hash) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column to hash (in place; the result is lower-case hex).", target: &f.Column},
		{Key: "algo", Kind: Enum, Values: []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"},
			ValueAliases: map[string]string{"SHA1": "SHA-1", "SHA": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384", "SHA512": "SHA-512"},
			Required:     true, Doc: "The digest algorithm.", target: &f.Algo},
	}
}

var hashFuncs = map[string]string{"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": udfSHA384, "SHA-512": udfSHA512}

func (f *Hash) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	fn, ok := hashFuncs[f.Algo]
	if !ok {
		return "", nil, optErr("algo", "%q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", f.Algo)
	}
	v := quoteIdent(c.Name)
	if cl := classOf(c.Type); cl != classBlob {
		v = asText(v, cl)
	} else if fn == udfSHA384 || fn == udfSHA512 {
		return "", nil, optErr("column", "%s of a BLOB column is not supported; hash a string column", f.Algo)
	}
	p := identity(in)
	p.set(c.Name, fn+"("+v+")", "VARCHAR")
	return p.sql(from), p.out, nil
}

// GenerateUUID adds a random UUID (as text) to every row (generate_uuid).
type GenerateUUID struct {
	AsColumn string
}

func (*GenerateUUID) Name() string { return "generate_uuid" }
func (f *GenerateUUID) options() []Option {
	return []Option{{Key: "asColumn", Kind: String, Required: true, Doc: "The column for the UUIDs (replaced if it exists, else added).", target: &f.AsColumn}}
}

func (f *GenerateUUID) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	if f.AsColumn == "" {
		return "", nil, optErr("asColumn", "no column named")
	}
	p := identity(in)
	p.set(f.AsColumn, "CAST(uuid() AS VARCHAR)", "VARCHAR")
	return p.sql(from), p.out, nil
}
