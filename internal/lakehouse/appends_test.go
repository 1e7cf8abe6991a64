package lakehouse_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// TestAppended: an incremental read returns exactly the rows the append
// snapshots of its range added; state-only snapshots and compaction are
// passed over; a delete in the range is ErrNotAppend; a start that is not
// an ancestor of the end is an error.
func TestAppended(t *testing.T) {
	e := newEnv(t)
	n := lakehouse.TableName{Collection: "s", Dataset: "appends"}
	batch := func(from, to int) int64 {
		t.Helper()
		src := fmt.Sprintf("(SELECT CAST(i AS BIGINT) AS id FROM range(%d, %d) t(i))", from, to)
		return e.write(t, src, lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append}).SnapshotID
	}
	ids := func(r lakehouse.AppendRange) (string, error) {
		t.Helper()
		q, _, err := e.load(t, n).AppendedSQL(e.ctx, r)
		if err != nil {
			return "", err
		}
		var s string
		if err := e.db.QueryRowContext(e.ctx, "SELECT coalesce(string_agg(CAST(id AS VARCHAR), ',' ORDER BY id), '') FROM ("+q+")").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s, nil
	}
	a := batch(0, 3)
	b := batch(3, 5)
	// A snapshot without rows (a job's state) adds nothing.
	st := e.write(t, "(SELECT CAST(1 AS BIGINT) AS id WHERE false)", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append,
		State: &lakehouse.State{Set: map[string]string{lakehouse.StatePrefix + "k": "v"}}}).SnapshotID
	c := batch(5, 6)
	if st == b || st == c {
		t.Fatal("the state write did not commit a snapshot of its own")
	}
	for _, tc := range []struct {
		name string
		r    lakehouse.AppendRange
		want string
	}{
		{"all", lakehouse.AppendRange{}, "0,1,2,3,4,5"},
		{"after a", lakehouse.AppendRange{From: a}, "3,4,5"},
		{"a to b", lakehouse.AppendRange{From: a, To: b}, "3,4"},
		{"b to the state snapshot", lakehouse.AppendRange{From: b, To: st}, ""},
		{"up to a", lakehouse.AppendRange{To: a}, "0,1,2"},
		{"nothing new", lakehouse.AppendRange{From: c}, ""},
	} {
		got, err := ids(tc.r)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	// By time: the snapshot current at a's time.
	var aTime time.Time
	for _, s := range e.load(t, n).Snapshots() {
		if s.ID == a {
			aTime = s.Time
		}
	}
	if got, err := ids(lakehouse.AppendRange{FromTime: aTime}); err != nil || got != "3,4,5" {
		t.Errorf("from a's time: %q, %v", got, err)
	}
	// Compaction (replace) is passed over: its files hold the same rows.
	if _, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, n), maintenance.CompactOptions{RewriteAll: true}); err != nil {
		t.Fatal(err)
	}
	d := batch(6, 7)
	if got, err := ids(lakehouse.AppendRange{From: c}); err != nil || got != "6" {
		t.Errorf("over a compaction: %q, %v; want 6", got, err)
	}
	// A delete in the range is an error; after it, reads work again.
	if _, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: n, Where: "target.id = 1"}); err != nil {
		t.Fatal(err)
	}
	del := e.load(t, n).Snapshots()
	delID := del[len(del)-1].ID
	batch(7, 8)
	if _, err := ids(lakehouse.AppendRange{From: d}); !errors.Is(err, lakehouse.ErrNotAppend) {
		t.Errorf("over a delete: err = %v, want ErrNotAppend", err)
	}
	if got, err := ids(lakehouse.AppendRange{From: delID}); err != nil || got != "7" {
		t.Errorf("after the delete: %q, %v; want 7", got, err)
	}
	// A start that is not an ancestor of the end.
	if _, err := ids(lakehouse.AppendRange{From: c, To: b}); err == nil {
		t.Error("a start after the end was accepted")
	}
}
