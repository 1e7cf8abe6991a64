package manifest

import (
	"reflect"
	"strings"
	"testing"
)

func TestViewRefs(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		reads   []string
		defines []string
	}{
		{"simple", "SELECT * FROM city", []string{"city"}, nil},
		{"qualified names are tables", "SELECT * FROM lakehouse.retail.city JOIN a.b ON true", nil, nil},
		{"comma list", "select * from a x, b AS y ,c", []string{"a", "b", "c"}, nil},
		{"joins", "SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id CROSS JOIN c", []string{"a", "b", "c"}, nil},
		{"subquery in from", "SELECT * FROM (SELECT * FROM inner_v) t, other", []string{"inner_v", "other"}, nil},
		{"subquery in where", "SELECT * FROM a WHERE id IN (SELECT id FROM b) AND EXISTS (select 1 from c)", []string{"a", "b", "c"}, nil},
		{"cte", "WITH x AS (SELECT * FROM a), y (c1) AS (SELECT * FROM x) SELECT * FROM y JOIN b", []string{"a", "b"}, nil},
		{"recursive cte", "WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT * FROM r) SELECT * FROM r", nil, nil},
		{"extract from is not a table", "SELECT extract(year FROM ts), trim(BOTH ' ' FROM name), substring(s FROM 2) FROM t", []string{"t"}, nil},
		{"is distinct from", "SELECT * FROM t WHERE a IS NOT DISTINCT FROM b", []string{"t"}, nil},
		{"strings and comments", "SELECT 'FROM nope', \"x\" -- FROM nope2\n/* FROM nope3 */ FROM /*+ BROADCAST(z) */ real_v", []string{"real_v"}, nil},
		{"quoted identifier", "SELECT * FROM `my view` JOIN \"other\" ON 1=1", []string{"my view", "other"}, nil},
		{"table function", "SELECT * FROM range(10) JOIN read_parquet('x') ON true", nil, nil},
		{"values", "SELECT * FROM VALUES (1), (2) AS t(a)", nil, nil},
		{"cache table", "cache table emp_base", []string{"emp_base"}, nil},
		{"cache lazy table", "CACHE LAZY TABLE v", []string{"v"}, nil},
		{"cache table as select", "CACHE TABLE c AS SELECT * FROM src", []string{"src"}, []string{"c"}},
		{"uncache", "UNCACHE TABLE IF EXISTS v", []string{"v"}, nil},
		{"create temp view", "CREATE OR REPLACE TEMP VIEW tv AS SELECT * FROM src", []string{"src"}, []string{"tv"}},
		{"union", "SELECT * FROM a UNION ALL SELECT * FROM b", []string{"a", "b"}, nil},
		{"where ends the list", "SELECT * FROM a t WHERE x = 1, 2", []string{"a"}, nil},
		{"lateral view", "SELECT * FROM a LATERAL VIEW explode(arr) e AS x", []string{"a"}, nil},
		{"two statements", "cache table a; SELECT * FROM b", []string{"a", "b"}, nil},
		{"window spec", "SELECT sum(x) OVER (PARTITION BY k ORDER BY t) FROM w", []string{"w"}, nil},
		{"incremental placeholder", "SELECT * FROM ctx WHERE t > '$|lo|'", []string{"ctx"}, nil},
		{"from first", "FROM src SELECT a", []string{"src"}, nil},
		{"escaped quote in string", "SELECT 'it''s FROM x' FROM y", []string{"y"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reads, defines := ViewRefs(tt.sql)
			var names []string
			for _, r := range reads {
				names = append(names, r.Name)
				if !strings.Contains(tt.sql[r.Offset:], r.Name) {
					t.Errorf("offset %d of %q does not point at it", r.Offset, r.Name)
				}
			}
			if !reflect.DeepEqual(names, tt.reads) {
				t.Errorf("reads = %q, want %q", names, tt.reads)
			}
			if !reflect.DeepEqual(defines, tt.defines) {
				t.Errorf("defines = %q, want %q", defines, tt.defines)
			}
		})
	}
}

func TestViewRefsOffset(t *testing.T) {
	sql := "SELECT *\nFROM   ordrs o"
	reads, _ := ViewRefs(sql)
	if len(reads) != 1 || reads[0].Offset != strings.Index(sql, "ordrs") {
		t.Fatalf("reads = %+v, want ordrs at %d", reads, strings.Index(sql, "ordrs"))
	}
}
