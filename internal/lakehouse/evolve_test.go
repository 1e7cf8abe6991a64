package lakehouse_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

var events = lakehouse.TableName{Collection: "retail", Dataset: "events"}

// ts returns Iceberg's timestamp literal for a UTC time.
func ts(s string) iceberg.Timestamp {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return iceberg.Timestamp(t.UnixMicro())
}

func specText(fields []lakehouse.PartitionFieldInfo) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fmt.Sprintf("%s(%s) AS %s", f.Transform, f.SourceColumn, f.Name)
	}
	return strings.Join(parts, ", ")
}

// planned returns how many files a filtered read plans.
func (e *env) planned(t *testing.T, n lakehouse.TableName, f iceberg.BooleanExpression) int {
	t.Helper()
	files, err := e.load(t, n).PlanFiles(e.ctx, lakehouse.ReadOptions{Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

// countWhere counts the rows of the table's current snapshot that match a
// DuckDB predicate, reading only the files that filter plans.
func (e *env) countWhere(t *testing.T, n lakehouse.TableName, f iceberg.BooleanExpression, where string) int64 {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, lakehouse.ReadOptions{Filter: f})
	if err != nil {
		t.Fatal(err)
	}
	var c int64
	if err := e.db.QueryRowContext(e.ctx, "SELECT count(*) FROM ("+q+") WHERE "+where).Scan(&c); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return c
}

func TestPartitionEvolutionOnWrite(t *testing.T) {
	e := newEnv(t)
	// 2024-01-01 .. 2024-03-31, one row per hour: 91 days, 3 months.
	e.exec(t, `CREATE VIEW q1 AS SELECT i AS id, TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS ts, 'CA' AS state FROM range(91*24) t(i)`)
	// 2024-04-01 .. 2024-04-10, in two states.
	e.exec(t, `CREATE VIEW apr AS SELECT 100000 + i AS id, TIMESTAMP '2024-04-01' + INTERVAL (i) HOUR AS ts, CASE WHEN i % 2 = 0 THEN 'CA' ELSE 'NY' END AS state FROM range(10*24) t(i)`)
	month := []lakehouse.PartitionField{{Type: "month", Column: "ts"}}
	e.write(t, "q1", lakehouse.WriteSpec{Table: events, Partition: month})
	if got := e.planned(t, events, nil); got != 3 {
		t.Fatalf("month spec: %d files, want 3", got)
	}
	dayState := []lakehouse.PartitionField{{Type: "day", Column: "ts"}, {Type: "identity", Column: "state"}}
	e.write(t, "apr", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append, Partition: dayState})

	info := e.load(t, events).Describe()
	if got := specText(info.Partition); got != "day(ts) AS ts_day, identity(state) AS state" {
		t.Fatalf("spec after evolution: %s", got)
	}
	specs, err := e.load(t, events).PartitionSpecs(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Files != 3 || specs[0].Current || !specs[1].Current || specs[1].Files != 20 {
		t.Fatalf("specs: %+v", specs)
	}
	if n := e.count(t, events); n != 91*24+10*24 {
		t.Fatalf("%d rows", n)
	}
	// The same spec in another order is not a change.
	e.write(t, "apr", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append, Partition: []lakehouse.PartitionField{dayState[1], dayState[0]}})
	if specs, _ := e.load(t, events).PartitionSpecs(e.ctx); len(specs) != 2 {
		t.Fatalf("reordered spec made a new spec: %+v", specs)
	}

	ref := iceberg.Reference("ts")
	tests := []struct {
		name   string
		filter iceberg.BooleanExpression
		where  string
		files  int
		rows   int64
	}{
		{"a day under the old month spec", iceberg.NewAnd(iceberg.GreaterThanEqual(ref, ts("2024-02-10 00:00:00")), iceberg.LessThan(ref, ts("2024-02-11 00:00:00"))),
			"ts >= '2024-02-10' AND ts < '2024-02-11'", 1, 24},
		{"a day under the new day spec", iceberg.NewAnd(iceberg.GreaterThanEqual(ref, ts("2024-04-03 00:00:00")), iceberg.LessThan(ref, ts("2024-04-04 00:00:00"))),
			"ts >= '2024-04-03' AND ts < '2024-04-04'", 4, 48}, // 2 states x 2 appends
		{"a range across both specs", iceberg.GreaterThanEqual(ref, ts("2024-03-31 00:00:00")),
			"ts >= '2024-03-31'", 1 + 40, 24 + 2*240},
		{"state only exists in the new spec", iceberg.EqualTo(iceberg.Reference("state"), "NY"),
			"state = 'NY'", 20, 240}, // NY files of 2 appends; old files have no state partition but their stats say CA only
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.planned(t, events, tc.filter); got != tc.files {
				t.Errorf("%d files planned, want %d", got, tc.files)
			}
			if got := e.countWhere(t, events, tc.filter, tc.where); got != tc.rows {
				t.Errorf("%d rows, want %d", got, tc.rows)
			}
			if got := e.countWhere(t, events, nil, tc.where); got != tc.rows {
				t.Errorf("unpruned: %d rows, want %d", got, tc.rows)
			}
		})
	}
	if all := e.planned(t, events, nil); all != 43 {
		t.Errorf("%d files in total, want 43", all)
	}
}

