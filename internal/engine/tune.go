package engine

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// Tune resolves the settings a job asks for (its Spark sizes and sparkConf,
// plan.Tuning, and its time zone) against the command's: the command's own
// settings (the CLI's --threads and --memory-limit) win over the job's,
// threads are capped at this machine's cores and the memory limit at the
// engine's own limit (DuckDB's default is 80% of RAM), so that a job sized
// for a cluster neither oversubscribes the machine nor fails where it could
// spill. It returns the overrides to open the job's session with
// (Pool.Session) and a note for each wanted setting it changed or dropped.
// The job's engine is its own (an engine's configuration is locked), so
// nothing needs setting back afterwards.
func (p *Pool) Tune(ctx context.Context, want Overrides) (Overrides, []string, error) {
	got := want
	var notes []string
	if want.Threads > 0 {
		switch {
		case p.base.Threads > 0:
			notes = append(notes, fmt.Sprintf("threads %d: --threads %d wins", want.Threads, p.base.Threads))
			got.Threads = 0
		case want.Threads > runtime.NumCPU():
			notes = append(notes, fmt.Sprintf("threads %d capped at this machine's %d cores", want.Threads, runtime.NumCPU()))
			got.Threads = runtime.NumCPU()
		}
	}
	if want.MemoryLimit != "" {
		w, err := ParseSize(want.MemoryLimit)
		if err != nil {
			return got, nil, fmt.Errorf("memory limit: %w", err)
		}
		switch {
		case p.base.MemoryLimit != "":
			notes = append(notes, fmt.Sprintf("memory limit %s: --memory-limit %s wins", want.MemoryLimit, p.base.MemoryLimit))
			got.MemoryLimit = ""
		default:
			cur, err := p.setting(ctx, "memory_limit")
			if err != nil {
				return got, nil, err
			}
			if c, err := ParseSize(cur); err == nil && w > c {
				notes = append(notes, fmt.Sprintf("memory limit %s capped at the engine's %s", want.MemoryLimit, cur))
				got.MemoryLimit = cur
			}
		}
	}
	return got, notes, nil
}

// setting reads a setting of the pool's base engine.
func (p *Pool) setting(ctx context.Context, name string) (string, error) {
	e, err := p.Engine(ctx, Overrides{})
	if err != nil {
		return "", err
	}
	var v string
	if err := e.db.QueryRowContext(ctx, "SELECT current_setting("+Quote(name)+")::VARCHAR").Scan(&v); err != nil {
		return "", fmt.Errorf("read engine setting %s: %w", name, err)
	}
	return v, nil
}

// ParseSize reads a size as DuckDB writes and takes them: a number, an
// optional space and a unit (B or bytes; KB, MB, GB, TB are 1000-based;
// KiB, MiB, GiB, TiB 1024-based).
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "bytes": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}[strings.ToLower(strings.TrimSpace(t[i:]))]
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit", s)
	}
	return int64(n * mult), nil
}
