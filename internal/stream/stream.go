package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/kafka"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// StateKeyPrefix starts the state keys of stream jobs in the snapshot
// summaries of their output tables.
const StateKeyPrefix = lakehouse.StatePrefix + "stream."

// LogFile is the batch log in a stream's checkpoint folder.
const LogFile = "batches.jsonl"

// IdlePoll is how often a ProcessingTime stream with a zero interval looks
// for new records when there are none.
const IdlePoll = 200 * time.Millisecond

// Options tune Run.
type Options struct {
	// Stop, when closed, ends the stream once the running batch is
	// committed (a first SIGINT/SIGTERM). Cancelling the context aborts
	// the running batch instead. nil: runs until the trigger ends it.
	Stop <-chan struct{}
	// Out receives a line per batch (batch id, records, lag, duration,
	// latency). nil: discarded.
	Out io.Writer
	// Environ holds the Kafka depots' security settings (os.Environ()).
	Environ []string
	// Logger receives warnings; nil: slog.Default().
	Logger *slog.Logger
}

// Runner runs stream jobs with a configured workflow runner, which writes
// each batch (the Runner is copied, never changed).
type Runner struct {
	Base *workflow.Runner
	Options
}

// State is what an output table holds of a stream: its last batch and
// that batch's offsets per input view.
type State struct {
	Batch   int64                  `json:"batch"`
	Sources map[string]SourceRange `json:"sources"`
	// raw is the value as the table holds it (what a commit expects).
	raw string
}

// SourceRange is what one input read in a batch: for a Kafka input the
// records in [Start, End); for a folder, the files New (paths inside the
// depot), Files being every file read by this batch and the ones before.
type SourceRange struct {
	Start kafka.Offsets `json:"start,omitempty"`
	End   kafka.Offsets `json:"end,omitempty"`
	Files []string      `json:"files,omitempty"`
	New   []string      `json:"new,omitempty"`
}

// BatchLog is one line of the batch log and of Run's report.
type BatchLog struct {
	Batch int64 `json:"batch"`
	// Replay is set when the batch was committed by some outputs before a
	// crash and is written now to the others (Outputs).
	Replay  bool  `json:"replay,omitempty"`
	Records int64 `json:"records"`
	// Files is the number of files read from streamed folders.
	Files   int                    `json:"files,omitempty"`
	Lag     int64                  `json:"lag"`
	Outputs []string               `json:"outputs"`
	Sources map[string]SourceRange `json:"sources"`
	Started time.Time              `json:"started"`
	// DurationMS is from planning the batch to its last commit.
	DurationMS int64 `json:"durationMs"`
	// LatencyMS is from the oldest record's timestamp to the last commit
	// (end-to-end); MinLatencyMS from the newest one.
	LatencyMS    int64 `json:"latencyMs"`
	MinLatencyMS int64 `json:"minLatencyMs"`
}

// output is one output of the job that keeps stream state (an Iceberg
// append or merge).
type output struct {
	w      *plan.Write
	depot  string
	table  lakehouse.TableName
	branch string
	key    string
}

// source is one stream input: a Kafka subscription (reader) or a folder
// (folder).
type source struct {
	rd     *plan.Read
	reader *kafka.Reader
	// batch is the current batch's records (Load reads it).
	batch *kafka.Batch
	// folder is the depot of a streamed folder; files the current batch's
	// files (absolute paths).
	folder *depot.Depot
	files  []string
}

// StateKey is the state key of a job's output (lower case).
func StateKey(job, view string) string {
	return strings.ToLower(StateKeyPrefix + job + "." + view)
}

// Run runs a stream job until its trigger ends it, Options.Stop is closed
// or the context is cancelled (an error). It returns the outputs' reports
// summed over the batches.
func (r *Runner) Run(ctx context.Context, job *plan.Job) (_ []workflow.OutputReport, err error) {
	if job.Stream == nil {
		return nil, fmt.Errorf("job %s is not a stream job", job.Name)
	}
	s := &run{Runner: r, job: job, sources: map[string]*source{}, totals: map[string]*workflow.OutputReport{}}
	if s.log = r.Logger; s.log == nil {
		s.log = slog.Default()
	}
	defer s.close()
	if err := s.open(ctx); err != nil {
		return nil, &workflow.JobError{Job: job.Name, What: "stream", Pos: job.Pos, Err: err}
	}
	if err := s.loop(ctx); err != nil {
		return s.reports(), err
	}
	return s.reports(), nil
}

