package stream_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A Once stream reads everything available in one batch; each run resumes
// where the table's committed offsets end, and a run with nothing new
// writes nothing.
func TestOnceResumes(t *testing.T) {
	e := setup(t, 3)
	e.produce(0, 100)
	m := e.manifest("once", "triggerMode: Once, checkpointLocation: dataos://lakehouse:checkpoints/once", "startingOffsets: earliest", "once")
	r := mustFlare(t, "run", m)
	if !strings.Contains(r.stderr, "batch 1: 100 records") {
		t.Fatalf("no batch line for 100 records:\n%s", r.stderr)
	}
	if rows, distinct := counts(t, "once"); rows != 100 || distinct != 100 {
		t.Fatalf("after run 1: %d rows, %d distinct ids; want 100", rows, distinct)
	}
	e.produce(100, 50)
	mustFlare(t, "run", m)
	if rows, distinct := counts(t, "once"); rows != 150 || distinct != 150 {
		t.Fatalf("after run 2: %d rows, %d distinct; want 150", rows, distinct)
	}
	r = mustFlare(t, "run", m)
	if !strings.Contains(r.stderr, "no new records") {
		t.Fatalf("run 3 should find nothing new:\n%s", r.stderr)
	}
	if rows, _ := counts(t, "once"); rows != 150 {
		t.Fatalf("after run 3: %d rows; want 150", rows)
	}
	log := batches(t, filepath.Join(e.dir, "lakehouse", "checkpoints", "once"))
	if len(log) != 2 || log[0].Records != 100 || log[1].Records != 50 || log[1].Batch != 2 {
		t.Fatalf("batch log: %+v", log)
	}
	if got := fmt.Sprint(log[1].Sources["events"].Start); got != fmt.Sprint(log[0].Sources["events"].End) {
		t.Fatalf("batch 2 starts at %s, batch 1 ended at %s", got, log[0].Sources["events"].End)
	}
	st := mustFlare(t, "stream", "status", "lakehouse.stream.once")
	if !strings.Contains(st.stdout, "ingest.rows  2 ") || !strings.Contains(st.stdout, e.topic+"/0") || !strings.Contains(st.stdout, "LAG") {
		t.Fatalf("stream status:\n%s", st.stdout)
	}
	// The step ran on each batch.
	r = mustFlare(t, "sql", "--format", "csv", "SELECT name FROM lakehouse.stream.once WHERE id = 120")
	if !strings.Contains(r.stdout, "N120") {
		t.Fatalf("row 120: %s", r.stdout)
	}
}

// startingOffsets latest starts at the end of the topic on the first run,
// and that start is committed (an empty batch), so records produced before
// the next run are read by it.
func TestStartingOffsetsLatest(t *testing.T) {
	e := setup(t, 2)
	e.produce(0, 20)
	m := e.manifest("latest", "triggerMode: Once", "startingOffsets: latest", "latest")
	mustFlare(t, "run", m)
	if rows, _ := counts(t, "latest"); rows != 0 {
		t.Fatalf("latest read %d old records", rows)
	}
	e.produce(20, 30)
	mustFlare(t, "run", m)
	rows, distinct := counts(t, "latest")
	if rows != 30 || distinct != 30 {
		t.Fatalf("%d rows, %d distinct; want the 30 new records", rows, distinct)
	}
	r := mustFlare(t, "sql", "--format", "csv", "SELECT min(id) FROM lakehouse.stream.latest")
	if !strings.Contains(r.stdout, "\n20") {
		t.Fatalf("min id: %s", r.stdout)
	}
}

