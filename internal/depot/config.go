package depot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Type is the kind of store a depot is.
type Type string

// Depot types served by Flare.
const (
	Lakehouse Type = "lakehouse"
	File      Type = "file"
	Kafka     Type = "kafka"
)

// DefaultName is the depot that exists when no flare.yaml declares one;
// DefaultAlias is its older Flare name.
const (
	DefaultName  = "lakehouse"
	DefaultAlias = "icebase"
	// ConfigFile is the project configuration read from the working directory.
	ConfigFile = "flare.yaml"
)

// Depot is one named store.
type Depot struct {
	Name string
	Type Type
	// Path is the absolute folder of the depot, or its s3://bucket/prefix
	// URL when S3 is set.
	Path string
	// S3 holds the settings of a depot on object storage; nil for a folder.
	S3 *S3
	// Catalog configures the Iceberg catalog of a lakehouse depot.
	Catalog Catalog
	// StateDir is the local folder of a lakehouse depot on object storage:
	// its SQLite catalog (unless Catalog.URI names a database) and the
	// mirror of its files (staging and cache). flare.yaml's `state`,
	// relative to the file's folder; default .flare/<depot name> there.
	// Empty for other depots.
	StateDir string
	// Aliases are other names for the same depot.
	Aliases []string
	// Database is set for postgresql, mysql and mariadb depots.
	Database *Database
	// Kafka holds a kafka depot's settings; nil for other types.
	Kafka *KafkaSettings
}

// KafkaSettings is a kafka depot: where its brokers are. Security settings
// (TLS, SASL user and password) are never written in flare.yaml: the kafka
// client reads them from environment variables named <EnvPrefix>_..., see
// package kafka.
type KafkaSettings struct {
	// Brokers are the seed brokers, host:port; at least one.
	Brokers []string
	// EnvPrefix starts the names of the environment variables that hold the
	// depot's security settings. Default: FLARE_KAFKA_<DEPOT NAME>, upper
	// case, '-' as '_'. Allowed: letters, digits and '_'.
	EnvPrefix string
}

// Catalog configures where a lakehouse keeps its table metadata pointers.
type Catalog struct {
	// Type is "sql" (the default: SQLite in the depot folder, or the
	// database URI gives).
	Type string `yaml:"type"`
	URI  string `yaml:"uri"`
}

// Config is a project's depots and settings.
type Config struct {
	// File is the flare.yaml the config came from, empty for the default.
	File   string
	depots map[string]*Depot
	order  []string
}

type rawConfig struct {
	Depots map[string]rawDepot `yaml:"depots"`
	Engine map[string]any      `yaml:"engine"`
}

type rawDepot struct {
	Type    string   `yaml:"type"`
	Path    string   `yaml:"path"`
	Catalog Catalog  `yaml:"catalog"`
	State   string   `yaml:"state"`
	Aliases []string `yaml:"aliases"`
	S3      S3       `yaml:",inline"`
	// kafka
	Brokers   []string `yaml:"brokers"`
	EnvPrefix string   `yaml:"envPrefix"`
	// Database depots (database.go).
	rawDatabase `yaml:",inline"`
}

// Default returns the configuration used when no flare.yaml exists: a
// lakehouse depot at ./lakehouse (relative to dir), also named icebase.
func Default(dir string) (*Config, error) {
	abs, err := filepath.Abs(filepath.Join(dir, "lakehouse"))
	if err != nil {
		return nil, fmt.Errorf("default lakehouse depot: %w", err)
	}
	c := &Config{depots: map[string]*Depot{}}
	c.add(&Depot{Name: DefaultName, Type: Lakehouse, Path: abs, Aliases: []string{DefaultAlias}})
	return c, nil
}

