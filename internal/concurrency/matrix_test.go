package concurrency

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// TestConcurrencyMatrix starts ten `flare` processes at once against one
// table, one per kind of change (two creating writes, two appends, a
// whole-table overwrite, a dynamic partition overwrite, a merge, a delete, a
// compaction and a snapshot expiry), on the SQLite and on the PostgreSQL
// catalog, from "no table" and from "table exists". Every command must
// succeed or fail with a clear error (a conflict, or: the table does not
// exist yet), and the table's rows must be exactly what the successful
// commands imply, applied in their commit order (each command's snapshot,
// ordered by sequence number): no row lost, none duplicated. Nothing a
// failed command wrote may be left behind.
func TestConcurrencyMatrix(t *testing.T) {
	catalogs := []struct {
		name string
		uri  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", freshPostgresSchema},
	}
	for _, c := range catalogs {
		for _, exists := range []bool{false, true} {
			start := "no table"
			if exists {
				start = "table exists"
			}
			t.Run(c.name+"/"+start, func(t *testing.T) {
				rounds := 2
				if testing.Short() {
					rounds = 1
				}
				for r := range rounds {
					t.Run(fmt.Sprintf("round %d", r+1), func(t *testing.T) { runMatrix(t, c.uri(t), exists) })
				}
			})
		}
	}
}

// freshPostgresSchema returns FLARE_TEST_POSTGRES_URI with the search path
// set to a new, empty schema: the processes of the run are the catalog's
// first users (the catalog tables are created concurrently).
func freshPostgresSchema(t *testing.T) string {
	t.Helper()
	uri := postgresURI(t)
	admin, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("flare_matrix_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = admin.Close()
	})
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + "search_path=" + schema
}

var matrixTable = lakehouse.TableName{Collection: "matrix", Dataset: "t"}

// matrixRow is one row of the model: id -> grp|val|cmd.
type matrixModel map[int64]string

func (m matrixModel) rows() []string {
	out := make([]string, 0, len(m))
	for id, rest := range m {
		out = append(out, strconv.FormatInt(id, 10)+"|"+rest)
	}
	sort.Strings(out)
	return out
}

// matrixCmd is one command of the matrix and what it does to the rows when
// it commits.
type matrixCmd struct {
	name  string
	args  []string
	apply func(m matrixModel)
	// result
	out      string
	err      error
	snapshot int64
}

func rowsOf(first, n int, grp int, val string, cmd int) matrixModel {
	m := matrixModel{}
	for i := range n {
		m[int64(first+i)] = fmt.Sprintf("%d|%s|%d", grp, val, cmd)
	}
	return m
}

