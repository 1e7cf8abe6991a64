package quality

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FormatValue prints a metric value: whole numbers without decimals, others
// with up to 6 significant digits, nil as "no value".
func FormatValue(v *float64) string {
	if v == nil {
		return "no value"
	}
	f := *v
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func formatLimit(op string, limit float64) string {
	return op + " " + FormatValue(&limit)
}

// Table renders the result for a terminal: one line per check with the
// assertion, the metric, the value, the limit and pass or FAIL, under a
// line that counts them.
func (r *Result) Table() string {
	head := []string{"#", "assertion", "metric", "value", "limit", "result"}
	var rows [][]string
	for _, c := range r.Checks {
		res := "pass"
		if !c.Passed {
			res = "FAIL"
		}
		rows = append(rows, []string{strconv.Itoa(c.Assertion), clip(c.Label(), 60), c.Metric, FormatValue(c.Value), formatLimit(c.Op, c.Limit), res})
	}
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	failed := r.Failed()
	if failed == 0 {
		fmt.Fprintf(&b, "Assertions on %s: all %d checks passed\n", r.Dataset, len(r.Checks))
	} else {
		fmt.Fprintf(&b, "Assertions on %s: %d of %d checks FAILED\n", r.Dataset, failed, len(r.Checks))
	}
	line := func(cells []string) {
		for i, cell := range cells {
			pad := width[i] - utf8.RuneCountInString(cell)
			if i == 0 || i == 3 { // numbers right-aligned
				b.WriteString(strings.Repeat(" ", pad) + cell)
			} else {
				b.WriteString(cell)
				if i < len(cells)-1 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			}
			if i < len(cells)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, row := range rows {
		line(row)
	}
	return b.String()
}

// Print writes Table to w.
func (r *Result) Print(w io.Writer) error {
	_, err := io.WriteString(w, r.Table())
	return err
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
