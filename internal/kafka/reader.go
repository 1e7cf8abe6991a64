package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Subscription says which topics a stream reads: Topics or Pattern, not
// both.
type Subscription struct {
	// Topics are the topics read (Spark's subscribe; in Flare, the topic of
	// the input's dataset address).
	Topics []string
	// Pattern is a regular expression that the whole name of a topic must
	// match for the topic to be read (Spark's subscribePattern). The syntax
	// is Go's RE2: Java's lookaround and backreferences are refused.
	// Internal topics (__consumer_offsets, ...) are never read. Topics that
	// appear later are picked up by the next Plan, from their earliest
	// offsets.
	Pattern string
}

func (s Subscription) String() string {
	if s.Pattern != "" {
		return "topics matching " + s.Pattern
	}
	return "topic " + strings.Join(s.Topics, ", ")
}

func (s Subscription) compile() (*regexp.Regexp, error) {
	switch {
	case s.Pattern != "" && len(s.Topics) > 0:
		return nil, fmt.Errorf("%w: subscribe to topics or to a pattern, not both", ErrConfig)
	case s.Pattern != "":
		re, err := regexp.Compile(`^(?:` + s.Pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("%w: subscribePattern %q: %v", ErrConfig, s.Pattern, err)
		}
		return re, nil
	case len(s.Topics) == 0:
		return nil, fmt.Errorf("%w: no topic to read", ErrConfig)
	}
	for _, t := range s.Topics {
		if t == "" {
			return nil, fmt.Errorf("%w: an empty topic name", ErrConfig)
		}
	}
	return nil, nil
}

// ReadOptions tune a Reader.
type ReadOptions struct {
	// MaxOffsetsPerTrigger caps the records of one batch (Spark's
	// maxOffsetsPerTrigger), spread over partitions in proportion to their
	// backlog. Default 0: no cap, a batch reads up to the latest offsets.
	MaxOffsetsPerTrigger int64
	// AllowDataLoss is Spark's failOnDataLoss=false. By default (false) a
	// start offset the broker no longer holds (records deleted by retention
	// or DeleteRecords, a deleted or recreated topic) fails Plan or Read
	// with an error wrapping ErrDataLoss. When true the reader skips to the
	// earliest offset the broker holds, logs a warning, and lists the loss
	// in Plan.Losses or Batch.Losses.
	AllowDataLoss bool
	// StallTimeout fails a Read (ErrStalled) when no record arrives for this
	// long while planned records are still missing. Default 2 minutes.
	StallTimeout time.Duration
	// FetchMaxBytes caps one fetch response. Default 50 MiB.
	FetchMaxBytes int32
	// FetchMaxPartitionBytes caps one partition in a fetch response.
	// Default 10 MiB.
	FetchMaxPartitionBytes int32
	// Logger receives warnings (skipped data loss, missing topics, new
	// partitions). Default slog.Default().
	Logger *slog.Logger
}

// Reader reads bounded batches of a subscription. Its methods must not be
// called concurrently. Close it when done.
type Reader struct {
	cl    *kgo.Client
	adm   *kadm.Client
	sub   Subscription
	re    *regexp.Regexp
	opts  ReadOptions
	log   *slog.Logger
	parts map[Partition]*cursor
	// missing are topics named in the subscription that do not exist,
	// warned about once.
	missing map[string]bool
}

// cursor is where the consumer stands in one partition. Records in
// [handed, next) were fetched and are kept in pending until a batch asks
// for them.
type cursor struct {
	handed  int64
	next    int64
	pending []*kgo.Record
	paused  bool
	// broken is set after a fetch error; the next read repositions.
	broken bool
}