func runMatrix(t *testing.T, catalogURI string, exists bool) {
	dir := project(t, catalogURI)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	model := matrixModel{}
	var firstSeed int64
	if exists {
		l := openLake(t, dir, catalogURI)
		for b := range 3 {
			res, err := l.lh.Write(l.ctx, l.db, fmt.Sprintf("(SELECT CAST(%d * 40 + i AS BIGINT) AS id, CAST((%d * 40 + i) %% 4 AS INT) AS grp, 'seed' AS val, 0 AS cmd FROM range(40) t(i))", b, b),
				lakehouse.WriteSpec{Table: matrixTable, Mode: lakehouse.Append, Partition: []lakehouse.PartitionField{{Type: "identity", Column: "grp"}}})
			if err != nil {
				t.Fatal(err)
			}
			if b == 0 {
				firstSeed = res.SnapshotID
			}
			for i := range 40 {
				id := int64(b*40 + i)
				model[id] = fmt.Sprintf("%d|seed|0", id%4)
			}
		}
		l.close()
	}

	write := func(name, sql, mode string, dynamic bool) []string {
		opts := "                  saveMode: " + mode + "\n                  iceberg: {partitionSpec: [{type: identity, column: grp}]}"
		if dynamic {
			opts += "\n                  extraOptions: {overwrite-mode: dynamic}"
		}
		return []string{"run", writeManifest(t, dir, name, "matrix/t", sql, opts), "--threads", "1"}
	}
	sel := func(first, n, grp int, val string, cmd int) string {
		return fmt.Sprintf("SELECT CAST(%d + i AS BIGINT) AS id, CAST(%d AS INT) AS grp, '%s' AS val, %d AS cmd FROM range(%d) t(i)", first, grp, val, cmd, n)
	}
	add := func(src matrixModel) func(matrixModel) {
		return func(m matrixModel) { maps(m, src) }
	}
	merged := rowsOf(5000, 3, 2, "merged", 7)
	for _, id := range []int64{2, 6, 10, 14} {
		merged[id] = "2|merged|7"
	}
	expire := []string{"table", "expire-snapshots", "lakehouse.matrix.t", "--older-than", "0s", "--retain-last", "100"}
	if exists {
		expire = []string{"table", "expire-snapshots", "lakehouse.matrix.t", "--snapshot-ids", strconv.FormatInt(firstSeed, 10)}
	}
	cmds := []*matrixCmd{
		{name: "create-1", args: write("create1", sel(1000, 10, 10, "c1", 1), "append", false), apply: add(rowsOf(1000, 10, 10, "c1", 1))},
		{name: "create-2", args: write("create2", sel(1100, 10, 10, "c2", 2), "append", false), apply: add(rowsOf(1100, 10, 10, "c2", 2))},
		{name: "append-1", args: write("append1", sel(2000, 10, 11, "a1", 3), "append", false), apply: add(rowsOf(2000, 10, 11, "a1", 3))},
		{name: "append-2", args: write("append2", sel(2100, 10, 11, "a2", 4), "append", false), apply: add(rowsOf(2100, 10, 11, "a2", 4))},
		{name: "overwrite", args: write("overwrite", sel(3000, 10, 12, "ow", 5), "overwrite", false), apply: func(m matrixModel) {
			clear(m)
			maps(m, rowsOf(3000, 10, 12, "ow", 5))
		}},
		{name: "dynamic overwrite", args: write("dynamic", sel(4000, 5, 1, "dyn", 6), "overwrite", true), apply: func(m matrixModel) {
			for id, rest := range m {
				if strings.HasPrefix(rest, "1|") {
					delete(m, id)
				}
			}
			maps(m, rowsOf(4000, 5, 1, "dyn", 6))
		}},
		{name: "merge", args: []string{"run", writeManifest(t, dir, "merge", "matrix/t",
			"SELECT CAST(id AS BIGINT) AS id, CAST(2 AS INT) AS grp, 'merged' AS val, 7 AS cmd FROM (VALUES (2), (6), (10), (14), (5000), (5001), (5002)) v(id)",
			"                  iceberg:\n                    merge: {onClause: \"old.id = new.id\", whenClause: \"MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *\"}"), "--threads", "1"},
			apply: add(merged)},
		{name: "delete", args: []string{"table", "delete", "lakehouse.matrix.t", "--where", "target.grp = 3 AND target.id < 50", "--threads", "1"},
			apply: func(m matrixModel) {
				for id, rest := range m {
					if strings.HasPrefix(rest, "3|") && id < 50 {
						delete(m, id)
					}
				}
			}},
		{name: "compaction", args: []string{"table", "compact", "lakehouse.matrix.t", "--min-input-files", "2", "--threads", "1"}, apply: func(matrixModel) {}},
		{name: "expire", args: expire, apply: func(matrixModel) {}},
	}

	var wg sync.WaitGroup
	gate := make(chan struct{})
	for _, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			c.out, c.err = flareEnv(ctx, dir, nil, c.args...)
			if c.err == nil {
				c.snapshot = snapshotOf(c.out)
			}
		}()
	}
	begin := time.Now()
	close(gate)
	wg.Wait()
	took := time.Since(begin)

	var outcome []string
	for _, c := range cmds {
		switch {
		case c.err == nil:
			outcome = append(outcome, c.name+": ok")
		case clearFailure(c.err.Error()):
			outcome = append(outcome, c.name+": refused ("+reason(c.err.Error())+")")
		default:
			t.Errorf("%s failed with an unclear error: %v", c.name, c.err)
		}
	}
	seq := sequenceNumbers(t, filepath.Join(dir, "lakehouse", "matrix", "t"))
	var committed []*matrixCmd
	for _, c := range cmds {
		if c.err != nil || c.snapshot == 0 {
			continue
		}
		if _, ok := seq[c.snapshot]; !ok {
			t.Fatalf("%s reports snapshot %d, which no metadata file of the table has", c.name, c.snapshot)
		}
		committed = append(committed, c)
	}
	sort.Slice(committed, func(i, j int) bool { return seq[committed[i].snapshot] < seq[committed[j].snapshot] })
	var order []string
	for _, c := range committed {
		c.apply(model)
		order = append(order, c.name)
	}

	l := openLake(t, dir, catalogURI)
	defer l.close()
	tableExists := true
	if _, err := l.lh.LoadTable(l.ctx, matrixTable); err != nil {
		tableExists = false
		if len(committed) > 0 {
			t.Fatalf("%d commands committed but the table cannot be loaded: %v", len(committed), err)
		}
	}
	if tableExists {
		if got, want := l.rows(t, matrixTable), model.rows(); !slices.Equal(got, want) {
			t.Errorf("the table has %d rows, the successful commands (in commit order %v) imply %d:\n%s",
				len(got), order, len(want), diffRows(got, want))
		}
		metadataFilesValid(t, filepath.Join(dir, "lakehouse", "matrix", "t"))
		if rep := l.removeOrphans(t, matrixTable, true); len(rep.Removed) != 0 {
			t.Errorf("failed or retried commands left files behind: %s", rep.Summary())
		}
	}
	t.Logf("10 processes in %s; %s; commit order %v", took.Round(time.Millisecond), strings.Join(outcome, ", "), order)
}

// clearFailure reports whether a command's error is one the matrix allows:
// a conflict with a concurrent commit, or a table that does not exist yet.
func clearFailure(msg string) bool {
	for _, ok := range []string{"conflicting concurrent commit", "no such table", "does not exist", "MERGE INTO needs an existing table"} {
		if strings.Contains(msg, ok) {
			return true
		}
	}
	return false
}

// reason shortens a refusal to what it says.
func reason(msg string) string {
	for _, r := range []string{"lost the race", "removed or rewrote", "deleted rows of", "added data", "also changed partition",
		"to rewrite is no longer", "got new deletes", "MERGE INTO needs an existing table", "no such table", "does not exist", "changed concurrently"} {
		if strings.Contains(msg, r) {
			return r
		}
	}
	return "conflict"
}

// sequenceNumbers reads every metadata file of the table (the metadata log
// keeps them after snapshots expire) and maps snapshot ids to sequence
// numbers, which order commits.
func sequenceNumbers(t *testing.T, tableDir string) map[int64]int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(tableDir, "metadata", "*.metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			Snapshots []struct {
				ID  int64 `json:"snapshot-id"`
				Seq int64 `json:"sequence-number"`
			} `json:"snapshots"`
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatalf("metadata file %s: %v", f, err)
		}
		for _, s := range meta.Snapshots {
			out[s.ID] = s.Seq
		}
	}
	return out
}

func maps(dst, src matrixModel) {
	for k, v := range src {
		dst[k] = v
	}
}
