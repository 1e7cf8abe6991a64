package kafka

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestReadBatches reads a topic in batches: from earliest, then only what
// arrived since, with start and end offsets Spark would record.
func TestReadBatches(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := c.topic(t, 3)
		c.produceN(t, topic, 0, 5, "a")
		c.produceN(t, topic, 1, 3, "b")
		// partition 2 stays empty
		r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{})

		infos, err := r.Partitions(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		wantInfos := []PartitionInfo{{p(topic, 0), 0, 5}, {p(topic, 1), 0, 3}, {p(topic, 2), 0, 0}}
		if !reflect.DeepEqual(infos, wantInfos) {
			t.Fatalf("partitions = %v, want %v", infos, wantInfos)
		}

		start, err := r.InitialOffsets(ctx(t), "earliest")
		if err != nil {
			t.Fatal(err)
		}
		if want := (Offsets{p(topic, 0): 0, p(topic, 1): 0, p(topic, 2): 0}); !reflect.DeepEqual(start, want) {
			t.Fatalf("earliest = %v", start)
		}
		plan, err := r.Plan(ctx(t), start)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Records() != 8 || plan.Behind() != 0 || plan.End.String() != fmt.Sprintf(`{%q:{"0":5,"1":3,"2":0}}`, topic) {
			t.Fatalf("plan: records %d behind %d end %v", plan.Records(), plan.Behind(), plan.End)
		}
		b, err := r.Read(ctx(t), plan)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := values(b), []string{"a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2"}; !equal(got, want) {
			t.Fatalf("batch 1 = %v, want %v", got, want)
		}
		for i, rec := range b.Records {
			if wantOff := int64(i % 5); rec.Partition == 0 && rec.Offset != wantOff {
				t.Fatalf("record %d offset %d", i, rec.Offset)
			}
		}
		if b.Bytes != 16 {
			t.Fatalf("bytes = %d", b.Bytes)
		}

		// Nothing new: an empty batch ending where it started.
		b2, err := r.ReadBatch(ctx(t), b.End)
		if err != nil || len(b2.Records) != 0 || !reflect.DeepEqual(b2.End, b.End) {
			t.Fatalf("empty batch = %v %v, %v", values(b2), b2.End, err)
		}

		c.produceN(t, topic, 2, 2, "c")
		c.produceN(t, topic, 0, 1, "late")
		b3, err := r.ReadBatch(ctx(t), b2.End)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := values(b3), []string{"late0", "c0", "c1"}; !equal(got, want) {
			t.Fatalf("batch 3 = %v, want %v", got, want)
		}
		if want := fmt.Sprintf(`{%q:{"0":6,"1":3,"2":2}}`, topic); b3.End.String() != want || b3.Start.String() != b.End.String() {
			t.Fatalf("batch 3 offsets %v -> %v", b3.Start, b3.End)
		}

		// A replay after a crash re-reads from older offsets.
		replay, err := r.ReadBatch(ctx(t), Offsets{p(topic, 0): 3, p(topic, 1): 3, p(topic, 2): 0})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := values(replay), []string{"a3", "a4", "late0", "c0", "c1"}; !equal(got, want) {
			t.Fatalf("replay = %v, want %v", got, want)
		}

		// latest: only what arrives later.
		latest, err := r.InitialOffsets(ctx(t), "latest")
		if err != nil || latest.String() != b3.End.String() {
			t.Fatalf("latest = %v, %v", latest, err)
		}
		// Spark's JSON form: every partition named, -2 earliest, -1 latest.
		j, err := r.InitialOffsets(ctx(t), fmt.Sprintf(`{%q:{"0":2,"1":-2,"2":-1}}`, topic))
		if err != nil || j.String() != fmt.Sprintf(`{%q:{"0":2,"1":0,"2":2}}`, topic) {
			t.Fatalf("json starting offsets = %v, %v", j, err)
		}
		if _, err := r.InitialOffsets(ctx(t), fmt.Sprintf(`{%q:{"0":2}}`, topic)); err == nil || !strings.Contains(err.Error(), "names no offset for partition "+topic+"/1") {
			t.Fatalf("a partition not named: %v", err)
		}
		if _, err := r.InitialOffsets(ctx(t), `{"other":{"0":1}}`); err == nil || !strings.Contains(err.Error(), `topic "other" is not in the subscription`) {
			t.Fatalf("foreign topic: %v", err)
		}
	})
}

