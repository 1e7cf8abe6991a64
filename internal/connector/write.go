package connector

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Execer runs a statement; *sql.DB and *sql.Conn satisfy it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Sink describes a file dataset to write.
type Sink struct {
	// Path is the target. A path ending in the format's extension is one
	// file; otherwise it is a folder that receives part files, as Spark
	// writes them.
	Path   string
	Format string
	// Mode is "overwrite" (replace what is there) or "append" (add part
	// files to the folder; a single-file target cannot be appended to).
	Mode string
	// Compression is the Parquet codec (snappy, gzip, zstd) or, for csv and
	// json, gzip; empty is the format's default.
	Compression string
	// PartitionBy writes Hive-style sub-folders, as Spark's partitionBy.
	PartitionBy []string
}

// WriteResult says what a file write produced.
type WriteResult struct {
	Rows  int64
	Files int
	Bytes int64
}

// Write copies the rows of the DuckDB relation `source` to the sink. The
// files are written to a hidden staging path next to the target and moved
// into place only when the copy succeeded, so a failed write leaves the
// previous files as they were and a reader never sees half a file.
func Write(ctx context.Context, db Execer, source string, s Sink) (*WriteResult, error) {
	format := strings.ToLower(s.Format)
	if format != CSV && format != JSON && format != Parquet {
		return nil, fmt.Errorf("format %q cannot be written to files (csv, json, parquet)", s.Format)
	}
	mode := strings.ToLower(s.Mode)
	if mode == "" {
		mode = "overwrite"
	}
	if mode != "overwrite" && mode != "append" {
		return nil, fmt.Errorf("saveMode %q is not supported for files (overwrite, append)", s.Mode)
	}
	single := strings.HasSuffix(strings.ToLower(s.Path), "."+format) || (format == JSON && strings.HasSuffix(strings.ToLower(s.Path), ".jsonl"))
	if single && mode == "append" {
		return nil, fmt.Errorf("cannot append to the single file %s; name a folder to append part files", s.Path)
	}
	if single && len(s.PartitionBy) > 0 {
		return nil, fmt.Errorf("partitionBy needs a folder target, not the file %s", s.Path)
	}
	parent := filepath.Dir(s.Path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	id := newID()
	stage := filepath.Join(parent, ".flare-staging-"+id)
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return nil, fmt.Errorf("stage write: %w", err)
	}
	defer os.RemoveAll(stage)

	opts := []string{"FORMAT " + format}
	switch format {
	case CSV:
		opts = append(opts, "HEADER true")
	case JSON:
		opts = append(opts, "ARRAY false")
	}
	if s.Compression != "" {
		opts = append(opts, "COMPRESSION "+quote(strings.ToLower(s.Compression)))
	}
	target := filepath.Join(stage, "part-"+id+"."+format)
	if single {
		target = filepath.Join(stage, filepath.Base(s.Path))
	}
	if len(s.PartitionBy) > 0 {
		target = stage
		cols := make([]string, len(s.PartitionBy))
		for i, c := range s.PartitionBy {
			cols[i] = quoteIdent(c)
		}
		opts = append(opts, "PARTITION_BY ("+strings.Join(cols, ", ")+")", "FILENAME_PATTERN "+quote("part-"+id+"-{i}"))
	}
	res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", source, quote(target), strings.Join(opts, ", ")))
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	rows, _ := res.RowsAffected()
	out := &WriteResult{Rows: rows}
	if single {
		st, err := os.Stat(target)
		if err != nil {
			return nil, err
		}
		out.Files, out.Bytes = 1, st.Size()
		if err := os.Rename(target, s.Path); err != nil {
			return nil, fmt.Errorf("move %s into place: %w", s.Path, err)
		}
		return out, nil
	}
	if err := filepath.WalkDir(stage, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if st, err := d.Info(); err == nil {
				out.Files++
				out.Bytes += st.Size()
			}
		}
		return err
	}); err != nil {
		return nil, err
	}
	if mode == "append" {
		if err := mergeInto(stage, s.Path); err != nil {
			return nil, fmt.Errorf("append to %s: %w", s.Path, err)
		}
		return out, nil
	}
	// Overwrite a folder: move the old one aside, the new one in, then
	// delete the old one. Between the two renames the folder is briefly
	// absent, never half-written.
	old := filepath.Join(parent, ".flare-old-"+id)
	hadOld := false
	if _, err := os.Stat(s.Path); err == nil {
		if err := os.Rename(s.Path, old); err != nil {
			return nil, fmt.Errorf("replace %s: %w", s.Path, err)
		}
		hadOld = true
	}
	if err := os.Rename(stage, s.Path); err != nil {
		if hadOld {
			_ = os.Rename(old, s.Path)
		}
		return nil, fmt.Errorf("move %s into place: %w", s.Path, err)
	}
	if hadOld {
		_ = os.RemoveAll(old)
	}
	return out, nil
}

// mergeInto moves every file of the staged tree into the same relative
// place under dst.
func mergeInto(stage, dst string) error {
	return filepath.WalkDir(stage, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(stage, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.Rename(p, to)
	})
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
