package lakehouse_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

var wapOrders = lakehouse.TableName{Collection: "wap", Dataset: "orders"}

func (e *env) countAt(t *testing.T, n lakehouse.TableName, ro lakehouse.ReadOptions) int64 {
	t.Helper()
	q, err := e.load(t, n).SelectSQL(e.ctx, ro)
	if err != nil {
		t.Fatal(err)
	}
	var c int64
	if err := e.db.QueryRowContext(e.ctx, "SELECT count(*) FROM ("+q+")").Scan(&c); err != nil {
		t.Fatalf("%s: %v", q, err)
	}

	return c
}

func refsText(refs []lakehouse.RefInfo) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.Name + ":" + string(r.Kind)
	}

	return strings.Join(parts, ",")
}

// TestBranchesTagsTimeTravel writes to a branch, reads every kind of ref and
// publishes the branch.
func TestBranchesTagsTimeTravel(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW three AS SELECT i AS id FROM range(3) t(i)`)
	e.exec(t, `CREATE VIEW two AS SELECT i AS id FROM range(100, 102) t(i)`)
	first := e.write(t, "three", lakehouse.WriteSpec{Table: wapOrders})
	if _, err := e.lh.CreateTag(e.ctx, wapOrders, "v1", 0); err != nil {
		t.Fatal(err)
	}
	onBranch := e.write(t, "two", lakehouse.WriteSpec{Table: wapOrders, Mode: lakehouse.Append, Branch: "audit"})
	if onBranch.SnapshotID == first.SnapshotID {
		t.Fatalf("the branch write reported main's snapshot %d", first.SnapshotID)
	}
	if got := refsText(e.load(t, wapOrders).Refs()); got != "main:branch,audit:branch,v1:tag" {
		t.Errorf("refs %s", got)
	}
	snaps := e.load(t, wapOrders).Snapshots()

	reads := []struct {
		name string
		ro   lakehouse.ReadOptions
		want int64
	}{
		{"main is untouched by the branch write", lakehouse.ReadOptions{}, 3},
		{"branch", lakehouse.ReadOptions{Branch: "audit"}, 5},
		{"branch main", lakehouse.ReadOptions{Branch: "main"}, 3},
		{"tag", lakehouse.ReadOptions{Tag: "v1"}, 3},
		{"snapshot id", lakehouse.ReadOptions{SnapshotID: onBranch.SnapshotID}, 5},
		{"as of the first commit", lakehouse.ReadOptions{AsOf: snaps[0].Time}, 3},
	}
	for _, r := range reads {
		t.Run("read "+r.name, func(t *testing.T) {
			if got := e.countAt(t, wapOrders, r.ro); got != r.want {
				t.Errorf("%d rows, want %d", got, r.want)
			}
		})
	}

	t.Run("publish fast-forwards main", func(t *testing.T) {
		res, err := e.lh.Publish(e.ctx, wapOrders, "audit", false)
		if err != nil {
			t.Fatal(err)
		}
		if !res.FastForward || res.From != first.SnapshotID || res.To != onBranch.SnapshotID {
			t.Errorf("publish %+v", res)
		}
		if got := e.count(t, wapOrders); got != 5 {
			t.Errorf("main has %d rows after publish, want 5", got)
		}
	})

	t.Run("publish refuses when main moved on, unless forced", func(t *testing.T) {
		e.write(t, "two", lakehouse.WriteSpec{Table: wapOrders, Mode: lakehouse.Append, Branch: "audit2"})
		e.write(t, "three", lakehouse.WriteSpec{Table: wapOrders, Mode: lakehouse.Append}) // main moves on
		_, err := e.lh.Publish(e.ctx, wapOrders, "audit2", false)
		if !errors.Is(err, lakehouse.ErrNotFastForward) || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("err = %v, want ErrNotFastForward naming --force", err)
		}
		if got := e.count(t, wapOrders); got != 8 {
			t.Errorf("refused publish changed main: %d rows, want 8", got)
		}
		res, err := e.lh.Publish(e.ctx, wapOrders, "audit2", true)
		if err != nil {
			t.Fatal(err)
		}
		if res.FastForward {
			t.Error("forced publish reported a fast-forward")
		}
		if got := e.count(t, wapOrders); got != 7 {
			t.Errorf("main has %d rows after forced publish, want 7 (the branch's)", got)
		}
	})

	t.Run("drop", func(t *testing.T) {
		if err := e.lh.DropRef(e.ctx, wapOrders, "audit", lakehouse.Branch); err != nil {
			t.Fatal(err)
		}
		if err := e.lh.DropRef(e.ctx, wapOrders, "v1", lakehouse.Tag); err != nil {
			t.Fatal(err)
		}
		if got := refsText(e.load(t, wapOrders).Refs()); got != "main:branch,audit2:branch" {
			t.Errorf("refs after drop %s", got)
		}
	})
}

// TestRefErrors covers the failure paths of refs and time travel.
func TestRefErrors(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW one AS SELECT 1 AS id`)
	first := e.write(t, "one", lakehouse.WriteSpec{Table: wapOrders})
	if _, err := e.lh.CreateTag(e.ctx, wapOrders, "v1", 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		run     func() error
		wantErr error
		wantMsg string
	}{
		{"read an unknown branch", func() error {
			_, err := e.load(t, wapOrders).SelectSQL(e.ctx, lakehouse.ReadOptions{Branch: "nope"})
			return err
		}, nil, "nope"},
		{"read an unknown snapshot", func() error {
			_, err := e.load(t, wapOrders).SelectSQL(e.ctx, lakehouse.ReadOptions{SnapshotID: 42})
			return err
		}, nil, "42"},
		{"two selectors", func() error {
			_, err := e.load(t, wapOrders).SelectSQL(e.ctx, lakehouse.ReadOptions{Branch: "main", Tag: "v1"})
			return err
		}, lakehouse.ErrInvalidSpec, "at most one"},
		{"write to a tag", func() error {
			_, err := e.lh.Write(e.ctx, e.db, "one", lakehouse.WriteSpec{Table: wapOrders, Mode: lakehouse.Append, Branch: "v1"})
			return err
		}, lakehouse.ErrInvalidSpec, "tag"},
		{"first write on a branch", func() error {
			_, err := e.lh.Write(e.ctx, e.db, "one", lakehouse.WriteSpec{Table: lakehouse.TableName{Collection: "wap", Dataset: "new"}, Branch: "audit"})
			return err
		}, lakehouse.ErrNoSuchTable, "write to main first"},
		{"create an existing tag", func() error {
			_, err := e.lh.CreateTag(e.ctx, wapOrders, "v1", 0)
			return err
		}, lakehouse.ErrRefExists, "drop it first"},
		{"create at an unknown snapshot", func() error {
			_, err := e.lh.CreateBranch(e.ctx, wapOrders, "b", 42)
			return err
		}, nil, "no snapshot 42"},
		{"drop main", func() error { return e.lh.DropRef(e.ctx, wapOrders, "main", lakehouse.Branch) }, lakehouse.ErrInvalidSpec, "main cannot be dropped"},
		{"drop a tag as a branch", func() error { return e.lh.DropRef(e.ctx, wapOrders, "v1", lakehouse.Branch) }, lakehouse.ErrInvalidSpec, "it is a tag"},
		{"drop a missing branch", func() error { return e.lh.DropRef(e.ctx, wapOrders, "gone", lakehouse.Branch) }, lakehouse.ErrNoSuchRef, "gone"},
		{"publish a tag", func() error {
			_, err := e.lh.Publish(e.ctx, wapOrders, "v1", false)
			return err
		}, lakehouse.ErrInvalidSpec, "not a branch"},
		{"publish a missing branch", func() error {
			_, err := e.lh.Publish(e.ctx, wapOrders, "gone", false)
			return err
		}, lakehouse.ErrNoSuchRef, "gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %v, want it to mention %q", err, tc.wantMsg)
			}
		})
	}
	if got := e.load(t, wapOrders).Describe().CurrentSnapshotID; got != first.SnapshotID {
		t.Errorf("failed operations moved main to %d", got)
	}
	if got := fmt.Sprint(e.count(t, wapOrders)); got != "1" {
		t.Errorf("main has %s rows, want 1", got)
	}
}
