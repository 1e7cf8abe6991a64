package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInputs: manifests, files and arguments a careless or hostile
// user could hand Flare. Each is refused (or, for odd but valid data, read
// without loss) with an error that names what is wrong, and none of them
// changes the table the job writes or writes anything outside the project.
func TestHostileInputs(t *testing.T) {
	dir := project(t)
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, job(cityInput, step("SELECT city_id, state_code, CAST(population AS BIGINT) AS population FROM city_raw"), cityOutput("overwrite")))
	mustFlare(t, "run", good)
	before := scalar(t, "SELECT count(*) || ':' || sum(population) FROM lakehouse.retail.city")
	snaps := snapshotCount(t, "lakehouse.retail.city")

	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	writeFile(t, secret, "city_id,state_code,population\nroot,xx,1\n")
	data := filepath.Join(dir, "examples", "data")
	if err := os.Symlink(secret, filepath.Join(data, "hostile", "link.csv")); err != nil {
		if err := os.MkdirAll(filepath.Join(data, "hostile"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(data, "hostile", "link.csv")); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(data, "hostile", "empty.csv"), "")
	writeFile(t, filepath.Join(data, "hostile", "ragged.csv"), "city_id,state_code,population\nC1,AL,10\nC2,AL,20,oops\nC3,TX,30\n")
	input := func(dataset string) string {
		return `              - name: city_raw
                dataset: ` + dataset + `
                format: csv
                options: {header: true, inferSchema: true}`
	}
	copyStep := step("SELECT city_id, state_code, CAST(population AS BIGINT) AS population FROM city_raw")
	bomb := "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
	for i := 1; i < 9; i++ {
		bomb += "x" + string(rune('0'+i)) + ": &x" + string(rune('0'+i)) + " [*x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + ", *x" + string(rune('0'+i-1)) + "]\n"
	}
	tests := []struct {
		name     string
		manifest string
		args     []string // after the manifest path
		code     int
		want     []string
	}{
		{name: "an address that climbs out of its depot", manifest: job(input("dataos://thirdparty:../../../etc/passwd"), copyStep, cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "escapes its depot"}},
		{name: "a link inside the depot that points out of it", manifest: job(input("dataos://thirdparty:hostile/link.csv"), copyStep, cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "outside"}},
		{name: "a folder whose files include a link out", manifest: job(input("dataos://thirdparty:none/hostile"), copyStep, cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "outside"}},
		{name: "a table name with SQL in it", manifest: job(cityInput, copyStep, `              - {name: city, dataset: "dataos://lakehouse:retail/city;DROP TABLE x"}`),
			code: 2, want: []string{"hostile.yaml:", "city;DROP TABLE x"}},
		{name: "an empty input file", manifest: job(input("dataos://thirdparty:hostile/empty.csv"), copyStep, cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "empty.csv is empty (0 bytes)"}},
		{name: "a ragged row fails the job naming file and line", manifest: job(input("dataos://thirdparty:hostile/ragged.csv"), copyStep, cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "ragged.csv line 3", "expected 3 fields, found 4"}},
		{name: "two outputs overwriting one table", manifest: job(cityInput, copyStep, cityOutput("overwrite")+"\n"+cityOutput("overwrite")),
			code: 2, want: []string{"hostile.yaml:", "both write dataos://lakehouse:retail/city"}},
		{name: "a variable that smuggles in a second statement", manifest: job(cityInput, step("SELECT city_id, state_code, CAST(population AS BIGINT) AS population FROM city_raw WHERE state_code = '${state}'"), cityOutput("overwrite")),
			args: []string{"--var", "state=AL'; COPY (SELECT 1) TO '" + filepath.Join(outside, "leak.csv") + "'; --"},
			code: 2, want: []string{"hostile.yaml:", "one statement only"}},
		{name: "a YAML alias bomb", manifest: bomb + strings.Replace(job(cityInput, copyStep, cityOutput("overwrite")), "type: workflow", "type: workflow\ntags: *x8", 1),
			code: 2, want: []string{"hostile.yaml:"}},
		{name: "duplicate keys", manifest: strings.Replace(job(cityInput, copyStep, cityOutput("overwrite")), "type: workflow", "type: workflow\ntype: workflow", 1),
			code: 2, want: []string{"hostile.yaml:", "type"}},
		{name: "not YAML at all", manifest: "\x00\x01\x02\xff binary", code: 2, want: []string{"hostile.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "hostile.yaml")
			writeFile(t, p, tc.manifest)
			r := flare(t, append([]string{"run", p}, tc.args...)...)
			t.Logf("stderr: %s", r.stderr)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "root") {
				t.Errorf("the file outside the depot was read:\n%s%s", r.stdout, r.stderr)
			}
			if got := scalar(t, "SELECT count(*) || ':' || sum(population) FROM lakehouse.retail.city"); got != before {
				t.Fatalf("table changed: %s, was %s", got, before)
			}
			if n := snapshotCount(t, "lakehouse.retail.city"); n != snaps {
				t.Fatalf("snapshots = %d, was %d", n, snaps)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(outside, "leak.csv")); err == nil {
		t.Fatal("a file was written outside the project")
	}
}
