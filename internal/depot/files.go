package depot

import (
	"fmt"
	"strings"
)

// ResolveFile resolves an address that names files rather than a table:
// a schema file (an input's schemaPath) or the folder a syndication output
// writes. In a file depot it is Resolve. In a lakehouse depot the files lie
// in the lakehouse's folder at <collection>/<dataset> (the collection
// "none" meaning the folder itself), where a table of that name would keep
// its data and metadata: callers check that no table is there. Either way
// the path is confined to the depot folder: absolute paths, ".." and links
// that lead out are refused.
func (c *Config) ResolveFile(addr string) (*Location, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return nil, err
	}
	d, err := c.Depot(a.Depot)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	switch d.Type {
	case File:
		return c.Resolve(addr)
	case Lakehouse:
		if strings.HasPrefix(a.Dataset, "/") || strings.HasPrefix(a.Collection, "/") {
			return nil, fmt.Errorf("address %q: %w: absolute path", addr, ErrEscape)
		}
		rel := a.Collection + "/" + a.Dataset
		if strings.EqualFold(a.Collection, NoCollection) {
			rel = a.Dataset
		}
		if d.OnObjectStorage() { // keys below the lakehouse's prefix
			p, err := objectPath(d, rel, addr)
			if err != nil {
				return nil, err
			}
			return &Location{Address: a, Depot: d, Path: p}, nil
		}
		p, err := inside(d.Path, rel)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", addr, err)
		}
		return &Location{Address: a, Depot: d, Path: p}, nil
	}
	return nil, fmt.Errorf("address %q: depot %s is a %s depot: it holds no files", addr, d.Name, d.Type)
}
