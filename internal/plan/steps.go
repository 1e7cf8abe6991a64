package plan

import (
	"context"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Caching (docs/caching.md): `cache: true` on an input or step, a step whose
// SQL is `cache table <view>` / `uncache table <view>` (Spark's statements;
// `cache table v AS <query>` defines v too), and step commands
// `{name: persist | unpersist, sequenceName, mode}`. All of them materialise
// the view once for the job: every later step and output reads the cached
// rows instead of the source.
var cacheSQL = regexp.MustCompile(`(?is)^\s*(cache|uncache)\s+(?:lazy\s+)?table\s+(if\s+exists\s+)?("(?:[^"]|"")+"|` + "`[^`]+`" + `|[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?:options\s*\([^)]*\)\s*)?(?:as\s+)?(select\b.*|with\b.*))?;?\s*$`)

// cacheStatement is a parsed `cache table` / `uncache table` statement.
type cacheStatement struct {
	uncache  bool
	ifExists bool
	view     string
	query    string // cache table v AS <query>
	queryOff int    // offset of query in the step's SQL
}

func parseCacheSQL(sql string) (cacheStatement, bool) {
	m := cacheSQL.FindStringSubmatchIndex(sql)
	if m == nil {
		return cacheStatement{}, false
	}
	view := sql[m[6]:m[7]]
	switch {
	case strings.HasPrefix(view, `"`):
		view = strings.ReplaceAll(view[1:len(view)-1], `""`, `"`)
	case strings.HasPrefix(view, "`"):
		view = view[1 : len(view)-1]
	}
	cs := cacheStatement{uncache: strings.EqualFold(sql[m[2]:m[3]], "uncache"), ifExists: m[4] >= 0, view: view}
	if m[8] >= 0 {
		cs.query, cs.queryOff = strings.TrimSpace(sql[m[8]:m[9]]), m[8]
	}
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
					jc.errAt(st.SQLPos, "%s: %s table %s: no input or step is named %s", what, strings.ToLower(strings.Fields(st.SQL)[0]), cs.view, cs.view)
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
				if err := jc.ses.DefineView(ctx, s.View, q.SQL); err != nil {
					jc.sqlErr(err, cs.query, func(o int) spec.Pos { return at(off + o) }, what)
					return nil
				}
			}
		} else {
			q := jc.query(ctx, st.SQL, at, what)
			if q == nil {
				return nil
			}
			s.Query = q
			if err := jc.ses.DefineView(ctx, st.Name, q.SQL); err != nil {
				jc.sqlErr(jc.withDeferredHint(ctx, err, q.SQL), st.SQL, at, what)
				return nil
			}
		}
	}
	for _, c := range st.Commands {
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
