package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// tune applies a job's engine settings (plan.Tuning, from its Spark sizes
// and sparkConf) to its session until the session closes, and logs what was
// applied and what was capped or overridden (docs/tuning.md).
func (r *Runner) tune(ctx context.Context, ses *engine.Session, job *plan.Job) error {
	if job.Tuning == nil || r.DefineOnly {
		return nil
	}
	got, err := ses.Tune(ctx, job.Tuning.Settings)
	if err != nil {
		return &JobError{Job: job.Name, What: "engine settings", Pos: job.Pos, Err: err}
	}
	log := r.logger().With("job", job.Name)
	log.Info("engine settings from the job's Spark sizes", "threads", got.Threads, "memory_limit", got.MemoryLimit,
		"temp_directory", got.TempDir, "max_open_files", got.MaxOpenFiles)
	for _, n := range got.Notes {
		log.Info("engine setting adjusted", "note", n)
	}
	if job.Explain {
		r.Progress.Printf("engine of job %s: %s\n", job.Name, appliedText(got))
	}
	return nil
}

func appliedText(a engine.Applied) string {
	s := ""
	add := func(part string) {
		if s != "" {
			s += ", "
		}
		s += part
	}
	if a.Threads > 0 {
		add(fmt.Sprintf("%d threads", a.Threads))
	}
	if a.MemoryLimit != "" {
		add("memory limit " + a.MemoryLimit)
	}
	if a.TempDir != "" {
		add("temp directory " + a.TempDir)
	}
	if a.MaxOpenFiles > 0 {
		add(fmt.Sprintf("%d open files per partitioned write", a.MaxOpenFiles))
	}
	for _, n := range a.Notes {
		add(n)
	}
	if s == "" {
		s = "as the command set it"
	}
	return s
}

// explain prints a step's profiled plan: DuckDB's EXPLAIN ANALYZE, which
// runs the step once more to time each operator (explain: true).
func (r *Runner) explain(ctx context.Context, ses *engine.Session, st *plan.Step) error {
	p, took, err := ses.ExplainAnalyze(ctx, "SELECT * FROM "+engine.QuoteIdent(st.View))
	if err != nil {
		return err
	}
	r.Progress.Printf("plan of step %s (EXPLAIN ANALYZE: the step ran in %s):\n%s\n", st.View, took.Round(time.Millisecond), p)
	return nil
}
