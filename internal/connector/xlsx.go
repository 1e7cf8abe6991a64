package connector

import (
	"context"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxDecoder reads Excel workbooks with github.com/xuri/excelize as the
// spark-excel source does: one sheet, a data range (dataAddress), a header
// row, cells typed by their Excel type (inferSchema) or read as the text
// Excel shows.
type xlsxDecoder struct {
	o     *XLSXReadOptions
	given schema
	p     *textParser
	cols  []column
}

func newXLSXDecoder(o *XLSXReadOptions, given schema) (*xlsxDecoder, error) {
	p, _ := newTextParser("", "", "", false)
	if _, _, _, err := parseDataAddress(o.DataAddress); err != nil {
		return nil, err
	}
	return &xlsxDecoder{o: o, given: given, p: p}, nil
}

func (d *xlsxDecoder) setZone(loc *time.Location) { d.p.loc = loc }

// cellRange is a data range; end coordinates are 0 when open.
type cellRange struct{ col, row, endCol, endRow int }

var sheetAddr = regexp.MustCompile(`^(?:'((?:[^']|'')+)'|([^'!]+))!(.*)$`)

// parseDataAddress splits 'Sheet'!B3:F35 into the sheet (empty when not
// named) and the range.
func parseDataAddress(addr string) (sheet string, r cellRange, given bool, err error) {
	a := strings.TrimSpace(addr)
	if m := sheetAddr.FindStringSubmatch(a); m != nil {
		sheet = m[1]
		if sheet == "" {
			sheet = m[2]
		}
		sheet = strings.ReplaceAll(sheet, "''", "'")
		a = m[3]
	}
	if a == "" {
		a = "A1"
	}
	start, end, isRange := strings.Cut(a, ":")
	if r.col, r.row, err = excelize.CellNameToCoordinates(strings.ReplaceAll(start, "$", "")); err != nil {
		return "", r, false, fmt.Errorf("xlsx input: option dataAddress %q: %q is not a cell", addr, start)
	}
	if isRange {
		if r.endCol, r.endRow, err = excelize.CellNameToCoordinates(strings.ReplaceAll(end, "$", "")); err != nil {
			return "", r, false, fmt.Errorf("xlsx input: option dataAddress %q: %q is not a cell", addr, end)
		}
		if r.endCol < r.col || r.endRow < r.row {
			return "", r, false, fmt.Errorf("xlsx input: option dataAddress %q: the range ends before it starts", addr)
		}
	}
	return sheet, r, true, nil
}

// xcell is one cell as read.
type xcell struct {
	raw, shown string
	typ        excelize.CellType
	date       bool
	date1904   bool // the workbook counts days from 1904
	name       string
}

// sheetRows reads the cells of the data range of a file's sheet.
func (d *xlsxDecoder) sheetRows(f fileRef) (sheet string, rows [][]xcell, err error) {
	wb, err := excelize.OpenFile(f.path, excelize.Options{Password: d.o.WorkbookPassword})
	if err != nil {
		if d.o.WorkbookPassword == "" && strings.Contains(err.Error(), "password") {
			return "", nil, fmt.Errorf("read %s: the workbook is encrypted: give workbookPassword (%w)", f.name, err)
		}
		return "", nil, fmt.Errorf("read %s: not an xlsx workbook: %w", f.name, err)
	}
	defer wb.Close()
	addrSheet, rg, _, _ := parseDataAddress(d.o.DataAddress)
	sheet = d.o.SheetName
	switch {
	case sheet != "" && addrSheet != "" && sheet != addrSheet:
		return "", nil, fmt.Errorf("xlsx input: sheetName %q and the sheet of dataAddress %q differ", sheet, addrSheet)
	case sheet == "":
		sheet = addrSheet
	}
	list := wb.GetSheetList()
	if sheet == "" {
		if len(list) == 0 {
			return "", nil, fmt.Errorf("read %s: the workbook has no sheets", f.name)
		}
		sheet = list[0]
	} else if idx, _ := wb.GetSheetIndex(sheet); idx < 0 {
		return "", nil, fmt.Errorf("read %s: no sheet %q (sheets: %s)", f.name, sheet, strings.Join(list, ", "))
	}
	props, _ := wb.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	typed := d.o.InferSchema || d.given != nil || d.o.UsePlainNumberFormat
	shown, err := wb.GetRows(sheet)
	if err != nil {
		return "", nil, fmt.Errorf("read %s sheet %s: %w", f.name, sheet, err)
	}
	raw, err := wb.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return "", nil, fmt.Errorf("read %s sheet %s: %w", f.name, sheet, err)
	}
	styleDates := map[int]bool{}
	isDate := func(cell string) bool {
		id, err := wb.GetCellStyle(sheet, cell)
		if err != nil || id == 0 {
			return false
		}
		if v, ok := styleDates[id]; ok {
			return v
		}
		st, err := wb.GetStyle(id)
		v := err == nil && dateFormat(st)
		styleDates[id] = v
		return v
	}
	for r := rg.row - 1; r < len(raw); r++ {
		if rg.endRow > 0 && r >= rg.endRow {
			break
		}
		last := len(raw[r])
		if rg.endCol > 0 && last > rg.endCol {
			last = rg.endCol
		}
		var row []xcell
		blank := true
		for c := rg.col - 1; c < last; c++ {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			cell := xcell{raw: raw[r][c], name: name, date1904: date1904}
			if r < len(shown) && c < len(shown[r]) {
				cell.shown = shown[r][c]
			}
			if cell.raw != "" {
				blank = false
				if !typed {
					// Every column is text as Excel shows it: no types needed.
					row = append(row, cell)
					continue
				}
				cell.typ, _ = wb.GetCellType(sheet, name)
				if (cell.typ == excelize.CellTypeUnset || cell.typ == excelize.CellTypeNumber) && isDate(name) {
					cell.date = true
				}
			}
			row = append(row, cell)
		}
		if blank {
			// A blank row inside the range is skipped; its position still
			// counts for cell names.
			row = nil
		}
		rows = append(rows, row)
	}
	return sheet, rows, nil
}

