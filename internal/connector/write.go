package connector

import (
	"compress/zlib"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// Execer runs statements and queries; *sql.DB and *sql.Conn satisfy it.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Sink describes a file dataset to write.
type Sink struct {
	// Path is the target. A path ending in the format's extension (for csv
	// and json optionally followed by .gz or .zst) is one file; otherwise it
	// is a folder that receives part files, as Spark writes them.
	Path   string
	Format string
	// Mode is "overwrite" (replace what is there; the default), "append"
	// (add part files to the folder; a single-file target cannot be
	// appended to), "errorifexists" (fail when the target exists) or
	// "ignore" (write nothing when the target exists).
	Mode string
	// Compression is the Parquet codec (snappy, gzip, zstd, lz4, brotli,
	// uncompressed) or, for csv and json, gzip or zstd (part files then end
	// in .gz or .zst); empty is the format's default. A single csv or json
	// file ending in .gz is gzip-compressed without being asked.
	Compression string
	// PartitionBy writes Hive-style sub-folders, as Spark's partitionBy
	// (csv, parquet and avro).
	PartitionBy []string
	// Options are the Spark writer options of the output (WriteOptionNames
	// lists them per format; any other key is an error). A compression
	// option and Compression must not both be given.
	Options map[string]string
	// Opts are the options already parsed (a *CSVWriteOptions, ...); when
	// set, Options must be empty.
	Opts any
	// Store writes Path (an s3://bucket/key URL) to object storage; nil for
	// local files. See Write for what a reader can see meanwhile.
	Store ObjectStore `json:"-"`
	// StagingDir is where an object-storage write stages its files before
	// uploading them; empty: the system's temp folder.
	StagingDir string
	// Dataset, when set, is kept in DatasetFile beside the part files of a
	// folder target, written and moved into place with them (a single-file
	// target cannot keep it: an error).
	Dataset *DatasetInfo `json:",omitempty"`
}

// writeOptions returns the parsed writer options of the sink's format.
func (s Sink) writeOptions() (any, error) {
	if s.Opts != nil {
		if len(s.Options) > 0 {
			return nil, fmt.Errorf("write %s: both Options and Opts are set", s.Path)
		}
		return s.Opts, nil
	}
	opts, err := ParseWriteOptions(s.Format, s.Options)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	for k := range s.Options {
		if n := normKey(k); (n == "compression" || n == "codec") && s.Compression != "" {
			return nil, fmt.Errorf("write %s: compression is given twice (option %s and the output's compression)", s.Path, k)
		}
	}
	return opts, nil
}

// optCompression is the compression option of a write option struct.
func optCompression(opts any) string {
	switch o := opts.(type) {
	case *CSVWriteOptions:
		return o.Compression
	case *JSONWriteOptions:
		return o.Compression
	case *ParquetWriteOptions:
		return o.Compression
	case *AvroWriteOptions:
		return o.Compression
	}
	return ""
}

// WriteResult says what a file write produced.
type WriteResult struct {
	Rows  int64
	Files int
	Bytes int64
	// Skipped is true when mode "ignore" found the target in place and
	// wrote nothing.
	Skipped bool
}

// Write copies the rows of the DuckDB relation `source` (a name or a
// parenthesised query) to the sink. csv, json and parquet files are written
// by DuckDB's COPY, avro files in Go. The files are written to a hidden
// staging folder next to the target and moved into place only when the copy
// succeeded, so a failed write leaves the previous files as they were and a
// reader never sees half a file.
//
// On object storage (s.Store) the files are written to a local staging
// folder first; a single-file target is then uploaded as one object (S3
// shows an object whole or not at all), a folder target is published with
// objstore's Publish: uploaded under a hidden staging prefix, then copied
// into place on the server, then the replaced objects are deleted. A failed
// job leaves no new object under the target; during the short copy phase a
// reader listing the folder can see new part files beside the old ones.
func Write(ctx context.Context, db Execer, source string, s Sink) (*WriteResult, error) {
	format := strings.ToLower(s.Format)
	if format != CSV && format != JSON && format != Parquet && format != Avro {
		return nil, fmt.Errorf("write %s: format %q cannot be written to files (%s)", s.Path, s.Format, strings.Join(WriteFormats, ", "))
	}
	if s.Path == "" {
		return nil, fmt.Errorf("write %s file: no path given", format)
	}
	opts, err := s.writeOptions()
	if err != nil {
		return nil, err
	}
	if s.Compression == "" {
		s.Compression = optCompression(opts)
	}
	if s.Store != nil {
		return writeObjects(ctx, db, source, s, opts)
	}
	mode := strings.ToLower(s.Mode)
	switch mode {
	case "":
		mode = "overwrite"
	case "error":
		mode = "errorifexists"
	case "overwrite", "append", "errorifexists", "ignore":
	default:
		return nil, fmt.Errorf("write %s: saveMode %q is not supported for files (overwrite, append, errorifexists, ignore)", s.Path, s.Mode)
	}
	single, suffix := singleFile(s.Path, format)
	codec, ext, err := writeCompression(format, s.Compression, suffix)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	if single && suffix == "" && ext != "" {
		return nil, fmt.Errorf("write %s: a %s-compressed file must be named %s%s", s.Path, codec, filepath.Base(s.Path), ext)
	}
	if single && mode == "append" {
		return nil, fmt.Errorf("cannot append to the single file %s; name a folder to append part files", s.Path)
	}
	if single && len(s.PartitionBy) > 0 {
		return nil, fmt.Errorf("partitionBy needs a folder target, not the file %s", s.Path)
	}
	if single && s.Dataset != nil {
		return nil, fmt.Errorf("write %s: title, description and tags are kept in %s beside the part files of a folder; a single file cannot keep them", s.Path, DatasetFile)
	}
	if mode == "errorifexists" || mode == "ignore" {
		if _, err := os.Lstat(s.Path); err == nil {
			if mode == "ignore" {
				return &WriteResult{Skipped: true}, nil
			}
			return nil, fmt.Errorf("write %s: it exists already (saveMode errorifexists)", s.Path)
		}
	}
	if st, err := os.Stat(s.Path); err == nil {
		switch {
		case single && st.IsDir():
			return nil, fmt.Errorf("write %s: it is a folder, not a file", s.Path)
		case !single && !st.IsDir() && mode == "append":
			return nil, fmt.Errorf("cannot append to %s: it is a file, not a folder of part files", s.Path)
		}
	}
	parent := filepath.Dir(s.Path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	id := newID()
	stage := filepath.Join(parent, ".flare-staging-"+id)
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return nil, fmt.Errorf("stage write of %s: %w", s.Path, err)
	}
	defer os.RemoveAll(stage)

	var rows int64
	target := filepath.Join(stage, "part-"+id+"."+format+ext)
	if single {
		target = filepath.Join(stage, filepath.Base(s.Path))
	}
	if format == Avro {
		o := opts.(*AvroWriteOptions)
		if len(s.PartitionBy) > 0 {
			rows, err = writeAvroPartitioned(ctx, db, source, stage, "part-"+id, o, codec, s.PartitionBy)
		} else {
			rows, err = writeAvroFile(ctx, db, "SELECT * FROM "+source, target, o, codec)
		}
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", s.Path, err)
		}
	} else {
		copyOpts, err := copyOptions(format, opts)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", s.Path, err)
		}
		if codec != "" && codec != "deflate" {
			copyOpts = append(copyOpts, "COMPRESSION "+quote(codec))
		}
		if codec == "deflate" {
			// DuckDB writes plain files; they are compressed in Go below.
			target = strings.TrimSuffix(target, ".deflate")
		}
		if format == JSON && len(s.PartitionBy) > 0 {
			// DuckDB's JSON COPY has no PARTITION_BY: one COPY per partition.
			jsonExt := ext
			if codec == "deflate" {
				jsonExt = ""
			}
			rows, err = writeJSONPartitioned(ctx, db, source, stage, "part-"+id, jsonExt, copyOpts, s.PartitionBy)
			if err != nil {
				return nil, fmt.Errorf("write %s: %w", s.Path, err)
			}
		} else {
			if len(s.PartitionBy) > 0 {
				target = stage
				cols := make([]string, len(s.PartitionBy))
				for i, c := range s.PartitionBy {
					cols[i] = quoteIdent(c)
				}
				// DuckDB names the files <pattern>.<format>[.gz].
				copyOpts = append(copyOpts, "PARTITION_BY ("+strings.Join(cols, ", ")+")", "FILENAME_PATTERN "+quote("part-"+id+"-{i}"))
			}
			res, err := db.ExecContext(ctx, fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (%s)", source, quote(target), strings.Join(copyOpts, ", ")))
			if err != nil {
				return nil, fmt.Errorf("write %s: %w", s.Path, err)
			}
			if rows, err = res.RowsAffected(); err != nil {
				return nil, fmt.Errorf("write %s: count rows: %w", s.Path, err)
			}
		}
		if codec == "deflate" {
			if err := deflateFiles(stage); err != nil {
				return nil, fmt.Errorf("write %s: %w", s.Path, err)
			}
			if single {
				target += ".deflate"
			}
		}
	}
	out := &WriteResult{Rows: rows}
	if single {
		st, err := os.Stat(target)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", s.Path, err)
		}
		out.Files, out.Bytes = 1, st.Size()
		if err := os.Rename(target, s.Path); err != nil {
			return nil, fmt.Errorf("move %s into place: %w", s.Path, err)
		}
		return out, nil
	}
	if err := filepath.WalkDir(stage, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		out.Files++
		out.Bytes += st.Size()
		return nil
	}); err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	if s.Dataset != nil {
		if err := writeDatasetFile(ctx, db, source, stage, s, format); err != nil {
			return nil, fmt.Errorf("write %s: %w", s.Path, err)
		}
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
	if _, err := os.Lstat(s.Path); err == nil {
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
		if err := os.RemoveAll(old); err != nil {
			return nil, fmt.Errorf("remove the replaced files of %s: %w", s.Path, err)
		}
	}
	return out, nil
}

