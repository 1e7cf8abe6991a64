package workflow

import (
	"context"
	"time"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// tune resolves the engine settings a job asks for (plan.Tuning, from its
// Spark sizes and sparkConf, and its time zone) against the command's, and
// logs what was applied and what was capped or overridden
// (docs/tuning.md). The job's session is opened with the result.
func (r *Runner) tune(ctx context.Context, job *plan.Job) (engine.Overrides, []string, error) {
	o := job.Overrides()
	if job.Tuning == nil || r.DefineOnly || r.Engines == nil {
		return engine.Overrides{TimeZone: o.TimeZone}, nil, nil
	}
	got, notes, err := r.Engines.Tune(ctx, o)
	if err != nil {
		return got, nil, &JobError{Job: job.Name, What: "engine settings", Pos: job.Pos, Err: err}
	}
	log := r.logger().With("job", job.Name)
	log.Info("engine settings from the job's Spark sizes", "threads", got.Threads, "memory_limit", got.MemoryLimit,
		"temp_directory", got.TempDir, "max_open_files", got.MaxOpenFiles)
	for _, n := range notes {
		log.Info("engine setting adjusted", "note", n)
	}
	return got, notes, nil
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
