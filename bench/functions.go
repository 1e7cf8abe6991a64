package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// functionsBench measures step functions and pre-sink assertions through
// `flare run` (docs/functions.md, docs/quality.md): one job reads a Parquet
// file and writes its step to an Iceberg table, (a) as the step alone,
// (b) with a chain of ten typical functions after the step's SQL, and (c)
// as (a) with pre-sink assertions on the output (nine column checks and an
// sql check, plus the two writes of their results). Each run is a child
// process; the runs alternate and the fastest of each is kept, which keeps
// the ratios fair on a shared machine.
//
//	go run ./bench functions --rows 10000000
func functionsBench(args []string) error {
	fs := flag.NewFlagSet("functions", flag.ExitOnError)
	rows := fs.Int("rows", 10_000_000, "rows of the input")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "flare-bench"), "work folder (the input is kept and reused)")
	repeat := fs.Int("repeat", 3, "runs of each job; the fastest is reported")
	fs.Parse(args)
	src := filepath.Join(*dir, "data", "functions", fmt.Sprintf("customers-%d.parquet", *rows))
	if _, err := os.Stat(src); err != nil {
		fmt.Printf("generating %d rows in %s ...\n", *rows, src)
		if err := generateCustomers(src, *rows); err != nil {
			return err
		}
	}
	proj := filepath.Join(*dir, "functions-project")
	os.RemoveAll(proj)
	defer os.RemoveAll(proj)
	if err := os.MkdirAll(proj, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(proj, "flare.yaml"), []byte(fmt.Sprintf(
		"depots:\n  lakehouse: {type: lakehouse, path: ./lakehouse}\n  bench: {type: file, path: %q}\n", filepath.Join(*dir, "data"))), 0o644); err != nil {
		return err
	}
	const typical = `
                    functions:
                      - {name: cleanse_column_names}
                      - {name: drop, columns: [junk]}
                      - {name: rename, column: e_mail, asColumn: email}
                      - {name: set_type, columns: {amount: double}}
                      - {name: trim, column: full_name}
                      - {name: change_case, case: title, column: full_name}
                      - {name: fill_null_or_empty, columns: {city: unknown}}
                      - {name: add_column, column: source, value: crm}
                      - {name: cut_character, column: order_time, asColumn: order_month, startIndex: 1, endIndex: 7}
                      - {name: mask_number, column: ssn, pattern: "XXXXX####"}`
	const checks = `
                assertions:
                  - column: Customer Id
                    tests: [missing_count == 0, min >= 0, count > 0]
                  - column: City
                    tests: [missing_percentage < 20, distinct_count == 3]
                  - column: E-Mail
                    validFormat: {regex: "^[^@]+@[^@]+$"}
                    tests: [invalid_count == 0, max_length < 40]
                  - column: Amount
                    filter: City == 'Oslo'
                    tests: [missing_count == 0, count > 0]
                  - sql: SELECT count(DISTINCT SSN) AS ssns FROM customers
                    tests: [ssns > 0]`
	write := func(file, functions, assertions string) error {
		m := fmt.Sprintf(`version: v1
name: wf-bench-functions
type: workflow
workflow:
  dag:
    - name: customers
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: customers, dataset: "dataos://bench:functions/%s", format: parquet}
            steps:
              - sequence:
                  - name: clean
                    sql: SELECT * FROM customers%s
            outputs:
              - name: clean
                dataset: dataos://lakehouse:bench/%s
                format: iceberg%s
`, filepath.Base(src), functions, strings.TrimSuffix(file, ".yaml"), assertions)
		return os.WriteFile(filepath.Join(proj, file), []byte(m), 0o644)
	}
	runs := []struct{ name, file, functions, assertions string }{
		{"step alone", "step.yaml", "", ""},
		{"step + 10 functions", "functions.yaml", typical, ""},
		{"step + 10 pre-sink checks", "checks.yaml", "", checks},
	}
	for _, r := range runs {
		if err := write(r.file, r.functions, r.assertions); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("input: %s, %d rows; one step written to an Iceberg table (overwrite)\n\n", src, *rows)
	best := make([]time.Duration, len(runs))
	for i := 0; i < *repeat; i++ {
		for j, r := range runs {
			m, err := child(proj, self, "child-flare", "run", r.file)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			if best[j] == 0 || m.wall < best[j] {
				best[j] = m.wall
			}
		}
	}
	fmt.Printf("%-28s %10s %8s\n", "job", "fastest", "× step")
	for j, r := range runs {
		fmt.Printf("%-28s %9.2fs %8.2f\n", r.name, best[j].Seconds(), best[j].Seconds()/best[0].Seconds())
	}
	fmt.Printf("\nfunctions: %.2f× the step alone (target <= 1.5)\n", best[1].Seconds()/best[0].Seconds())
	return nil
}

// generateCustomers writes the rows BenchmarkChain (internal/functions)
// uses: eight string and number columns.
func generateCustomers(path string, n int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	tmp := path + ".tmp"
	q := `COPY (SELECT i AS "Customer Id",
		'  ' || ['ann', 'bob', 'cy', 'dee'][i % 4 + 1] || ' smith ' AS "Full Name",
		'user' || i || '@' || ['mail.example.org', 'x.com'][i % 2 + 1] AS "E-Mail",
		CASE WHEN i % 7 = 0 THEN NULL ELSE ['Pune', 'Oslo', 'Lima'][i % 3 + 1] END AS "City",
		CAST(i % 1000 AS VARCHAR) || '.25' AS "Amount",
		'2024-' || lpad(CAST(i % 12 + 1 AS VARCHAR), 2, '0') || '-15T10:00:00Z' AS "Order Time",
		lpad(CAST(i % 1000000000 AS VARCHAR), 9, '0') AS "SSN",
		'internal' AS "Junk"
		FROM range(` + fmt.Sprint(n) + `) t(i)) TO '` + strings.ReplaceAll(tmp, "'", "''") + `' (FORMAT parquet)`
	if _, err := db.ExecContext(context.Background(), q); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
