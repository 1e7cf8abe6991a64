package cli

import (
	"os"
	"strings"
	"testing"
)

// TestPartitionEvolutionExample runs examples/partitioning (docs/partitioning.md):
// month(ts) -> day(ts) + identity(state) by a write, then by the CLI, and
// checks that filtered queries return the same rows as unprunable ones.
func TestPartitionEvolutionExample(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/partitioning/clickstream.yaml")
	specs := mustFlare(t, "table", "partition", "lakehouse.web.clicks").stdout
	for _, want := range []string{"  spec 0: month(ts) AS ts_month (3 data files)", "* spec 1: day(ts) AS ts_day, identity(state) AS state (60 data files)"} {
		if !strings.Contains(specs, want) {
			t.Errorf("partition lacks %q:\n%s", want, specs)
		}
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.web.clicks"); got != "242" {
		t.Fatalf("rows = %s", got)
	}
	// flare sql prunes by the WHERE; count(*) FILTER cannot prune: same answer.
	queries := []struct{ where, want string }{
		{"ts >= '2024-02-10' AND ts < '2024-02-11'", "2"},                    // old spec
		{"ts >= TIMESTAMP '2024-04-03 00:00:00' AND ts < '2024-04-04'", "2"}, // new spec
		{"ts BETWEEN '2024-03-31' AND '2024-04-01 23:59:59'", "4"},           // both
		{"state = 'NY' AND ts >= '2024-04-01'", "15"},
		{"customer_id IN (101, 102)", ""},
	}
	for _, q := range queries {
		pruned := scalar(t, "SELECT count(*) FROM lakehouse.web.clicks WHERE "+q.where)
		full := scalar(t, "SELECT count(*) FILTER (WHERE "+q.where+") FROM lakehouse.web.clicks")
		if pruned != full || q.want != "" && pruned != q.want {
			t.Errorf("%s: pruned %s, unpruned %s, want %s", q.where, pruned, full, q.want)
		}
	}
	// Bucketing: an equality on the bucket column reads one bucket's rows.
	b := mustFlare(t, "table", "files", "lakehouse.web.clicks_by_customer").stdout
	if !strings.Contains(b, "8 files, 242 rows") || !strings.Contains(b, "customer_id_bucket=7") {
		t.Errorf("bucketed files:\n%s", b)
	}
	if got, full := scalar(t, "SELECT count(*) FROM lakehouse.web.clicks_by_customer WHERE customer_id = 101"),
		scalar(t, "SELECT count(*) FILTER (WHERE customer_id = 101) FROM lakehouse.web.clicks_by_customer"); got != full || got == "0" {
		t.Errorf("bucket lookup %s, full scan %s", got, full)
	}

	// The CLI form: replace, add, drop.
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"--set", "month(ts)"}, "partition spec day(ts) AS ts_day, identity(state) AS state -> month(ts) AS ts_month"},
		{[]string{"--set", "month(ts)"}, "nothing changed"},
		{[]string{"--add", "bucket(4, customer_id)"}, "-> month(ts) AS ts_month, bucket[4](customer_id) AS customer_id_bucket"},
		{[]string{"--drop", "ts_month"}, "-> bucket[4](customer_id) AS customer_id_bucket"},
		{[]string{"--unpartitioned"}, "-> (unpartitioned)"},
	}
	for _, s := range steps {
		r := mustFlare(t, append([]string{"table", "partition", "lakehouse.web.clicks"}, s.args...)...)
		if !strings.Contains(r.stdout, s.want) {
			t.Errorf("partition %v: %s, want %q", s.args, r.stdout, s.want)
		}
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.web.clicks WHERE state = 'NY'"); got != scalar(t, "SELECT count(*) FILTER (WHERE state = 'NY') FROM lakehouse.web.clicks") {
		t.Errorf("rows after evolutions: %s", got)
	}

	failures := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--set", "week(ts)"}, 2, "unknown transform week"},
		{[]string{"--set", "day(nope)"}, 1, "partition column nope is not a column of the table"},
		{[]string{"--drop", "ts_hour"}, 1, "not partitioned"},
		{[]string{"--set", "day(ts)", "--add", "state"}, 2, "use --set or --unpartitioned alone"},
	}
	for _, f := range failures {
		r := flare(t, append([]string{"table", "partition", "lakehouse.web.clicks"}, f.args...)...)
		if r.code != f.code || !strings.Contains(r.stderr, f.want) {
			t.Errorf("partition %v: exit %d, stderr %s; want exit %d and %q", f.args, r.code, r.stderr, f.code, f.want)
		}
	}
}

