package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// job renders a one-job workflow manifest around the given inputs, steps
// and outputs (YAML lists, indented by the caller at 12 spaces).
func job(inputs, steps, outputs string) string {
	return `version: v1
name: wf-test
type: workflow
workflow:
  dag:
    - name: test-job
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
` + inputs + `
            steps:
` + steps + `
            outputs:
` + outputs + "\n"
}

const cityInput = `              - name: city_raw
                dataset: dataos://thirdparty:city/city.csv
                format: csv
                options: {header: true, inferSchema: true}`

func cityOutput(mode string) string {
	return `              - name: city
                dataset: dataos://lakehouse:retail/city
                format: iceberg
                options: {saveMode: ` + mode + `}`
}

func step(sql string) string {
	return `              - sequence:
                  - name: city
                    sql: |
` + indent(sql, 22)
}

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func snapshotCount(t *testing.T, table string) int {
	t.Helper()
	r := mustFlare(t, "table", "snapshots", table)
	return strings.Count(strings.TrimSpace(r.stdout), "\n")
}

func TestFailuresLeaveTableUnchanged(t *testing.T) {
	dir := project(t)
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, job(cityInput, step("SELECT city_id, state_code, CAST(population AS BIGINT) AS population FROM city_raw"), cityOutput("overwrite")))
	mustFlare(t, "run", good)
	before := scalar(t, "SELECT count(*) || ':' || sum(population) FROM lakehouse.retail.city")
	snaps := snapshotCount(t, "lakehouse.retail.city")

	tests := []struct {
		name     string
		manifest string
		code     int
		want     []string // substrings of stderr
	}{
		{
			// Refused when compiled: nothing runs (exit 2, a bad manifest).
			name:     "bad SQL names file, line, job and step",
			manifest: job(cityInput, step("SELECT city_id,\n       no_such_column\nFROM city_raw"), cityOutput("overwrite")),
			code:     2,
			want:     []string{"bad.yaml:", "job test-job, step city", "no_such_column"},
		},
		{
			name:     "a row that fails a cast midway commits nothing",
			manifest: job(cityInput, step("SELECT city_id, state_code,\n  CASE WHEN city_id = 'C0200' THEN CAST('x' AS BIGINT) ELSE CAST(population AS BIGINT) END AS population\nFROM city_raw"), cityOutput("overwrite")),
			code:     1,
			want:     []string{"output city", "Conversion Error"},
		},
		{
			name:     "append with a mismatched schema names the columns",
			manifest: job(cityInput, step("SELECT city_id, state_code, CAST(population AS VARCHAR) AS population, 1 AS extra FROM city_raw"), cityOutput("append")),
			code:     1,
			want:     []string{"output city", "population", "extra"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.yaml")
			writeFile(t, p, tt.manifest)
			r := flare(t, "run", p)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if got := scalar(t, "SELECT count(*) || ':' || sum(population) FROM lakehouse.retail.city"); got != before {
				t.Fatalf("table changed: %s, was %s", got, before)
			}
			if n := snapshotCount(t, "lakehouse.retail.city"); n != snaps {
				t.Fatalf("snapshots = %d, was %d", n, snaps)
			}
		})
	}
	// No staged data file of the failed writes stays behind.
	files := mustFlare(t, "table", "files", "lakehouse.retail.city").stdout
	onDisk := 0
	filepath.WalkDir(filepath.Join(dir, "lakehouse"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") && strings.Contains(p, filepath.Join("retail", "city")) {
			onDisk++
		}
		return nil
	})
	if listed := strings.Count(files, ".parquet"); listed != onDisk {
		t.Errorf("%d parquet files on disk, %d in the table: staged files were left behind", onDisk, listed)
	}
}

func TestSQLErrorPosition(t *testing.T) {
	dir := project(t)
	p := filepath.Join(dir, "pos.yaml")
	writeFile(t, p, job(cityInput, step("SELECT city_id,\n       no_such_column\nFROM city_raw"), cityOutput("overwrite")))
	r := flare(t, "run", p)
	// The error must point at the manifest line that holds the bad column.
	lines := strings.Split(job(cityInput, step("SELECT city_id,\n       no_such_column\nFROM city_raw"), cityOutput("overwrite")), "\n")
	wantLine := 0
	for i, l := range lines {
		if strings.Contains(l, "no_such_column") {
			wantLine = i + 1
		}
	}
	if !regexp.MustCompile(`pos\.yaml:` + strconv.Itoa(wantLine) + `:\d+: job test-job, step city`).MatchString(r.stderr) {
		t.Fatalf("want position pos.yaml:%d in:\n%s", wantLine, r.stderr)
	}
}

func TestInvalidManifests(t *testing.T) {
	dir := project(t)
	tests := []struct {
		name, manifest string
		want           []string
	}{
		{"bad YAML", "version: v1\nname: [unclosed\n", []string{"bad.yaml:"}},
		{"unknown depot", job(`              - {name: city_raw, dataset: "dataos://nosuch:city/city.csv", format: csv}`, step("SELECT * FROM city_raw"), cityOutput("overwrite")),
			[]string{"bad.yaml:", "unknown depot \"nosuch\"", "known depots:", "thirdparty"}},
		{"escaping address", job(`              - {name: city_raw, dataset: "dataos://thirdparty:city/../../../flare.yaml", format: csv}`, step("SELECT * FROM city_raw"), cityOutput("overwrite")),
			[]string{"bad.yaml:", "escapes its depot"}},
		{"savemode typo", strings.Replace(job(cityInput, step("SELECT * FROM city_raw"), cityOutput("overwrite")), "saveMode", "savemode", 1),
			[]string{"bad.yaml:", "savemode", "saveMode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.yaml")
			writeFile(t, p, tt.manifest)
			for _, cmd := range []string{"validate", "run"} {
				r := flare(t, cmd, p)
				if r.code != 2 {
					t.Fatalf("%s: exit %d, want 2\n%s", cmd, r.code, r.stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%s: stderr lacks %q:\n%s", cmd, w, r.stderr)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "lakehouse", "retail")); err == nil {
				t.Errorf("an invalid manifest wrote to the lakehouse")
			}
		})
	}
}

func TestFailedJobSkipsDependents(t *testing.T) {
	dir := project(t)
	p := filepath.Join(dir, "dag.yaml")
	writeFile(t, p, `version: v1
name: wf-dag
type: workflow
workflow:
  dag:
    - name: broken
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
`+cityInput+`
            steps:
              - sequence:
                  - {name: city, sql: "SELECT CAST(city_name AS INT) AS n FROM city_raw"}
            outputs:
              - {name: city, dataset: "dataos://lakehouse:retail/broken"}
    - name: after-broken
      dependencies: broken
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: b, dataset: "dataos://lakehouse:retail/broken"}
            outputs:
              - {name: b, dataset: "dataos://lakehouse:retail/after"}
    - name: independent
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
`+cityInput+`
            outputs:
              - {name: city_raw, dataset: "dataos://lakehouse:retail/independent"}
`)
	r := flare(t, "run", p)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"broken", "failed", "after-broken", "skipped", "independent", "succeeded", "1 of 3 jobs succeeded"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.independent"); got != "240" {
		t.Errorf("independent job rows = %s", got)
	}
}
