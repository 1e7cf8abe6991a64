package plan

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Env is what compiling needs besides the manifest: the depots, the
// lakehouses (for table schemas; no data is read) and the engines whose
// sessions bind SQL (nil: Compile opens a pool for itself).
type Env struct {
	Config     *depot.Config
	Lakehouses *catalog.Lakehouses
	Engines    *engine.Pool
	// Now is the time relative ages (olderThan: 3d) count from; nil means
	// time.Now.
	Now func() time.Time
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// compiler holds what one Compile call learns as it goes.
type compiler struct {
	env   *Env
	wf    *manifest.Workflow
	errs  spec.ErrorList
	notes spec.ErrorList
	// tables and files are the outputs of jobs compiled so far, so that a
	// later job may read a table or file that an earlier one creates.
	tables map[string][]Column
	files  map[string][]Column
	// read are the decoded options whose keys must all have been read once
	// compiling succeeded (finish).
	read []*spec.Values
	// db holds connection checks and pending tables of database depots
	// (database.go).
	db *databases
	// storage holds the result of contacting each depot on object storage
	// (objstore_check.go).
	storage map[string]error
}

func (c *compiler) errAt(p spec.Pos, format string, args ...any) { c.errs.Add(p, format, args...) }

// Compile turns a parsed manifest into a plan. Every problem it finds is
// returned at once as a spec.ErrorList, each at its place in the manifest:
// addresses that resolve to no depot, options a format does not take, SQL
// that does not parse or bind against the schemas it reads (taken from file
// headers and table metadata: no data is read).
func Compile(ctx context.Context, wf *manifest.Workflow, env *Env) (*Plan, error) {
	if env.Engines == nil {
		pool := engine.NewPool(engine.Settings{})
		defer pool.Close()
		withEngines := *env
		withEngines.Engines = pool
		env = &withEngines
	}
	c := &compiler{env: env, wf: wf, tables: map[string][]Column{}, files: map[string][]Column{}}
	p := &Plan{File: wf.File, Version: wf.Version, Workflow: wf.Name, Title: wf.Title, Description: wf.Description, Tags: wf.Tags,
		Schedule: wf.Schedule}
	c.notes = append(c.notes, wf.Warnings...)
	jobs, err := wf.Order()
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if pj := c.job(ctx, j); pj != nil {
			p.Jobs = append(p.Jobs, pj)
		}
	}
	c.finish()
	if len(c.errs) > 0 {
		c.errs.Sort()
		return nil, c.errs
	}
	c.notes.Sort()
	p.Notes = c.notes
	return p, nil
}

// jobCompiler compiles one job; its engine session holds the job's views
// (inputs and steps as typed, empty relations) for binding SQL.
type jobCompiler struct {
	*compiler
	job *manifest.Job
	pj  *Job
	ses *engine.Session
	// views are the columns of each view defined so far, by lower-case name;
	// viewNames the same names as written, in order.
	views     map[string][]Column
	viewNames []string
	// failed are the inputs and steps that failed to compile (lower case).
	failed map[string]bool
	// conf is the job's decoded sparkConf.
	conf *spec.Values
	// deferredViews are views whose columns are known only when the job
	// runs (functions.go).
	deferredViews map[string]bool
}

