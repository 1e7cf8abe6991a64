package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/database/dbtest"
)

// Database depots end to end: flare validate and flare run against the
// PostgreSQL and MySQL/MariaDB servers of FLARE_TEST_POSTGRES_URI and
// FLARE_TEST_MYSQL_DSN (skipped without them, failures under CI=true).

// setDepot replaces (or adds) the depot name in the project's flare.yaml.
func setDepot(t *testing.T, dir, name, entry string) {
	t.Helper()
	p := filepath.Join(dir, "flare.yaml")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `:.*\n`)
	s := string(data)
	if re.MatchString(s) {
		s = re.ReplaceAllLiteralString(s, entry)
	} else {
		s = strings.TrimRight(s, "\n") + "\n" + entry
	}
	writeFile(t, p, s)
}

// pgProject is a project whose pg depot is the test server, with the
// schemas shop and reporting of examples/postgres loaded from setup.sql.
func pgProject(t *testing.T) (string, *dbtest.Server) {
	t.Helper()
	dir := project(t)
	pg := dbtest.Postgres(t, "shop")
	pg.Exec(t, "DROP SCHEMA IF EXISTS reporting CASCADE", mustRead(t, "examples/postgres/setup.sql"))
	t.Cleanup(func() { pg.Exec(t, "DROP SCHEMA IF EXISTS reporting CASCADE") })
	setDepot(t, dir, "pg", pg.Depot(t, "pg"))
	return dir, pg
}

func oneValue(t *testing.T, rows []string) string {
	t.Helper()
	if len(rows) != 1 {
		t.Fatalf("want one row, got %q", rows)
	}
	return rows[0]
}