// AvailableNow reads what is there in batches of maxOffsetsPerTrigger, then
// stops; the raw format gives Spark's Kafka columns and cast(value as
// string) is the value's text.
func TestAvailableNowRaw(t *testing.T) {
	e := setup(t, 2)
	e.produce(0, 100)
	m := filepath.Join(e.dir, "raw.yaml")
	write(t, m, fmt.Sprintf(`version: v1
name: raw
type: workflow
workflow:
  dag:
    - name: raw
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming:
              triggerMode: AvailableNow
              checkpointLocation: dataos://lakehouse:checkpoints/raw
            inputs:
              - name: kafka
                dataset: dataos://events:none/%s
                isStream: true
                options: {startingOffsets: earliest, maxOffsetsPerTrigger: 30}
            steps:
              - sequence:
                  - name: final
                    sql: |
                      SELECT CAST(key AS STRING) AS key_string, CAST(value AS STRING) AS value_string,
                             CAST(get_json_object(CAST(value AS STRING), '$.id') AS BIGINT) AS id,
                             topic, `+"`partition`, `offset`, `timestamp`"+`
                      FROM kafka
            outputs:
              - name: final
                dataset: dataos://lakehouse:stream/raw
                format: iceberg
                options: {saveMode: append}
`, e.topic))
	r := mustFlare(t, "run", m)
	rows, distinct := counts(t, "raw")
	if rows != 100 || distinct != 100 {
		t.Fatalf("%d rows, %d distinct; want 100\n%s", rows, distinct, r.stderr)
	}
	log := batches(t, filepath.Join(e.dir, "lakehouse", "checkpoints", "raw"))
	if len(log) != 4 {
		t.Fatalf("want 4 batches of at most 30 records, got %d: %+v", len(log), log)
	}
	var sum int64
	for _, b := range log {
		if b.Records > 30 {
			t.Fatalf("batch %d has %d records", b.Batch, b.Records)
		}
		sum += b.Records
	}
	if sum != 100 || log[len(log)-1].Lag != 0 {
		t.Fatalf("batches sum to %d records, last lag %d", sum, log[len(log)-1].Lag)
	}
	r = mustFlare(t, "sql", "--format", "csv", "SELECT key_string, value_string FROM lakehouse.stream.raw WHERE id = 7")
	if !strings.Contains(r.stdout, `7,"{""id"":7,""name"":""n7""}"`) {
		t.Fatalf("key and value of record 7:\n%s", r.stdout)
	}
}

// A record that does not fit the schema fails the batch with an error
// naming the record; nothing of the batch is committed, and the next run
// reads it again (nothing is skipped).
func TestSchemaErrorLosesNothing(t *testing.T) {
	e := setup(t, 1)
	e.produce(0, 10)
	m := e.manifest("bad", "triggerMode: Once", "startingOffsets: earliest", "bad")
	mustFlare(t, "run", m)
	e.produce(10, 5)
	e.produceValue(`{"id":"not a number","name":"x"}`)
	for range 2 {
		r := flare(t, "run", m)
		if r.code == 0 {
			t.Fatalf("a bad record was accepted:\n%s", r.stderr)
		}
		if !strings.Contains(r.stderr, e.topic+"/0@15") || !strings.Contains(r.stderr, "input events") {
			t.Fatalf("the error does not name the input and the record (partition 0, offset 15):\n%s", r.stderr)
		}
		if rows, _ := counts(t, "bad"); rows != 10 {
			t.Fatalf("%d rows after the failed batch; want 10", rows)
		}
	}
}