func TestEvolvePartition(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW v AS SELECT i AS id, TIMESTAMP '2024-01-01' + INTERVAL (i) DAY AS ts, 'x' || (i % 3) AS name FROM range(40) t(i)`)
	e.write(t, "v", lakehouse.WriteSpec{Table: events, Partition: []lakehouse.PartitionField{{Type: "month", Column: "ts"}}})
	must := func(t *testing.T, fields string) lakehouse.PartitionChange {
		t.Helper()
		p, err := lakehouse.ParsePartitionFields(fields)
		if err != nil {
			t.Fatal(err)
		}
		return lakehouse.PartitionChange{Set: p}
	}
	steps := []struct {
		name    string
		change  lakehouse.PartitionChange
		want    string
		changed bool
		err     string
	}{
		{"replace month by day", must(t, "day(ts)"), "day(ts) AS ts_day", true, ""},
		{"same spec is a no-op", must(t, "day(ts)"), "day(ts) AS ts_day", false, ""},
		{"add a bucket", lakehouse.PartitionChange{Add: []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: 4}}}, "day(ts) AS ts_day, bucket[4](id) AS id_bucket", true, ""},
		{"drop by expression", lakehouse.PartitionChange{Drop: []string{"day(ts)"}}, "bucket[4](id) AS id_bucket", true, ""},
		{"drop by name", lakehouse.PartitionChange{Drop: []string{"id_bucket"}}, "", true, ""},
		{"set with a name", must(t, "truncate(2, name) AS name2"), "truncate[2](name) AS name2", true, ""},
		{"unknown column", must(t, "day(nope)"), "", false, "partition column nope is not a column of the table"},
		{"unknown field to drop", lakehouse.PartitionChange{Drop: []string{"ts_hour"}}, "", false, "no partition field ts_hour"},
		{"set and add together", lakehouse.PartitionChange{Set: []lakehouse.PartitionField{{Column: "id"}}, Add: []lakehouse.PartitionField{{Column: "name"}}}, "", false, "not both"},
		{"redundant time fields", lakehouse.PartitionChange{Add: []lakehouse.PartitionField{{Type: "day", Column: "ts"}, {Type: "hour", Column: "ts"}}}, "", false, "redundant"},
		{"unpartition", lakehouse.PartitionChange{Unpartition: true}, "", true, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := e.load(t, events).Describe()
			res, err := e.lh.EvolvePartition(e.ctx, events, s.change)
			if s.err != "" {
				if err == nil || !strings.Contains(err.Error(), s.err) || !errors.Is(err, lakehouse.ErrPartitionEvolution) {
					t.Fatalf("err = %v, want ErrPartitionEvolution with %q", err, s.err)
				}
				if after := e.load(t, events).Describe(); specText(after.Partition) != specText(before.Partition) {
					t.Fatalf("a failed change changed the spec: %s", specText(after.Partition))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != s.changed || specText(res.After) != s.want {
				t.Fatalf("changed %v, spec %q; want %v, %q", res.Changed, specText(res.After), s.changed, s.want)
			}
			if got := specText(e.load(t, events).Describe().Partition); got != s.want {
				t.Fatalf("table spec %q, want %q", got, s.want)
			}
		})
	}
	// Every file is still readable; a write under the final spec works.
	e.write(t, "v", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append})
	if n := e.count(t, events); n != 80 {
		t.Fatalf("%d rows, want 80", n)
	}
}

func TestBucketEqualityPrunes(t *testing.T) {
	e := newEnv(t)
	const buckets = 8
	e.exec(t, `CREATE VIEW b AS SELECT i AS id, 'n' || i AS name FROM range(200) t(i)`)
	e.write(t, "b", lakehouse.WriteSpec{Table: events, Partition: []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: buckets}}})
	all := e.planned(t, events, nil)
	if all < buckets {
		t.Fatalf("%d files for %d buckets", all, buckets)
	}
	tr := iceberg.BucketTransform{NumBuckets: buckets}
	for _, id := range []int64{0, 7, 123, 199} {
		t.Run(fmt.Sprint(id), func(t *testing.T) {
			want := tr.Apply(iceberg.Optional[iceberg.Literal]{Val: iceberg.NewLiteral(id), Valid: true}).Val.Any()
			files, err := e.load(t, events).PlanFiles(e.ctx, lakehouse.ReadOptions{Filter: iceberg.EqualTo(iceberg.Reference("id"), id)})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 || len(files) >= all {
				t.Fatalf("%d of %d files planned", len(files), all)
			}
			for _, f := range files {
				if !strings.Contains(f, fmt.Sprintf("/id_bucket=%v/", want)) {
					t.Errorf("file %s is not in bucket %v", f, want)
				}
			}
			if got := e.countWhere(t, events, iceberg.EqualTo(iceberg.Reference("id"), id), fmt.Sprintf("id = %d", id)); got != 1 {
				t.Errorf("%d rows for id %d", got, id)
			}
		})
	}
}

func TestParsePartitionFields(t *testing.T) {
	tests := []struct {
		in   string
		want []lakehouse.PartitionField
		err  string
	}{
		{"day(ts), identity(state)", []lakehouse.PartitionField{{Type: "day", Column: "ts"}, {Type: "identity", Column: "state"}}, ""},
		{"state", []lakehouse.PartitionField{{Type: "identity", Column: "state"}}, ""},
		{"bucket(16, id) AS b, truncate(4,name)", []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: 16, Name: "b"}, {Type: "truncate", Column: "name", Width: 4}}, ""},
		{"bucket(id, 16)", []lakehouse.PartitionField{{Type: "bucket", Column: "id", NumBuckets: 16}}, ""},
		{"MONTH(ts) as m", []lakehouse.PartitionField{{Type: "month", Column: "ts", Name: "m"}}, ""},
		{"bucket(0, id)", nil, "positive"},
		{"bucket(id)", nil, "a number and a column"},
		{"week(ts)", nil, "unknown transform week"},
		{"day(ts", nil, "missing )"},
		{"day()", nil, "takes one column"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := lakehouse.ParsePartitionFields(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
