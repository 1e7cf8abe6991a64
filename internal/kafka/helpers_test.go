package kafka

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BrokersEnv names the environment variable with a real broker's
// host:port (PLAINTEXT); .ci/kafka.sh starts one and sets it.
const BrokersEnv = "FLARE_TEST_KAFKA_BROKERS"

// SASLBrokersEnv names the same broker's SASL_PLAINTEXT listener (PLAIN
// user flare/flare-secret).
const SASLBrokersEnv = "FLARE_TEST_KAFKA_SASL_BROKERS"

// cluster is a Kafka cluster tests run against.
type cluster struct {
	name string
	cfg  Config
	adm  *kadm.Client
	// fake is the in-process cluster, nil for the real broker.
	fake *kfake.Cluster
}

// realBrokers returns the real broker's address; without it the test is
// skipped, or fails under CI=true.
func realBrokers(t *testing.T, env string) string {
	t.Helper()
	b := os.Getenv(env)
	if b == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must start a Kafka broker (.ci/kafka.sh)", env)
		}
		t.Skipf("%s is not set: start a broker with `bash .ci/kafka.sh start`", env)
	}
	return b
}

// eachCluster runs fn against franz-go's in-process kfake cluster and
// against the real broker (FLARE_TEST_KAFKA_BROKERS).
func eachCluster(t *testing.T, fn func(t *testing.T, c *cluster)) {
	t.Run("kfake", func(t *testing.T) { fn(t, fakeCluster(t)) })
	t.Run("kafka", func(t *testing.T) {
		c := &cluster{name: "kafka", cfg: Config{Brokers: []string{realBrokers(t, BrokersEnv)}}}
		c.adm = admin(t, c.cfg)
		fn(t, c)
	})
}

// fakeCluster starts franz-go's in-process cluster for the test.
func fakeCluster(t *testing.T) *cluster {
	t.Helper()
	f, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	c := &cluster{name: "kfake", cfg: Config{Brokers: f.ListenAddrs()}, fake: f}
	c.adm = admin(t, c.cfg)
	return c
}

func admin(t *testing.T, cfg Config) *kadm.Client {
	t.Helper()
	opts, err := cfg.clientOpts()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

var topicSeq atomic.Int64

// topic creates a topic with a name unique to the test run.
func (c *cluster) topic(t *testing.T, partitions int32) string {
	t.Helper()
	name := strings.Trim(regexp.MustCompile(`[^a-zA-Z0-9._-]+`).ReplaceAllString(t.Name(), "-"), "-")
	name = fmt.Sprintf("%s-%d-%d", name, time.Now().UnixNano()%1e9, topicSeq.Add(1))
	c.createTopic(t, name, partitions)
	return name
}

func (c *cluster) createTopic(t *testing.T, name string, partitions int32) {
	t.Helper()
	resp, err := c.adm.CreateTopic(ctx(t), partitions, 1, nil, name)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic %s: %v %v", name, err, resp.Err)
	}
	// The real broker needs a moment before every partition has a leader.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ends, err := c.adm.ListEndOffsets(ctx(t), name)
		ok := err == nil && len(ends[name]) == int(partitions)
		if ok {
			for _, o := range ends[name] {
				ok = ok && o.Err == nil
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s has no leaders after 20s: %v %v", name, err, ends)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// produce sends records synchronously (acks all).
func (c *cluster) produce(t *testing.T, recs ...*kgo.Record) {
	t.Helper()
	p, err := NewProducer(ctx(t), c.cfg, ProducerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Produce(ctx(t), recs...); err != nil {
		t.Fatal(err)
	}
}

// produceN sends n records value "<prefix><i>" to one partition.
func (c *cluster) produceN(t *testing.T, topic string, partition int32, n int, prefix string) {
	t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(fmt.Sprintf("%s%d", prefix, i))}
	}
	c.produceManual(t, recs...)
}

// produceManual sends records to the partitions they name.
func (c *cluster) produceManual(t *testing.T, recs ...*kgo.Record) {
	t.Helper()
	opts, err := c.cfg.clientOpts()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func (c *cluster) reader(t *testing.T, sub Subscription, opts ReadOptions) *Reader {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 20 * time.Second
	}
	r, err := NewReader(ctx(t), c.cfg, sub, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// duck opens a DuckDB connection.
func duck(t *testing.T) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// queryRows returns a query's rows as DuckDB's text, one line each,
// columns joined by |, NULL as NULL.
func queryRows(t *testing.T, conn *sql.Conn, q string) []string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), "SELECT COLUMNS(*)::VARCHAR FROM ("+q+")")
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func p(topic string, n int32) Partition { return Partition{topic, n} }

// values are the record values of a batch as text.
func values(b *Batch) []string {
	out := make([]string, len(b.Records))
	for i, r := range b.Records {
		out[i] = string(r.Value)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