// Each batch is merged into a table (upsert by id) and sent to another
// topic as JSON.
func TestMergeAndKafkaOutputs(t *testing.T) {
	e := setup(t, 2)
	outTopic := e.topic + "-out"
	write(t, filepath.Join(e.dir, "setup.yaml"), `version: v1
name: setup
type: workflow
workflow:
  dag:
    - name: create
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: empty, query: "SELECT CAST(0 AS BIGINT) AS id, 'x' AS name, 0 AS version WHERE false"}
            outputs:
              - {name: empty, dataset: "dataos://lakehouse:stream/merged", format: iceberg, options: {saveMode: overwrite}}
`)
	mustFlare(t, "run", "setup.yaml")
	write(t, filepath.Join(e.dir, "merge.yaml"), fmt.Sprintf(`version: v1
name: merge
type: workflow
workflow:
  dag:
    - name: upsert
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {triggerMode: Once}
            inputs:
              - {name: events, dataset: "dataos://events:none/%s", format: KAFKAJSON, isStream: true, schema: "id BIGINT, name STRING, version INT", options: {startingOffsets: earliest}}
            outputs:
              - name: events
                dataset: dataos://lakehouse:stream/merged
                format: iceberg
                options:
                  iceberg:
                    merge: {onClause: old.id = new.id, whenClause: "MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"}
              - {name: events, dataset: "dataos://events:none/%s", format: kafkajson, options: {extraOptions: {keyColumn: id}}}
`, e.topic, outTopic))
	produceVersion := func(version int) {
		for i := range 50 {
			e.produceValue(fmt.Sprintf(`{"id":%d,"name":"n%d","version":%d}`, i, i, version))
		}
	}
	produceVersion(1)
	mustFlare(t, "run", "merge.yaml")
	produceVersion(2)
	mustFlare(t, "run", "merge.yaml")
	r := mustFlare(t, "sql", "--format", "csv", "SELECT count(*), count(DISTINCT id), min(version) FROM lakehouse.stream.merged")
	if !strings.Contains(r.stdout, "\n50,50,2") {
		t.Fatalf("merged table: %s", r.stdout)
	}
	// The other topic got every record of both batches, keyed by id.
	n, keyed := 0, 0
	cl := consume(t, e.brokers, outTopic)
	for n < 100 {
		fs := cl.PollFetches(context.Background())
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			n++
			if len(rec.Key) > 0 && strings.Contains(string(rec.Value), `"id":`+string(rec.Key)+",") {
				keyed++
			}
		})
	}
	if n != 100 || keyed != 100 {
		t.Fatalf("the output topic has %d records (%d keyed by id); want 100", n, keyed)
	}
}

// A folder of arriving files is a stream source: each batch reads the
// files no batch read before (hidden files, still being written, wait).
func TestFolderStream(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write(t, filepath.Join(dir, "flare.yaml"), "depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  landing: {type: file, path: ./landing}\n")
	csv := func(name string, from, n int) {
		var b strings.Builder
		b.WriteString("id,name\n")
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, "%d,n%d\n", i, i)
		}
		write(t, filepath.Join(dir, "landing", "in", name), b.String())
	}
	csv("a.csv", 0, 10)
	write(t, filepath.Join(dir, "files.yaml"), `version: v1
name: files
type: workflow
workflow:
  dag:
    - name: files
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {triggerMode: AvailableNow, checkpointLocation: ./checkpoints/files}
            inputs:
              - {name: landed, dataset: "dataos://landing:none/in", format: csv, isStream: true, options: {header: true, inferSchema: true}}
            outputs:
              - {name: landed, dataset: "dataos://lakehouse:stream/files", format: iceberg, options: {saveMode: append}}
`)
	mustFlare(t, "run", "files.yaml")
	if rows, distinct := counts(t, "files"); rows != 10 || distinct != 10 {
		t.Fatalf("run 1: %d rows, %d distinct", rows, distinct)
	}
	csv("b.csv", 10, 5)
	csv("c.csv", 15, 5)
	csv(".d.csv", 100, 5) // being written: hidden
	mustFlare(t, "run", "files.yaml")
	if rows, distinct := counts(t, "files"); rows != 20 || distinct != 20 {
		t.Fatalf("run 2: %d rows, %d distinct", rows, distinct)
	}
	r := mustFlare(t, "run", "files.yaml")
	if !strings.Contains(r.stderr, "no new records") {
		t.Fatalf("run 3 read again:\n%s", r.stderr)
	}
	log := batches(t, filepath.Join(dir, "checkpoints", "files"))
	if len(log) != 2 || log[1].Files != 2 || fmt.Sprint(log[1].Sources["landed"].New) != "[in/b.csv in/c.csv]" {
		t.Fatalf("batch log: %+v", log)
	}
}

