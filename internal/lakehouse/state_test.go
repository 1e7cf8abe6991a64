package lakehouse_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// TestState: job state goes into the summary of the snapshot that writes
// the rows, moves on with writes that carry no rows, survives other
// writes, merges and deletes (each carries it forward), and a write that
// expects another state commits nothing.
func TestState(t *testing.T) { testState(t, newEnv(t)) }

func testState(t *testing.T, e *env) {
	n := lakehouse.TableName{Collection: "s", Dataset: "events"}
	const off = lakehouse.StatePrefix + "stream.offsets"
	batch := func(from, to int) string {
		v := fmt.Sprintf("b%d", from)
		e.exec(t, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT i AS id, i %% 3 AS k FROM range(%d, %d) t(i)", v, from, to))
		return v
	}
	state := func() string { return e.load(t, n).State("")[off] }
	snaps := func() int { return len(e.load(t, n).Snapshots()) }

	e.write(t, batch(0, 10), lakehouse.WriteSpec{Table: n, State: &lakehouse.State{Set: map[string]string{off: "10"}, Expect: map[string]string{off: ""}}})
	if got := state(); got != "10" {
		t.Fatalf("state after the first batch = %q, want 10", got)
	}
	// An empty batch still commits its state.
	e.write(t, batch(10, 10), lakehouse.WriteSpec{Table: n, State: &lakehouse.State{Set: map[string]string{off: "12"}, Expect: map[string]string{off: "10"}}})
	if got, s := state(), snaps(); got != "12" || s != 2 {
		t.Fatalf("after an empty batch: state %q, %d snapshots; want 12 and 2", got, s)
	}
	// A replayed batch (the state moved on) commits nothing.
	_, err := e.lh.Write(e.ctx, e.db, batch(10, 20), lakehouse.WriteSpec{Table: n, State: &lakehouse.State{Set: map[string]string{off: "20"}, Expect: map[string]string{off: "10"}}})
	if !errors.Is(err, lakehouse.ErrStateConflict) {
		t.Fatalf("write expecting a stale state: err = %v, want ErrStateConflict", err)
	}
	if c := e.count(t, n); c != 10 || snaps() != 2 {
		t.Fatalf("after the refused write: %d rows, %d snapshots; want 10 and 2", c, snaps())
	}
	// Writes, merges and deletes without state keep it on the head.
	e.write(t, batch(20, 25), lakehouse.WriteSpec{Table: n})
	if _, err := e.lh.Merge(e.ctx, e.db, batch(0, 3), lakehouse.MergeSpec{Table: n, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN UPDATE SET *")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: n, Where: "target.id = 24"}); err != nil {
		t.Fatal(err)
	}
	tbl := e.load(t, n)
	head := tbl.Snapshots()[len(tbl.Snapshots())-1]
	if head.Summary[off] != "12" {
		t.Errorf("the head's summary holds %q for the state, want 12 carried forward (summary %v)", head.Summary[off], head.Summary)
	}
	// A merge that changes no row moves the state on.
	if _, err := e.lh.Merge(e.ctx, e.db, batch(100, 100), lakehouse.MergeSpec{Table: n, On: "old.id = new.id", Clauses: when(t, "MATCHED THEN UPDATE SET *"),
		State: &lakehouse.State{Set: map[string]string{off: "30"}, Expect: map[string]string{off: "12"}}}); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "30" {
		t.Errorf("state after an empty merge = %q, want 30", got)
	}
	if c := e.count(t, n); c != 14 {
		t.Errorf("rows = %d, want 14", c)
	}
	// Compaction carries the state too.
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, n), maintenance.CompactOptions{RewriteAll: true}); err != nil {
		t.Fatal(err)
	}
	tbl = e.load(t, n)
	head = tbl.Snapshots()[len(tbl.Snapshots())-1]
	if head.Operation != "replace" || head.Summary[off] != "30" {
		t.Errorf("after compaction the head (%s) holds %q for the state, want 30", head.Operation, head.Summary[off])
	}
	if c := e.count(t, n); c != 14 {
		t.Errorf("rows after compaction = %d, want 14", c)
	}
	// Keys outside the state prefix are refused.
	if _, err := e.lh.Write(e.ctx, e.db, batch(0, 1), lakehouse.WriteSpec{Table: n, State: &lakehouse.State{Set: map[string]string{"offsets": "1"}}}); err == nil {
		t.Error("a state key without the prefix was accepted")
	}
}
