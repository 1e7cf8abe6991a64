package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a manifest (or in a file it names, such as a sqlFile,
// or a command-line flag). Line and Col count from 1; Col 0 means the
// column is unknown, Line 0 that only File (or the flag) is known.
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col", or "file:line" when the column is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// MarshalText writes the position as its String, which keeps golden files short.
func (p Pos) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Error is one problem found in a manifest.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos == (Pos{}) {
		return e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// ErrorList is every problem found, sorted by position.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Add appends a problem at p.
func (l *ErrorList) Add(p Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// Sort orders the list by file, line and column, keeping the order of
// errors at the same place, and drops exact duplicates.
func (l *ErrorList) Sort() {
	sort.SliceStable(*l, func(i, j int) bool {
		a, b := (*l)[i].Pos, (*l)[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := (*l)[:0]
	for _, e := range *l {
		if n := len(out); n > 0 && e.Pos == out[n-1].Pos && e.Msg == out[n-1].Msg {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// Hint returns "; did you mean \"x\"?" or the list of allowed words.
func Hint(got string, allowed []string) string {
	if s := Closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	if len(allowed) == 0 {
		return ""
	}
	return " (expected one of: " + strings.Join(sortedCopy(allowed), ", ") + ")"
}

// DidYouMean returns "; did you mean \"x\"?" or nothing (for messages that
// list the allowed words themselves).
func DidYouMean(got string, allowed []string) string {
	if s := Closest(got, allowed); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// Closest returns the allowed word nearest to got, if it is near enough.
func Closest(got string, allowed []string) string {
	g := strings.ToLower(CamelKey(got))
	best, bestD := "", 1<<30
	for _, a := range allowed {
		dist := Distance(g, strings.ToLower(a))
		if dist < bestD {
			best, bestD = a, dist
		}
	}
	limit := 2
	if len(g) >= 9 {
		limit = 3
	}
	if bestD <= limit && bestD < len(g) {
		return best
	}
	return ""
}

// Distance is the Levenshtein distance between a and b, in runes: the
// measure behind every "did you mean" hint.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
