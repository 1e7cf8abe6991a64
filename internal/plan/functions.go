package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/functions"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Step functions (docs/functions.md). A step's functions apply, in order,
// to the rows of its SQL: the SQL is defined as a view of its own
// (Functions.Input) and the chain, one SELECT over that view built by
// internal/functions, becomes the step's view. Each function's options
// are declared once, by the functions package (functions.Specs);
// FunctionSpec turns a function's declaration into the spec the decoder
// checks a manifest against, as ReaderSpec does for a file format.

// Functions is a step's compiled chain of functions.
type Functions struct {
	// Input is the view holding the rows of the step's SQL, which the chain
	// reads.
	Input string
	// Names are the functions in order.
	Names []string
	// SQL is one SELECT over Input that applies every function (the
	// engine's dialect: expressions in it went through Front); "" when
	// Deferred.
	SQL string `json:",omitempty"`
	// Deferred is the place (from 1) of the first function that can only be
	// built from the data (a pivot without values): it and the functions
	// after it are built when the job runs (Finish), and Note says why.
	Deferred int    `json:",omitempty"`
	Note     string `json:",omitempty"`

	calls []*functions.Call
}

// Finish returns the chain's SQL over Input, building a deferred chain
// from the data now (the distinct values of a pivot's column). q runs
// queries in the session where Input is defined.
func (f *Functions) Finish(ctx context.Context, q functions.Querier) (string, error) {
	if f.Deferred == 0 {
		return f.SQL, nil
	}
	from := engine.QuoteIdent(f.Input)
	in, err := functions.Describe(ctx, q, "SELECT * FROM "+from)
	if err != nil {
		return "", fmt.Errorf("read the columns of the step's sql: %w", err)
	}
	chain, err := functions.Compile(ctx, from, in, f.calls, functions.Options{Rewrite: frontExpression, Engine: q, ReadData: true})
	if err != nil {
		return "", err
	}
	if chain.Deferred != 0 {
		return "", fmt.Errorf("functions: %s", chain.Note)
	}
	return chain.SQL, nil
}

// FunctionNames lists the step functions, sorted.
func FunctionNames() []string { return functions.Names() }

// FunctionSpec returns the spec of one function's entry in a step's
// functions list (its name and its options), or nil for an unknown
// function.
func FunctionSpec(name string) *spec.ObjectSpec {
	fs := functions.Lookup(name)
	if fs == nil {
		return nil
	}
	return functionSpec(fs)
}

// FunctionSpecs returns the spec of every function, sorted by name.
func FunctionSpecs() []*spec.ObjectSpec {
	var out []*spec.ObjectSpec
	for _, fs := range functions.Specs() {
		out = append(out, functionSpec(fs))
	}
	return out
}

func functionSpec(fs *functions.Spec) *spec.ObjectSpec {
	o := &spec.ObjectSpec{
		Path: "job.steps[].sequence[].functions[" + fs.Name + "]", What: "function " + fs.Name,
		Page: "docs/functions.md", Doc: fs.Doc,
		Fields: []*spec.Field{{Key: "name", Kind: spec.String, Required: true, Doc: "The function: " + fs.Name + "."}},
	}
	for _, opt := range fs.Options {
		f := &spec.Field{Key: opt.Key, Aliases: opt.Aliases, Required: opt.Required, Default: opt.Default, Doc: opt.Doc}
		switch opt.Kind {
		case functions.Int:
			f.Kind = spec.Int
		case functions.Bool:
			f.Kind = spec.Bool
		case functions.Enum:
			// Other accepted spellings (base16 for hex, SHA256 for SHA-256)
			// are allowed values too; the function maps them to its own.
			f.Kind, f.Values = spec.Enum, append([]string(nil), opt.Values...)
			f.Values = append(f.Values, spec.SortedKeys(opt.ValueAliases)...)
		case functions.List:
			f.Kind, f.Single = spec.List, true
		case functions.Map:
			f.Kind = spec.Map
		default:
			f.Kind = spec.String
		}
		if opt.NoEffect != "" {
			f.Status, f.Note = spec.NoEffect, opt.NoEffect
		}
		o.Fields = append(o.Fields, f)
	}
	return o
}

// functionInput names the view that holds a step's rows before its
// functions.
func functionInput(step string) string { return "__flare_rows_" + step }