// TestPostgresExample runs examples/postgres (docs/connectors.md): a
// partitioned read of a PostgreSQL table into an Iceberg table, and totals
// from the Iceberg table upserted into PostgreSQL; a second run after the
// source changed updates the totals in place.
func TestPostgresExample(t *testing.T) {
	_, pg := pgProject(t)
	mustFlare(t, "validate", "examples/postgres/orders.yaml")
	r := mustFlare(t, "run", "examples/postgres/orders.yaml")
	if !strings.Contains(r.stdout, "2 of 2 jobs succeeded") {
		t.Fatalf("summary:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "2000 rows in 4 ranges") {
		t.Errorf("the read is not reported as 2000 rows in 4 ranges:\n%s", r.stderr)
	}
	// PostgreSQL -> Iceberg: the same rows, exactly.
	const paid = "FROM shop.orders WHERE status IN ('paid', 'shipped')"
	want := oneValue(t, pg.Rows(t, "SELECT count(*) || ' ' || sum(amount) || ' ' || sum(order_id) "+paid))
	got := scalar(t, "SELECT count(*) || ' ' || sum(amount) || ' ' || sum(order_id) FROM lakehouse.sales.paid_orders")
	if got != want {
		t.Fatalf("lakehouse.sales.paid_orders: count, sum(amount), sum(order_id) = %s, PostgreSQL has %s", got, want)
	}
	if got := scalar(t, "SELECT strftime(min(order_ts), '%Y-%m-%d %H:%M:%S') FROM lakehouse.sales.paid_orders"); got != oneValue(t, pg.Rows(t, "SELECT to_char(min(order_ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "+paid)) {
		t.Errorf("min(order_ts) = %s differs from PostgreSQL's", got)
	}
	// Iceberg -> PostgreSQL: the totals, in a table the write created.
	totals := "SELECT customer_id || ' ' || orders || ' ' || revenue FROM reporting.customer_totals ORDER BY customer_id"
	source := "SELECT customer_id || ' ' || count(*) || ' ' || sum(amount) " + paid + " GROUP BY customer_id ORDER BY customer_id"
	if got, want := pg.Rows(t, totals), pg.Rows(t, source); strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != 47 {
		t.Fatalf("reporting.customer_totals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Upsert: a changed order updates its customer's row, a row the job
	// does not write stays, and nothing is duplicated.
	pg.Exec(t, "UPDATE shop.orders SET status = 'paid', amount = 1000.25 WHERE order_id = 5",
		"INSERT INTO reporting.customer_totals (customer_id, orders, revenue) VALUES (999, 1, 1)")
	mustFlare(t, "run", "examples/postgres/orders.yaml")
	if got, want := pg.Rows(t, totals+" LIMIT 47"), pg.Rows(t, source); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after the upsert:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := oneValue(t, pg.Rows(t, "SELECT count(*) || ' ' || count(*) FILTER (WHERE customer_id = 999) FROM reporting.customer_totals")); got != "48 1" {
		t.Fatalf("rows, rows of customer 999 = %s, want 48 1", got)
	}
}

// TestDatabaseValidate: flare validate reports what is wrong with a
// database input or output at its line, before anything runs: a table
// that does not exist, an output column the table lacks, and (without any
// server) a server that is not running.
func TestDatabaseValidate(t *testing.T) {
	t.Run("not running", func(t *testing.T) {
		dir := project(t)
		// A port that was just free: nothing listens there.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		setDepot(t, dir, "pg", "  pg: {type: postgresql, host: 127.0.0.1, port: "+strconv.Itoa(port)+", database: shop, user: flare}\n")
		for _, cmd := range []string{"validate", "run"} {
			r := flare(t, cmd, "examples/postgres/orders.yaml")
			if r.code != 2 {
				t.Fatalf("flare %s: exit %d, want 2\n%s", cmd, r.code, r.stderr)
			}
			for _, want := range []string{
				"examples/postgres/orders.yaml:20:17: job orders-ingest, input orders: dataset dataos://pg:shop/orders: cannot connect to depot pg (postgresql at 127.0.0.1:" + strconv.Itoa(port),
				"connection refused",
			} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("flare %s: stderr lacks %q:\n%s", cmd, want, r.stderr)
				}
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "lakehouse", "sales")); err == nil {
			t.Error("flare run wrote to the lakehouse although the manifest does not compile")
		}
	})
	t.Run("missing table and column", func(t *testing.T) {
		dir, pg := pgProject(t)
		pg.Exec(t, "CREATE TABLE reporting.customer_totals (customer_id integer PRIMARY KEY, orders bigint, revenue numeric)")
		// The lakehouse table the second job reads exists from a first run.
		mustFlare(t, "run", "examples/postgres/orders.yaml", "--job", "orders-ingest")
		m := strings.Replace(mustRead(t, "examples/postgres/orders.yaml"), "dataos://pg:shop/orders", "dataos://pg:shop/order", 1)
		writeFile(t, filepath.Join(dir, "bad.yaml"), m)
		r := flare(t, "validate", "bad.yaml")
		if r.code != 2 {
			t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
		}
		for _, want := range []string{
			"bad.yaml:20:17: job orders-ingest, input orders: dataset dataos://pg:shop/order: no such table: depot pg",
			`relation "shop.order" does not exist`,
			"bad.yaml:65:17: job customer-totals, output totals: table reporting.customer_totals of depot pg has no column last_order (its columns: customer_id, orders, revenue)",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
	})
}

// TestDatabaseWriteFailureLeavesTableUnchanged: an overwrite that fails at
// the last of 1,000 rows (a CHECK constraint; on MySQL/MariaDB in the last
// of ten INSERTs of 100 rows) leaves the table's rows as they were, on
// PostgreSQL and on MySQL/MariaDB; so does saveMode
// errorifexists on an existing table. The job fails (exit code 1) naming
// the output.
func TestDatabaseWriteFailureLeavesTableUnchanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		server func(t *testing.T) *dbtest.Server
		setup  []string
	}{
		{"postgresql", func(t *testing.T) *dbtest.Server { return dbtest.Postgres(t, "flare_cli_fail") }, []string{
			"CREATE TABLE {schema}.src (id integer PRIMARY KEY, v integer)",
			"INSERT INTO {schema}.src SELECT i, CASE WHEN i = 1000 THEN 500 ELSE i % 90 END FROM generate_series(1, 1000) AS i",
			"CREATE TABLE {schema}.target (id integer PRIMARY KEY, v integer CHECK (v < 100))",
			"INSERT INTO {schema}.target VALUES (1, 11), (2, 22), (3, 33)",
		}},
		{"mysql", func(t *testing.T) *dbtest.Server { return dbtest.MySQL(t, "flare_cli_fail") }, []string{
			"CREATE TABLE {schema}.src (id integer PRIMARY KEY, v integer)",
			"INSERT INTO {schema}.src WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000) SELECT i, IF(i = 1000, 500, i % 90) FROM s",
			"CREATE TABLE {schema}.target (id integer PRIMARY KEY, v integer CHECK (v < 100)) ENGINE=InnoDB",
			"INSERT INTO {schema}.target VALUES (1, 11), (2, 22), (3, 33)",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := project(t)
			s := c.server(t)
			s.Exec(t, c.setup...)
			setDepot(t, dir, "db", s.Depot(t, "db"))
			manifest := func(mode string) string {
				return job(`              - {name: src, dataset: "dataos://db:flare_cli_fail/src"}`,
					`              - sequence:
                  - {name: rows, sql: "SELECT id, v FROM src ORDER BY id"}`,
					`              - {name: rows, dataset: "dataos://db:flare_cli_fail/target?acl=rw", format: jdbc, options: {saveMode: `+mode+`, extraOptions: {batchsize: 100}}}`)
			}
			before := s.Rows(t, "SELECT id, v FROM {schema}.target ORDER BY id")
			for _, mode := range []string{"overwrite", "errorifexists"} {
				writeFile(t, filepath.Join(dir, mode+".yaml"), manifest(mode))
				mustFlare(t, "validate", mode+".yaml")
				r := flare(t, "run", mode+".yaml")
				if r.code != 1 {
					t.Fatalf("saveMode %s: exit %d, want 1\n%s\n%s", mode, r.code, r.stdout, r.stderr)
				}
				if !strings.Contains(r.stderr, "job test-job, output rows") {
					t.Errorf("saveMode %s: the error does not name the output:\n%s", mode, r.stderr)
				}
				if after := s.Rows(t, "SELECT id, v FROM {schema}.target ORDER BY id"); strings.Join(after, ";") != strings.Join(before, ";") {
					t.Fatalf("saveMode %s: the table changed: %q, was %q", mode, after, before)
				}
			}
			// The same job into a table without the constraint succeeds:
			// the failure above was the last row's.
			s.Exec(t, "DROP TABLE {schema}.target")
			mustFlare(t, "run", "overwrite.yaml")
			if got := s.Rows(t, "SELECT count(*) FROM {schema}.target"); strings.Join(got, "") != "1000" {
				t.Fatalf("rows written = %q, want 1000", got)
			}
		})
	}
}

