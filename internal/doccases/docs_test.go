package doccases

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// docCase is one manifest of a docs page (testdata/pages/<page>/NN.yaml, as
// the page writes it) and what running it does here.
type docCase struct {
	file string
	// validate only compiles the manifest (flare validate): running it as
	// written is too big for a test.
	validate bool
	// fails is a piece of the message the run fails with today; whose says
	// whose the failure is: "docs" (the manifest is wrong as written, and
	// fails in Spark too) or the part of Flare-Go that has yet to run it.
	fails, whose string
	// before prepares the project (an orphan file to find, ...).
	before func(p *project)
	// check verifies what a successful run did. A failing case may have one
	// too, for when it runs.
	check func(t *testing.T, p *project, r result)
	// failed verifies what a failing case's run left (the quality results
	// it recorded, ...).
	failed func(t *testing.T, p *project, r result)
}

// Whose a failure is.
const (
	docsBug     = "docs: the manifest is wrong as written (Spark fails too)"
	functions   = "step functions (the functions/assertions helper's plan/functions*.go)"
	assertions  = "data-quality assertions (the functions/assertions helper's plan/quality*.go)"
	sparkSQL    = "Spark SQL semantics (internal/sparksql, issue 9 items 1-2)"
	maintenance = "expire_snapshots refuses a snapshot id the table does not have, where Iceberg ignores it (internal/maintenance; for the lead)"
	profiling   = "data profiling jobs (not built)"
)

