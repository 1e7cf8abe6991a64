package quality_test

import (
	"os"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/quality"
)

const docPath = "../../docs/quality.md"

// TestDocsTables keeps the generated tables of docs/quality.md (metrics,
// result columns) equal to the package's declarations; -update rewrites
// them.
func TestDocsTables(t *testing.T) {
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var metrics strings.Builder
	metrics.WriteString("| Metric | Meaning |\n| --- | --- |\n")
	for _, m := range quality.Metrics {
		metrics.WriteString("| `" + m.Name + "` | " + m.Doc + " |\n")
	}
	var cols strings.Builder
	for _, tb := range []struct {
		name string
		cols [][2]string
	}{{quality.DefaultChecksTable, quality.ChecksColumns}, {quality.DefaultMetricsTable, quality.MetricsColumns}} {
		cols.WriteString("`" + tb.name + "`:\n\n| Column | Type |\n| --- | --- |\n")
		for _, c := range tb.cols {
			cols.WriteString("| `" + c[0] + "` | " + c[1] + " |\n")
		}
		cols.WriteString("\n")
	}
	changed := false
	for _, part := range []struct{ name, text string }{{"metrics", metrics.String()}, {"columns", cols.String()}} {
		begin := strings.Index(doc, "<!-- "+part.name+":begin")
		end := strings.Index(doc, "<!-- "+part.name+":end -->")
		if begin < 0 || end < begin {
			t.Fatalf("%s lacks the %s:begin/end markers", docPath, part.name)
		}
		begin += strings.Index(doc[begin:], "\n") + 1
		if doc[begin:end] != part.text {
			doc = doc[:begin] + part.text + doc[end:]
			changed = true
		}
	}
	if !changed {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("tables in %s are out of date: run go test ./internal/quality -run TestDocsTables -update", docPath)
}
