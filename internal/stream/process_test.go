package stream_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the flare binary in the project folder.
func (e *kafkaEnv) start(args ...string) (*exec.Cmd, *syncBuffer) {
	e.t.Helper()
	cmd := exec.Command(flareBin, args...)
	cmd.Dir = e.dir
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, out
}

// A ProcessingTime stream runs until signalled: the first SIGTERM lets the
// running batch commit and exits 0. Readers querying the table while it
// runs see whole batches only: every count they observe is the sum of the
// first batches of the batch log.
func TestProcessingTimeStopAndReads(t *testing.T) {
	e := setup(t, 2)
	e.produce(0, 200)
	m := e.manifest("pt", "triggerMode: ProcessingTime, triggerDuration: 300 milliseconds, checkpointLocation: dataos://lakehouse:checkpoints/pt",
		"startingOffsets: earliest, maxOffsetsPerTrigger: 50", "pt")
	cmd, out := e.start("run", m)
	const rounds, per = 16, 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range rounds {
			if err := produceRange(context.Background(), e.cl, e.topic, 200+i*per, per); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
	}()
	want := int64(200 + rounds*per)
	seen := map[int64]bool{}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		rows, distinct := counts(t, "pt")
		if rows != distinct {
			t.Fatalf("a reader saw %d rows but %d distinct ids", rows, distinct)
		}
		seen[rows] = true
		if rows == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream wrote %d of %d records in 3 minutes:\n%s", rows, want, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	<-done
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Fatalf("no stop line:\n%s", out.String())
	}
	log := batches(t, filepath.Join(e.dir, "lakehouse", "checkpoints", "pt"))
	whole := map[int64]bool{0: true}
	var sum int64
	for i, b := range log {
		if b.Batch != int64(i+1) || b.Records > 50 {
			t.Fatalf("batch log line %d: %+v", i, b)
		}
		sum += b.Records
		whole[sum] = true
	}
	if sum != want {
		t.Fatalf("the batch log sums to %d records; want %d", sum, want)
	}
	for n := range seen {
		if !whole[n] {
			t.Fatalf("a reader saw %d rows, which is not a whole number of batches (%+v)", n, log)
		}
	}
	t.Logf("%d batches; readers saw %d distinct counts", len(log), len(seen))
}

// kill -9 at varied points while a producer writes, again and again: once
// the stream catches up, both output tables hold every produced record
// exactly once.
func TestKill9Loop(t *testing.T) {
	e := setup(t, 3)
	job := func(name, streaming string) string {
		p := filepath.Join(e.dir, name+".yaml")
		write(t, p, `version: v1
name: `+name+`
type: workflow
workflow:
  dag:
    - name: ingest
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            streaming: {`+streaming+`}
            inputs:
              - name: events
                dataset: dataos://events:default/`+e.topic+`
                format: kafkajson
                isStream: true
                schema: "id BIGINT, name STRING"
                options: {startingOffsets: earliest, maxOffsetsPerTrigger: 300}
            steps:
              - sequence:
                  - name: a
                    sql: SELECT id, name FROM events
                  - name: b
                    sql: SELECT id, length(name) AS len FROM events
            outputs:
              - {name: a, dataset: "dataos://lakehouse:stream/k1", format: iceberg, options: {saveMode: append}}
              - {name: b, dataset: "dataos://lakehouse:stream/k2", format: iceberg, options: {saveMode: append}}
`)
		return p
	}
	run := job("kill", "triggerMode: ProcessingTime, checkpointLocation: dataos://lakehouse:checkpoints/kill")
	var produced atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			n := int(produced.Load())
			if err := produceRange(context.Background(), e.cl, e.topic, n, 100); err != nil {
				t.Error(err)
				return
			}
			produced.Add(100)
			time.Sleep(40 * time.Millisecond)
		}
	}()
	const kills = 12
	for i := range kills {
		cmd, out := e.start("run", run)
		// Varied points: during start-up, while compiling, between and
		// inside batches and commits.
		time.Sleep(time.Duration(150+rand.IntN(2200)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		rows, _ := counts(t, "k1")
		t.Logf("kill %d: %d produced, %d in k1; last lines: %s", i+1, produced.Load(), rows, lastLine(out.String()))
	}
	close(stop)
	<-done
	want := produced.Load()
	catchUp := job("catchup", "triggerMode: AvailableNow, checkpointLocation: dataos://lakehouse:checkpoints/kill")
	r := mustFlare(t, "run", catchUp)
	for _, table := range []string{"k1", "k2"} {
		rows, distinct := counts(t, table)
		if rows != want || distinct != want {
			t.Fatalf("%s: %d rows, %d distinct ids; %d were produced\n%s", table, rows, distinct, want, r.stderr)
		}
	}
	replays := 0
	for _, b := range batches(t, filepath.Join(e.dir, "lakehouse", "checkpoints", "kill")) {
		if b.Replay {
			replays++
		}
	}
	t.Logf("%d records produced through %d kills, each in both tables once (%d batches replayed to one output)", want, kills, replays)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Several runs of one stream job at once: each commit expects the state its
// batch started from, so a run that lost the race fails (or its batch is
// planned again) and no record is written twice.
func TestConcurrentRunsWriteOnce(t *testing.T) {
	e := setup(t, 2)
	e.produce(0, 600)
	m := e.manifest("race", "triggerMode: AvailableNow", "startingOffsets: earliest, maxOffsetsPerTrigger: 40", "race")
	type run struct {
		cmd *exec.Cmd
		out *syncBuffer
	}
	var runs []run
	for range 3 {
		cmd, out := e.start("run", m)
		runs = append(runs, run{cmd, out})
	}
	conflicts := 0
	for _, r := range runs {
		if err := r.cmd.Wait(); err != nil {
			if !strings.Contains(r.out.String(), "committed first") {
				t.Fatalf("a run failed otherwise than by losing the race: %v\n%s", err, r.out.String())
			}
			conflicts++
		}
	}
	// Whatever the losers left, one more run completes the stream.
	mustFlare(t, "run", m)
	if rows, distinct := counts(t, "race"); rows != 600 || distinct != 600 {
		t.Fatalf("%d rows, %d distinct ids; want 600 once each", rows, distinct)
	}
	t.Logf("%d of 3 concurrent runs lost a race", conflicts)
}

// minOffsetsPerTrigger holds a ProcessingTime batch back until that many
// records wait (maxTriggerDelay is an hour here): the first batch has at
// least 1,000 records although 100 were there from the start.
func TestMinOffsetsPerTrigger(t *testing.T) {
	e := setup(t, 1)
	e.produce(0, 100)
	m := e.manifest("min", "triggerMode: ProcessingTime, triggerDuration: 200 milliseconds, checkpointLocation: ./checkpoints/min",
		"startingOffsets: earliest, minOffsetsPerTrigger: 1000, maxTriggerDelay: 1 hour", "min")
	cmd, out := e.start("run", m)
	// Once the stream has started (a second), the rest arrives in pieces.
	time.Sleep(time.Second)
	for i := range 10 {
		e.produce(100+i*100, 100)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if rows, _ := counts(t, "min"); rows == 1100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream did not write the 1,100 records:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, out.String())
	}
	log := batches(t, filepath.Join(e.dir, "checkpoints", "min"))
	if len(log) == 0 || log[0].Records < 1000 {
		t.Fatalf("the first batch has %+v; want at least 1,000 records", log)
	}
}
