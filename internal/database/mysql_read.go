package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"

	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// myColumn is one column of a MySQL/MariaDB read.
type myColumn struct {
	Column
	info   duckdb.TypeInfo
	expr   string
	set    func(ch *duckdb.DataChunk, col, row int, v driver.Value) error
	bound  boundKind
	partOK bool
	tz     bool
}

// myDescribe runs SELECT * FROM <from> LIMIT 0 (MySQL answers it without
// reading rows) and maps the result columns; for a table, the column types
// information_schema gives refine the mapping (tinyint(1) and bit(1) are
// booleans, as in Spark).
func myDescribe(ctx context.Context, dc driver.Conn, c Config, o ReadOptions) ([]myColumn, error) {
	from := myFrom(o)
	rows, st, err := driverQuery(ctx, dc, "SELECT * FROM "+from+" LIMIT 0")
	if err != nil {
		msg := myError(err)
		if o.Query == "" && o.DBTable == "" && strings.Contains(msg, "[error 1146]") {
			return nil, fmt.Errorf("%w: %s has no table %s: %s", ErrNoTable, c.where(), o.Table, msg)
		}
		return nil, fmt.Errorf("read %s on %s: %s", describeFrom(o), c.where(), msg)
	}
	type meta struct {
		dbType   string
		p, s     int64
		nullable bool
	}
	names := rows.Columns()
	metas := make([]meta, len(names))
	for i := range names {
		metas[i].dbType = rows.(driver.RowsColumnTypeDatabaseTypeName).ColumnTypeDatabaseTypeName(i)
		metas[i].p, metas[i].s, _ = rows.(driver.RowsColumnTypePrecisionScale).ColumnTypePrecisionScale(i)
		metas[i].nullable, _ = rows.(driver.RowsColumnTypeNullable).ColumnTypeNullable(i)
	}
	rows.Close()
	st.Close()
	var tableTypes map[string][2]string
	if o.Query == "" && o.DBTable == "" {
		if tableTypes, err = myTableTypes(ctx, dc, c, o.Table); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	cols := make([]myColumn, len(names))
	for i, name := range names {
		if seen[name] {
			return nil, fmt.Errorf("read %s on %s: the result has two columns named %q; alias them apart", describeFrom(o), c.where(), name)
		}
		seen[name] = true
		dbType, p, s, nullable := metas[i].dbType, metas[i].p, metas[i].s, metas[i].nullable
		src := strings.ToLower(dbType)
		if dbType == "DECIMAL" {
			src = fmt.Sprintf("decimal(%d,%d)", p, s)
		}
		if tt, ok := tableTypes[name]; ok {
			src, nullable = tt[0], tt[1] == "YES"
		}
		col, err := myMapColumn(name, dbType, src, int(p), int(s))
		if err != nil {
			return nil, fmt.Errorf("read %s on %s: column %q (%s): %w", describeFrom(o), c.where(), name, src, err)
		}
		col.SourceType, col.Nullable = src, nullable
		cols[i] = col
	}
	return cols, nil
}

func myMapColumn(name, dbType, src string, p, s int) (myColumn, error) {
	col := myColumn{Column: Column{Name: name}}
	set := func(duck string, t duckdb.Type, f func(ch *duckdb.DataChunk, col, row int, v driver.Value) error) (myColumn, error) {
		col.DuckType, col.info, col.set = duck, mustType(t), f
		return col, nil
	}
	isBool := strings.HasPrefix(src, "tinyint(1)") || src == "bit(1)"
	switch dbType {
	case "TINYINT", "UNSIGNED TINYINT", "BIT":
		if isBool {
			return set("BOOLEAN", duckdb.TYPE_BOOLEAN, myBool)
		}
	}
	col.partOK = true
	switch dbType {
	case "TINYINT":
		return set("TINYINT", duckdb.TYPE_TINYINT, myInt[int8])
	case "UNSIGNED TINYINT":
		return set("UTINYINT", duckdb.TYPE_UTINYINT, myInt[uint8])
	case "SMALLINT", "YEAR":
		return set("SMALLINT", duckdb.TYPE_SMALLINT, myInt[int16])
	case "UNSIGNED SMALLINT":
		return set("USMALLINT", duckdb.TYPE_USMALLINT, myInt[uint16])
	case "MEDIUMINT", "INT":
		return set("INTEGER", duckdb.TYPE_INTEGER, myInt[int32])
	case "UNSIGNED MEDIUMINT", "UNSIGNED INT":
		return set("UINTEGER", duckdb.TYPE_UINTEGER, myInt[uint32])
	case "BIGINT":
		return set("BIGINT", duckdb.TYPE_BIGINT, myInt[int64])
	case "UNSIGNED BIGINT":
		return set("UBIGINT", duckdb.TYPE_UBIGINT, myUint64)
	case "BIT":
		return set("UBIGINT", duckdb.TYPE_UBIGINT, myBits)
	case "FLOAT":
		return set("FLOAT", duckdb.TYPE_FLOAT, myFloat32)
	case "DOUBLE":
		return set("DOUBLE", duckdb.TYPE_DOUBLE, myFloat64)
	case "DECIMAL":
		if p > 38 {
			return col, fmt.Errorf("%w: decimal(%d,%d) has more than the 38 digits DuckDB's DECIMAL holds; cast it in a query", ErrUnsupportedType, p, s)
		}
		p = max(p, s, 1)
		info, err := duckdb.NewDecimalInfo(uint8(p), uint8(s))
		if err != nil {
			return col, err
		}
		col.DuckType, col.info = fmt.Sprintf("DECIMAL(%d,%d)", p, s), info
		if p <= 18 {
			col.set = func(ch *duckdb.DataChunk, c, row int, v driver.Value) error {
				n, err := decimalTextToInt64(asBytes(v), p, s)
				if err != nil {
					return err
				}
				return duckdb.SetChunkValue(*ch, c, row, n)
			}
		} else {
			col.set = func(ch *duckdb.DataChunk, c, row int, v driver.Value) error {
				n, err := decimalTextToBig(asBytes(v), p, s)
				if err != nil {
					return err
				}
				return duckdb.SetChunkValue(*ch, c, row, n)
			}
		}
		return col, nil
	case "DATE":
		col.bound, col.expr = boundDate, exprDate
		col.DuckType, col.info, col.set = "DATE", mustType(duckdb.TYPE_INTEGER), myDate
		return col, nil
	case "DATETIME":
		col.bound, col.expr = boundTimestamp, exprTimestamp
		col.DuckType, col.info, col.set = "TIMESTAMP", mustType(duckdb.TYPE_BIGINT), myDateTime
		return col, nil
	case "TIMESTAMP":
		col.bound, col.tz, col.expr = boundTimestamp, true, exprTimestampTZ
		col.DuckType, col.info, col.set = "TIMESTAMP WITH TIME ZONE", mustType(duckdb.TYPE_BIGINT), myDateTime
		return col, nil
	}
	col.partOK = false
	switch dbType {
	case "TIME":
		return set("TIME", duckdb.TYPE_TIME, myTime)
	case "JSON":
		col.expr = exprJSON
		col.DuckType, col.info, col.set = "JSON", mustType(duckdb.TYPE_VARCHAR), myBytes
		return col, nil
	case "CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "SET", "NULL":
		return set("VARCHAR", duckdb.TYPE_VARCHAR, myBytes)
	case "BINARY", "VARBINARY", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "GEOMETRY":
		return set("BLOB", duckdb.TYPE_BLOB, myBytes)
	}
	return col, fmt.Errorf("%w: %s; cast it in a query", ErrUnsupportedType, dbType)
}

func asBytes(v driver.Value) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(fmt.Sprint(v))
}