// functionStep compiles a step with functions: its SQL as the view
// functionInput(step), then the chain over it as the step's view.
func (jc *jobCompiler) functionStep(ctx context.Context, st *manifest.Step, s *Step, what string) *Step {
	at := func(off int) spec.Pos { return st.PosAt(off) }
	calls := jc.functionCalls(st, what)
	if strings.TrimSpace(st.SQL) == "" {
		// The manifest check reported a step with functions and no SQL.
		return nil
	}
	if _, ok := parseCacheSQL(st.SQL); ok {
		jc.errAt(st.SQLPos, "%s: functions apply to the rows of a SELECT, not to cache table / uncache table", what)
		return nil
	}
	input := functionInput(st.Name)
	if _, taken := jc.views[strings.ToLower(input)]; taken {
		jc.errAt(st.Pos, "%s: the view %s holds the step's rows before its functions; rename the input or step of that name", what, input)
		return nil
	}
	q := jc.query(ctx, st.SQL, at, what)
	if q == nil || calls == nil {
		return nil
	}
	s.Query = q
	if err := jc.ses.DefineRewritten(ctx, input, q.src); err != nil {
		jc.viewErr(jc.withDeferredHint(ctx, err, q.SQL), st.SQL, at, what)
		return nil
	}
	// Once per engine: Install looks its functions up first.
	if err := functions.Install(ctx, jc.ses.Conn()); err != nil {
		jc.errAt(st.Pos, "%s: %v", what, err)
		return nil
	}
	names, types, err := jc.ses.Columns(ctx, engine.QuoteIdent(input))
	if err != nil {
		jc.errAt(st.Pos, "%s: %v", what, err)
		return nil
	}
	in := make(functions.Schema, len(names))
	for i := range names {
		in[i] = functions.Column{Name: names[i], Type: types[i]}
	}
	calls = jc.dropMetadataColumns(calls, in, what)
	chain, err := functions.Compile(ctx, engine.QuoteIdent(input), in, calls, functions.Options{Rewrite: frontExpression, Engine: jc.ses.Conn()})
	if err != nil {
		jc.functionErr(err, st.Pos, what)
		return nil
	}
	fn := &Functions{Input: input, SQL: chain.SQL, Deferred: chain.Deferred, Note: chain.Note, calls: calls}
	for _, c := range calls {
		fn.Names = append(fn.Names, c.Function.Name())
	}
	s.Functions = fn
	for _, c := range st.Commands {
		s.Commands = append(s.Commands, Command{Persist: c.Name == "persist", View: c.SequenceName, Mode: c.Mode, Pos: c.Pos})
	}
	if chain.Deferred == 0 {
		if err := jc.ses.DefineView(ctx, st.Name, chain.SQL); err != nil {
			jc.errAt(st.Pos, "%s: functions: %s", what, shortMsg(engine.AsSQLError(err).Msg))
			return nil
		}
		cols, err := jc.columns(ctx, st.Name)
		if err != nil {
			jc.errAt(st.Pos, "%s: %v", what, err)
			return nil
		}
		s.Columns = cols
		return s
	}
	// The rest of the chain is built when the job runs. Until then the
	// step's view stands in with the columns known now: for a pivot, its
	// group-by columns (the columns it makes come from the data).
	known := chain.Out
	if p, ok := calls[chain.Deferred-1].Function.(*functions.Pivot); ok {
		known = nil
		for _, g := range p.GroupBy {
			if i := chain.Out.Index(g); i >= 0 {
				known = append(known, chain.Out[i])
			}
		}
	}
	stand := make([]Column, len(known))
	for i, c := range known {
		stand[i] = Column{Name: c.Name, Type: c.Type}
	}
	if err := jc.ses.DefineView(ctx, st.Name, emptySQL(stand)); err != nil {
		jc.errAt(st.Pos, "%s: %v", what, err)
		return nil
	}
	if _, err := jc.columns(ctx, st.Name); err != nil {
		jc.errAt(st.Pos, "%s: %v", what, err)
		return nil
	}
	jc.deferred()[strings.ToLower(st.Name)] = true
	s.Columns = stand
	jc.notes.Add(specPos(calls[chain.Deferred-1].Pos), "%s: %s; until then the step's known columns are %s",
		what, chain.Note, orNone(columnList(stand)))
	return s
}

