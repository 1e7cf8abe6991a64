package functions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Querier runs queries: *sql.Conn and *sql.DB are one (the engine
// session's connection).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Options configure Compile.
type Options struct {
	// Rewrite turns Spark SQL expressions (set_variable, unfurl, pivot's
	// aggregate) into DuckDB SQL: the plan's Spark SQL front. Nil leaves
	// them as written.
	Rewrite func(sparkSQL string) (string, error)
	// Engine, when set, answers what the text cannot tell: the types of
	// free SQL expressions (DESCRIBE, which reads no rows), so that later
	// functions are checked against them and errors in an expression name
	// the function. The relation Compile starts from must exist there.
	Engine Querier
	// ReadData lets Compile read the rows of the relation before a pivot
	// that lists no values, to find them. Leave it false when the engine's
	// relations are empty stand-ins (flare validate).
	ReadData bool
	// MaxPivotValues bounds the values a pivot reads from the data
	// (default 10000, Spark's spark.sql.pivotMaxValues).
	MaxPivotValues int
}

// Chain is a compiled list of functions.
type Chain struct {
	// SQL is one SELECT over the relation Compile started from that
	// applies every function in order; "" when Deferred.
	SQL string
	// Out is the columns SQL produces (a type is "" when only the engine
	// can tell it), or, when Deferred, the columns before the deferred
	// function.
	Out Schema
	// Deferred is the index (from 1) of the first function that could not
	// be built without the data (a pivot without values, or a function
	// that needs the type of an expression, compiled without an engine);
	// it and the functions after it are checked when the job runs. 0 when
	// the chain is complete.
	Deferred int
	// Note says why the chain is deferred.
	Note string
}

// Compile checks a chain of functions against the columns of the relation
// from (a quoted name or a parenthesised query) and builds one SELECT that
// applies them all. The first error is returned as an *Error naming the
// function, the option and where they are written. Compile reads data
// only with opts.Engine and opts.ReadData set.
func Compile(ctx context.Context, from string, in Schema, calls []*Call, opts Options) (*Chain, error) {
	env := &Env{Rewrite: opts.Rewrite}
	cur, schema := from, in.clone()
	query := ""
	for i, call := range calls {
		if call.Index == 0 {
			call.Index = i + 1
		}
		fn := call.Function
		var q string
		var out Schema
		var err error
		for attempt := 0; ; attempt++ {
			q, out, err = fn.Apply(cur, schema, env)
			var need *needsEngine
			if !errors.As(err, &need) {
				break
			}
			if attempt > 0 || opts.Engine == nil || need.values && !opts.ReadData {
				return &Chain{Out: schema, Deferred: call.Index, Note: fmt.Sprintf("function %s (#%d): %s", fn.Name(), call.Index, need.reason)}, nil
			}
			if need.values {
				p := *fn.(*Pivot)
				if err := readPivotValues(ctx, opts, cur, schema, &p); err != nil {
					return nil, call.errorAt(err)
				}
				fn = &p
				continue
			}
			if schema, err = describe(ctx, opts.Engine, selectFrom(cur)); err != nil {
				return nil, call.errorAt(fmt.Errorf("find the columns before this function: %w", err))
			}
		}
		if err != nil {
			return nil, call.errorAt(err)
		}
		if !out.complete() && opts.Engine != nil {
			// A free expression: let DuckDB check and type it now, so the
			// error names this function.
			typed, err := describe(ctx, opts.Engine, q)
			if err != nil {
				return nil, call.errorAt(&OptionError{Option: exprOption(fn), Msg: engineMessage(err)})
			}
			out = typed
		}
		query, schema = q, out
		cur = "(\n" + indent(q) + "\n)"
	}
	if query == "" {
		query = selectFrom(from)
	}
	return &Chain{SQL: query, Out: schema}, nil
}

func selectFrom(from string) string { return "SELECT * FROM " + from }

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// exprOption is the option holding a function's free SQL.
func exprOption(fn Function) string {
	switch fn.(type) {
	case *SetVariable:
		return "expression"
	case *Unfurl:
		return "expression"
	case *Pivot:
		return "aggregateExpression"
	}
	return ""
}

// describe returns the columns a query produces, without running it.
func describe(ctx context.Context, q Querier, query string) (Schema, error) {
	rows, err := q.QueryContext(ctx, "DESCRIBE "+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out Schema
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, Column{Name: fmt.Sprint(vals[0]), Type: fmt.Sprint(vals[1])})
	}
	return out, rows.Err()
}

// Describe returns the columns a query produces, without running it, in
// this package's terms (a helper for callers that start a chain).
func Describe(ctx context.Context, q Querier, query string) (Schema, error) {
	return describe(ctx, q, query)
}

// readPivotValues reads the distinct values of the pivot column, sorted
// with NULL first as Spark sorts them.
func readPivotValues(ctx context.Context, opts Options, from string, in Schema, p *Pivot) error {
	c, err := column(in, "column", p.Column)
	if err != nil {
		return err
	}
	limit := opts.MaxPivotValues
	if limit <= 0 {
		limit = 10000
	}
	q := fmt.Sprintf("SELECT CAST(v AS VARCHAR) FROM (SELECT DISTINCT %s AS v FROM %s) ORDER BY v NULLS FIRST LIMIT %d",
		quoteIdent(c.Name), from, limit+1)
	rows, err := opts.Engine.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("read the values of %q: %w", c.Name, err)
	}
	defer rows.Close()
	p.Values, p.read = nil, true
	for rows.Next() {
		var v sql.NullString
		if err := rows.Scan(&v); err != nil {
			return err
		}
		if !v.Valid {
			p.nullValue = true
			continue
		}
		p.Values = append(p.Values, v.String)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the values of %q: %w", c.Name, err)
	}
	if len(p.Values) > limit {
		return optErr("values", "column %q has more than %d distinct values; list the values to pivot on", c.Name, limit)
	}
	return nil
}

// engineMessage is DuckDB's error on one line, without its LINE marker
// (which points into SQL the user did not write).
func engineMessage(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nLINE "); i >= 0 {
		msg = msg[:i]
	}
	return strings.Join(strings.Fields(msg), " ")
}
