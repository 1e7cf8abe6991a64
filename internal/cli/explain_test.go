package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestExplainPreviewAndLogLevel(t *testing.T) {
	dir := project(t)
	p := filepath.Join(dir, "explain.yaml")
	m := job(cityInput, step("SELECT state_code, count(*) AS n FROM city_raw GROUP BY state_code"), `              - name: city
                dataset: dataos://lakehouse:retail/by_state`)
	m = strings.Replace(m, "          job:\n", "          job:\n            explain: true\n            showPreviewLines: 3\n", 1)
	writeFile(t, p, m)

	r := mustFlare(t, "run", p)
	if !strings.Contains(r.stderr, "plan of step city") || !strings.Contains(r.stderr, "HASH_GROUP_BY") {
		t.Errorf("explain: true did not print the plan:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "preview of step city") || !strings.Contains(r.stderr, "(3 rows)") {
		t.Errorf("showPreviewLines: 3 did not print 3 rows:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "level=INFO") {
		t.Errorf("no log level asked, yet INFO records were logged:\n%s", r.stderr)
	}
	r = mustFlare(t, "run", p, "--log-level", "debug")
	if !strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("--log-level debug printed no debug records:\n%s", r.stderr)
	}
	bad := flare(t, "run", p, "--log-level", "loud")
	if bad.code != 2 || !strings.Contains(bad.stderr, `unknown log level "loud"`) {
		t.Errorf("bad --log-level: exit %d: %s", bad.code, bad.stderr)
	}
	// logLevel in the manifest applies when no flag is given.
	writeFile(t, p, strings.Replace(m, "explain: true", "logLevel: INFO", 1))
	r = mustFlare(t, "run", p)
	if !strings.Contains(r.stderr, "level=INFO") {
		t.Errorf("logLevel: INFO in the manifest logged no INFO records:\n%s", r.stderr)
	}
}
