package connector

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// MalformedError is a row of an input file that could not be read in mode
// FAILFAST: a row with the wrong number of fields, a value that does not
// fit its column, broken JSON.
type MalformedError struct {
	File string
	// Line is the 1-based line of the file where the row starts; 0 when
	// it is not known.
	Line int
	// Record is the 1-based number of the record in the file, for formats
	// without lines (avro, orc) or where it says more (xml rows); 0 when
	// not known.
	Record int
	// Where says more about the place (an xlsx sheet and cell).
	Where string
	// Row is the text of the row (shortened), when known.
	Row string
	// Reason says what is wrong with the row.
	Reason string
	// Err is the engine's own error, kept for errors.Unwrap.
	Err error
}

func (e *MalformedError) Error() string {
	var b strings.Builder
	if e.Line == 0 && e.Record > 0 {
		b.WriteString("malformed record in ")
	} else {
		b.WriteString("malformed row in ")
	}
	b.WriteString(e.File)
	if e.Record > 0 {
		fmt.Fprintf(&b, " record %d", e.Record)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Where != "" {
		b.WriteString(" (" + e.Where + ")")
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Row != "" {
		fmt.Fprintf(&b, ": %q", e.Row)
	}
	b.WriteString(" (mode FAILFAST; mode DROPMALFORMED skips malformed rows)")
	return b.String()
}

func (e *MalformedError) Unwrap() error { return e.Err }

var (
	csvLineErr   = regexp.MustCompile(`CSV Error on Line: (\d+)`)
	csvOrigLine  = regexp.MustCompile(`(?m)^Original Line: (.*)$`)
	csvFile      = regexp.MustCompile(`(?m)^\s*file = (.*)$`)
	csvSniffErr  = regexp.MustCompile(`Error when sniffing file "([^"]*)"`)
	jsonLineErr  = regexp.MustCompile(`(?:Malformed JSON|JSON transform error) in file "([^"]*)", (?:at byte \d+ )?in (?:line|record/value) (\d+): ([^\n]*)`)
	reasonTrimRe = regexp.MustCompile(`\s+`)
	csvColCount  = regexp.MustCompile(`^Expected Number of Columns: (\d+) Found: (\d+)`)
)

// ReadError turns an error that DuckDB raised while reading a source into a
// *MalformedError that names the file and the line, when the error is about
// a malformed row; other errors are returned unchanged.
//
// DuckDB names file and line itself for a row it meets while reading, but
// when a malformed row lies in the sample its csv sniffer reads first, it
// only says that it could not detect the file's layout; ReadError then scans
// the file with the source's delimiter and quote to find the row. src may be
// the zero Source for errors raised after the input was defined (while a
// step or an output runs); only the sniffer's error needs the options.
func ReadError(src Source, err error) error {
	if err == nil {
		return nil
	}
	var me *MalformedError
	if errors.As(err, &me) {
		return err
	}
	msg := err.Error()
	if m := csvLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		out := &MalformedError{Line: line, Err: err}
		if f := csvFile.FindStringSubmatch(msg); f != nil {
			out.File = strings.TrimSpace(f[1])
		}
		if o := csvOrigLine.FindStringSubmatchIndex(msg); o != nil {
			out.Row = shorten(msg[o[2]:o[3]])
			rest := strings.TrimLeft(msg[o[1]:], "\n")
			if i := strings.IndexByte(rest, '\n'); i >= 0 {
				rest = rest[:i]
			}
			out.Reason = strings.TrimSpace(rest)
			if c := csvColCount.FindStringSubmatch(out.Reason); c != nil {
				out.Reason = "expected " + c[1] + " fields, found " + c[2]
			}
		}
		if out.File == "" {
			return err
		}
		return out
	}
	if m := jsonLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		reason := strings.TrimSpace(reasonTrimRe.ReplaceAllString(m[3], " "))
		return &MalformedError{File: m[1], Line: line, Reason: strings.TrimSuffix(reason, "."), Err: err}
	}
	if m := csvSniffErr.FindStringSubmatch(msg); m != nil && strings.EqualFold(src.Format, CSV) {
		d, derr := dialectOf(src)
		if derr != nil {
			return err
		}
		line, row, want, got, ok := findMalformedCSV(m[1], d)
		if !ok {
			return err
		}
		return &MalformedError{
			File:   m[1],
			Line:   line,
			Row:    shorten(row),
			Reason: fmt.Sprintf("expected %d fields, found %d", want, got),
			Err:    err,
		}
	}
	return err
}

