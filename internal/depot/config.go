package depot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// Path is the absolute folder of the depot.
	Path string
	// Catalog configures the Iceberg catalog of a lakehouse depot.
	Catalog Catalog
	// Aliases are other names for the same depot.
	Aliases []string
	// Database is set for postgresql, mysql and mariadb depots.
	Database *Database
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
	Aliases []string `yaml:"aliases"`
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
			return nil, fmt.Errorf("%s: depot %q: host, port, database, user, url and password settings belong to postgresql, mysql and mariadb depots", path, n)
		}
		switch t {
		case Lakehouse, File:
		case "":
			return nil, fmt.Errorf("%s: depot %q: missing type (one of lakehouse, file, postgresql, mysql, mariadb)", path, n)
		default:
			return nil, fmt.Errorf("%s: depot %q: unknown type %q (one of lakehouse, file, postgresql, mysql, mariadb)", path, n, rd.Type)
		}
		if rd.Path == "" {
			return nil, fmt.Errorf("%s: depot %q: missing path", path, n)
		}
		p := rd.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		if rd.Catalog.Type != "" && strings.ToLower(rd.Catalog.Type) != "sql" {
			return nil, fmt.Errorf("%s: depot %q: unknown catalog type %q (sql)", path, n, rd.Catalog.Type)
		}
		if t != Lakehouse && (rd.Catalog != Catalog{}) {
			return nil, fmt.Errorf("%s: depot %q: only a lakehouse depot has a catalog", path, n)
		}
		if err := c.add(&Depot{Name: n, Type: t, Path: filepath.Clean(p), Catalog: rd.Catalog, Aliases: rd.Aliases}); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
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
