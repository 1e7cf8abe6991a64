package main

// go run ./bench kafka --events 1000000 --partitions 4
//
// Produces N JSON events to a topic of a running broker (--brokers, or
// FLARE_TEST_KAFKA_BROKERS; `bash .ci/kafka.sh start` runs one), then
// measures, on the same topic:
//   - how fast franz-go alone drains it (records counted, nothing else):
//     the limit for anything built on the client;
//   - package kafka reading it (Plan + Read), landing it in DuckDB with
//     Spark's Kafka columns (LoadRaw, format raw) or as typed columns parsed
//     from the JSON values (LoadJSON, format kafkajson), phase by phase, in
//     one batch and in micro-batches of --batch records
//     (maxOffsetsPerTrigger).
//
// Each line gives the wall-clock rate and the CPU time this process spent
// per event (all threads, Go's and DuckDB's): on the shared 2-core machine
// the wall clock depends on the other work running, the CPU time much less.

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flare-lakehouse/flare/internal/kafka"
)

// benchColumns are the typed columns of the events LoadJSON produces.
var benchColumns = []kafka.Column{
	{Name: "event_id", Type: "BIGINT"}, {Name: "user_id", Type: "BIGINT"}, {Name: "type", Type: "VARCHAR"},
	{Name: "ts", Type: "TIMESTAMP WITH TIME ZONE"}, {Name: "amount", Type: "DECIMAL(10,2)"},
	{Name: "country", Type: "VARCHAR"}, {Name: "page", Type: "VARCHAR"}, {Name: "session", Type: "VARCHAR"},
}

// benchEvents is the DuckDB query whose rows become the events (about 200
// bytes of JSON each).
const benchEvents = `SELECT i AS event_id, hash(i) % 100000 AS user_id,
  ['view', 'click', 'cart', 'buy'][1 + (i % 4)::INT] AS type,
  TIMESTAMPTZ '2026-11-01 00:00:00+00' + INTERVAL (i) MILLISECOND AS ts,
  round((hash(i * 7) % 100000) / 100.0, 2) AS amount,
  ['DE', 'FR', 'US', 'IN', 'BR', 'JP'][1 + (i % 6)::INT] AS country,
  '/product/' || (hash(i * 13) % 5000) AS page,
  md5(CAST(i // 20 AS VARCHAR)) AS session
FROM range({N}) t(i)`

