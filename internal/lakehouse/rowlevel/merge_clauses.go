package rowlevel

import (
	"fmt"
	"strings"

	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// A merge's WHEN clauses arrive typed: internal/plan parses the manifest's
// whenClause with the Spark SQL lexer (and reports its mistakes at
// file:line:col); this package only checks that the clauses make sense
// together and executes them.

// MergeAction is what a WHEN clause does.
type MergeAction int

const (
	// MergeUpdate sets columns of the matched table row (MATCHED only).
	MergeUpdate MergeAction = iota
	// MergeDelete removes the matched table row (MATCHED only).
	MergeDelete
	// MergeInsert adds the source row (NOT MATCHED only).
	MergeInsert
)

func (a MergeAction) String() string {
	switch a {
	case MergeUpdate:
		return "UPDATE"
	case MergeDelete:
		return "DELETE"
	}
	return "INSERT"
}

// MarshalText prints the action by name (plans are printed as JSON).
func (a MergeAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an action's name.
func (a *MergeAction) UnmarshalText(b []byte) error {
	switch strings.ToUpper(string(b)) {
	case "UPDATE":
		*a = MergeUpdate
	case "DELETE":
		*a = MergeDelete
	case "INSERT":
		*a = MergeInsert
	default:
		return fmt.Errorf("unknown merge action %q (UPDATE, DELETE or INSERT)", b)
	}
	return nil
}

// Assignment is one "column = expression" of UPDATE SET, or one column and
// its value of INSERT (columns) VALUES (values).
type Assignment struct {
	// Column is a column of the table, without the target alias.
	Column string
	// Expr is its new value: DuckDB SQL over the table row (TargetAlias,
	// for UPDATE) and the source row (SourceAlias).
	Expr string
}

// MergeClause is one WHEN [NOT] MATCHED [AND condition] THEN action.
type MergeClause struct {
	// Matched: WHEN MATCHED (a table row matches the source row); false is
	// WHEN NOT MATCHED [BY TARGET] (no table row matches).
	Matched bool
	// Cond is the AND condition (DuckDB SQL), "" for none: the clause acts
	// on every row of its kind that no earlier clause took.
	Cond string `json:",omitempty"`
	// Action is MergeUpdate or MergeDelete for a MATCHED clause, MergeInsert for NOT
	// MATCHED.
	Action MergeAction
	// Star is UPDATE SET * / INSERT *: every table column from the source
	// column of that name.
	Star bool `json:",omitempty"`
	// Set are the assignments of UPDATE SET and INSERT (columns) VALUES
	// (...); columns not named keep their value (UPDATE) or are NULL
	// (INSERT).
	Set []Assignment `json:",omitempty"`
	// Text is the clause as written, for messages ("" renders it).
	Text string `json:"-"`
}

// SQL renders the clause in DuckDB's MERGE syntax (for messages, plans and
// finding the functions its expressions need).
func (c MergeClause) SQL() string {
	var b strings.Builder
	b.WriteString("WHEN ")
	if !c.Matched {
		b.WriteString("NOT ")
	}
	b.WriteString("MATCHED")
	if c.Cond != "" {
		b.WriteString(" AND " + c.Cond)
	}
	b.WriteString(" THEN " + c.Action.String())
	switch {
	case c.Action == MergeDelete:
	case c.Star && c.Action == MergeUpdate:
		b.WriteString(" SET *")
	case c.Star:
		b.WriteString(" *")
	case c.Action == MergeUpdate:
		b.WriteString(" SET ")
		for i, a := range c.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(datafile.QuoteIdent(a.Column) + " = " + a.Expr)
		}
	default:
		cols, vals := make([]string, len(c.Set)), make([]string, len(c.Set))
		for i, a := range c.Set {
			cols[i], vals[i] = datafile.QuoteIdent(a.Column), a.Expr
		}
		b.WriteString(" (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(vals, ", ") + ")")
	}
	return b.String()
}

func (c MergeClause) text() string {
	if c.Text != "" {
		return c.Text
	}
	return strings.TrimPrefix(c.SQL(), "WHEN ")
}

// ClausesSQL renders clauses one after the other.
func ClausesSQL(clauses []MergeClause) string {
	parts := make([]string, len(clauses))
	for i, c := range clauses {
		parts[i] = c.SQL()
	}
	return strings.Join(parts, " ")
}

// checkClauses refuses clauses that cannot run together: none at all, an
// action of the wrong kind, a clause that can never fire.
func checkClauses(clauses []MergeClause) error {
	if len(clauses) == 0 {
		return fmt.Errorf("%w: a merge needs WHEN clauses, e.g. MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *", datafile.ErrInvalidSpec)
	}
	for _, c := range clauses {
		switch {
		case c.Matched && c.Action == MergeInsert:
			return fmt.Errorf("%w: merge clause WHEN %s: MATCHED clauses can UPDATE or DELETE, not INSERT", datafile.ErrInvalidSpec, c.text())
		case !c.Matched && c.Action != MergeInsert:
			return fmt.Errorf("%w: merge clause WHEN %s: NOT MATCHED clauses can only INSERT", datafile.ErrInvalidSpec, c.text())
		case c.Action == MergeDelete && (c.Star || len(c.Set) > 0):
			return fmt.Errorf("%w: merge clause WHEN %s: DELETE sets no columns", datafile.ErrInvalidSpec, c.text())
		case c.Action != MergeDelete && c.Star == (len(c.Set) > 0):
			return fmt.Errorf("%w: merge clause WHEN %s: give * or the columns to set, one of them", datafile.ErrInvalidSpec, c.text())
		}
	}
	// As in Spark, only the last clause of each kind may omit its condition:
	// a later one could never fire.
	for _, matched := range []bool{true, false} {
		open := false
		for _, c := range clauses {
			if c.Matched != matched {
				continue
			}
			if open {
				return fmt.Errorf("%w: merge clause WHEN %s can never fire: an earlier %s clause has no AND condition (only the last one may omit it)",
					datafile.ErrInvalidSpec, c.text(), kind(matched))
			}
			open = c.Cond == ""
		}
	}
	return nil
}

func kind(matched bool) string {
	if matched {
		return "MATCHED"
	}
	return "NOT MATCHED"
}