func shorten(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// dialect is what a csv scan needs of the reader options.
type dialect struct {
	delim, quote, escape, comment string
}

func dialectOf(src Source) (dialect, error) {
	opts, err := src.options()
	if err != nil {
		return dialect{}, err
	}
	o, ok := opts.(*CSVReadOptions)
	if !ok {
		return dialect{}, fmt.Errorf("not a csv source")
	}
	return o.dialect()
}

// maxScanLines bounds the scan of findMalformedCSV; DuckDB's sniffer only
// reads the first rows of a file, so the culprit is near the start.
const maxScanLines = 1 << 20

// findMalformedCSV returns the first record of a csv file whose number of
// fields differs from the first record's, with the line it starts on.
// Blank lines and comment lines are skipped, as the reader skips them.
func findMalformedCSV(path string, d dialect) (line int, row string, want, got int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", 0, 0, false
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return 0, "", 0, 0, false
		}
		defer zr.Close()
		r = zr
	} else if strings.HasSuffix(strings.ToLower(path), ".zst") {
		return 0, "", 0, 0, false
	}
	br := bufio.NewReaderSize(r, 1<<16)
	lineNo := 0
	for lineNo < maxScanLines {
		text, err := br.ReadString('\n')
		if text == "" && err != nil {
			return 0, "", 0, 0, false
		}
		lineNo++
		start := lineNo
		body := strings.TrimRight(text, "\r\n")
		if body == "" || (d.comment != "" && strings.HasPrefix(body, d.comment)) {
			continue
		}
		fields, open := countFields(body, d, false, 1)
		record := body
		// A quoted field may hold line breaks: read on until it closes.
		for open && err == nil {
			var more string
			more, err = br.ReadString('\n')
			if more == "" {
				break
			}
			lineNo++
			record += "\n" + strings.TrimRight(more, "\r\n")
			fields, open = countFields(strings.TrimRight(more, "\r\n"), d, true, fields)
		}
		if want == 0 {
			want = fields
		} else if fields != want {
			return start, record, want, fields, true
		}
		if err != nil {
			return 0, "", 0, 0, false
		}
	}
	return 0, "", 0, 0, false
}

// countFields counts the fields of one physical line, continuing a record
// that has n fields so far and is inside quotes when inQuote is true. It
// reports the count and whether a quoted field is still open at the end.
func countFields(s string, d dialect, inQuote bool, n int) (int, bool) {
	for i := 0; i < len(s); {
		if inQuote {
			if d.escape != "" && d.escape != d.quote && strings.HasPrefix(s[i:], d.escape) {
				i += len(d.escape) + 1
				continue
			}
			if strings.HasPrefix(s[i:], d.quote) {
				if d.escape == d.quote && strings.HasPrefix(s[i+len(d.quote):], d.quote) {
					i += 2 * len(d.quote)
					continue
				}
				inQuote = false
				i += len(d.quote)
				continue
			}
			i++
			continue
		}
		switch {
		case d.quote != "" && strings.HasPrefix(s[i:], d.quote):
			inQuote = true
			i += len(d.quote)
		case strings.HasPrefix(s[i:], d.delim):
			n++
			i += len(d.delim)
		default:
			i++
		}
	}
	return n, inQuote
}
