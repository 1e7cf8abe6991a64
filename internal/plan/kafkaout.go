package plan

import (
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// KafkaWrite sends a view's rows to a Kafka topic, one JSON object per row
// (format kafkajson; docs/stream.md). Records are acknowledged before the
// job goes on; in a stream job a batch replayed after a crash sends its
// records again (at least once).
type KafkaWrite struct {
	Depot string
	Topic string
	// KeyColumn is the column whose text becomes each record's key ("":
	// no key).
	KeyColumn string `json:",omitempty"`
}

// kafkaWrite compiles an output to a kafka depot's topic.
func (jc *jobCompiler) kafkaWrite(out *manifest.Output, loc *depot.Location, format string, cols []Column, what string) *KafkaWrite {
	before := len(jc.errs)
	switch format {
	case "", "kafkajson", "kafka":
	default:
		jc.errAt(out.FormatPos, "%s: dataset %s is a Kafka topic: format kafkajson (rows as JSON objects), not %q", what, out.Dataset, format)
	}
	if out.SaveModePos.Line > 0 && out.SaveMode != "append" {
		jc.errAt(out.SaveModePos, "%s: a Kafka topic is appended to: saveMode append (or none), not %s", what, out.SaveMode)
	}
	if out.Merge != nil || len(out.Properties) > 0 || len(out.Partition) > 0 || len(out.PartitionBy) > 0 || out.Sort != nil ||
		out.File != nil || out.CompressionType != "" || out.Branch != "" || out.OverwriteMode != "" {
		jc.errAt(out.Pos, "%s: a Kafka output takes saveMode and extraOptions.keyColumn only (no Iceberg, file, sort or partition options)", what)
	}
	opts := jc.decodeOptions(out.ExtraOptions, spec.KafkaWrite, out.Pos)
	jc.checkUsed(opts)
	kw := &KafkaWrite{Depot: loc.Depot.Name, Topic: loc.Topic, KeyColumn: opts.Str("keyColumn")}
	if kw.KeyColumn != "" {
		found := false
		for _, c := range cols {
			if c.Name == kw.KeyColumn {
				found = true
			}
		}
		if !found {
			jc.errAt(opts.ValuePos("keyColumn"), "%s: keyColumn %q is not a column of %s", what, kw.KeyColumn, out.Name)
		}
	}
	if len(jc.errs) > before {
		return nil
	}
	return kw
}
