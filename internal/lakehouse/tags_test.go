package lakehouse_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

func (e *env) columnTags(t *testing.T, n lakehouse.TableName) string {
	t.Helper()
	tags, err := e.load(t, n).ColumnTags()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func TestColumnTags(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW p AS SELECT 1 AS id, 'a@b.c' AS email, 'x' AS addr_line`)
	e.write(t, "p", lakehouse.WriteSpec{Table: events, ColumnTags: map[string][]string{"email": {"PII.Email", "PII"}, "ID": {"Tier.Gold"}}})
	if got, want := e.columnTags(t, events), `{"email":["PII","PII.Email"],"id":["Tier.Gold"]}`; got != want {
		t.Fatalf("after create: %s, want %s", got, want)
	}
	// Stored by field id in a table property any Iceberg reader sees.
	raw := e.load(t, events).Describe().Properties[lakehouse.PropColumnTags]
	if !strings.Contains(raw, `"2":["PII","PII.Email"]`) {
		t.Fatalf("property %s = %s", lakehouse.PropColumnTags, raw)
	}

	// A later write adds tags (a set) and keeps the others: tags are sticky.
	e.write(t, "p", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append, ColumnTags: map[string][]string{"email": {"PII"}, "addr_line": {"PII.Address"}}})
	if got, want := e.columnTags(t, events), `{"addr_line":["PII.Address"],"email":["PII","PII.Email"],"id":["Tier.Gold"]}`; got != want {
		t.Fatalf("after append: %s, want %s", got, want)
	}

	// Rename a column: the tag follows the field id.
	txn := e.load(t, events).Iceberg().NewTransaction()
	if err := txn.UpdateSchema(true, false).RenameColumn([]string{"email"}, "mail").Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.columnTags(t, events); !strings.Contains(got, `"mail":["PII","PII.Email"]`) {
		t.Fatalf("after rename: %s", got)
	}
	// Add a column by writing with merge-schema: old tags stay, the new column is untagged.
	e.exec(t, `CREATE VIEW p2 AS SELECT 2 AS id, 'q@r.s' AS mail, 'y' AS addr_line, 'CA' AS state`)
	e.write(t, "p2", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append, MergeSchema: true})
	if got, want := e.columnTags(t, events), `{"addr_line":["PII.Address"],"id":["Tier.Gold"],"mail":["PII","PII.Email"]}`; got != want {
		t.Fatalf("after add column: %s, want %s", got, want)
	}

	steps := []struct {
		name   string
		run    func() ([]string, error)
		want   string // the column's tags after
		all    string
		errMsg string
	}{
		{"tag", func() ([]string, error) { return e.lh.TagColumn(e.ctx, events, "state", "Geo", "Geo") }, "[Geo]",
			`{"addr_line":["PII.Address"],"id":["Tier.Gold"],"mail":["PII","PII.Email"],"state":["Geo"]}`, ""},
		{"untag one", func() ([]string, error) { return e.lh.UntagColumn(e.ctx, events, "mail", "PII") }, "[PII.Email]",
			`{"addr_line":["PII.Address"],"id":["Tier.Gold"],"mail":["PII.Email"],"state":["Geo"]}`, ""},
		{"untag all", func() ([]string, error) { return e.lh.UntagColumn(e.ctx, events, "MAIL") }, "[]",
			`{"addr_line":["PII.Address"],"id":["Tier.Gold"],"state":["Geo"]}`, ""},
		{"unknown column", func() ([]string, error) { return e.lh.TagColumn(e.ctx, events, "nope", "PII") }, "", "", "no column nope"},
		{"no tags", func() ([]string, error) { return e.lh.TagColumn(e.ctx, events, "id") }, "", "", "no tags given"},
		{"missing table", func() ([]string, error) {
			return e.lh.TagColumn(e.ctx, lakehouse.TableName{Collection: "retail", Dataset: "none"}, "id", "x")
		}, "", "", "no such table"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := e.columnTags(t, events)
			got, err := s.run()
			if s.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), s.errMsg) {
					t.Fatalf("err = %v, want %q", err, s.errMsg)
				}
				if after := e.columnTags(t, events); after != before {
					t.Fatalf("a failed change changed tags: %s", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != s.want {
				t.Errorf("column tags %v, want %s", got, s.want)
			}
			if all := e.columnTags(t, events); all != s.all {
				t.Errorf("table tags %s, want %s", all, s.all)
			}
		})
	}

	// A tag on a column the result does not have fails the write and commits nothing.
	snaps := len(e.load(t, events).Snapshots())
	_, err := e.lh.Write(e.ctx, e.db, "p2", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Append, ColumnTags: map[string][]string{"zip": {"PII"}}})
	if err == nil || !errors.Is(err, lakehouse.ErrInvalidSpec) || !strings.Contains(err.Error(), "no column zip") {
		t.Fatalf("err = %v", err)
	}
	if got := len(e.load(t, events).Snapshots()); got != snaps {
		t.Fatalf("failed write made a snapshot: %d -> %d", snaps, got)
	}
}

// Dropped columns lose their tags (ids of dropped fields are pruned on write).
func TestColumnTagsOfDroppedColumn(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW d1 AS SELECT 1 AS id, 'a' AS secret`)
	e.exec(t, `CREATE VIEW d2 AS SELECT 1 AS id`)
	e.write(t, "d1", lakehouse.WriteSpec{Table: events, ColumnTags: map[string][]string{"secret": {"PII"}}})
	e.write(t, "d2", lakehouse.WriteSpec{Table: events, Mode: lakehouse.Overwrite, ColumnTags: map[string][]string{"id": {"Key"}}})
	if got := e.columnTags(t, events); got != `{"id":["Key"]}` {
		t.Fatalf("tags: %s", got)
	}
	if raw := e.load(t, events).Iceberg().Properties()[lakehouse.PropColumnTags]; raw != `{"1":["Key"]}` {
		t.Fatalf("property: %s", raw)
	}
}
