package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
)

// pgTarget is a column of the PostgreSQL table written to.
type pgTarget struct {
	name      string
	typ       string // format_type
	oid       uint32
	typmod    int32
	generated bool
	// base is the type encoded: the base type of a domain, else oid.
	base    uint32
	baseMod int32
	enum    bool
	// elem is the element type of an array column (0 otherwise).
	elem uint32
}

// pgWrite is Write for PostgreSQL: one transaction that checks the table,
// creates or truncates it as the save mode says, and streams the rows with
// binary COPY (into the table, or into a temporary staging table first for
// upserts and for column types without a binary encoder here).
func pgWrite(ctx context.Context, duck *sql.Conn, relation string, src []srcColumn, c Config, w WriteOptions) (WriteResult, error) {
	conn, err := pgConnect(ctx, c)
	if err != nil {
		return WriteResult{}, err
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		return WriteResult{}, fmt.Errorf("begin: %s", pgError(err))
	}
	defer tx.Rollback(context.Background())
	table := quotePGTable(w.Table)
	var reg *uint32
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1)::oid", table).Scan(&reg); err != nil {
		return WriteResult{}, fmt.Errorf("look up the table: %s", pgError(err))
	}
	res := WriteResult{}
	exists := reg != nil
	switch {
	case exists && w.SaveMode == ErrorIfExists:
		return WriteResult{}, fmt.Errorf("%w (saveMode errorifexists)", ErrTableExists)
	case exists && w.SaveMode == Ignore:
		return WriteResult{Skipped: true}, nil
	case exists && w.SaveMode == Overwrite:
		if _, err := tx.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
			return WriteResult{}, fmt.Errorf("truncate: %s", pgError(err))
		}
	case !exists:
		ddl, err := pgCreateTable(table, src, w)
		if err != nil {
			return WriteResult{}, err
		}
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return WriteResult{}, fmt.Errorf("create table: %s\n%s", pgError(err), ddl)
		}
		if err := tx.QueryRow(ctx, "SELECT to_regclass($1)::oid", table).Scan(&reg); err != nil || reg == nil {
			return WriteResult{}, fmt.Errorf("look up the created table: %v", err)
		}
		res.Created = true
	}
	targets, err := pgTargetColumns(ctx, tx, *reg)
	if err != nil {
		return WriteResult{}, err
	}
	plan, err := pgPlanWrite(src, targets)
	if err != nil {
		return WriteResult{}, err
	}
	copyInto := table
	staged := w.SaveMode == Upsert || plan.needsStage
	if staged {
		stage := quotePG("__flare_stage_" + randomSuffix())
		defs := make([]string, len(plan.cols))
		for i, pc := range plan.cols {
			defs[i] = quotePG(pc.target.name) + " " + pc.stageType
		}
		if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+stage+" ("+strings.Join(defs, ", ")+") ON COMMIT DROP"); err != nil {
			return WriteResult{}, fmt.Errorf("create staging table: %s", pgError(err))
		}
		copyInto = stage
	}
	names := make([]string, len(plan.cols))
	exprs := make([]string, len(plan.cols))
	for i, pc := range plan.cols {
		names[i] = quotePG(pc.target.name)
		exprs[i] = pc.duckExpr
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + quoteDuck(relation)
	copySQL := "COPY " + copyInto + " (" + strings.Join(names, ", ") + ") FROM STDIN (FORMAT binary)"
	send := func(r io.Reader) error {
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, copySQL)
		if err != nil {
			return fmt.Errorf("copy rows: %s", pgError(err))
		}
		res.Rows = tag.RowsAffected()
		return nil
	}
	if err := pgCopyOut(ctx, duck, q, plan.cols, send); err != nil {
		return WriteResult{}, err
	}
	if staged {
		sel := make([]string, len(plan.cols))
		for i, pc := range plan.cols {
			sel[i] = quotePG(pc.target.name)
			if (pc.stageType == "text" || pc.stageType == "text[]") && pc.target.typ != pc.stageType {
				sel[i] += "::" + pc.target.typ
			}
		}
		ins := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM " + copyInto
		if w.SaveMode == Upsert {
			keys, err := pgKeyColumns(w.UpsertKeys, plan.cols)
			if err != nil {
				return WriteResult{}, err
			}
			var sets []string
			isKey := map[string]bool{}
			for _, k := range keys {
				isKey[k] = true
			}
			for _, pc := range plan.cols {
				if !isKey[pc.target.name] {
					sets = append(sets, quotePG(pc.target.name)+" = EXCLUDED."+quotePG(pc.target.name))
				}
			}
			qk := make([]string, len(keys))
			for i, k := range keys {
				qk[i] = quotePG(k)
			}
			ins += " ON CONFLICT (" + strings.Join(qk, ", ") + ")"
			if len(sets) == 0 {
				ins += " DO NOTHING"
			} else {
				ins += " DO UPDATE SET " + strings.Join(sets, ", ")
			}
		}
		tag, err := tx.Exec(ctx, ins)
		if err != nil {
			msg := pgError(err)
			if strings.Contains(msg, "42P10") {
				msg = fmt.Sprintf("upsertKeys (%s) must be the columns of a primary key or unique index of the table: %s", strings.Join(w.UpsertKeys, ", "), msg)
			} else if strings.Contains(msg, "21000") {
				msg = fmt.Sprintf("the output has several rows with the same upsertKeys (%s): %s", strings.Join(w.UpsertKeys, ", "), msg)
			}
			return WriteResult{}, fmt.Errorf("insert from staging: %s", msg)
		}
		if w.SaveMode != Upsert {
			res.Rows = tag.RowsAffected()
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return WriteResult{}, fmt.Errorf("commit: %s", pgError(err))
	}
	return res, nil
}