// NewReader connects to the cluster (and checks that a broker answers).
func NewReader(ctx context.Context, cfg Config, sub Subscription, opts ReadOptions) (*Reader, error) {
	re, err := sub.compile()
	if err != nil {
		return nil, err
	}
	if opts.MaxOffsetsPerTrigger < 0 {
		return nil, fmt.Errorf("%w: maxOffsetsPerTrigger %d: expected a positive number", ErrConfig, opts.MaxOffsetsPerTrigger)
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = 2 * time.Minute
	}
	if opts.FetchMaxBytes == 0 {
		opts.FetchMaxBytes = 50 << 20
	}
	if opts.FetchMaxPartitionBytes == 0 {
		opts.FetchMaxPartitionBytes = 10 << 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	base, err := cfg.clientOpts()
	if err != nil {
		return nil, err
	}
	kopts := append(base,
		// Offsets out of range are data loss: report them, never jump.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
		// Transaction markers take offsets; seeing them tells us a
		// partition reached a range's end.
		kgo.KeepControlRecords(),
		kgo.FetchMaxBytes(opts.FetchMaxBytes),
		kgo.FetchMaxPartitionBytes(opts.FetchMaxPartitionBytes),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return nil, fmt.Errorf("kafka client for %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("connect to kafka %s: %w", strings.Join(cfg.Brokers, ","), err)
	}
	return &Reader{cl: cl, adm: kadm.NewClient(cl), sub: sub, re: re, opts: opts, log: log,
		parts: map[Partition]*cursor{}, missing: map[string]bool{}}, nil
}

// Close closes the connections.
func (r *Reader) Close() { r.cl.Close() }

// PartitionInfo is a partition with the offsets it holds now.
type PartitionInfo struct {
	Partition
	// Earliest is the first offset the broker still holds; Latest is one
	// past the last record (the high watermark).
	Earliest, Latest int64
}

// Partitions lists the subscription's partitions, in order, with their
// earliest and latest offsets. A subscribed topic that does not exist has
// no partitions (a warning is logged once).
func (r *Reader) Partitions(ctx context.Context) ([]PartitionInfo, error) {
	infos, _, err := r.partitions(ctx)
	return infos, err
}

// partitions lists the subscription's partitions with fresh metadata (not
// the client's cache, so that new topics and partitions are seen at once),
// and the partitions that exist but have no leader at the moment.
func (r *Reader) partitions(ctx context.Context) ([]PartitionInfo, map[Partition]bool, error) {
	meta := kmsg.NewPtrMetadataRequest()
	if r.re == nil {
		for _, t := range r.sub.Topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			meta.Topics = append(meta.Topics, rt)
		}
	}
	resp, err := meta.RequestWith(ctx, r.cl)
	if err != nil {
		return nil, nil, fmt.Errorf("list partitions of %s: %w", r.sub, err)
	}
	unavailable := map[Partition]bool{}
	var parts []Partition
	for _, t := range resp.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		if r.re != nil && (t.IsInternal || !r.re.MatchString(name)) {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				r.warnMissing(name)
				continue
			}
			if kerr.IsRetriable(err) {
				// A topic being created: its partitions are not known yet.
				continue
			}
			return nil, nil, fmt.Errorf("list partitions of topic %q: %w", name, err)
		}
		for _, pt := range t.Partitions {
			p := Partition{name, pt.Partition}
			if err := kerr.ErrorForCode(pt.ErrorCode); err != nil || pt.Leader < 0 {
				unavailable[p] = true
				continue
			}
			parts = append(parts, p)
		}
	}
	sortPartitions(parts)
	earliest, err := r.listOffsets(ctx, parts, -2, unavailable)
	if err != nil {
		return nil, nil, err
	}
	latest, err := r.listOffsets(ctx, parts, -1, unavailable)
	if err != nil {
		return nil, nil, err
	}
	out := make([]PartitionInfo, 0, len(parts))
	for _, p := range parts {
		e, eok := earliest[p]
		l, lok := latest[p]
		if !eok || !lok {
			unavailable[p] = true
			continue
		}
		out = append(out, PartitionInfo{Partition: p, Earliest: e, Latest: l})
	}
	return out, unavailable, nil
}

// listOffsets lists the earliest (-2) or latest (-1) offsets of parts.
// Partitions whose leader is moving are added to unavailable.
func (r *Reader) listOffsets(ctx context.Context, parts []Partition, which int64, unavailable map[Partition]bool) (Offsets, error) {
	out := Offsets{}
	if len(parts) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	for i := 0; i < len(parts); {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = parts[i].Topic
		for ; i < len(parts) && parts[i].Topic == rt.Topic; i++ {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = parts[i].Partition
			rp.Timestamp = which
			rp.CurrentLeaderEpoch = -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	what := map[int64]string{-2: "earliest", -1: "latest"}[which]
	for _, shard := range r.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if kerr.IsRetriable(shard.Err) {
				continue // its partitions stay unlisted: unavailable
			}
			return nil, fmt.Errorf("list %s offsets of %s: %w", what, r.sub, shard.Err)
		}
		for _, t := range shard.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, pt := range t.Partitions {
				p := Partition{t.Topic, pt.Partition}
				if err := kerr.ErrorForCode(pt.ErrorCode); err != nil {
					if kerr.IsRetriable(err) {
						unavailable[p] = true
						continue
					}
					return nil, fmt.Errorf("list %s offset of %s: %w", what, p, err)
				}
				out[p] = pt.Offset
			}
		}
	}
	return out, nil
}

