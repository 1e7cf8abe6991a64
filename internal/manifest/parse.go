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
)

// Options are the settings of Load and Parse.
type Options struct {
	// Vars fill ${name} first (flare --var name=value).
	Vars map[string]string
	// LookupEnv fills the ${name} that Vars do not; nil means no
	// environment (os.LookupEnv is the usual choice).
	LookupEnv func(string) (string, bool)
}

// Load reads a manifest file and parses it.
func Load(path string, opt Options) (*Workflow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return Parse(path, data, opt)
}

// Parse decodes and validates a manifest. file names it in positions and
// is the base of relative sqlFile paths. On failure the error is an
// ErrorList holding every problem found, sorted by position.
func Parse(file string, data []byte, opt Options) (*Workflow, error) {
	d := &decoder{
		file:   file,
		dir:    filepath.Dir(file),
		lines:  strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"),
		opt:    opt,
		depots: map[string]*legacyDepot{},
	}
	wf := d.parse(data)
	if wf != nil {
		d.validate(wf)
		d.warns.Sort()
		wf.Warnings = d.warns
	}
	if len(d.errs) > 0 {
		d.errs.Sort()
		return nil, d.errs
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
	d.errAt(Pos{File: d.file, Line: line}, "bad YAML: %s", msg)
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

func (d *decoder) parse(data []byte) *Workflow {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(Pos{File: d.file, Line: 1, Col: 1}, "empty manifest: expected a Workflow (version, name, type: workflow, workflow.dag)")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		if len(next.Content) > 0 && !isNull(next.Content[0]) {
			d.errorf(next.Content[0], "a second YAML document: put one workflow in a file (split the file at ---)")
		}
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	d.expandTree(&doc, false, map[*yaml.Node]bool{})
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.errAt(Pos{File: d.file, Line: 1, Col: 1}, "empty manifest: expected a Workflow (version, name, type: workflow, workflow.dag)")
		return nil
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "expected a Workflow, a dag entry or a Flare job (a mapping), found %s", describe(root))
		return nil
	}
	top := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		top[camelKey(root.Content[i].Value)] = true
	}
	wf := &Workflow{File: d.file, Type: "workflow", Pos: d.pos(root)}
	switch {
	case top["workflow"] || top["type"] || top["version"]:
		d.workflowResource(wf, root)
	case top["spec"]:
		m := d.mapping(root, "the dag entry", dagKeys, nil)
		if job := d.dagEntry(root, m); job != nil {
			wf.Name = job.Name
			wf.Jobs = []*Job{job}
		}
	case top["job"] || top["stackSpec"] || top["flare"]:
		if top["stackSpec"] || top["flare"] {
			d.errorf(root, "expected a Workflow, a dag entry (name, spec) or a stack section (job: ...); found a stack section without its dag entry: put the keys under it at the top level, or add name and spec")
			return nil
		}
		name := strings.TrimSuffix(filepath.Base(d.file), filepath.Ext(d.file))
		job := &Job{Name: name, Stack: "flare", Pos: d.pos(root)}
		d.stackSection(job, root)
		wf.Name = name
		wf.Jobs = []*Job{job}
	default:
		d.errorf(root, "expected a Workflow (version, name, type: workflow, workflow.dag), a dag entry (name, spec) or a Flare job (job: ...); found keys %s", keyList(root))
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

var (
	workflowKeys = []string{"version", "name", "type", "tags", "title", "description", "workspace", "layer", "owner", "workflow"}
	wfBodyKeys   = []string{"title", "description", "schedule", "dag"}
	scheduleKeys = []string{"cron", "concurrencyPolicy", "endOn", "startOn", "timezone"}
	dagKeys      = []string{"name", "title", "description", "spec", "dependencies"}
	specKeys     = []string{"stack", "compute", "tags", "envs", "tempVolume", "stackSpec", "flare", "toolbox", "sparkConf"}
	stackKeys    = []string{"driver", "executor", "sparkConf", "job", "actions", "configs"}
	sizeKeys     = []string{"coreLimit", "cores", "memory", "instances"}
	jobKeys      = []string{"explain", "logLevel", "showPreviewLines", "variables", "streaming", "inputs", "steps", "outputs", "actions", "assertions", "sparkConf", "rewriteDataset"}
	streamKeys   = []string{"triggerMode", "triggerDuration", "outputMode", "checkpointLocation", "forEachBatchMode", "batchMode", "extraOptions", "showPreviewLines"}
	toolboxKeys  = []string{"dataset", "action"}
	logLevels    = []string{"ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"}
)

func (d *decoder) workflowResource(wf *Workflow, root *yaml.Node) {
	m := d.mapping(root, "the Workflow", workflowKeys, nil)
	if m == nil {
		return
	}
	wf.Version = d.str(m.get("version"), "version")
	wf.Name = d.str(m.get("name"), "name")
	if wf.Name == "" {
		d.errAt(d.keyPos(m, "name"), "the Workflow needs a name")
	}
	if t := m.get("type"); t == nil {
		d.errAt(d.pos(root), "the Workflow needs type: workflow")
	} else if v := d.lower(t, "type"); v != "workflow" {
		d.errorf(t, "expected type: workflow, found %q (only Workflow resources run here)", resolve(t).Value)
	}
	wf.Title = d.str(m.get("title"), "title")
	wf.Description = d.str(m.get("description"), "description")
	wf.Tags = d.strList(m.get("tags"), "tags", false)
	body := m.get("workflow")
	if body == nil {
		d.errAt(d.pos(root), "the Workflow needs workflow.dag (the list of jobs)")
		return
	}
	bm := d.mapping(body, "workflow", wfBodyKeys, nil)
	if bm == nil {
		return
	}
	if bm.has("title") && wf.Title == "" {
		wf.Title = d.str(bm.get("title"), "title")
	}
	if bm.has("description") && wf.Description == "" {
		wf.Description = d.str(bm.get("description"), "description")
	}
	if s := bm.get("schedule"); s != nil {
		if sm := d.mapping(s, "workflow.schedule", scheduleKeys, nil); sm != nil {
			wf.Schedule = d.str(sm.get("cron"), "schedule.cron")
		}
	}
	dag := bm.get("dag")
	if dag == nil {
		d.errAt(d.pos(resolve(body)), "workflow needs dag (the list of jobs)")
		return
	}
	if n := resolve(dag); n.Kind != yaml.SequenceNode {
		d.errorf(n, "expected workflow.dag to be a list of jobs, found %s", describe(n))
		return
	}
	items := d.seq(dag, "workflow.dag")
	if len(items) == 0 {
		d.errorf(dag, "workflow.dag is empty: expected a list of jobs")
	}
	for _, it := range items {
		em := d.mapping(it, "a dag entry", dagKeys, nil)
		if em == nil {
			continue
		}
		if job := d.dagEntry(it, em); job != nil {
			wf.Jobs = append(wf.Jobs, job)
		}
	}
}

// dagEntry decodes {name, title, description, dependencies, spec}.
func (d *decoder) dagEntry(n *yaml.Node, m *mapping) *Job {
	if m == nil {
		return nil
	}
	job := &Job{Pos: d.pos(n)}
	job.Name = d.str(m.get("name"), "the job name")
	if job.Name == "" {
		d.errAt(d.keyPos(m, "name"), "a dag entry needs a name")
	}
	job.Title = d.str(m.get("title"), "title")
	job.Description = d.str(m.get("description"), "description")
	if dn := resolve(m.get("dependencies")); dn != nil {
		job.Dependencies = d.strList(dn, "dependencies", true)
		if dn.Kind == yaml.SequenceNode {
			for _, c := range dn.Content {
				job.depPos = append(job.depPos, d.pos(c))
			}
		} else {
			job.depPos = []Pos{d.pos(dn)}
		}
	}
	spec := m.get("spec")
	if spec == nil {
		d.errAt(d.pos(n), "job %s needs a spec (stack and stackSpec)", job.Name)
		return job
	}
	sm := d.mapping(spec, "the job spec", specKeys, nil)
	if sm == nil {
		return job
	}
	job.Stack = d.str(sm.get("stack"), "stack")
	job.Compute = d.str(sm.get("compute"), "compute")
	job.Tags = d.strList(sm.get("tags"), "tags", false)
	job.Envs = d.strMap(sm.get("envs"), "envs")
	job.TempVolume = d.str(sm.get("tempVolume"), "tempVolume")
	stack := strings.ToLower(job.Stack)
	var section *yaml.Node
	var sectionKey string
	for _, k := range []string{"stackSpec", "flare", "toolbox"} {
		if sm.has(k) {
			if section != nil {
				d.errAt(d.keyPos(sm, k), "give the stack section once: both %s and %s are here", sectionKey, k)
				continue
			}
			section, sectionKey = sm.get(k), k
		}
	}
	switch {
	case job.Stack == "":
		d.errAt(d.keyPos(sm, "stack"), "job %s needs a stack (flare:6.0)", job.Name)
		return job
	case stack == "toolbox" || strings.HasPrefix(stack, "toolbox:"):
		if section == nil || sectionKey == "flare" {
			d.errAt(d.pos(spec), "toolbox job %s needs a stackSpec (or toolbox) section", job.Name)
			return job
		}
		d.toolbox(job, section)
		return job
	case stack != "flare" && !flareStackRE.MatchString(stack):
		d.errorf(sm.get("stack"), "unsupported stack %q: expected flare:N.M (for example flare:6.0) or toolbox", job.Stack)
		return job
	}
	if section == nil || sectionKey == "toolbox" {
		d.errAt(d.pos(spec), "job %s needs a stackSpec section (also spelled flare)", job.Name)
		return job
	}
	if sm.has("sparkConf") {
		job.SparkConf = map[string]string{}
		job.confPos = map[string]Pos{}
		d.confList(sm.get("sparkConf"), job.SparkConf, job.confPos)
	}
	d.stackSection(job, section)
	return job
}

var flareStackRE = regexp.MustCompile(`^flare:\d+(\.\d+)*$`)

func (d *decoder) toolbox(job *Job, n *yaml.Node) {
	m := d.mapping(n, "the toolbox section", toolboxKeys, nil)
	if m == nil {
		return
	}
	tb := &Toolbox{Pos: d.pos(n), Dataset: d.str(m.get("dataset"), "dataset")}
	if tb.Dataset == "" {
		d.errAt(d.keyPos(m, "dataset"), "toolbox job %s needs a dataset", job.Name)
	}
	if am := d.mapping(m.get("action"), "the toolbox action", []string{"name", "value"}, nil); am != nil {
		tb.Action = d.oneOf(am.get("name"), "toolbox action", "set_version")
		tb.ActionValue = d.str(am.get("value"), "value")
		if tb.Action == "" {
			d.errAt(d.keyPos(m, "action"), "toolbox job %s needs action.name (set_version)", job.Name)
		}
	}
	job.Toolbox = tb
}

// stackSection decodes the stack section: driver, executor, sparkConf, job, actions.
func (d *decoder) stackSection(job *Job, n *yaml.Node) {
	m := d.mapping(n, "the stack section", stackKeys, misplaced{
		"inputs":  "inputs belong under job: (stackSpec.job.inputs)",
		"steps":   "steps belong under job: (stackSpec.job.steps)",
		"outputs": "outputs belong under job: (stackSpec.job.outputs)",
	})
	if m == nil {
		return
	}
	job.decoded = true
	job.Driver = d.resources(m.get("driver"), "driver")
	job.Executor = d.resources(m.get("executor"), "executor")
	if job.SparkConf == nil {
		job.SparkConf = map[string]string{}
		job.confPos = map[string]Pos{}
	}
	d.confList(m.get("sparkConf"), job.SparkConf, job.confPos)
	jn := m.get("job")
	if jn == nil && !m.has("actions") {
		d.errAt(d.pos(n), "job %s: the stack section needs job: (inputs, steps, outputs)", job.Name)
	}
	// LogLevel stays empty when not given: the CLI then shows progress lines
	// and warnings only (docs/cli.md).
	if jn != nil {
		d.jobBody(job, jn)
	}
	if m.has("actions") {
		job.Actions = append(job.Actions, d.actions(m.get("actions"))...)
	}
}

func (d *decoder) resources(n *yaml.Node, what string) *Resources {
	if n == nil {
		return nil
	}
	m := d.mapping(n, what, sizeKeys, nil)
	if m == nil {
		return nil
	}
	get := func(k string) string {
		v, ok := scalarText(m.get(k))
		if !ok {
			d.errorf(m.get(k), "expected %s.%s to be a plain value, found %s", what, k, describe(m.get(k)))
		}
		return v
	}
	return &Resources{CoreLimit: get("coreLimit"), Cores: get("cores"), Memory: get("memory"), Instances: get("instances")}
}

func (d *decoder) jobBody(job *Job, n *yaml.Node) {
	m := d.mapping(n, "job", jobKeys, misplaced{
		"partitionSpec": "partitionSpec belongs to an output: outputs[].options.iceberg.partitionSpec",
		"name":          "the job's name is the dag entry's name, not job.name",
	})
	if m == nil {
		return
	}
	d.depots = map[string]*legacyDepot{}
	job.Explain = d.boolean(m.get("explain"), "explain")
	if ln := m.get("logLevel"); ln != nil {
		v := strings.ToUpper(strings.TrimSpace(d.str(ln, "logLevel")))
		if v == "WARNING" {
			v = "WARN"
		}
		found := false
		for _, l := range logLevels {
			found = found || l == v
		}
		if !found {
			d.errorf(ln, "unknown logLevel %q%s", resolve(ln).Value, hint(v, logLevels))
		} else {
			job.LogLevel = v
		}
	}
	if sn := m.get("showPreviewLines"); sn != nil {
		job.ShowPreviewLines = d.integer(sn, "showPreviewLines")
		if job.ShowPreviewLines < 0 {
			d.errorf(sn, "showPreviewLines must be 0 or more")
		}
	}
	job.Variables = d.strMap(m.get("variables"), "job.variables")
	d.confList(m.get("sparkConf"), job.SparkConf, job.confPos)
	if sn := m.get("streaming"); sn != nil {
		job.Streaming = d.streaming(job, sn)
	}
	for _, in := range d.seq(m.get("inputs"), "job.inputs") {
		if i := d.input(in); i != nil {
			job.Inputs = append(job.Inputs, i)
		}
	}
	var sinks []*sink
	for _, sn := range d.seq(m.get("steps"), "job.steps") {
		if looksLikeStep(sn) {
			d.errorf(sn, "a steps entry is {sequence: [step, ...]}: put this step under sequence:")
			continue
		}
		sm := d.mapping(sn, "a steps entry", []string{"sequence", "sink"}, nil)
		if sm == nil {
			continue
		}
		if sq := sm.get("sequence"); sq != nil {
			if r := resolve(sq); r.Kind != yaml.SequenceNode {
				d.errorf(r, "expected sequence to be a list of steps, found %s", describe(r))
			} else {
				for _, st := range d.seq(sq, "sequence") {
					if s := d.step(st); s != nil {
						job.Steps = append(job.Steps, s)
					}
				}
			}
		} else if !sm.has("sink") {
			d.errorf(sn, "a steps entry needs sequence: (a list of steps)")
		}
		for _, k := range d.seq(sm.get("sink"), "sink") {
			if s := d.sink(k); s != nil {
				sinks = append(sinks, s)
			}
		}
	}
	for _, on := range d.seq(m.get("outputs"), "job.outputs") {
		if o := d.output(on); o != nil {
			job.Outputs = append(job.Outputs, o)
		}
	}
	if len(sinks) > 0 || len(d.depots) > 0 {
		d.legacyOutputs(job, sinks)
	}
	job.Actions = append(job.Actions, d.actions(m.get("actions"))...)
	if rn := m.get("rewriteDataset"); rn != nil {
		if rm := d.mapping(rn, "rewriteDataset", []string{"mode"}, nil); rm != nil {
			if mode := d.oneOf(rm.get("mode"), "rewriteDataset mode", "full"); mode == "full" {
				job.Actions = append(job.Actions, &Action{Name: "rewrite_dataset", Options: map[string]string{},
					Properties: map[string]string{"rewrite-all": "true"}, Pos: d.pos(resolve(rn))})
			}
		}
	}
	for _, an := range d.seq(m.get("assertions"), "assertions") {
		var v map[string]any
		if err := an.Decode(&v); err != nil || v == nil {
			d.errorf(an, "expected an assertion (a mapping), found %s", describe(an))
			continue
		}
		job.Assertions = append(job.Assertions, normalizeAny(v).(map[string]any))
	}
	if len(job.Assertions) > 0 {
		d.warnf(m.get("assertions"), "job %s: assertions are kept but not checked by Flare-Go yet", job.Name)
	}
}

func (d *decoder) streaming(job *Job, n *yaml.Node) *Streaming {
	m := d.mapping(n, "job.streaming", streamKeys, nil)
	if m == nil {
		return nil
	}
	s := &Streaming{Pos: d.pos(resolve(n))}
	s.TriggerMode = d.lower(m.get("triggerMode"), "triggerMode")
	if s.TriggerMode == "onetime" {
		s.TriggerMode = "once"
	}
	if s.TriggerMode != "" {
		d.oneOfValue(m.get("triggerMode"), s.TriggerMode, "triggerMode", "processingtime", "once", "availablenow", "continuous")
	}
	s.TriggerDuration = d.str(m.get("triggerDuration"), "triggerDuration")
	s.OutputMode = d.oneOf(m.get("outputMode"), "outputMode", "append", "complete", "update")
	s.CheckpointLocation = d.str(m.get("checkpointLocation"), "checkpointLocation")
	s.ForEachBatchMode = d.boolean(m.get("forEachBatchMode"), "forEachBatchMode")
	s.BatchMode = d.boolean(m.get("batchMode"), "batchMode")
	s.ExtraOptions = d.strMap(m.get("extraOptions"), "streaming.extraOptions")
	if sp := m.get("showPreviewLines"); sp != nil && job.ShowPreviewLines == 0 {
		job.ShowPreviewLines = d.integer(sp, "showPreviewLines")
	}
	return s
}

// oneOfValue checks an already normalised value against allowed words.
func (d *decoder) oneOfValue(n *yaml.Node, v, what string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	d.errorf(n, "unknown %s %q%s", what, resolve(n).Value, hint(v, allowed))
}

// looksLikeStep reports whether a steps[] entry is a step written without
// its sequence (it has name or sql, and neither sequence nor sink).
func looksLikeStep(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	step, seq := false, false
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "name", "sql", "sqlFile":
			step = true
		case "sequence", "sink":
			seq = true
		}
	}
	return step && !seq
}
