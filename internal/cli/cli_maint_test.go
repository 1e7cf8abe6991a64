package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMaintenanceExample runs examples/maintenance/orders.yaml (the example
// in docs/maintenance.md), then the CLI forms of the four actions.
func TestMaintenanceExample(t *testing.T) {
	dir := project(t)
	sum := "SELECT count(*) || '/' || sum(population) FROM lakehouse.retail.city_batches"
	r := mustFlare(t, "run", "examples/maintenance/orders.yaml")
	for _, want := range []string{
		"data files 4 → 1", "snapshots 6 → 2; expire 4; remove 12 files (4 data, 4 manifest, 4 manifest-list)",
		"would remove 0 orphan files",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	rows := scalar(t, sum)
	if !strings.HasPrefix(strings.Trim(rows, `"`), "240/") {
		t.Fatalf("rows after maintenance: %s", rows)
	}
	if f := mustFlare(t, "table", "files", "lakehouse.retail.city_batches").stdout; !strings.Contains(f, "1 files, 240 rows") {
		t.Fatalf("files:\n%s", f)
	}

	// more small appends, then the CLI forms
	mustFlare(t, "run", "examples/maintenance/orders.yaml", "--job", "load")
	snaps := func() int {
		out := mustFlare(t, "table", "snapshots", "retail.city_batches").stdout
		return strings.Count(strings.TrimSpace(out), "\n")
	}
	n := snaps()
	dry := mustFlare(t, "table", "compact", "retail.city_batches", "--dry-run", "--min-input-files", "2")
	if !strings.Contains(dry.stdout, "dry run: data files 5 → 1") || !strings.Contains(dry.stdout, "rewrite data ") {
		t.Fatalf("compact --dry-run:\n%s", dry.stdout)
	}
	if snaps() != n {
		t.Fatal("compact --dry-run committed a snapshot")
	}
	mustFlare(t, "table", "compact", "retail.city_batches", "--min-input-files", "2")
	mustFlare(t, "table", "rewrite-manifests", "retail.city_batches")
	if got := scalar(t, sum); got != strings.Replace(rows, "240/", "480/", 1) && !strings.HasPrefix(strings.Trim(got, `"`), "480/") {
		t.Fatalf("rows after compaction: %s", got)
	}
	exp := mustFlare(t, "table", "expire-snapshots", "retail.city_batches", "--older-than", "0s", "--retain-last", "1")
	if !strings.Contains(exp.stdout, "→ 1;") {
		t.Fatalf("expire-snapshots:\n%s", exp.stdout)
	}

	// an orphan from a crashed write, and a bad location
	orphan := filepath.Join(dir, "lakehouse", "retail", "city_batches", "data", "0000-crashed.parquet")
	writeFile(t, orphan, "not committed")
	old := time.Now().Add(-96 * time.Hour)
	if err := os.Chtimes(orphan, old, old); err != nil {
		t.Fatal(err)
	}
	d := mustFlare(t, "table", "remove-orphans", "retail.city_batches", "--dry-run")
	if !strings.Contains(d.stdout, "would remove 1 orphan files") || !strings.Contains(d.stdout, "0000-crashed.parquet") {
		t.Fatalf("remove-orphans --dry-run:\n%s", d.stdout)
	}
	mustFlare(t, "table", "remove-orphans", "retail.city_batches")
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatal("orphan survived remove-orphans")
	}
	bad := flare(t, "table", "remove-orphans", "retail.city_batches", "--location", dir)
	if bad.code == 0 || !strings.Contains(bad.stderr, "outside the table's location") {
		t.Fatalf("remove-orphans --location outside: exit %d\n%s", bad.code, bad.stderr)
	}
	if got := scalar(t, sum); !strings.HasPrefix(strings.Trim(got, `"`), "480/") {
		t.Fatalf("rows at the end: %s", got)
	}
}

// TestMaintenanceDocShowsTheExample: docs/maintenance.md shows the example
// file the test above runs.
func TestMaintenanceDocShowsTheExample(t *testing.T) {
	d, err := os.ReadFile("../../docs/maintenance.md")
	if err != nil {
		t.Fatal(err)
	}
	e, err := os.ReadFile("../../examples/maintenance/orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d), "```yaml\n"+string(e)+"```") {
		t.Fatal("docs/maintenance.md does not show examples/maintenance/orders.yaml verbatim")
	}
}
