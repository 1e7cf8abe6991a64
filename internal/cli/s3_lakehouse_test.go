package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// TestRunOnS3Lakehouse runs the city example with the lakehouse depot on
// the test S3 server (FLARE_TEST_S3_*): flare run, flare sql, the table
// inspection commands, a delete and the maintenance commands all work on
// it, every data file and metadata file is in the bucket, and the local
// state folder holds the catalog.
func TestRunOnS3Lakehouse(t *testing.T) {
	cfg := s3test.Config(t)
	store, prefix := s3test.Store(t)
	dir := project(t)
	t.Setenv("FLARE_T_S3_KEY", cfg.AccessKeyID)
	t.Setenv("FLARE_T_S3_SECRET", cfg.SecretAccessKey)
	root := store.URL(prefix + "lake")
	writeFile(t, filepath.Join(dir, "flare.yaml"), `depots:
  lakehouse:
    type: lakehouse
    path: `+root+`
    endpoint: `+cfg.Endpoint+`
    region: us-east-1
    access_key_id_env: FLARE_T_S3_KEY
    secret_access_key_env: FLARE_T_S3_SECRET
  thirdparty: {type: file, path: ./examples/data}
`)
	mustFlare(t, "validate", "examples/city/ingest.yaml")
	r := mustFlare(t, "run", "examples/city/ingest.yaml")
	if !strings.Contains(r.stdout, "2 of 2 jobs succeeded") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city"); got != "240" {
		t.Fatalf("rows = %s", got)
	}
	if got := scalar(t, "SELECT sum(cities) FROM lakehouse.retail.state_population"); got != "240" {
		t.Fatalf("second job: sum(cities) = %s", got)
	}
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city WHERE state_code = 'AL'"); got == "0" {
		t.Fatalf("pruned read found no AL rows")
	}
	d := mustFlare(t, "table", "describe", "lakehouse.retail.city")
	if !strings.Contains(d.stdout, root+"/retail/city") {
		t.Errorf("describe does not show the S3 location:\n%s", d.stdout)
	}
	files := mustFlare(t, "table", "files", "retail.city")
	if !strings.Contains(files.stdout, root+"/retail/city/data/") || !strings.Contains(files.stdout, "240 rows") {
		t.Errorf("files:\n%s", files.stdout)
	}
	objs, err := store.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	var data, meta int
	for _, o := range objs {
		switch {
		case strings.HasSuffix(o.Key, ".parquet"):
			data++
		case strings.HasSuffix(o.Key, ".metadata.json"):
			meta++
		}
	}
	if data == 0 || meta == 0 {
		t.Errorf("bucket holds %d data and %d metadata files under %s", data, meta, prefix)
	}
	if _, err := os.Stat(filepath.Join(dir, ".flare", "lakehouse", "catalog.db")); err != nil {
		t.Errorf("the catalog is not in the default state folder: %v", err)
	}

	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	mustFlare(t, "table", "delete", "lakehouse.retail.city", "--where", "state_code = 'AL'")
	n := scalar(t, "SELECT count(*) FROM lakehouse.retail.city")
	if n == "240" || n == "0" {
		t.Fatalf("rows after delete = %s", n)
	}
	mustFlare(t, "table", "compact", "lakehouse.retail.city", "--rewrite-all")
	mustFlare(t, "table", "rewrite-manifests", "lakehouse.retail.city")
	mustFlare(t, "table", "expire-snapshots", "lakehouse.retail.city", "--retain-last", "1", "--older-than", "0s")
	mustFlare(t, "table", "remove-orphans", "lakehouse.retail.city", "--older-than", "0s")
	if got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city"); got != n {
		t.Fatalf("rows after maintenance = %s, want %s", got, n)
	}
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.retail.city")
	if c := strings.Count(strings.TrimSpace(snaps.stdout), "\n"); c != 1 {
		t.Errorf("want 1 snapshot after expiry:\n%s", snaps.stdout)
	}

	// MERGE INTO (copy-on-write), as TestMergeExample checks it locally.
	mustFlare(t, "run", "examples/merge/customers.yaml")
	want := "1:London,2:Wilmslow,3:Arlington,4:Hampton,5:Austin,6:Erlangen,8:Paris,9:Paris,10:Clermont,11:Stanford,12:Boston"
	if got := scalar(t, "SELECT string_agg(customer_id || ':' || city, ',' ORDER BY customer_id) FROM lakehouse.crm.customers"); got != `"`+want+`"` && got != want {
		t.Errorf("rows after the merge:\n got %s\nwant %s", got, want)
	}

	// Syndication: csv files in the lakehouse's bucket, outside any table;
	// a table is then refused there.
	mustFlare(t, "run", "examples/syndication/city_export.yaml")
	objs, err = store.List(context.Background(), prefix+"lake/syndicate/state_population/")
	if err != nil {
		t.Fatal(err)
	}
	var csv, marker bool
	for _, o := range objs {
		csv = csv || strings.HasSuffix(o.Key, ".csv")
		marker = marker || strings.HasSuffix(o.Key, "/_flare_dataset.json")
	}
	if !csv || !marker {
		t.Fatalf("syndicated objects: %+v", objs)
	}
	writeFile(t, filepath.Join(dir, "table_there.yaml"), `version: v1
name: wf-table-there
type: workflow
workflow:
  dag:
    - name: j
      spec:
        stack: flare:7.0
        stackSpec:
          job:
            inputs:
              - {name: c, dataset: "dataos://lakehouse:retail/city", format: iceberg}
            outputs:
              - {name: c, dataset: "dataos://lakehouse:syndicate/state_population?acl=rw", format: iceberg}
`)
	if r := flare(t, "validate", "table_there.yaml"); r.code == 0 || !strings.Contains(r.stderr+r.stdout, "holds files a syndication output wrote") {
		t.Errorf("a table over syndicated files on S3: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestS3LakehouseUnreachable: flare validate reports a lakehouse depot on
// S3 whose server does not answer, naming the depot and the endpoint,
// before anything runs.
func TestS3LakehouseUnreachable(t *testing.T) {
	dir := project(t)
	t.Setenv("FLARE_T_S3_KEY", "k")
	t.Setenv("FLARE_T_S3_SECRET", "s")
	writeFile(t, filepath.Join(dir, "flare.yaml"), `depots:
  lakehouse:
    type: lakehouse
    path: s3://nowhere/lake
    endpoint: http://127.0.0.1:1
    access_key_id_env: FLARE_T_S3_KEY
    secret_access_key_env: FLARE_T_S3_SECRET
  thirdparty: {type: file, path: ./examples/data}
`)
	r := flare(t, "validate", "examples/city/ingest.yaml")
	msg := r.stdout + r.stderr
	if r.code != 2 || !strings.Contains(msg, `lakehouse depot "lakehouse"`) || !strings.Contains(msg, "http://127.0.0.1:1") {
		t.Errorf("exit %d:\n%s", r.code, msg)
	}
}
