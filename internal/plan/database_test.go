package plan_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/database"
	"github.com/flare-lakehouse/flare/internal/database/dbtest"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Manifests of testdata that read or write database depots need the test
// servers: the pg depot (FLARE_TEST_POSTGRES_URI) for files named pg_*,
// database.yaml and database_*, the my depot (FLARE_TEST_MYSQL_DSN) for
// files named mysql_*. addDatabases declares the depots of the servers
// that are available in the project's flare.yaml and seeds them; tests of
// a manifest that needs a missing server skip it (fail under CI=true).
// The depots down and mydown (testdata/project/flare.yaml) point at a
// closed port: they need no server.

// dbSchema is the schema (the database on MySQL) the plan tests use.
const dbSchema = "flare_plan"

// addDatabases adds the depots pg and my to dir/flare.yaml for the test
// servers that are set, with the tables of testdata/databases.
func addDatabases(t *testing.T, dir string) {
	t.Helper()
	// Without a server its depot is declared all the same (at a closed
	// port), so that messages listing the depots do not depend on it.
	depots := "  pg: {type: postgresql, host: 127.0.0.1, port: 1, database: none}\n"
	if dbtest.Available(dbtest.PostgresEnv) {
		s := dbtest.Postgres(t, dbSchema)
		s.Exec(t, seed(t, "postgres.sql")...)
		depots = s.Depot(t, "pg")
	}
	my := "  my: {type: mysql, host: 127.0.0.1, port: 1, database: none}\n"
	if dbtest.Available(dbtest.MySQLEnv) {
		s := dbtest.MySQL(t, dbSchema)
		s.Exec(t, seed(t, "mysql.sql")...)
		my = s.Depot(t, "my")
	}
	depots += my
	f, err := os.OpenFile(filepath.Join(dir, "flare.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(depots); err != nil {
		t.Fatal(err)
	}
}

// seed reads the statements of testdata/databases/name (separated by
// lines ending in ";"; lines starting with -- are comments).
func seed(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/databases", name))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// needServers skips (or under CI fails) a test of a manifest whose servers
// are not set, judged by its file name.
func needServers(t *testing.T, file string) {
	t.Helper()
	base := filepath.Base(file)
	switch {
	case strings.HasPrefix(base, "pg_"), strings.HasPrefix(base, "database"):
		dbtest.Need(t, dbtest.PostgresEnv)
	case strings.HasPrefix(base, "mysql_"):
		dbtest.Need(t, dbtest.MySQLEnv)
	}
}

var serverRE = regexp.MustCompile(`\((postgresql|mysql|mariadb) at [^,]+, database [^,]+, user [^)]+\)`)

// redactServers replaces where the test servers are (which differs between
// machines) in messages kept in golden files.
func redactServers(s string) string {
	return serverRE.ReplaceAllString(s, "($1 at $$SERVER)")
}

// TestDatabaseSpecsMatchThePackage proves that the option specs declare
// exactly what package database parses: every supported key is accepted
// by its parser, and the parser knows no key the spec lacks.
func TestDatabaseSpecsMatchThePackage(t *testing.T) {
	valid := map[string]string{
		"dbtable": "s.t", "query": "SELECT 1", "partitionColumn": "id", "lowerBound": "1", "upperBound": "9",
		"numPartitions": "2", "upsertKeys": "id", "batchsize": "10", "createTableOptions": "x", "createTableColumnTypes": "a TEXT",
	}
	table := database.TableName{Name: "t"}
	for _, c := range []struct {
		o     *spec.ObjectSpec
		parse func(map[string]string) error
	}{
		{plan.DatabaseReaderSpec(), func(m map[string]string) error {
			_, err := database.ParseReadOptions(database.PostgreSQL, table, m)
			return err
		}},
		{plan.DatabaseWriterSpec(), func(m map[string]string) error {
			_, err := database.ParseWriteOptions(database.PostgreSQL, table, m)
			return err
		}},
	} {
		for _, f := range c.o.Fields {
			err := c.parse(map[string]string{f.Key: valid[f.Key]})
			unknown := err != nil && strings.Contains(err.Error(), "unknown option")
			if f.Status == spec.Supported && unknown {
				t.Errorf("%s.%s: supported by the spec, unknown to package database: %v", c.o.Path, f.Key, err)
			}
		}
		// A key the package parses that the spec does not declare would
		// be refused by the spec: there is none.
		for _, k := range []string{"dbtable", "query", "partitionColumn", "lowerBound", "upperBound", "numPartitions", "fetchsize", "driver",
			"saveMode", "upsertKeys", "batchsize", "createTableOptions", "createTableColumnTypes", "truncate", "isolationLevel"} {
			if c.parse(map[string]string{k: valid[k]}) == nil || !strings.Contains(c.parse(map[string]string{k: valid[k]}).Error(), "unknown option") {
				if c.o.Field(k) == nil && k != "saveMode" {
					t.Errorf("%s: package database parses %s, the spec does not declare it", c.o.Path, k)
				}
			}
		}
	}
}