// copyOptions maps writer options to DuckDB COPY options.
func copyOptions(format string, opts any) ([]string, error) {
	out := []string{"FORMAT " + format}
	var dateFormat, tsFormat string
	switch o := opts.(type) {
	case *CSVWriteOptions:
		out = append(out, "HEADER "+fmt.Sprint(o.Header))
		if o.Delimiter != "," {
			out = append(out, "DELIMITER "+quote(unescape(o.Delimiter)))
		}
		if o.Quote != `"` {
			out = append(out, "QUOTE "+quote(unescape(o.Quote)))
		}
		if o.Escape != nil {
			out = append(out, "ESCAPE "+quote(unescape(*o.Escape)))
		}
		if o.NullValue != "" {
			out = append(out, "NULLSTR "+quote(o.NullValue))
		}
		dateFormat, tsFormat = o.DateFormat, o.TimestampFormat
	case *JSONWriteOptions:
		out = append(out, "ARRAY false")
		dateFormat, tsFormat = o.DateFormat, o.TimestampFormat
	}
	if dateFormat != "" {
		f, err := sparksql.ParseFormat(dateFormat)
		if err != nil {
			return nil, fmt.Errorf("option dateFormat: %w", err)
		}
		out = append(out, "DATEFORMAT "+quote(f))
	}
	if tsFormat != "" {
		f, err := sparksql.ParseFormat(tsFormat)
		if err != nil {
			return nil, fmt.Errorf("option timestampFormat: %w", err)
		}
		out = append(out, "TIMESTAMPFORMAT "+quote(f))
	}
	return out, nil
}

