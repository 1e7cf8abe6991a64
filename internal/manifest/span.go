package manifest

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// lineSpan says that the value bytes from Off on start at Line:Col.
type lineSpan struct {
	Off, Line, Col int
}

// spanPos maps an offset in a value to a position using its spans.
func spanPos(file string, spans []lineSpan, off int) Pos {
	if len(spans) == 0 {
		return Pos{File: file}
	}
	i := sort.Search(len(spans), func(i int) bool { return spans[i].Off > off }) - 1
	if i < 0 {
		i = 0
	}
	s := spans[i]
	return Pos{File: file, Line: s.Line, Col: s.Col + off - s.Off}
}

// textSpans are the spans of a whole file's text (line 1, column 1).
func textSpans(text string) []lineSpan {
	spans := []lineSpan{{Off: 0, Line: 1, Col: 1}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			spans = append(spans, lineSpan{Off: i + 1, Line: len(spans) + 1, Col: 1})
		}
	}
	return spans
}

// scalarSpans maps a scalar's value back onto the manifest's lines. It is
// exact for block scalars and plain or quoted text without escapes, and a
// close guess otherwise (folded lines, escapes).
func scalarSpans(lines []string, n *yaml.Node) []lineSpan {
	v := n.Value
	if n.Line <= 0 || n.Line > len(lines) {
		return []lineSpan{{Off: 0, Line: n.Line, Col: n.Column}}
	}
	var spans []lineSpan
	off := 0
	if n.Style&yaml.LiteralStyle != 0 {
		// Every newline of a literal block is a line break in the file, so
		// the spans follow the value (also after ${var} substitution).
		indent := n.Column - 1
		for l := n.Line + 1; l <= len(lines); l++ {
			if t := lines[l-1]; strings.TrimSpace(t) != "" {
				indent = len(t) - len(strings.TrimLeft(t, " \t"))
				break
			}
		}
		if h := lines[n.Line-1]; n.Column-1 < len(h) {
			// An indentation indicator (|2) fixes the indentation relative
			// to the line that holds the header.
			for _, c := range h[n.Column:] {
				if c >= '1' && c <= '9' {
					indent = len(h) - len(strings.TrimLeft(h, " ")) + int(c-'0')
					break
				}
				if c != '-' && c != '+' {
					break
				}
			}
		}
		line := n.Line + 1
		spans = append(spans, lineSpan{Off: 0, Line: line, Col: indent + 1})
		for i := 0; i < len(v); i++ {
			if v[i] == '\n' && i+1 < len(v) {
				line++
				spans = append(spans, lineSpan{Off: i + 1, Line: line, Col: indent + 1})
			}
		}
		return spans
	}
	if n.Style&yaml.FoldedStyle != 0 {
		indent := -1
		for l := n.Line + 1; l <= len(lines) && off < len(v); l++ {
			text := lines[l-1]
			if strings.TrimSpace(text) == "" {
				continue
			}
			lead := len(text) - len(strings.TrimLeft(text, " \t"))
			if indent < 0 {
				indent = lead
			}
			if lead < indent {
				break
			}
			spans = append(spans, lineSpan{Off: off, Line: l, Col: indent + 1})
			off += len(text) - indent
			for off < len(v) && v[off] == '\n' {
				off++
			}
			if off < len(v) && v[off] == ' ' {
				off++
			}
		}
		if len(spans) == 0 {
			spans = []lineSpan{{Off: 0, Line: n.Line + 1, Col: n.Column}}
		}
		return spans
	}
	col := n.Column
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		col++
	}
	spans = append(spans, lineSpan{Off: 0, Line: n.Line, Col: col})
	if !strings.Contains(v, "\n") && !multiLine(lines, n, col, len(v)) {
		return spans
	}
	first := lines[n.Line-1]
	if col-1 <= len(first) {
		off = len(strings.TrimRight(first[col-1:], " \t"))
	}
	if off < len(v) && (v[off] == '\n' || v[off] == ' ') {
		off++
	}
	for l := n.Line + 1; l <= len(lines) && off < len(v); l++ {
		text := strings.TrimRight(lines[l-1], " \t")
		trim := strings.TrimLeft(text, " \t")
		if trim == "" {
			continue
		}
		spans = append(spans, lineSpan{Off: off, Line: l, Col: len(text) - len(trim) + 1})
		off += len(trim)
		if off < len(v) && (v[off] == '\n' || v[off] == ' ') {
			off++
		}
	}
	return spans
}

// multiLine reports whether a flow scalar of length n continues past its
// first line.
func multiLine(lines []string, node *yaml.Node, col, n int) bool {
	first := lines[node.Line-1]
	return col-1+n > len(first)
}