type myInteger interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32
}

func myInt[T myInteger](ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case []byte:
		var err error
		if n, err = strconv.ParseInt(string(x), 10, 64); err != nil {
			return err
		}
	default:
		return fmt.Errorf("integer column delivered %T", v)
	}
	t := T(n)
	if int64(t) != n {
		return fmt.Errorf("value %d out of range", n)
	}
	return duckdb.SetChunkValue(*ch, col, row, t)
}

func myUint64(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	switch x := v.(type) {
	case int64:
		return duckdb.SetChunkValue(*ch, col, row, uint64(x))
	case uint64:
		return duckdb.SetChunkValue(*ch, col, row, x)
	case []byte:
		n, err := strconv.ParseUint(string(x), 10, 64)
		if err != nil {
			return err
		}
		return duckdb.SetChunkValue(*ch, col, row, n)
	}
	return fmt.Errorf("integer column delivered %T", v)
}

func myBits(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	b := asBytes(v)
	if len(b) > 8 {
		return fmt.Errorf("BIT value of %d bytes", len(b))
	}
	var buf [8]byte
	copy(buf[8-len(b):], b)
	return duckdb.SetChunkValue(*ch, col, row, binary.BigEndian.Uint64(buf[:]))
}

// myBool reads tinyint(1) and bit(1): only 0 and 1 are booleans; any other
// value is refused rather than turned into true.
func myBool(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case []byte: // bit(1)
		for _, c := range x {
			n = n<<8 | int64(c)
		}
	default:
		return fmt.Errorf("boolean column delivered %T", v)
	}
	if n != 0 && n != 1 {
		return fmt.Errorf("value %d in a tinyint(1) column is not a boolean (0 or 1); read it with a query that casts it", n)
	}
	return duckdb.SetChunkValue(*ch, col, row, n == 1)
}

