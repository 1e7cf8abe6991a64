package plan

import (
	"context"
	"errors"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
	"gopkg.in/yaml.v3"
)

// Z-order compaction (rewrite_dataset): Iceberg's Spark procedure takes
// sort_order => 'zorder(c1, c2)' with strategy => 'sort'; Flare's docs
// write sortOrder: zorder(c1, c2). strategy: zorder with a zorder(...) or a
// plain column list means the same. maintenance.CompactOptions.ZOrder
// carries the columns; datafile.ZOrderSQL orders the rows.

// zorderColumns reads "zorder(c1, c2)" with the Spark SQL lexer: ok is
// false when the text is not a zorder call (a sort order, then). When
// plain is set, "c1, c2" is read as the columns too. Errors are
// *engine.SQLError with a position in text.
func zorderColumns(text string, plain bool) (cols []sparksql.Token, ok bool, err error) {
	all, err := sparksql.Lex(text)
	if err != nil {
		return nil, false, nil // not ours: the sort order parser reports it
	}
	var toks []sparksql.Token
	for _, t := range all {
		if t.Significant() {
			toks = append(toks, t)
		}
	}
	if len(toks) == 0 || !toks[0].Is("zorder") {
		if !plain {
			return nil, false, nil
		}
	} else {
		if len(toks) < 2 || toks[1].Text != "(" {
			return nil, true, tokErr(toks[0], "expected zorder(column, ...)")
		}
		end := sparksql.MatchParen(toks, 1)
		if end < 0 {
			return nil, true, tokErr(toks[1], "( is not closed")
		}
		if end != len(toks)-1 {
			return nil, true, tokErr(toks[end+1], "unexpected %q after zorder(...)", span(text, toks[end+1:]))
		}
		toks = toks[2:end]
	}
	if len(toks) == 0 {
		return nil, true, &engine.SQLError{Line: 1, Col: 1, Msg: "zorder needs columns: zorder(c1, c2)"}
	}
	for _, part := range sparksql.SplitComma(toks) {
		if len(part) != 1 || part[0].Name() == "" {
			at := toks[0]
			if len(part) > 0 {
				at = part[0]
			}
			return nil, true, tokErr(at, "%q is not a column name: zorder takes columns, zorder(c1, c2)", span(text, part))
		}
		cols = append(cols, part[0])
	}
	return cols, true, nil
}

// zorderOption reads sortOrder (v) as z-order columns when it is a
// zorder(...) call, or a column list with strategy zorder, and checks
// them against the table's columns. ok is false when sortOrder is a sort
// order.
func (c *compiler) zorderOption(ctx context.Context, ses *engine.Session, target TableRef, v *spec.Value, strategy, what string) (cols []string, ok bool) {
	at := quotedPos(v)
	toks, ok, err := zorderColumns(v.Str, strategy == "zorder")
	if !ok {
		return nil, false
	}
	what += ", sortOrder"
	if err != nil {
		c.sqlErr(err, v.Str, at, what)
		return nil, true
	}
	if len(toks) > lakehouse.MaxZOrderColumns {
		c.errAt(v.Pos, "%s: zorder of %d columns: at most %d (each gets fewer bits of the z-value)", what, len(toks), lakehouse.MaxZOrderColumns)
		return nil, true
	}
	// colAt is where the i-th column is written.
	colAt := func(i int) spec.Pos { return at(lineOffset(v.Str, toks[i].Line, toks[i].Col)) }
	rel, err := c.tableSchemaSQL(ctx, target, lakehouse.ReadOptions{})
	if err != nil {
		if errors.Is(err, lakehouse.ErrNoSuchTable) {
			c.errAt(v.Pos, "%s: table %s does not exist", what, target)
		} else {
			c.errAt(v.Pos, "%s: %v", what, err)
		}
		return nil, true
	}
	names, types, err := ses.Columns(ctx, "("+rel+")")
	if err != nil {
		c.errAt(v.Pos, "%s: %v", what, err)
		return nil, true
	}
	seen := map[string]bool{}
	cols = make([]string, len(toks))
	for i, tok := range toks {
		col := tok.Name()
		j := -1
		for k, n := range names {
			if strings.EqualFold(n, col) {
				j = k
			}
		}
		switch {
		case j < 0:
			c.errAt(colAt(i), "%s: zorder column %s is not a column of table %s (columns: %s)%s", what, col, target, strings.Join(names, ", "), spec.DidYouMean(col, names))
			return nil, true
		case seen[strings.ToLower(names[j])]:
			c.errAt(colAt(i), "%s: zorder names column %s twice", what, names[j])
			return nil, true
		case strings.HasSuffix(types[j], "]") || strings.HasPrefix(types[j], "STRUCT") || strings.HasPrefix(types[j], "MAP"):
			c.errAt(colAt(i), "%s: zorder column %s is a %s, which has no order; give columns of simple types", what, names[j], types[j])
			return nil, true
		}
		seen[strings.ToLower(names[j])] = true
		cols[i] = names[j]
	}
	return cols, true
}

// quotedPos maps offsets of a one-line scalar option to the manifest
// (flowPos), past the opening quote of a quoted one.
func quotedPos(v *spec.Value) posFunc {
	start := v.Pos
	if v.Node != nil && v.Node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && start.Col > 0 {
		start.Col++ // the text starts after the quote
	}
	return flowPos(start, v.Str)
}
