package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionsExample runs examples/functions/patients.yaml: the step's
// fourteen functions shape the rows the table holds (the same rows as
// internal/functions/testdata/examples/patients.golden).
func TestFunctionsExample(t *testing.T) {
	project(t)
	r := mustFlare(t, "run", "examples/functions/patients.yaml")
	if !strings.Contains(r.stdout, "1 of 1 jobs succeeded") || !strings.Contains(r.stdout, "dataos://lakehouse:health/patients_clean") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	got := mustFlare(t, "sql", "-f", "csv", "SELECT * FROM lakehouse.health.patients_clean ORDER BY patient_id").stdout
	want := `patient_id,full_name,e_mail,e_mail_domain,ssn,birth_year,last_visit,healthcare_expenses,website_host
7c4411ce,Adalberto Wunsch,a.wunsch@mail.example.org,mail.example.org,XXX-XX-3323,2005,2024-03-01 00:00:00,402723.4,
b9c610cd,Damon Langosh,damon.langosh@example.com,example.com,XXX-XX-3251,1994,2024-03-01 05:07:38,9039.164,clinic.example.com
d47b3510,Larissa Jerde,unknown,,XXX-XX-0001,1971,2024-03-01 22:15:00,,example.net
`
	if got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}
	types := mustFlare(t, "sql", "-f", "csv", "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM lakehouse.health.patients_clean) WHERE column_name IN ('last_visit', 'healthcare_expenses', 'birth_year') ORDER BY 1").stdout
	if types != "column_name,column_type\nbirth_year,VARCHAR\nhealthcare_expenses,DOUBLE\nlast_visit,TIMESTAMP\n" {
		t.Errorf("types:\n%s", types)
	}
}

// TestFunctionsPivotAndLaterSteps: a pivot without values is built when the
// job runs (its columns come from the data), a later step reads the
// pivoted view, and a chain feeds a pre-sink assertion.
func TestFunctionsPivotAndLaterSteps(t *testing.T) {
	dir := project(t)
	m := filepath.Join(dir, "pivot.yaml")
	writeFile(t, m, job(`              - name: orders
                dataset: dataos://thirdparty:quality/orders.csv
                format: csv
                options: {header: true, inferSchema: true}`, `              - sequence:
                  - name: by_brand
                    sql: SELECT state_code, brand_name, order_amount FROM orders
                    functions:
                      - {name: find_and_replace, column: brand_name, sedExpression: "s/ /_/g"}
                      - {name: pivot, groupBy: [state_code], column: brand_name, aggregateExpression: "sum(order_amount) AS amount"}
                      - {name: fill_null_or_empty, columns: {state_code: none}}
                  - name: states
                    sql: SELECT * FROM by_brand ORDER BY state_code`, `              - name: states
                dataset: dataos://lakehouse:retail/brands_by_state
                assertions:
                  - column: state_code
                    tests: [distinct_count == 3, missing_count == 0]`))
	v := mustFlare(t, "validate", m)
	if !strings.Contains(v.stderr, "pivot without values") {
		t.Errorf("validate says nothing of the deferred pivot:\n%s", v.stderr)
	}
	mustFlare(t, "run", m)
	got := mustFlare(t, "sql", "-f", "csv", "SELECT * FROM lakehouse.retail.brands_by_state ORDER BY state_code").stdout
	want := "state_code,Awkward_Styles,Other,Urbane\nAL,1500.0,,2000.0\nNY,,400.0,\nTX,,,950.5\n"
	if got != want {
		t.Fatalf("pivoted rows:\n%s\nwant:\n%s", got, want)
	}
}

