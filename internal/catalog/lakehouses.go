package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// Lakehouses opens the lakehouse of each lakehouse depot once, on first
// use, and closes them all at the end.
type Lakehouses struct {
	cfg    *depot.Config
	logger *slog.Logger
	mu     sync.Mutex
	open   map[string]*lakehouse.Lakehouse
}

// NewLakehouses returns an empty set over the configured depots.
func NewLakehouses(cfg *depot.Config, logger *slog.Logger) *Lakehouses {
	if logger == nil {
		logger = slog.Default()
	}
	return &Lakehouses{cfg: cfg, logger: logger, open: map[string]*lakehouse.Lakehouse{}}
}

// Get returns the lakehouse of the named depot (a name or an alias).
func (ls *Lakehouses) Get(ctx context.Context, name string) (*lakehouse.Lakehouse, *depot.Depot, error) {
	d, err := ls.cfg.Depot(name)
	if err != nil {
		return nil, nil, err
	}
	if d.Type != depot.Lakehouse {
		return nil, nil, fmt.Errorf("depot %q is a %s depot, not a lakehouse", name, d.Type)
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l, ok := ls.open[d.Name]; ok {
		return l, d, nil
	}
	opt := lakehouse.Options{Name: d.Name, CatalogURI: d.Catalog.URI, Logger: ls.logger, StateDir: d.StateDir}
	if d.OnObjectStorage() {
		if opt.ObjectStore, err = d.ObjectStoreConfig(); err != nil {
			return nil, nil, err
		}
	}
	l, err := lakehouse.Open(ctx, d.Path, opt)
	if err != nil {
		return nil, nil, fmt.Errorf("open lakehouse depot %q at %s: %w", d.Name, d.Path, err)
	}
	ls.open[d.Name] = l
	return l, d, nil
}

// Close closes every opened lakehouse.
func (ls *Lakehouses) Close() error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var first error
	for n, l := range ls.open {
		if err := l.Close(); err != nil && first == nil {
			first = err
		}
		delete(ls.open, n)
	}
	return first
}

// LoadTable loads a table of a lakehouse depot.
func (ls *Lakehouses) LoadTable(ctx context.Context, depotName string, name lakehouse.TableName) (*lakehouse.Table, error) {
	l, d, err := ls.Get(ctx, depotName)
	if err != nil {
		return nil, err
	}
	t, err := l.LoadTable(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: %w", d.Name, name, err)
	}
	return t, nil
}
