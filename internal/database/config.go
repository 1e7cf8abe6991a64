package database

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/flare-lakehouse/flare/internal/depot"
)

// Kind is the server a Config reaches.
type Kind string

// Server kinds. MariaDB speaks MySQL's protocol and SQL as far as this
// package uses them.
const (
	PostgreSQL Kind = "postgresql"
	MySQL      Kind = "mysql"
	MariaDB    Kind = "mariadb"
)

func (k Kind) mysqlFamily() bool { return k == MySQL || k == MariaDB }

// Errors matched with errors.Is.
var (
	// ErrUnreachable: no connection could be opened (refused, timed out,
	// name not found, authentication failed).
	ErrUnreachable = errors.New("cannot connect")
	// ErrBadOption: a read or write option is unknown, malformed or
	// inconsistent with another.
	ErrBadOption = errors.New("bad option")
	// ErrTableExists: saveMode error (errorifexists) and the table exists.
	ErrTableExists = errors.New("table already exists")
	// ErrNoTable: the table to read or upsert into does not exist.
	ErrNoTable = errors.New("no such table")
	// ErrUnsupportedType: a column type that cannot be carried faithfully.
	ErrUnsupportedType = errors.New("unsupported column type")
)

// Config is a resolved connection to one database server.
type Config struct {
	// Depot is the depot name, used in every error message.
	Depot string
	Kind  Kind
	Host  string
	Port  int
	// Database is the database connected to (for MySQL also the default
	// schema).
	Database string
	User     string
	// Password is the secret itself; it never appears in messages.
	Password string
	// Params are driver parameters: for PostgreSQL libpq keywords
	// (sslmode, connect_timeout, application_name, ...) or server settings;
	// for MySQL go-sql-driver/mysql DSN parameters (tls, timeout, ...) or
	// system variables.
	Params map[string]string
}

// FromDepot resolves a database depot into a Config, reading the password
// from the environment variable or file the depot names. getenv is
// os.LookupEnv in production.
func FromDepot(d *depot.Depot, getenv func(string) (string, bool)) (Config, error) {
	if d == nil || d.Database == nil || !d.Type.IsDatabase() {
		name := "<nil>"
		if d != nil {
			name = d.Name + " (type " + string(d.Type) + ")"
		}
		return Config{}, fmt.Errorf("depot %s is not a postgresql, mysql or mariadb depot", name)
	}
	db := d.Database
	c := Config{Depot: d.Name, Kind: Kind(d.Type), Host: db.Host, Port: db.Port, Database: db.Database, User: db.User, Params: map[string]string{}}
	for k, v := range db.Params {
		c.Params[k] = v
	}
	switch {
	case db.PasswordEnv != "":
		v, ok := getenv(db.PasswordEnv)
		if !ok {
			return Config{}, fmt.Errorf("depot %s: password_env names %s, which is not set in the environment", d.Name, db.PasswordEnv)
		}
		c.Password = v
	case db.PasswordFile != "":
		f, err := os.Open(db.PasswordFile)
		if err != nil {
			return Config{}, fmt.Errorf("depot %s: password_file: %w", d.Name, err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		if sc.Scan() {
			c.Password = strings.TrimRight(sc.Text(), "\r")
		}
		if err := sc.Err(); err != nil {
			return Config{}, fmt.Errorf("depot %s: password_file %s: %w", d.Name, db.PasswordFile, err)
		}
	}
	return c, nil
}

// addr is host:port for messages and dialing.
func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// where names the server for messages: depot, kind, address, database and
// user, never the password.
func (c Config) where() string {
	s := fmt.Sprintf("depot %s (%s at %s, database %s", c.Depot, c.Kind, c.addr(), c.Database)
	if c.User != "" {
		s += ", user " + c.User
	}
	return s + ")"
}

func (c Config) check() error {
	switch c.Kind {
	case PostgreSQL, MySQL, MariaDB:
	default:
		return fmt.Errorf("depot %s: unknown database kind %q (postgresql, mysql, mariadb)", c.Depot, c.Kind)
	}
	if c.Host == "" || c.Port == 0 || c.Database == "" {
		return fmt.Errorf("depot %s: host, port and database are required", c.Depot)
	}
	return nil
}

// pgConnString renders the libpq keyword/value form, quoting every value.
func (c Config) pgConnString() string {
	kv := map[string]string{
		"host": c.Host, "port": strconv.Itoa(c.Port), "dbname": c.Database,
		"user": c.User, "password": c.Password,
	}
	if _, ok := c.Params["sslmode"]; !ok {
		kv["sslmode"] = "prefer"
	}
	if _, ok := c.Params["connect_timeout"]; !ok {
		kv["connect_timeout"] = "10"
	}
	for k, v := range c.Params {
		kv[k] = v
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if kv[k] == "" && (k == "user" || k == "password") {
			continue
		}
		v := strings.ReplaceAll(strings.ReplaceAll(kv[k], `\`, `\\`), `'`, `\'`)
		fmt.Fprintf(&b, "%s='%s' ", k, v)
	}
	return strings.TrimSpace(b.String())
}
