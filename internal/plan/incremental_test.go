package plan_test

import (
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/plan"
)

// TestSubstitute: $|name| is replaced as text, wherever it stands; a name
// without a value is an error naming it; other dollar signs stay.
func TestSubstitute(t *testing.T) {
	values := map[string]string{"start": "2020-01-01 00:00:00", "n": "10", "empty": ""}
	for _, c := range []struct{ in, want, err string }{
		{"select * from t where ts > '$|start|'", "select * from t where ts > '2020-01-01 00:00:00'", ""},
		{"id > $|n| AND id <= $|n| + 5", "id > 10 AND id <= 10 + 5", ""},
		{"x = '$|empty|'", "x = ''", ""},
		{"price > 5 AND s = '$' AND t = '$|' AND u = '||'", "price > 5 AND s = '$' AND t = '$|' AND u = '||'", ""},
		{"ts <= '$|end|'", "", "$|end| names no key"},
	} {
		got, err := plan.Substitute(c.in, values)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: err = %v, want %q", c.in, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