// TestQualityExample runs examples/quality/orders.yaml: a standalone job
// and pre-sink assertions, their tables on the terminal, and their rows in
// the checks and metrics tables, run after run.
func TestQualityExample(t *testing.T) {
	project(t)
	r := mustFlare(t, "run", "examples/quality/orders.yaml")
	for _, w := range []string{
		"Assertions on dataos://thirdparty:quality/orders.csv: all 11 checks passed",
		"2  order_amount where brand_name == 'Urbane'                     min                     800  >= 800   pass",
		"Assertions on dataos://lakehouse:retail/orders_by_state: all 4 checks passed",
		"quality results → lakehouse.sys.quality_checks",
	} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if !strings.Contains(r.stdout, "11 of 11 checks passed") || !strings.Contains(r.stdout, "2 of 2 jobs succeeded") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	checks := mustFlare(t, "sql", "-f", "csv", `SELECT workflow, job, dataset, assertion, kind, column_name, filter, valid_regex, test, metric, operator, threshold, value, passed
FROM lakehouse.sys.quality_checks ORDER BY job DESC, assertion, test`).stdout
	want := `workflow,job,dataset,assertion,kind,column_name,filter,valid_regex,test,metric,operator,threshold,value,passed
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,1,column,order_amount,,,avg > 500,avg,>,500.0,970.1,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,1,column,order_amount,,,distinct_count > 3,distinct_count,>,3.0,5.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,1,column,order_amount,,,max < 2000,max,<,2000.0,1500.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,1,column,order_amount,,,missing_count < 2,missing_count,<,2.0,1.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,1,column,order_amount,,,missing_percentage < 20,missing_percentage,<,20.0,16.666666666666668,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,2,column,order_amount,brand_name == 'Urbane',,avg > 900,avg,>,900.0,983.5,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,2,column,order_amount,brand_name == 'Urbane',,min >= 800,min,>=,800.0,800.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,3,column,brand_name,,^(Urbane|Awkward Styles|Other)$,invalid_count == 0,invalid_count,==,0.0,0.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,3,column,brand_name,,^(Urbane|Awkward Styles|Other)$,invalid_percentage < 1,invalid_percentage,<,1.0,0.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,4,sql,,,,avg_order_amount > 1000,avg_order_amount,>,1000.0,1500.0,true
wf-orders-quality,orders-checks,dataos://thirdparty:quality/orders.csv,4,sql,,,,max_order_amount <= 1500,max_order_amount,<=,1500.0,1500.0,true
wf-orders-quality,orders-by-state,dataos://lakehouse:retail/orders_by_state,1,column,state_code,,,distinct_count == 3,distinct_count,==,3.0,3.0,true
wf-orders-quality,orders-by-state,dataos://lakehouse:retail/orders_by_state,1,column,state_code,,,missing_count == 0,missing_count,==,0.0,0.0,true
wf-orders-quality,orders-by-state,dataos://lakehouse:retail/orders_by_state,2,column,orders,,,sum == 6,sum,==,6.0,6.0,true
wf-orders-quality,orders-by-state,dataos://lakehouse:retail/orders_by_state,3,column,amount,state_code == 'AL',,max > 3000,max,>,3000.0,3500.0,true
`
	if checks != want {
		t.Fatalf("checks table:\n%s\nwant:\n%s", checks, want)
	}
	// One run id and one checked_at per job; each metric once however many
	// tests read it (order_amount's avg is measured once, two sql columns).
	if got := scalar(t, "SELECT count(DISTINCT run_id) || ':' || count(DISTINCT checked_at) FROM lakehouse.sys.quality_checks"); got != "1:2" {
		t.Errorf("run ids : times = %s, want 1:2", got)
	}
	if got := scalar(t, "SELECT count(*) || ':' || count(*) FILTER (WHERE kind = 'sql') FROM lakehouse.sys.quality_metrics"); got != "15:2" {
		t.Errorf("metrics rows : sql metrics = %s, want 15:2", got)
	}
	// Results accumulate: a second run appends, one commit per table.
	snaps := snapshotCount(t, "lakehouse.sys.quality_checks")
	mustFlare(t, "run", "examples/quality/orders.yaml")
	if got := scalar(t, "SELECT count(*) || ':' || count(DISTINCT run_id) FROM lakehouse.sys.quality_checks"); got != "30:2" {
		t.Errorf("after two runs, rows:runs = %s, want 30:2", got)
	}
	if n := snapshotCount(t, "lakehouse.sys.quality_checks"); n != snaps+2 {
		t.Errorf("checks table has %d snapshots after a run of two jobs, want %d", n, snaps+2)
	}
}

// TestFailedAssertions: a failed pre-sink check fails the job, commits
// nothing to the output (its snapshot and rows are unchanged) and still
// records its results; a failed standalone check fails its job and skips
// the jobs that depend on it.
func TestFailedAssertions(t *testing.T) {
	dir := project(t)
	mustFlare(t, "run", "examples/quality/orders.yaml")
	table := "lakehouse.retail.orders_by_state"
	rows := scalar(t, "SELECT count(*) || ':' || sum(orders) FROM "+table)
	snaps := snapshotCount(t, table)
	checks := scalar(t, "SELECT count(*) FROM lakehouse.sys.quality_checks")

	example, err := os.ReadFile(filepath.Join(dir, "examples/quality/orders.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(example)
	// The output's second assertion fails (the sum is 6); the source rows
	// also change, so that a write would change the table.
	presink := strings.Replace(strings.Replace(text, "- sum == 6", "- sum == 7", 1),
		"FROM orders GROUP BY state_code", "FROM orders WHERE order_id <> 6 GROUP BY state_code", 1)
	if presink == text {
		t.Fatal("the example changed: the test's edit does not apply")
	}
	p := filepath.Join(dir, "presink.yaml")
	writeFile(t, p, presink)
	r := flare(t, "run", p, "--job", "orders-by-state")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, w := range []string{"1 of 4 checks FAILED", "sum == 7", "FAIL", "1 out of 4 assertions failed for dataset dataos://lakehouse:retail/orders_by_state"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "output by_state →") {
		t.Errorf("the output was written after a failed assertion:\n%s", r.stderr)
	}
	if got := scalar(t, "SELECT count(*) || ':' || sum(orders) FROM "+table); got != rows {
		t.Errorf("table rows %s, were %s", got, rows)
	}
	if n := snapshotCount(t, table); n != snaps {
		t.Errorf("table snapshots %d, were %d", n, snaps)
	}
	if got := scalar(t, "SELECT count(*) || ':' || count(*) FILTER (WHERE NOT passed) || ':' || max(value) FILTER (WHERE NOT passed) FROM lakehouse.sys.quality_checks WHERE run_id NOT IN (SELECT run_id FROM lakehouse.sys.quality_checks WHERE job = 'orders-checks')"); got != "4:1:5.0" {
		t.Errorf("recorded checks of the failed run (rows:failed:value) = %s, want 4:1:5", got)
	}

	// A standalone check that fails stops its job and the job after it.
	standalone := strings.Replace(text, "- avg > 500", "- avg > 5000", 1)
	p = filepath.Join(dir, "standalone.yaml")
	writeFile(t, p, standalone)
	r = flare(t, "run", p)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "orders-by-state  skipped") || !strings.Contains(r.stderr, "avg > 5000") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.sys.quality_checks"); got == checks {
		t.Errorf("the failed runs recorded no checks (still %s rows)", got)
	}
	if n := snapshotCount(t, table); n != snaps {
		t.Errorf("table snapshots %d after a skipped job, were %d", n, snaps)
	}
}
