package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// Options are the settings of Load and Parse.
type Options struct {
	// Vars fill ${name} first (flare --var name=value).
	Vars map[string]string
	// LookupEnv fills the ${name} that Vars do not; nil means no
	// environment (os.LookupEnv is the usual choice).
	LookupEnv func(string) (string, bool)
	// Root is the folder a step's sqlFile must lie in (the project's
	// folder); "" means the manifest's own folder.
	Root string
}

// Load reads a manifest file and parses it.
func Load(path string, opt Options) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return Parse(path, data, opt)
}

// decoder builds a Workflow from YAML through the spec's decoder, which
// checks keys, types and allowed values; the decoder here handles shapes
// (legacy forms, aliases given in several places) and cross-key rules.
type decoder struct {
	spec.Decoder
	dir   string
	lines []string
	opt   Options
	// depots holds legacy outputs[] entries with a depot (name -> entry).
	depots map[string]*legacyDepot
	// values are the decoded objects whose keys must all be read.
	values []*spec.Values
}

func (d *decoder) errAt(p Pos, format string, args ...any) { d.Errs.Add(p, format, args...) }

// decode decodes n against o and remembers the values for the check that
// every key given was read.
func (d *decoder) decode(n *yaml.Node, o *spec.ObjectSpec) *spec.Values {
	vs := d.Decode(n, o)
	if vs != nil {
		d.values = append(d.values, vs)
	}
	return vs
}

// Parse decodes and validates a manifest. file names it in positions and
// is the base of relative sqlFile paths. On failure the error is an
// ErrorList holding every problem found, sorted by position.
func Parse(file string, data []byte, opt Options) (*Workflow, error) {
	d := &decoder{
		Decoder: spec.Decoder{File: file},
		dir:     filepath.Dir(file),
		lines:   strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"),
		opt:     opt,
		depots:  map[string]*legacyDepot{},
	}
	wf := d.parse(data)
	if wf != nil {
		d.validate(wf)
		if len(d.Errs) == 0 {
			// A key that was decoded but that nothing here read would be
			// silently ignored: that is a bug in this package, reported as
			// an error rather than run.
			for _, vs := range d.values {
				for _, e := range vs.Unused() {
					d.errAt(e.Pos, "internal error: %s", e.Msg)
				}
			}
		}
		d.Warns.Sort()
		wf.Warnings = d.Warns
	}
	if len(d.Errs) > 0 {
		d.Errs.Sort()
		return nil, d.Errs
	}
	return wf, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 error into one with our position. yaml.v3
// often reports the line where the enclosing block starts (or the line
// before), so the line is found again as the first line at which the text
// stops being valid YAML.
func (d *decoder) syntaxError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if l := firstBadLine(d.lines); l > 0 {
		line = l
	}
	d.errAt(Pos{File: d.File, Line: line}, "bad YAML: %s", msg)
}

// firstBadLine returns the smallest n such that the first n lines do not
// parse (ignoring errors that only say the text ended early), or 0.
func firstBadLine(lines []string) int {
	if len(lines) > 2000 {
		return 0
	}
	var text strings.Builder
	for i, l := range lines {
		text.WriteString(l)
		text.WriteByte('\n')
		dec := yaml.NewDecoder(strings.NewReader(text.String()))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if err == nil {
				continue
			}
			if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "end of stream") {
				return i + 1
			}
			break
		}
	}
	return 0
}

const wantWorkflow = "expected a Workflow (version, name, type: workflow, workflow.dag)"

func (d *decoder) parse(data []byte) *Workflow {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(Pos{File: d.File, Line: 1, Col: 1}, "empty manifest: %s", wantWorkflow)
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		if len(next.Content) > 0 && !spec.IsNull(next.Content[0]) {
			d.Errorf(next.Content[0], "a second YAML document: put one workflow in a file (split the file at ---)")
		}
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	d.expandTree(&doc, false, map[*yaml.Node]bool{})
	if len(doc.Content) == 0 || spec.IsNull(doc.Content[0]) {
		d.errAt(Pos{File: d.File, Line: 1, Col: 1}, "empty manifest: %s", wantWorkflow)
		return nil
	}
	root := spec.Resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.Errorf(root, "expected a Workflow, a dag entry or a Flare job (a mapping), found %s", spec.Describe(root))
		return nil
	}
	top := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		top[spec.CamelKey(root.Content[i].Value)] = true
	}
	wf := &Workflow{File: d.File, Pos: d.Posn(root)}
	switch {
	case top["workflow"] || top["type"] || top["version"]:
		d.workflowResource(wf, root)
	case top["spec"]:
		if job := d.dagEntry(root); job != nil {
			wf.Name = job.Name
			wf.Jobs = []*Job{job}
		}
	case top["job"] || top["stackSpec"] || top["flare"]:
		if top["stackSpec"] || top["flare"] {
			d.Errorf(root, "expected a Workflow, a dag entry (name, spec) or a stack section (job: ...); found a stack section without its dag entry: put the keys under it at the top level, or add name and spec")
			return nil
		}
		name := strings.TrimSuffix(filepath.Base(d.File), filepath.Ext(d.File))
		job := &Job{Name: name, Stack: "flare", Pos: d.Posn(root)}
		d.stackSection(job, d.decode(root, spec.StackSection))
		wf.Name = name
		wf.Jobs = []*Job{job}
	default:
		d.Errorf(root, "expected a Workflow (version, name, type: workflow, workflow.dag), a dag entry (name, spec) or a Flare job (job: ...); found keys %s", keyList(root))
		return nil
	}
	return wf
}

