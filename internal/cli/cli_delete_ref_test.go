package cli

import (
	"path/filepath"
	"strconv"
	"testing"
)

// A delete predicate may read another lakehouse table by its three-part name.
func TestDeleteWhereReadsAnotherTable(t *testing.T) {
	dir := project(t)
	mustFlare(t, "run", "examples/city/ingest.yaml")
	keep := scalar(t, `SELECT count(*) FROM lakehouse.retail.city c WHERE NOT EXISTS (
		SELECT 1 FROM lakehouse.retail.state_population s WHERE s.state_code = c.state_code AND s.cities < 30)`)
	p := filepath.Join(dir, "delete.yaml")
	writeFile(t, p, `version: v1
name: wf-delete-small-states
type: workflow
workflow:
  dag:
    - name: delete-small-states
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: city, dataset: "dataos://lakehouse:retail/city", format: iceberg}
            actions:
              - name: delete_from_dataset
                input: city
                deleteWhere: >-
                  exists (select 1 from lakehouse.retail.state_population s
                          where s.state_code = target.state_code and s.cities < 30)
`)
	mustFlare(t, "run", p)
	got := scalar(t, "SELECT count(*) FROM lakehouse.retail.city")
	if got != keep {
		t.Fatalf("rows after delete = %s, want %s", got, keep)
	}
	if n, _ := strconv.Atoi(keep); n == 240 || n == 0 {
		t.Fatalf("the test data should make the delete remove some rows, not %d", 240-n)
	}
}