func (c *compiler) job(ctx context.Context, j *manifest.Job) *Job {
	pj := &Job{Name: j.Name, Pos: j.Pos, Title: j.Title, Description: j.Description, Tags: j.Tags,
		DependsOn: j.Dependencies, Explain: j.Explain, Preview: j.ShowPreviewLines, LogLevel: j.LogLevel}
	if j.Toolbox != nil {
		pj.Toolbox = &Toolbox{Dataset: j.Toolbox.Dataset, Action: j.Toolbox.Action, Value: j.Toolbox.ActionValue}
		c.notes.Add(j.Toolbox.Pos, "job %s: %s has nothing to do here: the lakehouse catalog always points at a table's latest metadata", j.Name, j.Toolbox.Action)
		return pj
	}
	jc := &jobCompiler{compiler: c, job: j, pj: pj, views: map[string][]Column{}, failed: map[string]bool{}}
	jc.sparkConf()
	jc.tuning()
	before := len(c.errs)
	if v := jc.conf.Get("spark.sql.session.timeZone"); v != nil {
		if _, err := c.env.Engines.Engine(ctx, engine.Overrides{TimeZone: v.Str}); err != nil {
			// Reported; the rest of the job is checked in the default zone.
			c.errAt(v.Pos, "job %s: spark.sql.session.timeZone: %q is not a time zone (an IANA name such as Europe/Berlin)", j.Name, v.Str)
		} else {
			pj.TimeZone = v.Str
		}
	}
	// SQL is checked in the job's time zone; its sizes matter only when it
	// runs.
	ses, err := c.env.Engines.Session(ctx, engine.Overrides{TimeZone: pj.TimeZone})
	if err != nil {
		c.errAt(j.Pos, "job %s: open the engine to check its SQL: %v", j.Name, err)
		return nil
	}
	defer ses.Close()
	jc.ses = ses
	for _, in := range j.Inputs {
		if r := jc.read(ctx, in); r != nil {
			pj.Reads = append(pj.Reads, r)
		} else {
			jc.failed[strings.ToLower(in.Name)] = true
		}
	}
	for _, st := range j.Steps {
		if s := jc.step(ctx, st); s != nil {
			pj.Steps = append(pj.Steps, s)
		} else {
			jc.failed[strings.ToLower(st.Name)] = true
		}
	}
	seen := map[string]*manifest.Output{}
	for _, out := range j.Outputs {
		// Two outputs of a job may write one dataset only when both append:
		// anything else (an overwrite, a merge) would depend on their order.
		key := strings.ToLower(strings.SplitN(out.Dataset, "?", 2)[0])
		if prev := seen[key]; prev != nil && key != "" && !(isAppend(prev) && isAppend(out)) {
			c.errAt(out.Pos, "job %s: outputs %s and %s both write %s (first at %s); write a dataset once per job, or only append to it", j.Name, prev.Name, out.Name, key, prev.Pos)
			continue
		}
		seen[key] = out
		if w := jc.write(ctx, out); w != nil {
			pj.Writes = append(pj.Writes, w)
		}
	}
	jc.incrementalOutputs()
	for _, a := range j.Actions {
		if pa := jc.action(ctx, a); pa != nil {
			pj.Actions = append(pj.Actions, pa)
		}
	}
	jc.assertions(ctx)
	jc.streaming() // stream.go
	if len(c.errs) > before {
		return nil
	}
	return pj
}

func isAppend(o *manifest.Output) bool {
	return o.Merge == nil && o.SaveMode == "append" && (o.File == nil || o.File.SaveMode == "" || o.File.SaveMode == "append")
}

// sparkConf decodes the job's Spark settings (from the dag entry's spec,
// the stack section and the job) against spec.SparkConf. A setting given
// twice with different values is an error.
func (jc *jobCompiler) sparkConf() {
	seen := map[string]spec.Entry{}
	var entries []spec.Entry
	for _, e := range jc.job.SparkConf {
		if prev, ok := seen[e.Key]; ok {
			if prev.Value != e.Value {
				jc.errAt(e.KeyPos, "sparkConf %q is %q here but %q at %s", e.Key, e.Value, prev.Value, prev.KeyPos)
			}
			continue
		}
		seen[e.Key] = e
		entries = append(entries, e)
	}
	d := &spec.Decoder{File: jc.wf.File}
	jc.conf = d.DecodeEntries(entries, spec.SparkConf, jc.job.Pos)
	jc.errs = append(jc.errs, d.Errs...)
	jc.notes = append(jc.notes, d.Warns...)
}

// overwriteDynamic reports whether spark.sql.sources.partitionOverwriteMode
// makes every overwrite of the job dynamic.
func (jc *jobCompiler) overwriteDynamic() bool {
	return strings.EqualFold(jc.conf.Str("spark.sql.sources.partitionOverwriteMode"), "dynamic")
}

// decodeOptions checks option entries against an object spec, collecting
// errors and notes; the returned values must all be read (checkUsed).
func (c *compiler) decodeOptions(entries []spec.Entry, o *spec.ObjectSpec, pos spec.Pos) *spec.Values {
	d := &spec.Decoder{File: c.wf.File}
	vs := d.DecodeEntries(entries, o, pos)
	c.errs = append(c.errs, d.Errs...)
	c.notes = append(c.notes, d.Warns...)
	return vs
}

// checkUsed registers decoded options whose keys must all be read by the
// time compiling ends (finish checks them).
func (c *compiler) checkUsed(vs ...*spec.Values) { c.read = append(c.read, vs...) }

// finish reports, when compiling found no other problem, any key that was
// accepted but never read: a bug here, reported rather than silently
// ignored. (After another error, compiling stops reading some keys.)
func (c *compiler) finish() {
	if len(c.errs) > 0 {
		return
	}
	for _, v := range c.read {
		for _, e := range v.Unused() {
			c.errAt(e.Pos, "internal error: %s", e.Msg)
		}
	}
}

// resolve resolves a dataset address, reporting failures at pos.
func (c *compiler) resolve(addr string, pos spec.Pos, what string) *depot.Location {
	loc, err := c.env.Config.Resolve(addr)
	if err != nil {
		c.errAt(pos, "%s: %v", what, err)
		return nil
	}
	return loc
}

func tableKey(depotName string, collection, dataset string) string {
	return strings.ToLower(depotName + "." + collection + "." + dataset)
}

func describe(what string, err error) string { return fmt.Sprintf("%s: %v", what, err) }