// TestMaxOffsetsPerTrigger drains a backlog in capped batches: each batch
// stays within the cap (plus at most one record per partition, Spark's
// rounding), and together they hold every record once, in order.
func TestMaxOffsetsPerTrigger(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := c.topic(t, 3)
		c.produceN(t, topic, 0, 10, "x")
		c.produceN(t, topic, 1, 20, "y")
		c.produceN(t, topic, 2, 70, "z")
		r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{MaxOffsetsPerTrigger: 10})
		start, err := r.InitialOffsets(ctx(t), "earliest")
		if err != nil {
			t.Fatal(err)
		}
		plan, err := r.Plan(ctx(t), start)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{%q:{"0":1,"1":2,"2":7}}`, topic); plan.End.String() != want || plan.Behind() != 90 {
			t.Fatalf("first plan end %v (want %s), behind %d", plan.End, want, plan.Behind())
		}
		seen := map[string]int{}
		var batches int
		for off := start; ; batches++ {
			b, err := r.ReadBatch(ctx(t), off)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Records) == 0 {
				break
			}
			if len(b.Records) > 10+3 {
				t.Fatalf("batch %d has %d records, cap 10", batches, len(b.Records))
			}
			last := map[int32]int64{}
			for _, rec := range b.Records {
				seen[string(rec.Value)]++
				if l, ok := last[rec.Partition]; ok && rec.Offset != l+1 {
					t.Fatalf("batch %d: partition %d jumps from %d to %d", batches, rec.Partition, l, rec.Offset)
				}
				last[rec.Partition] = rec.Offset
				if rec.Offset < b.Start[p(topic, rec.Partition)] || rec.Offset >= b.End[p(topic, rec.Partition)] {
					t.Fatalf("record %s/%d@%d outside [%v, %v)", topic, rec.Partition, rec.Offset, b.Start, b.End)
				}
			}
			off = b.End
		}
		if len(seen) != 100 {
			t.Fatalf("read %d distinct records, want 100", len(seen))
		}
		for v, n := range seen {
			if n != 1 {
				t.Fatalf("record %s read %d times", v, n)
			}
		}
		if batches < 10 || batches > 12 {
			t.Fatalf("%d batches for 100 records at 10 per batch", batches)
		}
	})
}

// TestDataLoss: offsets the broker no longer holds fail the plan or the
// read, unless failOnDataLoss is false; then the reader skips ahead and
// reports what was lost.
func TestDataLoss(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := c.topic(t, 1)
		c.produceN(t, topic, 0, 10, "v")
		deleteBefore := func(off int64) {
			t.Helper()
			var os kadm.Offsets
			os.Add(kadm.Offset{Topic: topic, Partition: 0, At: off})
			resp, err := c.adm.DeleteRecords(ctx(t), os)
			if err != nil || resp.Error() != nil {
				t.Fatalf("delete records: %v %v", err, resp.Error())
			}
		}

		// Planned after the deletion.
		deleteBefore(4)
		strict := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{})
		_, err := strict.Plan(ctx(t), Offsets{p(topic, 0): 2})
		if !errors.Is(err, ErrDataLoss) || !strings.Contains(err.Error(), topic+"/0: expected offset 2, but the earliest offset the broker holds is 4") ||
			!strings.Contains(err.Error(), "failOnDataLoss: false") {
			t.Fatalf("plan err = %v", err)
		}
		lenient := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{AllowDataLoss: true})
		b, err := lenient.ReadBatch(ctx(t), Offsets{p(topic, 0): 2})
		if err != nil {
			t.Fatal(err)
		}
		if got := values(b); !equal(got, []string{"v4", "v5", "v6", "v7", "v8", "v9"}) || b.Start[p(topic, 0)] != 4 {
			t.Fatalf("after loss: %v from %v", got, b.Start)
		}
		if len(b.Losses) != 1 || b.Losses[0].Expected != 2 || b.Losses[0].Resumed != 4 {
			t.Fatalf("losses = %+v", b.Losses)
		}

		// Deleted between the plan and the read.
		plan, err := strict.Plan(ctx(t), Offsets{p(topic, 0): 5})
		if err != nil {
			t.Fatal(err)
		}
		plan2, err := lenient.Plan(ctx(t), Offsets{p(topic, 0): 5})
		if err != nil {
			t.Fatal(err)
		}
		deleteBefore(7)
		if _, err := strict.Read(ctx(t), plan); !errors.Is(err, ErrDataLoss) || !strings.Contains(err.Error(), "while the batch was read") {
			t.Fatalf("read err = %v", err)
		}
		b, err = lenient.Read(ctx(t), plan2)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(b); !equal(got, []string{"v7", "v8", "v9"}) || b.Start[p(topic, 0)] != 7 || b.End[p(topic, 0)] != 10 || len(b.Losses) != 1 {
			t.Fatalf("read after loss: %v [%v, %v) %+v", got, b.Start, b.End, b.Losses)
		}
		// The strict reader recovers for a valid start.
		b, err = strict.ReadBatch(ctx(t), Offsets{p(topic, 0): 8})
		if err != nil || !equal(values(b), []string{"v8", "v9"}) {
			t.Fatalf("strict reader after an error: %v, %v", values(b), err)
		}

		// Offsets past the end: the topic was recreated.
		_, err = strict.Plan(ctx(t), Offsets{p(topic, 0): 50})
		if !errors.Is(err, ErrDataLoss) || !strings.Contains(err.Error(), "the partition ends at offset 10") {
			t.Fatalf("past the end: %v", err)
		}
		plan, err = lenient.Plan(ctx(t), Offsets{p(topic, 0): 50})
		if err != nil || plan.Start[p(topic, 0)] != 7 || len(plan.Losses) != 1 {
			t.Fatalf("past the end, lenient: %+v, %v", plan, err)
		}

		// A partition that is gone.
		gone := Offsets{p(topic, 0): 8, p(topic, 5): 3}
		if _, err := strict.Plan(ctx(t), gone); !errors.Is(err, ErrDataLoss) || !strings.Contains(err.Error(), topic+"/5: expected offset 3, but the partition is gone") {
			t.Fatalf("gone partition: %v", err)
		}
		plan, err = lenient.Plan(ctx(t), gone)
		if err != nil || len(plan.Start) != 1 || len(plan.Losses) != 1 || plan.Losses[0].Resumed != -1 {
			t.Fatalf("gone partition, lenient: %+v, %v", plan, err)
		}
	})
}

// TestSubscribePattern reads the topics whose whole name matches, and
// picks up a matching topic created later from its earliest offset.
func TestSubscribePattern(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		base := fmt.Sprintf("pat%d", time.Now().UnixNano()%1e9)
		c.createTopic(t, base+"-a", 2)
		c.createTopic(t, base+"-b", 1)
		c.createTopic(t, base+"-a-x.old", 1)
		c.produceN(t, base+"-a", 1, 2, "a")
		c.produceN(t, base+"-b", 0, 1, "b")
		c.produceN(t, base+"-a-x.old", 0, 1, "old")
		r := c.reader(t, Subscription{Pattern: base + `-[a-c]`}, ReadOptions{})
		start, err := r.InitialOffsets(ctx(t), "earliest")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"%[1]s-a":{"0":0,"1":0},"%[1]s-b":{"0":0}}`, base); start.String() != want {
			t.Fatalf("start = %v, want %s", start, want)
		}
		b, err := r.ReadBatch(ctx(t), start)
		if err != nil {
			t.Fatal(err)
		}
		got := values(b)
		if !equal(got, []string{"a0", "a1", "b0"}) {
			t.Fatalf("batch = %v", got)
		}
		c.createTopic(t, base+"-c", 1)
		c.createTopic(t, base+"-a2", 1)
		c.produceN(t, base+"-c", 0, 2, "c")
		c.produceN(t, base+"-b", 0, 1, "bb")
		b, err = r.ReadBatch(ctx(t), b.End)
		if err != nil {
			t.Fatal(err)
		}
		if got := values(b); !equal(got, []string{"bb0", "c0", "c1"}) {
			t.Fatalf("after a new topic = %v", got)
		}
		if _, err := NewReader(ctx(t), c.cfg, Subscription{Pattern: "a(?=b)"}, ReadOptions{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "subscribePattern") {
			t.Fatalf("bad pattern: %v", err)
		}
		if _, err := NewReader(ctx(t), c.cfg, Subscription{Pattern: "a", Topics: []string{"b"}}, ReadOptions{}); !errors.Is(err, ErrConfig) {
			t.Fatalf("topics and pattern: %v", err)
		}
	})
}