// pgKeyColumns maps upsertKeys to the written target columns.
func pgKeyColumns(keys []string, cols []pgWriteCol) ([]string, error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		pc, err := findColumn(cols, k, func(p pgWriteCol) string { return p.target.name })
		if err != nil {
			return nil, fmt.Errorf("%w: upsertKeys: %q is not a written column", ErrBadOption, k)
		}
		out[i] = pc.target.name
	}
	return out, nil
}

func pgTargetColumns(ctx context.Context, tx pgx.Tx, reg uint32) ([]pgTarget, error) {
	rows, err := tx.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.atttypmod,
			a.attgenerated <> '', t.typtype, t.typbasetype, t.typtypmod, t.typelem, t.typcategory,
			COALESCE(et.typtype, '')
		FROM pg_catalog.pg_attribute a
		JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
		LEFT JOIN pg_catalog.pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, reg)
	if err != nil {
		return nil, fmt.Errorf("read the table's columns: %s", pgError(err))
	}
	defer rows.Close()
	var out []pgTarget
	for rows.Next() {
		var t pgTarget
		var typtype, cat, elemtype string
		var base, elem uint32
		var baseMod int32
		if err := rows.Scan(&t.name, &t.typ, &t.oid, &t.typmod, &t.generated, &typtype, &base, &baseMod, &elem, &cat, &elemtype); err != nil {
			return nil, err
		}
		t.base, t.baseMod = t.oid, t.typmod
		if typtype == "d" {
			t.base = base
			if t.baseMod < 0 {
				t.baseMod = baseMod
			}
		}
		t.enum = typtype == "e"
		if cat == "A" {
			t.elem = elem
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// pgWriteCol is one written column: the DuckDB expression selected, the
// target column, and how values are encoded.
type pgWriteCol struct {
	src       srcColumn
	target    pgTarget
	duckExpr  string
	stageType string
	enc       func(buf []byte, v driver.Value) ([]byte, error)
}

type pgWritePlan struct {
	cols       []pgWriteCol
	needsStage bool
}

// pgPlanWrite matches source columns to target columns and picks encoders.
func pgPlanWrite(src []srcColumn, targets []pgTarget) (pgWritePlan, error) {
	var plan pgWritePlan
	used := map[string]bool{}
	for _, s := range src {
		t, err := findColumn(targets, s.name, func(t pgTarget) string { return t.name })
		if err != nil {
			names := make([]string, len(targets))
			for i, t := range targets {
				names[i] = t.name
			}
			return plan, fmt.Errorf("column %q of the output is not a column of the table (%s)", s.name, strings.Join(names, ", "))
		}
		if used[t.name] {
			return plan, fmt.Errorf("two output columns match the table's column %q", t.name)
		}
		used[t.name] = true
		if t.generated {
			return plan, fmt.Errorf("column %q of the table is generated; leave it out of the output", t.name)
		}
		pc := pgWriteCol{src: s, target: t, stageType: t.typ}
		ok, err := pgEncoderFor(&pc)
		if err != nil {
			return plan, fmt.Errorf("column %q (%s → %s): %w", s.name, s.duckType, t.typ, err)
		}
		if !ok {
			// No binary encoder: send text (or text[]) through a staging
			// table and let the server cast it.
			if pc.stageType != "text[]" {
				pc.duckExpr = "CAST(" + quoteDuck(s.name) + " AS VARCHAR)"
				pc.stageType = "text"
				pc.enc = encText
			}
			plan.needsStage = true
		}
		plan.cols = append(plan.cols, pc)
	}
	return plan, nil
}

func castDuck(col, typ string) string { return "CAST(" + quoteDuck(col) + " AS " + typ + ")" }

// pgEncoderFor sets the DuckDB expression and encoder for a target type;
// false means the type is sent as text through a staging table.
func pgEncoderFor(pc *pgWriteCol) (bool, error) {
	t := pc.target
	name := pc.src.name
	if t.enum {
		pc.duckExpr, pc.enc = castDuck(name, "VARCHAR"), encText // enum_recv reads the label
		return true, nil
	}
	if t.elem != 0 {
		elem, native := pgArrayElem[t.base]
		duckElem, encElem, ok := pgScalarEncoder(elem, t.baseMod, pc.src)
		switch {
		case !native || !ok:
			// Arrays of other types are staged as text[] and cast by the
			// server element by element.
			pc.duckExpr = castDuck(name, "VARCHAR[]")
			pc.enc = pgArrayEncoder(oidText, encText)
			pc.stageType = "text[]"
			return false, nil
		case duckElem == "JSONTEXT":
			pc.duckExpr = castDuck(name, "VARCHAR[]")
			if u := strings.ToUpper(pc.src.duckType); u != "VARCHAR[]" && u != "JSON[]" {
				pc.duckExpr = "CAST(" + castDuck(name, "JSON[]") + " AS VARCHAR[])"
			}
		case duckElem == "NUMERICTEXT":
			pc.duckExpr = castDuck(name, "VARCHAR[]")
			if p, s, ok := pgNumericTypmod(t.baseMod); ok {
				pc.duckExpr = "CAST(" + castDuck(name, fmt.Sprintf("DECIMAL(%d,%d)[]", p, s)) + " AS VARCHAR[])"
			}
		default:
			pc.duckExpr = castDuck(name, duckElem+"[]")
		}
		pc.enc = pgArrayEncoder(elem, encElem)
		return true, nil
	}
	duckType, enc, ok := pgScalarEncoder(t.base, t.baseMod, pc.src)
	if !ok {
		return false, nil
	}
	switch duckType {
	case "JSONTEXT":
		pc.duckExpr = jsonText(pc.src)
	case "NUMERICTEXT":
		pc.duckExpr = castDuck(name, "VARCHAR")
		if p, s, ok := pgNumericTypmod(t.baseMod); ok {
			pc.duckExpr = "CAST(" + castDuck(name, fmt.Sprintf("DECIMAL(%d,%d)", p, s)) + " AS VARCHAR)"
		}
	default:
		pc.duckExpr = castDuck(name, duckType)
	}
	pc.enc = enc
	return true, nil
}

// jsonText renders a column as JSON text: VARCHAR and JSON as they are,
// anything else (structs, maps, lists, numbers) through DuckDB's to_json.
func jsonText(s srcColumn) string {
	switch strings.ToUpper(s.duckType) {
	case "VARCHAR", "JSON":
		return castDuck(s.name, "VARCHAR")
	}
	return "CAST(to_json(" + quoteDuck(s.name) + ") AS VARCHAR)"
}

func pgNumericTypmod(typmod int32) (p, s int, ok bool) {
	if typmod < 4 {
		return 0, 0, false
	}
	p, s = numericTypmod(typmod)
	if p > 38 || s < 0 || s > p {
		return 0, 0, false
	}
	return p, s, true
}

// pgScalarEncoder returns the DuckDB type to cast to and the binary
// encoder of a scalar PostgreSQL type. JSONTEXT and NUMERICTEXT mark text
// renderings chosen by the caller.
func pgScalarEncoder(oid uint32, typmod int32, s srcColumn) (string, func([]byte, driver.Value) ([]byte, error), bool) {
	switch oid {
	case oidBool:
		return "BOOLEAN", func(b []byte, v driver.Value) ([]byte, error) {
			if v.(bool) {
				return append(b, 0, 0, 0, 1, 1), nil
			}
			return append(b, 0, 0, 0, 1, 0), nil
		}, true
	case oidInt2:
		return "SMALLINT", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint16(append(b, 0, 0, 0, 2), uint16(v.(int16))), nil
		}, true
	case oidInt4:
		return "INTEGER", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), uint32(v.(int32))), nil
		}, true
	case oidInt8:
		return "BIGINT", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(v.(int64))), nil
		}, true
	case oidOID:
		return "UINTEGER", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), v.(uint32)), nil
		}, true
	case oidFloat4:
		return "FLOAT", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), math.Float32bits(v.(float32))), nil
		}, true
	case oidFloat8:
		return "DOUBLE", func(b []byte, v driver.Value) ([]byte, error) {
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), math.Float64bits(v.(float64))), nil
		}, true
	case oidText, oidVarchar, oidBPChar, oidName:
		return "VARCHAR", encText, true
	case oidBytea:
		return "BLOB", encText, true
	case oidJSON:
		return "JSONTEXT", encText, true
	case oidJSONB:
		return "JSONTEXT", func(b []byte, v driver.Value) ([]byte, error) {
			s := v.(string)
			b = binary.BigEndian.AppendUint32(b, uint32(len(s)+1))
			return append(append(b, 1), s...), nil
		}, true
	case oidUUID:
		return "UUID", func(b []byte, v driver.Value) ([]byte, error) {
			u := v.([]byte)
			if len(u) != 16 {
				return nil, fmt.Errorf("uuid of %d bytes", len(u))
			}
			return append(append(b, 0, 0, 0, 16), u...), nil
		}, true
	case oidDate:
		return "DATE", func(b []byte, v driver.Value) ([]byte, error) {
			t := v.(time.Time)
			days := floorDiv(t.Unix(), 86400) - 10957
			if days >= math.MaxInt32 || days <= math.MinInt32 {
				return nil, fmt.Errorf("date %v is out of PostgreSQL's range", t)
			}
			return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), uint32(int32(days))), nil
		}, true
	case oidTimestamp, oidTimestampTZ:
		duckType := "TIMESTAMP"
		if oid == oidTimestampTZ {
			duckType = "TIMESTAMPTZ"
		}
		return duckType, func(b []byte, v driver.Value) ([]byte, error) {
			us := v.(time.Time).UnixMicro() - pgEpochMicros
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(us)), nil
		}, true
	case oidTime:
		return "TIME", func(b []byte, v driver.Value) ([]byte, error) {
			t := v.(time.Time)
			us := int64(t.Hour())*3_600_000_000 + int64(t.Minute())*60_000_000 + int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
			return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(us)), nil
		}, true
	case oidTimeTZ:
		return "TIMETZ", func(b []byte, v driver.Value) ([]byte, error) {
			t := v.(time.Time)
			us := int64(t.Hour())*3_600_000_000 + int64(t.Minute())*60_000_000 + int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
			_, off := t.Zone()
			b = binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 12), uint64(us))
			return binary.BigEndian.AppendUint32(b, uint32(int32(-off))), nil
		}, true
	case oidInterval:
		return "INTERVAL", func(b []byte, v driver.Value) ([]byte, error) {
			iv := v.(duckdb.Interval)
			b = binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 16), uint64(iv.Micros))
			b = binary.BigEndian.AppendUint32(b, uint32(iv.Days))
			return binary.BigEndian.AppendUint32(b, uint32(iv.Months)), nil
		}, true
	case oidNumeric:
		return "NUMERICTEXT", func(b []byte, v driver.Value) ([]byte, error) {
			return appendNumeric(b, v.(string))
		}, true
	}
	return "", nil, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// encText sends the bytes of a string or blob as they are.