func kafkaBench(args []string) error {
	fs := flag.NewFlagSet("kafka", flag.ExitOnError)
	events := fs.Int("events", 1_000_000, "events in the topic")
	partitions := fs.Int("partitions", 4, "partitions of the topic")
	brokers := fs.String("brokers", os.Getenv("FLARE_TEST_KAFKA_BROKERS"), "host:port of a broker (default $FLARE_TEST_KAFKA_BROKERS)")
	batch := fs.Int64("batch", 200_000, "maxOffsetsPerTrigger of the micro-batch run")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	if *brokers == "" {
		return fmt.Errorf("no broker: pass --brokers or set FLARE_TEST_KAFKA_BROKERS (bash .ci/kafka.sh start)")
	}
	ctx := context.Background()
	cfg := kafka.Config{Brokers: strings.Split(*brokers, ",")}
	fmt.Printf("machine: %d cores (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())

	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	topic := fmt.Sprintf("flare-bench-%d-%d", *events, *partitions)
	total, bytes, err := ensureTopic(ctx, cfg, conn, topic, *events, int32(*partitions))
	if err != nil {
		return err
	}
	mb := float64(bytes) / (1 << 20)
	fmt.Printf("topic %s: %d events, %.0f MB of values, %d partitions\n\n", topic, total, mb, *partitions)

	rate := func(n int64, d time.Duration) string {
		return fmt.Sprintf("%10.0f events/s  %6.1f MB/s  %7.3f s", float64(n)/d.Seconds(), mb*float64(n)/float64(total)/d.Seconds(), d.Seconds())
	}
	// rateCPU adds the CPU time this process used (all threads: Go and
	// DuckDB's), in µs per event: the figure that does not depend on what
	// else the shared machine runs.
	rateCPU := func(n int64, d, cpu time.Duration) string {
		return rate(n, d) + fmt.Sprintf("  %5.2f µs CPU/event", float64(cpu.Microseconds())/float64(n))
	}

	// The limit: franz-go alone, counting records.
	c0 := cpuTime()
	d, n, err := drainFranz(ctx, cfg, topic, total)
	if err != nil {
		return err
	}
	fmt.Printf("%-44s %s\n", "franz-go alone drains the topic (the limit)", rateCPU(n, d, cpuTime()-c0))

	// One batch of everything, phase by phase.
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	r, err := kafka.NewReader(ctx, cfg, kafka.Subscription{Topics: []string{topic}}, kafka.ReadOptions{Logger: quiet})
	if err != nil {
		return err
	}
	start, err := r.InitialOffsets(ctx, "earliest")
	if err != nil {
		return err
	}
	t0, c0 := time.Now(), cpuTime()
	plan, err := r.Plan(ctx, start)
	if err != nil {
		return err
	}
	tPlan := time.Since(t0)
	b, err := r.Read(ctx, plan)
	if err != nil {
		return err
	}
	tRead, cRead := time.Since(t0), cpuTime()-c0
	r.Close()
	n = int64(len(b.Records))
	fmt.Printf("%-44s %s  (plan %.1f ms, %d polls)\n", "kafka.Reader: Plan + Read, one batch", rateCPU(n, tRead, cRead), tPlan.Seconds()*1000, b.Polls)
	t0, c0 = time.Now(), cpuTime()
	if err := b.LoadRaw(ctx, conn, "bench_raw", kafka.RawOptions{}); err != nil {
		return err
	}
	tRaw, cRaw := time.Since(t0), cpuTime()-c0
	fmt.Printf("%-44s %s\n", "LoadRaw: Spark's Kafka columns (format raw)", rateCPU(n, tRaw, cRaw))
	t0, c0 = time.Now(), cpuTime()
	res, err := b.LoadJSON(ctx, conn, "bench_events", kafka.JSONOptions{Columns: benchColumns})
	if err != nil {
		return err
	}
	tJSON, cJSON := time.Since(t0), cpuTime()-c0
	if res.Rows != n || res.Careful {
		return fmt.Errorf("LoadJSON made %d rows of %d records (careful path: %v)", res.Rows, n, res.Careful)
	}
	fmt.Printf("%-44s %s\n", "LoadJSON: typed columns (format kafkajson)", rateCPU(n, tJSON, cJSON))
	// The careful path: every event lacks one optional field.
	t0, c0 = time.Now(), cpuTime()
	res, err = b.LoadJSON(ctx, conn, "bench_events", kafka.JSONOptions{Columns: append(benchColumns[:len(benchColumns):len(benchColumns)], kafka.Column{Name: "coupon", Type: "VARCHAR"})})
	if err != nil {
		return err
	}
	if !res.Careful || res.Rows != n {
		return fmt.Errorf("careful LoadJSON: %+v", res)
	}
	fmt.Printf("%-44s %s\n", "  same, a field missing (careful path)", rateCPU(n, time.Since(t0), cpuTime()-c0))
	t0, c0 = time.Now(), cpuTime()
	cols, err := b.InferJSONColumns(ctx, conn)
	if err != nil {
		return err
	}
	fmt.Printf("%-44s %s  (%d columns)\n", "InferJSONColumns (first batch only)", rateCPU(n, time.Since(t0), cpuTime()-c0), len(cols))
	fmt.Printf("%-44s %s\n\n", "one batch, kafkajson end to end (read, load)", rateCPU(n, tRead+tJSON, cRead+cJSON))
	b = nil
	conn.ExecContext(ctx, "DROP TABLE bench_raw; DROP TABLE bench_events")
	runtime.GC()

	// Micro-batches capped at --batch records, as a stream would run.
	r, err = kafka.NewReader(ctx, cfg, kafka.Subscription{Topics: []string{topic}}, kafka.ReadOptions{MaxOffsetsPerTrigger: *batch, Logger: quiet})
	if err != nil {
		return err
	}
	defer r.Close()
	var read, parse, plans, write, cPlans, cReads, cParse, cWrite time.Duration
	out, err := os.MkdirTemp("", "flare-bench-kafka-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	var got int64
	batches := 0
	off := start
	tAll, cAll := time.Now(), cpuTime()
	lap := func(d, c *time.Duration, t0 time.Time, c0 time.Duration) {
		*d += time.Since(t0)
		*c += cpuTime() - c0
	}
	for {
		t0, c0 := time.Now(), cpuTime()
		plan, err := r.Plan(ctx, off)
		if err != nil {
			return err
		}
		lap(&plans, &cPlans, t0, c0)
		if plan.Records() == 0 {
			break
		}
		t0, c0 = time.Now(), cpuTime()
		b, err := r.Read(ctx, plan)
		if err != nil {
			return err
		}
		lap(&read, &cReads, t0, c0)
		t0, c0 = time.Now(), cpuTime()
		if _, err := b.LoadJSON(ctx, conn, "mb_events", kafka.JSONOptions{Columns: benchColumns}); err != nil {
			return err
		}
		lap(&parse, &cParse, t0, c0)
		// The Parquet file a stream's Iceberg append would write (snappy,
		// the lakehouse's default), to see the rest of the budget.
		t0, c0 = time.Now(), cpuTime()
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("COPY mb_events TO '%s/batch-%d.parquet' (FORMAT parquet, COMPRESSION snappy)", out, batches)); err != nil {
			return err
		}
		lap(&write, &cWrite, t0, c0)
		got += int64(len(b.Records))
		off = b.End
		batches++
	}
	wall, cWall := time.Since(tAll), cpuTime()-cAll
	fmt.Printf("micro-batches of %d (maxOffsetsPerTrigger), %d batches:\n", *batch, batches)
	fmt.Printf("  %-42s %s\n", "plan (list offsets)", rateCPU(got, plans, cPlans))
	fmt.Printf("  %-42s %s\n", "read", rateCPU(got, read, cReads))
	fmt.Printf("  %-42s %s\n", "LoadJSON", rateCPU(got, parse, cParse))
	fmt.Printf("  %-42s %s\n", "COPY to Parquet (not a commit)", rateCPU(got, write, cWrite))
	fmt.Printf("  %-42s %s\n", "all, wall clock", rateCPU(got, wall, cWall))
	var la string
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		la = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Printf("load average now: %s (2 cores shared: wall-clock rates vary with it, CPU per event much less)\n", la)
	if got != total {
		return fmt.Errorf("micro-batches read %d of %d events", got, total)
	}
	return nil
}

// cpuTime is the CPU time this process used so far (user and system, all
// threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ensureTopic creates and fills the topic unless it already holds the
// events, and returns the events and their value bytes.
func ensureTopic(ctx context.Context, cfg kafka.Config, conn *sql.Conn, topic string, events int, partitions int32) (int64, int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, 0, err
	}
	var have int64
	exists := false
	for _, o := range ends[topic] {
		if o.Err == nil {
			exists = true
			have += o.Offset
		}
	}
	var size int64
	if err := conn.QueryRowContext(ctx, "SELECT sum(length(to_json(e)::VARCHAR)) FROM ("+strings.ReplaceAll(benchEvents, "{N}", strconv.Itoa(events))+") e").Scan(&size); err != nil {
		return 0, 0, err
	}
	if exists && have == int64(events) {
		fmt.Printf("reusing topic %s\n", topic)
		return have, size, nil
	}
	if exists {
		if _, err := adm.DeleteTopic(ctx, topic); err != nil {
			return 0, 0, err
		}
		time.Sleep(time.Second)
	}
	if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
		return 0, 0, fmt.Errorf("create topic %s: %w", topic, err)
	}
	p, err := kafka.NewProducer(ctx, cfg, kafka.ProducerOptions{})
	if err != nil {
		return 0, 0, err
	}
	defer p.Close()
	t0, c0 := time.Now(), cpuTime()
	n, err := p.ProduceJSON(ctx, conn, strings.ReplaceAll(benchEvents, "{N}", strconv.Itoa(events)), topic, kafka.ProduceJSONOptions{})
	if err != nil {
		return 0, 0, err
	}
	d, c := time.Since(t0), cpuTime()-c0
	fmt.Printf("produced %d events with kafka.Producer.ProduceJSON in %.2f s: %.0f events/s, %.2f µs CPU/event\n", n, d.Seconds(), float64(n)/d.Seconds(), float64(c.Microseconds())/float64(n))
	return n, size, nil
}

// drainFranz consumes the whole topic with a plain franz-go consumer and
// only counts the records.
func drainFranz(ctx context.Context, cfg kafka.Config, topic string, total int64) (time.Duration, int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(50<<20), kgo.FetchMaxPartitionBytes(10<<20))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return 0, 0, err
	}
	var n int64
	t0 := time.Now()
	for n < total {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return 0, 0, err
		}
		n += int64(fs.NumRecords())
	}
	return time.Since(t0), n, nil
}
