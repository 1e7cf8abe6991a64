package cli

import (
	"os"
	"strings"
	"testing"
)

// TestMergeExample runs examples/merge/customers.yaml (the example in
// docs/merge.md) twice: the load job resets the table, so the merge gives
// the same rows each time.
func TestMergeExample(t *testing.T) {
	project(t)
	want := "1:London,2:Wilmslow,3:Arlington,4:Hampton,5:Austin,6:Erlangen,8:Paris,9:Paris,10:Clermont,11:Stanford,12:Boston"
	q := "SELECT string_agg(customer_id || ':' || city, ',' ORDER BY customer_id) FROM lakehouse.crm.customers"
	for run := 1; run <= 2; run++ {
		r := mustFlare(t, "run", "examples/merge/customers.yaml")
		if !strings.Contains(r.stdout, "2 updated, 2 inserted, 1 deleted; 3 of 4 files rewritten (copy-on-write)") {
			t.Errorf("run %d summary:\n%s", run, r.stdout)
		}
		if got := scalar(t, q); got != `"`+want+`"` && got != want {
			t.Fatalf("run %d rows:\n got %s\nwant %s", run, got, want)
		}
	}
	if got := scalar(t, "SELECT email FROM lakehouse.crm.customers WHERE customer_id = 2"); got != "alan.turing@example.org" {
		t.Errorf("updated email = %s", got)
	}
	// untouched columns keep their values on update
	if got := scalar(t, "SELECT name FROM lakehouse.crm.customers WHERE customer_id = 3"); got != "Grace Hopper" {
		t.Errorf("name of an updated row = %s", got)
	}
}

// TestMergeFailurePaths: a merge into a missing table, and a source with a
// duplicate key, fail the job, name the table and commit nothing.
func TestMergeFailurePaths(t *testing.T) {
	dir := project(t)
	missing := strings.ReplaceAll(readExample(t, dir, "examples/merge/customers.yaml"), "crm/customers?acl=rw", "crm/nowhere?acl=rw")
	writeFile(t, dir+"/examples/merge/missing.yaml", missing)
	r := flare(t, "run", "examples/merge/missing.yaml", "--job", "customers-merge")
	if r.code == 0 || !strings.Contains(r.stderr, "crm.nowhere") || !strings.Contains(r.stderr, "needs an existing table") {
		t.Errorf("merge into a missing table: exit %d\n%s", r.code, r.stderr)
	}

	mustFlare(t, "run", "examples/merge/customers.yaml", "--job", "customers-load")
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.crm.customers").stdout
	writeFile(t, dir+"/examples/data/customers/changes.csv",
		"customer_id,name,email,city,country,updated_at,op\n2,A,a@x,X,GB,2024-03-01,upsert\n2,B,b@x,Y,GB,2024-03-01,upsert\n")
	r = flare(t, "run", "examples/merge/customers.yaml", "--job", "customers-merge")
	if r.code == 0 || !strings.Contains(r.stderr, "2 source rows match the same row of table crm.customers") {
		t.Errorf("duplicate source key: exit %d\n%s", r.code, r.stderr)
	}
	if after := mustFlare(t, "table", "snapshots", "lakehouse.crm.customers").stdout; after != snaps {
		t.Errorf("a failed merge committed a snapshot:\n%s", after)
	}
}

// TestDeleteExample runs examples/delete/customers.yaml (docs/delete.md) and
// flare table delete, with and without --dry-run.
func TestDeleteExample(t *testing.T) {
	project(t)
	r := mustFlare(t, "run", "examples/delete/customers.yaml")
	if !strings.Contains(r.stdout, "deleted 4 rows: 1 of 4 data files dropped whole, 1 rewritten (copy-on-write)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	ids := "SELECT string_agg(customer_id::VARCHAR, ',' ORDER BY customer_id) FROM lakehouse.crm.customers_eu"
	if got := strings.Trim(scalar(t, ids), `"`); got != "1,2,3,5,6,7" {
		t.Fatalf("rows after delete: %s", got)
	}
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.crm.customers_eu").stdout

	// The condition is Spark SQL: "DE" is a string.
	dry := mustFlare(t, "table", "delete", "lakehouse.crm.customers_eu", "--where", `target.country = "DE" OR target.customer_id = 1`, "--dry-run")
	if !strings.Contains(dry.stdout, "dry run: lakehouse.crm.customers_eu: would delete 3 rows: 1 of 3 data files dropped whole, 1 rewritten") {
		t.Errorf("dry run:\n%s", dry.stdout)
	}
	if after := mustFlare(t, "table", "snapshots", "lakehouse.crm.customers_eu").stdout; after != snaps {
		t.Errorf("a dry run committed a snapshot:\n%s", after)
	}
	mustFlare(t, "table", "delete", "crm.customers_eu", "--where", "target.country = 'DE' OR target.customer_id = 1")
	if got := strings.Trim(scalar(t, ids), `"`); got != "2,3,5" {
		t.Errorf("rows after flare table delete: %s", got)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing --where", []string{"table", "delete", "crm.customers_eu"}, "--where is required"},
		{"missing table", []string{"table", "delete", "crm.nowhere", "--where", "true"}, "crm.nowhere"},
		{"bad predicate", []string{"table", "delete", "crm.customers_eu", "--where", "target.nope = 1"}, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := flare(t, tc.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
}

func readExample(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := readFile(dir + "/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(p string) (string, error) {
	b, err := os.ReadFile(p)
	return string(b), err
}

// TestDocsShowTheExamples: the manifests in docs/merge.md and docs/delete.md
// are the example files the tests above run.
func TestDocsShowTheExamples(t *testing.T) {
	for doc, example := range map[string]string{"merge.md": "merge/customers.yaml", "delete.md": "delete/customers.yaml"} {
		d, err := readFile("../../docs/" + doc)
		if err != nil {
			t.Fatal(err)
		}
		e, err := readFile("../../examples/" + example)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d, "```yaml\n"+e+"```") {
			t.Errorf("docs/%s does not show examples/%s verbatim; copy it in", doc, example)
		}
	}
}