// TestMissingTopic: a subscribed topic that does not exist yet has no
// partitions; once created it is read from its start.
func TestMissingTopic(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := fmt.Sprintf("later-%d", time.Now().UnixNano())
		r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{})
		start, err := r.InitialOffsets(ctx(t), "latest")
		if err != nil || len(start) != 0 {
			t.Fatalf("start = %v, %v", start, err)
		}
		b, err := r.ReadBatch(ctx(t), start)
		if err != nil || len(b.Records) != 0 {
			t.Fatalf("batch = %v, %v", values(b), err)
		}
		c.createTopic(t, topic, 1)
		c.produceN(t, topic, 0, 2, "n")
		b, err = r.ReadBatch(ctx(t), b.End)
		if err != nil || !equal(values(b), []string{"n0", "n1"}) {
			t.Fatalf("after creation = %v, %v", values(b), err)
		}
	})
}

// TestTransactionMarkers: a read up to the latest offset ends although the
// last offsets are transaction markers, and markers are not records.
func TestTransactionMarkers(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := c.topic(t, 1)
		opts, _ := c.cfg.clientOpts()
		cl, err := kgo.NewClient(append(opts, kgo.TransactionalID("flare-test-"+topic), kgo.DefaultProduceTopic(topic))...)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for i, commit := range []bool{true, false, true} {
			if err := cl.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			for j := 0; j < 2; j++ {
				if err := cl.ProduceSync(ctx(t), &kgo.Record{Value: []byte(fmt.Sprintf("t%d-%d", i, j))}).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
			if err := cl.EndTransaction(ctx(t), kgo.TransactionEndTry(commit)); err != nil {
				t.Fatal(err)
			}
		}
		r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{})
		b, err := r.ReadBatch(ctx(t), Offsets{p(topic, 0): 0})
		if err != nil {
			t.Fatal(err)
		}
		// read_uncommitted, as Spark's default: the aborted records are
		// there, the 3 markers are not.
		if got := values(b); !equal(got, []string{"t0-0", "t0-1", "t1-0", "t1-1", "t2-0", "t2-1"}) || b.End[p(topic, 0)] != 9 {
			t.Fatalf("records %v, end %v", got, b.End)
		}
		// Start right at the last marker: nothing to read, and no hang.
		b, err = r.ReadBatch(ctx(t), Offsets{p(topic, 0): 8})
		if err != nil || len(b.Records) != 0 {
			t.Fatalf("from the last marker: %v, %v", values(b), err)
		}
	})
}