// run is one Run's state.
type run struct {
	*Runner
	job     *plan.Job
	log     *slog.Logger
	sources map[string]*source
	views   []string
	outputs []*output
	// files are the job's other outputs (file appends): written with every
	// new batch, at least once.
	others []*plan.Write
	totals map[string]*workflow.OutputReport
	order  []string
	// target is AvailableNow's end: the latest offsets when the run began.
	target map[string]kafka.Offsets
	// lastBatch is when the last batch started (minOffsetsPerTrigger's
	// delay counts from it).
	lastBatch time.Time
	logFile   *os.File
}

func (s *run) open(ctx context.Context) error {
	j := s.job
	for _, rd := range j.Reads {
		if rd.File != nil && rd.File.Stream {
			d, err := s.Base.Config.Depot(rd.File.Depot)
			if err != nil {
				return err
			}
			s.sources[rd.View] = &source{rd: rd, folder: d}
			s.views = append(s.views, rd.View)
			continue
		}
		if rd.Kafka == nil {
			continue
		}
		d, err := s.Base.Config.Depot(rd.Kafka.Depot)
		if err != nil {
			return err
		}
		cfg, err := kafka.ConfigFromDepot(d, s.Environ)
		if err != nil {
			return err
		}
		opts := kafka.ReadOptions{AllowDataLoss: !rd.Kafka.FailOnDataLoss, Logger: s.log}
		if j.Stream.Trigger != plan.TriggerOnce {
			// Once reads everything available in one batch, as Spark does.
			opts.MaxOffsetsPerTrigger = rd.Kafka.MaxOffsetsPerTrigger
		}
		rdr, err := kafka.NewReader(ctx, cfg, rd.Kafka.Subscription, opts)
		if err != nil {
			return fmt.Errorf("input %s: %w", rd.View, err)
		}
		s.sources[rd.View] = &source{rd: rd, reader: rdr}
		s.views = append(s.views, rd.View)
		if dl := rd.Kafka.DeadLetter; dl != nil {
			// The dead letters are one more Iceberg output of each batch,
			// with its own state.
			w := &plan.Write{View: deadLetterTable(rd.View), Pos: rd.Pos, Dataset: "dataos://" + dl.Depot + ":" + dl.Table.Collection + "/" + dl.Table.Dataset,
				Table: &plan.TableWrite{Depot: dl.Depot, Spec: lakehouse.WriteSpec{Table: dl.Table, Mode: lakehouse.Append}}}
			s.outputs = append(s.outputs, &output{w: w, depot: dl.Depot, table: dl.Table, key: StateKey(j.Name, "deadletter."+rd.View)})
		}
	}
	seen := map[string]bool{}
	for i, w := range j.Writes {
		o := &output{w: w}
		switch {
		case w.Table != nil:
			o.depot, o.table, o.branch = w.Table.Depot, w.Table.Spec.Table, w.Table.Spec.Branch
		case w.Merge != nil:
			o.depot, o.table, o.branch = w.Merge.Depot, w.Merge.Spec.Table, w.Merge.Spec.Branch
		default:
			s.others = append(s.others, w)
			continue
		}
		o.key = StateKey(j.Name, w.View)
		if seen[o.key] {
			o.key = fmt.Sprintf("%s.%d", o.key, i)
		}
		seen[o.key] = true
		s.outputs = append(s.outputs, o)
	}
	if cp := j.Stream.Checkpoint; cp != "" {
		if err := os.MkdirAll(cp, 0o755); err != nil {
			return fmt.Errorf("checkpoint folder: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(cp, LogFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("checkpoint batch log: %w", err)
		}
		s.logFile = f
	}
	return nil
}

func (s *run) close() {
	for _, src := range s.sources {
		if src.reader != nil {
			src.reader.Close()
		}
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// stopped reports whether Stop was closed.
func (s *run) stopped() bool {
	if s.Stop == nil {
		return false
	}
	select {
	case <-s.Stop:
		return true
	default:
		return false
	}
}

// wait sleeps d, or less when stopped or cancelled.
func (s *run) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.Stop:
	case <-ctx.Done():
	}
}

func (s *run) loop(ctx context.Context) error {
	st := s.job.Stream
	for {
		if s.stopped() {
			s.printf("stream %s: stopped\n", s.job.Name)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		began := time.Now()
		states, err := s.states(ctx)
		if err != nil {
			return s.fail(err)
		}
		lo, hi, err := s.span(states)
		if err != nil {
			return s.fail(err)
		}
		if hi == lo+1 {
			// Some outputs committed batch hi before a crash: the others
			// get it now, with the same offsets.
			if err := s.replay(ctx, states, hi, began); err != nil {
				return s.fail(err)
			}
			continue
		}
		ranges, records, lag, err := s.plan(ctx, states, lo)
		if err != nil {
			return s.fail(err)
		}
		if records == 0 && lo == 0 {
			// The first run pins where the stream starts (startingOffsets
			// latest would otherwise move on with every run): batch 1,
			// without records, commits its offsets to every output.
			s.lastBatch = began
			if err := s.batch(ctx, 1, ranges, lag, states, nil, true, began); err != nil {
				return s.fail(err)
			}
			continue
		}
		if records == 0 {
			if st.Trigger != plan.TriggerProcessingTime {
				if s.lastBatch.IsZero() {
					s.printf("stream %s: no new records\n", s.job.Name)
				}
				return nil
			}
			// Nothing new: look again later (a stop or cancel during the
			// wait is seen at the loop's top).
			s.wait(ctx, max(st.Interval, IdlePoll))
			continue
		}
		if st.Trigger == plan.TriggerProcessingTime && s.tooFew(records) {
			s.wait(ctx, max(st.Interval, IdlePoll))
			continue
		}
		s.lastBatch = began
		if err := s.batch(ctx, lo+1, ranges, lag, states, nil, true, began); err != nil {
			return s.fail(err)
		}
		if err := s.maintain(ctx, lo+1); err != nil { // maintain.go
			return s.fail(err)
		}
		if st.Trigger == plan.TriggerOnce {
			return nil
		}
		if st.Trigger == plan.TriggerProcessingTime {
			s.wait(ctx, time.Until(began.Add(st.Interval)))
		}
	}
}

func (s *run) fail(err error) error {
	var je *workflow.JobError
	if errors.As(err, &je) {
		return err
	}
	return &workflow.JobError{Job: s.job.Name, What: "stream", Pos: s.job.Pos, Err: err}
}

// tooFew applies minOffsetsPerTrigger and maxTriggerDelay.
func (s *run) tooFew(records int64) bool {
	for _, src := range s.sources {
		k := src.rd.Kafka
		if k != nil && k.MinOffsetsPerTrigger > 0 && records < k.MinOffsetsPerTrigger &&
			(s.lastBatch.IsZero() || time.Since(s.lastBatch) < k.MaxTriggerDelay) {
			if s.lastBatch.IsZero() {
				// The delay counts from the stream's start.
				s.lastBatch = time.Now()
			}
			return true
		}
	}
	return false
}

// states reads each output's stream state (nil: none yet).
func (s *run) states(ctx context.Context) ([]*State, error) {
	out := make([]*State, len(s.outputs))
	for i, o := range s.outputs {
		l, _, err := s.Base.Lakehouses.Get(ctx, o.depot)
		if err != nil {
			return nil, err
		}
		t, err := l.LoadTable(ctx, o.table)
		if errors.Is(err, lakehouse.ErrNoSuchTable) {
			continue
		}
		if err != nil {
			return nil, err
		}
		v, ok := t.State(o.branch)[o.key]
		if !ok {
			continue
		}
		st := State{raw: v}
		if err := json.Unmarshal([]byte(v), &st); err != nil {
			return nil, fmt.Errorf("output %s: table %s.%s holds stream state %s that is not JSON: %w", o.w.View, o.depot, o.table, o.key, err)
		}
		out[i] = &st
	}
	return out, nil
}

func batchOf(st *State) int64 {
	if st == nil {
		return 0
	}
	return st.Batch
}

// span is the lowest and highest batch the outputs hold; they may differ by
// one batch at most.
func (s *run) span(states []*State) (lo, hi int64, err error) {
	lo, hi = -1, -1
	for _, st := range states {
		b := batchOf(st)
		if lo < 0 || b < lo {
			lo = b
		}
		if b > hi {
			hi = b
		}
	}
	if hi > lo+1 {
		var parts []string
		for i, o := range s.outputs {
			parts = append(parts, fmt.Sprintf("%s at batch %d", o.w.View, batchOf(states[i])))
		}
		return 0, 0, fmt.Errorf("the outputs hold different batches of the stream (%s): an output added to a running stream, or a table rewritten; write the new output with a stream of its own", strings.Join(parts, ", "))
	}
	return lo, hi, nil
}

// plan decides the next batch's offsets from the outputs' state (batch
// lo), or from startingOffsets when no output holds one.
func (s *run) plan(ctx context.Context, states []*State, lo int64) (map[string]SourceRange, int64, int64, error) {
	var from *State
	for _, st := range states {
		if st != nil && st.Batch == lo {
			from = st
			break
		}
	}
	ranges := map[string]SourceRange{}
	var records, lag int64
	for _, view := range s.views {
		src := s.sources[view]
		if src.folder != nil {
			var done []string
			if from != nil {
				done = from.Sources[view].Files
			}
			rg, err := s.newFiles(src, done)
			if err != nil {
				return nil, 0, 0, fmt.Errorf("input %s: %w", view, err)
			}
			ranges[view] = rg
			records += int64(len(rg.New))
			continue
		}
		var start kafka.Offsets
		if from != nil {
			r, ok := from.Sources[view]
			if !ok {
				return nil, 0, 0, fmt.Errorf("input %s: the outputs' stream state (batch %d) has no offsets for it: an input added to a running stream", view, lo)
			}
			start = r.End
		} else {
			var err error
			if start, err = src.reader.InitialOffsets(ctx, src.rd.Kafka.StartingOffsets); err != nil {
				return nil, 0, 0, fmt.Errorf("input %s: %w", view, err)
			}
		}
		p, err := src.reader.Plan(ctx, start)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("input %s: %w", view, err)
		}
		if s.job.Stream.Trigger == plan.TriggerAvailableNow {
			if s.target == nil {
				s.target = map[string]kafka.Offsets{}
			}
			t, ok := s.target[view]
			if !ok {
				t = p.Latest.Clone()
				s.target[view] = t
			}
			for part, e := range p.End {
				lim, ok := t[part]
				if !ok {
					lim = p.Start[part]
				}
				if e > lim {
					e = lim
				}
				if e < p.Start[part] {
					e = p.Start[part]
				}
				p.End[part] = e
			}
		}
		ranges[view] = SourceRange{Start: p.Start, End: p.End}
		records += p.Records()
		lag += p.Behind()
	}
	return ranges, records, lag, nil
}

// replay writes batch hi, as the outputs that hold it committed it, to the
// outputs that do not.
func (s *run) replay(ctx context.Context, states []*State, hi int64, began time.Time) error {
	var ahead *State
	behind := map[int]bool{}
	var names []string
	for i, st := range states {
		if batchOf(st) == hi {
			if ahead == nil {
				ahead = st
			}
		} else {
			behind[i] = true
			names = append(names, s.outputs[i].w.View)
		}
	}
	ranges := map[string]SourceRange{}
	for _, view := range s.views {
		r, ok := ahead.Sources[view]
		if !ok {
			return fmt.Errorf("input %s: the outputs' stream state (batch %d) has no offsets for it", view, hi)
		}
		ranges[view] = r
	}
	s.log.Warn("stream: replaying a batch that some outputs committed before a stop", "job", s.job.Name, "batch", hi, "outputs", strings.Join(names, ", "))
	return s.batch(ctx, hi, ranges, 0, states, behind, false, began)
}

// batch reads the records of ranges, runs the job on them and writes the
// outputs given (and, for a new batch, the other outputs), each Iceberg
// commit carrying the batch's state.
//
// states are the outputs' state when the batch was planned (by index in
// s.outputs): each commit expects its table to hold it still, so that a
// run that committed meanwhile makes this one fail with
// lakehouse.ErrStateConflict instead of writing the batch twice.
func (s *run) batch(ctx context.Context, id int64, ranges map[string]SourceRange, lag int64, states []*State, only map[int]bool, fresh bool, began time.Time) error {
	var records int64
	files := 0
	oldest, newest := time.Time{}, time.Time{}
	for _, view := range s.views {
		src := s.sources[view]
		rg := ranges[view]
		if src.folder != nil {
			src.files = src.files[:0]
			for _, f := range rg.New {
				src.files = append(src.files, filepath.Join(src.folder.Path, filepath.FromSlash(f)))
			}
			files += len(rg.New)
			continue
		}
		b, err := src.reader.Read(ctx, &kafka.Plan{Start: rg.Start.Clone(), End: rg.End.Clone(), Latest: rg.End.Clone()})
		if err != nil {
			return fmt.Errorf("input %s, batch %d: %w", view, id, err)
		}
		if !sameOffsets(rg.Start, b.Start) {
			// Data loss skipped while reading (failOnDataLoss: false).
			rg.Start = b.Start
			ranges[view] = rg
		}
		src.batch = b
		records += int64(len(b.Records))
		for _, rec := range b.Records {
			if oldest.IsZero() || rec.Timestamp.Before(oldest) {
				oldest = rec.Timestamp
			}
			if rec.Timestamp.After(newest) {
				newest = rec.Timestamp
			}
		}
	}
	value, err := json.Marshal(State{Batch: id, Sources: ranges})
	if err != nil {
		return err
	}
	bj := *s.job
	bj.Stream = nil
	bj.Writes = nil
	if fresh {
		// File outputs first: a crash before the tables commit writes
		// them again (at least once), never loses them.
		for _, w := range s.job.Writes {
			if w.Table == nil && w.Merge == nil {
				bj.Writes = append(bj.Writes, w)
			}
		}
	}
	var names []string
	for i, o := range s.outputs {
		if only != nil && !only[i] {
			continue
		}
		w := *o.w
		expect := ""
		if states[i] != nil {
			expect = states[i].raw
		}
		st := &lakehouse.State{Set: map[string]string{o.key: string(value)}, Expect: map[string]string{o.key: expect}}
		switch {
		case w.Table != nil:
			t := *w.Table
			t.Spec.State = st
			w.Table = &t
		case w.Merge != nil:
			m := *w.Merge
			m.Spec.State = st
			w.Merge = &m
		}
		bj.Writes = append(bj.Writes, &w)
		names = append(names, w.View)
	}
	wr := *s.Base
	wr.StreamJob = nil
	wr.Streams = s
	// The batch's line (logBatch) replaces the per-step progress lines.
	wr.Progress = workflow.NewProgress(nil, false)
	reps, err := wr.RunJob(ctx, &bj)
	for _, src := range s.sources {
		src.batch = nil // the records are in the tables now (or the batch failed)
	}
	if err != nil {
		if errors.Is(err, lakehouse.ErrStateConflict) {
			return fmt.Errorf("batch %d: another run of stream job %s committed first (run one instance of a stream job): %w", id, s.job.Name, err)
		}
		return err
	}
	for _, rep := range reps {
		s.add(rep)
	}
	if err := s.keepSchemas(); err != nil {
		return err
	}
	end := time.Now()
	bl := BatchLog{Batch: id, Replay: !fresh, Records: records, Files: files, Lag: lag, Outputs: names, Sources: ranges,
		Started: began.UTC(), DurationMS: end.Sub(began).Milliseconds()}
	if !oldest.IsZero() {
		bl.LatencyMS, bl.MinLatencyMS = end.Sub(oldest).Milliseconds(), end.Sub(newest).Milliseconds()
	}
	return s.logBatch(bl)
}

// add sums an output's report over the batches.
func (s *run) add(rep workflow.OutputReport) {
	k := rep.Name + "\x00" + rep.Dataset
	t, ok := s.totals[k]
	if !ok {
		c := rep
		s.totals[k] = &c
		s.order = append(s.order, k)
		return
	}
	t.Rows += rep.Rows
	t.Files += rep.Files
	t.Bytes += rep.Bytes
	t.Duration += rep.Duration
	t.SnapshotID = rep.SnapshotID
	t.Created = t.Created || rep.Created
}

func (s *run) reports() []workflow.OutputReport {
	out := make([]workflow.OutputReport, 0, len(s.order))
	for _, i := range s.order {
		out = append(out, *s.totals[i])
	}
	return out
}

// logBatch prints the batch's line and appends it to the batch log.
func (s *run) logBatch(bl BatchLog) error {
	kind := "batch"
	if bl.Replay {
		kind = "batch (replayed)"
	}
	if bl.Files > 0 {
		kind += fmt.Sprintf(" (%d files)", bl.Files)
	}
	s.printf("stream %s %s %d: %d records, lag %d, %d ms, latency %d ms → %s\n", s.job.Name, kind, bl.Batch, bl.Records, bl.Lag,
		bl.DurationMS, bl.LatencyMS, strings.Join(bl.Outputs, ", "))
	if s.logFile == nil {
		return nil
	}
	line, err := json.Marshal(bl)
	if err != nil {
		return err
	}
	if _, err := s.logFile.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("checkpoint batch log: %w", err)
	}
	return nil
}

