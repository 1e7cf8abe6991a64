package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

// twoWriters is one lakehouse folder opened twice, as two processes would.
type twoWriters struct {
	ctx      context.Context
	a, b     *Lakehouse
	dba, dbb *sql.DB
	name     TableName
}

func newTwoWriters(t *testing.T) *twoWriters {
	t.Helper()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "lakehouse")
	w := &twoWriters{ctx: ctx, name: TableName{Collection: "race", Dataset: "events"}}
	for _, l := range []**Lakehouse{&w.a, &w.b} {
		lh, err := Open(ctx, root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = lh.Close() })
		*l = lh
	}
	for _, db := range []**sql.DB{&w.dba, &w.dbb} {
		d, err := sql.Open("duckdb", "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		*db = d
	}
	return w
}

// rows returns the table's rows as "k:v" (its columns joined by ':'),
// sorted.
func (w *twoWriters) rows(t *testing.T) string {
	t.Helper()
	tbl, err := w.a.LoadTable(w.ctx, w.name)
	if err != nil {
		t.Fatal(err)
	}
	q, err := tbl.SelectSQL(w.ctx, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got sql.NullString
	if err := w.dba.QueryRowContext(w.ctx, "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT concat_ws(':', *COLUMNS(*)) AS x FROM ("+q+"))").Scan(&got); err != nil {
		t.Fatal(err)
	}
	return got.String
}

var racePart = []PartitionField{{Type: "identity", Column: "k"}}

// TestFirstWriteLosesTheCommitRace is issue 11's first defect made
// deterministic: writer A creates the table; before A's first commit,
// writer B loads the new (empty) table and commits. A's commit is refused
// (branch main was created concurrently) and must be staged again on B's
// snapshot, never end in a dropped table. When A cannot commit at all (B
// overwrote the table with another schema, so A's files no longer fit), A
// fails and the table keeps B's commits.
func TestFirstWriteLosesTheCommitRace(t *testing.T) {
	tests := []struct {
		name    string
		mode    WriteMode
		dynamic bool
		evolve  bool   // B overwrites instead, dropping column v
		want    string // rows after both
		wantErr string // A's error
	}{
		{name: "append", mode: Append, want: "1:a 2:b"},
		{name: "overwrite replaces what B wrote (A did not read it)", mode: Overwrite, want: "1:a"},
		{name: "dynamic overwrite of another partition", mode: Overwrite, dynamic: true, want: "1:a 2:b"},
		{name: "schema changed meanwhile", mode: Append, evolve: true, want: "2", wantErr: "the schema of table race.events changed concurrently"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newTwoWriters(t)
			fired := false
			ctx := commit.BeforeSubmit(w.ctx, func(attempt int) {
				if attempt > 0 || fired {
					return
				}
				fired = true
				src, mode := "(SELECT 2 AS k, 'b' AS v)", Append
				if tc.evolve {
					src, mode = "(SELECT 2 AS k)", Overwrite
				}
				if _, err := w.b.Write(w.ctx, w.dbb, src, WriteSpec{Table: w.name, Mode: mode}); err != nil {
					t.Errorf("writer B: %v", err)
				}
			})
			res, err := w.a.Write(ctx, w.dba, "(SELECT 1 AS k, 'a' AS v)", WriteSpec{Table: w.name, Mode: tc.mode, OverwriteDynamic: tc.dynamic, Partition: racePart})
			if !fired {
				t.Fatal("the commit hook did not run")
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("writer A: %v", err)
			case tc.wantErr != "" && (!errors.Is(err, ErrWriteConflict) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("writer A: err = %v, want ErrWriteConflict saying %q", err, tc.wantErr)
			case tc.wantErr == "" && !res.Created:
				t.Errorf("writer A created the table but the result says Created = false")
			}
			if got := w.rows(t); got != tc.want {
				t.Errorf("rows %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCreateRace: writer A finds no table, writes its files, and before it
// creates the table, writer B creates it. A loads B's table and writes into
// it when the schema and partition spec agree, and refuses clearly, writing
// nothing, when they do not.
func TestCreateRace(t *testing.T) {
	tests := []struct {
		name     string
		bSrc     string
		bPart    []PartitionField
		mode     WriteMode
		dynamic  bool
		want     string
		wantErr  string
		wantFile int // data files on disk after A
	}{
		{name: "append", bSrc: "SELECT 2 AS k, 'b' AS v", bPart: racePart, mode: Append, want: "1:a 2:b", wantFile: 2},
		{name: "overwrite", bSrc: "SELECT 2 AS k, 'b' AS v", bPart: racePart, mode: Overwrite, want: "1:a", wantFile: 2},
		{name: "dynamic overwrite", bSrc: "SELECT 2 AS k, 'b' AS v", bPart: racePart, mode: Overwrite, dynamic: true, want: "1:a 2:b", wantFile: 2},
		{name: "dynamic overwrite of the same partition", bSrc: "SELECT 1 AS k, 'b' AS v", bPart: racePart, mode: Overwrite, dynamic: true, want: "1:a", wantFile: 2},
		{name: "other schema", bSrc: "SELECT 2 AS k, 3.5 AS v", bPart: racePart, mode: Append, want: "2:3.5",
			wantErr: "created concurrently by another writer with another schema", wantFile: 1},
		{name: "other partition spec", bSrc: "SELECT 2 AS k, 'b' AS v", mode: Append, want: "2:b",
			wantErr: "created concurrently by another writer with another partition spec", wantFile: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newTwoWriters(t)
			fired := false
			ctx := context.WithValue(w.ctx, beforeCreateKey{}, func() {
				fired = true
				if _, err := w.b.Write(w.ctx, w.dbb, "("+tc.bSrc+")", WriteSpec{Table: w.name, Mode: Append, Partition: tc.bPart}); err != nil {
					t.Errorf("writer B: %v", err)
				}
			})
			res, err := w.a.Write(ctx, w.dba, "(SELECT 1 AS k, 'a' AS v)", WriteSpec{Table: w.name, Mode: tc.mode, OverwriteDynamic: tc.dynamic, Partition: racePart})
			if !fired {
				t.Fatal("the create hook did not run")
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("writer A: %v", err)
			case tc.wantErr == "" && res.Created:
				t.Errorf("writer A lost the create race but says it created the table")
			case tc.wantErr != "" && (!errors.Is(err, ErrWriteConflict) || !errors.Is(err, ErrSchemaMismatch) ||
				!strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "nothing was written")):
				t.Fatalf("writer A: err = %v, want a conflict saying %q", err, tc.wantErr)
			}
			if got := w.rows(t); got != tc.want {
				t.Errorf("rows %q, want %q", got, tc.want)
			}
			var files []string
			_ = filepath.WalkDir(filepath.Join(w.a.root, "race", "events", "data"), func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".parquet") {
					files = append(files, p)
				}
				return nil
			})
			if len(files) != tc.wantFile {
				t.Errorf("%d data files on disk, want %d (a refused write removes its files): %v", len(files), tc.wantFile, files)
			}
		})
	}
}

// TestConcurrentFirstWrites: writers that all find no table write at once;
// every write lands (appends and dynamic overwrites of their own
// partitions) and no table is ever dropped.
func TestConcurrentFirstWrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    WriteMode
		dynamic bool
	}{
		{"append", Append, false},
		{"dynamic overwrite", Overwrite, true},
		{"overwrite", Overwrite, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const writers = 4
			ctx := context.Background()
			root := filepath.Join(t.TempDir(), "lakehouse")
			name := TableName{Collection: "race", Dataset: "first"}
			start := make(chan struct{})
			errs := make(chan error, writers)
			for i := range writers {
				l, err := Open(ctx, root, Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = l.Close() })
				db, err := sql.Open("duckdb", "")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close() })
				go func() {
					<-start
					src := fmt.Sprintf("(SELECT %d AS k, 'w%d' AS v)", i, i)
					_, err := l.Write(ctx, db, src, WriteSpec{Table: name, Mode: tc.mode, OverwriteDynamic: tc.dynamic, Partition: racePart})
					errs <- err
				}()
			}
			close(start)
			failed := 0
			for range writers {
				if err := <-errs; err != nil {
					// a whole-table overwrite may conflict with another
					// writer's commit that came between its create and commit
					if tc.mode != Overwrite || tc.dynamic || !errors.Is(err, ErrWriteConflict) {
						t.Errorf("writer: %v", err)
					}
					failed++
				}
			}
			w := &twoWriters{ctx: ctx, name: name}
			w.a, _ = Open(ctx, root, Options{})
			defer w.a.Close()
			w.dba, _ = sql.Open("duckdb", "")
			defer w.dba.Close()
			got := w.rows(t)
			n := len(strings.Fields(got))
			switch {
			case tc.mode == Append || tc.dynamic:
				if n != writers {
					t.Errorf("rows %q: want all %d writes", got, writers)
				}
			default:
				if n != 1 {
					t.Errorf("rows %q: want exactly one overwrite's row", got)
				}
			}
			t.Logf("%d of %d writers failed with a conflict; rows %s", failed, writers, got)
		})
	}
}
