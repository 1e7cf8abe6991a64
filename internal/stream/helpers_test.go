package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flare-lakehouse/flare/internal/cli"
	"github.com/flare-lakehouse/flare/internal/stream"
)

// brokersEnv names the real broker's host:port; .ci/kafka.sh starts one.
const brokersEnv = "FLARE_TEST_KAFKA_BROKERS"

// flareBin is the flare binary TestMain builds for the tests that kill or
// signal a running stream.
var flareBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flare-stream-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flareBin = filepath.Join(dir, "flare")
	build := exec.Command("go", "build", "-o", flareBin, "../../cmd/flare")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build flare:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// brokers returns the real broker; without it the test is skipped, or
// fails under CI=true.
func brokers(t *testing.T) string {
	t.Helper()
	b := os.Getenv(brokersEnv)
	if b == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must start a Kafka broker (.ci/kafka.sh)", brokersEnv)
		}
		t.Skipf("%s is not set: start a broker with `bash .ci/kafka.sh start`", brokersEnv)
	}
	return b
}

// kafkaEnv is a test's broker, topic and project folder.
type kafkaEnv struct {
	t       *testing.T
	brokers string
	topic   string
	dir     string
	cl      *kgo.Client
}

var nameRE = regexp.MustCompile(`[^a-z0-9]+`)

// setup makes a topic with partitions and a project folder whose
// flare.yaml has the lakehouse and a kafka depot "events"; the test runs
// in that folder.
func setup(t *testing.T, partitions int32) *kafkaEnv {
	t.Helper()
	b := brokers(t)
	e := &kafkaEnv{t: t, brokers: b, dir: t.TempDir()}
	e.topic = fmt.Sprintf("flare-%s-%d", strings.Trim(nameRE.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-"), rand.IntN(1<<30))
	cl, err := kgo.NewClient(kgo.SeedBrokers(b), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	e.cl = cl
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := adm.CreateTopic(ctx, partitions, 1, nil, e.topic)
	if err != nil || res.Err != nil {
		t.Fatalf("create topic %s: %v %v", e.topic, err, res.Err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, e.topic)
	})
	write(t, filepath.Join(e.dir, "flare.yaml"), fmt.Sprintf("depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  events: {type: kafka, brokers: [%q]}\n", b))
	t.Chdir(e.dir)
	return e
}

// produce sends records with ids from, from+1, ... (n of them) as JSON
// {"id":..,"name":"n<id>"}, keyed by id.
func (e *kafkaEnv) produce(from, n int) {
	e.t.Helper()
	if err := produceRange(context.Background(), e.cl, e.topic, from, n); err != nil {
		e.t.Fatal(err)
	}
}

func produceRange(ctx context.Context, cl *kgo.Client, topic string, from, n int) error {
	recs := make([]*kgo.Record, n)
	for i := range n {
		id := from + i
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(id)), Value: fmt.Appendf(nil, `{"id":%d,"name":"n%d"}`, id, id)}
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func (e *kafkaEnv) produceValue(v string) {
	e.t.Helper()
	if err := e.cl.ProduceSync(context.Background(), &kgo.Record{Topic: e.topic, Value: []byte(v)}).FirstErr(); err != nil {
		e.t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// manifest writes a stream job reading the topic as kafkajson (id, name)
// into lakehouse table stream.<table>; streaming is the job.streaming
// block's body, options the input's options.
func (e *kafkaEnv) manifest(name, streaming, options, table string) string {
	e.t.Helper()
	m := fmt.Sprintf(`version: v1
name: %s
type: workflow
workflow:
  dag:
    - name: ingest
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {%s}
            inputs:
              - name: events
                dataset: dataos://events:default/%s
                format: kafkajson
                isStream: true
                schema: "id BIGINT, name STRING"
                options: {%s}
            steps:
              - sequence:
                  - name: rows
                    sql: SELECT id, upper(name) AS name FROM events
            outputs:
              - name: rows
                dataset: dataos://lakehouse:stream/%s
                format: iceberg
                options: {saveMode: append}
`, name, streaming, e.topic, options, table)
	p := filepath.Join(e.dir, name+".yaml")
	write(e.t, p, m)
	return p
}

type result struct {
	stdout, stderr string
	code           int
}

// flare runs the CLI in this process.
func flare(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func mustFlare(t *testing.T, args ...string) result {
	t.Helper()
	r := flare(t, args...)
	if r.code != 0 {
		t.Fatalf("flare %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// counts returns a table's rows and distinct ids (0, 0 when it does not
// exist).
func counts(t *testing.T, table string) (rows, distinct int64) {
	t.Helper()
	r := flare(t, "sql", "--format", "csv", "SELECT count(*), count(DISTINCT id) FROM lakehouse.stream."+table)
	if r.code != 0 {
		if strings.Contains(r.stderr, "does not exist") || strings.Contains(r.stderr, "no such table") || strings.Contains(r.stderr, "not found") {
			return 0, 0
		}
		t.Fatalf("count %s: %s", table, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	f := strings.Split(lines[len(lines)-1], ",")
	rows, _ = strconv.ParseInt(f[0], 10, 64)
	distinct, _ = strconv.ParseInt(f[1], 10, 64)
	return rows, distinct
}

// batches reads a checkpoint's batch log.
func batches(t *testing.T, checkpoint string) []stream.BatchLog {
	t.Helper()
	f, err := os.Open(filepath.Join(checkpoint, stream.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []stream.BatchLog
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var b stream.BatchLog
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil {
			t.Fatalf("batch log line %q: %v", sc.Text(), err)
		}
		out = append(out, b)
	}
	return out
}

// consume is a client reading topic from its start.
func consume(t *testing.T, brokers, topic string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
