package kafka

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// benchBatch reads n JSON events from an in-process kfake cluster.
func benchBatch(b *testing.B, n int) (*Batch, *sql.Conn) {
	b.Helper()
	ctx := context.Background()
	f, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(4, "events"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	cfg := Config{Brokers: f.ListenAddrs()}
	p, err := NewProducer(ctx, cfg, ProducerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: "events", Value: []byte(fmt.Sprintf(
			`{"event_id":%d,"user_id":%d,"type":"click","ts":"2026-11-01T00:00:%02d.%03dZ","amount":%d.25,"country":"DE","page":"/product/%d","session":"%032x"}`,
			i, i%1000, i%60, i%1000, i%500, i%5000, i/20))}
	}
	if err := p.Produce(ctx, recs...); err != nil {
		b.Fatal(err)
	}
	r, err := NewReader(ctx, cfg, Subscription{Topics: []string{"events"}}, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	start, err := r.InitialOffsets(ctx, "earliest")
	if err != nil {
		b.Fatal(err)
	}
	batch, err := r.ReadBatch(ctx, start)
	if err != nil || len(batch.Records) != n {
		b.Fatalf("read %d records, %v", len(batch.Records), err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return batch, conn
}

var benchCols = []Column{{"event_id", "BIGINT"}, {"user_id", "BIGINT"}, {"type", "VARCHAR"}, {"ts", "TIMESTAMP WITH TIME ZONE"},
	{"amount", "DECIMAL(10,2)"}, {"country", "VARCHAR"}, {"page", "VARCHAR"}, {"session", "VARCHAR"}}

// BenchmarkLoadJSON lands 100k JSON events as typed columns (fast path).
func BenchmarkLoadJSON(b *testing.B) {
	batch, conn := benchBatch(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		res, err := batch.LoadJSON(context.Background(), conn, "events", JSONOptions{Columns: benchCols})
		if err != nil || res.Careful || res.Rows != 100_000 {
			b.Fatalf("%+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/event")
}

// BenchmarkLoadJSONCareful: every event lacks a field.
func BenchmarkLoadJSONCareful(b *testing.B) {
	batch, conn := benchBatch(b, 100_000)
	cols := append(benchCols[:len(benchCols):len(benchCols)], Column{"coupon", "VARCHAR"})
	b.ResetTimer()
	for b.Loop() {
		res, err := batch.LoadJSON(context.Background(), conn, "events", JSONOptions{Columns: cols})
		if err != nil || !res.Careful || res.Rows != 100_000 {
			b.Fatalf("%+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/event")
}

// BenchmarkLoadRaw lands 100k events with Spark's Kafka columns.
func BenchmarkLoadRaw(b *testing.B) {
	batch, conn := benchBatch(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		if err := batch.LoadRaw(context.Background(), conn, "raw", RawOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/event")
}