func (s *run) printf(format string, args ...any) {
	if s.Out != nil {
		fmt.Fprintf(s.Out, format, args...)
	}
}

// Load defines a stream input's view over the current batch
// (workflow.StreamSource).
func (s *run) Load(ctx context.Context, ses *engine.Session, rd *plan.Read) error {
	src := s.sources[rd.View]
	if src != nil && src.folder != nil {
		return s.loadFiles(ctx, ses, src)
	}
	if src == nil || src.batch == nil {
		return fmt.Errorf("input %s: no batch read", rd.View)
	}
	table := "__flare_stream_" + rd.View
	k := rd.Kafka
	switch k.Format {
	case plan.KafkaJSON:
		opts := kafka.JSONOptions{Columns: k.Columns}
		if k.DeadLetter != nil {
			opts.DeadLetter = deadLetterTable(rd.View)
		}
		res, err := src.batch.LoadJSON(ctx, ses.Conn(), table, opts)
		if err != nil {
			return err
		}
		if res.Bad > 0 {
			s.log.Warn("stream: records that do not fit go to the dead-letter table", "input", rd.View, "records", res.Bad)
		}
	default:
		if err := src.batch.LoadRaw(ctx, ses.Conn(), table, kafka.RawOptions{IncludeHeaders: k.IncludeHeaders}); err != nil {
			return err
		}
	}
	return ses.DefineRelation(ctx, rd.View, "SELECT * FROM temp.main."+engine.QuoteIdent(table))
}

