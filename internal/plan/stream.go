package plan

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/kafka"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Stream jobs (docs/stream.md): a job with an isStream input runs as a
// loop of micro-batches (internal/stream). Compiling checks the stream's
// settings (job.streaming), its inputs (Kafka topics) and that every output
// can take one batch after another: Iceberg appends and merges, which
// commit the batch's offsets with its rows, and file appends.

// Triggers of a stream job (job.streaming.triggerMode).
const (
	TriggerOnce           = "Once"
	TriggerAvailableNow   = "AvailableNow"
	TriggerProcessingTime = "ProcessingTime"
)

// Stream says how a stream job runs; nil for a batch job.
type Stream struct {
	// Trigger is TriggerOnce, TriggerAvailableNow or TriggerProcessingTime
	// (also for triggerMode Continuous, with AsContinuous set).
	Trigger      string
	AsContinuous bool `json:",omitempty"`
	// Interval is ProcessingTime's triggerDuration: a batch starts at most
	// this often (0: as soon as the previous one ends).
	Interval time.Duration
	// Checkpoint is the folder of the batch log (batches.jsonl), as an
	// absolute path, and CheckpointAddress as written; "" when none is
	// given. Offsets are committed in the output tables, not here.
	Checkpoint        string `json:",omitempty"`
	CheckpointAddress string `json:",omitempty"`
	// CompactEvery compacts every Iceberg output's small files after each
	// CompactEvery-th batch; ExpireEvery expires their snapshots but the
	// last RetainSnapshots after each ExpireEvery-th batch (0: never).
	CompactEvery    int64 `json:",omitempty"`
	ExpireEvery     int64 `json:",omitempty"`
	RetainSnapshots int   `json:",omitempty"`
}

// Kafka formats of a stream input.
const (
	// KafkaRaw gives Spark's Kafka columns (key and value binary).
	KafkaRaw = "raw"
	// KafkaJSON gives the JSON value's fields as typed columns.
	KafkaJSON = "kafkajson"
)

// KafkaRead reads a Kafka subscription as micro-batches.
type KafkaRead struct {
	Depot        string
	Subscription kafka.Subscription
	// Format is KafkaRaw or KafkaJSON.
	Format string
	// Columns are the JSON fields read and their engine types (KafkaJSON).
	Columns []kafka.Column `json:",omitempty"`
	// IncludeHeaders adds Spark's headers column (KafkaRaw).
	IncludeHeaders bool `json:",omitempty"`
	// StartingOffsets is where the stream starts when no output holds its
	// offsets: earliest, latest or Spark's JSON.
	StartingOffsets string
	// MaxOffsetsPerTrigger caps a batch (0: no cap); MinOffsetsPerTrigger
	// makes ProcessingTime wait for that many records, at most
	// MaxTriggerDelay.
	MaxOffsetsPerTrigger int64         `json:",omitempty"`
	MinOffsetsPerTrigger int64         `json:",omitempty"`
	MaxTriggerDelay      time.Duration `json:",omitempty"`
	// FailOnDataLoss fails the stream when records it was to read are gone.
	FailOnDataLoss bool
	// SchemaFile keeps the columns of a kafkajson input without a schema
	// (in the checkpoint; streaminfer.go): read when compiling if present,
	// written by the first batch otherwise. Inferred is the number of
	// records the columns were inferred from when compiling (0: given or
	// kept).
	SchemaFile string `json:",omitempty"`
	Inferred   int    `json:",omitempty"`
	// DeadLetter is the table that receives the records that do not fit
	// (kafkajson); nil: such a record fails the batch.
	DeadLetter *TableRef `json:",omitempty"`
}

