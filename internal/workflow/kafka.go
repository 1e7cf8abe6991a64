package workflow

import (
	"context"
	"os"
	"time"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/kafka"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// writeKafka sends an output's rows to its topic as JSON objects and waits
// until every record is acknowledged.
func (r *Runner) writeKafka(ctx context.Context, ses *engine.Session, w *plan.Write, start time.Time) (*OutputReport, error) {
	d, err := r.Config.Depot(w.Kafka.Depot)
	if err != nil {
		return nil, err
	}
	cfg, err := kafka.ConfigFromDepot(d, os.Environ())
	if err != nil {
		return nil, err
	}
	p, err := kafka.NewProducer(ctx, cfg, kafka.ProducerOptions{})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	n, err := p.ProduceJSON(ctx, ses.Conn(), "SELECT * FROM "+engine.QuoteIdent(w.View), w.Kafka.Topic, kafka.ProduceJSONOptions{KeyColumn: w.Kafka.KeyColumn})
	if err != nil {
		return nil, err
	}
	return &OutputReport{Table: "kafka " + w.Kafka.Depot + " " + w.Kafka.Topic, Rows: n, Duration: time.Since(start)}, nil
}
