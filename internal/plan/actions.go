package plan

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/sparksql"
	"github.com/flare-lakehouse/flare/internal/spec"
)

func (jc *jobCompiler) action(ctx context.Context, a *manifest.Action) *Action {
	what := "job " + jc.job.Name + ", action " + a.Name
	var in *manifest.Input
	for _, i := range jc.job.Inputs {
		if i.Name == a.Input {
			in = i
		}
	}
	if in == nil {
		return nil // the manifest check reported it
	}
	if in.Dataset == "" {
		jc.errAt(a.Pos, "%s: input %s is a query; actions need an Iceberg table input", what, in.Name)
		return nil
	}
	loc := jc.resolve(in.Dataset, in.Pos, what)
	if loc == nil {
		return nil
	}
	if loc.Depot.Type != depot.Lakehouse {
		jc.errAt(a.Pos, "%s: input %s (%s) is not a lakehouse table; actions maintain Iceberg tables", what, in.Name, in.Dataset)
		return nil
	}
	target := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
	pa := compileAction(ctx, jc.compiler, jc.ses, a.Name, target, a.Options, a.DryRun, a.DeleteWhere, flowPos(a.DeleteWherePos, a.DeleteWhere), what)
	if pa != nil {
		pa.Pos, pa.Input = a.Pos, a.Input
	}
	return pa
}

// CompileAction compiles one maintenance action on a table outside a
// manifest: the `flare table` subcommands build their options from flags
// (spec.AddFlags) and run the result like a manifest's action.
// deleteWhere is delete_from_dataset's condition.
func CompileAction(ctx context.Context, env *Env, name string, target TableRef, opts *spec.Values, deleteWhere string) (*Action, error) {
	c := &compiler{env: env, wf: &manifest.Workflow{File: "command line"}, tables: map[string][]Column{}, files: map[string][]Column{}}
	var ses *engine.Session
	var err error
	if env.Engines != nil {
		ses, err = env.Engines.Session(ctx, engine.Overrides{})
	} else {
		ses, err = engine.Open(ctx, engine.Settings{})
	}
	if err != nil {
		return nil, err
	}
	defer ses.Close()
	at := flowPos(spec.Pos{File: "flag --where"}, deleteWhere)
	pa := compileAction(ctx, c, ses, name, target, opts, opts.Bool("dryRun"), deleteWhere, at, name)
	c.finish()
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, c.errs
	}
	return pa, nil
}

// compileAction types an action's options and binds its conditions.
func compileAction(ctx context.Context, c *compiler, ses *engine.Session, name string, target TableRef, o *spec.Values, dryRun bool, deleteWhere string, whereAt posFunc, what string) *Action {
	before := len(c.errs)
	pa := &Action{Name: name, Target: target, DryRun: dryRun}
	if o == nil {
		o = spec.NewValues(spec.Actions.Get(name), spec.Pos{})
	}
	o.Use("dryRun")
	switch name {
	case "rewrite_dataset":
		pa.Compact = c.compactOptions(ctx, ses, target, o, what)
		if pa.Compact != nil {
			pa.Compact.DryRun = dryRun
		}
	case "rewrite_manifest":
		m := maintenance.ManifestOptions{DryRun: dryRun}
		if v := o.Get("specId"); v != nil {
			id := int(v.Int)
			m.SpecID = &id
		}
		pa.Manifests = &m
	case "expire_snapshots":
		e := maintenance.ExpireOptions{DryRun: dryRun, RetainLast: int(o.Int("retainLast"))}
		for _, k := range []string{"expireOlderThan", "olderThanMillis", "olderThanTimestamp"} {
			if v := o.Get(k); v != nil {
				c.olderThan(pa, v, false, &e.OlderThan, what)
			}
		}
		for _, k := range []string{"snapshotIds", "expireSnapshotId"} {
			if v := o.Get(k); v != nil {
				for i, s := range v.List {
					for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '[' || r == ']' || r == ' ' }) {
						id, err := strconv.ParseInt(part, 10, 64)
						if err != nil {
							c.errAt(listPos(v, i), "%s: %s: %q is not a snapshot id", what, k, part)
							continue
						}
						e.SnapshotIDs = append(e.SnapshotIDs, id)
					}
				}
			}
		}
		pa.Expire = &e
	case "remove_orphans":
		r := maintenance.OrphanOptions{DryRun: dryRun, Location: o.Str("location")}
		for _, k := range []string{"olderThan", "olderThanMillis", "olderThanTimestamp"} {
			if v := o.Get(k); v != nil {
				c.olderThan(pa, v, k == "olderThan", &r.OlderThan, what)
			}
		}
		pa.Orphans = &r
	case "delete_from_dataset":
		if strings.TrimSpace(deleteWhere) == "" {
			c.errAt(whereAt(0), "%s: delete needs a condition (deleteWhere; the table is aliased target)", what)
			break
		}
		pred, err := front(deleteWhere, ACondition)
		if err != nil {
			c.sqlErr(err, deleteWhere, whereAt, what+", deleteWhere")
			break
		}
		refs, ok := c.bindTarget(ctx, ses, target, "target", pred, deleteWhere, whereAt, what+", deleteWhere")
		if !ok {
			break
		}
		pa.Delete = &DeleteOp{Where: pred.SQL, Branch: o.Str("branch")}
		pa.Tables = refs
	default:
		c.errAt(o.Pos, "unknown action %q%s", name, spec.Hint(name, spec.Actions.Names()))
	}
	c.checkUsed(o)
	if len(c.errs) > before {
		return nil
	}
	return pa
}