func (r *Reader) warnMissing(topic string) {
	if !r.missing[topic] {
		r.missing[topic] = true
		r.log.Warn("kafka topic does not exist (yet); reading nothing from it", "topic", topic)
	}
}

// topics lists the subscribed topics that exist (for a pattern) or are
// named.
func (r *Reader) topics(ctx context.Context) ([]string, error) {
	if r.re == nil {
		return r.sub.Topics, nil
	}
	tds, err := r.adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics for subscribePattern %q: %w", r.sub.Pattern, err)
	}
	var out []string
	for _, t := range tds.Names() {
		if !tds[t].IsInternal && r.re.MatchString(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// InitialOffsets resolves a startingOffsets value for a stream with no
// checkpoint: "earliest", "latest", or Spark's JSON ({"t":{"0":23,"1":-2}},
// -2 earliest, -1 latest; as in Spark every partition must be named).
// Every partition of the subscription gets an offset.
func (r *Reader) InitialOffsets(ctx context.Context, starting string) (Offsets, error) {
	infos, err := r.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	var given Offsets
	switch s := strings.ToLower(strings.TrimSpace(starting)); s {
	case "earliest", "latest", "":
	default:
		if given, err = ParseOffsets(starting); err != nil {
			return nil, fmt.Errorf("startingOffsets: %w (or earliest, latest)", err)
		}
		for p := range given {
			if !r.subscribed(p.Topic) {
				return nil, fmt.Errorf("startingOffsets: topic %q is not in the subscription (%s)", p.Topic, r.sub)
			}
		}
	}
	out := Offsets{}
	for _, in := range infos {
		switch {
		case given != nil:
			o, ok := given[in.Partition]
			switch {
			case !ok:
				// As Spark: specific offsets name every partition.
				return nil, fmt.Errorf("startingOffsets names no offset for partition %s: name every partition of the subscription (-2 earliest, -1 latest), or use earliest or latest", in.Partition)
			case o == OffsetLatest:
				o = in.Latest
			case o == OffsetEarliest:
				o = in.Earliest
			}
			out[in.Partition] = o
		case strings.EqualFold(strings.TrimSpace(starting), "earliest"):
			out[in.Partition] = in.Earliest
		default:
			out[in.Partition] = in.Latest
		}
	}
	return out, nil
}

func (r *Reader) subscribed(topic string) bool {
	if r.re != nil {
		return r.re.MatchString(topic)
	}
	for _, t := range r.sub.Topics {
		if t == topic {
			return true
		}
	}
	return false
}

// DataLoss is a range of offsets a stream expected to read that the broker
// no longer holds.
type DataLoss struct {
	Partition Partition
	// Expected is the offset the stream was to read next.
	Expected int64
	// Resumed is where reading goes on; -1 when the partition is gone.
	Resumed int64
	// Reason says what happened.
	Reason string
}

func (d DataLoss) String() string {
	return fmt.Sprintf("%s: expected offset %d, %s", d.Partition, d.Expected, d.Reason)
}

func lossError(losses []DataLoss) error {
	parts := make([]string, len(losses))
	for i, l := range losses {
		parts[i] = l.String()
	}
	return fmt.Errorf("%w: %s (set failOnDataLoss: false to skip lost records)", ErrDataLoss, strings.Join(parts, "; "))
}

// Plan is the next batch's offsets.
type Plan struct {
	// Start and End hold every partition of the subscription: records in
	// [Start, End) are the batch; End == Start reads nothing there.
	Start, End Offsets
	// Latest are the partitions' latest offsets when the plan was made.
	Latest Offsets
	// Losses lists skipped data loss (only with AllowDataLoss).
	Losses []DataLoss
}

// Records is the number of offsets the batch spans (records, or fewer
// where a compacted topic or transaction markers leave gaps).
func (p *Plan) Records() int64 {
	var n int64
	for part, e := range p.End {
		n += e - p.Start[part]
	}
	return n
}

// Behind is the number of offsets between the batch's end and the latest
// offsets when it was planned: the lag left after this batch.
func (p *Plan) Behind() int64 {
	var n int64
	for part, l := range p.Latest {
		n += l - p.End[part]
	}
	return n
}

// Plan decides the next batch from start (the previous batch's End, or
// InitialOffsets): up to the latest offsets, capped by MaxOffsetsPerTrigger.
// Partitions missing from start (new partitions or topics) start at their
// earliest offset, as in Spark. A start offset below the earliest offset
// held, above the latest offset, or of a partition that is gone is data
// loss (see ReadOptions.AllowDataLoss).
func (r *Reader) Plan(ctx context.Context, start Offsets) (*Plan, error) {
	infos, unavailable, err := r.partitions(ctx)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Start: Offsets{}, End: Offsets{}, Latest: Offsets{}}
	seen := map[Partition]bool{}
	for _, in := range infos {
		p := in.Partition
		seen[p] = true
		plan.Latest[p] = in.Latest
		s, ok := start[p]
		switch {
		case !ok:
			s = in.Earliest
			if len(start) > 0 {
				r.log.Info("kafka: new partition, reading it from its earliest offset", "partition", p.String(), "offset", s)
			}
		case s == OffsetEarliest:
			s = in.Earliest
		case s == OffsetLatest:
			s = in.Latest
		case s < in.Earliest:
			plan.Losses = append(plan.Losses, DataLoss{p, s, in.Earliest,
				fmt.Sprintf("but the earliest offset the broker holds is %d (records were deleted by retention or DeleteRecords)", in.Earliest)})
			s = in.Earliest
		case s > in.Latest:
			plan.Losses = append(plan.Losses, DataLoss{p, s, in.Earliest,
				fmt.Sprintf("but the partition ends at offset %d (the topic was recreated or truncated); resuming at its earliest offset %d", in.Latest, in.Earliest)})
			s = in.Earliest
		}
		plan.Start[p] = s
	}
	for _, p := range start.Partitions() {
		if !seen[p] && unavailable[p] {
			// No leader at the moment: read nothing there this time.
			plan.Start[p], plan.Latest[p] = start[p], start[p]
			continue
		}
		if !seen[p] && r.subscribed(p.Topic) {
			plan.Losses = append(plan.Losses, DataLoss{p, start[p], -1, "but the partition is gone (its topic was deleted)"})
			r.forget(p)
		}
	}
	if len(plan.Losses) > 0 {
		if !r.opts.AllowDataLoss {
			return nil, lossError(plan.Losses)
		}
		for _, l := range plan.Losses {
			r.log.Warn("kafka: data loss skipped (failOnDataLoss: false)", "partition", l.Partition.String(),
				"expected", l.Expected, "resumed", l.Resumed, "reason", l.Reason)
		}
	}
	plan.End = plan.Latest.Clone()
	if r.opts.MaxOffsetsPerTrigger > 0 {
		plan.End = limitOffsets(r.opts.MaxOffsetsPerTrigger, plan.Start, plan.Latest)
	}
	return plan, nil
}

func (r *Reader) forget(p Partition) {
	if _, ok := r.parts[p]; ok {
		r.cl.RemoveConsumePartitions(map[string][]int32{p.Topic: {p.Partition}})
		delete(r.parts, p)
	}
}

// Batch is the records of one plan.
type Batch struct {
	// Start and End are the plan's offsets (Start moved forward where data
	// loss was skipped during the read).
	Start, End Offsets
	// Records are the batch's records in partition order, each partition's
	// in offset order. Transaction markers are left out.
	Records []*kgo.Record
	// Bytes is the size of the records' keys and values.
	Bytes int64
	// Losses lists data loss skipped while planning or reading.
	Losses []DataLoss
	// Polls is the number of fetch polls the read took.
	Polls int
}

// ReadBatch plans the next batch from start and reads it.
func (r *Reader) ReadBatch(ctx context.Context, start Offsets) (*Batch, error) {
	plan, err := r.Plan(ctx, start)
	if err != nil {
		return nil, err
	}
	return r.Read(ctx, plan)
}

// Read fetches exactly the records of plan. Records the consumer fetched
// past a partition's end are kept for the next batch that starts there.
func (r *Reader) Read(ctx context.Context, plan *Plan) (_ *Batch, err error) {
	defer func() {
		if err != nil {
			// Records taken by the failed read are gone: the next read of
			// these partitions repositions the consumer.
			for p := range plan.Start {
				if c := r.parts[p]; c != nil {
					c.broken = true
				}
			}
		}
	}()
	b := &Batch{Start: plan.Start.Clone(), End: plan.End.Clone(), Losses: append([]DataLoss(nil), plan.Losses...)}
	perPart := map[Partition][]*kgo.Record{}
	todo := map[Partition]bool{}
	add := map[string]map[int32]kgo.Offset{}
	set := map[string]map[int32]kgo.EpochOffset{}
	resume := map[string][]int32{}
	for _, p := range plan.Start.Partitions() {
		s, e := plan.Start[p], plan.End[p]
		if e <= s {
			continue
		}
		c := r.parts[p]
		switch {
		case c == nil:
			c = &cursor{handed: s, next: s}
			r.parts[p] = c
			if add[p.Topic] == nil {
				add[p.Topic] = map[int32]kgo.Offset{}
			}
			add[p.Topic][p.Partition] = kgo.NewOffset().At(s)
		case c.handed != s || c.broken:
			c.handed, c.next, c.pending, c.broken = s, s, nil, false
			if set[p.Topic] == nil {
				set[p.Topic] = map[int32]kgo.EpochOffset{}
			}
			set[p.Topic][p.Partition] = kgo.EpochOffset{Epoch: -1, Offset: s}
		}
		// Room for the range (less where gaps are), within reason.
		perPart[p] = make([]*kgo.Record, 0, min(e-s, 1<<20))
		// Hand out what an earlier read fetched past its end.
		keep := c.pending[:0]
		for _, rec := range c.pending {
			if rec.Offset < e {
				perPart[p] = appendRecord(perPart[p], rec)
			} else {
				keep = append(keep, rec)
			}
		}
		c.pending = keep
		if c.next >= e {
			c.handed = e
			continue
		}
		todo[p] = true
		if c.paused {
			c.paused = false
			resume[p.Topic] = append(resume[p.Topic], p.Partition)
		}
	}
	if len(add) > 0 {
		r.cl.AddConsumePartitions(add)
	}
	if len(set) > 0 {
		r.cl.SetOffsets(set)
	}
	if len(resume) > 0 {
		r.cl.ResumeFetchPartitions(resume)
	}
	for len(todo) > 0 {
		pctx, cancel := context.WithTimeout(ctx, r.opts.StallTimeout)
		fetches := r.cl.PollFetches(pctx)
		cancel()
		b.Polls++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fetches.IsClientClosed() {
			return nil, fmt.Errorf("read %s: the client was closed", r.sub)
		}
		var stalled bool
		for _, fe := range fetches.Errors() {
			p := Partition{fe.Topic, fe.Partition}
			switch {
			case errors.Is(fe.Err, context.DeadlineExceeded) || errors.Is(fe.Err, context.Canceled):
				stalled = true
			case errors.Is(fe.Err, kerr.OffsetOutOfRange) && todo[p]:
				if err := r.lostWhileReading(ctx, p, plan.End[p], b, todo); err != nil {
					return nil, err
				}
			default:
				if c := r.parts[p]; c != nil {
					c.broken = true
				}
				return nil, fmt.Errorf("read %s partition %d: %w", fe.Topic, fe.Partition, fe.Err)
			}
		}
		fetches.EachPartition(func(ft kgo.FetchTopicPartition) {
			p := Partition{ft.Topic, ft.Partition}
			c := r.parts[p]
			if c == nil || len(ft.Records) == 0 {
				return
			}
			e := b.End[p]
			for _, rec := range ft.Records {
				if rec.Offset < c.next {
					continue // already seen (never expected; kept safe)
				}
				c.next = rec.Offset + 1
				if rec.Offset < e && todo[p] {
					perPart[p] = appendRecord(perPart[p], rec)
				} else {
					c.pending = append(c.pending, rec)
				}
			}
			if todo[p] && c.next >= e {
				c.handed = e
				delete(todo, p)
			}
			if !todo[p] && !c.paused {
				c.paused = true
				r.cl.PauseFetchPartitions(map[string][]int32{p.Topic: {p.Partition}})
			}
		})
		if stalled && len(todo) > 0 && fetches.NumRecords() == 0 {
			var waiting []string
			for _, p := range sortedKeys(todo) {
				waiting = append(waiting, fmt.Sprintf("%s at %d of [%d, %d)", p, r.parts[p].next, b.Start[p], b.End[p]))
			}
			return nil, fmt.Errorf("%w: read %s: no record for %s: %s", ErrStalled, r.sub, r.opts.StallTimeout, strings.Join(waiting, ", "))
		}
	}
	parts := b.Start.Partitions()
	if len(perPart) == 1 {
		// One partition: its slice is the batch, no copy.
		for _, recs := range perPart {
			b.Records = recs
		}
	} else {
		n := 0
		for _, recs := range perPart {
			n += len(recs)
		}
		b.Records = make([]*kgo.Record, 0, n)
		for _, p := range parts {
			b.Records = append(b.Records, perPart[p]...)
		}
	}
	for _, rec := range b.Records {
		b.Bytes += int64(len(rec.Key) + len(rec.Value))
	}
	return b, nil
}

// appendRecord keeps data records and drops transaction markers.
func appendRecord(rs []*kgo.Record, rec *kgo.Record) []*kgo.Record {
	if rec.Attrs.IsControl() {
		return rs
	}
	return append(rs, rec)
}

// lostWhileReading handles an offset that went out of range during a read
// (retention deleted records after the plan was made).
func (r *Reader) lostWhileReading(ctx context.Context, p Partition, end int64, b *Batch, todo map[Partition]bool) error {
	c := r.parts[p]
	c.broken = true
	starts, err := r.adm.ListStartOffsets(ctx, p.Topic)
	if err != nil {
		return fmt.Errorf("read %s: offset %d out of range; listing its earliest offset: %w", p, c.next, err)
	}
	lo, ok := starts.Lookup(p.Topic, p.Partition)
	if !ok || lo.Err != nil {
		return fmt.Errorf("read %s: offset %d out of range, and the partition's earliest offset is unknown: %v", p, c.next, lo.Err)
	}
	loss := DataLoss{p, c.next, lo.Offset, fmt.Sprintf("but the broker deleted records up to %d while the batch was read", lo.Offset)}
	if !r.opts.AllowDataLoss {
		return lossError([]DataLoss{loss})
	}
	r.log.Warn("kafka: data loss skipped (failOnDataLoss: false)", "partition", p.String(), "expected", loss.Expected, "resumed", loss.Resumed, "reason", loss.Reason)
	b.Losses = append(b.Losses, loss)
	if lo.Offset > b.Start[p] {
		b.Start[p] = min(lo.Offset, end)
	}
	if lo.Offset >= end {
		c.handed, c.next, c.pending, c.broken = end, end, nil, true
		delete(todo, p)
		return nil
	}
	c.handed, c.next, c.pending, c.broken = lo.Offset, lo.Offset, nil, false
	r.cl.SetOffsets(map[string]map[int32]kgo.EpochOffset{p.Topic: {p.Partition: {Epoch: -1, Offset: lo.Offset}}})
	return nil
}

func sortedKeys(m map[Partition]bool) []Partition {
	ps := make([]Partition, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	sortPartitions(ps)
	return ps
}

// PartitionLag is how far a stream is behind in one partition.
type PartitionLag struct {
	Partition
	// Committed is the stream's next offset; -1 when it has not read the
	// partition yet (Lag then counts from the earliest offset).
	Committed int64
	// Latest is the partition's latest offset.
	Latest int64
	// Lag is Latest minus Committed: records not processed yet.
	Lag int64
}

// Lag compares committed offsets (the last batch's End) with the latest
// offsets, per partition of the subscription, in order.
func (r *Reader) Lag(ctx context.Context, committed Offsets) ([]PartitionLag, error) {
	infos, err := r.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PartitionLag, 0, len(infos))
	for _, in := range infos {
		l := PartitionLag{Partition: in.Partition, Committed: -1, Latest: in.Latest}
		from := in.Earliest
		if c, ok := committed[in.Partition]; ok {
			l.Committed, from = c, max(c, in.Earliest)
		}
		l.Lag = max(in.Latest-from, 0)
		out = append(out, l)
	}
	return out, nil
}

// Check reports whether the subscription is valid (topics or a pattern
// that compiles), without connecting.
func (s Subscription) Check() error {
	_, err := s.compile()
	return err
}
