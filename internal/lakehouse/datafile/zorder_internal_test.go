package datafile

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
)

// TestZOrderSQL: on a 4x4 grid the rows come out in Morton order (the
// bits of x and y interleaved, x's first), whatever the values' spacing
// (ranks, not values, are interleaved); NULLs rank first; bad columns are
// refused.
func TestZOrderSQL(t *testing.T) {
	conn := duckConn(t)
	ctx := context.Background()
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "x", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "y", Type: iceberg.PrimitiveTypes.String},
		iceberg.NestedField{ID: 3, Name: "tags", Type: &iceberg.ListType{ElementID: 4, Element: iceberg.PrimitiveTypes.String}},
	)
	// x takes the values 0, 10, 1000, 1001 (ranks 0-3), y 'a'..'d'.
	src := `(SELECT x, y, NULL::VARCHAR[] AS tags FROM (VALUES (0), (10), (1000), (1001)) a(x), (VALUES ('a'), ('b'), ('c'), ('d')) b(y))`
	q, err := ZOrderSQL(src, sc, []string{"x", "Y"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "SELECT x, y FROM ("+q+")")
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	rank := map[int64]int{0: 0, 10: 1, 1000: 2, 1001: 3}
	var got []string
	for rows.Next() {
		var x int64
		var y string
		if err := rows.Scan(&x, &y); err != nil {
			t.Fatal(err)
		}
		got = append(got, string(rune('0'+rank[x]))+y)
	}
	// Morton order of (x, y) with x's bit above y's at each level.
	want := "0a 0b 1a 1b 0c 0d 1c 1d 2a 2b 3a 3b 2c 2d 3c 3d"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("order\n got %s\nwant %s", g, want)
	}

	// NULL ranks first.
	src = `(SELECT * FROM (VALUES (5, 'b'), (NULL, 'a'), (1, 'c')) v(x, y))`
	q, err = ZOrderSQL(src, sc, []string{"x"}, "t")
	if err != nil {
		t.Fatal(err)
	}
	var first string
	if err := conn.QueryRowContext(ctx, "SELECT y FROM ("+q+") LIMIT 1").Scan(&first); err != nil || first != "a" {
		t.Errorf("first row %q (%v), want the NULL one", first, err)
	}

	for _, tc := range []struct {
		cols []string
		want string
	}{
		{nil, "zorder needs columns"},
		{[]string{"x", "nope"}, "zorder column nope is not a column of table t"},
		{[]string{"x", "X"}, "names column x twice"},
		{[]string{"tags"}, "zorder column tags is a list<string>, which has no order"},
		{[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, "at most 8"},
	} {
		if _, err := ZOrderSQL(src, sc, tc.cols, "t"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.cols, err, tc.want)
		}
	}
}
