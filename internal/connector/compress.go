package connector

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// Compression of text files (csv, json, text, xml) on read. DuckDB reads
// gzip and zstd itself; bzip2 and deflate (zlib streams, Hadoop's .deflate)
// are decompressed in Go. Container formats (parquet, avro, orc, xlsx)
// carry their codecs inside the file.

// codecSuffixes are the file name endings of the codecs, by codec.
var codecSuffixes = map[string]string{".gz": "gzip", ".zst": "zstd", ".bz2": "bzip2", ".deflate": "deflate"}

// trimCodecSuffix removes a compression suffix from a (lower-cased) name.
func trimCodecSuffix(name string) string {
	for suf := range codecSuffixes {
		if strings.HasSuffix(name, suf) {
			return strings.TrimSuffix(name, suf)
		}
	}
	return name
}

// compressionOf returns the compression option of a read option struct
// ("" for formats without one).
func compressionOf(opts any) string {
	switch o := opts.(type) {
	case *CSVReadOptions:
		return o.Compression
	case *JSONReadOptions:
		return o.Compression
	case *TextReadOptions:
		return o.Compression
	case *XMLReadOptions:
		return o.Compression
	}
	return ""
}

// fileCodec decides the codec of one file: the option when it names one,
// else the file name's suffix; "" for none.
func fileCodec(path, option string) string {
	switch c := strings.ToLower(strings.TrimSpace(option)); c {
	case "none", "uncompressed":
		return ""
	case "gz":
		return "gzip"
	case "gzip", "zstd", "bzip2", "deflate":
		return c
	}
	name := strings.ToLower(filepath.Base(path))
	for suf, c := range codecSuffixes {
		if strings.HasSuffix(name, suf) {
			return c
		}
	}
	return ""
}

// goCodec returns the codec of a file when DuckDB cannot read it (bzip2,
// deflate), "" otherwise.
func goCodec(path, option string) string {
	if c := fileCodec(path, option); c == "bzip2" || c == "deflate" {
		return c
	}
	return ""
}

// openText opens a file for a Go decoder, decompressing it by its codec.
func openText(path, option string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := decompress(f, fileCodec(path, option))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// decompress wraps an open file in the decompressor of codec ("" for none);
// closing the result closes the file.
func decompress(f *os.File, codec string) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(f, 1<<16)
	switch codec {
	case "":
		return readCloser{br, f.Close}, nil
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return readCloser{zr, func() error { zr.Close(); return f.Close() }}, nil
	case "zstd":
		zr, err := zstd.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return readCloser{zr, func() error { zr.Close(); return f.Close() }}, nil
	case "bzip2":
		return readCloser{bzip2.NewReader(br), f.Close}, nil
	case "deflate":
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("deflate (zlib): %w", err)
		}
		return readCloser{zr, func() error { zr.Close(); return f.Close() }}, nil
	}
	return nil, fmt.Errorf("unknown codec %q", codec)
}

// decompressTo writes the decompressed content of src into a new file dst.
func decompressTo(src, codec, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	r, err := decompress(f, codec)
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	defer r.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("decompress %s (%s): %w", src, codec, err)
	}
	return out.Close()
}
