package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/kafka"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/stream"
)

// kafkaCmd holds the Kafka helpers: a producer for examples and
// benchmarks.
func (a *app) kafkaCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "kafka", Short: "Write records to a Kafka topic of a kafka depot (examples, tests)"}
	cmd.AddCommand(a.kafkaProduceCmd())
	return cmd
}

// kafkaTopic resolves a dataos:// address of a kafka depot's topic.
func (a *app) kafkaTopic(addr string) (kafka.Config, string, error) {
	cfg, err := a.config()
	if err != nil {
		return kafka.Config{}, "", err
	}
	loc, err := cfg.Resolve(addr)
	if err != nil {
		return kafka.Config{}, "", invalidError{err}
	}
	if loc.Depot.Type != depot.Kafka {
		return kafka.Config{}, "", invalidError{fmt.Errorf("%s: depot %s is a %s depot, not kafka", addr, loc.Depot.Name, loc.Depot.Type)}
	}
	kc, err := kafka.ConfigFromDepot(loc.Depot, os.Environ())
	if err != nil {
		return kafka.Config{}, "", invalidError{err}
	}
	return kc, loc.Topic, nil
}

func (a *app) kafkaProduceCmd() *cobra.Command {
	var count, start, rate int
	var file string
	cmd := &cobra.Command{
		Use:   "produce DATASET",
		Short: "Send JSON records to a topic: lines of a file (or stdin), or generated events",
		Long: `Produce sends records to the topic of a dataos:// address of a kafka depot.
With --count it generates JSON events {"id", "user", "amount", "ts"} (ids from
--start; ts is the time the event is made, in epoch milliseconds), at most --rate
per second (0: as fast as the broker takes them). Otherwise each line of --file
(or of stdin) is one record's value.`,
		Example: `  flare kafka produce dataos://events:none/orders --count 100000 --rate 5000
  flare kafka produce dataos://events:none/orders --file orders.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kc, topic, err := a.kafkaTopic(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			p, err := kafka.NewProducer(ctx, kc, kafka.ProducerOptions{})
			if err != nil {
				return err
			}
			defer p.Close()
			began := time.Now()
			var n int
			if count > 0 {
				n, err = produceEvents(ctx, p, topic, start, count, rate)
			} else {
				var in io.Reader = a.stdin
				if file != "" && file != "-" {
					f, ferr := os.Open(file)
					if ferr != nil {
						return ferr
					}
					defer f.Close()
					in = f
				}
				n, err = produceLines(ctx, p, topic, in)
			}
			if err != nil {
				return err
			}
			d := time.Since(began)
			fmt.Fprintf(a.stdout, "%d records to %s in %s (%.0f/s)\n", n, topic, d.Round(time.Millisecond), float64(n)/d.Seconds())
			return nil
		},
	}
	cmd.Flags().IntVar(&count, "count", 0, "generate this many JSON events")
	cmd.Flags().IntVar(&start, "start", 0, "the first generated event's id")
	cmd.Flags().IntVar(&rate, "rate", 0, "at most this many generated events per second (0: no limit)")
	cmd.Flags().StringVar(&file, "file", "", "send each line of this file (- or none: stdin)")
	return cmd
}

// produceEvents sends generated events in chunks of 1,000 (or of the rate
// per 100 ms), pacing them when rate > 0.
func produceEvents(ctx context.Context, p *kafka.Producer, topic string, start, count, rate int) (int, error) {
	chunk := 1000
	if rate > 0 {
		chunk = max(rate/10, 1)
	}
	began := time.Now()
	recs := make([]*kgo.Record, 0, chunk)
	for sent := 0; sent < count; {
		recs = recs[:0]
		now := time.Now().UnixMilli()
		for i := 0; i < chunk && sent+i < count; i++ {
			id := start + sent + i
			recs = append(recs, &kgo.Record{Topic: topic, Key: fmt.Appendf(nil, "%d", id),
				Value: fmt.Appendf(nil, `{"id":%d,"user":"u%d","amount":%d.%02d,"ts":%d}`, id, id%1000, id%500, id%100, now)})
		}
		if err := p.Produce(ctx, recs...); err != nil {
			return sent, err
		}
		sent += len(recs)
		if rate > 0 {
			due := began.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return sent, ctx.Err()
				}
			}
		}
	}
	return count, nil
}

func produceLines(ctx context.Context, p *kafka.Producer, topic string, in io.Reader) (int, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var recs []*kgo.Record
	n := 0
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := p.Produce(ctx, recs...)
		n += len(recs)
		recs = recs[:0]
		return err
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(line)})
		if len(recs) == 1000 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// streamCmd shows what stream jobs committed.
func (a *app) streamCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "stream", Short: "Inspect stream jobs (docs/stream.md)"}
	var depotName string
	status := &cobra.Command{
		Use:   "status TABLE|CHECKPOINT",
		Short: "Show the batches and offsets stream jobs committed to a table (and the lag behind the topics), or a checkpoint's last batch",
		Long: `Status reads the stream state an output table holds (the last batch of each
stream job writing it, committed with that batch's rows) and, for Kafka inputs,
asks the brokers of the kafka depot (--depot, or the only one in flare.yaml)
how many records each partition holds beyond it. Given a checkpoint folder (a
path holding batches.jsonl), it prints the last batch of its log.`,
		Example: "  flare stream status lakehouse.stream.orders\n  flare stream status dataos://lakehouse:stream/orders --depot events",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if data, err := os.ReadFile(filepath.Join(args[0], stream.LogFile)); err == nil {
				lines := strings.Split(strings.TrimSpace(string(data)), "\n")
				fmt.Fprintf(a.stdout, "%d batches logged; the last:\n%s\n", len(lines), lines[len(lines)-1])
				return nil
			}
			return a.withTable(ctx, args[0], func(t *lakehouse.Table, ref tableRef) error {
				return a.streamStatus(ctx, t, ref, depotName)
			})
		},
	}
	status.Flags().StringVar(&depotName, "depot", "", "the kafka depot the stream reads (default: the only kafka depot)")
	cmd.AddCommand(status)
	return cmd
}

func (a *app) streamStatus(ctx context.Context, t *lakehouse.Table, ref tableRef, depotName string) error {
	var keys []string
	state := t.State("")
	for k := range state {
		if strings.HasPrefix(k, stream.StateKeyPrefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		fmt.Fprintf(a.stdout, "table %s holds no stream state\n", ref)
		return nil
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	var kd *depot.Depot
	if depotName != "" {
		if kd, err = cfg.Depot(depotName); err != nil {
			return invalidError{err}
		}
	} else {
		for _, d := range cfg.Depots() {
			if d.Type == depot.Kafka {
				if kd != nil {
					kd = nil
					break
				}
				kd = d
			}
		}
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tBATCH\tINPUT\tPARTITION\tCOMMITTED\tLATEST\tLAG")
	for _, k := range keys {
		st, err := stream.ParseState(state[k])
		if err != nil {
			return fmt.Errorf("table %s: %s: %w", ref, k, err)
		}
		name := strings.TrimPrefix(k, stream.StateKeyPrefix)
		views := make([]string, 0, len(st.Sources))
		for v := range st.Sources {
			views = append(views, v)
		}
		sort.Strings(views)
		for _, v := range views {
			rg := st.Sources[v]
			if len(rg.Files) > 0 || len(rg.End) == 0 {
				fmt.Fprintf(tw, "%s\t%d\t%s\t(folder)\t%d files\t\t\n", name, st.Batch, v, len(rg.Files))
				continue
			}
			lags := map[kafka.Partition]kafka.PartitionLag{}
			if kd != nil && kd.Type == depot.Kafka {
				lags, err = kafkaLag(ctx, kd, rg.End)
				if err != nil {
					return err
				}
			}
			for _, p := range rg.End.Partitions() {
				latest, lag := "?", "?"
				if l, ok := lags[p]; ok {
					latest, lag = fmt.Sprint(l.Latest), fmt.Sprint(l.Lag)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\n", name, st.Batch, v, p, rg.End[p], latest, lag)
			}
		}
	}
	return tw.Flush()
}

// kafkaLag asks the brokers how far each committed partition is behind.
func kafkaLag(ctx context.Context, d *depot.Depot, committed kafka.Offsets) (map[kafka.Partition]kafka.PartitionLag, error) {
	kc, err := kafka.ConfigFromDepot(d, os.Environ())
	if err != nil {
		return nil, err
	}
	topics := map[string]bool{}
	for p := range committed {
		topics[p.Topic] = true
	}
	var sub kafka.Subscription
	for t := range topics {
		sub.Topics = append(sub.Topics, t)
	}
	sort.Strings(sub.Topics)
	r, err := kafka.NewReader(ctx, kc, sub, kafka.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	lags, err := r.Lag(ctx, committed)
	if err != nil {
		return nil, err
	}
	out := map[kafka.Partition]kafka.PartitionLag{}
	for _, l := range lags {
		out[l.Partition] = l
	}
	return out, nil
}
