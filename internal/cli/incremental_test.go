package cli

import (
	"context"
	"fmt"
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
}
