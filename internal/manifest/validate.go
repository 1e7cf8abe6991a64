package manifest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// PosAt returns the position of a byte offset of the step's SQL.
func (s *Step) PosAt(offset int) Pos {
	if len(s.lines) == 0 {
		return s.SQLPos
	}
	return spanPos(s.SQLPos.File, s.lines, offset)
}

// validate checks what needs the whole workflow: names, references,
// dependencies and cycles.
func (d *decoder) validate(wf *Workflow) {
	jobs := map[string]*Job{}
	var names []string
	for _, j := range wf.Jobs {
		if j.Name == "" {
			continue
		}
		if prev, dup := jobs[j.Name]; dup {
			d.errAt(j.Pos, "job name %q is used twice (first at %s)", j.Name, prev.Pos)
			continue
		}
		jobs[j.Name] = j
		names = append(names, j.Name)
	}
	for _, j := range wf.Jobs {
		for i, dep := range j.Dependencies {
			p := j.Pos
			if i < len(j.depPos) {
				p = j.depPos[i]
			}
			switch {
			case dep == j.Name:
				d.errAt(p, "job %s depends on itself", j.Name)
			case jobs[dep] == nil:
				d.errAt(p, "job %s depends on unknown job %s; jobs are: %s%s", j.Name, dep, strings.Join(names, ", "), spec.DidYouMean(dep, names))
			}
		}
		d.validateJob(j)
	}
	d.cycles(wf, jobs)
}

// cycles reports each dependency cycle once.
func (d *decoder) cycles(wf *Workflow, jobs map[string]*Job) {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(j *Job)
	visit = func(j *Job) {
		state[j.Name] = active
		path = append(path, j.Name)
		for _, dep := range j.Dependencies {
			next := jobs[dep]
			if next == nil || dep == j.Name {
				continue
			}
			switch state[dep] {
			case active:
				start := 0
				for i, n := range path {
					if n == dep {
						start = i
					}
				}
				cyc := append(append([]string(nil), path[start:]...), dep)
				d.errAt(next.Pos, "dependency cycle: %s", strings.Join(cyc, " -> "))
			case unseen:
				visit(next)
			}
		}
		path = path[:len(path)-1]
		state[j.Name] = done
	}
	for _, j := range wf.Jobs {
		if j.Name != "" && state[j.Name] == unseen && jobs[j.Name] == j {
			visit(j)
		}
	}
}

// validateJob checks names and references inside one job.
func (d *decoder) validateJob(j *Job) {
	if j.Toolbox != nil {
		return
	}
	if j.decoded && len(j.Inputs) == 0 && len(j.Actions) == 0 && len(j.Steps) == 0 && len(j.Outputs) == 0 {
		d.errAt(j.Pos, "job %s has nothing to do: expected inputs, steps and outputs, or actions", j.Name)
	}
	views := map[string]string{} // lower name -> kind
	inputs := map[string]*Input{}
	var inputNames []string
	for _, in := range j.Inputs {
		if in.Name == "" {
			continue
		}
		key := strings.ToLower(in.Name)
		if _, dup := views[key]; dup {
			d.errAt(in.Pos, "input name %q is used twice in job %s", in.Name, j.Name)
			continue
		}
		views[key] = "input"
		inputs[in.Name] = in
		inputNames = append(inputNames, in.Name)
	}
	// What a step's SQL, a command or an output reads is checked when the
	// manifest is compiled (internal/plan), where the engine parses the SQL.
	for _, s := range j.Steps {
		if s.Name == "" {
			continue
		}
		if kind, dup := views[strings.ToLower(s.Name)]; dup {
			d.errAt(s.Pos, "step name %q is used twice in job %s (%s)", s.Name, j.Name, kindArticle(kind))
			continue
		}
		views[strings.ToLower(s.Name)] = "step"
	}
	for _, a := range j.Actions {
		switch {
		case a.Input == "" && len(inputNames) == 1:
			a.Input = inputNames[0]
		case a.Input == "":
			d.errAt(a.Pos, "action %s needs input: the job has %d inputs (%s)", a.Name, len(inputNames), listOrNone(inputNames))
		case inputs[a.Input] == nil:
			d.errAt(a.Pos, "action %s: input %q is not an input of job %s (inputs: %s)%s", a.Name, a.Input, j.Name, listOrNone(inputNames), spec.DidYouMean(a.Input, inputNames))
		}
	}
}

func kindArticle(kind string) string {
	if kind == "input" {
		return "an input has that name"
	}
	return "an earlier step has that name"
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// Order returns the jobs so that every job comes after its dependencies,
// keeping the manifest's order where dependencies allow.
func (w *Workflow) Order() ([]*Job, error) {
	index := map[string]int{}
	for i, j := range w.Jobs {
		index[j.Name] = i
	}
	indeg := make([]int, len(w.Jobs))
	users := make([][]int, len(w.Jobs))
	for i, j := range w.Jobs {
		for _, dep := range j.Dependencies {
			k, ok := index[dep]
			if !ok {
				return nil, fmt.Errorf("job %s depends on unknown job %s", j.Name, dep)
			}
			indeg[i]++
			users[k] = append(users[k], i)
		}
	}
	var ready []int
	for i := range w.Jobs {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	out := make([]*Job, 0, len(w.Jobs))
	for len(ready) > 0 {
		sort.Ints(ready)
		i := ready[0]
		ready = ready[1:]
		out = append(out, w.Jobs[i])
		for _, u := range users[i] {
			if indeg[u]--; indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) != len(w.Jobs) {
		return nil, fmt.Errorf("workflow %s: dependency cycle among its jobs", w.Name)
	}
	return out, nil
}