// compactEvery and expireSnapshotsEvery keep a stream's table small: the
// maintenance commits carry the stream's state, so the next run resumes.
func TestStreamMaintenance(t *testing.T) {
	e := setup(t, 1)
	e.produce(0, 60)
	m := e.manifest("maint", "triggerMode: AvailableNow, compactEvery: 4, expireSnapshotsEvery: 4, retainSnapshots: 2",
		"startingOffsets: earliest, maxOffsetsPerTrigger: 5", "maint")
	r := mustFlare(t, "run", m)
	if !strings.Contains(r.stderr, "compacted lakehouse.stream.maint after batch 12") {
		t.Fatalf("no compaction after batch 12:\n%s", r.stderr)
	}
	if rows, distinct := counts(t, "maint"); rows != 60 || distinct != 60 {
		t.Fatalf("%d rows, %d distinct; want 60", rows, distinct)
	}
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.stream.maint")
	if n := strings.Count(snaps.stdout, "\n") - 1; n > 4 {
		t.Fatalf("%d snapshots kept; expiry keeps the last 2 (plus the compaction's):\n%s", n, snaps.stdout)
	}
	e.produce(60, 7)
	mustFlare(t, "run", m)
	if rows, distinct := counts(t, "maint"); rows != 67 || distinct != 67 {
		t.Fatalf("after the next run: %d rows, %d distinct; want 67", rows, distinct)
	}
}

// kafkajson without a schema: the columns are inferred from the topic's
// first records when compiling, and the first batch keeps them in the
// checkpoint, so later runs keep them even when new fields appear.
func TestKafkaJSONInferred(t *testing.T) {
	e := setup(t, 1)
	e.produce(0, 10)
	m := filepath.Join(e.dir, "infer.yaml")
	write(t, m, fmt.Sprintf(`version: v1
name: infer
type: workflow
workflow:
  dag:
    - name: infer
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {triggerMode: Once, checkpointLocation: ./checkpoints/infer}
            inputs:
              - {name: events, dataset: "dataos://events:none/%s", format: kafkajson, isStream: true, options: {startingOffsets: earliest}}
            outputs:
              - {name: events, dataset: "dataos://lakehouse:stream/infer", format: iceberg, options: {saveMode: append}}
`, e.topic))
	r := mustFlare(t, "run", m)
	if !strings.Contains(r.stderr, "columns inferred from the first 10 records") {
		t.Fatalf("no inference note:\n%s", r.stderr)
	}
	e.produceValue(`{"id":10,"name":"n10","extra":true}`)
	r = mustFlare(t, "run", m)
	if strings.Contains(r.stderr, "inferred") {
		t.Fatalf("the second run inferred again instead of using the checkpoint's columns:\n%s", r.stderr)
	}
	if rows, distinct := counts(t, "infer"); rows != 11 || distinct != 11 {
		t.Fatalf("%d rows, %d distinct; want 11", rows, distinct)
	}
	r = mustFlare(t, "sql", "--format", "csv", "SELECT * FROM lakehouse.stream.infer WHERE id = 10")
	if strings.Contains(r.stdout, "extra") || !strings.Contains(r.stdout, "n10") {
		t.Fatalf("the columns changed:\n%s", r.stdout)
	}
}

