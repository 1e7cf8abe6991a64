package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

func open(t *testing.T) *Session {
	t.Helper()
	s, err := Open(context.Background(), Settings{Threads: 2, MemoryLimit: "1GB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// defineSpark defines a view over Spark SQL as the compile step does:
// rewritten once, errors mapped back to the Spark text.
func defineSpark(ctx context.Context, s *Session, name, sparkSQL string) error {
	r, err := sparksql.Translate(sparkSQL)
	if err != nil {
		return RewriteError(err)
	}
	return s.DefineRewritten(ctx, name, r)
}

func TestDefineViewErrorPositions(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.DefineRelation(ctx, "t", "SELECT 1 AS a, 'x' AS b"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		sql       string
		line, col int
		msg       string
	}{
		{"unknown column on line 2", "SELECT a,\n       nope\nFROM t", 2, 8, "nope"},
		{"syntax error on line 1", "SELECT a FORM t", 1, 15, "syntax error"},
		{"unknown table on line 3", "SELECT a\nFROM t\nJOIN missing USING (a)", 3, 6, "missing"},
		// The rewrite changes the text before the error; the column is still the Spark text's.
		{"column after a rewrite", "SELECT date_format(b, 'yyyy-MM-dd'), \"x\" AS s, nope FROM t", 1, 48, "nope"},
		{"long line cut by DuckDB", "SELECT a, " + strings.Repeat("nvl(a, 1), ", 20) + "nope FROM t", 1, 231, "nope"},
		{"rewrite error", "SELECT a,\n  xpath(b, 'a') FROM t", 2, 3, "Spark function xpath is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := defineSpark(ctx, s, "v", tt.sql)
			var se *SQLError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SQLError", err)
			}
			if se.Line != tt.line || se.Col != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Fatalf("got line %d col %d msg %q; want %d:%d %q", se.Line, se.Col, se.Msg, tt.line, tt.col, tt.msg)
			}
			if strings.Contains(se.Msg, "LINE") {
				t.Errorf("message keeps DuckDB's LINE marker: %q", se.Msg)
			}
		})
	}
}

func TestSparkSQLAndReferences(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.DefineRelation(ctx, "t", "SELECT * FROM (VALUES (1, NULL), (2, 'b')) v(a, b)"); err != nil {
		t.Fatal(err)
	}
	if err := defineSpark(ctx, s, "v", "SELECT a, nvl(b, 'none') AS b FROM t"); err != nil {
		t.Fatal(err)
	}
	res, err := s.Query(ctx, "SELECT b FROM v ORDER BY a", -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 2 || res.Rows[0][0] != "none" || res.Rows[1][0] != "b" {
		t.Fatalf("rows = %v", res.Rows)
	}
	refs, err := s.References(ctx, "WITH c AS (SELECT * FROM t) SELECT * FROM c JOIN lakehouse.retail.city x ON true JOIN \"odd.name\" ON true")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, strings.Join(r.Parts, "|"))
	}
	joined := strings.Join(got, ",")
	for _, want := range []string{"t", "lakehouse|retail|city", "odd.name"} {
		if !strings.Contains(","+joined+",", ","+want+",") && !strings.Contains(joined, want) {
			t.Errorf("references %v lack %s", got, want)
		}
	}
}

func TestDefineTableAndMaterialize(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.DefineTable(ctx, "lakehouse", "retail", "city", "SELECT 1 AS id UNION ALL SELECT 2"); err != nil {
		t.Fatal(err)
	}
	n, err := s.Count(ctx, "lakehouse.retail.city")
	if err != nil || n != 2 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if err := s.DefineRelation(ctx, "r", "SELECT random() AS x FROM range(3)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Materialize(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Query(ctx, "SELECT sum(x) FROM r", -1)
	b, _ := s.Query(ctx, "SELECT sum(x) FROM r", -1)
	if a.Rows[0][0] != b.Rows[0][0] {
		t.Errorf("a cached relation changed between reads: %v vs %v", a.Rows, b.Rows)
	}
	plan, err := s.Explain(ctx, "SELECT count(*) FROM lakehouse.retail.city")
	if err != nil || !strings.Contains(plan, "UNGROUPED_AGGREGATE") {
		t.Errorf("explain: %v\n%s", err, plan)
	}
}
