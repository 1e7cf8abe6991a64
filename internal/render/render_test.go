package render

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

func sample() Result {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return Result{
		Columns: []string{"id", "name", "day", "ts", "tags"},
		Types:   []string{"BIGINT", "VARCHAR", "DATE", "TIMESTAMP", "VARCHAR[]"},
		Rows: [][]any{
			{int64(1), "Åre", day, day, []any{"a", "b"}},
			{int64(22), nil, day.AddDate(0, 0, 1), day.Add(90 * time.Minute), nil},
		},
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ format, want string }{
		{"table", "id │ name │ day        │ ts                  │ tags\n" +
			"───┼──────┼────────────┼─────────────────────┼──────────\n" +
			"1  │ Åre  │ 2024-03-01 │ 2024-03-01 00:00:00 │ [\"a\",\"b\"]\n" +
			"22 │ NULL │ 2024-03-02 │ 2024-03-01 01:30:00 │ NULL\n(2 rows)\n"},
		{"csv", "id,name,day,ts,tags\n1,Åre,2024-03-01,2024-03-01 00:00:00,\"[\"\"a\"\",\"\"b\"\"]\"\n22,,2024-03-02,2024-03-01 01:30:00,\n"},
		{"json", `{"id":1,"name":"Åre","day":"2024-03-01","ts":"2024-03-01 00:00:00","tags":["a","b"]}` + "\n" +
			`{"id":22,"name":null,"day":"2024-03-02","ts":"2024-03-01 01:30:00","tags":null}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.format, sample()); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tt.want)
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "xml", sample()); err == nil || !strings.Contains(err.Error(), "table, csv, json") {
		t.Errorf("unknown format: %v", err)
	}
}

// TestSparkValues checks that values print as Spark's SQL shell prints them.
func TestSparkValues(t *testing.T) {
	m := duckdb.OrderedMap{}
	m.Set(int32(1), "a")
	m.Set(int32(2), nil)
	day := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		typ  string
		v    any
		want string
	}{
		{"binary is UTF-8 text", "BLOB", []byte("Spark"), "Spark"},
		{"invalid UTF-8 is replaced", "BLOB", []byte{0x61, 0xC2, 0x62}, "a\uFFFDb"},
		{"struct in field order", `STRUCT(b INTEGER, "a x" VARCHAR)`, map[string]any{"a x": "s", "b": int32(1)}, `{"b":1,"a x":"s"}`},
		{"map in key order", "MAP(INTEGER, VARCHAR)", m, `{1:"a",2:null}`},
		{"list of dates", "DATE[]", []any{day, day.AddDate(0, 1, 0)}, "[2018-01-01,2018-02-01]"},
		{"nested", "STRUCT(a INTEGER[], m MAP(VARCHAR, DOUBLE))[]", []any{map[string]any{"a": []any{int32(1)}, "m": duckdb.OrderedMap{}}}, `[{"a":[1],"m":{}}]`},
		{"year-month interval", "INTERVAL", duckdb.Interval{Months: -11}, "-0-11"},
		{"day-time interval", "INTERVAL", duckdb.Interval{Days: 1, Micros: 45001001001}, "1 12:30:01.001001000"},
		{"calendar interval", "INTERVAL", duckdb.Interval{Months: 1211, Days: 8, Micros: 45001001001}, "100 years 11 months 8 days 12 hours 30 minutes 1.001001 seconds"},
		{"decimal keeps its scale", "DECIMAL(5,2)", duckdb.Decimal{Width: 5, Scale: 2, Value: big.NewInt(45400)}, "454.00"},
		{"double", "DOUBLE", 3.0, "3.0"},
		{"small double", "DOUBLE", 0.0001, "1.0E-4"},
		{"large double", "DOUBLE", 1.5e10, "1.5E10"},
		{"double in a list", "DOUBLE[]", []any{1.0, 2.5}, "[1.0,2.5]"},
		{"negative decimal below one", "DECIMAL(5,3)", duckdb.Decimal{Width: 5, Scale: 3, Value: big.NewInt(-5)}, "-0.005"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cell(parseType(tt.typ), tt.v); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
