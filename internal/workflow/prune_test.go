package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

func pruneSchema() *iceberg.Schema {
	return iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "ts", Type: iceberg.PrimitiveTypes.Timestamp},
		iceberg.NestedField{ID: 3, Name: "d", Type: iceberg.PrimitiveTypes.Date},
		iceberg.NestedField{ID: 4, Name: "state", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 5, Name: "amount", Type: iceberg.PrimitiveTypes.Float64},
		iceberg.NestedField{ID: 6, Name: "n", Type: iceberg.PrimitiveTypes.Int32},
		iceberg.NestedField{ID: 7, Name: "tz", Type: iceberg.PrimitiveTypes.TimestampTz},
	)
}

func openSession(t *testing.T) *engine.Session {
	t.Helper()
	ses, err := engine.Open(context.Background(), engine.Settings{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ses.Close() })
	return ses
}

// TestPruneFilter checks which WHERE clauses become Iceberg filters; "" means
// no pruning. Anything uncertain must not prune.
func TestPruneFilter(t *testing.T) {
	ses := openSession(t)
	ref := engine.TableRef{Parts: []string{"lakehouse", "retail", "events"}}
	tests := []struct {
		name, query, want string
	}{
		{"equality", "SELECT * FROM lakehouse.retail.events WHERE state = 'CA'", `Equal(term=Reference(name='state'), literal=CA)`},
		{"flipped", "SELECT * FROM lakehouse.retail.events WHERE 5 < id", `GreaterThan(term=Reference(name='id'), literal=5)`},
		{"between on a timestamp", "SELECT * FROM lakehouse.retail.events WHERE ts BETWEEN '2024-01-01' AND TIMESTAMP '2024-01-02 10:00:00'", "And"},
		{"in", "SELECT * FROM lakehouse.retail.events WHERE id IN (1, 2, 3)", "In(term=Reference(name='id')"},
		{"date", "SELECT * FROM lakehouse.retail.events WHERE d >= DATE '2024-03-01'", `GreaterThanEqual(term=Reference(name='d'), literal=2024-03-01)`},
		{"decimal on double", "SELECT * FROM lakehouse.retail.events WHERE amount < 2.5", `LessThan(term=Reference(name='amount'), literal=2.5)`},
		{"or of translatable", "SELECT * FROM lakehouse.retail.events WHERE state = 'CA' OR id = 3", "Or("},
		{"alias and join", "SELECT * FROM lakehouse.retail.events e JOIN other o ON e.id = o.id WHERE e.state = 'NY' AND o.x = 1", `Equal(term=Reference(name='state'), literal=NY)`},
		{"left join, null-rejecting", "SELECT * FROM other o LEFT JOIN lakehouse.retail.events e ON e.id = o.id WHERE e.n = 4", `Equal(term=Reference(name='n'), literal=4)`},
		{"untranslatable conjunct is dropped", "SELECT * FROM lakehouse.retail.events WHERE lower(state) = 'ca' AND id = 1", `Equal(term=Reference(name='id'), literal=1)`},
		{"in a subquery", "SELECT count(*) FROM (SELECT * FROM lakehouse.retail.events WHERE id = 9) s", `Equal(term=Reference(name='id'), literal=9)`},
		{"in a CTE", "WITH c AS (SELECT * FROM lakehouse.retail.events WHERE id = 9) SELECT * FROM c", `Equal(term=Reference(name='id'), literal=9)`},

		{"no where", "SELECT * FROM lakehouse.retail.events", ""},
		{"or with an untranslatable branch", "SELECT * FROM lakehouse.retail.events WHERE state = 'CA' OR lower(state) = 'ny'", ""},
		{"not equal", "SELECT * FROM lakehouse.retail.events WHERE id <> 3", ""},
		{"not in", "SELECT * FROM lakehouse.retail.events WHERE id NOT IN (3)", ""},
		{"is null", "SELECT * FROM lakehouse.retail.events WHERE state IS NULL", ""},
		{"in with null", "SELECT * FROM lakehouse.retail.events WHERE id IN (1, NULL)", ""},
		{"unqualified column in a join", "SELECT * FROM lakehouse.retail.events e JOIN other o ON e.id = o.id WHERE state = 'NY'", ""},
		{"other table's column", "SELECT * FROM lakehouse.retail.events e JOIN other o ON e.id = o.id WHERE o.state = 'NY'", ""},
		{"read twice", "SELECT * FROM lakehouse.retail.events a JOIN lakehouse.retail.events b ON a.id = b.id WHERE a.id = 1", ""},
		{"asof join", "SELECT * FROM other o ASOF JOIN lakehouse.retail.events e ON o.ts >= e.ts WHERE e.id = 1", ""},
		{"positional join", "SELECT * FROM other o POSITIONAL JOIN lakehouse.retail.events e WHERE e.id = 1", ""},
		{"anti join", "SELECT * FROM lakehouse.retail.events e ANTI JOIN other o ON e.id = o.id WHERE e.id = 1", ""},
		{"where outside the table's select", "SELECT * FROM (SELECT * FROM lakehouse.retail.events) s WHERE s.id = 1", ""},
		{"sample", "SELECT * FROM lakehouse.retail.events USING SAMPLE 10 WHERE id = 1", ""},
		{"string literal on a number column", "SELECT * FROM lakehouse.retail.events WHERE id = '5'", ""},
		{"decimal literal on an int column", "SELECT * FROM lakehouse.retail.events WHERE n < 2.5", ""},
		{"timestamptz column", "SELECT * FROM lakehouse.retail.events WHERE tz >= '2024-01-01'", ""},
		{"cast column", "SELECT * FROM lakehouse.retail.events WHERE CAST(id AS VARCHAR) = '5'", ""},
		{"int out of range", "SELECT * FROM lakehouse.retail.events WHERE n = 9999999999", ""},
		{"not a select", "CREATE TABLE x AS SELECT * FROM lakehouse.retail.events WHERE id = 1", ""},
		{"syntax error", "SELEC * FROM lakehouse.retail.events WHERE id = 1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := plan.Front(tc.query, plan.AQuery)
			if err != nil {
				q = tc.query
			}
			p := NewPruner(q)
			p.parse(context.Background(), ses)
			f := p.filter(ref, pruneSchema())
			got := ""
			if f != nil {
				got = f.String()
			}
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("filter %q, want %q", got, tc.want)
			}
		})
	}
}

