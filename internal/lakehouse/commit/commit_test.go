package commit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	"github.com/apache/iceberg-go/table"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

type env struct {
	ctx   context.Context
	cat   catalog.Catalog
	ident table.Identifier
	loc   string
}

// newEnv makes a SQLite SQL catalog with one empty table c.t, as the
// lakehouse does (atomic local IO installed).
func newEnv(t *testing.T) *env {
	t.Helper()
	atomicio.Install()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(dir, "catalog.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cat, err := sqlcat.NewCatalog("test", db, sqlcat.SQLite, iceberg.Properties{"warehouse": dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.CreateNamespace(ctx, table.Identifier{"c"}, nil); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, cat: cat, ident: table.Identifier{"c", "t"}, loc: filepath.Join(dir, "c", "t")}
	sc := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64})
	if _, err := cat.CreateTable(ctx, e.ident, sc, catalog.WithLocation(e.loc),
		catalog.WithProperties(iceberg.Properties{"format-version": "2"})); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) load(t *testing.T) *table.Table {
	t.Helper()
	tbl, err := e.cat.LoadTable(e.ctx, e.ident)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func (e *env) target() commit.Target { return commit.Target{Catalog: e.cat, Ident: e.ident} }

// dataFile describes a (not written) data file; commits do not read it.
func dataFile(t *testing.T, name string) iceberg.DataFile {
	t.Helper()
	b, err := iceberg.NewDataFileBuilder(*iceberg.UnpartitionedSpec, iceberg.EntryContentData, "/nowhere/"+name+".parquet",
		iceberg.ParquetFile, nil, nil, nil, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	return b.Build()
}

// appendStager stages an append of one file on whatever table it is given.
func appendStager(t *testing.T, name string, calls *atomic.Int32) commit.Stager {
	return func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
		calls.Add(1)
		txn := a.Table.NewTransaction()
		if err := txn.AddDataFiles(ctx, []iceberg.DataFile{dataFile(t, name)}, nil, table.WithoutDuplicateCheck()); err != nil {
			return nil, err
		}
		return commit.FromTransaction(txn)
	}
}

// appendNow commits an append as another writer would.
func (e *env) appendNow(t *testing.T, name string) {
	t.Helper()
	var calls atomic.Int32
	if _, err := commit.Run(e.ctx, e.target(), e.load(t), commit.Options{Operation: "append"}, appendStager(t, name, &calls)); err != nil {
		t.Fatalf("concurrent append %s: %v", name, err)
	}
}

func liveFiles(t *testing.T, tbl *table.Table) []string {
	t.Helper()
	tasks, err := tbl.Scan().PlanFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, task := range tasks {
		out = append(out, strings.TrimSuffix(filepath.Base(task.File.FilePath()), ".parquet"))
	}
	return out
}

// metadataFiles lists the metadata folder's *.metadata.json files.
func metadataFiles(t *testing.T, loc string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(loc, "metadata", "*.metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRunRetriesALostRace: another writer commits right before the first
// attempt is submitted; Run reloads, stages again on the new head and both
// appends land. The lost attempt leaves no metadata file, manifest or
// manifest list behind.
func TestRunRetriesALostRace(t *testing.T) {
	e := newEnv(t)
	base := e.load(t)
	var calls atomic.Int32
	ctx := commit.BeforeSubmit(e.ctx, func(attempt int) {
		if attempt == 0 {
			e.appendNow(t, "other")
		}
	})
	pol := commit.Policy{Retries: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, Timeout: time.Minute}
	got, err := commit.Run(ctx, e.target(), base, commit.Options{Operation: "append", Policy: &pol}, appendStager(t, "mine", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("stager called %d times, want 2", calls.Load())
	}
	if files := liveFiles(t, e.load(t)); strings.Join(files, ",") != "mine,other" && strings.Join(files, ",") != "other,mine" {
		t.Errorf("live files %v, want mine and other", files)
	}
	if got.MetadataLocation() != e.load(t).MetadataLocation() {
		t.Errorf("Run returned %s, the catalog points at %s", got.MetadataLocation(), e.load(t).MetadataLocation())
	}
	// create + other + mine: three metadata files, and exactly the avro
	// files the two snapshots reference (one manifest list and one
	// manifest each).
	if m := metadataFiles(t, e.loc); len(m) != 3 {
		t.Errorf("%d metadata files, want 3: %v", len(m), m)
	}
	if avro, _ := filepath.Glob(filepath.Join(e.loc, "metadata", "*.avro")); len(avro) != 4 {
		t.Errorf("%d avro files, want 4 (the lost attempt's must be removed): %v", len(avro), avro)
	}
}

// TestRunStopsOnConflict: a stager that finds the concurrent change unsafe
// stops Run with its ErrConflict; nothing of the attempt stays.
func TestRunStopsOnConflict(t *testing.T) {
	e := newEnv(t)
	base := e.load(t)
	ctx := commit.BeforeSubmit(e.ctx, func(attempt int) {
		if attempt == 0 {
			e.appendNow(t, "other")
		}
	})
	stage := func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
		if a.N > 0 {
			snaps, err := commit.Since(a.Table, "", commit.Head(base, ""))
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %d snapshots committed concurrently, the last by %s", commit.ErrConflict, len(snaps), commit.Describe(snaps[0]))
		}
		txn := a.Table.NewTransaction()
		if err := txn.AddDataFiles(ctx, []iceberg.DataFile{dataFile(t, "mine")}, nil, table.WithoutDuplicateCheck()); err != nil {
			return nil, err
		}
		return commit.FromTransaction(txn)
	}
	_, err := commit.Run(ctx, e.target(), base, commit.Options{Operation: "overwrite"}, stage)
	if !errors.Is(err, commit.ErrConflict) || !strings.Contains(err.Error(), "1 snapshots committed concurrently, the last by append") {
		t.Fatalf("err = %v, want the stager's ErrConflict", err)
	}
	if files := liveFiles(t, e.load(t)); len(files) != 1 || files[0] != "other" {
		t.Errorf("live files %v, want only other", files)
	}
	if m := metadataFiles(t, e.loc); len(m) != 2 {
		t.Errorf("%d metadata files, want 2 (create, other): %v", len(m), m)
	}
}

// TestRunGivesUpAfterRetries: when every attempt loses, Run fails with
// ErrConflict after 1 + Retries attempts.
func TestRunGivesUpAfterRetries(t *testing.T) {
	e := newEnv(t)
	var n atomic.Int32
	ctx := commit.BeforeSubmit(e.ctx, func(int) { e.appendNow(t, fmt.Sprintf("other%d", n.Add(1))) })
	var calls atomic.Int32
	pol := commit.Policy{Retries: 2, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, Timeout: time.Minute}
	_, err := commit.Run(ctx, e.target(), e.load(t), commit.Options{Operation: "append", Policy: &pol}, appendStager(t, "mine", &calls))
	if !errors.Is(err, commit.ErrConflict) || !strings.Contains(err.Error(), "lost the race to concurrent commits 3 times") {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 3 {
		t.Errorf("stager called %d times, want 3", calls.Load())
	}
}

// flakyCatalog fails a commit after (or instead of) submitting it.
type flakyCatalog struct {
	catalog.Catalog
	commitFirst bool
	err         error
}

func (f *flakyCatalog) CommitTable(ctx context.Context, ident table.Identifier, reqs []table.Requirement, ups []table.Update) (table.Metadata, string, error) {
	if f.commitFirst {
		if _, _, err := f.Catalog.CommitTable(ctx, ident, reqs, ups); err != nil {
			return nil, "", err
		}
	}
	return nil, "", f.err
}

// TestRunUnclearFailures: after an error that does not say whether the
// catalog accepted the commit, Run reloads the table: a commit that landed
// is a success, one that did not is a failure that leaves no file.
func TestRunUnclearFailures(t *testing.T) {
	for _, tc := range []struct {
		name        string
		commitFirst bool
		err         error
		wantErr     string
	}{
		{"connection lost after the commit", true, errors.New("driver: bad connection"), ""},
		{"connection lost before", false, errors.New("driver: bad connection"), "nothing was committed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			// the flaky catalog writes the metadata file, as a real one would
			tgt := commit.Target{Catalog: &flakyCatalog{Catalog: e.cat, commitFirst: tc.commitFirst, err: tc.err}, Ident: e.ident}
			var calls atomic.Int32
			_, err := commit.Run(e.ctx, tgt, e.load(t), commit.Options{Operation: "append"}, appendStager(t, "mine", &calls))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			files := liveFiles(t, e.load(t))
			if landed := len(files) == 1; landed != tc.commitFirst {
				t.Errorf("live files %v", files)
			}
			if avro, _ := filepath.Glob(filepath.Join(e.loc, "metadata", "*.avro")); !tc.commitFirst && len(avro) != 0 {
				t.Errorf("failed commit left %v", avro)
			}
		})
	}
}

func TestLostRace(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("x: %w", table.ErrCommitFailed), true},
		{errors.New(`requirement failed: branch "main" has changed: expected id 1, found 2`), true},
		{errors.New(`requirement failed: branch "main" was created concurrently`), true},
		{errors.New(`Requirement failed: table already exists`), true},
		{errors.New("disk full"), false},
		{nil, false},
	} {
		if got := commit.LostRace(tc.err); got != tc.want {
			t.Errorf("LostRace(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := commit.PolicyOf(iceberg.Properties{"commit.retry.num-retries": "5", "commit.retry.min-wait-ms": "10", "commit.retry.max-wait-ms": "100"})
	if p.Retries != 5 || p.MinWait != 10*time.Millisecond || p.MaxWait != 100*time.Millisecond || p.Timeout != commit.DefaultPolicy.Timeout {
		t.Errorf("PolicyOf = %+v", p)
	}
	if d := commit.PolicyOf(nil); d != commit.DefaultPolicy {
		t.Errorf("PolicyOf(nil) = %+v, want the default", d)
	}
	for k, ceiling := range map[int]time.Duration{1: 20 * time.Millisecond, 2: 40 * time.Millisecond, 3: 80 * time.Millisecond, 4: 100 * time.Millisecond, 9: 100 * time.Millisecond} {
		var seen time.Duration
		for range 200 {
			w := p.Backoff(k)
			if w < p.MinWait || w > ceiling {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", k, w, p.MinWait, ceiling)
			}
			seen = max(seen, w)
		}
		if seen <= p.MinWait {
			t.Errorf("Backoff(%d) never above the minimum: no jitter", k)
		}
	}
}
