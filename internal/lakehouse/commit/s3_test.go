package commit_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	iceio "github.com/apache/iceberg-go/io"
	_ "github.com/apache/iceberg-go/io/gocloud/s3"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// newS3Env is newEnv with the table's metadata on the test S3 server
// (FLARE_TEST_S3_*), written by iceberg-go's S3 IO.
func newS3Env(t *testing.T) *env {
	t.Helper()
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	db, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(t.TempDir(), "catalog.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	wh := store.URL(strings.TrimSuffix(prefix, "/"))
	cat, err := sqlcat.NewCatalog("test", db, sqlcat.SQLite, iceberg.Properties{"warehouse": wh,
		iceio.S3EndpointURL: cfg.Endpoint, iceio.S3Region: "us-east-1",
		iceio.S3AccessKeyID: cfg.AccessKeyID, iceio.S3SecretAccessKey: cfg.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(ctx, table.Identifier{"c"}, nil); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, cat: cat, ident: table.Identifier{"c", "t"}, loc: wh + "/c/t"}
	sc := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64})
	if _, err := cat.CreateTable(ctx, e.ident, sc, catalog.WithLocation(e.loc),
		catalog.WithProperties(iceberg.Properties{"format-version": "2"})); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRunUnclearFailuresOnS3: on object storage, where no local IO records
// the metadata files the catalog writes, a commit whose catalog call fails
// after the commit landed is still found (by the snapshot it added), so it
// is a success and is not committed twice; one that did not land fails.
func TestRunUnclearFailuresOnS3(t *testing.T) {
	for _, tc := range []struct {
		name        string
		commitFirst bool
		wantErr     string
	}{
		{"connection lost after the commit", true, ""},
		{"connection lost before", false, "nothing was committed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newS3Env(t)
			tgt := commit.Target{Catalog: &flakyCatalog{Catalog: e.cat, commitFirst: tc.commitFirst, err: errors.New("driver: bad connection")}, Ident: e.ident}
			var calls atomic.Int32
			_, err := commit.Run(e.ctx, tgt, e.load(t), commit.Options{Operation: "append"}, appendStager(t, "mine", &calls))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			tbl := e.load(t)
			if files := liveFiles(t, tbl); (len(files) == 1) != tc.commitFirst || len(tbl.Metadata().Snapshots()) > 1 {
				t.Errorf("live files %v, %d snapshots", files, len(tbl.Metadata().Snapshots()))
			}
		})
	}
}
