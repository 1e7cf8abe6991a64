package plan

import (
	"context"
	"strings"

	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Caching (docs/caching.md): `cache: true` on an input or step, a step whose
// SQL is `cache table <view>` / `uncache table <view>` (Spark's statements;
// `cache table v AS <query>` defines v too), and step commands
// `{name: persist | unpersist, sequenceName, mode}`. All of them materialise
// the view once for the job: every later step and output reads the cached
// rows instead of the source.

// cacheStatement is a parsed `cache table` / `uncache table` statement.
type cacheStatement struct {
	uncache  bool
	ifExists bool
	view     string
	query    string // cache table v AS <query>
	queryOff int    // offset of query in the step's SQL
}

// parseCacheSQL reads Spark's `CACHE [LAZY] TABLE [IF EXISTS] name
// [OPTIONS (...)] [[AS] query]` and `UNCACHE TABLE [IF EXISTS] name`; ok is
// false for any other SQL (which then goes to the SQL front as it is).
func parseCacheSQL(sql string) (cs cacheStatement, ok bool) {
	all, err := sparksql.Lex(sql)
	if err != nil {
		return cs, false
	}
	var toks []sparksql.Token
	for _, t := range all {
		if t.Significant() {
			toks = append(toks, t)
		}
	}
	if n := len(toks); n > 0 && toks[n-1].Kind == sparksql.Punct && toks[n-1].Text == ";" {
		toks = toks[:n-1]
	}
	i := 0
	word := func(w string) bool {
		if i < len(toks) && toks[i].Is(w) {
			i++
			return true
		}
		return false
	}
	switch {
	case word("cache"):
	case word("uncache"):
		cs.uncache = true
	default:
		return cs, false
	}
	word("lazy")
	if !word("table") {
		return cs, false
	}
	if word("if") {
		if !word("exists") {
			return cs, false
		}
		cs.ifExists = true
	}
	if i >= len(toks) {
		return cs, false
	}
	switch name := toks[i]; name.Kind {
	case sparksql.Ident, sparksql.QuotedIdent, sparksql.String:
		cs.view = name.Value()
		i++
	default:
		return cs, false
	}
	if word("options") {
		if i >= len(toks) || toks[i].Text != "(" {
			return cs, false
		}
		end := sparksql.MatchParen(toks, i)
		if end < 0 {
			return cs, false
		}
		i = end + 1
	}
	word("as")
	if i == len(toks) {
		return cs, true
	}
	if !toks[i].Is("select") && !toks[i].Is("with") {
		return cs, false
	}
	cs.queryOff = toks[i].Offset
	cs.query = strings.TrimSpace(sql[cs.queryOff : toks[len(toks)-1].Offset+len(toks[len(toks)-1].Text)])
	return cs, true
}

func (jc *jobCompiler) step(ctx context.Context, st *manifest.Step) *Step {
	what := "job " + jc.job.Name + ", step " + st.Name
	s := &Step{View: st.Name, Pos: st.Pos, Doc: st.Doc, Cache: st.Cache, Source: st}
	at := func(off int) spec.Pos { return st.PosAt(off) }
	if len(st.Functions) > 0 {
		return jc.functionStep(ctx, st, s, what)
	}
	if strings.TrimSpace(st.SQL) != "" {
		if cs, ok := parseCacheSQL(st.SQL); ok {
			if cs.query == "" {
				if _, known := jc.views[strings.ToLower(cs.view)]; !known && !cs.ifExists {
					jc.errAt(st.SQLPos, "%s: %s table: %s", what, strings.ToLower(strings.Fields(st.SQL)[0]), jc.knownViews("Catalog Error: Table with name "+cs.view+" does not exist!"))
					return nil
				}
				s.CacheOnly, s.Uncache = cs.view, cs.uncache
			} else {
				// cache table v AS <query> defines v and caches it.
				s.View, s.Cache = cs.view, true
				off := cs.queryOff
				q := jc.query(ctx, cs.query, func(o int) spec.Pos { return at(off + o) }, what)
				if q == nil {
					return nil
				}
				s.Query = q
				if err := jc.ses.DefineRewritten(ctx, s.View, q.src); err != nil {
					jc.viewErr(err, cs.query, func(o int) spec.Pos { return at(off + o) }, what)
					return nil
				}
			}
		} else {
			q := jc.query(ctx, st.SQL, at, what)
			if q == nil {
				return nil
			}
			s.Query = q
			if err := jc.ses.DefineRewritten(ctx, st.Name, q.src); err != nil {
				jc.viewErr(jc.withDeferredHint(ctx, err, q.SQL), st.SQL, at, what)
				return nil
			}
		}
	}
	for _, c := range st.Commands {
		if _, known := jc.views[strings.ToLower(c.SequenceName)]; !known && !strings.EqualFold(c.SequenceName, st.Name) {
			jc.errAt(c.Pos, "%s: command %s names %s", what, c.Name, jc.knownViews("Catalog Error: Table with name "+c.SequenceName+" does not exist!"))
			continue
		}
		s.Commands = append(s.Commands, Command{Persist: c.Name == "persist", View: c.SequenceName, Mode: c.Mode, Pos: c.Pos})
	}
	if s.Query != nil {
		cols, err := jc.columns(ctx, s.View)
		if err != nil {
			jc.errAt(st.Pos, "%s: %v", what, err)
			return nil
		}
		s.Columns = cols
	}
	return s
}
