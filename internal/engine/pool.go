package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Overrides are the settings a job may set for itself (its session time
// zone, its threads and memory); zero values keep the pool's.
type Overrides struct {
	TimeZone    string
	Threads     int
	MemoryLimit string
	// TempDir is where the engine spills (spark.local.dir); it joins the
	// sandbox's allowed folders.
	TempDir string
	// MaxOpenFiles is how many files a partitioned write keeps open.
	MaxOpenFiles int
}

// Pool opens engines for a command: one for its base settings, and one
// more for each different set of job overrides (an engine's configuration
// is locked once it is open, so a job that asks for another time zone or
// size gets an engine of its own). Engines are opened on first use and
// closed with the pool.
type Pool struct {
	base    Settings
	mu      sync.Mutex
	engines map[Overrides]*Engine
}

// NewPool returns a pool over base settings; nothing is opened yet.
func NewPool(base Settings) *Pool {
	return &Pool{base: base, engines: map[Overrides]*Engine{}}
}

// Settings are the pool's base settings.
func (p *Pool) Settings() Settings { return p.base }

// Engine returns the engine for o, opening it on first use.
func (p *Pool) Engine(ctx context.Context, o Overrides) (*Engine, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.engines[o]; ok {
		return e, nil
	}
	s := p.base
	if o.TimeZone != "" {
		s.TimeZone = o.TimeZone
	}
	if o.Threads > 0 {
		s.Threads = o.Threads
	}
	if o.MemoryLimit != "" {
		s.MemoryLimit = o.MemoryLimit
	}
	if o.MaxOpenFiles > 0 {
		s.MaxOpenFiles = o.MaxOpenFiles
	}
	if o.TempDir != "" {
		s.TempDir = o.TempDir
		if s.AllowedDirs != nil {
			s.AllowedDirs = append(append([]string(nil), s.AllowedDirs...), o.TempDir)
		}
	}
	e, err := New(ctx, s)
	if err != nil {
		if o != (Overrides{}) {
			return nil, fmt.Errorf("engine for the job's settings (%s): %w", o, err)
		}
		return nil, err
	}
	p.engines[o] = e
	return e, nil
}

// Session opens a session on the engine for o.
func (p *Pool) Session(ctx context.Context, o Overrides) (*Session, error) {
	e, err := p.Engine(ctx, o)
	if err != nil {
		return nil, err
	}
	return e.Session(ctx)
}

// Close closes every engine the pool opened.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for o, e := range p.engines {
		if err := e.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.engines, o)
	}
	return first
}

// String lists the overrides that are set, as flare prints them.
func (o Overrides) String() string {
	var parts []string
	if o.Threads > 0 {
		parts = append(parts, fmt.Sprintf("%d threads", o.Threads))
	}
	if o.MemoryLimit != "" {
		parts = append(parts, "memory limit "+o.MemoryLimit)
	}
	if o.TempDir != "" {
		parts = append(parts, "temp directory "+o.TempDir)
	}
	if o.MaxOpenFiles > 0 {
		parts = append(parts, fmt.Sprintf("%d open files per partitioned write", o.MaxOpenFiles))
	}
	if o.TimeZone != "" {
		parts = append(parts, "time zone "+o.TimeZone)
	}
	if len(parts) == 0 {
		return "as the command set it"
	}
	return strings.Join(parts, ", ")
}
