package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// orderTime is when order i of testdata/incremental/orders.yaml was
// placed: 2020-01-01 06:00 plus 5*i days.
func orderTime(i int) time.Time {
	return time.Date(2020, 1, 1, 6, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i)
}

// window lists the orders of 0..n-1 placed in (from, to].
func window(n int, from, to time.Time) []string {
	var out []string
	for i := 0; i < n; i++ {
		if t := orderTime(i); t.After(from) && !t.After(to) {
			out = append(out, strconv.Itoa(i))
		}
	}
	return out
}

// column runs a query and returns its one column, in order.
func column(t *testing.T, query string) []string {
	t.Helper()
	r := mustFlare(t, "sql", "--format", "csv", query)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	return lines[1:]
}

// outputTable loads a table of the project's lakehouse.
func outputTable(t *testing.T, dir string, n lakehouse.TableName) *lakehouse.Table {
	t.Helper()
	ctx := context.Background()
	lh, err := lakehouse.Open(ctx, filepath.Join(dir, "lakehouse"), lakehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer lh.Close()
	tbl, err := lh.LoadTable(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// TestIncrementalDocsExample runs the Flare docs' incremental job as
// written (monthly windows of order_date, the end saved as the next start,
// a dynamic overwrite by day) over several runs, with orders added between
// runs: each run reads exactly its month, its commit adds exactly those
// rows and saves the window's end; a month without orders still moves the
// state on; flare state show, set (a backfill) and reset work on it.
func TestIncrementalDocsExample(t *testing.T) {
	docs, err := filepath.Abs("testdata/incremental/incremental_jobs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orders, _ := filepath.Abs("testdata/incremental/orders.yaml")
	dir := project(t)
	out := lakehouse.TableName{Collection: "sample", Dataset: "order_incremental_08"}
	const key = lakehouse.StatePrefix + "incremental/order-incremental-08/order_input/start"
	addOrders := func(from, to int) {
		t.Helper()
		mustFlare(t, "run", orders, "--var", fmt.Sprintf("from=%d", from), "--var", fmt.Sprintf("to=%d", to))
	}
	month := func(m int) time.Time { return time.Date(2020, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC) }
	addOrders(0, 10)
	var processed []string
	runs := []struct {
		addTo int // orders 0..addTo-1 exist before the run
	}{{10}, {20}, {20}, {25}, {30}, {30}}
	total := 10
	for m, run := range runs {
		if run.addTo > total {
			addOrders(total, run.addTo)
			total = run.addTo
		}
		r := mustFlare(t, "run", docs)
		want := window(total, month(m), month(m+1))
		if !strings.Contains(r.stderr+r.stdout, fmt.Sprintf("start=%s", month(m).Format("2006-01-02 15:04:05"))) {
			t.Errorf("run %d does not report its start %s:\n%s", m+1, month(m), r.stderr)
		}
		tbl := outputTable(t, dir, out)
		snaps := tbl.Snapshots()
		head := snaps[len(snaps)-1]
		if got := head.Summary["added-records"]; got != strconv.Itoa(len(want)) {
			t.Errorf("run %d (%s..%s] added %s rows, want %d (%v)", m+1, month(m).Format("2006-01"), month(m+1).Format("2006-01"), got, len(want), want)
		}
		if got, wantState := tbl.State("")[key], month(m+1).Format("2006-01-02 15:04:05"); got != wantState || head.Summary[key] != wantState {
			t.Errorf("after run %d the state is %q (head %q), want %q", m+1, got, head.Summary[key], wantState)
		}
		processed = append(processed, want...)
		got := column(t, "SELECT order_id FROM lakehouse.sample.order_incremental_08 ORDER BY order_id")
		if !slices.Equal(got, processed) {
			t.Fatalf("after run %d the output holds %v, want %v", m+1, got, processed)
		}
	}
	if len(processed) != total {
		t.Fatalf("the runs processed %d of %d orders", len(processed), total)
	}

	// flare state show names the key, its value and the snapshot that saved it.
	r := mustFlare(t, "state", "show", docs)
	tbl := outputTable(t, dir, out)
	snaps := tbl.Snapshots()
	last := snaps[len(snaps)-1]
	for _, s := range []string{"order-incremental-08", "order_input", "start", month(len(runs)).Format("2006-01-02 15:04:05"), "lakehouse.sample.order_incremental_08", strconv.FormatInt(last.ID, 10)} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("state show does not print %q:\n%s", s, r.stdout)
		}
	}

	r = mustFlare(t, "state", "show", docs, "--json")
	var entries []struct {
		Job, Input, Key, Value, Table string
		Snapshot                      int64
	}
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil || len(entries) != 1 || entries[0].Value != month(len(runs)).Format("2006-01-02 15:04:05") ||
		entries[0].Snapshot != last.ID || entries[0].Table != "lakehouse.sample.order_incremental_08" {
		t.Errorf("state show --json: %v\n%s", err, r.stdout)
	}

	// A dry run changes nothing; set moves the start back (a backfill of
	// March) with a snapshot that changes no data; the next run reads March.
	before := len(snaps)
	r = mustFlare(t, "state", "set", docs, "start=2020-03-01 00:00:00", "--dry-run")
	if !strings.Contains(r.stdout, "(dry run)") || len(outputTable(t, dir, out).Snapshots()) != before {
		t.Fatalf("a dry run wrote something, or did not say so:\n%s", r.stdout)
	}
	mustFlare(t, "state", "set", docs, "start=2020-03-01 00:00:00")
	tbl = outputTable(t, dir, out)
	if got := tbl.State("")[key]; got != "2020-03-01 00:00:00" || len(tbl.Snapshots()) != before+1 || tbl.Snapshots()[before].Summary["added-records"] != "0" {
		t.Fatalf("after state set: state %q, %d snapshots (want one more, adding no rows)", got, len(tbl.Snapshots()))
	}
	mustFlare(t, "run", docs)
	tbl = outputTable(t, dir, out)
	snaps = tbl.Snapshots()
	if got, want := snaps[len(snaps)-1].Summary["added-records"], len(window(total, month(2), month(3))); got != strconv.Itoa(want) {
		t.Errorf("the backfill of March added %s rows, want %d", got, want)
	}
	if got := column(t, "SELECT order_id FROM lakehouse.sample.order_incremental_08 ORDER BY order_id"); !slices.Equal(got, processed) {
		t.Errorf("the backfill (a dynamic overwrite of March's days) changed the rows: %v, want %v", got, processed)
	}
	// reset forgets the value: the next run starts from the key's SQL.
	mustFlare(t, "state", "reset", docs)
	if got := outputTable(t, dir, out).State("")[key]; got != "" {
		t.Fatalf("after state reset the state is %q", got)
	}
	r = mustFlare(t, "run", docs)
	if !strings.Contains(r.stderr, "start=2020-01-01 00:00:00,") {
		t.Errorf("after reset the run does not start from the key's SQL:\n%s", r.stderr)
	}
	// Errors: a key the state does not save, a bad argument.
	if r := flare(t, "state", "set", docs, "end=2020-01-01"); r.code != exitInvalid || !strings.Contains(r.stderr, `saves no key "end"`) {
		t.Errorf("state set of a key that is not saved: exit %d\n%s", r.code, r.stderr)
	}
	if r := flare(t, "state", "set", docs, "start"); r.code != exitInvalid || !strings.Contains(r.stderr, "KEY=VALUE") {
		t.Errorf("state set without a value: exit %d\n%s", r.code, r.stderr)
	}
	if r := flare(t, "state", "set", docs, "start=x", "--job", "nope"); r.code != exitInvalid || !strings.Contains(r.stderr, "incremental jobs: order-incremental-08") {
		t.Errorf("state set of an unknown job: exit %d\n%s", r.code, r.stderr)
	}
	if r := flare(t, "state", "show", "examples/city/ingest.yaml"); r.code != exitInvalid || !strings.Contains(r.stderr, "no incremental input") {
		t.Errorf("state show of a manifest without incremental inputs: exit %d\n%s", r.code, r.stderr)
	}
}

// TestIncrementalSnapshots: mode snapshots reads the rows the source's
// appends added since the snapshot the last run read (all of them the
// first time), saves the head it read, and refuses a range holding a
// delete; start-/end-snapshot-id and start-/end-timestamp read a range of
// appends.
func TestIncrementalSnapshots(t *testing.T) {
	job, _ := filepath.Abs("testdata/incremental/snapshots.yaml")
	orders, _ := filepath.Abs("testdata/incremental/orders.yaml")
	dir := project(t)
	src := lakehouse.TableName{Collection: "retail", Dataset: "orders_enriched"}
	out := lakehouse.TableName{Collection: "sample", Dataset: "orders_copy"}
	const key = lakehouse.StatePrefix + "incremental/copy/new_orders/snapshot"
	add := func(from, to int) int64 {
		t.Helper()
		mustFlare(t, "run", orders, "--var", fmt.Sprintf("from=%d", from), "--var", fmt.Sprintf("to=%d", to))
		s := outputTable(t, dir, src).Snapshots()
		return s[len(s)-1].ID
	}
	ids := func() []string {
		return column(t, "SELECT order_id FROM lakehouse.sample.orders_copy ORDER BY order_id")
	}
	added := func() string {
		s := outputTable(t, dir, out).Snapshots()
		return s[len(s)-1].Summary["added-records"]
	}
	a := add(0, 10)
	mustFlare(t, "run", job)
	if got := added(); got != "10" || outputTable(t, dir, out).State("")[key] != strconv.FormatInt(a, 10) {
		t.Fatalf("first run added %s rows, state %q; want 10 and %d", got, outputTable(t, dir, out).State("")[key], a)
	}
	b := add(10, 15)
	c := add(15, 18)
	mustFlare(t, "run", job)
	if got := added(); got != "8" || outputTable(t, dir, out).State("")[key] != strconv.FormatInt(c, 10) {
		t.Fatalf("second run added %s rows, state %q; want 8 and %d", got, outputTable(t, dir, out).State("")[key], c)
	}
	mustFlare(t, "run", job)
	if got := added(); got != "0" {
		t.Fatalf("a run without new snapshots added %s rows", got)
	}
	if got := ids(); len(got) != 18 || got[0] != "0" || got[17] != "17" {
		t.Fatalf("the copy holds %v, want 0..17 once each", got)
	}

	// A range of appends, by snapshot id and by time.
	ranged := func(options string) string {
		t.Helper()
		m := filepath.Join(dir, "range.yaml")
		writeFile(t, m, `version: v1
name: ranged
type: workflow
workflow:
  dag:
    - name: r
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: o, dataset: "dataos://icebase:retail/orders_enriched", options: {`+options+`}}
            steps:
              - sequence:
                  - {name: n, sql: "SELECT concat_ws(',', sort_array(collect_list(CAST(order_id AS STRING)))) AS ids FROM o"}
            outputs:
              - {name: n, dataset: "dataos://icebase:sample/ids", format: iceberg, options: {saveMode: overwrite}}
`)
		mustFlare(t, "run", m)
		return strings.Trim(scalar(t, "SELECT ids FROM lakehouse.sample.ids"), `"`)
	}
	snapTime := func(id int64) int64 {
		for _, s := range outputTable(t, dir, src).Snapshots() {
			if s.ID == id {
				return s.Time.UnixMilli()
			}
		}
		t.Fatalf("no snapshot %d", id)
		return 0
	}
	for _, c := range []struct{ options, want string }{
		{fmt.Sprintf("start-snapshot-id: %d", a), "10,11,12,13,14,15,16,17"},
		{fmt.Sprintf("start-snapshot-id: %d, end-snapshot-id: %d", a, b), "10,11,12,13,14"},
		{fmt.Sprintf("start-snapshot-id: %d, end-snapshot-id: %d", b, c), "15,16,17"},
		{fmt.Sprintf("start-timestamp: %d", snapTime(b)), "15,16,17"},
		{fmt.Sprintf("start-timestamp: %d, end-timestamp: %d", snapTime(a), snapTime(b)), "10,11,12,13,14"},
	} {
		if got := ranged(c.options); got != c.want {
			t.Errorf("options {%s} read %q, want %q", c.options, got, c.want)
		}
	}

	// A delete in the range is an error naming the snapshot; the state
	// stays.
	mustFlare(t, "table", "delete", "lakehouse.retail.orders_enriched", "--where", "target.order_id = 1")
	add(18, 20)
	r := flare(t, "run", job)
	if r.code == 0 || !strings.Contains(r.stderr, "changed or deleted rows") {
		t.Fatalf("a run over a delete: exit %d\n%s", r.code, r.stderr)
	}
	if got := outputTable(t, dir, out).State("")[key]; got != strconv.FormatInt(c, 10) {
		t.Errorf("after the refused run the state is %q, want %d", got, c)
	}
}

// TestIncrementalFiles: mode files reads only the files of a folder that no
// earlier run read, and saves the folder's list with the output.
func TestIncrementalFiles(t *testing.T) {
	job, _ := filepath.Abs("testdata/incremental/files.yaml")
	dir := project(t)
	drops := filepath.Join(dir, "examples", "data", "drops")
	writeFile(t, filepath.Join(drops, "a.csv"), "id,name\n1,a\n2,b\n")
	writeFile(t, filepath.Join(drops, "2024", "b.csv"), "id,name\n3,c\n")
	r := mustFlare(t, "run", job)
	if !strings.Contains(r.stderr, "2 new of 2 files") {
		t.Errorf("first run:\n%s", r.stderr)
	}
	writeFile(t, filepath.Join(drops, "c.csv"), "id,name\n4,d\n5,e\n")
	r = mustFlare(t, "run", job)
	if !strings.Contains(r.stderr, "1 new of 3 files") {
		t.Errorf("second run:\n%s", r.stderr)
	}
	r = mustFlare(t, "run", job)
	if !strings.Contains(r.stderr, "0 new of 3 files") {
		t.Errorf("third run:\n%s", r.stderr)
	}
	if got := column(t, "SELECT id FROM lakehouse.sample.drops ORDER BY id"); !slices.Equal(got, []string{"1", "2", "3", "4", "5"}) {
		t.Errorf("the table holds %v, want each file's rows once", got)
	}
	r = mustFlare(t, "state", "show", job)
	if !strings.Contains(r.stdout, "(3 files read)") {
		t.Errorf("state show:\n%s", r.stdout)
	}
	// reset: every file is read again.
	mustFlare(t, "state", "reset", job)
	r = mustFlare(t, "run", job)
	if !strings.Contains(r.stderr, "3 new of 3 files") {
		t.Errorf("after reset:\n%s", r.stderr)
	}
}

// TestIncrementalExample runs examples/incremental as docs/incremental.md
// and the README show it: one month per run, the start saved by each run,
// and mode snapshots reading each batch once.
func TestIncrementalExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/incremental.md")
	if err != nil {
		t.Fatal(err)
	}
	project(t)
	run := func(args ...string) string {
		t.Helper()
		r := mustFlare(t, append([]string{"run"}, args...)...)
		return r.stderr
	}
	run("examples/incremental/orders_source.yaml", "--var", "batch=batch1")
	for _, want := range []string{"start=2020-01-01 00:00:00, end=2020-02-01 00:00:00", "start=2020-02-01 00:00:00 (saved), end=2020-03-01 00:00:00"} {
		if got := run("examples/incremental/orders.yaml"); !strings.Contains(got, want) {
			t.Errorf("orders.yaml does not report %q:\n%s", want, got)
		}
	}
	run("examples/incremental/new_orders.yaml")
	run("examples/incremental/orders_source.yaml", "--var", "batch=batch2")
	// The source has a file per batch: March's window reads only the
	// second.
	if got := run("examples/incremental/orders.yaml", "--log-level", "debug"); !strings.Contains(got, `msg="incremental window pruned" input=order_input files=1 `) {
		t.Errorf("the March run does not read only the file of its window:\n%s", got)
	}
	run("examples/incremental/new_orders.yaml")
	months := column(t, "SELECT concat(month, '=', CAST(count(*) AS STRING)) FROM lakehouse.sample.orders_incremental GROUP BY month ORDER BY month")
	if !slices.Equal(months, []string{"2020-01=8", "2020-02=7", "2020-03=8"}) {
		t.Errorf("orders by month: %v", months)
	}
	if got := scalar(t, "SELECT sum(orders) FROM lakehouse.sample.customer_orders"); got != "30" {
		t.Errorf("mode snapshots counted %s orders over two runs, want the 30 of both batches once", got)
	}
	r := mustFlare(t, "state", "show", "examples/incremental/orders.yaml")
	if !strings.Contains(r.stdout, "2020-04-01 00:00:00") {
		t.Errorf("state show:\n%s", r.stdout)
	}
	for _, line := range []string{"flare run examples/incremental/orders_source.yaml --var batch=batch1", "flare state show examples/incremental/orders.yaml"} {
		if !strings.Contains(string(doc), line) {
			t.Errorf("docs/incremental.md does not show %q", line)
		}
	}
}

// TestIncrementalMerge: an incremental job whose output merges by key
// touches only the keys of each run's new rows, and the merge commits the
// job's state.
func TestIncrementalMerge(t *testing.T) {
	job, _ := filepath.Abs("testdata/incremental/upsert.yaml")
	changes, _ := filepath.Abs("testdata/incremental/changes.yaml")
	dir := project(t)
	write := func(table string, from, to, version int) {
		t.Helper()
		mustFlare(t, "run", changes, "--var", "table="+table, "--var", fmt.Sprintf("from=%d", from), "--var", fmt.Sprintf("to=%d", to), "--var", fmt.Sprintf("version=%d", version))
	}
	change := func(from, to, version int) { write("retail/customer_changes", from, to, version) }
	write("sample/customers", 0, 0, 0) // the merge's table, empty
	rows := func() []string {
		return column(t, "SELECT concat(CAST(id AS STRING), ':', CAST(version AS STRING)) FROM lakehouse.sample.customers ORDER BY id")
	}
	change(1, 6, 1)
	mustFlare(t, "run", job)
	change(3, 8, 2)
	mustFlare(t, "run", job)
	if got, want := rows(), []string{"1:1", "2:1", "3:2", "4:2", "5:2", "6:2", "7:2"}; !slices.Equal(got, want) {
		t.Fatalf("after two runs the table holds %v, want %v", got, want)
	}
	tbl := outputTable(t, dir, lakehouse.TableName{Collection: "sample", Dataset: "customers"})
	snaps := tbl.Snapshots()
	head := snaps[len(snaps)-1]
	src := outputTable(t, dir, lakehouse.TableName{Collection: "retail", Dataset: "customer_changes"}).Snapshots()
	if got := head.Summary[lakehouse.StatePrefix+"incremental/upsert/changes/snapshot"]; got != strconv.FormatInt(src[len(src)-1].ID, 10) {
		t.Errorf("the merge's snapshot holds state %q, want the source's head %d", got, src[len(src)-1].ID)
	}
	// A run without changes merges nothing and keeps the rows.
	mustFlare(t, "run", job)
	if got := rows(); len(got) != 7 {
		t.Errorf("a run without changes left %v", got)
	}
}

// TestIncrementalKeyErrors: a key whose SQL gives NULL, no row or several
// rows fails the run with a message naming the key, and nothing is
// written.
func TestIncrementalKeyErrors(t *testing.T) {
	orders, _ := filepath.Abs("testdata/incremental/orders.yaml")
	dir := project(t)
	mustFlare(t, "run", orders, "--var", "from=0", "--var", "to=10")
	for _, c := range []struct{ sql, want string }{
		{"select max(order_date) from ctx where order_id < 0", "gives NULL"},
		{"select order_date from ctx where order_id < 0", "gives no row"},
		{"select order_date from ctx", "gives more than one row"},
	} {
		m := filepath.Join(dir, "bad.yaml")
		writeFile(t, m, `version: v1
name: bad
type: workflow
workflow:
  dag:
    - name: bad
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - name: o
                dataset: dataos://icebase:retail/orders_enriched
                incremental:
                  context: ctx
                  sql: select * from ctx where order_date > '$|start|'
                  keys: [{name: start, sql: "`+c.sql+`"}]
                  state: [{key: start, value: start}]
            outputs:
              - {name: o, dataset: "dataos://icebase:sample/bad", format: iceberg, options: {saveMode: append}}
`)
		r := flare(t, "run", m)
		if r.code != exitFailed || !strings.Contains(r.stderr, "key start") || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, want %q:\n%s", c.sql, r.code, c.want, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "lakehouse", "sample", "bad")); err == nil {
			t.Errorf("%s: the failed run wrote its output", c.sql)
		}
	}
}
