package maintenance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// Z-order compaction against bin-packing and a sort on one column: how
// many data files a read with a range filter on two columns must scan
// after each (iceberg-go's pruning on the files' column bounds).

var grid = lakehouse.TableName{Collection: "retail", Dataset: "grid"}

// writeGrid appends rows in batches: x and y spread evenly over 0-999 in
// random order (a fixed seed), and a payload column.
func writeGrid(tb testing.TB, e *env, rows, batches int) {
	tb.Helper()
	per := rows / batches
	for b := range batches {
		q := fmt.Sprintf(`CREATE OR REPLACE TABLE src AS SELECT i AS id, CAST(hash(i, 'x') %% 1000 AS BIGINT) AS x,
			CAST(hash(i, 'y') %% 1000 AS BIGINT) AS y, 'payload ' || i AS note FROM range(%d, %d) t(i)`, b*per, (b+1)*per)
		if _, err := e.db.ExecContext(e.ctx, q); err != nil {
			tb.Fatal(err)
		}
		if _, err := e.lh.Write(e.ctx, e.db, "src", lakehouse.WriteSpec{Table: grid, Mode: lakehouse.Append}); err != nil {
			tb.Fatal(err)
		}
	}
}

// boxFilter is x BETWEEN lo AND hi AND y BETWEEN lo AND hi.
func boxFilter(lo, hi int64) iceberg.BooleanExpression {
	x, y := iceberg.Reference("x"), iceberg.Reference("y")
	return iceberg.NewAnd(iceberg.GreaterThanEqual(x, lo), iceberg.LessThanEqual(x, hi),
		iceberg.GreaterThanEqual(y, lo), iceberg.LessThanEqual(y, hi))
}