// functionCalls decodes a step's functions against their declarations.
// It returns nil after reporting a problem.
func (jc *jobCompiler) functionCalls(st *manifest.Step, what string) []*functions.Call {
	before := len(jc.errs)
	var calls []*functions.Call
	for i, f := range st.Functions {
		o := FunctionSpec(f.Name)
		if o == nil {
			jc.errAt(f.NamePos, "%s: function #%d: unknown function %q%s", what, i+1, f.Name, spec.Hint(f.Name, FunctionNames()))
			continue
		}
		d := &spec.Decoder{File: jc.wf.File}
		vs := d.Decode(f.Node, o)
		for _, e := range d.Errs {
			if rest, ok := strings.CutPrefix(e.Msg, o.What+" "); ok {
				jc.errAt(e.Pos, "%s: %s (#%d) %s", what, o.What, i+1, rest)
			} else {
				jc.errAt(e.Pos, "%s: %s (#%d): %s", what, o.What, i+1, e.Msg)
			}
		}
		jc.notes = append(jc.notes, d.Warns...)
		if vs == nil || len(d.Errs) > 0 {
			continue
		}
		jc.checkUsed(vs)
		args := map[string]functions.Arg{}
		for _, k := range vs.Keys() {
			v := vs.Get(k)
			if k == "name" {
				continue
			}
			args[k] = functions.Arg{Value: argValue(v), Pos: fnPos(v.Pos)}
		}
		call, err := functions.FromArgs(f.Name, args, fnPos(f.NamePos))
		if err != nil {
			var list functions.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					e.Index = i + 1
					jc.functionErr(e, f.Pos, what)
				}
				continue
			}
			jc.errAt(f.Pos, "%s: %v", what, err)
			continue
		}
		call.Index = i + 1
		if call.Pos.Line == 0 {
			call.Pos = fnPos(f.Pos)
		}
		calls = append(calls, call)
	}
	if len(jc.errs) > before {
		return nil
	}
	return calls
}

// argValue is a decoded option as functions.FromArgs takes it.
func argValue(v *spec.Value) any {
	switch v.Field.Kind {
	case spec.List:
		return append([]string(nil), v.List...)
	case spec.Map:
		out := make([]functions.Pair, len(v.Map))
		for i, e := range v.Map {
			out[i] = functions.Pair{Key: e.Key, Value: e.Value}
		}
		return out
	}
	return v.Str
}

// functionErr reports an error of the functions package at its place in
// the manifest (or at pos when it has none).
func (jc *jobCompiler) functionErr(err error, pos spec.Pos, what string) {
	var fe *functions.Error
	if !errors.As(err, &fe) {
		jc.errAt(pos, "%s: %v", what, err)
		return
	}
	p := specPos(fe.Pos)
	if p.Line == 0 {
		p = pos
	}
	e := *fe
	e.Pos = functions.Pos{}
	jc.errAt(p, "%s: %s", what, e.Error())
}

func fnPos(p spec.Pos) functions.Pos { return functions.Pos{File: p.File, Line: p.Line, Col: p.Col} }

func fnSchema(cols []Column) functions.Schema {
	out := make(functions.Schema, len(cols))
	for i, c := range cols {
		out[i] = functions.Column{Name: c.Name, Type: c.Type}
	}
	return out
}

func specPos(p functions.Pos) spec.Pos { return spec.Pos{File: p.File, Line: p.Line, Col: p.Col} }

// deferred are the views whose columns are known only when the job runs
// (a step whose functions end with a pivot without values).
func (jc *jobCompiler) deferred() map[string]bool {
	if jc.deferredViews == nil {
		jc.deferredViews = map[string]bool{}
	}
	return jc.deferredViews
}

// withDeferredHint adds to a binding error in SQL that reads a view whose
// columns are known only when the job runs why a column may be missing.
func (jc *jobCompiler) withDeferredHint(ctx context.Context, err error, query string) error {
	var se *engine.SQLError
	if !errors.As(err, &se) {
		return err
	}
	if h := jc.deferredHint(ctx, query); h != "" {
		c := *se
		c.Msg += h
		return &c
	}
	return err
}

func (jc *jobCompiler) deferredHint(ctx context.Context, query string) string {
	if len(jc.deferredViews) == 0 {
		return ""
	}
	refs, err := jc.ses.ParsedNames(ctx, query)
	if err != nil {
		return ""
	}
	var views []string
	for _, r := range refs {
		if len(r.Parts) == 1 && jc.deferredViews[strings.ToLower(r.Parts[0])] && !slices.Contains(views, r.Parts[0]) {
			views = append(views, r.Parts[0])
		}
	}
	if len(views) == 0 {
		return ""
	}
	sort.Strings(views)
	return fmt.Sprintf(" (the columns a pivot without values makes in %s are known only when the job runs; list the pivot's values to use them here)", strings.Join(views, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// text renders the chain for flare plan ("" for none).
func (f *Functions) text() string {
	if f == nil {
		return ""
	}
	s := fmt.Sprintf("         %-16s functions: %s", "", strings.Join(f.Names, ", "))
	if f.Deferred > 0 {
		s += fmt.Sprintf(" (from #%d %s on, built when the job runs: the values come from the data)", f.Deferred, f.Names[f.Deferred-1])
	}
	return s + "\n"
}
