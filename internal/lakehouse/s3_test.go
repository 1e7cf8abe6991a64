package lakehouse_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/objstore"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// newS3Env opens a lakehouse on the test S3 server (FLARE_TEST_S3_*),
// under a prefix of the test's own, with its state folder in a temp dir.
func newS3Env(t *testing.T) (*env, *objstore.Store, string, lakehouse.Options) {
	t.Helper()
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	root := store.URL(strings.TrimSuffix(prefix, "/") + "/lake")
	opt := lakehouse.Options{ObjectStore: cfg, StateDir: filepath.Join(t.TempDir(), "state")}
	lh, err := lakehouse.Open(ctx, root, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lh.Close() })
	return &env{ctx: ctx, root: root, lh: lh, db: newDuck(t)}, store, prefix, opt
}

// TestS3Lakehouse runs table operations (overwrite, append, dynamic
// overwrite, deletes in both modes) on a lakehouse on S3 and reads
// the table back both through Flare (after dropping the local file mirror,
// so every file is downloaded again) and through iceberg-go's own S3 IO.
func TestS3Lakehouse(t *testing.T) {
	e, store, prefix, opt := newS3Env(t)
	if !e.lh.OnObjectStorage() || e.lh.Root() != e.root {
		t.Fatalf("root %s, on object storage %v", e.lh.Root(), e.lh.OnObjectStorage())
	}
	for _, mode := range []string{lakehouse.CopyOnWrite, lakehouse.MergeOnRead} {
		t.Run(mode, func(t *testing.T) {
			n := lakehouse.TableName{Collection: "crm", Dataset: "people_" + strings.ReplaceAll(mode, "-", "_")}
			e.exec(t, `CREATE OR REPLACE VIEW seed AS SELECT i AS id, 'p' || i AS name, i * 10 AS score, i % 3 AS k FROM range(1, 7) t(i)`)
			e.write(t, "seed", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Overwrite,
				Properties: map[string]string{lakehouse.PropMergeMode: mode, lakehouse.PropDeleteMode: mode},
				Partition:  []lakehouse.PartitionField{{Type: "identity", Column: "k"}}})
			e.exec(t, `CREATE OR REPLACE VIEW more AS SELECT 7 AS id, 'p7' AS name, 70 AS score, 1 AS k`)
			e.write(t, "more", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append})
			// dynamic overwrite replaces partition k = 0 only (ids 3 and 6)
			e.exec(t, `CREATE OR REPLACE VIEW k0 AS SELECT 30 AS id, 'thirty' AS name, 300 AS score, 0 AS k`)
			e.write(t, "k0", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Overwrite, OverwriteDynamic: true})
			// (MERGE on S3: TestStateOnS3 here, and the merge example in
			// internal/cli TestRunOnS3Lakehouse.)
			for _, where := range []string{"id = 4", "id = 2"} {
				if _, err := e.lh.Delete(e.ctx, e.db, lakehouse.DeleteSpec{Table: n, Where: where}); err != nil {
					t.Fatal(err)
				}
			}
			const want = "1:p1:10 5:p5:50 7:p7:70 30:thirty:300"
			if got := e.mergeRows(t, n); got != want {
				t.Errorf("rows:\n got %s\nwant %s", got, want)
			}
			files, err := e.load(t, n).Files(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if !strings.HasPrefix(f.Path, e.root+"/crm/"+n.Dataset+"/data/") {
					t.Errorf("data file %s is not under the table's location on S3", f.Path)
				}
				key := strings.TrimPrefix(f.Path, "s3://"+store.Bucket()+"/")
				if ok, err := store.Exists(e.ctx, key); err != nil || !ok {
					t.Errorf("data file %s is not in the bucket (%v)", f.Path, err)
				}
			}
			// Every file comes back from the bucket when the mirror is gone.
			if err := os.RemoveAll(filepath.Join(opt.StateDir, lakehouse.MirrorDir)); err != nil {
				t.Fatal(err)
			}
			if got := e.mergeRows(t, n); got != want {
				t.Errorf("rows read again from S3:\n got %s\nwant %s", got, want)
			}
			// iceberg-go reads the table from S3 by itself: metadata, manifests
			// and data files, with its own S3 IO.
			meta := e.load(t, n).Iceberg().MetadataLocation()
			if !strings.HasPrefix(meta, e.root+"/crm/") {
				t.Errorf("metadata at %s, want under %s", meta, e.root)
			}
			props := lakehouse.S3Properties(s3test.Config(t))
			tbl, err := table.NewFromLocation(e.ctx, table.Identifier{"crm", n.Dataset}, meta, iceio.LoadFSFunc(props, meta), nil)
			if err != nil {
				t.Fatal(err)
			}
			arrow, err := tbl.Scan().ToArrowTable(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer arrow.Release()
			if arrow.NumRows() != 4 {
				t.Errorf("iceberg-go reads %d rows, want 4", arrow.NumRows())
			}
		})
	}
	objs, err := store.List(e.ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var meta int
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".metadata.json") {
			meta++
		}
	}
	if meta == 0 {
		t.Errorf("no table metadata in the bucket under %s", prefix)
	}
}

