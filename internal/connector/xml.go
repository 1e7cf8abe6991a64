package connector

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// xmlDecoder reads XML files as Spark's XML source does: every rowTag
// element is a row; its attributes (prefixed with attributePrefix) and child
// elements are the columns; a child with attributes or children is a struct
// (its text in valueTag); a repeated child is an array. Rows are cut out of
// the byte stream first and parsed one by one (with encoding/xml), so a
// malformed row is reported (or dropped, or kept as corrupt) on its own.
type xmlDecoder struct {
	o       *XMLReadOptions
	given   schema
	p       *textParser
	row     *dtype // the row's struct type
	corrupt int    // index of the corrupt-record column, -1 when none
}

func newXMLDecoder(o *XMLReadOptions, given schema) (*xmlDecoder, error) {
	if strings.TrimSpace(o.RowTag) == "" {
		return nil, fmt.Errorf("xml input: option rowTag must name an element")
	}
	if strings.ContainsAny(o.RowTag, "<>/ \t\n\"'") {
		return nil, fmt.Errorf("xml input: option rowTag %q is not an element name", o.RowTag)
	}
	p, err := newTextParser(o.DateFormat, o.TimestampFormat, o.NullValue, o.NullValue != "")
	if err != nil {
		return nil, err
	}
	return &xmlDecoder{o: o, given: given, p: p, corrupt: -1}, nil
}

func (d *xmlDecoder) setZone(loc *time.Location) { d.p.loc = loc }

// xelem is a parsed element.
type xelem struct {
	name  string
	attrs []xml.Attr
	text  strings.Builder
	kids  []*xelem
}

// xrecord is one row cut from a file.
type xrecord struct {
	raw  []byte
	line int // line of the row's start tag
	n    int // 1-based number of the row in the file
}

