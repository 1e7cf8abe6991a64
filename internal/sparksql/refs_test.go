package sparksql_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

func names(ns []sparksql.Name) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.String())
	}
	return out
}

func TestTables(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		reads   []string
		defines []string
	}{
		{"simple", "SELECT * FROM city", []string{"city"}, nil},
		{"qualified names", "SELECT * FROM lakehouse.retail.city JOIN a.`b c` ON true", []string{"lakehouse.retail.city", "a.b c"}, nil},
		{"comma list", "select * from a x, b AS y ,c", []string{"a", "b", "c"}, nil},
		{"joins", "SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id CROSS JOIN c", []string{"a", "b", "c"}, nil},
		{"subquery in from", "SELECT * FROM (SELECT * FROM inner_v) t, other", []string{"inner_v", "other"}, nil},
		{"subquery in where", "SELECT * FROM a WHERE id IN (SELECT id FROM b) AND EXISTS (select 1 from c)", []string{"a", "b", "c"}, nil},
		{"cte", "WITH x AS (SELECT * FROM a), y (c1) AS (SELECT * FROM x) SELECT * FROM y JOIN b", []string{"a", "b"}, []string{"x", "y"}},
		{"extract from is not a table", "SELECT extract(year FROM ts), trim(BOTH ' ' FROM name), substring(s FROM 2) FROM t", []string{"t"}, nil},
		{"is distinct from", "SELECT * FROM t WHERE a IS NOT DISTINCT FROM b", []string{"t"}, nil},
		{"strings and comments", "SELECT 'FROM nope', \"FROM x\" -- FROM nope2\n/* FROM nope3 */ FROM /*+ BROADCAST(z) */ real_v", []string{"real_v"}, nil},
		{"backticks", "SELECT * FROM `my view` JOIN `other` ON 1=1", []string{"my view", "other"}, nil},
		{"table function", "SELECT * FROM range(10) JOIN read_parquet('x') ON true", nil, nil},
		{"values", "SELECT * FROM VALUES (1), (2) AS t(a)", nil, nil},
		{"cache table", "cache table emp_base", []string{"emp_base"}, nil},
		{"cache table as select", "CACHE TABLE c AS SELECT * FROM src", []string{"src"}, []string{"c"}},
		{"uncache", "UNCACHE TABLE IF EXISTS v", []string{"v"}, nil},
		{"create temp view", "CREATE OR REPLACE TEMP VIEW tv AS SELECT * FROM src", []string{"src"}, []string{"tv"}},
		{"where ends the list", "SELECT * FROM a t WHERE x = 1, 2", []string{"a"}, nil},
		{"lateral view", "SELECT * FROM a LATERAL VIEW explode(arr) e AS x", []string{"a"}, nil},
		{"two statements", "cache table a; SELECT * FROM b", []string{"a", "b"}, nil},
		{"from first", "FROM src SELECT a", []string{"src"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reads, defines, err := sparksql.Tables(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range reads {
				if !strings.Contains(tt.sql[r.Offset:], strings.Split(strings.TrimPrefix(tt.sql[r.Offset:], "`"), "`")[0]) {
					t.Errorf("offset %d of %q does not point at it", r.Offset, r)
				}
			}
			if got := names(reads); !reflect.DeepEqual(got, tt.reads) {
				t.Errorf("reads = %q, want %q", got, tt.reads)
			}
			if got := names(defines); !reflect.DeepEqual(got, tt.defines) {
				t.Errorf("defines = %q, want %q", got, tt.defines)
			}
		})
	}
}

func TestColumns(t *testing.T) {
	toks, err := sparksql.Lex("t.a + nvl(b, 0) > 1 AND c IS NOT NULL AND exists(arr, x -> x > d) AND `e f` = 'g' AND dt > DATE '2020-01-01'")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(sparksql.Columns(toks)), []string{"t.a", "b", "c", "arr", "d", "e f", "dt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q, want %q", got, want)
	}
}

func TestLexAPI(t *testing.T) {
	toks, err := sparksql.Lex("SELECT `a``b`, \"s\\\"t\" -- c\nFROM t WHERE x <=> 1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		if tk.Significant() {
			got = append(got, tk.Kind.String()+":"+tk.Value())
		}
	}
	want := []string{"identifier:SELECT", "quoted identifier:a`b", "punctuation:,", `string:s"t`, "identifier:FROM",
		"identifier:t", "identifier:WHERE", "identifier:x", "operator:<=>", "number:1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tokens = %q\nwant %q", got, want)
	}
	last := toks[len(toks)-1]
	if last.Line != 2 || last.Col != 20 || last.Offset != len("SELECT `a``b`, \"s\\\"t\" -- c\nFROM t WHERE x <=> ") {
		t.Errorf("last token at %d:%d offset %d", last.Line, last.Col, last.Offset)
	}
	parts := sparksql.SplitKeyword(toks, "where")
	if len(parts) != 2 || !strings.HasPrefix(sparksql.Text(parts[1]), "WHERE") {
		t.Errorf("SplitKeyword: %d parts", len(parts))
	}
	args := sparksql.SplitComma(toks[2:5])
	if len(args) != 2 {
		t.Errorf("SplitComma: %d parts", len(args))
	}
}
