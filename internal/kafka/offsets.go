package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Partition is one partition of a topic.
type Partition struct {
	Topic     string
	Partition int32
}

func (p Partition) String() string { return p.Topic + "/" + strconv.Itoa(int(p.Partition)) }

// Offsets maps partitions to offsets. As a batch's start an offset is the
// first record to read; as its end, one past the last record read.
type Offsets map[Partition]int64

// Special offsets in a startingOffsets JSON, as in Spark.
const (
	OffsetLatest   int64 = -1
	OffsetEarliest int64 = -2
)

// Partitions returns the partitions in order: by topic, then number.
func (o Offsets) Partitions() []Partition {
	ps := make([]Partition, 0, len(o))
	for p := range o {
		ps = append(ps, p)
	}
	sortPartitions(ps)
	return ps
}

func sortPartitions(ps []Partition) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Topic != ps[j].Topic {
			return ps[i].Topic < ps[j].Topic
		}
		return ps[i].Partition < ps[j].Partition
	})
}

// Clone returns a copy.
func (o Offsets) Clone() Offsets {
	c := make(Offsets, len(o))
	for p, v := range o {
		c[p] = v
	}
	return c
}

// String is the Spark JSON form.
func (o Offsets) String() string {
	b, _ := o.MarshalJSON()
	return string(b)
}

// MarshalJSON writes Spark's offset JSON, {"topic":{"0":42,"1":7}}, with
// topics and partitions in order so that equal offsets give equal text.
func (o Offsets) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	topic := ""
	for i, p := range o.Partitions() {
		if i == 0 || p.Topic != topic {
			if i > 0 {
				b.WriteString("},")
			}
			t, _ := json.Marshal(p.Topic)
			b.Write(t)
			b.WriteString(":{")
			topic = p.Topic
		} else {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%d", strconv.Itoa(int(p.Partition)), o[p])
	}
	if len(o) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads Spark's offset JSON.
func (o *Offsets) UnmarshalJSON(data []byte) error {
	v, err := ParseOffsets(string(data))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// ParseOffsets reads Spark's offset JSON, {"topic":{"0":42}}. In a
// startingOffsets value, -2 means earliest and -1 latest.
func ParseOffsets(s string) (Offsets, error) {
	var raw map[string]map[string]int64
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("offsets %q: expected {\"topic\":{\"0\":<offset>}}: %w", s, err)
	}
	o := Offsets{}
	for t, ps := range raw {
		for k, v := range ps {
			n, err := strconv.ParseInt(k, 10, 32)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("offsets %q: topic %q: partition %q is not a partition number", s, t, k)
			}
			if v < OffsetEarliest {
				return nil, fmt.Errorf("offsets %q: %s/%d: offset %d (an offset is >= 0, or -2 earliest, -1 latest)", s, t, n, v)
			}
			o[Partition{t, int32(n)}] = v
		}
	}
	return o, nil
}

// limitOffsets caps a batch at limit records in all, spread over partitions
// in proportion to how many records each has between from and until, as
// Spark's KafkaMicroBatchStream.rateLimit does: a partition's share is
// floored, but a share below one record is rounded up so that no partition
// starves (so a batch may exceed limit by fewer records than it has
// partitions). Partitions missing from from are left at until.
func limitOffsets(limit int64, from, until Offsets) Offsets {
	sizes := map[Partition]int64{}
	var total float64
	for p, end := range until {
		if begin, ok := from[p]; ok && end > begin {
			sizes[p] = end - begin
			total += float64(end - begin)
		}
	}
	out := until.Clone()
	if total < 1 {
		return out
	}
	for p, size := range sizes {
		begin := from[p]
		prorate := float64(limit) * (float64(size) / total)
		var n int64
		if prorate < 1 {
			n = int64(math.Ceil(prorate))
		} else {
			n = int64(math.Floor(prorate))
		}
		off := begin + n
		if n > math.MaxInt64-begin {
			off = math.MaxInt64
		}
		out[p] = min(until[p], off)
	}
	return out
}