func myFloat32(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	switch x := v.(type) {
	case float32:
		return duckdb.SetChunkValue(*ch, col, row, x)
	case float64:
		return duckdb.SetChunkValue(*ch, col, row, float32(x))
	}
	return fmt.Errorf("FLOAT column delivered %T", v)
}

func myFloat64(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	switch x := v.(type) {
	case float64:
		return duckdb.SetChunkValue(*ch, col, row, x)
	case float32:
		return duckdb.SetChunkValue(*ch, col, row, float64(x))
	}
	return fmt.Errorf("DOUBLE column delivered %T", v)
}

func myBytes(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	return duckdb.SetChunkValue(*ch, col, row, asBytes(v))
}

// parseMyDateTime reads YYYY-MM-DD[ HH:MM:SS[.ffffff]] (as the driver
// renders DATE, DATETIME and TIMESTAMP values) into days and microseconds
// since 1970-01-01.
func parseMyDateTime(b []byte) (days int64, micros int64, err error) {
	bad := func() (int64, int64, error) {
		return 0, 0, fmt.Errorf("date %q is not YYYY-MM-DD[ HH:MM:SS[.ffffff]]", b)
	}
	num := func(p []byte) (int64, bool) {
		var n int64
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		return n, len(p) > 0
	}
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return bad()
	}
	y, ok1 := num(b[0:4])
	m, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	if y == 0 && m == 0 && d == 0 {
		return 0, 0, fmt.Errorf("zero date %q cannot be carried into DuckDB; filter it or use NULLIF in a query", b)
	}
	if m < 1 || m > 12 || d < 1 || d > int64(daysIn(int(y), int(m))) {
		return 0, 0, fmt.Errorf("date %q does not exist (MySQL allows it when sql_mode lacks NO_ZERO_IN_DATE or strict mode); filter it in a query", b)
	}
	days = civilDays(y, m, d)
	if len(b) == 10 {
		return days, days * 86_400_000_000, nil
	}
	if len(b) < 19 || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return bad()
	}
	hh, ok1 := num(b[11:13])
	mm, ok2 := num(b[14:16])
	ss, ok3 := num(b[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return bad()
	}
	var frac int64
	if len(b) > 19 {
		if b[19] != '.' || len(b) > 26 {
			return bad()
		}
		f, ok := num(b[20:])
		if !ok {
			return bad()
		}
		frac = f * int64(pow10[6-(len(b)-20)])
	}
	return days, days*86_400_000_000 + ((hh*60+mm)*60+ss)*1_000_000 + frac, nil
}

