package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// File pruning for lakehouse tables named in SQL (flare sql, steps).
//
// The query is parsed by DuckDB itself (json_serialize_sql). When a table is
// read exactly once, directly in a SELECT's FROM (alone or in plain inner or
// outer joins), the conjuncts of that SELECT's WHERE that compare one of its
// columns with literals (=, <, <=, >, >=, BETWEEN, IN, and OR of those) become
// an Iceberg filter, and iceberg-go plans only the files that may hold
// matching rows. DuckDB still applies the whole WHERE to the rows it reads.
//
// It is conservative: a conjunct it cannot translate is left out (a weaker
// filter), a query shape it does not know means no pruning. Every translated
// predicate is null-rejecting, so rows the pruned files would have produced
// are rows the WHERE removes anyway, also through outer joins.

// Pruner parses a query on first use; a pruner whose query DuckDB cannot
// serialise prunes nothing. A nil *Pruner prunes nothing.
type Pruner struct {
	query  string
	parsed bool
	stmt   any // the single statement's "node"; nil: no pruning
}

// NewPruner prunes the tables of a query in the engine's dialect.
func NewPruner(query string) *Pruner { return &Pruner{query: query} }

// parse parses the query with DuckDB's parser; on any failure the pruner
// prunes nothing.
func (p *Pruner) parse(ctx context.Context, ses *engine.Session) {
	if p.parsed {
		return
	}
	p.parsed = true
	q := p.query
	var raw string
	if err := ses.Conn().QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(?::VARCHAR) AS VARCHAR)", q).Scan(&raw); err != nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	var doc struct {
		Error      bool `json:"error"`
		Statements []struct {
			Node any `json:"node"`
		} `json:"statements"`
	}
	if err := dec.Decode(&doc); err != nil || doc.Error || len(doc.Statements) != 1 {
		return
	}
	p.stmt = doc.Statements[0].Node
}

// tableUse is one place a query reads a table.
type tableUse struct {
	table map[string]any // the BASE_TABLE node
	sel   map[string]any // the SELECT_NODE whose FROM reads it directly; nil otherwise
	alone bool           // the FROM holds only this table (no join)
}

// filter returns the Iceberg filter the query implies for the table
// catalog.schema.name with schema sc, or nil for no pruning.
func (p *Pruner) filter(ref engine.TableRef, sc *iceberg.Schema) iceberg.BooleanExpression {
	if p == nil || p.stmt == nil || len(ref.Parts) != 3 {
		return nil
	}
	match := func(m map[string]any) bool {
		return strings.EqualFold(str(m["catalog_name"]), ref.Parts[0]) && strings.EqualFold(str(m["schema_name"]), ref.Parts[1]) &&
			strings.EqualFold(str(m["table_name"]), ref.Parts[2])
	}
	var uses []tableUse
	collectUses(p.stmt, match, &uses)
	if len(uses) != 1 || uses[0].sel == nil {
		return nil
	}
	u := uses[0]
	if u.table["sample"] != nil || u.table["at_clause"] != nil || u.sel["sample"] != nil {
		return nil
	}
	if !plainJoins(u.sel["from_table"]) {
		return nil
	}
	alias := str(u.table["alias"])
	if alias == "" {
		alias = ref.Parts[2]
	}
	tr := translator{sc: sc, alias: alias, alone: u.alone}
	var parts []iceberg.BooleanExpression
	for _, c := range conjuncts(u.sel["where_clause"]) {
		if e := tr.expr(c); e != nil {
			parts = append(parts, e)
		}
	}
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}

	return iceberg.NewAnd(parts[0], parts[1], parts[2:]...)
}

// collectUses finds every BASE_TABLE node that matches, noting the SELECT
// whose FROM reads it directly (through joins only).
func collectUses(v any, match func(map[string]any) bool, out *[]tableUse) {
	switch x := v.(type) {
	case []any:
		for _, c := range x {
			collectUses(c, match, out)
		}
	case map[string]any:
		switch str(x["type"]) {
		case "SELECT_NODE":
			for k, c := range x {
				if k == "from_table" {
					_, isJoin := asMap(c)["left"]
					collectFrom(c, x, !isJoin, match, out)
					continue
				}
				collectUses(c, match, out)
			}
			return
		case "BASE_TABLE":
			if match(x) {
				*out = append(*out, tableUse{table: x})
			}
			return
		}
		for _, c := range x {
			collectUses(c, match, out)
		}
	}
}

func collectFrom(v any, sel map[string]any, alone bool, match func(map[string]any) bool, out *[]tableUse) {
	m := asMap(v)
	switch str(m["type"]) {
	case "BASE_TABLE":
		if match(m) {
			*out = append(*out, tableUse{table: m, sel: sel, alone: alone})
		}
		return
	case "JOIN":
		collectFrom(m["left"], sel, false, match, out)
		collectFrom(m["right"], sel, false, match, out)
		collectUses(m["condition"], match, out)
		return
	}
	collectUses(v, match, out)
}

