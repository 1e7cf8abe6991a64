package plan

import (
	"fmt"
	"math"
	"strings"

	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Tuning is a job's engine settings, from its Spark sizes (stackSpec.driver
// and .executor, or spark.executor.* and spark.driver.* in sparkConf) and
// its sparkConf (spark.local.dir, spark.sql.maxConcurrentOutputFileWriters);
// docs/tuning.md has the table. The runner applies them while the job runs
// (engine.Session.Tune): the CLI's --threads and --memory-limit win, and
// threads and memory are capped at what this machine has.
type Tuning struct {
	// Threads, MemoryLimit, TempDir and MaxOpenFiles are the job's
	// engine settings (engine.Overrides); zero values keep the command's.
	Threads      int
	MemoryLimit  string
	TempDir      string
	MaxOpenFiles int
	// From says where each setting comes from, for flare plan.
	From []string
}

// sparkSizes are one side's (driver or executor) sizes, from the stack
// section and sparkConf.
type sparkSizes struct {
	cores, instances int
	coreLimit        float64
	memory           int64
	memText          string
	// pos are where each size was given, by key (cores, memory, ...).
	pos map[string]spec.Pos
}

// threads is the side's task slots: cores (capped by coreLimit) times
// instances; 0 when neither cores nor coreLimit is given.
func (s sparkSizes) threads() int {
	per := s.cores
	if s.coreLimit > 0 {
		limit := int(math.Max(1, math.Floor(s.coreLimit)))
		if per == 0 || limit < per {
			per = limit
		}
	}
	return per * max(1, s.instances)
}

func (s sparkSizes) given(key string) bool { _, ok := s.pos[key]; return ok }

// sizes gathers one side's sizes: r from the stack section, conf keys
// spark.<side>.cores / .instances / .memory. A size given in both places
// with different values is an error.
func (jc *jobCompiler) sizes(side string, r *manifest.Resources) sparkSizes {
	s := sparkSizes{pos: map[string]spec.Pos{}}
	if r != nil {
		s.cores, s.instances, s.memText = r.Cores, r.Instances, r.Memory
		for k, p := range r.KeyPos {
			s.pos[k] = p
		}
		if r.CoreLimit != "" {
			s.coreLimit, _ = spec.ParseCPU(r.CoreLimit) // checked by the spec
		}
	}
	for _, k := range []string{"cores", "instances", "memory"} {
		key := "spark." + side + "." + k
		if side == "driver" && k == "instances" {
			continue
		}
		v := jc.conf.Get(key)
		if v == nil {
			continue
		}
		if _, both := s.pos[k]; both {
			if a, b := fmt.Sprint(jc.sizeValue(s, k)), strings.TrimSpace(v.Str); !strings.EqualFold(a, b) {
				jc.errAt(v.KeyPos, "sparkConf %s is %s, but stackSpec.%s.%s is %s (at %s): give one", key, b, side, k, a, s.pos[k])
			}
			continue
		}
		switch k {
		case "cores":
			s.cores = int(v.Int)
		case "instances":
			s.instances = int(v.Int)
		case "memory":
			s.memText = v.Str
		}
		s.pos[k] = v.KeyPos
	}
	if s.memText != "" {
		s.memory, _ = spec.ParseMemory(s.memText) // checked by the spec
	}
	return s
}

func (jc *jobCompiler) sizeValue(s sparkSizes, k string) any {
	switch k {
	case "cores":
		return s.cores
	case "instances":
		return s.instances
	}
	return s.memText
}

// tuning compiles the job's engine settings (docs/tuning.md). The
// executors do a Spark job's work, so their sizes set the engine's threads
// (cores × instances) and memory limit (memory × instances); a job with no
// executor sizes ran its tasks in the driver, whose sizes then apply. Sizes
// that set nothing get a note.
func (jc *jobCompiler) tuning() {
	j := jc.job
	if j.Driver != nil && j.Driver.Instances > 0 {
		jc.errAt(j.Driver.KeyPos["instances"], "job %s: stackSpec.driver.instances: a Spark job has one driver; instances applies to executors", j.Name)
	}
	ex := jc.sizes("executor", j.Executor)
	dr := jc.sizes("driver", j.Driver)
	t := &Tuning{}
	note := func(pos spec.Pos, what, why string) {
		jc.notes.Add(pos, "job %s: %s: no effect here, %s (docs/tuning.md)", j.Name, what, why)
	}
	// Driver sizes that the executors' override, noted once per job.
	var unused []string
	var unusedPos spec.Pos
	unusedDriver := func(k string) {
		if dr.given(k) {
			if len(unused) == 0 {
				unusedPos = dr.pos[k]
			}
			unused = append(unused, k)
		}
	}
	switch {
	case ex.threads() > 0:
		t.Threads = ex.threads()
		t.From = append(t.From, fmt.Sprintf("threads %d from executor %s", t.Threads, coresText(ex)))
		unusedDriver("cores")
		unusedDriver("coreLimit")
	case dr.threads() > 0:
		t.Threads = dr.threads()
		t.From = append(t.From, fmt.Sprintf("threads %d from driver %s", t.Threads, coresText(dr)))
	}
	switch {
	case ex.memory > 0:
		total := ex.memory * int64(max(1, ex.instances))
		t.MemoryLimit = sizeText(total)
		t.From = append(t.From, fmt.Sprintf("memory limit %s from executor memory %s × %d", t.MemoryLimit, ex.memText, max(1, ex.instances)))
		unusedDriver("memory")
	case dr.memory > 0:
		t.MemoryLimit = sizeText(dr.memory)
		t.From = append(t.From, fmt.Sprintf("memory limit %s from driver memory %s", t.MemoryLimit, dr.memText))
	}
	if len(unused) > 0 {
		note(unusedPos, "driver "+strings.Join(unused, ", "), "the executors' sizes set the engine's threads and memory limit")
	}
	if ex.given("instances") && ex.threads() == 0 && ex.memory == 0 {
		note(ex.pos["instances"], "executor instances", "without executor cores or memory there is nothing to multiply")
	}
	if v := jc.conf.Get("spark.local.dir"); v != nil {
		dir := strings.TrimSpace(strings.Split(v.Str, ",")[0])
		if dir == "" {
			jc.errAt(v.Pos, "job %s: spark.local.dir is empty", j.Name)
		}
		t.TempDir = dir
		t.From = append(t.From, "temp directory "+dir+" from spark.local.dir")
	}
	if v := jc.conf.Get("spark.sql.maxConcurrentOutputFileWriters"); v != nil && v.Int > 0 {
		t.MaxOpenFiles = int(v.Int)
		t.From = append(t.From, fmt.Sprintf("%d open files per partitioned write from spark.sql.maxConcurrentOutputFileWriters", t.MaxOpenFiles))
	}
	if len(t.From) > 0 {
		jc.pj.Tuning = t
	}
}

func coresText(s sparkSizes) string {
	var parts []string
	if s.cores > 0 {
		parts = append(parts, fmt.Sprintf("%d cores", s.cores))
	}
	if s.coreLimit > 0 {
		parts = append(parts, fmt.Sprintf("coreLimit %g", s.coreLimit))
	}
	t := strings.Join(parts, ", ")
	if s.instances > 1 {
		t += fmt.Sprintf(" × %d instances", s.instances)
	}
	return t
}

// sizeText writes a byte count as DuckDB reads it, in whole MiB.
func sizeText(b int64) string {
	return fmt.Sprintf("%dMiB", (b+(1<<20)-1)>>20)
}