// civilDays is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
func civilDays(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// myDate delivers days since 1970 (exprDate makes them a DATE).
func myDate(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	days, _, err := parseMyDateTime(asBytes(v))
	if err != nil {
		return err
	}
	return duckdb.SetChunkValue(*ch, col, row, int32(days))
}

// myDateTime delivers microseconds since 1970 (see exprTimestamp).
func myDateTime(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	_, us, err := parseMyDateTime(asBytes(v))
	if err != nil {
		return err
	}
	return duckdb.SetChunkValue(*ch, col, row, us)
}

func myTime(ch *duckdb.DataChunk, col, row int, v driver.Value) error {
	s := string(asBytes(v))
	t, err := time.ParseInLocation("15:04:05.999999", s, time.UTC)
	if err != nil {
		return fmt.Errorf("TIME %q is not a time of day (DuckDB's TIME holds 00:00:00 to 23:59:59.999999); cast it in a query", s)
	}
	return duckdb.SetChunkValue(*ch, col, row, t)
}

// decimalTextToInt64 reads "-123.45" as the integer 10^s times the value.
func decimalTextToInt64(b []byte, p, s int) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg || len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	var acc uint64
	frac := -1
	for _, c := range b {
		if c == '.' {
			if frac >= 0 {
				return 0, fmt.Errorf("decimal %q", b)
			}
			frac = 0
			continue
		}
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("decimal %q", b)
		}
		if frac >= 0 {
			frac++
			if frac > s {
				if c != '0' {
					return 0, fmt.Errorf("decimal %q has more than %d fractional digits", b, s)
				}
				continue
			}
		}
		acc = acc*10 + uint64(c-'0')
		if acc >= pow10[18] {
			return 0, fmt.Errorf("decimal %q has more than %d digits", b, p)
		}
	}
	for frac = max(frac, 0); frac < s; frac++ {
		acc *= 10
	}
	if acc >= pow10[p] {
		return 0, fmt.Errorf("decimal %q has more than %d digits", b, p)
	}
	if neg {
		return -int64(acc), nil
	}
	return int64(acc), nil
}

func decimalTextToBig(b []byte, p, s int) (*big.Int, error) {
	str := string(b)
	ip, fp, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(str, "-"), "+"), ".")
	if t := strings.TrimRight(fp, "0"); len(t) > s {
		return nil, fmt.Errorf("decimal %q has more than %d fractional digits", str, s)
	}
	if len(fp) > s {
		fp = fp[:s]
	}
	fp += strings.Repeat("0", s-len(fp))
	n, ok := new(big.Int).SetString(ip+fp, 10)
	if !ok {
		return nil, fmt.Errorf("decimal %q", str)
	}
	if n.CmpAbs(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)) >= 0 {
		return nil, fmt.Errorf("decimal %q has more than %d digits", str, p)
	}
	if strings.HasPrefix(str, "-") {
		n.Neg(n)
	}
	return n, nil
}

func myPartitions(cols []myColumn, o ReadOptions) ([]string, error) {
	if o.PartitionColumn == "" {
		return []string{""}, nil
	}
	col, err := findColumn(cols, o.PartitionColumn, func(c myColumn) string { return c.Name })
	if err != nil {
		return nil, err
	}
	if !col.partOK {
		return nil, fmt.Errorf("%w: partitionColumn %q has type %s; it must be numeric, date or timestamp", ErrBadOption, col.Name, col.SourceType)
	}
	lo, err := parseBound(col.bound, "lowerBound", o.LowerBound)
	if err != nil {
		return nil, err
	}
	hi, err := parseBound(col.bound, "upperBound", o.UpperBound)
	if err != nil {
		return nil, err
	}
	// MySQL session time zone is UTC: timestamp literals are UTC without
	// an offset suffix.
	wheres, err := partitionWheres(quoteMy(col.Name), col.bound, lo, hi, o.NumPartitions, boundLiteral(col.bound, false))
	if err != nil || len(wheres) == 0 {
		return []string{""}, err
	}
	return wheres, nil
}