func keyList(n *yaml.Node) string {
	var ks []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		ks = append(ks, n.Content[i].Value)
	}
	if len(ks) == 0 {
		return "(none)"
	}
	return strings.Join(ks, ", ")
}

func (d *decoder) workflowResource(wf *Workflow, root *yaml.Node) {
	m := d.decode(root, spec.Workflow)
	if m == nil {
		return
	}
	wf.Version = m.Str("version")
	wf.Name = m.Str("name")
	m.Use("type") // the spec allows only "workflow"
	wf.Title = m.Str("title")
	wf.Description = m.Str("description")
	wf.Tags = m.List("tags")
	body := m.Obj("workflow")
	if body == nil {
		return
	}
	if t := body.Str("title"); t != "" && wf.Title == "" {
		wf.Title = t
	}
	if t := body.Str("description"); t != "" && wf.Description == "" {
		wf.Description = t
	}
	if s := body.Obj("schedule"); s != nil {
		wf.Schedule = s.Str("cron")
	}
	dag := body.Get("dag")
	if dag == nil {
		return
	}
	if len(dag.Objs) == 0 && dag.Node != nil && len(dag.Node.Content) == 0 {
		d.errAt(dag.Pos, "workflow.dag is empty: expected a list of jobs")
	}
	for _, em := range dag.Objs {
		if job := d.dagJob(em); job != nil {
			wf.Jobs = append(wf.Jobs, job)
		}
	}
}

// dagEntry decodes a dag entry written at the top of a manifest.
func (d *decoder) dagEntry(n *yaml.Node) *Job {
	m := d.decode(n, spec.DagEntry)
	if m == nil {
		return nil
	}
	return d.dagJob(m)
}

// dagJob builds a job from a decoded dag entry {name, title, description,
// dependencies, spec}.
func (d *decoder) dagJob(m *spec.Values) *Job {
	job := &Job{Pos: m.Pos}
	job.Name = m.Str("name")
	if job.Name == "" {
		d.errAt(m.KeyPos("name"), "a dag entry needs a name")
	}
	job.Title = m.Str("title")
	job.Description = m.Str("description")
	if dv := m.Get("dependencies"); dv != nil {
		job.Dependencies = dv.List
		job.depPos = dv.ListPos
	}
	sm := m.Obj("spec")
	if sm == nil {
		if !m.Has("spec") {
			d.errAt(m.Pos, "job %s needs a spec (stack and stackSpec)", job.Name)
		}
		return job
	}
	job.Stack = sm.Str("stack")
	if t := sm.Str("title"); t != "" && job.Title == "" {
		job.Title = t
	}
	if t := sm.Str("description"); t != "" && job.Description == "" {
		job.Description = t
	}
	job.Tags = sm.List("tags")
	stack := strings.ToLower(job.Stack)
	var section *yaml.Node
	var sectionKey string
	for _, k := range []string{"stackSpec", "flare", "toolbox"} {
		if sm.Has(k) {
			if section != nil {
				d.errAt(sm.KeyPos(k), "give the stack section once: both %s and %s are here", sectionKey, k)
				continue
			}
			section, sectionKey = sm.Get(k).Node, k
		}
	}
	job.SparkConf = append(job.SparkConf, sm.Entries("sparkConf")...)
	switch {
	case job.Stack == "":
		d.errAt(sm.KeyPos("stack"), "job %s needs a stack (flare:6.0)", job.Name)
		return job
	case stack == "toolbox" || strings.HasPrefix(stack, "toolbox:"):
		if section == nil || sectionKey == "flare" {
			d.errAt(sm.Pos, "toolbox job %s needs a stackSpec (or toolbox) section", job.Name)
			return job
		}
		if tb := d.decode(section, spec.Toolbox); tb != nil {
			d.toolbox(job, tb)
		}
		return job
	case stack != "flare" && !flareStackRE.MatchString(stack):
		d.errAt(sm.ValuePos("stack"), "unsupported stack %q: expected flare:N.M (for example flare:6.0) or toolbox", job.Stack)
		return job
	}
	if section == nil || sectionKey == "toolbox" {
		d.errAt(sm.Pos, "job %s needs a stackSpec section (also spelled flare)", job.Name)
		return job
	}
	d.stackSection(job, d.decode(section, spec.StackSection))
	return job
}