// cases run in order on one project: later ones see what earlier ones wrote.
var cases = []docCase{
	{file: "stream_jobs/02.yaml", check: func(t *testing.T, p *project, r result) {
		contains(t, "toolbox set_version", r.stderr, "set_version has nothing to do here")
		contains(t, "summary", r.stdout, "1 of 1 jobs succeeded")
	}},
	{file: "syndication/01.yaml", check: func(t *testing.T, p *project, r result) {
		files := p.files("lakehouse/syndicate/fused_offline_01_csv")
		if len(files) != 2 || files[0] != "_flare_dataset.json" || !strings.HasPrefix(files[1], "part-") || !strings.HasSuffix(files[1], ".csv") {
			t.Fatalf("syndicated files %v, want one part-*.csv and _flare_dataset.json", files)
		}
		csv := filepath.Join(p.dir, "lakehouse/syndicate/fused_offline_01_csv", files[1])
		equal(t, "csv header", p.one("SELECT * FROM read_csv('"+csv+"', header = false, all_varchar = true) LIMIT 1"),
			"customer_index|store_id|sku|quantity|price|store_name|store_city|store_state")
		// One row per line item: 17 over the 8 transactions.
		equal(t, "csv rows", p.one("SELECT count(*), count(DISTINCT customer_index), sum(quantity) FROM read_csv('"+csv+"', header = true)"), "17|8|29")
		equal(t, "a row", p.one("SELECT customer_index, store_id, sku, quantity, price, store_name, store_city, store_state FROM read_csv('"+csv+"', header = true) WHERE sku = 'K52'"),
			"105|S2|K52|2|10|Store 2|Tucson|AZ")
		meta, err := os.ReadFile(filepath.Join(p.dir, "lakehouse/syndicate/fused_offline_01_csv/_flare_dataset.json"))
		if err != nil {
			t.Fatal(err)
		}
		contains(t, "dataset file", string(meta), `"title": "Fused Offline Transactions"`, `"description": "Fused offline transactions into csv"`, `"Syndicate"`, `"format": "csv"`)
		if p.exists("syndicate.fused_offline_01_csv") {
			t.Error("syndication created a table")
		}
		contains(t, "notes", r.stderr, "job.variables has no effect here")
		// explain: true prints the job's plan, its engine settings (from
		// the executor's 2 cores × 2 instances and 4096m × 2) and each
		// step's EXPLAIN ANALYZE with its time.
		contains(t, "explain", r.stderr, "plan of job syndct-fusd-off-tx-01-step:", "engine: threads 4 from executor 2 cores, coreLimit 2.4 × 2 instances; memory limit 8192MiB from executor memory 4096m × 2",
			"engine of job syndct-fusd-off-tx-01-step:", "plan of step customer_01 (EXPLAIN ANALYZE: the step ran in", "plan of step syndicatePos (EXPLAIN ANALYZE", "Total Time")
	}},
	{file: "data_replay/01.yaml", check: func(t *testing.T, p *project, r result) {
		// dataos://lakehouse:raw01 names the output's view as dataset.
		equal(t, "partition spec", p.spec("raw01.ny_taxi_ts"), "identity(vendor_id) AS vendor_id")
		// ts_ny_taxi is now(): its type is the SQL front's to decide (Spark's
		// is a timestamp with time zone), so only its name is checked.
		cols := p.columns("raw01.ny_taxi_ts")
		equal(t, "columns", cols[:strings.LastIndex(cols, " ts_ny_taxi ")+len(" ts_ny_taxi")],
			"vendor_id BIGINT, pickup_datetime BIGINT, dropoff_datetime BIGINT, passenger_count BIGINT, trip_distance DOUBLE, total_amount DOUBLE, version VARCHAR, ts_ny_taxi")
		equal(t, "rows", p.one("SELECT count(*), min(vendor_id), max(vendor_id), sum(total_amount), min(length(version)) FROM "+p.rel("raw01.ny_taxi_ts", "")), "6|1|1|115.5|12")
		// Run again: overwrite-mode dynamic replaces vendor 1's partition
		// only, so the rows stay as they are and a new snapshot replaces it.
		before := p.snapshots("raw01.ny_taxi_ts")
		if r := p.flare("run", "pages/data_replay/01.yaml"); r.code != 0 {
			t.Fatalf("second run: %s", r)
		}
		equal(t, "rows after a replay", p.one("SELECT count(*) FROM "+p.rel("raw01.ny_taxi_ts", "")), "6")
		equal(t, "snapshots after a replay", p.snapshots("raw01.ny_taxi_ts"), before+1)
	}},
	{file: "partitioning/01.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "partition spec", p.spec("sample.partioning03"), "identity(social_class) AS social_class, year(birthdate) AS yearly")
		equal(t, "rows", p.one("SELECT count(*), count(DISTINCT social_class) FROM "+p.rel("sample.partioning03", "")), "40|3")
		equal(t, "columns", p.columns("sample.partioning03"), "customer_id BIGINT, first_name VARCHAR, country VARCHAR, social_class VARCHAR, birthdate TIMESTAMP")
		if n := p.dataFiles("sample.partioning03"); n < 3 {
			t.Errorf("%d data files, want one per partition (at least 3)", n)
		}
	}},
	{file: "iceberg_branch_read_write/02.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "branch b1", p.one("SELECT count(*), min(state_code), max(state_code) FROM "+p.rel("retail.city", "b1")), "3|AZ|AZ")
		equal(t, "main", p.one("SELECT count(*) FROM "+p.rel("retail.city", "")), "10")
	}},
	{file: "iceberg_branch_read_write/01.yaml", fails: `unknown view "city_connect" (known: sanity_city_input)`, whose: docsBug},
	{file: "delete_from_dataset/01.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "rows left", p.one("SELECT count(*), count(*) FILTER (WHERE state_code = 'AL') FROM "+p.rel("actions.random_users_data", "")), "15|0")
	}},
	{file: "delete_from_dataset/02.yaml", check: func(t *testing.T, p *project, r result) {
		// Only the customers whose city is not in test.city are left.
		equal(t, "rows left", strings.Join(p.rows("SELECT city_id FROM "+p.rel("test.customer", "")+" ORDER BY 1"), ","), "CITY0,CITY11")
	}},
	{file: "rewrite_dataset/01.yaml", check: func(t *testing.T, p *project, r result) {
		// Two small files are fewer than bin-packing's min-input-files (5,
		// as in Iceberg): they stay as they are.
		equal(t, "data files after bin-packing", p.dataFiles("retail.pos_store_product_cust"), 2)
		equal(t, "rows", p.one("SELECT count(*), sum(id) FROM "+p.rel("retail.pos_store_product_cust", "")), "8|36")
	}},
	{file: "rewrite_dataset/02.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "rows", p.one("SELECT count(*), sum(id) FROM "+p.rel("retail.pos_store_product_cust", "")), "8|36")
	}},
	{file: "rewrite_dataset/03.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "rows", p.one("SELECT count(*), sum(id) FROM "+p.rel("retail.pos_store_product_cust", "")), "8|36")
	}},
	{file: "rewrite_dataset/04.yaml", fails: `04.yaml:29:30: job rewrite, action rewrite_dataset, sortOrder: sort order term "(id, ASC NULLS FIRST).": want column [ASC|DESC] [NULLS FIRST|NULLS LAST]`, whose: docsBug},
	{file: "rewrite_dataset/05.yaml", check: func(t *testing.T, p *project, r result) {
		// zorder(product_type, store_location) is planned; as in Iceberg,
		// two small files are fewer than min-input-files (5): they stay.
		contains(t, "plan", r.stderr, "action rewrite_dataset  on lakehouse.retail.pos_store_product_cust: z-order by product_type, store_location")
		contains(t, "summary", r.stdout, "data files 2 → 2", "nothing to compact")
		equal(t, "rows", p.one("SELECT count(*), sum(id) FROM "+p.rel("retail.pos_store_product_cust", "")), "8|36")
	}},
	{file: "rewrite_manifest_files/01.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel("retail.pos_store_product_cust", "")), "8")
	}},
	{file: "rewrite_manifest_files/02.yaml", check: func(t *testing.T, p *project, r result) {
		contains(t, "notes", r.stderr, "useCaching has no effect here")
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel("retail.city", "")), "10")
	}},
	// The pages' cut-off times are in 2021-2025; every snapshot here is
	// younger, so nothing expires and the tables keep every snapshot.
	{file: "expire_snapshots/01.yaml", before: countSnapshots("retail.pos_store_product_cust"), check: expiresNothing("retail.pos_store_product_cust")},
	{file: "expire_snapshots/02.yaml", before: countSnapshots("retail.pos_store_product_cust"), check: expiresNothing("retail.pos_store_product_cust")},
	{file: "expire_snapshots/03.yaml", fails: "snapshot 12345679 is not a snapshot of the table", whose: maintenance},
	{file: "expire_snapshots/04.yaml", before: countSnapshots("retail.pos_store_product_cust"), check: expiresNothing("retail.pos_store_product_cust")},
	{file: "expire_snapshots/05.yaml", before: countSnapshots("retail.pos_store_product_cust"), check: expiresNothing("retail.pos_store_product_cust")},
	{file: "expire_snapshots/06.yaml", before: countSnapshots("retail.pos_store_product_cust"), check: expiresNothing("retail.pos_store_product_cust")},
	// An orphan older than every cut-off of the remove_orphans pages lies
	// in random_users_data's data folder; the dry run reports it, the next
	// run removes it.
	{file: "remove_orphans/04.yaml", before: orphan, check: func(t *testing.T, p *project, r result) {
		contains(t, "dry run", r.stdout, "would remove 1 orphan files")
		if _, err := os.Stat(filepath.Join(p.dir, orphanPath)); err != nil {
			t.Errorf("the dry run removed the orphan: %v", err)
		}
	}},
	{file: "remove_orphans/03.yaml", check: func(t *testing.T, p *project, r result) {
		if _, err := os.Stat(filepath.Join(p.dir, orphanPath)); !os.IsNotExist(err) {
			t.Errorf("the orphan is still there: %v", err)
		}
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel("actions.random_users_data", "")), "15")
	}},
	{file: "remove_orphans/02.yaml", before: orphan, check: func(t *testing.T, p *project, r result) {
		if _, err := os.Stat(filepath.Join(p.dir, orphanPath)); !os.IsNotExist(err) {
			t.Errorf("the orphan is still there: %v", err)
		}
	}},
	{file: "remove_orphans/06.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel("actions.random_users_data", "")), "15")
	}},
	{file: "remove_orphans/01.yaml", fails: `bad variable name "{dataos://lakehouse:retail/city "`, whose: docsBug + " (a ${{...}} placeholder to fill in)"},
	{file: "remove_orphans/05.yaml", fails: `bad variable name "{path to file"`, whose: docsBug + " (a ${{...}} placeholder to fill in)"},
	{file: "compression/02.yaml", check: func(t *testing.T, p *project, r result) {
		// rewriteDataset {mode: full} compacts the three appended files.
		equal(t, "data files", p.dataFiles("raw01.ny_taxi_01"), 1)
		equal(t, "rows", p.one("SELECT count(*), sum(total_amount) FROM "+p.rel("raw01.ny_taxi_01", "")), "12|244.5")
		contains(t, "notes", r.stderr, "driver cores, coreLimit, memory: no effect here")
	}},
	{file: "compression/01.yaml", fails: "bad YAML: did not find expected '-' indicator", whose: docsBug + " (logLevel and actions indented into the inputs list)"},
	// Spark's csv reader names the columns of a file read without
	// header: true _c0, _c1, ...: sort and bucket columns by name do not exist.
	{file: "bucketing/01.yaml", fails: "sort: no column customer_id in view select_all_columns (columns: _c0, _c1, _c2, _c3, _c4)", whose: docsBug + " (no header: true)"},
	{file: "bucketing/02.yaml", validate: true, check: func(t *testing.T, p *project, r result) {
		contains(t, "validate", r.stdout, "ok (1 job)")
	}},
	{file: "merge_into_functionality/01.yaml", check: mergedCity},
	{file: "merge_into_functionality/02.yaml", check: mergedCity},
	{file: "merge_data/01.yaml", fails: "merge applies to Iceberg tables; options.file.outputType csv writes csv files", whose: docsBug + " (csv files and an Iceberg merge in one output)"},
	// The drop names a column DataOS's reads add: nothing to drop here,
	// with a note.
	{file: "column_tagging/01.yaml", check: func(t *testing.T, p *project, r result) {
		contains(t, "note", r.stderr, "01.yaml:89:27: job columnlevel-tag-job, step finalDf: function drop (#1): column __metadata_dataos_run_mapper_id is one DataOS's reads add; Flare-Go's reads do not, so there is nothing to drop")
		equal(t, "partition spec", p.spec("publiccollection.customer_406"), "identity(version) AS version")
		equal(t, "columns", p.columns("publiccollection.customer_406"),
			"city_id VARCHAR, zip_code INTEGER, city_name VARCHAR, county_name VARCHAR, state_code VARCHAR, state_name VARCHAR, version VARCHAR")
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel("publiccollection.customer_406", "")), "10")
	}},
	{file: "enrichment/01.yaml", fails: "01.yaml:58:25: job ingest-and-enrich-city-state-country, output cities_uppdated: partition field identity: no column country_name in view cities_uppdated (columns: city_id, city_latitude, city_longitude, city_name, state_id_in_cities)",
		whose: docsBug + " (output cities_uppdated is partitioned by country_name, which that view does not have)"},
	{file: "enrichment/02.yaml", check: enriched},
	{file: "partition_evolution/01.yaml", fails: `01.yaml:33:17: job storage-event-context, input ny_taxi_dataset: bad address "dataos://lakehouse:none/ny-taxi-data/customer?acl=r": a lakehouse table is <collection>/<dataset>`,
		whose: docsBug + " (dataos://lakehouse:none/ny-taxi-data/customer is not a table address)"},
	{file: "partition_evolution/02.yaml", check: func(t *testing.T, p *project, r result) {
		equal(t, "partition spec", p.spec("raw01.ny-taxi-partitioned"), "day(pickup_datetime) AS day")
		cols := p.columns("raw01.ny-taxi-partitioned")
		equal(t, "columns", cols[:strings.Index(cols, ", version")],
			"vendor_id BIGINT, pickup_datetime TIMESTAMP WITH TIME ZONE, dropoff_datetime TIMESTAMP WITH TIME ZONE, passenger_count BIGINT, trip_distance DOUBLE, total_amount DOUBLE")
		// set_type reads the file's epoch milliseconds as seconds, as
		// Spark's cast does: 1262304000000 s is in the year 41970.
		equal(t, "rows", p.one("SELECT count(*), CAST(min(pickup_datetime) AS VARCHAR), CAST(min(dropoff_datetime) - min(pickup_datetime) AS VARCHAR), sum(total_amount) FROM "+p.rel("raw01.ny-taxi-partitioned", "")),
			"1|41970-10-28 00:00:00+00|13 days 21:20:00|8")
	}},
	{file: "caching/01.yaml", fails: `01.yaml:49:28: job resource-level-pod-usage, step final_data: unknown view "merged_container_with_init" (known: none)`,
		whose: docsBug + " (steps read views merged_container_with_init and pivot_data that the page leaves out; its input, pod usage read from Pulsar, has no seed here either)"},
	// The page's checks contradict each other (max < 1000 and max > 1000):
	// one always fails. On the 30 seed orders 6 of the 13 fail.
	{file: "data_quality_jobs/01.yaml", fails: "01.yaml:41:17: job metrics-chks-order-enrich, assertions on input source: 6 out of 13 assertions failed for dataset dataos://lakehouse:retail/orders_enriched",
		whose: docsBug + " (max < 1000 and max > 1000: one check always fails)", failed: qualityFailures},
	{file: "data_quality_jobs/02.yaml", fails: `02.yaml:99:23: job pre-sink-assertion-job, assertions of output cities: assertion #4, sql: unknown view "products" (known: sanity_city_input, cities)`,
		whose: docsBug + " (the sql assertion reads products, no view of the job: Spark fails with TABLE_OR_VIEW_NOT_FOUND; and avg < 100 contradicts avg > 500 for AL)"},
	{file: "data_profiling_jobs/01.yaml", fails: "not supported yet: workflow.dag[].spec.persistentVolume: data profiling jobs", whose: profiling},
	{file: "concurrent_writes/01.yaml", fails: "bad YAML: mapping values are not allowed in this context", whose: docsBug + " (sequence: ny_taxi_ts followed by steps)"},
	{file: "actions/01.yaml", fails: "bad YAML", whose: docsBug + " (markdown ** inside the YAML)"},
	{file: "actions/02.yaml", fails: "bad YAML", whose: docsBug + " (markdown ** inside the YAML)"},
	{file: "actions/03.yaml", fails: "bad YAML", whose: docsBug + " (markdown ** inside the YAML)"},
	{file: "actions/04.yaml", fails: "bad YAML", whose: docsBug + " (markdown ** inside the YAML)"},
}