// TestIcebergToMySQLAndBack writes an Iceberg table into MySQL/MariaDB (a
// created table) and reads it back into another Iceberg table in a second
// job, partitioned on the key: the rows come back unchanged.
func TestIcebergToMySQLAndBack(t *testing.T) {
	dir := project(t)
	my := dbtest.MySQL(t, "flare_cli_city")
	setDepot(t, dir, "my", my.Depot(t, "my"))
	mustFlare(t, "run", "examples/city/ingest.yaml", "--job", "city-ingest")
	m := `version: v1
name: wf-mysql-roundtrip
type: workflow
workflow:
  dag:
    - name: to-mysql
      spec:
        stack: flare:7.0
        stackSpec:
          job:
            inputs:
              - {name: city, dataset: "dataos://lakehouse:retail/city"}
            steps:
              - sequence:
                  - {name: cities, sql: "SELECT city_id, city_name, state_code, population, population_missing, ts_city FROM city"}
            outputs:
              - name: cities
                dataset: dataos://my:flare_cli_city/city?acl=rw
                driver: com.mysql.cj.jdbc.Driver
                format: jdbc
                options: {saveMode: overwrite, extraOptions: {batchsize: 50, createTableOptions: "ENGINE=InnoDB"}}
    - name: from-mysql
      dependencies: [to-mysql]
      spec:
        stack: flare:7.0
        stackSpec:
          job:
            inputs:
              - name: city
                dataset: dataos://my:flare_cli_city/city
                options: {partitionColumn: population, lowerBound: "1000", upperBound: "1000000", numPartitions: 3}
            outputs:
              - {name: city, dataset: "dataos://lakehouse:retail/city_from_mysql?acl=rw", format: iceberg}
`
	writeFile(t, filepath.Join(dir, "roundtrip.yaml"), m)
	mustFlare(t, "run", "roundtrip.yaml")
	if got := oneValue(t, my.Rows(t, "SELECT count(*) FROM {schema}.city")); got != "240" {
		t.Fatalf("rows in MySQL = %s, want 240", got)
	}
	q := "SELECT count(*) || ' ' || sum(population) || ' ' || count(DISTINCT city_name) || ' ' || count_if(population_missing) || ' ' || strftime(max(ts_city), '%%Y-%%m-%%d %%H:%%M:%%S') FROM %s"
	orig := scalar(t, fmt.Sprintf(q, "lakehouse.retail.city"))
	back := scalar(t, fmt.Sprintf(q, "lakehouse.retail.city_from_mysql"))
	if orig != back {
		t.Fatalf("after the round trip: %s, was %s", back, orig)
	}
	// A second run overwrites the MySQL table (emptied, kept): still 240 rows.
	mustFlare(t, "run", "roundtrip.yaml", "--job", "to-mysql")
	if got := oneValue(t, my.Rows(t, "SELECT count(*) FROM {schema}.city")); got != "240" {
		t.Fatalf("rows in MySQL after the overwrite = %s, want 240", got)
	}
}

// TestConnectorsDocShowsThePostgresExample: the manifest in
// docs/connectors.md is the example file TestPostgresExample runs.
func TestConnectorsDocShowsThePostgresExample(t *testing.T) {
	d, err := readFile("../../docs/connectors.md")
	if err != nil {
		t.Fatal(err)
	}
	e, err := readFile("../../examples/postgres/orders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d, "```yaml\n"+e+"```") {
		t.Error("docs/connectors.md does not show examples/postgres/orders.yaml verbatim; copy it in")
	}
}