// myRead streams the rows of o into the statement use runs. Each
// partition is read on its own connection (MySQL cannot share a snapshot
// between connections: ranges read at slightly different moments).
func myRead(ctx context.Context, c Config, o ReadOptions, duck *sql.Conn, use useFunc) (int64, []Column, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dc, err := myConnect(ctx, c)
	if err != nil {
		return 0, nil, 0, err
	}
	cols, err := myDescribe(ctx, dc, c, o)
	dc.Close()
	if err != nil {
		return 0, nil, 0, err
	}
	wheres, err := myPartitions(cols, o)
	if err != nil {
		return 0, nil, 0, err
	}
	dcols := make([]duckColumn, len(cols))
	for i, col := range cols {
		dcols[i] = duckColumn{name: col.Name, info: col.info, expr: col.expr}
	}
	newWorker := func(ctx context.Context) (worker, error) {
		dc, err := myConnect(ctx, c)
		if err != nil {
			return nil, err
		}
		return &myWorker{conn: dc, cfg: c, cols: cols, opts: o, wheres: wheres}, nil
	}
	n, err := load(ctx, duck, dcols, len(wheres), duckThreads(ctx, duck), newWorker, use)
	out := make([]Column, len(cols))
	for i, col := range cols {
		out[i] = col.Column
	}
	return n, out, len(wheres), err
}

type myWorker struct {
	conn   driver.Conn
	cfg    Config
	cols   []myColumn
	opts   ReadOptions
	wheres []string
}

func (w *myWorker) close() error { return w.conn.Close() }

func (w *myWorker) start(ctx context.Context, part int) (partReader, error) {
	q := "SELECT * FROM " + myFrom(w.opts)
	if w.wheres[part] != "" {
		q += " WHERE " + w.wheres[part]
	}
	r := &myReader{w: w, part: part, vals: make([]driver.Value, len(w.cols))}
	rows, st, err := driverQuery(ctx, w.conn, q)
	if err != nil {
		return nil, r.wrap(fmt.Errorf("%s", myError(err)))
	}
	r.rows, r.st = rows, st
	return r, nil
}

type myReader struct {
	w    *myWorker
	part int
	rows driver.Rows
	st   driver.Stmt
	vals []driver.Value
	n    int64
}

func (r *myReader) wrap(err error) error {
	where := ""
	if len(r.w.wheres) > 1 {
		where = fmt.Sprintf(" (partition %d of %d: %s)", r.part+1, len(r.w.wheres), r.w.wheres[r.part])
	}
	return fmt.Errorf("read %s on %s%s: %w", describeFrom(r.w.opts), r.w.cfg.where(), where, err)
}

func (r *myReader) fill(ch duckdb.DataChunk, max int) (int, error) {
	n := 0
	for n < max {
		if err := r.rows.Next(r.vals); err != nil {
			if err == io.EOF {
				break
			}
			return 0, r.wrap(fmt.Errorf("%s", myError(err)))
		}
		for c, v := range r.vals {
			if v == nil {
				if err := duckdb.SetChunkValue[any](ch, c, n, nil); err != nil {
					return 0, r.wrap(err)
				}
				continue
			}
			if err := r.w.cols[c].set(&ch, c, n, v); err != nil {
				return 0, r.wrap(fmt.Errorf("row %d, column %q (%s): %w", r.n+int64(n)+1, r.w.cols[c].Name, r.w.cols[c].SourceType, err))
			}
		}
		n++
	}
	r.n += int64(n)
	return n, nil
}

func (r *myReader) close() error {
	err := r.rows.Close()
	r.st.Close()
	if err != nil {
		return r.wrap(fmt.Errorf("%s", myError(err)))
	}
	return nil
}