// scanned counts the data files a read with the filter scans, and all.
func scanned(tb testing.TB, e *env, filter iceberg.BooleanExpression) (int, int) {
	tb.Helper()
	t, err := e.lh.LoadTable(e.ctx, grid)
	if err != nil {
		tb.Fatal(err)
	}
	hit, err := t.PlanFiles(e.ctx, lakehouse.ReadOptions{Filter: filter})
	if err != nil {
		tb.Fatal(err)
	}
	all, err := t.PlanFiles(e.ctx, lakehouse.ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return len(hit), len(all)
}

// layouts are the rewrites compared.
var layouts = []struct {
	name string
	opt  maintenance.CompactOptions
}{
	{"bin-pack", maintenance.CompactOptions{}},
	{"sort x", maintenance.CompactOptions{Sort: true, SortOrder: []maintenance.SortKey{{Column: "x"}}}},
	{"zorder x,y", maintenance.CompactOptions{ZOrder: []string{"x", "y"}}},
}

// compactGrid rewrites every file of the grid into files of about
// target bytes with the layout's options.
func compactGrid(tb testing.TB, e *env, opt maintenance.CompactOptions, target int64) *maintenance.Report {
	tb.Helper()
	opt.RewriteAll, opt.TargetFileSize = true, target
	t, err := e.lh.LoadTable(e.ctx, grid)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := maintenance.Compact(e.ctx, e.lh, e.db, t, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// TestCompactZOrder: a z-order rewrite keeps every row, writes files
// that each cover a small box of (x, y), so that a filter on both columns
// scans fewer files than after a sort on x, and far fewer than after
// bin-packing; a filter on y alone prunes too (to under half the files),
// which a sort on x cannot.
func TestCompactZOrder(t *testing.T) {
	const rows, target = 160_000, 24 << 10
	got := map[string][3]int{}
	for _, l := range layouts {
		e := newEnv(t)
		writeGrid(t, e, rows, 6)
		before := e.checksum(t, grid, 0)
		rep := compactGrid(t, e, l.opt, target)
		if after := e.checksum(t, grid, 0); after != before {
			t.Fatalf("%s: rows changed: %s, then %s", l.name, before, after)
		}
		box, all := scanned(t, e, boxFilter(100, 199))
		yOnly, _ := scanned(t, e, iceberg.NewAnd(iceberg.GreaterThanEqual(iceberg.Reference("y"), int64(100)), iceberg.LessThanEqual(iceberg.Reference("y"), int64(199))))
		got[l.name] = [3]int{box, yOnly, all}
		t.Logf("%-10s %2d files; x and y in [100, 199]: %2d scanned; y in [100, 199]: %2d scanned (%s)", l.name, all, box, yOnly, rep.Summary())
	}
	bp, so, zo := got["bin-pack"], got["sort x"], got["zorder x,y"]
	if zo[2] < 40 || bp[2] < 40 || so[2] < 40 {
		t.Fatalf("files after each rewrite %d, %d, %d: want at least 40 for pruning to show", bp[2], so[2], zo[2])
	}
	if bp[0] != bp[2] {
		t.Errorf("bin-pack: %d of %d files scanned; rows in write order spread over every file", bp[0], bp[2])
	}
	// The box is 10% of x's range: a sort on x keeps about a tenth of the
	// files, the z-order fewer (each of its files covers a small box).
	if zo[0] >= so[0] || so[0]*4 > bp[0] {
		t.Errorf("files scanned for the box: zorder %d, sort %d, bin-pack %d; want zorder below sort, sort at most a quarter of bin-pack", zo[0], so[0], bp[0])
	}
	// Each file of a sorted rewrite is one run of the order: one value of
	// x lies in one file, or two where a file ends.
	e := newEnv(t)
	writeGrid(t, e, rows, 6)
	compactGrid(t, e, layouts[1].opt, target)
	x := iceberg.Reference("x")
	if n, all := scanned(t, e, iceberg.NewAnd(iceberg.GreaterThanEqual(x, int64(150)), iceberg.LessThanEqual(x, int64(150)))); n > 2 {
		t.Errorf("after a sort on x, x = 150 is in %d of %d files, want 1 or 2 (files overlap)", n, all)
	}
	if so[1] != so[2] || zo[1]*2 > zo[2] {
		t.Errorf("files scanned for y alone: sort on x %d of %d (want all), zorder %d of %d (want at most half)", so[1], so[2], zo[1], zo[2])
	}
}

// BenchmarkCompactPruning rewrites a 2-million-row table of x, y in
// 0-999 into about 100 files of 256 KiB with each layout and reports the rewrite's
// time and the files a read of x, y in [100, 199] (1% of the rows)
// scans: go test -bench CompactPruning -benchtime 1x ./internal/maintenance
func BenchmarkCompactPruning(b *testing.B) {
	const rows, target = 2_000_000, 256 << 10
	for _, l := range layouts {
		b.Run(l.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				e := newEnv(b)
				writeGrid(b, e, rows, 8)
				b.StartTimer()
				compactGrid(b, e, l.opt, target)
				b.StopTimer()
				box, all := scanned(b, e, boxFilter(100, 199))
				yOnly, _ := scanned(b, e, iceberg.NewAnd(iceberg.GreaterThanEqual(iceberg.Reference("y"), int64(100)), iceberg.LessThanEqual(iceberg.Reference("y"), int64(199))))
				b.ReportMetric(float64(all), "files")
				b.ReportMetric(float64(box), "files-scanned-xy")
				b.ReportMetric(float64(yOnly), "files-scanned-y")
				b.StartTimer()
			}
		})
	}
}

// TestCompactZOrderRefused: options a z-order rewrite cannot run are
// refused before anything is written.
func TestCompactZOrderRefused(t *testing.T) {
	for _, tc := range []struct {
		opt  maintenance.CompactOptions
		want string
	}{
		{maintenance.CompactOptions{ZOrder: []string{"x", "nope"}}, "zorder column nope is not a column of table retail.grid"},
		{maintenance.CompactOptions{ZOrder: []string{"x", "y"}, Sort: true, SortOrder: []maintenance.SortKey{{Column: "x"}}}, "sorts or z-orders its rows, not both"},
	} {
		e := newEnv(t)
		writeGrid(t, e, 1000, 5)
		before := e.checksum(t, grid, 0)
		snaps := len(e.load(t, grid).Snapshots())
		_, err := maintenance.Compact(e.ctx, e.lh, e.db, e.load(t, grid), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.opt, err, tc.want)
		}
		if e.checksum(t, grid, 0) != before || len(e.load(t, grid).Snapshots()) != snaps {
			t.Errorf("%+v: the table changed", tc.opt)
		}
		if files := onDisk(t, tableDir(e, grid)+"/data"); len(files) != 5 {
			t.Errorf("%+v: %d files in data/, want the 5 written (nothing staged left)", tc.opt, len(files))
		}
	}
}
