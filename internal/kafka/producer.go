package kafka

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ProducerOptions tune a Producer.
type ProducerOptions struct {
	// Compression of record batches: "none" (default), "gzip", "snappy",
	// "lz4" or "zstd".
	Compression string
	// Linger is how long a partition's batch waits for more records before
	// it is sent. Default 5ms.
	Linger time.Duration
	// BatchMaxBytes caps one record batch. Default 1 MiB (the broker's
	// default message.max.bytes is about 1 MiB).
	BatchMaxBytes int32
	// MaxBufferedRecords is how many records may wait to be sent before
	// Produce blocks. Default 100,000.
	MaxBufferedRecords int
}

// Producer writes records to Kafka with an idempotent producer (acks=all,
// no duplicates or reordering from retries within a producer session). It
// is safe for concurrent use.
type Producer struct {
	cl *kgo.Client
}

// NewProducer connects a producer (and checks that a broker answers).
func NewProducer(ctx context.Context, cfg Config, opts ProducerOptions) (*Producer, error) {
	base, err := cfg.clientOpts()
	if err != nil {
		return nil, err
	}
	var codec kgo.CompressionCodec
	switch strings.ToLower(opts.Compression) {
	case "", "none":
		codec = kgo.NoCompression()
	case "gzip":
		codec = kgo.GzipCompression()
	case "snappy":
		codec = kgo.SnappyCompression()
	case "lz4":
		codec = kgo.Lz4Compression()
	case "zstd":
		codec = kgo.ZstdCompression()
	default:
		return nil, fmt.Errorf("%w: compression %q: expected none, gzip, snappy, lz4 or zstd", ErrConfig, opts.Compression)
	}
	if opts.Linger == 0 {
		opts.Linger = 5 * time.Millisecond
	}
	if opts.BatchMaxBytes == 0 {
		opts.BatchMaxBytes = 1 << 20
	}
	if opts.MaxBufferedRecords == 0 {
		opts.MaxBufferedRecords = 100_000
	}
	cl, err := kgo.NewClient(append(base,
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(codec),
		kgo.ProducerLinger(opts.Linger),
		kgo.ProducerBatchMaxBytes(opts.BatchMaxBytes),
		kgo.MaxBufferedRecords(opts.MaxBufferedRecords),
		// As Kafka's Java producer: a broker with auto.create.topics.enable
		// creates a missing topic; one without it refuses the records.
		kgo.AllowAutoTopicCreation(),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka producer for %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("connect to kafka %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	return &Producer{cl: cl}, nil
}

// Close flushes nothing: call Flush first to wait for buffered records.
func (p *Producer) Close() { p.cl.Close() }

// Produce sends records and waits until the brokers acknowledged all of
// them; it returns the first error.
func (p *Producer) Produce(ctx context.Context, records ...*kgo.Record) error {
	if err := p.cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return fmt.Errorf("produce to kafka: %w", err)
	}
	return nil
}

// asyncErrs collects the first error of asynchronous produces.
type asyncErrs struct {
	mu    sync.Mutex
	first error
	n     int64
}

func (a *asyncErrs) done(r *kgo.Record, err error) {
	if err == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if a.first == nil {
		a.first = fmt.Errorf("record for %s: %w", r.Topic, err)
	}
}

func (a *asyncErrs) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.first != nil && a.n > 1 {
		return fmt.Errorf("%w (and %d more failed records)", a.first, a.n-1)
	}
	return a.first
}

// ProduceJSONOptions tune ProduceJSON.
type ProduceJSONOptions struct {
	// KeyColumn names a column of the query whose value (as text) becomes
	// each record's key; the column stays in the JSON value. Default: no
	// key (records spread over partitions).
	KeyColumn string
}

// ProduceJSON runs query on conn and sends each row to topic as a JSON
// object (DuckDB's to_json of the row: column names as keys; Flare's
// kafkajson output). It returns when every record is acknowledged, with
// the number of records sent. On error some records may have been sent.
func (p *Producer) ProduceJSON(ctx context.Context, conn *sql.Conn, query, topic string, opts ProduceJSONOptions) (int64, error) {
	if topic == "" {
		return 0, fmt.Errorf("%w: produce JSON: no topic", ErrConfig)
	}
	key := "NULL"
	if opts.KeyColumn != "" {
		key = "CAST(__q." + quoteIdent(opts.KeyColumn) + " AS VARCHAR)"
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+key+", CAST(to_json(__q) AS VARCHAR) FROM ("+query+") AS __q")
	if err != nil {
		return 0, fmt.Errorf("produce JSON to %s: query: %w", topic, err)
	}
	defer rows.Close()
	var errs asyncErrs
	var n int64
	for rows.Next() {
		var k sql.NullString
		var v string
		if err := rows.Scan(&k, &v); err != nil {
			return n, fmt.Errorf("produce JSON to %s: row %d: %w", topic, n+1, err)
		}
		r := &kgo.Record{Topic: topic, Value: []byte(v)}
		if k.Valid {
			r.Key = []byte(k.String)
		}
		p.cl.Produce(ctx, r, errs.done)
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("produce JSON to %s: query: %w", topic, err)
	}
	if err := p.cl.Flush(ctx); err != nil {
		return n, fmt.Errorf("produce JSON to %s: flush: %w", topic, err)
	}
	if err := errs.err(); err != nil {
		return n, fmt.Errorf("produce JSON to %s: %w", topic, err)
	}
	return n, nil
}

// Flush waits until every buffered record is acknowledged.
func (p *Producer) Flush(ctx context.Context) error {
	if err := p.cl.Flush(ctx); err != nil {
		return fmt.Errorf("flush kafka producer: %w", err)
	}
	return nil
}
