package database

import (
	"reflect"
	"strconv"
	"testing"
)

// The expected clauses follow Spark's JDBCRelation.columnPartition (3.2+,
// with SPARK-34843's stride alignment), worked by hand from its algorithm.
func TestPartitionWheresLikeSpark(t *testing.T) {
	lit := func(v int64) string { return strconv.FormatInt(v, 10) }
	tests := []struct {
		name         string
		lower, upper int64
		n            int
		want         []string
	}{
		{name: "one partition", lower: 0, upper: 100, n: 1, want: nil},
		{name: "equal bounds", lower: 5, upper: 5, n: 4, want: nil},
		{name: "even split", lower: 0, upper: 100, n: 4, want: []string{
			`c < 25 or c is null`, `c >= 25 AND c < 50`, `c >= 50 AND c < 75`, `c >= 75`}},
		{name: "JDBCSuite 1..4 in 3", lower: 1, upper: 4, n: 3, want: []string{
			`c < 2 or c is null`, `c >= 2 AND c < 3`, `c >= 3`}},
		{name: "fewer values than partitions", lower: 0, upper: 2, n: 10, want: []string{
			`c < 1 or c is null`, `c >= 1`}},
		// SPARK-28587 style: stride 7 (22/3 = 7.33), 1 lost stride → start
		// shifted by round_half_up(0.5*... ) as Spark does.
		{name: "uneven stride", lower: 0, upper: 22, n: 3, want: []string{
			`c < 7 or c is null`, `c >= 7 AND c < 14`, `c >= 14`}},
		{name: "negative bounds", lower: -100, upper: 100, n: 2, want: []string{
			`c < 0 or c is null`, `c >= 0`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := partitionWheres("c", boundInteger, tt.lower, tt.upper, tt.n, lit)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
		})
	}
	if _, err := partitionWheres("c", boundInteger, 10, 1, 3, lit); err == nil {
		t.Fatal("lowerBound > upperBound accepted")
	}
}

// Spark's own JDBCSuite case for SPARK-34843: 1000 date partitions between
// 1930-01-01 and 2020-12-31 start with < '1930-06-02' and end with
// >= '2020-08-02'.
func TestPartitionWheresSparkJDBCSuite(t *testing.T) {
	lo, _ := parseBound(boundDate, "lowerBound", "1930-01-01")
	hi, _ := parseBound(boundDate, "upperBound", "2020-12-31")
	got, err := partitionWheres(`"PartitionColumn"`, boundDate, lo, hi, 1000, boundLiteral(boundDate, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1000 {
		t.Fatalf("%d partitions", len(got))
	}
	if first := `"PartitionColumn" < '1930-06-02' or "PartitionColumn" is null`; got[0] != first {
		t.Errorf("first = %s, want %s", got[0], first)
	}
	if last := `"PartitionColumn" >= '2020-08-02'`; got[999] != last {
		t.Errorf("last = %s, want %s", got[999], last)
	}
}

func TestPartitionBoundsDatesAndTimestamps(t *testing.T) {
	lo, err := parseBound(boundDate, "lowerBound", "2024-01-01")
	if err != nil {
		t.Fatal(err)
	}
	hi, _ := parseBound(boundDate, "upperBound", "2024-01-05")
	got, err := partitionWheres(`"d"`, boundDate, lo, hi, 2, boundLiteral(boundDate, false))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`"d" < '2024-01-03' or "d" is null`, `"d" >= '2024-01-03'`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	lo, _ = parseBound(boundTimestamp, "lowerBound", "2024-01-01 00:00:00")
	hi, _ = parseBound(boundTimestamp, "upperBound", "2024-01-01T12:00:00Z")
	got, _ = partitionWheres(`"t"`, boundTimestamp, lo, hi, 2, boundLiteral(boundTimestamp, true))
	want = []string{`"t" < '2024-01-01 06:00:00+00:00' or "t" is null`, `"t" >= '2024-01-01 06:00:00+00:00'`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	for _, bad := range []struct {
		kind boundKind
		s    string
	}{{boundInteger, "1.5"}, {boundDate, "01/02/2024"}, {boundTimestamp, "noon"}} {
		if _, err := parseBound(bad.kind, "lowerBound", bad.s); err == nil {
			t.Errorf("bound %q accepted", bad.s)
		}
	}
}
