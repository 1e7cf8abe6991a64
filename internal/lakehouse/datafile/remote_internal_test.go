package datafile

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/iceberg-go"
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/objstore"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// failingStore is the real test bucket whose uploads fail after the first
// ok ones (a network error in the middle of a write).
type failingStore struct {
	*objstore.Store
	ok, n atomic.Int32
}

var errInjected = errors.New("injected upload failure")

func (s *failingStore) Upload(ctx context.Context, file, key string) error {
	if s.n.Add(1) > s.ok.Load() {
		return errInjected
	}
	return s.Store.Upload(ctx, file, key)
}

// TestCopyUploadFails: when an upload fails in the middle of a write to a
// table on object storage, Copy fails, and neither the objects it had
// uploaded nor the staged local files are left; with uploads working, every
// file is in the bucket under the table's data prefix and the Iceberg path
// of each staged file is its object's URL.
func TestCopyUploadFails(t *testing.T) {
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	url := store.URL(prefix + "lake")
	local := filepath.Join(t.TempDir(), "files")
	fst := &failingStore{Store: store}
	unmount, err := Mount(url, local, fst)
	if err != nil {
		t.Fatal(err)
	}
	defer unmount()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE VIEW src AS SELECT i AS id, i % 6 AS k FROM range(600) t(i)"); err != nil {
		t.Fatal(err)
	}
	sc := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "k", Type: iceberg.PrimitiveTypes.Int64})
	spec := iceberg.NewPartitionSpec(iceberg.PartitionField{SourceIDs: []int{2}, FieldID: 1000, Transform: iceberg.IdentityTransform{}, Name: "k"})
	plan := Plan{Schema: sc, Selects: []string{`"id"`, `"k"`}, Codec: "snappy"}
	if plan.Helpers, err = HelperColumns(spec, sc); err != nil {
		t.Fatal(err)
	}
	loc := LocalPath(url + "/db/t")
	if want := filepath.Join(local, "db", "t"); loc != want {
		t.Fatalf("LocalPath = %s, want %s", loc, want)
	}
	log := slog.New(slog.DiscardHandler)
	objects := func() []string {
		objs, err := store.List(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range objs {
			out = append(out, o.Key)
		}
		return out
	}
	staged := func() []string {
		var out []string
		_ = filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, p)
			}
			return nil
		})
		return out
	}

	fst.ok.Store(2)
	_, err = Copy(ctx, conn, "src", loc, "w1", plan, log)
	if !errors.Is(err, errInjected) {
		t.Fatalf("Copy: %v, want the upload failure", err)
	}
	if o := objects(); len(o) != 0 {
		t.Errorf("objects left in the bucket after the failed write: %v", o)
	}
	if f := staged(); len(f) != 0 {
		t.Errorf("staged files left after the failed write: %v", f)
	}

	fst.ok.Store(1 << 20)
	files, err := Copy(ctx, conn, "src", loc, "w2", plan, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 || len(objects()) != 6 {
		t.Fatalf("%d files staged, %d objects; want 6 and 6", len(files), len(objects()))
	}
	for _, f := range files {
		p := RemotePath(f.Path)
		if !strings.HasPrefix(p, url+"/db/t/data/k_p=") || LocalPath(p) != f.Path {
			t.Errorf("staged %s has Iceberg path %s", f.Path, p)
		}
		if ok, err := store.Exists(ctx, strings.TrimPrefix(p, "s3://"+store.Bucket()+"/")); err != nil || !ok {
			t.Errorf("%s is not in the bucket (%v)", p, err)
		}
	}
	// The delete-file path mapping DuckDB applies matches LocalPath.
	var got string
	if err := conn.QueryRowContext(ctx, "SELECT "+PathSQL("?"), RemotePath(files[0].Path)).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != files[0].Path {
		t.Errorf("PathSQL maps %s to %s, want %s", RemotePath(files[0].Path), got, files[0].Path)
	}
	RemoveStaged(loc, "w2", log)
	if o := objects(); len(o) != 0 {
		t.Errorf("RemoveStaged left objects: %v", o)
	}
}

// TestMountPaths: Iceberg paths under a mounted object storage root map to
// the local mirror and back (the longest mounted prefix wins, a sibling
// prefix is not under a mount), local paths are untouched, and a root
// mounted on two local folders is refused.
func TestMountPaths(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	ua, err := Mount("s3://bkt/lake/", a, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ua()
	ub, err := Mount("s3://bkt/lake/nested", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ub()
	if _, err := Mount("s3://bkt/lake", b, nil); err == nil || !strings.Contains(err.Error(), "already mapped") {
		t.Errorf("a second folder for one root: %v", err)
	}
	same, err := Mount("s3://bkt/lake", a, nil) // shared, released separately
	if err != nil {
		t.Fatal(err)
	}
	same()
	for _, tc := range []struct{ remote, local string }{
		{"s3://bkt/lake/c/t/data/x.parquet", filepath.Join(a, "c", "t", "data", "x.parquet")},
		{"s3://bkt/lake/nested/t/data/y.parquet", filepath.Join(b, "t", "data", "y.parquet")},
	} {
		if got := LocalPath(tc.remote); got != tc.local {
			t.Errorf("LocalPath(%s) = %s, want %s", tc.remote, got, tc.local)
		}
		if got := RemotePath(tc.local); got != tc.remote {
			t.Errorf("RemotePath(%s) = %s, want %s", tc.local, got, tc.remote)
		}
	}
	for _, p := range []string{"s3://bkt/lakehouse/x.parquet", "s3://other/lake/x.parquet", "/data/x.parquet"} {
		if got := LocalPath(p); got != p {
			t.Errorf("LocalPath(%s) = %s, want it unchanged", p, got)
		}
	}
	if got := LocalPath("file:///data/x.parquet"); got != "/data/x.parquet" {
		t.Errorf("file URI: %s", got)
	}
	if !IsRemote("s3://bkt/x") || IsRemote("/x") || IsRemote("file:///x") {
		t.Error("IsRemote")
	}
	if err := Fetch(context.Background(), "s3://unmounted/x.parquet"); err == nil {
		t.Error("Fetch of a path under no mount: no error")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{"s3://bkt/lake/c/x.parquet", "s3://bkt/lake/nested/y.parquet", "file:///z.parquet"} {
		var got string
		if err := db.QueryRow("SELECT "+PathSQL("?"), p).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != LocalPath(p) {
			t.Errorf("PathSQL(%s) = %s, LocalPath = %s", p, got, LocalPath(p))
		}
	}
}