// deflateFiles compresses every file below dir into name.deflate (a zlib
// stream, as Hadoop's DefaultCodec writes) and removes the plain file.
func deflateFiles(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(p + ".deflate")
		if err != nil {
			return err
		}
		zw := zlib.NewWriter(out)
		if _, err := io.Copy(zw, in); err != nil {
			out.Close()
			return fmt.Errorf("deflate %s: %w", p, err)
		}
		if err := zw.Close(); err != nil {
			out.Close()
			return fmt.Errorf("deflate %s: %w", p, err)
		}
		if err := out.Close(); err != nil {
			return err
		}
		in.Close()
		return os.Remove(p)
	})
}

// singleFile reports whether a path names one file of the format, and its
// compression suffix (".gz", ".zst", ".deflate" or "").
func singleFile(path, format string) (bool, string) {
	name := strings.ToLower(filepath.Base(path))
	suffix := ""
	if format == CSV || format == JSON {
		for _, z := range []string{".gz", ".zst", ".deflate"} {
			if strings.HasSuffix(name, z) {
				name, suffix = strings.TrimSuffix(name, z), z
				break
			}
		}
	}
	for _, ext := range formatExts[format] {
		if strings.HasSuffix(name, ext) {
			return true, suffix
		}
	}
	return false, ""
}

// writeCompression checks the codec for a format and returns DuckDB's name
// for it and the suffix part files get. suffix is the compression suffix of
// a single-file target, which decides the codec when none is given.
func writeCompression(format, codec, suffix string) (string, string, error) {
	c := strings.ToLower(strings.TrimSpace(codec))
	if format == Avro {
		switch c {
		case "", "snappy":
			return "snappy", "", nil
		case "none", "uncompressed", "null":
			return "null", "", nil
		case "deflate":
			return "deflate", "", nil
		case "zstd", "zstandard":
			return "zstandard", "", nil
		}
		return "", "", fmt.Errorf("compression %q is not an avro codec (snappy, deflate, zstandard, uncompressed)", codec)
	}
	if format == Parquet {
		switch c {
		case "":
			return "", "", nil
		case "none", "uncompressed":
			return "uncompressed", "", nil
		case "snappy", "gzip", "zstd", "lz4", "lz4_raw", "brotli":
			return c, "", nil
		}
		return "", "", fmt.Errorf("compression %q is not a parquet codec (snappy, gzip, zstd, lz4, brotli, uncompressed)", codec)
	}
	switch c {
	case "gz":
		c = "gzip"
	case "uncompressed":
		c = "none"
	}
	bySuffix := map[string]string{".gz": "gzip", ".zst": "zstd", ".deflate": "deflate", "": "none"}[suffix]
	switch {
	case c == "" && suffix == "":
		return "", "", nil
	case c == "":
		c = bySuffix
	case c != "gzip" && c != "zstd" && c != "deflate" && c != "none":
		return "", "", fmt.Errorf("compression %q is not a %s codec (gzip, zstd, deflate, none)", codec, format)
	case suffix != "" && c != bySuffix:
		return "", "", fmt.Errorf("compression %s does not match the file name ending in %s", c, suffix)
	}
	ext := map[string]string{"gzip": ".gz", "zstd": ".zst", "deflate": ".deflate", "none": ""}[c]
	return c, ext, nil
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