// streamRead compiles an isStream input.
func (jc *jobCompiler) streamRead(ctx context.Context, in *manifest.Input, r *Read, what string) *Read {
	if in.Query != "" {
		jc.errAt(in.Pos, "%s: a query input cannot be a stream (isStream: true reads a Kafka topic)", what)
		return nil
	}
	loc := jc.resolve(in.Dataset, in.Pos, what)
	if loc == nil {
		return nil
	}
	if loc.Depot.Type == depot.File {
		return jc.fileStream(ctx, in, loc, r, what)
	}
	if loc.Depot.Type != depot.Kafka {
		jc.errAt(in.Pos, "%s: not supported yet: isStream: true on a %s depot (stream jobs read Kafka topics and folders of a file depot; docs/stream.md)", what, loc.Depot.Type)
		return nil
	}
	kr := &KafkaRead{Depot: loc.Depot.Name}
	switch in.Format {
	case "", "raw", "kafka":
		kr.Format = KafkaRaw
	case "kafkajson":
		kr.Format = KafkaJSON
	case "kafkaavro":
		jc.errAt(in.Pos, "%s: not supported yet: format kafkaavro (Avro values need a schema registry decoder Flare-Go lacks); produce JSON and read it with format kafkajson", what)
		return nil
	default:
		jc.errAt(in.Pos, "%s: format %q cannot be read from a Kafka topic (raw, kafkajson)", what, in.Format)
		return nil
	}
	before := len(jc.errs)
	opts := jc.decodeOptions(in.Options, spec.KafkaRead, in.OptionsPos)
	if len(jc.errs) > before {
		return nil
	}
	jc.checkUsed(opts)
	kr.StartingOffsets = strings.TrimSpace(opts.Str("startingOffsets"))
	if kr.StartingOffsets == "" {
		kr.StartingOffsets = "latest"
	}
	switch strings.ToLower(kr.StartingOffsets) {
	case "earliest", "latest":
		kr.StartingOffsets = strings.ToLower(kr.StartingOffsets)
	default:
		if _, err := kafka.ParseOffsets(kr.StartingOffsets); err != nil {
			jc.errAt(opts.ValuePos("startingOffsets"), "%s: startingOffsets: %v (or earliest, latest)", what, err)
			return nil
		}
	}
	kr.MaxOffsetsPerTrigger = opts.Int("maxOffsetsPerTrigger")
	kr.MinOffsetsPerTrigger = opts.Int("minOffsetsPerTrigger")
	kr.MaxTriggerDelay = 15 * time.Minute
	if v := opts.Get("maxTriggerDelay"); v != nil {
		kr.MaxTriggerDelay, _ = spec.ParseInterval(v.Str) // checked by the spec
		if kr.MinOffsetsPerTrigger == 0 {
			jc.errAt(v.KeyPos, "%s: maxTriggerDelay bounds the wait for minOffsetsPerTrigger: give both", what)
			return nil
		}
	}
	kr.FailOnDataLoss = true
	if opts.Has("failOnDataLoss") {
		kr.FailOnDataLoss = opts.Bool("failOnDataLoss")
	}
	if p := opts.Str("subscribePattern"); p != "" {
		kr.Subscription.Pattern = p
	} else {
		kr.Subscription.Topics = []string{loc.Topic}
	}
	kr.IncludeHeaders = opts.Bool("includeHeaders")
	if kr.IncludeHeaders && kr.Format != KafkaRaw {
		jc.errAt(opts.KeyPos("includeHeaders"), "%s: includeHeaders applies to the raw format (Spark's Kafka columns)", what)
		return nil
	}
	if v := opts.Get("deadLetter"); v != nil {
		if kr.Format != KafkaJSON {
			jc.errAt(v.KeyPos, "%s: deadLetter takes the records that do not fit format kafkajson's columns; format raw reads every record", what)
			return nil
		}
		dl := jc.resolve(strings.TrimSpace(v.Str), v.Pos, what+", deadLetter")
		if dl == nil {
			return nil
		}
		if dl.Depot.Type != depot.Lakehouse {
			jc.errAt(v.Pos, "%s: deadLetter is a lakehouse table, not a dataset of %s depot %s", what, dl.Depot.Type, dl.Depot.Name)
			return nil
		}
		kr.DeadLetter = &TableRef{Depot: dl.Depot.Name, Table: lakehouse.TableName{Collection: dl.Address.Collection, Dataset: dl.Address.Dataset}}
	}
	var cols []Column
	switch kr.Format {
	case KafkaRaw:
		if hasSchema(in) {
			jc.errAt(in.SchemaPos, "%s: a schema types the JSON fields of format kafkajson; format raw gives Spark's Kafka columns", what)
			return nil
		}
		raw := kafka.RawColumns
		if kr.IncludeHeaders {
			raw = append(append([]kafka.Column(nil), raw...), kafka.HeadersColumn)
		}
		for _, c := range raw {
			cols = append(cols, Column{Name: c.Name, Type: c.Type})
		}
	case KafkaJSON:
		schemaJSON, _, ok := jc.inputSchema(ctx, in, loc, what)
		if !ok {
			return nil
		}
		if schemaJSON == "" {
			if err := kr.Subscription.Check(); err != nil {
				jc.errAt(in.Pos, "%s: %v", what, err)
				return nil
			}
			kcols, err := jc.inferKafkaJSON(ctx, in.Name, loc, kr) // streaminfer.go
			if err != nil {
				jc.errAt(in.Pos, "%s: %v", what, err)
				return nil
			}
			kr.Columns = kcols
			for _, c := range kcols {
				cols = append(cols, Column{Name: c.Name, Type: c.Type})
			}
			if kr.Inferred > 0 {
				jc.notes.Add(in.Pos, "%s: no schema: columns inferred from the first %d records of %s (%s); the stream's first batch keeps them in its checkpoint, or give a schema", what, kr.Inferred, kr.Subscription, columnsText(cols))
			}
			break
		}
		cols = schemaColumns(schemaJSON)
		for _, c := range cols {
			kr.Columns = append(kr.Columns, kafka.Column{Name: c.Name, Type: c.Type})
		}
	}
	if err := kr.Subscription.Check(); err != nil {
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	r.Kafka = kr
	if err := jc.ses.DefineRelation(ctx, in.Name, emptySQL(cols)); err != nil {
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	return jc.finishRead(ctx, r, what)
}

// streaming compiles job.streaming and checks a stream job's outputs; a
// job without stream inputs must not have stream settings.
func (jc *jobCompiler) streaming() {
	j, pj := jc.job, jc.pj
	var streamed []string
	for _, rd := range pj.Reads {
		if rd.Kafka != nil || rd.File != nil && rd.File.Stream {
			streamed = append(streamed, rd.View)
		}
	}
	sv := j.Streaming
	if len(streamed) == 0 {
		if sv != nil {
			jc.errAt(sv.Pos, "job %s: job.streaming needs an input with isStream: true (a Kafka topic)", j.Name)
		}
		for _, o := range j.Outputs {
			if o.CheckpointLocation != "" {
				jc.errAt(o.CheckpointLocationPos, "job %s, output %s: checkpointLocation applies to stream jobs (an input with isStream: true)", j.Name, o.Name)
			}
		}
		return
	}
	st := &Stream{Trigger: TriggerProcessingTime}
	if v := sv.Get("triggerMode"); v != nil {
		switch v.Str {
		case "Continuous":
			st.AsContinuous = true
		default:
			st.Trigger = v.Str
		}
	}
	if v := sv.Get("triggerDuration"); v != nil {
		if st.Trigger != TriggerProcessingTime {
			jc.errAt(v.KeyPos, "job %s: triggerDuration applies to triggerMode ProcessingTime and Continuous, not %s", j.Name, st.Trigger)
		}
		st.Interval, _ = spec.ParseInterval(v.Str) // checked by the spec
	}
	if st.AsContinuous {
		jc.notes.Add(sv.KeyPos("triggerMode"), "job %s: triggerMode Continuous runs as ProcessingTime every %s: micro-batches, Flare-Go has no continuous engine (docs/stream.md)", j.Name, st.Interval)
	}
	sv.Get("outputMode") // append; the others are refused by the spec
	st.CompactEvery = sv.Int("compactEvery")
	st.ExpireEvery = sv.Int("expireSnapshotsEvery")
	if v := sv.Get("retainSnapshots"); v != nil {
		if st.ExpireEvery == 0 {
			jc.errAt(v.KeyPos, "job %s: retainSnapshots is the snapshots expireSnapshotsEvery keeps: give both", j.Name)
		}
		st.RetainSnapshots = int(v.Int)
	} else if st.ExpireEvery > 0 {
		st.RetainSnapshots = 100
	}
	if v := sv.Get("showPreviewLines"); v != nil && pj.Preview == 0 {
		pj.Preview = int(v.Int)
	}
	// The checkpoint folder: job.streaming's or an output's, all the same.
	cp, cpPos, cpFrom := "", spec.Pos{}, ""
	take := func(val string, pos spec.Pos, from string) {
		switch {
		case val == "":
		case cp == "":
			cp, cpPos, cpFrom = val, pos, from
		case val != cp:
			jc.errAt(pos, "job %s: %s checkpointLocation %q differs from %s's %q (at %s): a job has one checkpoint", j.Name, from, val, cpFrom, cp, cpPos)
		}
	}
	if v := sv.Get("checkpointLocation"); v != nil {
		take(strings.TrimSpace(v.Str), v.Pos, "job.streaming")
	}
	for _, o := range j.Outputs {
		take(o.CheckpointLocation, o.CheckpointLocationPos, "output "+o.Name)
	}
	if cp != "" {
		path, err := jc.checkpointPath(cp)
		if err != nil {
			jc.errAt(cpPos, "job %s: checkpointLocation %s: %v", j.Name, cp, err)
		}
		st.Checkpoint, st.CheckpointAddress = path, cp
	}
	tables := 0
	for _, w := range pj.Writes {
		what := "job " + j.Name + ", output " + w.View
		switch {
		case w.Merge != nil:
			tables++
		case w.Table != nil:
			if w.Table.Spec.Mode != lakehouse.Append || w.Table.IfExists != WriteAnyway {
				jc.errAt(w.Pos, "%s: a stream job's table output appends each batch (saveMode: append) or merges it (options.iceberg.merge)", what)
			}
			tables++
		case w.File != nil:
			if w.File.Sink.Mode != "append" {
				jc.errAt(w.Pos, "%s: a stream job's file output appends each batch's files (saveMode: append)", what)
			}
		case w.Database != nil:
			jc.errAt(w.Pos, "%s: not supported yet: database outputs of stream jobs (docs/stream.md)", what)
		}
	}
	if tables == 0 && len(pj.Writes) == len(j.Outputs) {
		jc.errAt(j.Pos, "job %s: a stream job needs an Iceberg output: each batch's offsets are committed with its rows there (docs/stream.md)", j.Name)
	}
	for _, r := range pj.Reads {
		if r.Incremental != nil {
			// A stream already reads only what is new; two states on one
			// commit would have to agree, and nothing here makes them.
			jc.errAt(r.Incremental.Pos, "job %s, input %s: a stream job's input cannot also be incremental: each batch reads only what arrived since the last one (docs/stream.md)", j.Name, r.View)
		}
	}
	for _, a := range pj.Actions {
		jc.errAt(a.Pos, "job %s: not supported yet: actions in a stream job (%s); run them in a job of their own", j.Name, a.Name)
	}
	pj.Stream = st
}

// checkpointPath resolves a checkpoint location: a dataos:// address of a
// lakehouse or file depot on the local disk, or a path.
func (jc *jobCompiler) checkpointPath(cp string) (string, error) {
	if !strings.HasPrefix(cp, "dataos://") {
		return filepath.Abs(cp)
	}
	a, err := depot.ParseAddress(cp)
	if err != nil {
		return "", err
	}
	d, err := jc.env.Config.Depot(a.Depot)
	if err != nil {
		return "", err
	}
	if d.Type != depot.Lakehouse && d.Type != depot.File {
		return "", fmt.Errorf("a checkpoint is a folder of a lakehouse or file depot, not of a %s depot", d.Type)
	}
	if d.OnObjectStorage() {
		return "", fmt.Errorf("not supported yet: a checkpoint on object storage (depot %s); give a local folder", d.Name)
	}
	p := filepath.Join(d.Path, filepath.FromSlash(a.Collection), filepath.FromSlash(a.Dataset))
	if err := d.Contains(p); err != nil {
		return "", err
	}
	return p, nil
}

// describe is the stream's line in flare plan.
func (s *Stream) describe() string {
	t := s.Trigger
	switch {
	case s.AsContinuous:
		t = fmt.Sprintf("Continuous, run as ProcessingTime every %s", s.Interval)
	case s.Trigger == TriggerProcessingTime:
		t = fmt.Sprintf("ProcessingTime every %s", s.Interval)
	}
	if s.Checkpoint != "" {
		t += ", checkpoint " + s.CheckpointAddress
	}
	return "trigger " + t + "; offsets committed with each batch's rows in the Iceberg outputs"
}

// describe is a Kafka input in flare plan.
func (k *KafkaRead) describe() string {
	s := fmt.Sprintf("kafka %s %s, %s from %s", k.Depot, k.Subscription, k.Format, k.StartingOffsets)
	if k.MaxOffsetsPerTrigger > 0 {
		s += fmt.Sprintf(", at most %d per batch", k.MaxOffsetsPerTrigger)
	}
	if k.MinOffsetsPerTrigger > 0 {
		s += fmt.Sprintf(", at least %d per batch or after %s", k.MinOffsetsPerTrigger, k.MaxTriggerDelay)
	}
	if !k.FailOnDataLoss {
		s += ", skipping lost records"
	}
	return s
}

// fileStream compiles isStream on a folder (or glob) of csv, json or
// parquet files: each batch reads the files that no earlier batch read.
func (jc *jobCompiler) fileStream(ctx context.Context, in *manifest.Input, loc *depot.Location, r *Read, what string) *Read {
	if loc.Depot.OnObjectStorage() {
		jc.errAt(in.Pos, "%s: not supported yet: isStream: true on object storage (depot %s); stream a local folder", what, loc.Depot.Name)
		return nil
	}
	format := in.Format
	if format == "" {
		format = formatFromPath(loc.Path)
	}
	switch format {
	case "csv", "json", "parquet":
	case "":
		jc.errAt(in.Pos, "%s: a streamed folder needs its format (csv, json or parquet)", what)
		return nil
	default:
		jc.errAt(in.Pos, "%s: not supported yet: streaming %s files (csv, json or parquet)", what, format)
		return nil
	}
	rd := jc.fileRead(ctx, in, loc, r, what)
	if rd == nil {
		return nil
	}
	rd.File.Stream = true
	return rd
}
