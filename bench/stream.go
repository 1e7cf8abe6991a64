package main

// go run ./bench stream --events 1000000 --partitions 4
//
// Stream jobs (docs/stream.md) against a running broker (--brokers, or
// FLARE_TEST_KAFKA_BROKERS; `bash .ci/kafka.sh start` runs one):
//   - throughput: a flare run (AvailableNow, micro-batches of --batch
//     records) of the kafka bench's JSON events into an Iceberg table, next
//     to the rate at which franz-go alone drains the same topic (the limit);
//     the sustained rate is the records over the batches' time (planning,
//     reading, loading, steps, Parquet, commit), the wall rate includes the
//     process's start and compile;
//   - latency: --rate events/s produced for --seconds while a ProcessingTime
//     stream with a 1 s trigger runs; a record's latency is from its
//     producer's timestamp to the commit of its batch (p50, p99);
//   - commit cost: --small batches of 10 records each; the batch time at
//     batch 10 and at the last one (every batch is one Iceberg commit).

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flare-lakehouse/flare/internal/kafka"
	"github.com/flare-lakehouse/flare/internal/stream"
)

func streamBench(args []string) error {
	fs := flag.NewFlagSet("stream", flag.ExitOnError)
	events := fs.Int("events", 1_000_000, "events in the throughput topic")
	partitions := fs.Int("partitions", 4, "partitions of the throughput topic")
	brokers := fs.String("brokers", os.Getenv("FLARE_TEST_KAFKA_BROKERS"), "host:port of a broker (default $FLARE_TEST_KAFKA_BROKERS)")
	batch := fs.Int64("batch", 500_000, "maxOffsetsPerTrigger of the throughput run")
	rate := fs.Int("rate", 20_000, "events/s produced during the latency run")
	seconds := fs.Int("seconds", 15, "length of the latency run")
	small := fs.Int("small", 300, "batches of the commit-cost run (0 skips it)")
	merge := fs.String("merge", "commit.manifest-merge.enabled: true", "table properties of the second commit-cost run")
	maintain := fs.String("maintain", "compactEvery: 100, expireSnapshotsEvery: 100, retainSnapshots: 20", "job.streaming keys of the second commit-cost run")
	only := fs.Bool("commits-only", false, "run the second commit-cost run only")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench-stream"), "work folder (replaced)")
	fs.Parse(args)
	if *brokers == "" {
		return fmt.Errorf("no broker: pass --brokers or set FLARE_TEST_KAFKA_BROKERS (bash .ci/kafka.sh start)")
	}
	ctx := context.Background()
	cfg := kafka.Config{Brokers: strings.Split(*brokers, ",")}
	fmt.Printf("machine: %d cores, %s\n", runtime.NumCPU(), runtime.Version())
	os.RemoveAll(*dir)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "flare.yaml"), []byte(fmt.Sprintf(
		"depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  events: {type: kafka, brokers: [%q]}\n", *brokers)), 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
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

	if *only {
		return commitCostRun(ctx, cfg, *dir, self, *small, *merge, *maintain)
	}
	// Throughput.
	topic := fmt.Sprintf("flare-bench-%d-%d", *events, *partitions)
	total, bytes, err := ensureTopic(ctx, cfg, conn, topic, *events, int32(*partitions))
	if err != nil {
		return err
	}
	fmt.Printf("topic %s: %d events, %.0f MB of JSON values, %d partitions\n\n", topic, total, float64(bytes)/(1<<20), *partitions)
	d, n, err := drainFranz(ctx, cfg, topic, total)
	if err != nil {
		return err
	}
	fmt.Printf("%-46s %10.0f events/s (%.2f s)\n", "franz-go alone drains the topic (the limit)", float64(n)/d.Seconds(), d.Seconds())
	schema := "event_id BIGINT, user_id BIGINT, type STRING, ts TIMESTAMP, amount DECIMAL(10,2), country STRING, page STRING, session STRING"
	writeJob(*dir, "throughput", topic, schema, "triggerMode: AvailableNow, checkpointLocation: ./checkpoints/throughput",
		fmt.Sprintf("startingOffsets: earliest, maxOffsetsPerTrigger: %d", *batch), "SELECT * FROM events", "")
	m, err := child(*dir, self, "child-flare", "run", "throughput.yaml")
	if err != nil {
		return fmt.Errorf("flare run: %w", err)
	}
	log, err := readLog(filepath.Join(*dir, "checkpoints", "throughput"))
	if err != nil {
		return err
	}
	var recs, ms int64
	for _, b := range log {
		recs += b.Records
		ms += b.DurationMS
	}
	fmt.Printf("%-46s %10.0f events/s (%d batches, %.2f s)\n", "flare stream Kafka → Iceberg, sustained", float64(recs)/(float64(ms)/1000), len(log), float64(ms)/1000)
	fmt.Printf("%-46s %10.0f events/s (%.2f s, peak RSS %.0f MB)\n\n", "flare run, wall clock with start and compile", float64(total)/m.wall.Seconds(), m.wall.Seconds(), float64(m.maxRSS)/(1<<20))

	// Latency at a 1 s trigger.
	if err := latencyRun(ctx, cfg, *dir, self, *rate, *seconds); err != nil {
		return err
	}
	// Commit cost.
	if *small > 0 {
		if err := commitCostRun(ctx, cfg, *dir, self, *small, "", ""); err != nil {
			return err
		}
		if *maintain != "" || *merge != "" {
			if err := commitCostRun(ctx, cfg, *dir, self, *small, *merge, *maintain); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeJob writes a stream job reading topic as kafkajson into
// lakehouse.bench.<name>.
func writeJob(dir, name, topic, schema, streaming, options, sql, props string) {
	m := fmt.Sprintf(`version: v1
name: %s
type: workflow
workflow:
  dag:
    - name: %s
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {%s}
            inputs:
              - {name: events, dataset: "dataos://events:none/%s", format: kafkajson, isStream: true, schema: %q, options: {%s}}
            steps:
              - sequence:
                  - {name: rows, sql: %q}
            outputs:
              - {name: rows, dataset: "dataos://lakehouse:bench/%s", format: iceberg, options: {saveMode: append, iceberg: {properties: {%s}}}}
`, name, name, streaming, topic, schema, options, sql, name, props)
	_ = os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(m), 0o644)
}

func readLog(dir string) ([]stream.BatchLog, error) {
	f, err := os.Open(filepath.Join(dir, stream.LogFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []stream.BatchLog
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var b stream.BatchLog
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, sc.Err()
}

// newTopic creates a fresh topic of one partition.
func newTopic(ctx context.Context, cfg kafka.Config, name string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	_, _ = adm.DeleteTopic(ctx, name)
	time.Sleep(500 * time.Millisecond)
	res, err := adm.CreateTopic(ctx, 1, 1, nil, name)
	if err != nil {
		return err
	}
	return res.Err
}

// latencyRun produces rate events/s for seconds while a ProcessingTime
// stream (1 s) runs, then stops it and measures each record's latency:
// from its producer timestamp to its batch's commit (one partition, so a
// record's offset places it in a batch of the log).
func latencyRun(ctx context.Context, cfg kafka.Config, dir, self string, rate, seconds int) error {
	props := ""
	topic := fmt.Sprintf("flare-bench-latency-%d", time.Now().Unix())
	if err := newTopic(ctx, cfg, topic); err != nil {
		return err
	}
	writeJob(dir, "latency", topic, "id BIGINT, ts BIGINT", "triggerMode: ProcessingTime, triggerDuration: 1 second, checkpointLocation: ./checkpoints/latency",
		"startingOffsets: earliest", "SELECT id, ts FROM events", props)
	cmd := exec.Command(self, "child-flare", "run", "latency.yaml")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // start and compile, first (empty) batch
	p, err := kafka.NewProducer(ctx, cfg, kafka.ProducerOptions{Linger: time.Millisecond})
	if err != nil {
		return err
	}
	defer p.Close()
	produced := map[int64]int64{} // id -> produce time (ms)
	began := time.Now()
	id := int64(0)
	for time.Since(began) < time.Duration(seconds)*time.Second {
		due := began.Add(time.Duration(float64(id) / float64(rate) * float64(time.Second)))
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		chunk := max(rate/100, 1)
		recs := make([]*kgo.Record, chunk)
		now := time.Now().UnixMilli()
		for i := range recs {
			recs[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"id":%d,"ts":%d}`, id, now)}
			produced[id] = now
			id++
		}
		if err := p.Produce(ctx, recs...); err != nil {
			return err
		}
	}
	time.Sleep(3 * time.Second)
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("latency stream: %w", err)
	}
	log, err := readLog(filepath.Join(dir, "checkpoints", "latency"))
	if err != nil {
		return err
	}
	var lat []int64
	for _, b := range log {
		r := b.Sources["events"]
		end := b.Started.Add(time.Duration(b.DurationMS) * time.Millisecond).UnixMilli()
		for part, e := range r.End {
			for off := r.Start[part]; off < e; off++ {
				if ts, ok := produced[off]; ok {
					lat = append(lat, end-ts)
				}
			}
		}
	}
	if len(lat) == 0 {
		return fmt.Errorf("latency run: no record committed")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) int64 { return lat[int(q*float64(len(lat)-1))] }
	fmt.Printf("latency at a 1 s trigger, %d events/s for %d s: %d records in %d batches; p50 %d ms, p99 %d ms, max %d ms\n\n",
		rate, seconds, len(lat), len(log), pct(0.5), pct(0.99), lat[len(lat)-1])
	return nil
}

// commitCostRun runs n batches of 10 records and prints the batch time
// (one Iceberg append commit each) at batch 10, halfway and at the end;
// maintain adds job.streaming keys, props table properties.
func commitCostRun(ctx context.Context, cfg kafka.Config, dir, self string, n int, props, maintain string) error {
	name := fmt.Sprintf("commits%d", time.Now().UnixNano()%1_000_000)
	topic := "flare-bench-" + name
	if err := newTopic(ctx, cfg, topic); err != nil {
		return err
	}
	p, err := kafka.NewProducer(ctx, cfg, kafka.ProducerOptions{})
	if err != nil {
		return err
	}
	recs := make([]*kgo.Record, n*10)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, `{"id":%d,"ts":0}`, i)}
	}
	err = p.Produce(ctx, recs...)
	p.Close()
	if err != nil {
		return err
	}
	streaming := "triggerMode: AvailableNow, checkpointLocation: ./checkpoints/" + name
	if maintain != "" {
		streaming += ", " + maintain
	}
	writeJob(dir, name, topic, "id BIGINT, ts BIGINT", streaming,
		"startingOffsets: earliest, maxOffsetsPerTrigger: 10", "SELECT id, ts FROM events", props)
	m, err := child(dir, self, "child-flare", "run", name+".yaml")
	if err != nil {
		return err
	}
	log, err := readLog(filepath.Join(dir, "checkpoints", name))
	if err != nil {
		return err
	}
	at := func(i int) int64 { // median of 5 batches around batch i (1-based)
		var w []int64
		for j := max(i-3, 0); j < min(i+2, len(log)); j++ {
			w = append(w, log[j].DurationMS)
		}
		sort.Slice(w, func(a, b int) bool { return w[a] < w[b] })
		return w[len(w)/2]
	}
	fmt.Printf("streaming {%s}, table properties {%s}\n", maintain, props)
	fmt.Printf("commit cost: %d batches of 10 records in %.1f s; batch time at batch 10: %d ms, at batch %d: %d ms, at batch %d: %d ms\n",
		len(log), m.wall.Seconds(), at(10), len(log)/2, at(len(log)/2), len(log), at(len(log)))
	return nil
}