// plainJoins reports whether every join of a FROM tree is a regular or cross
// join of type inner, left, right or full outer (no ASOF, POSITIONAL,
// LATERAL, SEMI or ANTI joins, where pruning one side could change which rows
// pair up).
func plainJoins(v any) bool {
	m := asMap(v)
	if str(m["type"]) != "JOIN" {
		return true
	}
	switch str(m["ref_type"]) {
	case "REGULAR", "CROSS":
	default:
		return false
	}
	switch str(m["join_type"]) {
	case "INNER", "LEFT", "RIGHT", "OUTER":
	default:
		return false
	}

	return plainJoins(m["left"]) && plainJoins(m["right"])
}

// conjuncts splits a WHERE on AND.
func conjuncts(v any) []map[string]any {
	m := asMap(v)
	if m == nil {
		return nil
	}
	if str(m["type"]) == "CONJUNCTION_AND" {
		var out []map[string]any
		for _, c := range asSlice(m["children"]) {
			out = append(out, conjuncts(c)...)
		}
		return out
	}

	return []map[string]any{m}
}

// translator turns WHERE expressions into Iceberg predicates on one table.
type translator struct {
	sc    *iceberg.Schema
	alias string // the table's alias (or name) in the query
	alone bool   // unqualified columns can only be the table's
}

// expr translates one boolean expression; nil when it cannot.
func (tr translator) expr(m map[string]any) iceberg.BooleanExpression {
	switch str(m["type"]) {
	case "CONJUNCTION_AND":
		var parts []iceberg.BooleanExpression
		for _, c := range conjuncts(m) {
			if e := tr.expr(c); e != nil {
				parts = append(parts, e)
			}
		}
		switch len(parts) {
		case 0:
			return nil
		case 1:
			return parts[0]
		}
		return iceberg.NewAnd(parts[0], parts[1], parts[2:]...)
	case "CONJUNCTION_OR":
		var parts []iceberg.BooleanExpression
		for _, c := range asSlice(m["children"]) {
			e := tr.expr(asMap(c))
			if e == nil {
				return nil // one untranslatable branch: the OR cannot prune
			}
			parts = append(parts, e)
		}
		if len(parts) < 2 {
			return nil
		}
		return iceberg.NewOr(parts[0], parts[1], parts[2:]...)
	case "COMPARE_EQUAL", "COMPARE_LESSTHAN", "COMPARE_LESSTHANOREQUALTO", "COMPARE_GREATERTHAN", "COMPARE_GREATERTHANOREQUALTO":
		op := str(m["type"])
		col, lit := asMap(m["left"]), asMap(m["right"])
		if str(col["class"]) != "COLUMN_REF" {
			col, lit = lit, col
			op = flip(op)
		}
		f, ok := tr.column(col)
		if !ok {
			return nil
		}
		l, ok := literal(lit, f.Type)
		if !ok {
			return nil
		}
		return iceberg.LiteralPredicate(icebergOp(op), iceberg.Reference(f.Name), l)
	case "COMPARE_BETWEEN":
		f, ok := tr.column(asMap(m["input"]))
		if !ok {
			return nil
		}
		lo, ok1 := literal(asMap(m["lower"]), f.Type)
		hi, ok2 := literal(asMap(m["upper"]), f.Type)
		if !ok1 || !ok2 {
			return nil
		}
		return iceberg.NewAnd(iceberg.LiteralPredicate(iceberg.OpGTEQ, iceberg.Reference(f.Name), lo),
			iceberg.LiteralPredicate(iceberg.OpLTEQ, iceberg.Reference(f.Name), hi))
	case "COMPARE_IN":
		kids := asSlice(m["children"])
		if len(kids) < 2 {
			return nil
		}
		f, ok := tr.column(asMap(kids[0]))
		if !ok {
			return nil
		}
		lits := make([]iceberg.Literal, 0, len(kids)-1)
		for _, k := range kids[1:] {
			l, ok := literal(asMap(k), f.Type)
			if !ok {
				return nil
			}
			lits = append(lits, l)
		}
		return iceberg.SetPredicate(iceberg.OpIn, iceberg.Reference(f.Name), lits)
	}

	return nil
}

// column resolves a COLUMN_REF to a top-level column of the table.
func (tr translator) column(m map[string]any) (iceberg.NestedField, bool) {
	if str(m["class"]) != "COLUMN_REF" {
		return iceberg.NestedField{}, false
	}
	names := asSlice(m["column_names"])
	var name string
	switch len(names) {
	case 1:
		if !tr.alone {
			return iceberg.NestedField{}, false
		}
		name = str(names[0])
	case 2:
		if !strings.EqualFold(str(names[0]), tr.alias) {
			return iceberg.NestedField{}, false
		}
		name = str(names[1])
	default:
		return iceberg.NestedField{}, false
	}
	for _, f := range tr.sc.Fields() {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}

	return iceberg.NestedField{}, false
}

func flip(op string) string {
	switch op {
	case "COMPARE_LESSTHAN":
		return "COMPARE_GREATERTHAN"
	case "COMPARE_LESSTHANOREQUALTO":
		return "COMPARE_GREATERTHANOREQUALTO"
	case "COMPARE_GREATERTHAN":
		return "COMPARE_LESSTHAN"
	case "COMPARE_GREATERTHANOREQUALTO":
		return "COMPARE_LESSTHANOREQUALTO"
	}

	return op
}

