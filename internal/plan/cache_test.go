package plan

import "testing"

func TestParseCacheSQL(t *testing.T) {
	cases := []struct {
		sql  string
		ok   bool
		want cacheStatement
	}{
		{sql: "cache table city", ok: true, want: cacheStatement{view: "city"}},
		{sql: "  CACHE LAZY TABLE `my view`;  ", ok: true, want: cacheStatement{view: "my view"}},
		{sql: "uncache table if exists city", ok: true, want: cacheStatement{uncache: true, ifExists: true, view: "city"}},
		{sql: "cache table c AS select * from city", ok: true, want: cacheStatement{view: "c", query: "select * from city", queryOff: 17}},
		{sql: "cache table c options ('storageLevel' 'DISK_ONLY') select 1", ok: true, want: cacheStatement{view: "c", query: "select 1", queryOff: 51}},
		{sql: "cache table c\n  -- the recent ones\n  WITH r AS (SELECT 1) SELECT * FROM r;", ok: true, want: cacheStatement{view: "c", query: "WITH r AS (SELECT 1) SELECT * FROM r", queryOff: 37}},
		{sql: "select * from cache", ok: false},
		{sql: "cache city", ok: false},
		{sql: "cache table c insert into x values (1)", ok: false},
		{sql: "cache table if city", ok: false},
		{sql: "cache table 'unterminated", ok: false},
	}
	for _, tc := range cases {
		t.Run(tc.sql, func(t *testing.T) {
			got, ok := parseCacheSQL(tc.sql)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if ok && got.query != "" && tc.sql[got.queryOff:got.queryOff+len(got.query)] != got.query {
				t.Errorf("queryOff %d does not point at the query", got.queryOff)
			}
		})
	}
}