// TestDocsCaseScenarios runs every manifest of testdata/pages as written.
func TestDocsCaseScenarios(t *testing.T) {
	p := newProject(t)
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.file] = true
		t.Run(c.file, func(t *testing.T) {
			p.t = t
			if c.before != nil {
				c.before(p)
			}
			cmd := "run"
			if c.validate {
				cmd = "validate"
			}
			r := p.flare(cmd, filepath.Join("pages", c.file))
			switch {
			case c.fails != "" && r.code == 0:
				t.Errorf("%s runs now (it failed for: %s): drop its fails and whose, and check what it does", c.file, c.whose)
			case c.fails != "":
				if !strings.Contains(r.stderr, c.fails) {
					t.Fatalf("%s failed otherwise than known (%s):\nwant %q in\n%s", c.file, c.whose, c.fails, r)
				}
				if !strings.Contains(r.stderr, c.file) {
					t.Errorf("the error does not name the manifest:\n%s", r.stderr)
				}
				t.Logf("fails as written: %s", c.whose)
				if c.failed != nil {
					c.failed(t, p, r)
				}
				return
			case r.code != 0:
				t.Fatalf("%s", r)
			}
			if c.check == nil {
				t.Fatalf("%s ran; give its case a check", c.file)
			}
			c.check(t, p, r)
		})
	}
	// Every copied manifest has a case.
	pages, _ := filepath.Glob("testdata/pages/*/*.yaml")
	for _, f := range pages {
		rel, _ := filepath.Rel("testdata/pages", f)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("testdata/pages/%s has no case", filepath.ToSlash(rel))
		}
	}
}

