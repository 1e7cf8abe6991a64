package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/kafka"
)

// InferSample is how many records (at the start of the topic's
// partitions) compiling reads to infer a kafkajson input's columns when
// it gives no schema and its checkpoint holds none yet.
const InferSample = 1000

// SchemaFile is where a stream's checkpoint keeps the columns inferred for
// a kafkajson input, written by the stream's first batch: later runs use
// them, so that the columns stay fixed.
func SchemaFile(checkpoint, view string) string {
	return filepath.Join(checkpoint, "schemas", strings.ToLower(view)+".json")
}

// inferKafkaJSON finds the columns of a kafkajson input without a schema:
// those the checkpoint keeps, else inferred from the topic's first records
// (this needs the brokers while compiling).
func (jc *jobCompiler) inferKafkaJSON(ctx context.Context, view string, loc *depot.Location, kr *KafkaRead) ([]kafka.Column, error) {
	if cp := jc.checkpointGuess(); cp != "" {
		kr.SchemaFile = SchemaFile(cp, view)
		data, err := os.ReadFile(kr.SchemaFile)
		switch {
		case err == nil:
			var cols []kafka.Column
			if err := json.Unmarshal(data, &cols); err != nil || len(cols) == 0 {
				return nil, fmt.Errorf("the columns kept in %s are not a list of {Name, Type}: %v", kr.SchemaFile, err)
			}
			return cols, nil
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	cfg, err := kafka.ConfigFromDepot(loc.Depot, os.Environ())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := kafka.NewReader(ctx, cfg, kr.Subscription, kafka.ReadOptions{MaxOffsetsPerTrigger: InferSample, AllowDataLoss: true,
		StallTimeout: 20 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("infer the columns of kafkajson (no schema given): %w", err)
	}
	defer r.Close()
	start, err := r.InitialOffsets(ctx, "earliest")
	if err != nil {
		return nil, fmt.Errorf("infer the columns of kafkajson (no schema given): %w", err)
	}
	b, err := r.ReadBatch(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("infer the columns of kafkajson (no schema given): %w", err)
	}
	cols, err := b.InferJSONColumns(ctx, jc.ses.Conn())
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no JSON object among the first %d records of %s to infer the columns from: give the schema (schema, schemaString or schemaPath)", len(b.Records), kr.Subscription)
	}
	kr.Inferred = len(b.Records)
	return cols, nil
}

// checkpointGuess is the stream's checkpoint folder as job.streaming or an
// output gives it ("" when none or not valid; streaming() reports errors).
func (jc *jobCompiler) checkpointGuess() string {
	cp := ""
	if sv := jc.job.Streaming; sv != nil && sv.Has("checkpointLocation") {
		cp = strings.TrimSpace(sv.Get("checkpointLocation").Str)
	}
	for _, o := range jc.job.Outputs {
		if cp == "" {
			cp = o.CheckpointLocation
		}
	}
	if cp == "" {
		return ""
	}
	p, err := jc.checkpointPath(cp)
	if err != nil {
		return ""
	}
	return p
}
