package plan

import (
	"errors"
	"fmt"
	"testing"

	"github.com/flare-lakehouse/flare/internal/engine"
)

// TestParseSortOrder: a rewrite's sort order, read with the Spark SQL
// lexer, and its mistakes at line:col of the text.
func TestParseSortOrder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a DESC NULLS LAST, b", "[{a true last} {b false }]"},
		{"`Col 1` asc nulls first", "[{Col 1 false first}]"},
		{"population sideways", `1:12: sort order term "population sideways": unexpected "sideways"`},
		{"a,,b", "1:2: sort order term 2 is empty"},
		{"(id, ASC NULLS FIRST).", `1:1: sort order term "(id, ASC NULLS FIRST).": want column`},
		{"ASC", `1:1: sort order term "ASC": want column`},
		{"a NULLS", `1:3: sort order term "a NULLS": unexpected "NULLS"`},
		{"", "1:1: sort order is empty"},
		{"a, 'b", "1:4: "},
	} {
		keys, err := parseSortOrder(tc.in)
		got := fmt.Sprint(keys)
		if err != nil {
			var se *engine.SQLError
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %T, want an *engine.SQLError", tc.in, err)
			}
			got = fmt.Sprintf("%d:%d: %s", se.Line, se.Col, se.Msg)
		}
		if len(got) < len(tc.want) || got[:len(tc.want)] != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}
