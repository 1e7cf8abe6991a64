package workflow

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// Caching (docs/caching.md): `cache: true` on an input or step, a step whose
// SQL is `cache table <view>` / `uncache table <view>` (Spark's statements;
// `cache table v AS <query>` defines v too), and step commands
// `{name: persist | unpersist, sequenceName, mode}`. All of them materialise
// the view once for the job (engine.Session.Materialize): every later step
// and output reads the cached rows instead of the source.

var cacheSQL = regexp.MustCompile(`(?is)^\s*(cache|uncache)\s+(?:lazy\s+)?table\s+(if\s+exists\s+)?("(?:[^"]|"")+"|` + "`[^`]+`" + `|[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?:options\s*\([^)]*\)\s*)?(?:as\s+)?(select\b.*|with\b.*))?;?\s*$`)

// cacheStatement is a parsed `cache table` / `uncache table` statement.
type cacheStatement struct {
	uncache  bool
	ifExists bool
	view     string
	query    string // cache table v AS <query>
}

func parseCacheSQL(sql string) (cacheStatement, bool) {
	m := cacheSQL.FindStringSubmatch(sql)
	if m == nil {
		return cacheStatement{}, false
	}
	view := m[3]
	switch {
	case strings.HasPrefix(view, `"`):
		view = strings.ReplaceAll(view[1:len(view)-1], `""`, `"`)
	case strings.HasPrefix(view, "`"):
		view = view[1 : len(view)-1]
	}
	return cacheStatement{uncache: strings.EqualFold(m[1], "uncache"), ifExists: m[2] != "", view: view, query: strings.TrimSpace(m[4])}, true
}

// runStepCached runs a step: a cache statement, or its SQL (runStep), then
// its persist / unpersist commands.
func (r *Runner) runStepCached(ctx context.Context, ses *engine.Session, job *manifest.Job, st *manifest.Step, preview int) error {
	fail := func(err error) error {
		return &JobError{Job: job.Name, What: "step " + st.Name, Pos: st.Pos, Err: err}
	}
	if st.SQL != "" {
		if cs, ok := parseCacheSQL(st.SQL); ok {
			if err := r.cacheView(ctx, ses, cs); err != nil {
				return fail(err)
			}
		} else if err := r.runStep(ctx, ses, job, st, preview); err != nil {
			return err
		}
	}
	for _, c := range st.Commands {
		cs := cacheStatement{uncache: strings.EqualFold(c.Name, "unpersist"), view: c.SequenceName}
		if mode := strings.ToUpper(c.Mode); mode != "" && !knownStorageLevel(mode) {
			return &JobError{Job: job.Name, What: "step " + st.Name, Pos: c.Pos,
				Err: fmt.Errorf("command %s %s: unknown storage level %q (MEMORY_ONLY, MEMORY_AND_DISK, DISK_ONLY, ...)", c.Name, c.SequenceName, c.Mode)}
		}
		if err := r.cacheView(ctx, ses, cs); err != nil {
			return &JobError{Job: job.Name, What: "step " + st.Name, Pos: c.Pos, Err: err}
		}
	}
	return nil
}

func (r *Runner) cacheView(ctx context.Context, ses *engine.Session, cs cacheStatement) error {
	if cs.query != "" {
		if err := r.defineTables(ctx, ses, cs.query); err != nil {
			return err
		}
		if err := ses.DefineView(ctx, cs.view, cs.query); err != nil {
			return fmt.Errorf("cache table %s: %w", cs.view, err)
		}
	}
	if cs.uncache {
		r.logger().Debug("uncaching view", "view", cs.view)
		return ses.Unmaterialize(ctx, cs.view)
	}
	r.logger().Debug("caching view", "view", cs.view)
	return ses.Materialize(ctx, cs.view)
}

// knownStorageLevel reports Spark's storage levels; all of them cache in a
// DuckDB temporary table, which spills to disk when memory runs short.
func knownStorageLevel(s string) bool {
	switch strings.TrimSuffix(strings.TrimSuffix(s, "_2"), "_SER") {
	case "NONE", "MEMORY_ONLY", "MEMORY_AND_DISK", "DISK_ONLY", "OFF_HEAP", "DISK_ONLY_3":
		return true
	}
	return false
}