func sameOffsets(a, b kafka.Offsets) bool {
	if len(a) != len(b) {
		return false
	}
	for p, o := range a {
		if bo, ok := b[p]; !ok || bo != o {
			return false
		}
	}
	return true
}

// ParseState reads a stream state value as an output table holds it.
func ParseState(v string) (*State, error) {
	st := &State{raw: v}
	if err := json.Unmarshal([]byte(v), st); err != nil {
		return nil, fmt.Errorf("stream state is not JSON: %w", err)
	}
	return st, nil
}

// keepSchemas writes, after the stream's first batch, the columns inferred
// for kafkajson inputs without a schema into the checkpoint, so that later
// runs read the topic with the same columns.
func (s *run) keepSchemas() error {
	for _, view := range s.views {
		k := s.sources[view].rd.Kafka
		if k == nil || k.SchemaFile == "" || k.Inferred == 0 {
			continue
		}
		if _, err := os.Stat(k.SchemaFile); err == nil {
			continue
		}
		data, err := json.MarshalIndent(k.Columns, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(k.SchemaFile), 0o755); err != nil {
			return err
		}
		tmp := k.SchemaFile + ".tmp"
		if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, k.SchemaFile); err != nil {
			return err
		}
		k.Inferred = 0
	}
	return nil
}

// deadLetterTable is the session's temporary table of an input's dead
// letters in the current batch.
func deadLetterTable(view string) string { return "__flare_dead_" + view }
