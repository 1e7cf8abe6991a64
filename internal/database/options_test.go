package database

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/depot"
)

func TestParseReadOptions(t *testing.T) {
	tbl := TableName{Schema: "public", Name: "orders"}
	tests := []struct {
		name    string
		kind    Kind
		opts    map[string]string
		want    ReadOptions
		wantErr string
	}{
		{name: "none", kind: PostgreSQL, want: ReadOptions{Table: tbl}},
		{name: "spark spelling", kind: PostgreSQL, opts: map[string]string{"partitionColumn": "id", "lowerBound": "1", "upperBound": "100", "numPartitions": "4", "fetchsize": "1000", "driver": "org.postgresql.Driver"},
			want: ReadOptions{Table: tbl, PartitionColumn: "id", LowerBound: "1", UpperBound: "100", NumPartitions: 4, FetchSize: 1000}},
		{name: "snake and lower case", kind: MySQL, opts: map[string]string{"partition_column": "id", "lowerbound": "1", "upper_bound": "100", "NUMPARTITIONS": "2", "driver": "com.mysql.cj.jdbc.Driver"},
			want: ReadOptions{Table: tbl, PartitionColumn: "id", LowerBound: "1", UpperBound: "100", NumPartitions: 2}},
		{name: "query", kind: MariaDB, opts: map[string]string{"query": "select 1", "driver": "org.mariadb.jdbc.Driver"}, want: ReadOptions{Table: tbl, Query: "select 1"}},
		{name: "dbtable", kind: PostgreSQL, opts: map[string]string{"dbtable": "(select 1) t"}, want: ReadOptions{Table: tbl, DBTable: "(select 1) t"}},
		{name: "numPartitions alone", kind: PostgreSQL, opts: map[string]string{"numPartitions": "8"}, want: ReadOptions{Table: tbl, NumPartitions: 8}},

		{name: "typo", kind: PostgreSQL, opts: map[string]string{"partitionColum": "id"}, wantErr: `unknown option "partitionColum" (did you mean "partitionColumn"?)`},
		{name: "unknown", kind: PostgreSQL, opts: map[string]string{"zzz": "1"}, wantErr: `unknown option "zzz" (known: dbtable`},
		{name: "wrong driver", kind: PostgreSQL, opts: map[string]string{"driver": "com.mysql.cj.jdbc.Driver"}, wantErr: "does not fit a postgresql depot"},
		{name: "password", kind: PostgreSQL, opts: map[string]string{"password": "x"}, wantErr: "connection setting of the depot"},
		{name: "query and dbtable", kind: PostgreSQL, opts: map[string]string{"query": "a", "dbtable": "b"}, wantErr: "dbtable or query, not both"},
		{name: "query and partitionColumn", kind: PostgreSQL, opts: map[string]string{"query": "a", "partitionColumn": "id", "lowerBound": "1", "upperBound": "2", "numPartitions": "2"}, wantErr: "query and partitionColumn"},
		{name: "partial partitioning", kind: PostgreSQL, opts: map[string]string{"partitionColumn": "id", "lowerBound": "1"}, wantErr: "must be given together"},
		{name: "bounds without a column", kind: PostgreSQL, opts: map[string]string{"lowerBound": "1", "upperBound": "2", "numPartitions": "2"}, wantErr: "must be given together"},
		{name: "bad number", kind: PostgreSQL, opts: map[string]string{"numPartitions": "many"}, wantErr: `numPartitions "many": expected a positive integer`},
		{name: "zero partitions", kind: PostgreSQL, opts: map[string]string{"numPartitions": "0"}, wantErr: "expected a positive integer"},
		{name: "negative fetchsize", kind: PostgreSQL, opts: map[string]string{"fetchsize": "-1"}, wantErr: "non-negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReadOptions(tt.kind, tbl, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadOption) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseWriteOptions(t *testing.T) {
	tbl := TableName{Schema: "public", Name: "orders"}
	tests := []struct {
		name    string
		opts    map[string]string
		want    WriteOptions
		wantErr string
	}{
		{name: "default is overwrite", want: WriteOptions{Table: tbl, SaveMode: Overwrite}},
		{name: "modes are case-insensitive", opts: map[string]string{"saveMode": "Append"}, want: WriteOptions{Table: tbl, SaveMode: Append}},
		{name: "spark's error", opts: map[string]string{"saveMode": "error"}, want: WriteOptions{Table: tbl, SaveMode: ErrorIfExists}},
		{name: "upsert", opts: map[string]string{"saveMode": "upsert", "upsertKeys": "id, day"}, want: WriteOptions{Table: tbl, SaveMode: Upsert, UpsertKeys: []string{"id", "day"}}},
		{name: "dbtable names the table", opts: map[string]string{"dbtable": `sales."Order Lines"`}, want: WriteOptions{Table: TableName{Schema: "sales", Name: "Order Lines"}, SaveMode: Overwrite}},
		{name: "batchsize and create options", opts: map[string]string{"batchsize": "500", "createTableOptions": "ENGINE=InnoDB", "createTableColumnTypes": "name VARCHAR(64)", "truncate": "true", "numPartitions": "4"},
			want: WriteOptions{Table: tbl, SaveMode: Overwrite, BatchSize: 500, CreateTableOptions: "ENGINE=InnoDB", CreateTableColumnTypes: "name VARCHAR(64)"}},

		{name: "unknown mode", opts: map[string]string{"saveMode": "merge"}, wantErr: `saveMode "merge"`},
		{name: "upsert without keys", opts: map[string]string{"saveMode": "upsert"}, wantErr: "needs upsertKeys"},
		{name: "keys without upsert", opts: map[string]string{"upsertKeys": "id"}, wantErr: "upsertKeys needs saveMode upsert"},
		{name: "truncate false", opts: map[string]string{"truncate": "false"}, wantErr: "drop-and-recreate is not offered"},
		{name: "isolationLevel", opts: map[string]string{"isolationLevel": "SERIALIZABLE"}, wantErr: "isolationLevel"},
		{name: "bad dbtable", opts: map[string]string{"dbtable": "a.b.c"}, wantErr: "expected table or schema.table"},
		{name: "typo", opts: map[string]string{"batchSise": "10"}, wantErr: `did you mean "batchsize"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWriteOptions(PostgreSQL, tbl, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadOption) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTableFromAddress(t *testing.T) {
	if got := TableFromAddress("none", "city"); got != (TableName{Name: "city"}) {
		t.Fatalf("none: %+v", got)
	}
	if got := TableFromAddress("sales", "orders"); got != (TableName{Schema: "sales", Name: "orders"}) {
		t.Fatalf("%+v", got)
	}
}

func TestFromDepot(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pg.secret")
	if err := os.WriteFile(secret, []byte("s3cr:et@/x\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := depot.Parse(filepath.Join(dir, "flare.yaml"), []byte(`depots:
  pg: {type: postgresql, host: h, database: shop, user: app, password_env: FLARE_T_PW, params: {sslmode: require}}
  file: {type: postgresql, host: h, database: shop, password_file: pg.secret}
  my: {url: "jdbc:mariadb://db:3307/shop?user=app"}
  none: {type: mysql, host: h, database: shop}
  lake: {type: lakehouse, path: ./lake}
`))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FLARE_T_PW": "pw"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	get := func(name string) (Config, error) {
		d, err := cfg.Depot(name)
		if err != nil {
			t.Fatal(err)
		}
		return FromDepot(d, getenv)
	}
	c, err := get("pg")
	if err != nil || c.Password != "pw" || c.Kind != PostgreSQL || c.Port != 5432 || c.Params["sslmode"] != "require" {
		t.Fatalf("pg: %+v %v", c, err)
	}
	if c, err = get("file"); err != nil || c.Password != "s3cr:et@/x" {
		t.Fatalf("password_file: %q %v", c.Password, err)
	}
	if c, err = get("my"); err != nil || c.Kind != MariaDB || c.Port != 3307 || c.User != "app" || c.Password != "" {
		t.Fatalf("my: %+v %v", c, err)
	}
	if c, err = get("none"); err != nil || c.Password != "" {
		t.Fatalf("no password: %+v %v", c, err)
	}
	delete(env, "FLARE_T_PW")
	if _, err = get("pg"); err == nil || !strings.Contains(err.Error(), "depot pg: password_env names FLARE_T_PW, which is not set") {
		t.Fatalf("unset variable: %v", err)
	}
	if _, err = get("lake"); err == nil || !strings.Contains(err.Error(), "not a postgresql, mysql or mariadb depot") {
		t.Fatalf("lakehouse depot: %v", err)
	}
	// The connection string quotes every value, so a password with quotes,
	// spaces or backslashes reaches the server as written.
	s := Config{Host: "h", Port: 1, Database: "d b", User: "u", Password: `a 'b' \c`}.pgConnString()
	if !strings.Contains(s, `password='a \'b\' \\c'`) || !strings.Contains(s, `dbname='d b'`) {
		t.Fatalf("conn string %s", s)
	}
}