// TestLag counts records not yet processed, per partition.
func TestLag(t *testing.T) {
	eachCluster(t, func(t *testing.T, c *cluster) {
		topic := c.topic(t, 3)
		c.produceN(t, topic, 0, 5, "a")
		c.produceN(t, topic, 1, 2, "b")
		r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{})
		lag, err := r.Lag(ctx(t), Offsets{p(topic, 0): 3, p(topic, 1): 2})
		if err != nil {
			t.Fatal(err)
		}
		want := []PartitionLag{{p(topic, 0), 3, 5, 2}, {p(topic, 1), 2, 2, 0}, {p(topic, 2), -1, 0, 0}}
		sort.Slice(lag, func(i, j int) bool { return lag[i].Partition.Partition < lag[j].Partition.Partition })
		if !reflect.DeepEqual(lag, want) {
			t.Fatalf("lag = %+v, want %+v", lag, want)
		}
	})
}

// TestStalledRead: a plan asking for records that never come fails with
// ErrStalled, naming where each partition stands, instead of hanging.
func TestStalledRead(t *testing.T) {
	c := fakeCluster(t)
	topic := c.topic(t, 1)
	c.produceN(t, topic, 0, 5, "s")
	r := c.reader(t, Subscription{Topics: []string{topic}}, ReadOptions{StallTimeout: 300 * time.Millisecond})
	plan := &Plan{Start: Offsets{p(topic, 0): 0}, End: Offsets{p(topic, 0): 100}, Latest: Offsets{p(topic, 0): 100}}
	_, err := r.Read(ctx(t), plan)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), topic+"/0 at 5 of [0, 100)") {
		t.Fatalf("err = %v", err)
	}
	// The reader goes on: a plan that can be read is read, also from the
	// failed read's start.
	for _, start := range []int64{0, 3} {
		b, err := r.ReadBatch(ctx(t), Offsets{p(topic, 0): start})
		if err != nil || len(b.Records) != int(5-start) || string(b.Records[0].Value) != fmt.Sprintf("s%d", start) {
			t.Fatalf("after a stall, from %d: %v, %v", start, values(b), err)
		}
	}
}
