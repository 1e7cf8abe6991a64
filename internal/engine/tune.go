package engine

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// Applied is what Tune set, and why a wanted setting was changed or left
// out.
type Applied struct {
	Settings
	// Notes say which wanted settings were capped or overridden.
	Notes []string
}

// Tune applies a job's settings to the engine until the session closes
// (DuckDB's settings are the database's, so jobs must run one at a time,
// as the runner runs them): worker threads, memory limit, temp directory
// and how many files a partitioned write keeps open. Settings the engine
// was created with (the CLI's --threads and --memory-limit) win over the
// job's. Threads are capped at this machine's cores and the memory limit at
// the engine's own limit (DuckDB's default is 80% of RAM), so that a job
// sized for a cluster neither oversubscribes the machine nor fails where it
// could spill. Zero fields of want are left as they are.
func (s *Session) Tune(ctx context.Context, want Settings) (Applied, error) {
	var fixed Settings
	if s.eng != nil {
		fixed = s.eng.settings
	}
	var out Applied
	var set []string
	var keys []string
	if want.Threads > 0 {
		switch {
		case fixed.Threads > 0:
			out.Notes = append(out.Notes, fmt.Sprintf("threads %d: --threads %d wins", want.Threads, fixed.Threads))
		default:
			n := want.Threads
			if c := runtime.NumCPU(); n > c {
				out.Notes = append(out.Notes, fmt.Sprintf("threads %d capped at this machine's %d cores", n, c))
				n = c
			}
			out.Threads = n
			set = append(set, fmt.Sprintf("SET GLOBAL threads = %d", n))
			keys = append(keys, "threads")
		}
	}
	if want.MemoryLimit != "" {
		switch {
		case fixed.MemoryLimit != "":
			out.Notes = append(out.Notes, fmt.Sprintf("memory limit %s: --memory-limit %s wins", want.MemoryLimit, fixed.MemoryLimit))
		default:
			limit := want.MemoryLimit
			cur, err := s.setting(ctx, "memory_limit")
			if err != nil {
				return out, err
			}
			w, err1 := ParseSize(want.MemoryLimit)
			c, err2 := ParseSize(cur)
			if err1 != nil {
				return out, fmt.Errorf("memory limit: %w", err1)
			}
			if err2 == nil && w > c {
				out.Notes = append(out.Notes, fmt.Sprintf("memory limit %s capped at the engine's %s", want.MemoryLimit, cur))
				limit = cur
			}
			out.MemoryLimit = limit
			set = append(set, "SET GLOBAL memory_limit = "+Quote(limit))
			keys = append(keys, "memory_limit")
		}
	}
	if want.TempDir != "" {
		out.TempDir = want.TempDir
		set = append(set, "SET GLOBAL temp_directory = "+Quote(want.TempDir))
		keys = append(keys, "temp_directory")
	}
	if want.MaxOpenFiles > 0 {
		out.MaxOpenFiles = want.MaxOpenFiles
		set = append(set, fmt.Sprintf("SET GLOBAL partitioned_write_max_open_files = %d", want.MaxOpenFiles))
		keys = append(keys, "partitioned_write_max_open_files")
	}
	if len(set) == 0 {
		return out, nil
	}
	prev := make([]string, len(keys))
	for i, k := range keys {
		v, err := s.setting(ctx, k)
		if err != nil {
			return out, err
		}
		prev[i] = v
	}
	for i, q := range set {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			_ = s.restore(ctx, s.conn, keys[:i], prev[:i])
			return out, fmt.Errorf("engine setting %q: %w", q, err)
		}
	}
	s.AtClose(func(ctx context.Context, conn *sql.Conn) error { return s.restore(ctx, conn, keys, prev) })
	return out, nil
}

// restore sets settings back to the values they had. Threads and the
// memory limit are the engine's defaults whenever Tune changes them (the
// engine's own settings win), and DuckDB prints the memory limit rounded:
// both are reset rather than set back.
func (s *Session) restore(ctx context.Context, conn *sql.Conn, keys, values []string) error {
	for i, k := range keys {
		q := "SET GLOBAL " + k + " = " + Quote(values[i])
		switch k {
		case "threads", "memory_limit":
			q = "RESET GLOBAL " + k
		case "partitioned_write_max_open_files":
			q = "SET GLOBAL " + k + " = " + values[i]
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restore engine setting %s: %w", k, err)
		}
	}
	return nil
}

// setting reads a setting's current value.
func (s *Session) setting(ctx context.Context, name string) (string, error) {
	var v string
	if err := s.conn.QueryRowContext(ctx, "SELECT current_setting("+Quote(name)+")::VARCHAR").Scan(&v); err != nil {
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