func encText(b []byte, v driver.Value) ([]byte, error) {
	switch s := v.(type) {
	case string:
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...), nil
	case []byte:
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...), nil
	}
	return nil, fmt.Errorf("cannot send %T as text", v)
}

// pgArrayEncoder writes a DuckDB list as a one-dimensional array.
func pgArrayEncoder(elemOID uint32, elem func([]byte, driver.Value) ([]byte, error)) func([]byte, driver.Value) ([]byte, error) {
	return func(b []byte, v driver.Value) ([]byte, error) {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("cannot send %T as an array", v)
		}
		start := len(b)
		b = append(b, 0, 0, 0, 0) // length, filled below
		hasNull := uint32(0)
		for _, e := range list {
			if e == nil {
				hasNull = 1
			}
		}
		if len(list) == 0 {
			b = binary.BigEndian.AppendUint32(b, 0)
			b = binary.BigEndian.AppendUint32(b, 0)
			b = binary.BigEndian.AppendUint32(b, elemOID)
		} else {
			b = binary.BigEndian.AppendUint32(b, 1)
			b = binary.BigEndian.AppendUint32(b, hasNull)
			b = binary.BigEndian.AppendUint32(b, elemOID)
			b = binary.BigEndian.AppendUint32(b, uint32(len(list)))
			b = binary.BigEndian.AppendUint32(b, 1)
			for i, e := range list {
				if e == nil {
					b = binary.BigEndian.AppendUint32(b, 0xffffffff)
					continue
				}
				var err error
				if b, err = elem(b, e); err != nil {
					return nil, fmt.Errorf("element %d: %w", i+1, err)
				}
			}
		}
		binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
		return b, nil
	}
}

