package lakehouse_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

var orders = lakehouse.TableName{Collection: "retail", Dataset: "orders"}

// TestFailedWriteLeavesNoTrace: a write whose SELECT fails on a late row, or
// whose context is cancelled, commits nothing and leaves no new files.
func TestFailedWriteLeavesNoTrace(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW good AS SELECT i AS id, i % 7 AS k FROM range(1000) t(i)`)
	e.exec(t, `CREATE VIEW bad AS SELECT CAST(CASE WHEN i < 190000 THEN i::VARCHAR ELSE 'x' END AS BIGINT) AS id, i % 7 AS k FROM range(200000) t(i)`)
	spec := lakehouse.WriteSpec{Table: orders, Partition: []lakehouse.PartitionField{{Type: "identity", Column: "k"}}}
	first := e.write(t, "good", spec)
	loc := e.load(t, orders).Describe().Location
	before := dataFilesOnDisk(t, loc)

	cancelled, cancel := context.WithCancel(e.ctx)
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		src  string
		mode lakehouse.WriteMode
	}{
		{"cast error on a late row, append", e.ctx, "bad", lakehouse.Append},
		{"cast error on a late row, overwrite", e.ctx, "bad", lakehouse.Overwrite},
		{"context cancelled", cancelled, "good", lakehouse.Append},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := spec
			s.Mode = tc.mode
			if _, err := e.lh.Write(tc.ctx, e.db, tc.src, s); err == nil {
				t.Fatal("write succeeded, want an error")
			}
			tbl := e.load(t, orders)
			if got := tbl.Describe().CurrentSnapshotID; got != first.SnapshotID {
				t.Errorf("current snapshot %d, want %d (unchanged)", got, first.SnapshotID)
			}
			if n := e.count(t, orders); n != 1000 {
				t.Errorf("table has %d rows, want 1000", n)
			}
			if after := dataFilesOnDisk(t, loc); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("files on disk changed: %d before, %d after", len(before), len(after))
			}
		})
	}

	t.Run("failed first write creates no table", func(t *testing.T) {
		fresh := lakehouse.TableName{Collection: "retail", Dataset: "never"}
		if _, err := e.lh.Write(e.ctx, e.db, "bad", lakehouse.WriteSpec{Table: fresh}); err == nil {
			t.Fatal("write succeeded, want an error")
		}
		if _, err := e.lh.LoadTable(e.ctx, fresh); !errors.Is(err, lakehouse.ErrNoSuchTable) {
			t.Errorf("LoadTable after failed create: %v, want ErrNoSuchTable", err)
		}
		if files := dataFilesOnDisk(t, e.root+"/retail/never"); len(files) != 0 {
			t.Errorf("failed create left %d files", len(files))
		}
	})
}

// TestConcurrentAppends: two lakehouse instances (separate catalog
// connections) append 10 times each at the same time; all 20 commits land.
func TestConcurrentAppends(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW seed AS SELECT 0::BIGINT AS writer, 0::BIGINT AS n`)
	e.write(t, "seed", lakehouse.WriteSpec{Table: orders, Properties: map[string]string{"commit.retry.num-retries": "50",
		"commit.retry.min-wait-ms": "5", "commit.retry.max-wait-ms": "200"}})
	const writers, appends = 2, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*appends)
	for w := 1; w <= writers; w++ {
		lh, err := lakehouse.Open(e.ctx, e.root, lakehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer lh.Close()
		db := newDuck(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range appends {
				src := fmt.Sprintf("(SELECT %d::BIGINT AS writer, %d::BIGINT AS n)", w, i)
				if _, err := lh.Write(e.ctx, db, src, lakehouse.WriteSpec{Table: orders}); err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.count(t, orders); n != 1+writers*appends {
		t.Errorf("table has %d rows, want %d", n, 1+writers*appends)
	}
	if s := e.load(t, orders).Snapshots(); len(s) != 1+writers*appends {
		t.Errorf("table has %d snapshots, want %d", len(s), 1+writers*appends)
	}
}

// TestSchemaRules covers matching a result to an existing table.
func TestSchemaRules(t *testing.T) {
	const base = `SELECT 1::BIGINT AS id, 2.50::DECIMAL(10,2) AS amount, 'a' AS name, 3::INTEGER AS qty`
	tests := []struct {
		name    string
		src     string
		mode    lakehouse.WriteMode
		merge   bool
		wantErr []string // substrings of an ErrSchemaMismatch error
		schema  string   // table columns after the write
		rows    int64
	}{
		{name: "same columns other order and case", src: `SELECT 'b' AS NAME, 4 AS qty, 1.5::DECIMAL(10,2) AS amount, 2::BIGINT AS Id`,
			schema: "id:long amount:decimal(10, 2) name:string qty:int", rows: 2},
		{name: "safe promotions are cast", src: `SELECT 2::INTEGER AS id, 1.5::DECIMAL(8,2) AS amount, 'b' AS name, 4::TINYINT AS qty`,
			schema: "id:long amount:decimal(10, 2) name:string qty:int", rows: 2},
		{name: "missing optional column is NULL", src: `SELECT 2::BIGINT AS id, 4 AS qty`,
			schema: "id:long amount:decimal(10, 2) name:string qty:int", rows: 2},
		{name: "incompatible type", src: `SELECT 2::BIGINT AS id, 1.5::DOUBLE AS amount, 'b' AS name, 4::BIGINT AS qty`,
			wantErr: []string{"column amount: table has decimal(10, 2), result has double", "column qty: table has int, result has long"}},
		{name: "extra column refused", src: base + `, 'x' AS x`,
			wantErr: []string{"result has column x that table retail.orders", "does not have"}},
		{name: "extra column with merge-schema", src: base + `, 'x' AS x`, merge: true,
			schema: "id:long amount:decimal(10, 2) name:string qty:int x:string", rows: 2},
		{name: "overwrite evolves the schema", src: `SELECT 1::BIGINT AS id, 2.5::DECIMAL(12,2) AS amount, 7::BIGINT AS qty, true AS z`, mode: lakehouse.Overwrite,
			schema: "id:long amount:decimal(12, 2) qty:long z:boolean", rows: 1},
		{name: "overwrite with an impossible change", src: `SELECT 'one' AS id`, mode: lakehouse.Overwrite,
			wantErr: []string{"column id: table has long, result has string"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			n := lakehouse.TableName{Collection: "retail", Dataset: fmt.Sprintf("orders%d", i)}
			e.write(t, "("+base+")", lakehouse.WriteSpec{Table: n})
			_, err := e.lh.Write(e.ctx, e.db, "("+tc.src+")", lakehouse.WriteSpec{Table: n, Mode: tc.mode, MergeSchema: tc.merge})
			if len(tc.wantErr) > 0 {
				if !errors.Is(err, lakehouse.ErrSchemaMismatch) {
					t.Fatalf("err = %v, want ErrSchemaMismatch", err)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not mention %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for _, c := range e.load(t, n).Describe().Schema {
				cols = append(cols, c.Name+":"+c.Type)
			}
			if got := strings.Join(cols, " "); got != tc.schema {
				t.Errorf("schema %q, want %q", got, tc.schema)
			}
			if got := e.count(t, n); got != tc.rows {
				t.Errorf("%d rows, want %d", got, tc.rows)
			}
		})
	}
}

// Partition evolution on write: evolve_test.go.

func TestOverwriteReplacesData(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW v1 AS SELECT i AS id FROM range(10) t(i)`)
	e.exec(t, `CREATE VIEW v2 AS SELECT i AS id FROM range(100, 103) t(i)`)
	e.write(t, "v1", lakehouse.WriteSpec{Table: orders})
	e.write(t, "v1", lakehouse.WriteSpec{Table: orders})
	res := e.write(t, "v2", lakehouse.WriteSpec{Table: orders, Mode: lakehouse.Overwrite, Sort: []lakehouse.SortField{{Column: "id", Desc: true}}})
	if res.Rows != 3 || res.Created {
		t.Errorf("result %+v", res)
	}
	tbl := e.load(t, orders)
	if so := tbl.Describe().SortOrder; len(so) != 1 || so[0].Column != "id" || !so[0].Desc || so[0].NullOrder != "nulls-last" {
		t.Errorf("sort order after overwrite with sort: %+v", so)
	}
	q, err := tbl.SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n, lo int64
	if err := e.db.QueryRow("SELECT count(*), min(id) FROM ("+q+")").Scan(&n, &lo); err != nil {
		t.Fatal(err)
	}
	if n != 3 || lo != 100 {
		t.Errorf("after overwrite: %d rows, min id %d; want 3, 100", n, lo)
	}
	snaps := tbl.Snapshots()
	var ops []string
	for _, s := range snaps {
		ops = append(ops, s.Operation)
	}
	if got := strings.Join(ops, ","); got != "append,append,overwrite" {
		t.Errorf("snapshot operations %s", got)
	}
	if snaps[2].ParentID != snaps[1].ID {
		t.Errorf("overwrite parent %d, want %d", snaps[2].ParentID, snaps[1].ID)
	}
	// time travel to the first snapshot
	old, err := tbl.SelectSQL(e.ctx, lakehouse.ReadOptions{SnapshotID: snaps[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.QueryRow("SELECT count(*) FROM (" + old + ")").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Errorf("first snapshot has %d rows, want 10", n)
	}
}

func TestPropertiesTitleTags(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW v AS SELECT 1 AS id`)
	e.write(t, "v", lakehouse.WriteSpec{Table: orders, Title: "Orders", Description: "All orders", Tags: []string{"pii", "gold"},
		Properties: map[string]string{"owner": "sales"}})
	info := e.load(t, orders).Describe()
	if info.Title != "Orders" || info.Description != "All orders" || strings.Join(info.Tags, ",") != "pii,gold" ||
		info.Properties["owner"] != "sales" || info.Properties["flare.tags"] != `["pii","gold"]` || info.FormatVersion != 2 {
		t.Errorf("describe %+v", info)
	}
	e.write(t, "v", lakehouse.WriteSpec{Table: orders, Properties: map[string]string{"owner": "finance"}})
	if got := e.load(t, orders).Describe(); got.Properties["owner"] != "finance" || got.Title != "Orders" {
		t.Errorf("after update: owner=%q title=%q", got.Properties["owner"], got.Title)
	}
}

func TestEmptyWriteAndSelect(t *testing.T) {
	e := newEnv(t)
	res := e.write(t, "(SELECT 1::INTEGER AS id, 'x' AS name, [1.5] AS l WHERE false)", lakehouse.WriteSpec{Table: orders})
	if !res.Created || res.Files != 0 || res.SnapshotID != 0 {
		t.Errorf("result %+v", res)
	}
	q, err := e.load(t, orders).SelectSQL(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.Query("DESCRIBE " + q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, typ string
		var a, b, c, d any
		if err := rows.Scan(&name, &typ, &a, &b, &c, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, name+" "+typ)
	}
	if s := strings.Join(got, ", "); s != "id INTEGER, name VARCHAR, l DECIMAL(2,1)[]" {
		t.Errorf("empty select columns: %s", s)
	}
	if n := e.count(t, orders); n != 0 {
		t.Errorf("%d rows, want 0", n)
	}
	tables, err := e.lh.Tables(e.ctx)
	if err != nil || len(tables) != 1 || tables[0] != orders {
		t.Errorf("Tables = %v, %v", tables, err)
	}
}

func TestCompressionCodec(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW v AS SELECT i AS id, 'row ' || i AS note FROM range(1000) t(i)`)
	codecOf := func(t *testing.T) string {
		t.Helper()
		files, err := e.load(t, orders).Files(e.ctx)
		if err != nil || len(files) == 0 {
			t.Fatalf("files: %v %v", files, err)
		}
		var codec string
		q := `SELECT DISTINCT compression FROM parquet_metadata('` + files[0].Path + `')`
		if err := e.db.QueryRowContext(e.ctx, q).Scan(&codec); err != nil {
			t.Fatal(err)
		}
		return codec
	}
	e.write(t, "v", lakehouse.WriteSpec{Table: orders})
	if got := codecOf(t); got != "SNAPPY" {
		t.Errorf("default codec = %s, want SNAPPY", got)
	}
	e.write(t, "v", lakehouse.WriteSpec{Table: orders, Mode: lakehouse.Overwrite, Properties: map[string]string{lakehouse.PropCompression: "zstd"}})
	if got := codecOf(t); got != "ZSTD" {
		t.Errorf("codec with %s=zstd: %s", lakehouse.PropCompression, got)
	}
	_, err := e.lh.Write(e.ctx, e.db, "v", lakehouse.WriteSpec{Table: orders, Properties: map[string]string{lakehouse.PropCompression: "lzo2"}})
	if err == nil || !strings.Contains(err.Error(), "lzo2") {
		t.Errorf("unknown codec: %v", err)
	}
}
