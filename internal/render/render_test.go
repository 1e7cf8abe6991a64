package render

import (
	"bytes"
	"strings"
	"testing"
	"time"
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
			"───┼──────┼────────────┼─────────────────────┼───────\n" +
			"1  │ Åre  │ 2024-03-01 │ 2024-03-01 00:00:00 │ [a, b]\n" +
			"22 │ NULL │ 2024-03-02 │ 2024-03-01 01:30:00 │ NULL\n(2 rows)\n"},
		{"csv", "id,name,day,ts,tags\n1,Åre,2024-03-01,2024-03-01 00:00:00,\"[a, b]\"\n22,,2024-03-02,2024-03-01 01:30:00,\n"},
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
