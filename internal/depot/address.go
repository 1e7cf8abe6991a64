package depot

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Errors returned by Parse and Resolve; match them with errors.Is.
var (
	ErrBadAddress   = errors.New("bad address")
	ErrUnknownDepot = errors.New("unknown depot")
	ErrEscape       = errors.New("address escapes its depot")
)

// Address is a parsed dataos://<depot>:<collection>/<dataset> address.
type Address struct {
	Raw        string
	Depot      string
	Collection string
	// Dataset is the rest of the path after the collection; for a file
	// depot it may hold sub-folders, a file name or a glob.
	Dataset string
	// ACL is the optional ?acl= value (r or rw); it is accepted and kept.
	ACL string
}

// String returns the address in its canonical form without the ACL.
func (a Address) String() string {
	return "dataos://" + a.Depot + ":" + a.Collection + "/" + a.Dataset
}

// ParseAddress parses a dataos:// address.
func ParseAddress(s string) (Address, error) {
	a := Address{Raw: s}
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "dataos://")
	if !ok {
		return a, fmt.Errorf("%w %q: expected dataos://<depot>:<collection>/<dataset>", ErrBadAddress, s)
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		q, err := url.ParseQuery(rest[i+1:])
		if err != nil {
			return a, fmt.Errorf("%w %q: query: %v", ErrBadAddress, s, err)
		}
		for k := range q {
			if k != "acl" {
				return a, fmt.Errorf("%w %q: unknown parameter %q (only acl)", ErrBadAddress, s, k)
			}
		}
		a.ACL = q.Get("acl")
		if a.ACL != "" && a.ACL != "r" && a.ACL != "rw" {
			return a, fmt.Errorf("%w %q: acl must be r or rw", ErrBadAddress, s)
		}
		rest = rest[:i]
	}
	depot, path, ok := strings.Cut(rest, ":")
	if !ok || depot == "" {
		return a, fmt.Errorf("%w %q: expected dataos://<depot>:<collection>/<dataset>", ErrBadAddress, s)
	}
	coll, ds, ok := strings.Cut(path, "/")
	if !ok || coll == "" || ds == "" {
		return a, fmt.Errorf("%w %q: expected <collection>/<dataset> after the depot name", ErrBadAddress, s)
	}
	a.Depot, a.Collection, a.Dataset = depot, coll, strings.TrimSuffix(ds, "/")
	return a, nil
}

// NoCollection is the collection that means "none": in a file depot,
// dataos://files:none/city.csv names city.csv at the depot's root.
const NoCollection = "none"

// Location is an address resolved against its depot.
type Location struct {
	Address Address
	Depot   *Depot
	// Path is the absolute file or folder (or glob) for a file depot.
	Path string
	// Topic is the Kafka topic of a kafka depot's address (its dataset; the
	// collection, "none" or "default" in Flare's docs, is ignored).
	Topic string
}

// Resolve parses an address and resolves it against the configured depots.
// For a lakehouse depot the collection and dataset must be plain names.
// For a file depot the path must stay inside the depot folder, also after
// following symbolic links. For a database depot the collection is the
// schema (the database for MySQL; "none" means the depot's default) and the
// dataset the table.
func (c *Config) Resolve(addr string) (*Location, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return nil, err
	}
	d, err := c.Depot(a.Depot)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	loc := &Location{Address: a, Depot: d}
	switch d.Type {
	case Lakehouse:
		if !validName(a.Collection) || !validName(a.Dataset) {
			return nil, fmt.Errorf("%w %q: a lakehouse table is <collection>/<dataset>, each letters, digits, '_' or '-'", ErrBadAddress, addr)
		}
		return loc, nil
	case File:
		if d.S3 != nil {
			p, err := resolveObject(d, a, addr)
			if err != nil {
				return nil, err
			}
			loc.Path = p
			return loc, nil
		}
		if strings.HasPrefix(a.Dataset, "/") || strings.HasPrefix(a.Collection, "/") {
			return nil, fmt.Errorf("address %q: %w: absolute path", addr, ErrEscape)
		}
		rel := a.Collection + "/" + a.Dataset
		if strings.EqualFold(a.Collection, NoCollection) {
			rel = a.Dataset // dataos://files:none/city.csv is city.csv at the depot's root
		}
		p, err := inside(d.Path, rel)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", addr, err)
		}
		loc.Path = p
		return loc, nil
	case Kafka:
		if !validTopic(a.Dataset) {
			return nil, fmt.Errorf("%w %q: a Kafka topic is 1-249 letters, digits, '.', '_' or '-'", ErrBadAddress, addr)
		}
		loc.Topic = a.Dataset
		return loc, nil
	}
	if d.Type.IsDatabase() {
		// <schema>/<table>; for MySQL the schema is a database. The names
		// are quoted as identifiers when used, so only '/' is refused.
		if strings.Contains(a.Dataset, "/") {
			return nil, fmt.Errorf("%w %q: a %s table is <schema>/<table>", ErrBadAddress, addr, d.Type)
		}
		return loc, nil
	}
	return nil, fmt.Errorf("address %q: depot %q has unsupported type %q", addr, d.Name, d.Type)
}

// inside joins rel to root and refuses results outside root: absolute
// paths, ".." segments that climb out, and symbolic links that point out.
func inside(root, rel string) (string, error) {
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") {
		return "", fmt.Errorf("%w: absolute path %q", ErrEscape, rel)
	}
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: %q climbs out with ..", ErrEscape, rel)
		}
	}
	p := filepath.Join(root, filepath.FromSlash(rel))
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		// A depot folder that does not exist yet cannot hold links.
		return p, nil
	}
	// Check the longest existing prefix without glob characters.
	probe := p
	if i := strings.IndexAny(probe, "*?["); i >= 0 {
		probe = filepath.Dir(probe[:i])
	}
	for {
		if _, err := os.Lstat(probe); err == nil {
			break
		}
		parent := filepath.Dir(probe)
		if parent == probe {
			return p, nil
		}
		probe = parent
	}
	real, err := filepath.EvalSymlinks(probe)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", probe, err)
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: %q leads to %s, outside %s", ErrEscape, rel, real, root)
	}
	return p, nil
}

// Contains checks that an existing file lies inside the depot folder once
// symbolic links are followed (a glob may match a link that points out).
// Objects of a depot on object storage are inside it by their key.
func (d *Depot) Contains(path string) error {
	if d.S3 != nil {
		if !strings.HasPrefix(path, d.Path+"/") {
			return fmt.Errorf("%w: %s is outside depot %s", ErrEscape, path, d.Name)
		}
		return nil
	}
	rel, err := filepath.Rel(d.Path, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("%w: %s is outside depot %s", ErrEscape, path, d.Name)
	}
	_, err = inside(d.Path, filepath.ToSlash(rel))
	return err
}

// validTopic reports whether s is a legal Kafka topic name.
func validTopic(s string) bool {
	if s == "" || len(s) > 249 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
