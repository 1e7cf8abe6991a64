package cli

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestZOrderExample runs examples/maintenance/zorder.yaml (the z-order
// example of docs/maintenance.md): the rewrite keeps every row, and a read
// filtering on x and y scans a few of the files, as the page says.
func TestZOrderExample(t *testing.T) {
	project(t)
	r := mustFlare(t, "run", "examples/maintenance/zorder.yaml")
	if !strings.Contains(r.stdout, "data files 8 → ") {
		t.Fatalf("summary lacks the rewrite:\n%s", r.stdout)
	}
	if got := scalar(t, "SELECT count(*) || '/' || sum(x) || '/' || sum(y) FROM lakehouse.geo.points"); got == "" || !strings.HasPrefix(strings.Trim(got, `"`), "400000/") {
		t.Fatalf("rows after the rewrite: %s", got)
	}
	pruned := regexp.MustCompile(`table files pruned.* files=(\d+) of=(\d+)`)
	for _, tc := range []struct {
		where string
		most  float64 // the largest share of the files scanned
	}{
		{"x BETWEEN 100 AND 199 AND y BETWEEN 100 AND 199", 0.15},
		{"y BETWEEN 100 AND 199", 0.4},
	} {
		s := mustFlare(t, "sql", "--log-level", "debug", "SELECT count(*) FROM lakehouse.geo.points WHERE "+tc.where)
		m := pruned.FindStringSubmatch(s.stderr)
		if m == nil {
			t.Fatalf("%s: no pruning logged:\n%s", tc.where, s.stderr)
		}
		hit, _ := strconv.Atoi(m[1])
		all, _ := strconv.Atoi(m[2])
		if all < 40 || float64(hit) > tc.most*float64(all) {
			t.Errorf("%s: %d of %d files scanned, want at most %.0f%% of at least 40", tc.where, hit, all, tc.most*100)
		}
	}
}

// TestZOrderDocShowsTheExample: docs/maintenance.md shows the example the
// test above runs.
func TestZOrderDocShowsTheExample(t *testing.T) {
	d, err := os.ReadFile("../../docs/maintenance.md")
	if err != nil {
		t.Fatal(err)
	}
	e, err := os.ReadFile("../../examples/maintenance/zorder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d), "```yaml\n"+string(e)+"```") {
		t.Fatal("docs/maintenance.md does not show examples/maintenance/zorder.yaml verbatim")
	}
}