// With deadLetter, a record that does not fit goes to that table, with its
// offset and the reason, in the batch's commits; the good ones go on.
func TestDeadLetter(t *testing.T) {
	e := setup(t, 1)
	e.produce(0, 5)
	e.produceValue(`{"id":"five","name":"x"}`)
	e.produceValue(`not json`)
	e.produce(5, 5)
	m := e.manifest("dead", "triggerMode: Once", "startingOffsets: earliest, deadLetter: dataos://lakehouse:stream/letters", "dead")
	mustFlare(t, "run", m)
	if rows, distinct := counts(t, "dead"); rows != 10 || distinct != 10 {
		t.Fatalf("%d rows, %d distinct; want the 10 good records", rows, distinct)
	}
	r := mustFlare(t, "sql", "--format", "csv", "SELECT `offset`, CAST(value AS STRING), error FROM lakehouse.stream.letters ORDER BY 1")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "5,") || !strings.HasPrefix(lines[2], "6,not json") {
		t.Fatalf("dead letters:\n%s", r.stdout)
	}
	e.produce(10, 3)
	mustFlare(t, "run", m)
	if rows, _ := counts(t, "dead"); rows != 13 {
		t.Fatalf("after the next run: %d rows; want 13", rows)
	}
}

// The repository's stream example compiles with the repository's
// flare.yaml (a schema is given, so no broker is needed).
func TestExampleCompiles(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/stream/orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "examples", "stream", "orders.yaml"), string(data))
	cfg, err := os.ReadFile("../../flare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "flare.yaml"), string(cfg))
	t.Chdir(dir)
	r := mustFlare(t, "plan", "examples/stream/orders.yaml")
	if !strings.Contains(r.stdout, "stream: trigger ProcessingTime every 1s") || !strings.Contains(r.stdout, "kafka events topic orders") {
		t.Fatalf("plan:\n%s", r.stdout)
	}
}

// flare kafka produce: generated events and lines of a file, read back by a
// stream job.
func TestKafkaProduceCommand(t *testing.T) {
	e := setup(t, 2)
	addr := "dataos://events:none/" + e.topic
	r := mustFlare(t, "kafka", "produce", addr, "--count", "50", "--rate", "1000")
	if !strings.Contains(r.stdout, "50 records to "+e.topic) {
		t.Fatalf("produce: %s", r.stdout)
	}
	write(t, filepath.Join(e.dir, "more.jsonl"), `{"id":50,"user":"u50","amount":1.5,"ts":0}`+"\n\n"+`{"id":51,"user":"u51","amount":2.5,"ts":0}`+"\n")
	mustFlare(t, "kafka", "produce", addr, "--file", "more.jsonl")
	m := filepath.Join(e.dir, "produced.yaml")
	write(t, m, fmt.Sprintf(`version: v1
name: produced
type: workflow
workflow:
  dag:
    - name: produced
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {triggerMode: Once}
            inputs:
              - {name: events, dataset: "%s", format: kafkajson, isStream: true, schema: "id BIGINT, user STRING, amount DOUBLE, ts BIGINT", options: {startingOffsets: earliest}}
            outputs:
              - {name: events, dataset: "dataos://lakehouse:stream/produced", format: iceberg, options: {saveMode: append}}
`, addr))
	mustFlare(t, "run", m)
	if rows, distinct := counts(t, "produced"); rows != 52 || distinct != 52 {
		t.Fatalf("%d rows, %d distinct; want 52", rows, distinct)
	}
}

// A batch job may write a Kafka topic too: each row one JSON record.
func TestBatchJobKafkaOutput(t *testing.T) {
	e := setup(t, 1)
	write(t, filepath.Join(e.dir, "batch.yaml"), fmt.Sprintf(`version: v1
name: batch
type: workflow
workflow:
  dag:
    - name: send
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: rows, query: "SELECT id, 'n' || id AS name FROM range(25) t(id)"}
            outputs:
              - {name: rows, dataset: "dataos://events:none/%s", format: kafkajson}
`, e.topic))
	r := mustFlare(t, "run", "batch.yaml")
	if !strings.Contains(r.stdout, "25") {
		t.Fatalf("summary: %s", r.stdout)
	}
	cl := consume(t, e.brokers, e.topic)
	n := 0
	for n < 25 {
		fs := cl.PollFetches(context.Background())
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			if strings.Contains(string(rec.Value), `"name":"n`) {
				n++
			}
		})
	}
	if n != 25 {
		t.Fatalf("%d records; want 25", n)
	}
}