// dateFormat reports whether a cell style shows numbers as dates or times.
func dateFormat(st *excelize.Style) bool {
	switch {
	case st.NumFmt >= 14 && st.NumFmt <= 22, st.NumFmt >= 27 && st.NumFmt <= 36,
		st.NumFmt >= 45 && st.NumFmt <= 47, st.NumFmt >= 50 && st.NumFmt <= 58:
		return true
	case st.CustomNumFmt == nil:
		return false
	}
	f := *st.CustomNumFmt
	var b strings.Builder
	inQuote, inBracket := false, false
	for _, r := range f {
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '[':
			inBracket = true
		case r == ']':
			inBracket = false
		case inBracket:
		default:
			b.WriteRune(r)
		}
	}
	return strings.ContainsAny(strings.ToLower(b.String()), "dmyhs") && !strings.EqualFold(f, "General")
}

func (d *xlsxDecoder) columns(ctx context.Context, files []fileRef) ([]column, error) {
	var names []string
	var types []*dtype
	for fi, f := range files {
		_, rows, err := d.sheetRows(f)
		if err != nil {
			return nil, err
		}
		first := 0
		var header []string
		if d.o.Header {
			for first < len(rows) && rows[first] == nil {
				first++
			}
			if first < len(rows) {
				for _, c := range rows[first] {
					header = append(header, strings.TrimSpace(c.shown))
				}
				first++
			}
		}
		width := len(header)
		for _, r := range rows[first:] {
			if len(r) > width {
				width = len(r)
			}
		}
		if _, rg, _, _ := parseDataAddress(d.o.DataAddress); rg.endCol > 0 {
			width = rg.endCol - rg.col + 1
		}
		fileNames := make([]string, width)
		seen := map[string]int{}
		for i := range fileNames {
			n := ""
			if i < len(header) {
				n = header[i]
			}
			if n == "" {
				n = "_c" + strconv.Itoa(i)
			}
			seen[strings.ToLower(n)]++
			fileNames[i] = n
		}
		for i, n := range fileNames {
			// Spark renames duplicate header names to name + index.
			if seen[strings.ToLower(n)] > 1 {
				fileNames[i] = n + strconv.Itoa(i)
			}
		}
		if fi == 0 {
			names = fileNames
			types = make([]*dtype, width)
		} else if strings.Join(fileNames, "\x00") != strings.Join(names, "\x00") && d.given == nil {
			return nil, fmt.Errorf("read %s: its columns %v differ from %s's %v", f.name, fileNames, files[0].name, names)
		}
		if d.given != nil {
			continue
		}
		for _, r := range rows[first:] {
			for i, c := range r {
				if i < len(types) {
					types[i] = mergeTypes(types[i], d.inferCell(c), "")
				}
			}
		}
	}
	if d.given != nil {
		d.cols = append([]column(nil), d.given...)
		return d.cols, nil
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("read %s: no cells in the data range %s", files[0].name, d.o.DataAddress)
	}
	for i, n := range names {
		t := types[i]
		if t == nil || t.id == "NULL" {
			t = tVarchar
		}
		d.cols = append(d.cols, column{name: n, typ: t.SQL(), t: t})
	}
	return d.cols, nil
}

