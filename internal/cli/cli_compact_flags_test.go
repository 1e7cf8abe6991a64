package cli

import (
	"strings"
	"testing"
)

// The delete thresholds of compaction reach the option parser from the CLI.
func TestCompactDeleteThresholdFlags(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	bad := flare(t, "table", "compact", "lakehouse.retail.city", "--delete-ratio-threshold", "lots")
	if bad.code != 2 || !strings.Contains(bad.stderr, "delete-ratio-threshold") {
		t.Fatalf("bad ratio: exit %d\n%s", bad.code, bad.stderr)
	}
	ok := mustFlare(t, "table", "compact", "lakehouse.retail.city", "--delete-file-threshold", "1", "--dry-run")
	if !strings.Contains(ok.stdout, "dry run") {
		t.Fatalf("dry run output:\n%s", ok.stdout)
	}
}

// The compaction condition is Spark SQL: "AL" is a string, as in Spark
// (DuckDB would read a column named AL).
func TestCompactWhereIsSparkSQL(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	r := mustFlare(t, "table", "compact", "lakehouse.retail.city", "--where", `state_code = "AL" AND city_name <> "x"`, "--rewrite-all", "--dry-run")
	if !strings.Contains(r.stdout, "dry run") {
		t.Fatalf("dry run output:\n%s", r.stdout)
	}
	bad := flare(t, "table", "compact", "lakehouse.retail.city", "--where", "xpath(state_code, 'a')", "--dry-run")
	if bad.code == 0 || !strings.Contains(bad.stderr, "Spark function xpath is not supported") {
		t.Fatalf("refused function: exit %d\n%s", bad.code, bad.stderr)
	}
}