func (d *xmlDecoder) columns(ctx context.Context, files []fileRef) ([]column, error) {
	if d.given != nil {
		d.row = &dtype{id: "STRUCT"}
		for _, c := range d.given {
			d.row.fields = append(d.row.fields, field{c.name, c.t})
		}
	} else {
		// Inference: one pass over every row of every file.
		var t *dtype
		for _, f := range files {
			err := d.scan(ctx, f, func(rec xrecord) error {
				el, err := d.parse(rec.raw)
				if err != nil {
					// A malformed row adds nothing to the schema; rows()
					// reports it according to the mode.
					return nil
				}
				if et := d.inferElem(el, true); t == nil || !t.equal(et) {
					t = mergeTypes(t, et, d.o.ValueTag)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		if t == nil {
			t = &dtype{id: "STRUCT"}
		}
		d.row = finishType(t, true)
		if d.row.id != "STRUCT" {
			d.row = &dtype{id: "STRUCT", fields: []field{{d.o.ValueTag, d.row}}}
		}
	}
	var cols []column
	for i, f := range d.row.fields {
		if d.o.ColumnNameOfCorruptRecord != "" && f.name == d.o.ColumnNameOfCorruptRecord {
			if f.t.id != "VARCHAR" {
				return nil, fmt.Errorf("xml input: column %s of columnNameOfCorruptRecord must be a string", f.name)
			}
			d.corrupt = i
		}
		cols = append(cols, column{name: f.name, typ: f.t.SQL(), t: f.t})
	}
	if d.o.ColumnNameOfCorruptRecord != "" && d.corrupt < 0 {
		d.corrupt = len(cols)
		d.row.fields = append(d.row.fields, field{d.o.ColumnNameOfCorruptRecord, tVarchar})
		cols = append(cols, column{name: d.o.ColumnNameOfCorruptRecord, typ: "VARCHAR", t: tVarchar})
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("xml input: no <%s> element with content in %s", d.o.RowTag, files[0].name)
	}
	return cols, nil
}

func (d *xmlDecoder) rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error {
	row := make([]driver.Value, len(d.row.fields))
	return d.scan(ctx, f, func(rec xrecord) error {
		err := d.record(rec, row)
		if err == nil {
			if err := emit(row); err != nil {
				return fmt.Errorf("read %s record %d: %w", f.name, rec.n, err)
			}
			return nil
		}
		switch d.o.Mode {
		case DropMalformed:
			return nil
		case Permissive:
			for i := range row {
				row[i] = nil
			}
			// Keep what can be read of a well-formed row; a row that does
			// not parse is all NULL.
			if el, perr := d.parse(rec.raw); perr == nil {
				d.fillRow(el, row, true)
			}
			if d.corrupt >= 0 {
				row[d.corrupt] = validUTF8(string(rec.raw))
			}
			return emit(row)
		}
		return &MalformedError{File: f.name, Line: rec.line, Record: rec.n, Reason: err.Error(), Row: shorten(string(rec.raw)), Err: err}
	})
}

// record fills row from a raw record, or says why it cannot.
func (d *xmlDecoder) record(rec xrecord, row []driver.Value) error {
	el, err := d.parse(rec.raw)
	if err != nil {
		return err
	}
	return d.fillRow(el, row, false)
}

// fillRow converts the row element into row; with lenient, values that do
// not convert become NULL instead of an error.
func (d *xmlDecoder) fillRow(el *xelem, row []driver.Value, lenient bool) error {
	fields := d.fieldsOf(el)
	for i, f := range d.row.fields {
		if i == d.corrupt {
			row[i] = nil
			continue
		}
		v, err := d.value(fields[f.name], f.t)
		if err != nil {
			if lenient {
				row[i] = nil
				continue
			}
			return fmt.Errorf("%s: %w", f.name, err)
		}
		row[i] = v
	}
	return nil
}

// xval is what a field of an element holds: its occurrences (elements) or
// an attribute's or the element's own text.
type xval struct {
	elems []*xelem
	text  *string
}

// fieldsOf lists the fields of an element: attributes, children by name,
// and its own text under valueTag.
func (d *xmlDecoder) fieldsOf(el *xelem) map[string]xval {
	out := map[string]xval{}
	if !d.o.ExcludeAttribute {
		for _, a := range el.attrs {
			v := d.clean(a.Value)
			out[d.o.AttributePrefix+a.Name.Local] = xval{text: &v}
		}
	}
	for _, k := range el.kids {
		v := out[k.name]
		v.elems = append(v.elems, k)
		out[k.name] = v
	}
	raw := el.text.String()
	if len(out) == 0 {
		// A plain value.
		t := d.clean(raw)
		out[d.o.ValueTag] = xval{text: &t}
	} else if strings.TrimSpace(raw) != "" {
		// Text beside attributes or children (white space between child
		// elements is not text).
		t := d.clean(raw)
		out[d.o.ValueTag] = xval{text: &t}
	}
	return out
}

func (d *xmlDecoder) clean(s string) string {
	if d.o.IgnoreSurroundingSpaces {
		return strings.TrimSpace(s)
	}
	return s
}

// simple reports whether an element is a plain value (no attributes that
// count, no children).
func (d *xmlDecoder) simple(el *xelem) bool {
	return len(el.kids) == 0 && (d.o.ExcludeAttribute || len(el.attrs) == 0)
}

// inferElem infers the type of an element; top is true for the row.
func (d *xmlDecoder) inferElem(el *xelem, top bool) *dtype {
	if !top && d.simple(el) {
		return d.inferText(d.clean(el.text.String()))
	}
	t := &dtype{id: "STRUCT"}
	fields := d.fieldsOf(el)
	if top && d.simple(el) {
		// A row that is only text: its value is the one column.
		return &dtype{id: "STRUCT", fields: []field{{d.o.ValueTag, d.inferText(*fields[d.o.ValueTag].text)}}}
	}
	for name, v := range fields {
		var ft *dtype
		switch {
		case v.text != nil:
			ft = d.inferText(*v.text)
		case len(v.elems) == 1:
			ft = d.inferElem(v.elems[0], false)
		default:
			var et *dtype
			for _, e := range v.elems {
				et = mergeTypes(et, d.inferElem(e, false), d.o.ValueTag)
			}
			ft = &dtype{id: "LIST", elem: et}
		}
		t.fields = append(t.fields, field{name, ft})
	}
	// Map order is random: sorted, equal shapes compare equal.
	sortFields(t.fields)
	return t
}

func (d *xmlDecoder) inferText(s string) *dtype {
	if !d.o.InferSchema {
		if d.p.isNull(s) {
			return tNull
		}
		return tVarchar
	}
	return d.p.infer(s)
}

// value converts a field's occurrences to a value of type t.
func (d *xmlDecoder) value(v xval, t *dtype) (driver.Value, error) {
	if v.text == nil && len(v.elems) == 0 {
		return nil, nil
	}
	if t.id == "LIST" {
		if v.text != nil {
			x, err := d.value(v, t.elem)
			if err != nil || x == nil {
				return nil, err
			}
			return []any{x}, nil
		}
		out := make([]any, 0, len(v.elems))
		for _, e := range v.elems {
			x, err := d.value(xval{elems: []*xelem{e}}, t.elem)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	if v.text != nil {
		if t.id == "STRUCT" {
			return d.structOf(map[string]xval{d.o.ValueTag: v}, t)
		}
		return d.p.convert(*v.text, t)
	}
	if len(v.elems) > 1 {
		return nil, fmt.Errorf("<%s> appears %d times where the schema has one value (declare it an ARRAY)", v.elems[0].name, len(v.elems))
	}
	el := v.elems[0]
	if t.id == "STRUCT" {
		return d.structOf(d.fieldsOf(el), t)
	}
	if len(el.kids) > 0 {
		return nil, fmt.Errorf("<%s> holds elements where the schema has a %s value", el.name, t.SQL())
	}
	return d.p.convert(d.clean(el.text.String()), t)
}

func (d *xmlDecoder) structOf(fields map[string]xval, t *dtype) (driver.Value, error) {
	out := make(map[string]any, len(t.fields))
	any := false
	for _, f := range t.fields {
		x, err := d.value(fields[f.name], f.t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		out[f.name] = x
		if x != nil {
			any = true
		}
	}
	if !any {
		return nil, nil
	}
	return out, nil
}

// parse parses one row's XML text into an element tree.
func (d *xmlDecoder) parse(raw []byte) (*xelem, error) {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	var stack []*xelem
	var root *xelem
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &xelem{name: d.name(t.Name)}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				a.Name.Local = d.name(a.Name)
				el.attrs = append(el.attrs, a)
			}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, el)
			} else if root == nil {
				root = el
			}
			stack = append(stack, el)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != d.name(t.Name) {
				return nil, fmt.Errorf("not well-formed XML: unexpected </%s>", d.name(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil || len(stack) > 0 {
		return nil, fmt.Errorf("not well-formed XML: <%s> is not closed", d.o.RowTag)
	}
	return root, nil
}

func (d *xmlDecoder) name(n xml.Name) string {
	if n.Space == "" || d.o.IgnoreNamespace {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

var xmlEncodingDecl = regexp.MustCompile(`^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// utf8Reader turns a file's bytes into UTF-8: by its byte order mark, its
// XML declaration, or the encoding option.
func (d *xmlDecoder) utf8Reader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(200)
	enc := strings.ToLower(d.o.Encoding)
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc = "utf-16"
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		enc = "utf-8"
	default:
		if m := xmlEncodingDecl.FindSubmatch(head); m != nil && (enc == "utf-8" || enc == "utf8") {
			enc = strings.ToLower(string(m[1]))
		}
	}
	switch enc {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return br, nil
	case "utf-16", "utf16":
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return transform.NewReader(br, charmap.ISO8859_1.NewDecoder()), nil
	case "windows-1252", "cp1252":
		return transform.NewReader(br, charmap.Windows1252.NewDecoder()), nil
	}
	return nil, fmt.Errorf("encoding %q is not supported (utf-8, utf-16, iso-8859-1, windows-1252)", enc)
}

// scan cuts the rows out of a file and calls fn for each.
func (d *xmlDecoder) scan(ctx context.Context, f fileRef, fn func(xrecord) error) error {
	rc, err := openText(f.path, d.o.Compression)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.name, err)
	}
	defer rc.Close()
	r, err := d.utf8Reader(rc)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.name, err)
	}
	s := &rowScanner{r: bufio.NewReaderSize(r, 1<<16), tag: []byte(d.o.RowTag), line: 1}
	if d.o.RootTag != "" {
		s.rootTag = []byte(d.o.RootTag)
	}
	for n := 1; ; n++ {
		raw, line, err := s.next()
		if err == io.EOF {
			if n == 1 && s.rootErr != nil {
				return fmt.Errorf("read %s: %w", f.name, s.rootErr)
			}
			return nil
		}
		if err != nil {
			var ue *unclosedError
			if errors.As(err, &ue) {
				rec := xrecord{raw: raw, line: line, n: n}
				switch d.o.Mode {
				case DropMalformed:
					return nil
				case Permissive:
					return fn(rec) // parse fails: kept as a corrupt row
				}
				return &MalformedError{File: f.name, Line: line, Record: n, Reason: err.Error(), Row: shorten(string(raw)), Err: err}
			}
			return fmt.Errorf("read %s: %w", f.name, err)
		}
		if s.rootErr != nil {
			return fmt.Errorf("read %s: %w", f.name, s.rootErr)
		}
		if err := fn(xrecord{raw: raw, line: line, n: n}); err != nil {
			return err
		}
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

type unclosedError struct{ tag string }

func (e *unclosedError) Error() string {
	return "the file ends inside <" + e.tag + ">: the row is not closed"
}

// rowScanner finds rowTag elements in a byte stream without parsing the
// rest of the document (as Spark's XML reader does): comments and CDATA
// sections are skipped, a nested element of the same name is counted.
type rowScanner struct {
	r       *bufio.Reader
	tag     []byte
	line    int
	rootTag []byte
	rootErr error // the document element is not rootTag
	seenTop bool
}

func (s *rowScanner) readByte() (byte, error) {
	c, err := s.r.ReadByte()
	if c == '\n' {
		s.line++
	}
	return c, err
}

// isTag reports whether the bytes after '<' open (or close, with slash) an
// element named tag.
func (s *rowScanner) isTag(slash bool) bool {
	n := len(s.tag) + 1
	if slash {
		n++
	}
	b, err := s.r.Peek(n)
	if len(b) < n-1 || (err != nil && len(b) < n) {
		// The stream ends: "<row" at the very end is not a full tag.
		if len(b) == n-1 && !slash {
			return false
		}
		return false
	}
	if slash {
		if b[0] != '/' {
			return false
		}
		b = b[1:]
	}
	if !bytes.Equal(b[:len(s.tag)], s.tag) {
		return false
	}
	switch b[len(s.tag)] {
	case ' ', '\t', '\n', '\r', '>', '/':
		return true
	}
	return false
}

// skipUntil copies bytes to out (when not nil) up to and including end.
func (s *rowScanner) skipUntil(end string, out *[]byte) error {
	matched := 0
	for {
		c, err := s.readByte()
		if err != nil {
			return err
		}
		if out != nil {
			*out = append(*out, c)
		}
		if c == end[matched] {
			matched++
			if matched == len(end) {
				return nil
			}
		} else if c == end[0] {
			matched = 1
		} else {
			matched = 0
		}
	}
}

func (s *rowScanner) startsWith(p string) bool {
	b, _ := s.r.Peek(len(p))
	return string(b) == p
}

// next returns the next row's bytes and the line it starts on.
func (s *rowScanner) next() ([]byte, int, error) {
	// Outside rows.
	for {
		c, err := s.readByte()
		if err != nil {
			return nil, 0, io.EOF
		}
		if c != '<' {
			continue
		}
		switch {
		case s.startsWith("!--"):
			if err := s.skipUntil("-->", nil); err != nil {
				return nil, 0, io.EOF
			}
			continue
		case s.startsWith("![CDATA["):
			if err := s.skipUntil("]]>", nil); err != nil {
				return nil, 0, io.EOF
			}
			continue
		case s.startsWith("?") || s.startsWith("!"):
			continue
		}
		if !s.seenTop {
			s.seenTop = true
			if s.rootTag != nil {
				b, _ := s.r.Peek(len(s.rootTag) + 1)
				if len(b) <= len(s.rootTag) || !bytes.Equal(b[:len(s.rootTag)], s.rootTag) || !bytes.ContainsAny(b[len(s.rootTag):], " \t\r\n>/") {
					name := string(b)
					if i := bytes.IndexAny(b, " \t\r\n>/"); i >= 0 {
						name = string(b[:i])
					}
					s.rootErr = fmt.Errorf("the document element is <%s>, not the rootTag <%s>", name, s.rootTag)
					return nil, 0, io.EOF
				}
			}
		}
		if s.isTag(false) {
			break
		}
	}
	line := s.line
	rec := append(make([]byte, 0, 256), '<')
	depth := 1
	// The start tag: up to '>', minding quoted attribute values.
	selfClosing, err := s.readTag(&rec)
	if err != nil {
		return rec, line, &unclosedError{string(s.tag)}
	}
	if selfClosing {
		return rec, line, nil
	}
	for {
		c, err := s.readByte()
		if err != nil {
			return rec, line, &unclosedError{string(s.tag)}
		}
		rec = append(rec, c)
		if c != '<' {
			continue
		}
		switch {
		case s.startsWith("!--"):
			err = s.skipUntil("-->", &rec)
		case s.startsWith("![CDATA["):
			err = s.skipUntil("]]>", &rec)
		case s.isTag(true):
			if _, err = s.readTag(&rec); err == nil {
				depth--
				if depth == 0 {
					return rec, line, nil
				}
			}
		case s.isTag(false):
			var sc bool
			if sc, err = s.readTag(&rec); err == nil && !sc {
				depth++
			}
		}
		if err != nil {
			return rec, line, &unclosedError{string(s.tag)}
		}
	}
}

// readTag copies the rest of a tag up to its '>' and reports whether it
// closes itself ("/>").
func (s *rowScanner) readTag(out *[]byte) (bool, error) {
	var quote byte
	prev := byte(0)
	for {
		c, err := s.readByte()
		if err != nil {
			return false, err
		}
		*out = append(*out, c)
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return prev == '/', nil
		}
		prev = c
	}
}