func icebergOp(op string) iceberg.Operation {
	switch op {
	case "COMPARE_LESSTHAN":
		return iceberg.OpLT
	case "COMPARE_LESSTHANOREQUALTO":
		return iceberg.OpLTEQ
	case "COMPARE_GREATERTHAN":
		return iceberg.OpGT
	case "COMPARE_GREATERTHANOREQUALTO":
		return iceberg.OpGTEQ
	}

	return iceberg.OpEQ
}

// literal converts a constant (or a cast of a string constant to DATE or
// TIMESTAMP) to an Iceberg literal of the column's type, only where DuckDB's
// comparison means the same thing: integers against int and long columns,
// numbers against double columns, strings against string columns, dates and
// timestamps against date and timestamp (without time zone) columns.
func literal(m map[string]any, t iceberg.Type) (iceberg.Literal, bool) {
	castTo := ""
	if str(m["class"]) == "CAST" {
		if b, _ := m["try_cast"].(bool); b {
			return nil, false
		}
		castTo = str(asMap(m["cast_type"])["id"])
		m = asMap(m["child"])
	}
	if str(m["class"]) != "CONSTANT" {
		return nil, false
	}
	val := asMap(m["value"])
	if b, _ := val["is_null"].(bool); b {
		return nil, false
	}
	typ := asMap(val["type"])
	kind := str(typ["id"])
	v := val["value"]
	if castTo != "" && kind != "VARCHAR" {
		return nil, false
	}
	switch t.(type) {
	case iceberg.Int32Type, iceberg.Int64Type:
		if castTo != "" || !isInteger(kind) {
			return nil, false
		}
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		i, err := n.Int64()
		if err != nil {
			return nil, false
		}
		if _, is32 := t.(iceberg.Int32Type); is32 {
			if i < math.MinInt32 || i > math.MaxInt32 {
				return nil, false
			}
			return iceberg.NewLiteral(int32(i)), true
		}
		return iceberg.NewLiteral(i), true
	case iceberg.Float64Type:
		if castTo != "" {
			return nil, false
		}
		n, ok := v.(json.Number)
		if !ok {
			return nil, false
		}
		switch {
		case isInteger(kind), kind == "DOUBLE", kind == "FLOAT":
			f, err := n.Float64()
			if err != nil {
				return nil, false
			}
			return iceberg.NewLiteral(f), true
		case kind == "DECIMAL":
			scale, _ := asMap(typ["type_info"])["scale"].(json.Number)
			s, err := scale.Int64()
			if err != nil {
				return nil, false
			}
			r, ok := new(big.Rat).SetString(n.String())
			if !ok {
				return nil, false
			}
			r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(s), nil)))
			f, _ := r.Float64()
			return iceberg.NewLiteral(f), true
		}
	case iceberg.StringType:
		if castTo == "" && kind == "VARCHAR" {
			return iceberg.NewLiteral(str(v)), true
		}
	case iceberg.DateType:
		if kind != "VARCHAR" || (castTo != "" && castTo != "DATE") {
			return nil, false
		}
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(str(v)))
		if err != nil {
			return nil, false
		}
		return iceberg.NewLiteral(iceberg.Date(d.Unix() / 86400)), true
	case iceberg.TimestampType:
		if kind != "VARCHAR" || (castTo != "" && castTo != "TIMESTAMP" && castTo != "DATE") {
			return nil, false
		}
		s := strings.TrimSpace(str(v))
		if castTo == "DATE" && len(s) != len(time.DateOnly) {
			return nil, false
		}
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", time.DateOnly} {
			if ts, err := time.Parse(layout, s); err == nil {
				return iceberg.NewLiteral(iceberg.Timestamp(ts.UnixMicro())), true
			}
		}
	}

	return nil, false
}

func isInteger(kind string) bool {
	switch kind {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT":
		return true
	}

	return false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// readOptions returns the read of a table a query names: pruned by the
// query's filter when the table is not bound yet in the session. A table
// bound earlier (by an earlier step, or a manifest's steps in flare sql) may
// be read by views defined over it, so it is rebound unpruned.
func (p *Pruner) readOptions(ctx context.Context, ses *engine.Session, ref engine.TableRef, sc *iceberg.Schema) lakehouse.ReadOptions {
	if p == nil || len(ref.Parts) != 3 {
		return lakehouse.ReadOptions{}
	}
	var n int
	err := ses.Conn().QueryRowContext(ctx, `SELECT count(*) FROM duckdb_views()
		WHERE lower(database_name) = lower(?) AND lower(schema_name) = lower(?) AND lower(view_name) = lower(?)`,
		ref.Parts[0], ref.Parts[1], ref.Parts[2]).Scan(&n)
	if err != nil || n > 0 {
		return lakehouse.ReadOptions{}
	}
	p.parse(ctx, ses)

	return lakehouse.ReadOptions{Filter: p.filter(ref, sc)}
}