func expiresNothing(table string) func(t *testing.T, p *project, r result) {
	return func(t *testing.T, p *project, r result) {
		equal(t, "snapshots kept", p.snapshots(table), p.mark)
		equal(t, "rows", p.one("SELECT count(*) FROM "+p.rel(table, "")), "8")
	}
}

// countSnapshots remembers a table's snapshot count in p.mark.
func countSnapshots(table string) func(p *project) {
	return func(p *project) { p.mark = p.snapshots(table) }
}

// orphanPath is a file no snapshot of actions.random_users_data names.
const orphanPath = "lakehouse/actions/random_users_data/data/orphan-2020.parquet"

func orphan(p *project) {
	path := filepath.Join(p.dir, orphanPath)
	if err := os.WriteFile(path, []byte("not a data file of the table"), 0o644); err != nil {
		p.t.Fatal(err)
	}
	old := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		p.t.Fatal(err)
	}
}

// mergedCity checks the merge of merge_into_functionality.md: the row of
// zip code 36006 updated, the others as they were.
func mergedCity(t *testing.T, p *project, r result) {
	// The output's iceberg.properties are set by the merge's commit.
	props := p.table("syndicate.city_merge").Iceberg().Properties()
	equal(t, "table properties", props["write.format.default"]+" "+props["write.metadata.compression-codec"], "parquet gzip")
	equal(t, "last operation", p.table("syndicate.city_merge").Iceberg().CurrentSnapshot().Summary.Properties["flare.operation"], "merge")
	equal(t, "merged row", p.one("SELECT city_name, county_name, state_code, state_name FROM "+p.rel("syndicate.city_merge", "")+" WHERE zip_code = 36006"), "abc|abcd|ab|abcde")
	equal(t, "rows", p.one("SELECT count(*), count(*) FILTER (WHERE state_code = 'AL') FROM "+p.rel("syndicate.city_merge", "")), "10|3")
}