// appendNumeric encodes a decimal string (as DuckDB renders DECIMAL,
// integers and doubles: -12.3400, 1e+20, nan, inf) as a binary numeric.
func appendNumeric(b []byte, s string) ([]byte, error) {
	switch strings.ToLower(s) {
	case "nan", "-nan":
		return append(b, 0, 0, 0, 8, 0, 0, 0, 0, 0xC0, 0, 0, 0), nil
	case "inf", "infinity":
		return append(b, 0, 0, 0, 8, 0, 0, 0, 0, 0xD0, 0, 0, 0), nil
	case "-inf", "-infinity":
		return append(b, 0, 0, 0, 8, 0, 0, 0, 0, 0xF0, 0, 0, 0), nil
	}
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return nil, fmt.Errorf("numeric %q", s)
		}
		exp, s = e, s[:i]
	}
	ip, fp, _ := strings.Cut(s, ".")
	for _, r := range ip + fp {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("numeric %q", s)
		}
	}
	// Move the decimal point by the exponent.
	if exp > 0 {
		if exp >= len(fp) {
			ip, fp = ip+fp+strings.Repeat("0", exp-len(fp)), ""
		} else {
			ip, fp = ip+fp[:exp], fp[exp:]
		}
	} else if exp < 0 {
		if -exp >= len(ip) {
			ip, fp = "", strings.Repeat("0", -exp-len(ip))+ip+fp
		} else {
			ip, fp = ip[:len(ip)+exp], ip[len(ip)+exp:]+fp
		}
	}
	dscale := len(fp)
	ip = strings.TrimLeft(ip, "0")
	// Base-10000 groups aligned on the decimal point.
	if r := len(ip) % 4; r != 0 {
		ip = strings.Repeat("0", 4-r) + ip
	}
	if r := len(fp) % 4; r != 0 {
		fp += strings.Repeat("0", 4-r)
	}
	all := ip + fp
	groups := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		g, _ := strconv.Atoi(all[i : i+4])
		groups = append(groups, uint16(g))
	}
	weight := len(ip)/4 - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	sign := uint16(0)
	if neg && len(groups) > 0 {
		sign = 0x4000
	}
	if len(groups) == 0 {
		weight = 0
	}
	b = binary.BigEndian.AppendUint32(b, uint32(8+2*len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(dscale))
	for _, g := range groups {
		b = binary.BigEndian.AppendUint16(b, g)
	}
	return b, nil
}