// pruneEnv is a lakehouse with one table partitioned by day(ts): 10 days,
// two states, so 20 files.
func pruneEnv(t *testing.T) (*depot.Config, *catalog.Lakehouses) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := depot.Default(dir)
	if err != nil {
		t.Fatal(err)
	}
	ls := catalog.NewLakehouses(cfg, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { ls.Close() })
	l, _, err := ls.Get(ctx, "lakehouse")
	if err != nil {
		t.Fatal(err)
	}
	ses := openSession(t)
	if err := ses.Exec(ctx, `CREATE VIEW src AS SELECT i AS id, TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE * 60 AS ts,
		CASE WHEN i % 2 = 0 THEN 'CA' ELSE 'NY' END AS state, (i % 7) * 1.5 AS amount FROM range(240) t(i)`); err != nil {
		t.Fatal(err)
	}
	_, err = l.Write(ctx, ses.Conn(), "src", lakehouse.WriteSpec{
		Table:     lakehouse.TableName{Collection: "retail", Dataset: "events"},
		Partition: []lakehouse.PartitionField{{Type: "day", Column: "ts"}, {Type: "identity", Column: "state"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, ls
}

// boundFiles counts the data files the session's view of a table reads.
func boundFiles(t *testing.T, ses *engine.Session, table string) int {
	t.Helper()
	var sql string
	if err := ses.Conn().QueryRowContext(context.Background(), "SELECT sql FROM duckdb_views() WHERE view_name = ?", table).Scan(&sql); err != nil {
		t.Fatal(err)
	}
	return strings.Count(sql, ".parquet'")
}

func queryRows(t *testing.T, ses *engine.Session, q string) string {
	t.Helper()
	res, err := ses.Query(context.Background(), q, -1)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(res.Rows)
}

func TestDefineTablesPrunes(t *testing.T) {
	cfg, ls := pruneEnv(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		query string
		files int
	}{
		{"a day", "SELECT id, state FROM lakehouse.retail.events WHERE ts >= '2024-01-03' AND ts < '2024-01-04' ORDER BY id", 2},
		{"a day and a state", "SELECT id FROM lakehouse.retail.events WHERE ts BETWEEN '2024-01-03' AND '2024-01-03 23:00:00' AND state = 'NY' ORDER BY id", 1},
		{"states in", "SELECT count(*) FROM lakehouse.retail.events WHERE state IN ('CA')", 10},
		// id 100 is in day 5's CA file; the NY file's ids (97..119) span it too
		{"stats only", "SELECT id FROM lakehouse.retail.events WHERE id = 100 ORDER BY id", 2},
		{"icebase alias", "SELECT id FROM icebase.retail.events e WHERE e.id = 100", 2},
		{"untranslatable", "SELECT count(*) FROM lakehouse.retail.events WHERE lower(state) = 'ny'", 20},
		{"none match", "SELECT count(*) FROM lakehouse.retail.events WHERE ts > '2030-01-01'", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pruned := openSession(t)
			q := bindQuery(t, pruned, cfg, ls, tc.query, true)
			parts := strings.SplitN(strings.Fields(strings.SplitN(tc.query, " FROM ", 2)[1])[0], ".", 3)
			if got := boundFiles(t, pruned, parts[2]); got != tc.files {
				t.Errorf("%d files bound, want %d", got, tc.files)
			}
			// The same query over every file gives the same rows.
			full := openSession(t)
			l, _, _ := ls.Get(ctx, "lakehouse")
			tbl, err := l.LoadTable(ctx, lakehouse.TableName{Collection: "retail", Dataset: "events"})
			if err != nil {
				t.Fatal(err)
			}
			sel, err := tbl.SelectSQL(ctx, lakehouse.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if err := full.DefineTable(ctx, parts[0], "retail", "events", sel); err != nil {
				t.Fatal(err)
			}
			if got := boundFiles(t, full, "events"); got != 20 {
				t.Fatalf("unpruned: %d files", got)
			}
			want := queryRows(t, full, q)
			if got := queryRows(t, pruned, q); got != want {
				t.Errorf("pruned rows %s, unpruned %s", got, want)
			}
			if want == "[]" || want == "[[0]]" {
				if tc.files != 0 {
					t.Errorf("query matches no rows; the test proves nothing")
				}
			}
		})
	}
}

// Steps and SQL inputs of a job never prune: a view defined over a pruned
// binding would keep reading it. And a table bound before (by a manifest's
// steps in flare sql --manifest) is left as it is.
func TestJobsDoNotPrune(t *testing.T) {
	cfg, ls := pruneEnv(t)
	ctx := context.Background()
	ses := openSession(t)
	step1 := bindQuery(t, ses, cfg, ls, "SELECT count(*) AS n FROM lakehouse.retail.events WHERE state = 'CA'", false)
	if err := ses.DefineView(ctx, "s1", step1); err != nil {
		t.Fatal(err)
	}
	if got := boundFiles(t, ses, "events"); got != 20 {
		t.Fatalf("step binding: %d files, want all 20", got)
	}
	final := bindQuery(t, ses, cfg, ls, "SELECT count(*) AS n FROM lakehouse.retail.events WHERE state = 'NY'", true)
	if got := boundFiles(t, ses, "events"); got != 20 {
		t.Fatalf("bound table was rebound: %d files, want all 20", got)
	}
	if got := queryRows(t, ses, "SELECT (SELECT n FROM s1), ("+final+")"); got != "[[120 120]]" {
		t.Fatalf("rows: %s", got)
	}
}

// bindQuery compiles a query (the Spark SQL front) and binds the tables it
// reads in ses, pruned or not, as flare sql and job steps do; it returns
// the query in the engine's dialect.
func bindQuery(t *testing.T, ses *engine.Session, cfg *depot.Config, ls *catalog.Lakehouses, query string, prune bool) string {
	t.Helper()
	ctx := context.Background()
	q, err := plan.CompileQuery(ctx, &plan.Env{Config: cfg, Lakehouses: ls}, ses, query)
	if err != nil {
		t.Fatal(err)
	}
	var pr *Pruner
	if prune {
		pr = NewPruner(q.SQL)
	}
	r := &Runner{Config: cfg, Lakehouses: ls}
	if err := r.BindTables(ctx, ses, q.Tables, pr, lakehouse.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	return q.SQL
}
