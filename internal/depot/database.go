package depot

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Database depot types: a PostgreSQL or MySQL/MariaDB server whose tables
// are addressed as dataos://<depot>:<schema>/<table> (for MySQL the schema
// is the database).
const (
	PostgreSQL Type = "postgresql"
	MySQL      Type = "mysql"
	MariaDB    Type = "mariadb"
)

// IsDatabase reports whether t is a database depot type.
func (t Type) IsDatabase() bool { return t == PostgreSQL || t == MySQL || t == MariaDB }

// Database is how to reach the server of a database depot. Secrets never
// live here: the password comes from PasswordEnv or PasswordFile when the
// connection is opened (package database).
type Database struct {
	Host string
	// Port defaults to 5432 (postgresql) or 3306 (mysql, mariadb).
	Port int
	// Database is the database to connect to (required).
	Database string
	User     string
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string
	// PasswordFile is an absolute path of a file holding the password
	// (its first line), e.g. a mounted secret.
	PasswordFile string
	// Params are driver connection parameters (sslmode, connect_timeout,
	// tls, ...), from `params:` and the query of a jdbc: URL.
	Params map[string]string
}

// rawDatabase holds the flare.yaml keys of a database depot.
type rawDatabase struct {
	URL          string            `yaml:"url"`
	Host         string            `yaml:"host"`
	Port         int               `yaml:"port"`
	Database     string            `yaml:"database"`
	User         string            `yaml:"user"`
	Password     string            `yaml:"password"`
	PasswordEnv  string            `yaml:"password_env"`
	PasswordFile string            `yaml:"password_file"`
	Params       map[string]string `yaml:"params"`
}

func (r rawDatabase) empty() bool {
	return r.URL == "" && r.Host == "" && r.Port == 0 && r.Database == "" && r.User == "" &&
		r.Password == "" && r.PasswordEnv == "" && r.PasswordFile == "" && len(r.Params) == 0
}

// databaseType maps a flare.yaml type (or a jdbc: URL's sub-protocol) to a
// database depot type; ok is false for other types.
func databaseType(s string) (Type, bool) {
	switch strings.ToLower(s) {
	case "postgresql", "postgres":
		return PostgreSQL, true
	case "mysql":
		return MySQL, true
	case "mariadb":
		return MariaDB, true
	}
	return "", false
}

