package maintenance_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
	"github.com/flare-lakehouse/flare/internal/maintenance"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// TestMaintenanceOnS3 runs every maintenance action on a table of a
// lakehouse on the test S3 server (FLARE_TEST_S3_*): compaction (with
// position deletes to apply), manifest rewrite, snapshot expiry (whose
// files leave the bucket) and orphan removal (an object a crashed write
// left, and nothing else). The rows stay the same throughout.
func TestMaintenanceOnS3(t *testing.T) {
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	root := store.URL(prefix + "lake")
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{ObjectStore: cfg, StateDir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lh.Close() })
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e := &env{ctx: ctx, root: root, lh: lh, db: db}
	key := func(p string) string { return strings.TrimPrefix(p, "s3://"+store.Bucket()+"/") }
	exists := func(p string) bool {
		ok, err := store.Exists(ctx, key(p))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	part := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	for i := range 6 {
		e.appendRowsProps(t, orders, i*40, 40, part, map[string]string{lakehouse.PropDeleteMode: lakehouse.MergeOnRead})
	}
	if _, err := lh.Delete(ctx, db, lakehouse.DeleteSpec{Table: orders, Where: "id % 10 = 0"}); err != nil {
		t.Fatal(err)
	}
	want := e.checksum(t, orders, 0)
	first := e.files(t, orders)

	rep, err := maintenance.Compact(ctx, lh, db, e.load(t, orders), maintenance.CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("compaction changed the rows: %s, want %s", got, want)
	}
	if rep.FilesAfter != 3 || rep.DeleteFilesAfter != 0 || rep.RowsDropped != 24 {
		t.Logf("compaction: %s (%s)", rep.Summary(), rep.Note)
		t.Errorf("compaction: %d files, %d delete files after, %d rows dropped; want 3, 0, 24", rep.FilesAfter, rep.DeleteFilesAfter, rep.RowsDropped)
	}
	for _, f := range e.files(t, orders) {
		if !strings.HasPrefix(f.Path, root+"/retail/orders/data/") || !exists(f.Path) {
			t.Errorf("compacted file %s is not in the bucket under the table", f.Path)
		}
	}

	// A z-order rewrite goes through the same fetch and upload path.
	before := e.files(t, orders)
	zrep, err := maintenance.Compact(ctx, lh, db, e.load(t, orders), maintenance.CompactOptions{ZOrder: []string{"note", "ts"}, RewriteAll: true})
	if err != nil {
		t.Fatalf("z-order compaction on S3: %v", err)
	}
	if zrep.Added == 0 {
		t.Errorf("z-order compaction rewrote nothing: %s", zrep.Summary())
	}
	if after := e.files(t, orders); len(after) > 0 && len(before) > 0 && after[0].Path == before[0].Path {
		t.Errorf("z-order compaction left the files as they were: %s", zrep.Summary())
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("z-order compaction changed the rows: %s, want %s", got, want)
	}
	for _, f := range e.files(t, orders) {
		if !strings.HasPrefix(f.Path, root+"/retail/orders/data/") || !exists(f.Path) {
			t.Errorf("z-ordered file %s is not in the bucket under the table", f.Path)
		}
	}

	mrep, err := maintenance.RewriteManifests(ctx, e.load(t, orders), maintenance.ManifestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if mrep.FilesAfter != 1 {
		t.Errorf("manifests after rewrite: %d, want 1", mrep.FilesAfter)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("manifest rewrite changed the rows: %s, want %s", got, want)
	}

	xrep, err := maintenance.ExpireSnapshots(ctx, lh, e.load(t, orders), maintenance.ExpireOptions{OlderThan: time.Now().Add(time.Minute), RetainLast: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.load(t, orders).Snapshots()); n != 1 || len(xrep.SnapshotsRemoved) == 0 {
		t.Errorf("%d snapshots left, %d removed; want 1 left", n, len(xrep.SnapshotsRemoved))
	}
	for _, f := range first {
		if exists(f.Path) {
			t.Errorf("file %s of an expired snapshot is still in the bucket", f.Path)
		}
		if _, err := os.Stat(lakehouse.LocalPath(f.Path)); err == nil {
			t.Errorf("file %s of an expired snapshot is still in the local mirror", f.Path)
		}
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("expiry changed the rows: %s, want %s", got, want)
	}

	// An object a crashed write left: removed; the live files stay.
	orphan := root + "/retail/orders/data/region_p=r1/00000000-dead-beef-0000-000000000000-x.parquet"
	if err := store.Put(ctx, key(orphan), bytes.NewReader([]byte("PAR1"))); err != nil {
		t.Fatal(err)
	}
	orep, err := maintenance.RemoveOrphans(ctx, lh, e.load(t, orders), maintenance.OrphanOptions{OlderThan: time.Now().Add(time.Minute), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range orep.Removed {
		found = found || f.Path == orphan
		if f.Kind == maintenance.KindData && f.Path != orphan {
			t.Errorf("dry run would remove the data file %s", f.Path)
		}
	}
	if !found || !exists(orphan) {
		t.Fatalf("dry run: orphan found %v, still there %v; report %+v", found, exists(orphan), orep.Removed)
	}
	if _, err := maintenance.RemoveOrphans(ctx, lh, e.load(t, orders), maintenance.OrphanOptions{OlderThan: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if exists(orphan) {
		t.Errorf("orphan %s is still in the bucket", orphan)
	}
	for _, f := range e.files(t, orders) {
		if !exists(f.Path) {
			t.Errorf("live file %s was removed", f.Path)
		}
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("orphan removal changed the rows: %s, want %s", got, want)
	}
	// A location outside the table is refused.
	for _, loc := range []string{"../customers", "data/../../x", root + "/retail/other", "s3://another-bucket/lake/retail/orders"} {
		_, err := maintenance.RemoveOrphans(ctx, lh, e.load(t, orders), maintenance.OrphanOptions{Location: loc, DryRun: true})
		if !errors.Is(err, maintenance.ErrInvalidOption) {
			t.Errorf("location %s: %v, want ErrInvalidOption", loc, err)
		}
	}
}

// TestCrashDuringUploadOnS3: a writer killed (SIGKILL) after it uploaded
// the second of its new data files leaves the table at its previous
// snapshot with its previous rows; the uploaded files are orphans that
// remove_orphans reports as data files and deletes.
func TestCrashDuringUploadOnS3(t *testing.T) {
	if spec := os.Getenv("FLARE_TEST_S3_CRASH_CHILD"); spec != "" {
		crashChild(t, spec)
		return
	}
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	ctx := context.Background()
	root := store.URL(prefix + "lake")
	state := filepath.Join(t.TempDir(), "state")
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{ObjectStore: cfg, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lh.Close() })
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	e := &env{ctx: ctx, root: root, lh: lh, db: db}
	part := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	e.appendRows(t, orders, 0, 30, part)
	want := e.checksum(t, orders, 0)
	head := e.load(t, orders).Describe().CurrentSnapshotID
	before, err := store.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashDuringUploadOnS3$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FLARE_TEST_S3_CRASH_CHILD="+root+"\n"+state, crashpoint.EnvVar+"="+crashpoint.FileUploaded+"#2")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(out), "crashpoint: "+crashpoint.FileUploaded) {
		t.Fatalf("the writer was not killed at %s: %v\n%s", crashpoint.FileUploaded, err, out)
	}

	if got := e.load(t, orders).Describe().CurrentSnapshotID; got != head {
		t.Fatalf("snapshot %d after the crash, want %d", got, head)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("rows after the crash: %s, want %s", got, want)
	}
	after, err := store.List(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) < len(before)+2 {
		t.Fatalf("%d objects before the crash, %d after: the writer did not upload 2 files", len(before), len(after))
	}
	rep, err := maintenance.RemoveOrphans(ctx, lh, e.load(t, orders), maintenance.OrphanOptions{OlderThan: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if n := countKindOf(rep.Removed, maintenance.KindData); n < 2 {
		t.Errorf("remove_orphans removed %d data files, want the 2 the writer uploaded: %+v", n, rep.Removed)
	}
	if got := e.checksum(t, orders, 0); got != want {
		t.Fatalf("rows after remove_orphans: %s, want %s", got, want)
	}
}

func countKindOf(fs []maintenance.File, kind string) int {
	n := 0
	for _, f := range fs {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// crashChild is the writer TestCrashDuringUploadOnS3 kills: it appends rows
// in three partitions (three files) to the table.
func crashChild(t *testing.T, spec string) {
	root, state, _ := strings.Cut(spec, "\n")
	ctx := context.Background()
	lh, err := lakehouse.Open(ctx, root, lakehouse.Options{ObjectStore: s3test.Config(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, root: root, lh: lh, db: db}
	e.appendRows(t, orders, 100, 30, nil)
	t.Fatal("the writer was not killed")
}
