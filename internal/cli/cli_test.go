package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// project makes a temporary project folder with the repository's examples
// and flare.yaml, and makes it the working directory.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, "../../examples", filepath.Join(dir, "examples"))
	data, err := os.ReadFile("../../flare.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "flare.yaml"), string(data))
	t.Chdir(dir)
	return dir
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			if d.Name() == "exports" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

func flare(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func mustFlare(t *testing.T, args ...string) result {
	t.Helper()
	r := flare(t, args...)
	if r.code != 0 {
		t.Fatalf("flare %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// scalar runs a one-value query and returns the value as text.
func scalar(t *testing.T, query string) string {
	t.Helper()
	r := mustFlare(t, "sql", "--format", "csv", query)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("query %q: want one row, got:\n%s", query, r.stdout)
	}
	return lines[1]
}

func TestRunCityExample(t *testing.T) {
	dir := project(t)
	r := mustFlare(t, "run", "examples/city/ingest.yaml")
	if !strings.Contains(r.stdout, "2 of 2 jobs succeeded") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	for _, want := range []string{"city-ingest", "dataos://lakehouse:retail/city", "240"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "step city") || !strings.Contains(r.stderr, "output city") {
		t.Errorf("progress lacks step/output lines:\n%s", r.stderr)
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city"); got != "240" {
		t.Fatalf("rows = %s", got)
	}
	// The CSV has 240 data lines; the table holds each city once.
	if got := scalar(t, "SELECT count(DISTINCT city_id) FROM icebase.retail.city"); got != "240" {
		t.Fatalf("distinct ids = %s", got)
	}
	if got := scalar(t, "SELECT sum(cities) FROM lakehouse.retail.state_population"); got != "240" {
		t.Fatalf("second job: sum(cities) = %s", got)
	}
	export, err := os.ReadFile(filepath.Join(dir, "examples/data/exports/state_population.csv"))
	if err != nil {
		t.Fatalf("csv export: %v", err)
	}
	if lines := strings.Count(string(export), "\n"); lines < 2 {
		t.Fatalf("export has %d lines", lines)
	}

	d := mustFlare(t, "table", "describe", "lakehouse.retail.city")
	for _, want := range []string{"state_code", "population", "identity", "Title:       City", "Tags:        Connect, City", "write.metadata.compression-codec = gzip"} {
		if !strings.Contains(d.stdout, want) {
			t.Errorf("describe lacks %q:\n%s", want, d.stdout)
		}
	}
	files := mustFlare(t, "table", "files", "retail.city")
	if !strings.Contains(files.stdout, "240 rows") || !strings.Contains(files.stdout, "state_code=") {
		t.Errorf("files:\n%s", files.stdout)
	}
	list := mustFlare(t, "table", "list")
	if !strings.Contains(list.stdout, "lakehouse.retail.city") || !strings.Contains(list.stdout, "lakehouse.retail.state_population") {
		t.Errorf("list:\n%s", list.stdout)
	}

	// A second full refresh replaces the rows and adds one snapshot.
	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city"); got != "240" {
		t.Fatalf("rows after overwrite = %s", got)
	}
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.retail.city")
	if n := strings.Count(strings.TrimSpace(snaps.stdout), "\n"); n != 2 {
		t.Fatalf("want 2 snapshots:\n%s", snaps.stdout)
	}
}

func TestSQLFormats(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	q := "SELECT city_id, population FROM lakehouse.retail.city WHERE city_id IN ('C0001','C0002') ORDER BY city_id"
	tbl := mustFlare(t, "sql", q).stdout
	if !strings.Contains(tbl, "city_id │ population") || !strings.Contains(tbl, "(2 rows)") {
		t.Errorf("table format:\n%s", tbl)
	}
	js := mustFlare(t, "sql", "--format", "json", q).stdout
	lines := strings.Split(strings.TrimSpace(js), "\n")
	if len(lines) != 2 {
		t.Fatalf("json lines:\n%s", js)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row["city_id"] != "C0001" || row["population"] != float64(1712) {
		t.Fatalf("json row %q: %v %v", lines[0], row, err)
	}
	csv := mustFlare(t, "sql", "-f", "csv", q).stdout
	if !strings.HasPrefix(csv, "city_id,population\nC0001,1712\n") {
		t.Errorf("csv:\n%s", csv)
	}
	// --manifest makes the job's inputs queryable without running it.
	m := mustFlare(t, "sql", "--manifest", "examples/city/ingest.yaml", "--job", "city-ingest", "-f", "csv", "SELECT count(*) AS n FROM city_raw")
	if m.stdout != "n\n240\n" {
		t.Errorf("sql --manifest: %q", m.stdout)
	}
	bad := flare(t, "sql", "--format", "xml", "SELECT 1")
	if bad.code != 2 || !strings.Contains(bad.stderr, "table, csv, json") {
		t.Errorf("bad format: %d %s", bad.code, bad.stderr)
	}
}
