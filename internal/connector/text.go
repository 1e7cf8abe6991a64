package connector

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// textDecoder reads Spark's text format: one row per line (or per file with
// wholetext) in a single column named value.
type textDecoder struct {
	o   *TextReadOptions
	sep []byte // nil: \n, \r\n or \r
}

// maxLine bounds one line of a text file.
const maxLine = 512 << 20

func newTextDecoder(o *TextReadOptions) (*textDecoder, error) {
	d := &textDecoder{o: o}
	if o.LineSep != "" {
		d.sep = []byte(unescape(o.LineSep))
	}
	return d, nil
}

func (d *textDecoder) columns(context.Context, []fileRef) ([]column, error) {
	return []column{{name: "value", typ: "VARCHAR", t: tVarchar}}, nil
}

func (d *textDecoder) rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error {
	r, err := openText(f.path, d.o.Compression)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.name, err)
	}
	defer r.Close()
	row := make([]driver.Value, 1)
	if d.o.WholeText {
		b, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.name, err)
		}
		row[0] = validUTF8(string(b))
		return emit(row)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	if d.sep != nil {
		sc.Split(splitOn(d.sep))
	} else {
		sc.Split(splitLines)
	}
	line := 0
	for sc.Scan() {
		line++
		row[0] = validUTF8(sc.Text())
		if err := emit(row); err != nil {
			return fmt.Errorf("read %s line %d: %w", f.name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return fmt.Errorf("read %s: line %d is longer than %d MiB", f.name, line+1, maxLine>>20)
		}
		return fmt.Errorf("read %s after line %d: %w", f.name, line, err)
	}
	return nil
}

// validUTF8 replaces bytes that are not UTF-8, as Java's decoder does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// splitLines splits on \n, \r\n and \r.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		// \r: a following \n belongs to it; at the end of the buffer ask
		// for more unless the file ends.
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// splitOn splits on a fixed separator.
func splitOn(sep []byte) bufio.SplitFunc {
	return func(data []byte, atEOF bool) (int, []byte, error) {
		if atEOF && len(data) == 0 {
			return 0, nil, nil
		}
		if i := bytes.Index(data, sep); i >= 0 {
			return i + len(sep), data[:i], nil
		}
		if atEOF {
			return len(data), data, nil
		}
		return 0, nil, nil
	}
}
