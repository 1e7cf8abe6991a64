package depot

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseDatabaseDepots(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    Database
		typ     Type
		wantErr string
	}{
		{name: "postgresql", yaml: `{type: postgresql, host: db.local, port: 6543, database: shop, user: app, password_env: PGPASSWORD}`,
			typ: PostgreSQL, want: Database{Host: "db.local", Port: 6543, Database: "shop", User: "app", PasswordEnv: "PGPASSWORD", Params: map[string]string{}}},
		{name: "postgres alias, default port", yaml: `{type: POSTGRES, host: h, database: d}`,
			typ: PostgreSQL, want: Database{Host: "h", Port: 5432, Database: "d", Params: map[string]string{}}},
		{name: "mysql default port", yaml: `{type: mysql, host: h, database: d, user: u, password_env: MYSQL_PWD}`,
			typ: MySQL, want: Database{Host: "h", Port: 3306, Database: "d", User: "u", PasswordEnv: "MYSQL_PWD", Params: map[string]string{}}},
		{name: "mariadb", yaml: `{type: mariadb, host: h, database: d}`,
			typ: MariaDB, want: Database{Host: "h", Port: 3306, Database: "d", Params: map[string]string{}}},
		{name: "jdbc url alone", yaml: `{url: "jdbc:postgresql://h:5433/shop?sslmode=require&user=app", password_env: PW}`,
			typ: PostgreSQL, want: Database{Host: "h", Port: 5433, Database: "shop", User: "app", PasswordEnv: "PW", Params: map[string]string{"sslmode": "require"}}},
		{name: "type jdbc with mysql url", yaml: `{type: jdbc, url: "jdbc:mysql://h/shop", params: {tls: "false"}}`,
			typ: MySQL, want: Database{Host: "h", Port: 3306, Database: "shop", Params: map[string]string{"tls": "false"}}},
		{name: "mariadb type with mysql url", yaml: `{type: mariadb, url: "jdbc:mysql://h:3307/shop"}`,
			typ: MariaDB, want: Database{Host: "h", Port: 3307, Database: "shop", Params: map[string]string{}}},
		{name: "password file relative", yaml: `{type: postgresql, host: h, database: d, password_file: secrets/pg}`,
			typ: PostgreSQL, want: Database{Host: "h", Port: 5432, Database: "d", PasswordFile: "secrets/pg", Params: map[string]string{}}},

		{name: "password in yaml", yaml: `{type: postgresql, host: h, database: d, password: x}`, wantErr: "never written in flare.yaml"},
		{name: "password in url", yaml: `{url: "jdbc:postgresql://u:secret@h/d"}`, wantErr: "never written in flare.yaml"},
		{name: "password in url query", yaml: `{url: "jdbc:mysql://h/d?password=secret"}`, wantErr: "never written in flare.yaml"},
		{name: "password in params", yaml: `{type: mysql, host: h, database: d, params: {Password: x}}`, wantErr: "params.Password"},
		{name: "no host", yaml: `{type: postgresql, database: d}`, wantErr: "missing host"},
		{name: "no database", yaml: `{type: mysql, host: h}`, wantErr: "missing database"},
		{name: "bad port", yaml: `{type: mysql, host: h, database: d, port: 70000}`, wantErr: "not a TCP port"},
		{name: "type and url disagree", yaml: `{type: postgresql, url: "jdbc:mysql://h/d"}`, wantErr: "does not match url"},
		{name: "host and url disagree", yaml: `{type: postgresql, host: a, url: "jdbc:postgresql://b/d"}`, wantErr: `host "a" differs`},
		{name: "unknown sub-protocol", yaml: `{url: "jdbc:oracle:thin://h/d"}`, wantErr: "unsupported sub-protocol"},
		{name: "jdbc without url", yaml: `{type: jdbc, host: h, database: d}`, wantErr: "type jdbc needs a url"},
		{name: "path on database", yaml: `{type: postgresql, host: h, database: d, path: ./x}`, wantErr: "has no path"},
		{name: "both password sources", yaml: `{type: postgresql, host: h, database: d, password_env: A, password_file: b}`, wantErr: "not both"},
		{name: "host on a file depot", yaml: `{type: file, path: ./x, host: h}`, wantErr: "belong to postgresql, mysql and mariadb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "flare.yaml")
			c, err := Parse(file, []byte("depots:\n  db: "+tt.yaml+"\n"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d, err := c.Depot("db")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.PasswordFile != "" {
				want.PasswordFile = filepath.Join(dir, want.PasswordFile)
			}
			if d.Type != tt.typ || d.Database == nil || !reflect.DeepEqual(*d.Database, want) {
				t.Fatalf("got type %s %+v, want %s %+v", d.Type, d.Database, tt.typ, want)
			}
		})
	}
}

func TestResolveDatabaseAddress(t *testing.T) {
	c, err := Parse("flare.yaml", []byte("depots:\n  pg: {type: postgresql, host: h, database: d}\n"))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := c.Resolve("dataos://pg:public/orders?acl=rw")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Depot.Type != PostgreSQL || loc.Address.Collection != "public" || loc.Address.Dataset != "orders" || loc.Path != "" {
		t.Fatalf("got %+v", loc)
	}
	if _, err := c.Resolve("dataos://pg:public/a/b"); err == nil || !strings.Contains(err.Error(), "<schema>/<table>") {
		t.Fatalf("err = %v", err)
	}
}