var flareStackRE = regexp.MustCompile(`^flare:\d+(\.\d+)*$`)

// resources reads driver or executor sizes.
func resources(m *spec.Values) *Resources {
	if m == nil {
		return nil
	}
	r := &Resources{Pos: m.Pos, KeyPos: map[string]Pos{}}
	r.Cores = int(m.Int("cores"))
	r.Instances = int(m.Int("instances"))
	r.CoreLimit = m.Str("coreLimit")
	r.Memory = m.Str("memory")
	for _, k := range m.Keys() {
		r.KeyPos[k] = m.KeyPos(k)
	}
	return r
}

func (d *decoder) toolbox(job *Job, m *spec.Values) {
	tb := &Toolbox{Pos: m.Pos, Dataset: m.Str("dataset")}
	if am := m.Obj("action"); am != nil {
		tb.Action = am.Str("name")
		tb.ActionValue = am.Str("value")
	}
	job.Toolbox = tb
}

// stackSection reads the stack section: driver, executor, sparkConf, job, actions.
func (d *decoder) stackSection(job *Job, m *spec.Values) {
	if m == nil {
		return
	}
	job.decoded = true
	job.SparkConf = append(job.SparkConf, m.Entries("sparkConf")...)
	job.Driver = resources(m.Obj("driver"))
	job.Executor = resources(m.Obj("executor"))
	jm := m.Obj("job")
	if jm == nil && !m.Has("actions") && !m.Has("job") {
		d.errAt(m.Pos, "job %s: the stack section needs job: (inputs, steps, outputs)", job.Name)
	}
	if jm != nil {
		d.jobBody(job, jm)
	}
	for _, am := range m.Objs("actions") {
		if a := d.action(am); a != nil {
			job.Actions = append(job.Actions, a)
		}
	}
}

func (d *decoder) jobBody(job *Job, m *spec.Values) {
	d.depots = map[string]*legacyDepot{}
	job.Explain = m.Bool("explain")
	job.LogLevel = m.Str("logLevel")
	job.ShowPreviewLines = int(m.Int("showPreviewLines"))
	job.SparkConf = append(job.SparkConf, m.Entries("sparkConf")...)
	if sv := m.Get("streaming"); sv != nil && sv.Obj != nil {
		// Read key by key by the compile step (internal/plan/stream.go).
		sv.UseAll()
		job.Streaming = sv.Obj
	}
	for _, im := range m.Objs("inputs") {
		if in := d.input(im); in != nil {
			job.Inputs = append(job.Inputs, in)
		}
	}
	var sinks []*sink
	if sv := m.Get("steps"); sv != nil {
		for _, sm := range sv.Objs {
			if sm.Has("sequence") {
				for _, st := range sm.Objs("sequence") {
					if s := d.step(st); s != nil {
						job.Steps = append(job.Steps, s)
					}
				}
			} else if !sm.Given("sink") && !sm.Given("sequence") && len(sm.Unknown()) == 0 {
				d.errAt(sm.Pos, "a steps entry needs sequence: (a list of steps)")
			}
			for _, k := range sm.Objs("sink") {
				if s := d.sink(k); s != nil {
					sinks = append(sinks, s)
				}
			}
		}
	}
	for _, om := range m.Objs("outputs") {
		if o := d.output(om); o != nil {
			job.Outputs = append(job.Outputs, o)
		}
	}
	if len(sinks) > 0 || len(d.depots) > 0 {
		d.legacyOutputs(job, sinks)
	}
	for _, am := range m.Objs("actions") {
		if a := d.action(am); a != nil {
			job.Actions = append(job.Actions, a)
		}
	}
	d.jobQuality(job, m)
	if rm := m.Obj("rewriteDataset"); rm != nil && rm.Str("mode") == "full" {
		job.Actions = append(job.Actions, rewriteAll(rm.Pos))
	}
}

// rewriteAll is job.rewriteDataset {mode: full}: rewrite_dataset with
// properties.rewrite-all.
func rewriteAll(p Pos) *Action {
	props := spec.NewValues(spec.RewriteProperties, p)
	props.Set(&spec.Value{Field: spec.RewriteProperties.Field("rewrite-all"), Key: "rewrite-all", KeyPos: p, Pos: p, Bool: true, Str: "true"})
	opts := spec.NewValues(spec.RewriteDataset, p)
	opts.Set(&spec.Value{Field: spec.RewriteDataset.Field("properties"), Key: "properties", KeyPos: p, Pos: p, Obj: props})
	return &Action{Name: "rewrite_dataset", Options: opts, Pos: p}
}

// label names a thing in a message: "input city", or "the input" when it
// has no name.
func label(kind, name string) string {
	if name == "" {
		return "the " + kind
	}
	return kind + " " + name
}
