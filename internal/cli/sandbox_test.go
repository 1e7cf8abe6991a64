package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLStaysInItsDepots: SQL in a manifest or a command can only read, and
// only files in the depots' folders. Each hostile case is refused with a
// clear error, and nothing is written outside the project.
func TestSQLStaysInItsDepots(t *testing.T) {
	dir := project(t)
	mustFlare(t, "run", "examples/city/ingest.yaml")
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	writeFile(t, secret, "user,password\nroot,hunter2\n")
	leak := filepath.Join(outside, "leak.csv")
	stepJob := func(sql string) string {
		return job(cityInput, step(sql), `              - {name: city, dataset: "dataos://lakehouse:retail/sandbox"}`)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"flare sql reading a local file", []string{"sql", "SELECT * FROM read_csv('" + secret + "')"}, 1, "outside the depots"},
		{"flare sql reading a file with read_text", []string{"sql", "SELECT content FROM read_text('/etc/passwd')"}, 1, "outside the depots"},
		{"flare sql writing a file", []string{"sql", "COPY (SELECT 1) TO '" + leak + "'"}, 2, `expected a query (SELECT, WITH, FROM, VALUES), found "COPY"`},
		{"flare sql attaching a database", []string{"sql", "ATTACH '" + filepath.Join(outside, "x.db") + "' AS x"}, 2, `found "ATTACH"`},
		{"flare sql installing an extension", []string{"sql", "INSTALL httpfs"}, 2, `found "INSTALL"`},
		{"flare sql stacking statements", []string{"sql", "SELECT 1; COPY (SELECT 1) TO '" + leak + "'"}, 2, "one statement only"},
		{"a delete condition reading a local file", []string{"table", "delete", "lakehouse.retail.city", "--where",
			"target.city_id IN (SELECT user FROM read_csv('" + secret + "'))"}, 2, "outside the depots"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := flare(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", r.code, tc.code, r.stderr, tc.want)
			}
			if strings.Contains(r.stdout, "hunter2") || strings.Contains(r.stdout, "root:") {
				t.Fatalf("the secret leaked:\n%s", r.stdout)
			}
		})
	}
	manifests := []struct {
		name, manifest, want string
	}{
		{"a step reading a local file", stepJob("SELECT * FROM read_csv('" + secret + "')"), "outside the depots"},
		{"a step with a second statement", stepJob("SELECT * FROM city_raw;\nCOPY (SELECT 1) TO '" + leak + "'"), "one statement only"},
		{"a step that is a COPY", stepJob("COPY city_raw TO '" + leak + "'"), `found "COPY"`},
	}
	for _, tc := range manifests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "hostile.yaml")
			writeFile(t, p, tc.manifest)
			for _, cmd := range []string{"validate", "run"} {
				r := flare(t, cmd, p)
				if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "hostile.yaml:") {
					t.Fatalf("%s: exit %d, stderr:\n%s\nwant exit 2 naming hostile.yaml and %q", cmd, r.code, r.stderr, tc.want)
				}
			}
		})
	}
	if _, err := os.Stat(leak); err == nil {
		t.Fatalf("%s was written", leak)
	}
	if r := flare(t, "sql", "SELECT count(*) FROM lakehouse.retail.sandbox"); r.code == 0 {
		t.Fatalf("a refused job wrote its table:\n%s", r.stdout)
	}
}
