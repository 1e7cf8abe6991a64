package functions

import (
	"fmt"
	"strings"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// quoteIdent quotes an identifier for DuckDB.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLit quotes a string literal for DuckDB.
func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// projection is a SELECT list over an input schema, built column by column.
type projection struct {
	exprs []string
	out   Schema
}

// identity selects every input column as it is.
func identity(in Schema) *projection {
	p := &projection{out: in.clone()}
	for _, c := range in {
		p.exprs = append(p.exprs, quoteIdent(c.Name))
	}
	return p
}

// set writes expr into the column called name: in its place when a column
// of that name exists (Spark's withColumn), else as a new last column.
func (p *projection) set(name, expr, typ string) {
	if i := p.out.Index(name); i >= 0 {
		p.exprs[i] = expr
		p.out[i] = Column{Name: name, Type: typ}
		return
	}
	p.exprs = append(p.exprs, expr)
	p.out = append(p.out, Column{Name: name, Type: typ})
}

// sql renders SELECT <list> FROM from.
func (p *projection) sql(from string) string {
	return selectList(p.exprs, p.out) + "\nFROM " + from
}

func selectList(exprs []string, out Schema) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, e := range exprs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e)
		if e != quoteIdent(out[i].Name) {
			b.WriteString(" AS " + quoteIdent(out[i].Name))
		}
	}
	return b.String()
}

// column finds an input column named by option opt, or fails with the
// names that exist.
func column(in Schema, opt, name string) (Column, error) {
	if name == "" {
		return Column{}, optErr(opt, "no column named")
	}
	if i := in.Index(name); i >= 0 {
		return in[i], nil
	}
	return Column{}, unknownColumn(in, opt, name)
}

func unknownColumn(in Schema, opt, name string) error {
	names := in.Names()
	if s := spec.Closest(name, names); s != "" {
		return optErr(opt, "unknown column %q; did you mean %q?", name, s)
	}
	return optErr(opt, "unknown column %q (the columns are: %s)", name, listNames(names))
}

func listNames(names []string) string {
	if len(names) > 30 {
		return strings.Join(names[:30], ", ") + fmt.Sprintf(", ... (%d more)", len(names)-30)
	}
	return strings.Join(names, ", ")
}

// asText is expr as VARCHAR (string functions of Spark cast their input).
func asText(expr string, c typeClass) string {
	if c == classString {
		return expr
	}
	return "CAST(" + expr + " AS VARCHAR)"
}

// renamed builds the SELECT for functions that only rename columns: names
// gives the new name of every input column. Two columns may not end up
// with the same name.
func renamed(from string, in Schema, names []string, opt string) (string, Schema, error) {
	seen := map[string]int{}
	out := make(Schema, len(in))
	exprs := make([]string, len(in))
	for i, c := range in {
		n := names[i]
		if n == "" {
			return "", nil, optErr(opt, "column %q would get an empty name", c.Name)
		}
		k := strings.ToLower(n)
		if j, dup := seen[k]; dup {
			return "", nil, optErr(opt, "columns %q and %q would both be named %q", in[j].Name, c.Name, n)
		}
		seen[k] = i
		out[i] = Column{Name: n, Type: c.Type}
		exprs[i] = quoteIdent(c.Name)
	}
	return selectList(exprs, out) + "\nFROM " + from, out, nil
}