// pgCopyOut runs the DuckDB query q and hands send a reader of its rows in
// binary COPY format. Built with the duckdb_arrow tag it reads DuckDB's
// result as Arrow record batches (arrow_on.go), about three times less CPU
// than row by row through the driver; otherwise, or for column types the
// Arrow path does not encode, it reads rows through the driver.
func pgCopyOut(ctx context.Context, duck *sql.Conn, q string, cols []pgWriteCol, send func(io.Reader) error) error {
	if done, err := pgCopyOutArrow(ctx, duck, q, cols, send); done || err != nil {
		return err
	}
	return queryDuck(ctx, duck, q, func(rows driver.Rows) error {
		enc := &pgCopyEncoder{rows: rows, cols: cols, vals: make([]driver.Value, len(cols))}
		err := send(enc)
		if enc.err != nil {
			return enc.err
		}
		return err
	})
}

// pgCopyEncoder is the io.Reader COPY FROM STDIN reads: DuckDB rows
// encoded in PostgreSQL's binary COPY format, produced on demand.
type pgCopyEncoder struct {
	rows   driver.Rows
	cols   []pgWriteCol
	vals   []driver.Value
	buf    []byte
	off    int
	header bool
	done   bool
	n      int64
	err    error
}

func (e *pgCopyEncoder) Read(p []byte) (int, error) {
	if !e.header {
		e.buf = append(e.buf, pgCopySignature...)
		e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0)
		e.header = true
	}
	for len(e.buf)-e.off < len(p) && !e.done {
		if err := e.rows.Next(e.vals); err != nil {
			if err == io.EOF {
				e.buf = append(e.buf, 0xff, 0xff)
				e.done = true
				break
			}
			e.err = fmt.Errorf("read the output from DuckDB: %w", err)
			return 0, e.err
		}
		e.n++
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(e.cols)))
		for i, v := range e.vals {
			if v == nil {
				e.buf = append(e.buf, 0xff, 0xff, 0xff, 0xff)
				continue
			}
			b, err := e.cols[i].enc(e.buf, v)
			if err != nil {
				e.err = fmt.Errorf("row %d, column %q: %w", e.n, e.cols[i].src.name, err)
				return 0, e.err
			}
			e.buf = b
		}
	}
	n := copy(p, e.buf[e.off:])
	e.off += n
	if e.off == len(e.buf) {
		e.buf, e.off = e.buf[:0], 0
	}
	if n == 0 && e.done {
		return 0, io.EOF
	}
	return n, nil
}