func (d *xlsxDecoder) inferCell(c xcell) *dtype {
	if c.raw == "" {
		return tNull
	}
	if !d.o.InferSchema {
		return tVarchar
	}
	switch c.typ {
	case excelize.CellTypeBool:
		return tBool
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		if _, err := strconv.ParseFloat(c.raw, 64); err != nil {
			return tVarchar
		}
		if c.date {
			return tTSTZ
		}
		return tDouble
	case excelize.CellTypeFormula:
		if _, err := strconv.ParseFloat(c.raw, 64); err == nil {
			return tDouble
		}
	}
	return tVarchar
}

func (d *xlsxDecoder) rows(ctx context.Context, f fileRef, emit func([]driver.Value) error) error {
	sheet, rows, err := d.sheetRows(f)
	if err != nil {
		return err
	}
	row := make([]driver.Value, len(d.cols))
	headerSkipped := !d.o.Header
	for _, r := range rows {
		if r == nil {
			continue
		}
		if !headerSkipped {
			headerSkipped = true
			continue
		}
		bad := false
		for i, col := range d.cols {
			var c xcell
			if i < len(r) {
				c = r[i]
			}
			v, err := d.cellValue(c, col.t)
			if err != nil {
				if d.o.Mode == FailFast {
					return &MalformedError{File: f.name, Where: "sheet " + sheet + ", cell " + c.name,
						Reason: "column " + col.name + ": " + err.Error(), Err: err}
				}
				bad = true
				v = nil
			}
			row[i] = v
		}
		if bad && d.o.Mode == DropMalformed {
			continue
		}
		if err := emit(row); err != nil {
			return fmt.Errorf("read %s sheet %s: %w", f.name, sheet, err)
		}
	}
	return nil
}

// cellValue converts a cell to a column's type.
func (d *xlsxDecoder) cellValue(c xcell, t *dtype) (driver.Value, error) {
	if c.raw == "" {
		if t.id == "VARCHAR" && !d.o.TreatEmptyValuesAsNulls && c.name != "" {
			return "", nil
		}
		return nil, nil
	}
	number := c.typ == excelize.CellTypeUnset || c.typ == excelize.CellTypeNumber || c.typ == excelize.CellTypeFormula
	f, ferr := strconv.ParseFloat(c.raw, 64)
	isNum := number && ferr == nil
	switch t.id {
	case "VARCHAR":
		if isNum && !c.date && d.o.UsePlainNumberFormat {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
		return c.shown, nil
	case "DOUBLE", "FLOAT":
		if isNum {
			return f, nil
		}
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT":
		if isNum && f == float64(int64(f)) {
			return d.p.convert(strconv.FormatInt(int64(f), 10), t)
		}
		if isNum {
			return nil, fmt.Errorf("%v is not a whole number", f)
		}
	case "DECIMAL":
		if isNum {
			return decimalOf(f, t)
		}
	case "BOOLEAN":
		if c.typ == excelize.CellTypeBool {
			return c.raw == "1" || strings.EqualFold(c.raw, "true"), nil
		}
	case "DATE", "TIMESTAMP", "TIMESTAMPTZ":
		if isNum {
			tm, err := excelize.ExcelDateToTime(f, c.date1904)
			if err != nil {
				return nil, fmt.Errorf("%v is not a date serial number", f)
			}
			switch t.id {
			case "DATE":
				return time.Date(tm.Year(), tm.Month(), tm.Day(), 0, 0, 0, 0, time.UTC), nil
			case "TIMESTAMP":
				return tm, nil
			}
			// Excel times have no zone: the wall clock in the session's.
			return time.Date(tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), d.p.loc), nil
		}
	}
	// Text in a typed column: read as text is (e.g. a number typed as text).
	return d.p.convert(strings.TrimSpace(c.shown), t)
}