// enriched checks enrichment.md's second manifest: the three inputs
// written as they are, and the join of cities, states and countries with
// their renamed columns, partitioned by country.
func enriched(t *testing.T, p *project, r result) {
	equal(t, "cities", p.one("SELECT count(*), min(name) FROM "+p.rel("countries_states_cities.cities", "")), "3|Hyderabad")
	equal(t, "states", p.one("SELECT count(*) FROM "+p.rel("countries_states_cities.states", "")), "2")
	equal(t, "countries", p.one("SELECT count(*) FROM "+p.rel("countries_states_cities.countries", "")), "2")
	const enr = "countries_states_cities.enriched_cities_states_countries"
	equal(t, "partition spec", p.spec(enr), "identity(country_name) AS country_name")
	equal(t, "data files", p.dataFiles(enr), 2)
	cols := p.columns(enr)
	contains(t, "columns", cols, "city_id BIGINT, city_latitude DOUBLE, city_longitude DOUBLE, city_name VARCHAR, country_code VARCHAR, state_id BIGINT", "country_id BIGINT", "country_name VARCHAR")
	for _, gone := range []string{"state_id_in_cities", "country_id_in_states", " id ", " name "} {
		if strings.Contains(cols+" ", gone) {
			t.Errorf("column %q is still there: %s", gone, cols)
		}
	}
	equal(t, "joined rows", strings.Join(p.rows("SELECT city_name, state_name, country_name, capital FROM "+p.rel(enr, "")+" ORDER BY city_id"), ","),
		"Mazar-e Sharif|Balkh|Afghanistan|Kabul,Hyderabad|Andhra Pradesh|India|New Delhi,Vijayawada|Andhra Pradesh|India|New Delhi")
}

// qualityFailures checks the results data_quality_jobs.md's standalone
// assertions recorded before the job failed: the 13 checks, the 6 that
// failed on the seed orders.
func qualityFailures(t *testing.T, p *project, r result) {
	equal(t, "checks", p.one("SELECT count(*), count(*) FILTER (WHERE passed) FROM "+p.rel("sys.quality_checks", "")+" WHERE job = 'metrics-chks-order-enrich'"), "13|7")
	equal(t, "failed checks", strings.Join(p.rows("SELECT assertion, metric, test FROM "+p.rel("sys.quality_checks", "")+" WHERE job = 'metrics-chks-order-enrich' AND NOT passed ORDER BY assertion, test"), ","),
		"1|distinct_count|distinct_count > 100,1|max|max < 1000,2|distinct_count|distinct_count > 100,3|invalid_count|invalid_count < 5,3|invalid_percentage|invalid_percentage < 0.1,4|max_order_amount|max_order_amount < 1000")
	if p.exists("retail.orders_enriched_out") {
		t.Error("a failed suite wrote an output")
	}
}
