package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// Result is a query result to print.
type Result struct {
	Columns []string
	// Types are the engine's type names per column (optional); they decide
	// how dates and timestamps print.
	Types []string
	Rows  [][]any
}

// parsedTypes returns the parsed type of each column (nil when unknown).
func (r Result) parsedTypes() []*dtype {
	ts := make([]*dtype, len(r.Columns))
	for i := range ts {
		if i < len(r.Types) {
			ts[i] = parseType(r.Types[i])
		}
	}
	return ts
}

// cell formats a value of type t.
func cell(t *dtype, v any) string { return format(v, t, false) }

func timestamp(t time.Time) string {
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

// Formats accepted by Write.
var Formats = []string{"table", "csv", "json"}

// Write prints res in the named format.
func Write(w io.Writer, format string, res Result) error {
	switch strings.ToLower(format) {
	case "", "table":
		_, err := io.WriteString(w, Table(res))
		return err
	case "csv":
		return CSV(w, res)
	case "json":
		return JSON(w, res)
	}
	return fmt.Errorf("unknown output format %q (table, csv, json)", format)
}

// Table returns res as an aligned text table with a row count.
func Table(res Result) string {
	cells := make([][]string, len(res.Rows))
	width := make([]int, len(res.Columns))
	types := res.parsedTypes()
	for i, c := range res.Columns {
		width[i] = utf8.RuneCountInString(c)
	}
	for r, row := range res.Rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			var t *dtype
			if i < len(types) {
				t = types[i]
			}
			s := strings.ReplaceAll(cell(t, v), "\n", `\n`)
			cells[r][i] = s
			if n := utf8.RuneCountInString(s); i < len(width) && n > width[i] {
				width[i] = n
			}
		}
	}
	var b strings.Builder
	line := func(vals []string) {
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" │ ")
			}
			b.WriteString(v)
			if i < len(vals)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(v)))
			}
		}
		b.WriteString("\n")
	}
	line(res.Columns)
	seps := make([]string, len(width))
	for i, w := range width {
		seps[i] = strings.Repeat("─", w)
	}
	b.WriteString(strings.Join(seps, "─┼─") + "\n")
	for _, row := range cells {
		line(row)
	}
	fmt.Fprintf(&b, "(%d row%s)\n", len(res.Rows), plural(len(res.Rows)))
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// CSV writes a header and one record per row; NULL is an empty field.
func CSV(w io.Writer, res Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(res.Columns); err != nil {
		return err
	}
	types := res.parsedTypes()
	rec := make([]string, len(res.Columns))
	for _, row := range res.Rows {
		for i, v := range row {
			if v == nil {
				rec[i] = ""
			} else {
				rec[i] = cell(types[i], v)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// JSON writes one JSON object per row (JSON lines), keys in column order.
func JSON(w io.Writer, res Result) error {
	types := res.parsedTypes()
	for _, row := range res.Rows {
		var b strings.Builder
		b.WriteByte('{')
		for i, c := range res.Columns {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(c)
			b.Write(k)
			b.WriteByte(':')
			val := row[i]
			switch val.(type) {
			case time.Time, duckdb.Interval:
				val = cell(types[i], val)
			}
			v, err := json.Marshal(jsonValue(val))
			if err != nil {
				return fmt.Errorf("column %s: %w", c, err)
			}
			b.Write(v)
		}
		b.WriteString("}\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return Value(x)
	case *big.Int:
		return x.String()
	case []byte:
		return fmt.Sprintf("%x", x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return v
}

// Cell formats one value of the engine type typ (a DuckDB type name; ""
// when unknown) the way Flare prints it in a table or CSV.
func Cell(typ string, v any) string { return format(v, parseType(typ), false) }

// Value formats one value the way Flare prints it.
func Value(v any) string { return format(v, nil, false) }
