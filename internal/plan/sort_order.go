package plan

import (
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/maintenance"
	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// parseSortOrder reads a rewrite's sort order, "col [ASC|DESC] [NULLS
// FIRST|LAST], ...", with the Spark SQL lexer (a column may be
// `quoted`). Errors are *engine.SQLError with a position in text.
func parseSortOrder(text string) ([]maintenance.SortKey, error) {
	all, err := sparksql.Lex(text)
	if err != nil {
		return nil, engine.RewriteError(err)
	}
	var toks []sparksql.Token
	for _, t := range all {
		if t.Significant() {
			toks = append(toks, t)
		}
	}
	if len(toks) == 0 {
		return nil, &engine.SQLError{Line: 1, Col: 1, Msg: "sort order is empty: want column [ASC|DESC] [NULLS FIRST|NULLS LAST], ..."}
	}
	const want = "want column [ASC|DESC] [NULLS FIRST|NULLS LAST]"
	var out []maintenance.SortKey
	for i, term := range sparksql.SplitComma(toks) {
		if len(term) == 0 {
			at := toks[len(toks)-1]
			for _, t := range toks {
				if t.Text == "," {
					at = t // the first comma; an empty term follows or precedes one
					break
				}
			}
			return nil, tokErr(at, "sort order term %d is empty: %s", i+1, want)
		}
		name := term[0].Name()
		if name == "" || term[0].Kind == sparksql.Ident && isSortWord(name) {
			return nil, tokErr(term[0], "sort order term %q: %s", span(text, term), want)
		}
		k := maintenance.SortKey{Column: name}
		rest := term[1:]
		switch {
		case len(rest) > 0 && rest[0].Is("desc"):
			k.Desc, rest = true, rest[1:]
		case len(rest) > 0 && rest[0].Is("asc"):
			rest = rest[1:]
		}
		if len(rest) >= 2 && rest[0].Is("nulls") && (rest[1].Is("first") || rest[1].Is("last")) {
			k.Nulls, rest = strings.ToLower(rest[1].Text), rest[2:]
		}
		if len(rest) > 0 {
			return nil, tokErr(rest[0], "sort order term %q: unexpected %q; %s", span(text, term), span(text, rest), want)
		}
		out = append(out, k)
	}
	return out, nil
}

// isSortWord: a word of the sort order syntax, which is no column here.
func isSortWord(w string) bool {
	switch strings.ToLower(w) {
	case "asc", "desc", "nulls", "first", "last":
		return true
	}
	return false
}