// TestColumnTagsExample runs examples/tags (docs/column-tags.md).
func TestColumnTagsExample(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/tags/contacts.yaml")
	d := mustFlare(t, "table", "describe", "lakehouse.crm.contacts").stdout
	for _, want := range []string{"email        string  true           PII, PII.Email", "addr_city    string  true           PII.Address", `flare.column-tags = {"2":["PII"]`} {
		if !strings.Contains(d, want) {
			t.Errorf("describe lacks %q:\n%s", want, d)
		}
	}
	list := mustFlare(t, "table", "list", "--tag", "PII").stdout
	if want := "lakehouse.crm.contacts  name    PII\nlakehouse.crm.contacts  email   PII, PII.Email\nlakehouse.crm.contacts  phone   PII\n"; !strings.HasSuffix(list, want) {
		t.Errorf("list --tag PII:\n%s", list)
	}
	if l := mustFlare(t, "table", "list", "--tag", "CRM").stdout; !strings.Contains(l, "lakehouse.crm.contacts  -") {
		t.Errorf("list --tag CRM (a dataset tag):\n%s", l)
	}
	if l := mustFlare(t, "table", "list", "--tag", "pii").stdout; strings.Contains(l, "contacts") {
		t.Errorf("tags are case-sensitive:\n%s", l)
	}

	mustFlare(t, "table", "tag", "lakehouse.crm.contacts", "state", "Geo", "PII")
	mustFlare(t, "table", "untag", "lakehouse.crm.contacts", "email", "PII")
	if r := mustFlare(t, "table", "untag", "lakehouse.crm.contacts", "phone"); !strings.Contains(r.stdout, "column phone: -") {
		t.Errorf("untag all: %s", r.stdout)
	}
	list = mustFlare(t, "table", "list", "--tag", "PII").stdout
	if strings.Contains(list, "email") || strings.Contains(list, "phone") || !strings.Contains(list, "state   Geo, PII") {
		t.Errorf("after tag/untag:\n%s", list)
	}
	// A rerun adds the manifest's tags again (tags are sticky sets) and keeps the CLI's.
	mustFlare(t, "run", "examples/tags/contacts.yaml")
	js := mustFlare(t, "table", "describe", "--json", "lakehouse.crm.contacts").stdout
	for _, want := range []string{`"email": [`, `"PII.Email"`, `"state": [`, `"Geo"`} {
		if !strings.Contains(js, want) {
			t.Errorf("describe --json lacks %s:\n%s", want, js)
		}
	}

	for _, f := range []struct {
		args []string
		want string
	}{
		{[]string{"tag", "lakehouse.crm.contacts", "nope", "PII"}, "no column nope"},
		{[]string{"tag", "lakehouse.crm.missing", "email", "PII"}, "no such table"},
	} {
		if r := flare(t, append([]string{"table"}, f.args...)...); r.code == 0 || !strings.Contains(r.stderr, f.want) {
			t.Errorf("%v: exit %d, stderr %s", f.args, r.code, r.stderr)
		}
	}
	// A columnTags entry naming a missing column is refused before anything
	// runs, and the error says where.
	writeFile(t, "bad.yaml", strings.Replace(mustRead(t, "examples/tags/contacts.yaml"), "columnName: tier", "columnName: tiers", 1))
	if r := flare(t, "run", "bad.yaml"); r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:36:21") || !strings.Contains(r.stderr, "no column tiers in the output") {
		t.Errorf("bad columnTags: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestCachingExample runs examples/caching (docs/caching.md).
func TestCachingExample(t *testing.T) {
	project(t)
	r := mustFlare(t, "run", "examples/caching/clicks.yaml")
	if !strings.Contains(r.stdout, "1 of 1 jobs succeeded") {
		t.Fatalf("run:\n%s", r.stdout)
	}
	if got := scalar(t, "SELECT sum(clicks) FROM lakehouse.web.clicks_by_state"); got != scalar(t, "SELECT sum(clicks) FROM lakehouse.web.clicks_by_month") || got == "0" {
		t.Errorf("outputs disagree: %s", got)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