// TestStateOnS3 is TestState on a lakehouse on S3: a write without rows
// still commits its state (iceberg-go's S3 IO writes the manifest list).
func TestStateOnS3(t *testing.T) {
	e, _, _, _ := newS3Env(t)
	testState(t, e)
}

// TestS3LakehousePostgresCatalog: with the catalog in PostgreSQL
// (FLARE_TEST_POSTGRES_URI), a lakehouse on S3 is shared: a second opening
// with another, empty state folder (another machine) sees the tables,
// reads their files from the bucket and commits on top of the first's
// snapshots; no SQLite catalog is made in either state folder.
func TestS3LakehousePostgresCatalog(t *testing.T) {
	uri := os.Getenv("FLARE_TEST_POSTGRES_URI")
	if uri == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("FLARE_TEST_POSTGRES_URI is not set; .ci/run starts PostgreSQL and sets it")
		}
		t.Skip("FLARE_TEST_POSTGRES_URI is not set (see README.md, Tests that need a service)")
	}
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	root := store.URL(prefix + "shared")
	n := lakehouse.TableName{Collection: "s3pg" + strings.TrimSuffix(strings.TrimPrefix(prefix, "t-"), "/"), Dataset: "t"}
	db := newDuck(t)
	open := func(state string) *lakehouse.Lakehouse {
		lh, err := lakehouse.Open(ctx, root, lakehouse.Options{ObjectStore: cfg, StateDir: state, CatalogURI: uri})
		if err != nil {
			t.Fatal(err)
		}
		return lh
	}
	first, second := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	lh := open(first)
	if _, err := lh.Write(ctx, db, "(SELECT range AS id FROM range(10))", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append}); err != nil {
		t.Fatal(err)
	}
	if err := lh.Close(); err != nil {
		t.Fatal(err)
	}
	other := open(second)
	defer other.Close()
	if _, err := other.Write(ctx, db, "(SELECT range AS id FROM range(10, 15))", lakehouse.WriteSpec{Table: n, Mode: lakehouse.Append}); err != nil {
		t.Fatal(err)
	}
	tbl, err := other.LoadTable(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	q, err := tbl.SelectSQL(ctx, lakehouse.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var c, s int64
	if err := db.QueryRowContext(ctx, "SELECT count(*), sum(id) FROM ("+q+")").Scan(&c, &s); err != nil {
		t.Fatal(err)
	}
	if c != 15 || s != 105 || len(tbl.Snapshots()) != 2 {
		t.Errorf("%d rows (sum %d), %d snapshots; want 15 (105) and 2", c, s, len(tbl.Snapshots()))
	}
	for _, dir := range []string{first, second} {
		if _, err := os.Stat(filepath.Join(dir, lakehouse.CatalogFile)); !os.IsNotExist(err) {
			t.Errorf("a SQLite catalog in %s (stat err %v)", dir, err)
		}
	}
}

// TestS3LakehouseRefusals: a lakehouse on object storage needs a state
// folder and credentials, and only S3 is served (no server is contacted).
func TestS3LakehouseRefusals(t *testing.T) {
	ctx := context.Background()
	keys := objstore.Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "k", SecretAccessKey: "s"}
	for _, tc := range []struct {
		name, root string
		opt        lakehouse.Options
		want       string
	}{
		{"no state folder", "s3://b/lake", lakehouse.Options{ObjectStore: keys}, "needs a local state folder"},
		{"anonymous", "s3://b/lake", lakehouse.Options{StateDir: t.TempDir()}, "needs an access key id and a secret access key"},
		{"gcs", "gs://b/lake", lakehouse.Options{ObjectStore: keys, StateDir: t.TempDir()}, "not supported yet"},
		{"azure", "abfss://c@a.dfs.core.windows.net/lake", lakehouse.Options{ObjectStore: keys, StateDir: t.TempDir()}, "not supported yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := lakehouse.Open(ctx, tc.root, tc.opt)
			if err == nil {
				l.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
