package kafka

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestOffsetsJSON(t *testing.T) {
	tests := []struct {
		name string
		o    Offsets
		want string
	}{
		{"empty", Offsets{}, `{}`},
		{"one", Offsets{p("t", 0): 42}, `{"t":{"0":42}}`},
		{"numeric partition order", Offsets{p("t", 10): 1, p("t", 2): 2, p("t", 0): 3}, `{"t":{"0":3,"2":2,"10":1}}`},
		{"topics in order", Offsets{p("b", 0): 1, p("a.x", 1): 2, p("a.x", 0): 0}, `{"a.x":{"0":0,"1":2},"b":{"0":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.String(); got != tt.want {
				t.Fatalf("String() = %s, want %s", got, tt.want)
			}
			back, err := ParseOffsets(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.o) {
				t.Fatalf("ParseOffsets(%s) = %v, want %v", tt.want, back, tt.o)
			}
			// As a field of a struct, through encoding/json.
			type rec struct{ Offsets Offsets }
			b, err := json.Marshal(rec{tt.o})
			if err != nil || string(b) != `{"Offsets":`+tt.want+`}` {
				t.Fatalf("json.Marshal = %s, %v", b, err)
			}
			var r rec
			if err := json.Unmarshal(b, &r); err != nil || !reflect.DeepEqual(r.Offsets, tt.o) {
				t.Fatalf("json.Unmarshal = %v, %v", r.Offsets, err)
			}
		})
	}
}

func TestParseOffsetsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[1]`, "expected"},
		{`{"t":{"x":1}}`, `partition "x" is not a partition number`},
		{`{"t":{"-1":1}}`, `partition "-1"`},
		{`{"t":{"0":-3}}`, "offset -3"},
		{`{"t":{"0":"a"}}`, "expected"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseOffsets(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	o, err := ParseOffsets(`{"t":{"0":-2,"1":-1,"2":7}}`)
	if err != nil || o[p("t", 0)] != OffsetEarliest || o[p("t", 1)] != OffsetLatest || o[p("t", 2)] != 7 {
		t.Fatalf("special offsets = %v, %v", o, err)
	}
}

// TestLimitOffsets checks the spread of maxOffsetsPerTrigger against values
// worked out by hand from Spark's KafkaMicroBatchStream.rateLimit.
func TestLimitOffsets(t *testing.T) {
	a0, a1, a2 := p("a", 0), p("a", 1), p("a", 2)
	tests := []struct {
		name        string
		limit       int64
		from, until Offsets
		want        Offsets
	}{
		{"under the limit", 100, Offsets{a0: 0, a1: 5}, Offsets{a0: 10, a1: 15}, Offsets{a0: 10, a1: 15}},
		{"proportional", 10, Offsets{a0: 0, a1: 0, a2: 0}, Offsets{a0: 10, a1: 20, a2: 70}, Offsets{a0: 1, a1: 2, a2: 7}},
		{"floors", 10, Offsets{a0: 100, a1: 0}, Offsets{a0: 133, a1: 67}, Offsets{a0: 103, a1: 6}},
		// 1 * 1/1000 < 1 rounds up: a small partition is not starved.
		{"small share rounds up", 1000, Offsets{a0: 0, a1: 0}, Offsets{a0: 1, a1: 99999}, Offsets{a0: 1, a1: 999}},
		{"nothing new", 5, Offsets{a0: 7}, Offsets{a0: 7}, Offsets{a0: 7}},
		{"partition not in from stays at until", 5, Offsets{a0: 0}, Offsets{a0: 100, a1: 50}, Offsets{a0: 5, a1: 50}},
		{"never past until", 1000, Offsets{a0: 0, a1: 0}, Offsets{a0: 3, a1: 2000}, Offsets{a0: 1, a1: 998}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := limitOffsets(tt.limit, tt.from, tt.until)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("limitOffsets(%d, %v, %v) = %v, want %v", tt.limit, tt.from, tt.until, got, tt.want)
			}
		})
	}
}