// olderThan reads an age option: a duration ("3d", "0s") counts back from
// when the action runs (Action.Age), an instant is fixed now.
func (c *compiler) olderThan(pa *Action, v *spec.Value, digitRule bool, into *time.Time, what string) {
	if d, ok := maintenance.ParseAgo(v.Str); ok {
		pa.Age = &d
		return
	}
	t, err := maintenance.ParseInstant(v.Str, c.env.now(), digitRule)
	if err != nil {
		c.errAt(v.Pos, "%s: %s: %v", what, v.Key, err)
		return
	}
	*into, pa.Age = t, nil
}

func listPos(v *spec.Value, i int) spec.Pos {
	if i < len(v.ListPos) {
		return v.ListPos[i]
	}
	return v.Pos
}

// compactOptions types rewrite_dataset's options.
func (c *compiler) compactOptions(ctx context.Context, ses *engine.Session, target TableRef, o *spec.Values, what string) *maintenance.CompactOptions {
	var opt maintenance.CompactOptions
	strategy := o.Str("strategy")
	opt.Sort = strategy == "sort"
	if v := o.Get("sortOrder"); v != nil && strings.TrimSpace(v.Str) != "" {
		if cols, ok := c.zorderOption(ctx, ses, target, v, strategy, what); ok {
			opt.ZOrder, opt.Sort = cols, false
		} else {
			keys, err := parseSortOrder(v.Str)
			if err != nil {
				c.sqlErr(err, v.Str, quotedPos(v), what+", sortOrder")
			}
			opt.SortOrder, opt.Sort = keys, true
		}
	} else if strategy == "zorder" {
		at := o.Pos
		if sv := o.Get("strategy"); sv != nil {
			at = sv.Pos
		}
		c.errAt(at, "%s: strategy zorder needs the columns to interleave: sortOrder: zorder(c1, c2)", what)
	}
	if v := o.Get("where"); v != nil && strings.TrimSpace(v.Str) != "" {
		at := flowPos(v.Pos, v.Str)
		pred, err := front(v.Str, ACondition)
		if err != nil {
			c.sqlErr(err, v.Str, at, what+", where")
		} else if _, ok := c.bindTarget(ctx, ses, target, "", pred, v.Str, at, what+", where"); ok {
			opt.Where = pred.SQL
		}
	}
	opt.TargetFileSize = o.Int("targetSizeInBytes")
	if p := o.Obj("properties"); p != nil {
		if v := p.Get("target-file-size-bytes"); v != nil {
			opt.TargetFileSize = v.Int
		}
		opt.RewriteAll = p.Bool("rewrite-all")
		opt.MinInputFiles = int(p.Int("min-input-files"))
		opt.DeleteFileThreshold = int(p.Int("delete-file-threshold"))
		if v := p.Get("delete-ratio-threshold"); v != nil {
			if v.Float <= 0 || v.Float > 1 {
				c.errAt(v.Pos, "%s: delete-ratio-threshold = %s: want a fraction of deleted rows in (0, 1]", what, v.Str)
			}
			opt.DeleteRatioThreshold = v.Float
		}
	}
	return &opt
}

// bindTarget checks a condition over a table (aliased alias, or unaliased
// when alias is ""): the table as a typed, empty relation, the other tables
// it names bound too.
func (c *compiler) bindTarget(ctx context.Context, ses *engine.Session, target TableRef, alias string, pred *sparksql.Rewritten, text string, at posFunc, what string) ([]TableRef, bool) {
	rel, err := c.tableSchemaSQL(ctx, target, lakehouse.ReadOptions{})
	if err != nil {
		if errors.Is(err, lakehouse.ErrNoSuchTable) {
			c.errAt(at(0), "%s: table %s does not exist", what, target)
		} else {
			c.errAt(at(0), "%s: %v", what, err)
		}
		return nil, false
	}
	refs, err := c.bindTables(ctx, ses, "SELECT 1 WHERE "+pred.SQL)
	if err != nil {
		c.sqlErr(err, text, at, what)
		return nil, false
	}
	as := ""
	if alias != "" {
		as = " AS " + engine.QuoteIdent(alias)
	}
	if err := ses.Check(ctx, fmt.Sprintf("SELECT 1 FROM (%s)%s WHERE", rel, as), pred); err != nil {
		c.sqlErr(err, text, at, what)
		return nil, false
	}
	return refs, true
}
