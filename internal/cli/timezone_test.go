package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSessionTimeZone: spark.sql.session.timeZone sets the job's session
// zone (from_unixtime shows the instant in it); without it the zone is UTC.
func TestSessionTimeZone(t *testing.T) {
	dir := project(t)
	p := filepath.Join(dir, "tz.yaml")
	m := job(cityInput, step("SELECT from_unixtime(0) AS t FROM city_raw LIMIT 1"), cityOutput("overwrite"))
	for _, tc := range []struct{ conf, want string }{
		{"", "1970-01-01 00:00:00"},
		{"            sparkConf:\n              - spark.sql.session.timeZone: America/Los_Angeles\n", "1969-12-31 16:00:00"},
	} {
		writeFile(t, p, strings.Replace(m, "          job:\n", "          job:\n"+tc.conf, 1))
		mustFlare(t, "run", p)
		if got := scalar(t, "SELECT t FROM lakehouse.retail.city"); got != tc.want {
			t.Errorf("sparkConf %q: from_unixtime(0) = %q, want %q", strings.TrimSpace(tc.conf), got, tc.want)
		}
	}
}