// pgCreateTable renders CREATE TABLE for a relation's columns.
func pgCreateTable(table string, src []srcColumn, w WriteOptions) (string, error) {
	override, err := parseColumnTypes(w.CreateTableColumnTypes)
	if err != nil {
		return "", err
	}
	defs := make([]string, len(src))
	for i, s := range src {
		typ, ok := override[strings.ToLower(s.name)]
		if !ok {
			if typ, err = pgTypeForDuck(s.duckType); err != nil {
				return "", fmt.Errorf("create table: column %q: %w", s.name, err)
			}
		}
		delete(override, strings.ToLower(s.name))
		defs[i] = quotePG(s.name) + " " + typ
	}
	for k := range override {
		return "", fmt.Errorf("%w: createTableColumnTypes names %q, which is not a column of the output", ErrBadOption, k)
	}
	if w.SaveMode == Upsert {
		keys := make([]string, len(w.UpsertKeys))
		for i, k := range w.UpsertKeys {
			sc, _ := findColumn(src, k, func(s srcColumn) string { return s.name })
			keys[i] = quotePG(sc.name)
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	}
	ddl := "CREATE TABLE " + table + " (" + strings.Join(defs, ", ") + ")"
	if w.CreateTableOptions != "" {
		ddl += " " + w.CreateTableOptions
	}
	return ddl, nil
}

// pgTypeForDuck maps a DuckDB column type to the PostgreSQL type of a
// created table column.
func pgTypeForDuck(t string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(t))
	if strings.HasSuffix(u, "[]") {
		inner := strings.TrimSuffix(u, "[]")
		if strings.HasSuffix(inner, "[]") || strings.HasPrefix(inner, "STRUCT") || strings.HasPrefix(inner, "MAP") {
			return "", fmt.Errorf("%w: %s (nested lists, lists of structs or maps); cast it in a step", ErrUnsupportedType, t)
		}
		e, err := pgTypeForDuck(inner)
		if err != nil {
			return "", err
		}
		return e + "[]", nil
	}
	switch {
	case strings.HasPrefix(u, "DECIMAL"):
		return "numeric" + strings.TrimPrefix(u, "DECIMAL"), nil
	case strings.HasPrefix(u, "STRUCT"), strings.HasPrefix(u, "MAP"), strings.HasPrefix(u, "UNION"):
		return "jsonb", nil
	case strings.HasPrefix(u, "ENUM"):
		return "text", nil
	}
	switch u {
	case "BOOLEAN":
		return "boolean", nil
	case "TINYINT", "SMALLINT", "UTINYINT":
		return "smallint", nil
	case "INTEGER", "USMALLINT":
		return "integer", nil
	case "BIGINT", "UINTEGER":
		return "bigint", nil
	case "UBIGINT":
		return "numeric(20,0)", nil
	case "HUGEINT", "UHUGEINT":
		return "numeric(39,0)", nil
	case "FLOAT":
		return "real", nil
	case "DOUBLE":
		return "double precision", nil
	case "VARCHAR":
		return "text", nil
	case "BLOB":
		return "bytea", nil
	case "DATE":
		return "date", nil
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return "timestamp", nil
	case "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		return "timestamptz", nil
	case "TIME":
		return "time", nil
	case "TIME WITH TIME ZONE", "TIMETZ":
		return "timetz", nil
	case "INTERVAL":
		return "interval", nil
	case "UUID":
		return "uuid", nil
	case "JSON":
		return "jsonb", nil
	case "BIGNUM", "VARINT":
		return "numeric", nil
	}
	return "", fmt.Errorf("%w: DuckDB type %s has no PostgreSQL counterpart here; cast it in a step", ErrUnsupportedType, t)
}

// parseColumnTypes reads Spark's createTableColumnTypes ("a INT, b
// VARCHAR(10)"), keyed by lower-case column name.
func parseColumnTypes(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	depth, start := 0, 0
	var parts []string
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		p = strings.TrimSpace(p)
		name, typ, ok := strings.Cut(p, " ")
		if !ok || strings.TrimSpace(typ) == "" {
			return nil, fmt.Errorf("%w: createTableColumnTypes %q: expected \"<column> <type>, ...\"", ErrBadOption, p)
		}
		out[strings.ToLower(strings.Trim(name, "\"`"))] = strings.TrimSpace(typ)
	}
	return out, nil
}