// Load reads the project configuration. With path empty it looks for
// flare.yaml in dir and falls back to Default when there is none.
func Load(dir, path string) (*Config, error) {
	if path == "" {
		p := filepath.Join(dir, ConfigFile)
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return Default(dir)
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a flare.yaml. Relative depot paths are relative to the
// file's folder.
func Parse(path string, data []byte) (*Config, error) {
	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	c := &Config{File: path, depots: map[string]*Depot{}}
	names := make([]string, 0, len(raw.Depots))
	for n := range raw.Depots {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rd := raw.Depots[n]
		if !validName(n) {
			return nil, fmt.Errorf("%s: depot %q: a name is letters, digits, '_' and '-'", path, n)
		}
		t := Type(strings.ToLower(rd.Type))
		if _, isDB := databaseType(rd.Type); isDB || t == "jdbc" || t == "" && rd.URL != "" {
			d, err := parseDatabase(n, rd.Type, rd, base)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if err := c.add(d); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			continue
		}
		if !rd.rawDatabase.empty() {
			if t == Kafka {
				return nil, fmt.Errorf("%s: depot %q: a kafka depot takes brokers and envPrefix; its user, password and TLS settings come from environment variables FLARE_KAFKA_<DEPOT>_... (docs/depots.md), never from flare.yaml", path, n)
			}
			return nil, fmt.Errorf("%s: depot %q: host, port, database, user, url and password settings belong to postgresql, mysql and mariadb depots", path, n)
		}
		switch t {
		case Lakehouse, File:
		case Kafka:
			d, err := kafkaDepot(n, rd)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if err := c.add(d); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			continue
		case "":
			return nil, fmt.Errorf("%s: depot %q: missing type (one of lakehouse, file, kafka, postgresql, mysql, mariadb)", path, n)
		default:
			if what, ok := unsupportedTypes[string(t)]; ok {
				return nil, fmt.Errorf("%s: depot %q: type %s (%s) is %w; S3-compatible storage is: a file or lakehouse depot with path s3://<bucket>/<prefix>", path, n, rd.Type, what, ErrNotSupported)
			}
			return nil, fmt.Errorf("%s: depot %q: unknown type %q (one of lakehouse, file, kafka, postgresql, mysql, mariadb)", path, n, rd.Type)
		}
		if rd.Brokers != nil || rd.EnvPrefix != "" {
			return nil, fmt.Errorf("%s: depot %q: brokers and envPrefix belong to a kafka depot", path, n)
		}
		if rd.Path == "" {
			return nil, fmt.Errorf("%s: depot %q: missing path", path, n)
		}
		url, remote, err := storagePath(t, rd.Path, rd.S3)
		if err != nil {
			return nil, fmt.Errorf("%s: depot %q: %w", path, n, err)
		}
		p := rd.Path
		if remote {
			p = url
		} else {
			if !filepath.IsAbs(p) {
				p = filepath.Join(base, p)
			}
			p = filepath.Clean(p)
		}
		if rd.Catalog.Type != "" && strings.ToLower(rd.Catalog.Type) != "sql" {
			return nil, fmt.Errorf("%s: depot %q: unknown catalog type %q (sql)", path, n, rd.Catalog.Type)
		}
		if t != Lakehouse && (rd.Catalog != Catalog{}) {
			return nil, fmt.Errorf("%s: depot %q: only a lakehouse depot has a catalog", path, n)
		}
		d := &Depot{Name: n, Type: t, Path: p, Catalog: rd.Catalog, Aliases: rd.Aliases}
		if remote {
			s3 := rd.S3
			d.S3 = &s3
		}
		switch {
		case remote && t == Lakehouse:
			d.StateDir = rd.State
			if d.StateDir == "" {
				d.StateDir = filepath.Join(".flare", n)
			}
			if !filepath.IsAbs(d.StateDir) {
				d.StateDir = filepath.Join(base, d.StateDir)
			}
			d.StateDir = filepath.Clean(d.StateDir)
		case rd.State != "":
			return nil, fmt.Errorf("%s: depot %q: state is the local folder of a lakehouse depot on object storage (path s3://...)", path, n)
		}
		if err := c.add(d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	states := map[string]string{}
	for _, d := range c.Depots() {
		if d.StateDir == "" {
			continue
		}
		if other, ok := states[d.StateDir]; ok {
			return nil, fmt.Errorf("%s: depots %q and %q have the same state folder %s: each lakehouse on object storage needs its own (catalog, file mirror)", path, other, d.Name, d.StateDir)
		}
		states[d.StateDir] = d.Name
	}
	// The embedded default stays available unless the file names it.
	if _, ok := c.depots[DefaultName]; !ok {
		d, _ := Default(base)
		def := d.depots[DefaultName]
		if _, taken := c.depots[DefaultAlias]; taken {
			def.Aliases = nil
		}
		c.add(def)
	} else if _, ok := c.depots[DefaultAlias]; !ok && c.depots[DefaultName].Type == Lakehouse {
		c.depots[DefaultAlias] = c.depots[DefaultName]
		c.depots[DefaultName].Aliases = append(c.depots[DefaultName].Aliases, DefaultAlias)
	}
	return c, nil
}

func (c *Config) add(d *Depot) error {
	for _, n := range append([]string{d.Name}, d.Aliases...) {
		if _, dup := c.depots[n]; dup {
			return fmt.Errorf("depot name %q is used twice", n)
		}
		c.depots[n] = d
	}
	c.order = append(c.order, d.Name)
	return nil
}

// Depot returns the depot with the given name or alias.
func (c *Config) Depot(name string) (*Depot, error) {
	if d, ok := c.depots[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("%w %q; known depots: %s", ErrUnknownDepot, name, strings.Join(c.Names(), ", "))
}

// Depots returns every depot once, in declaration order.
func (c *Config) Depots() []*Depot {
	out := make([]*Depot, 0, len(c.order))
	for _, n := range c.order {
		out = append(out, c.depots[n])
	}
	return out
}

// Names returns all depot names and aliases, sorted.
func (c *Config) Names() []string {
	out := make([]string, 0, len(c.depots))
	for n := range c.depots {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// kafkaDepot checks a kafka depot's settings.
func kafkaDepot(name string, rd rawDepot) (*Depot, error) {
	if rd.Path != "" || (rd.Catalog != Catalog{}) {
		return nil, fmt.Errorf("depot %q: a kafka depot has brokers, no path or catalog", name)
	}
	if len(rd.Brokers) == 0 {
		return nil, fmt.Errorf("depot %q: missing brokers (a list of host:port)", name)
	}
	for _, b := range rd.Brokers {
		host, port, err := net.SplitHostPort(b)
		if err != nil || host == "" || port == "" {
			return nil, fmt.Errorf("depot %q: broker %q: expected host:port", name, b)
		}
	}
	prefix := rd.EnvPrefix
	if prefix == "" {
		prefix = "FLARE_KAFKA_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	}
	for _, r := range prefix {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return nil, fmt.Errorf("depot %q: envPrefix %q: only letters, digits and '_'", name, prefix)
		}
	}
	return &Depot{Name: name, Type: Kafka, Aliases: rd.Aliases,
		Kafka: &KafkaSettings{Brokers: rd.Brokers, EnvPrefix: prefix}}, nil
}