// parseDatabase builds a database depot from its flare.yaml entry. typ is
// the written type: a database type, "jdbc", or empty when a url is given.
func parseDatabase(name, typ string, rd rawDepot, base string) (*Depot, error) {
	r := rd.rawDatabase
	if rd.Path != "" || rd.Catalog != (Catalog{}) {
		return nil, fmt.Errorf("depot %q: a %s depot has no path or catalog; give host, port, database, user (or url)", name, typ)
	}
	if r.Password != "" {
		return nil, fmt.Errorf("depot %q: a password is never written in flare.yaml; name its environment variable with password_env (or a file with password_file)", name)
	}
	db := &Database{Host: r.Host, Port: r.Port, Database: r.Database, User: r.User, PasswordEnv: r.PasswordEnv, Params: map[string]string{}}
	t, _ := databaseType(typ)
	if r.URL != "" {
		u, err := parseJDBCURL(r.URL)
		if err != nil {
			return nil, fmt.Errorf("depot %q: %w", name, err)
		}
		if t == "" {
			t = u.typ
		} else if t != u.typ && !(t == MariaDB && u.typ == MySQL || t == MySQL && u.typ == MariaDB) {
			return nil, fmt.Errorf("depot %q: type %s does not match url %q", name, typ, r.URL)
		}
		for _, f := range []struct {
			key, set, fromURL string
		}{{"host", r.Host, u.host}, {"database", r.Database, u.database}, {"user", r.User, u.user}} {
			if f.set != "" && f.fromURL != "" && f.set != f.fromURL {
				return nil, fmt.Errorf("depot %q: %s %q differs from the url's %q", name, f.key, f.set, f.fromURL)
			}
		}
		if r.Port != 0 && u.port != 0 && r.Port != u.port {
			return nil, fmt.Errorf("depot %q: port %d differs from the url's %d", name, r.Port, u.port)
		}
		if db.Host == "" {
			db.Host = u.host
		}
		if db.Port == 0 {
			db.Port = u.port
		}
		if db.Database == "" {
			db.Database = u.database
		}
		if db.User == "" {
			db.User = u.user
		}
		for k, v := range u.params {
			db.Params[k] = v
		}
	}
	if t == "" {
		return nil, fmt.Errorf("depot %q: type jdbc needs a url such as jdbc:postgresql://host:5432/db", name)
	}
	for k, v := range r.Params {
		if isSecretParam(k) {
			return nil, fmt.Errorf("depot %q: params.%s: a password is never written in flare.yaml; use password_env or password_file", name, k)
		}
		db.Params[k] = v
	}
	if db.Host == "" {
		return nil, fmt.Errorf("depot %q: missing host", name)
	}
	if db.Database == "" {
		return nil, fmt.Errorf("depot %q: missing database", name)
	}
	if db.Port == 0 {
		db.Port = 5432
		if t != PostgreSQL {
			db.Port = 3306
		}
	}
	if db.Port < 1 || db.Port > 65535 {
		return nil, fmt.Errorf("depot %q: port %d is not a TCP port", name, db.Port)
	}
	if r.PasswordEnv != "" && r.PasswordFile != "" {
		return nil, fmt.Errorf("depot %q: give password_env or password_file, not both", name)
	}
	if r.PasswordFile != "" {
		p := r.PasswordFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		db.PasswordFile = filepath.Clean(p)
	}
	return &Depot{Name: name, Type: t, Database: db, Aliases: rd.Aliases}, nil
}

func isSecretParam(k string) bool {
	switch strings.ToLower(k) {
	case "password", "passwd", "pwd":
		return true
	}
	return false
}

type jdbcURL struct {
	typ            Type
	host, database string
	user           string
	port           int
	params         map[string]string
}

// parseJDBCURL reads jdbc:postgresql://host[:port]/db[?k=v&...] and the
// mysql/mariadb forms. A password in the URL is refused.
func parseJDBCURL(s string) (jdbcURL, error) {
	var j jdbcURL
	rest, ok := strings.CutPrefix(s, "jdbc:")
	if !ok {
		return j, fmt.Errorf("url %q: expected jdbc:<postgresql|mysql|mariadb>://host:port/database", s)
	}
	u, err := url.Parse(rest)
	if err != nil {
		return j, fmt.Errorf("url %q: %v", s, err)
	}
	if j.typ, ok = databaseType(u.Scheme); !ok {
		return j, fmt.Errorf("url %q: unsupported sub-protocol %q (postgresql, mysql, mariadb)", s, u.Scheme)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return j, fmt.Errorf("url %q: a password is never written in flare.yaml; use password_env or password_file", redactURL(s))
		}
		j.user = u.User.Username()
	}
	j.host = u.Hostname()
	if p := u.Port(); p != "" {
		if j.port, err = strconv.Atoi(p); err != nil {
			return j, fmt.Errorf("url %q: port %q is not a number", s, p)
		}
	}
	j.database = strings.TrimPrefix(u.Path, "/")
	if strings.Contains(j.database, "/") {
		return j, fmt.Errorf("url %q: expected one database name after the host", s)
	}
	j.params = map[string]string{}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if isSecretParam(k) {
			return j, fmt.Errorf("url %q: a password is never written in flare.yaml; use password_env or password_file", redactURL(s))
		}
		if k == "user" {
			j.user = q.Get(k)
			continue
		}
		j.params[k] = q.Get(k)
	}
	return j, nil
}

// redactURL drops the user info and the query of a URL for messages.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i] + "?…"
	}
	if i := strings.Index(s, "//"); i >= 0 {
		if j := strings.IndexByte(s[i+2:], '@'); j >= 0 {
			s = s[:i+2] + "…@" + s[i+2+j+1:]
		}
	}
	return s
}
