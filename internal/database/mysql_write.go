package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// myTarget is a column of the MySQL table written to.
type myTarget struct {
	name, dataType, columnType string
	precision, scale           int
	generated                  bool
}

// myWrite is Write for MySQL and MariaDB: batched multi-row INSERTs (ON
// DUPLICATE KEY UPDATE for upserts) in one transaction. MySQL commits DDL
// implicitly, so a table this write creates is dropped again if the rows
// cannot all be written; overwrite deletes the old rows inside the
// transaction (TRUNCATE would commit). Only transactional tables (InnoDB)
// are written, so that a failure leaves the table as it was.
func myWrite(ctx context.Context, duck *sql.Conn, relation string, src []srcColumn, c Config, w WriteOptions) (res WriteResult, err error) {
	db, err := myOpen(c)
	if err != nil {
		return WriteResult{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return WriteResult{}, fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), redactErr(err, c.Password))
	}
	defer conn.Close()
	if err := conn.PingContext(ctx); err != nil {
		return WriteResult{}, fmt.Errorf("%w to %s: %v", ErrUnreachable, c.where(), redactErr(err, c.Password))
	}
	table := quoteMyTable(w.Table)
	schemaExpr, nameLit := mySchemaLiterals(w.Table)
	var engine sql.NullString
	err = conn.QueryRowContext(ctx, "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = "+schemaExpr+" AND TABLE_NAME = "+nameLit).Scan(&engine)
	exists := err == nil
	if err != nil && err != sql.ErrNoRows {
		return WriteResult{}, fmt.Errorf("look up the table: %s", myError(err))
	}
	switch {
	case exists && w.SaveMode == ErrorIfExists:
		return WriteResult{}, fmt.Errorf("%w (saveMode errorifexists)", ErrTableExists)
	case exists && w.SaveMode == Ignore:
		return WriteResult{Skipped: true}, nil
	case exists && !strings.EqualFold(engine.String, "InnoDB"):
		return WriteResult{}, fmt.Errorf("the table's engine is %s, which has no transactions: a failed write could leave it half-written, so only InnoDB tables are written", engine.String)
	}
	if !exists {
		ddl, cerr := myCreateTable(table, src, w)
		if cerr != nil {
			return WriteResult{}, cerr
		}
		if _, cerr := conn.ExecContext(ctx, ddl); cerr != nil {
			return WriteResult{}, fmt.Errorf("create table: %s\n%s", myError(cerr), ddl)
		}
		res.Created = true
		defer func() {
			if err != nil { // the named result
				// DDL committed on its own: undo it so that a failed write
				// leaves no table behind.
				if _, derr := conn.ExecContext(context.Background(), "DROP TABLE "+table); derr != nil {
					err = fmt.Errorf("%w (and dropping the table this write created failed: %s)", err, myError(derr))
				}
			}
		}()
	}
	targets, err := myTargetColumns(ctx, conn, w.Table)
	if err != nil {
		return WriteResult{}, err
	}
	plan, err := myPlanWrite(src, targets)
	if err != nil {
		return WriteResult{}, err
	}
	var update string
	if w.SaveMode == Upsert {
		if update, err = myUpsertClause(ctx, conn, w, plan); err != nil {
			return WriteResult{}, err
		}
	}
	var maxPacket int64
	if err := conn.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&maxPacket); err != nil {
		return WriteResult{}, fmt.Errorf("read max_allowed_packet: %s", myError(err))
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return WriteResult{}, fmt.Errorf("begin: %s", myError(err))
	}
	defer tx.Rollback()
	if exists && w.SaveMode == Overwrite {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return WriteResult{}, fmt.Errorf("empty the table: %s", myError(err))
		}
	}
	names := make([]string, len(plan))
	exprs := make([]string, len(plan))
	for i, pc := range plan {
		names[i] = quoteMy(pc.target.name)
		exprs[i] = pc.duckExpr
	}
	batch := w.BatchSize
	if batch <= 0 {
		batch = 1000
	}
	ins := &myInserter{tx: tx, head: "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") VALUES ", tail: update,
		ncols: len(plan), batch: batch, maxBytes: maxPacket / 2}
	err = queryDuck(ctx, duck, "SELECT "+strings.Join(exprs, ", ")+" FROM "+quoteDuck(relation), func(rows driver.Rows) error {
		vals := make([]driver.Value, len(plan))
		for {
			if err := rows.Next(vals); err != nil {
				if err == io.EOF {
					return ins.flush(ctx)
				}
				return fmt.Errorf("read the output from DuckDB: %w", err)
			}
			for i, v := range vals {
				a, size, err := plan[i].conv(v)
				if err != nil {
					return fmt.Errorf("row %d, column %q: %w", ins.rows+int64(ins.pending)+1, plan[i].src.name, err)
				}
				ins.args = append(ins.args, a)
				ins.bytes += size
			}
			ins.pending++
			if ins.pending >= ins.batch || ins.bytes >= ins.maxBytes {
				if err := ins.flush(ctx); err != nil {
					return err
				}
			}
		}
	})
	if err != nil {
		return WriteResult{}, err
	}
	if err := tx.Commit(); err != nil {
		return WriteResult{}, fmt.Errorf("commit: %s", myError(err))
	}
	res.Rows = ins.rows
	return res, nil
}

// myInserter sends rows as multi-row INSERT statements; go-sql-driver
// interpolates the values into the statement text (escaped for the
// session's sql_mode) so that each batch is one round trip.
type myInserter struct {
	tx              *sql.Tx
	head, tail      string
	ncols, batch    int
	args            []any
	pending         int
	bytes, maxBytes int64
	rows            int64
	stmtFor         map[int]string
}

func (m *myInserter) flush(ctx context.Context) error {
	if m.pending == 0 {
		return nil
	}
	if m.stmtFor == nil {
		m.stmtFor = map[int]string{}
	}
	q, ok := m.stmtFor[m.pending]
	if !ok {
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", m.ncols), ", ") + ")"
		var b strings.Builder
		b.WriteString(m.head)
		for i := 0; i < m.pending; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		b.WriteString(m.tail)
		q = b.String()
		if m.pending == m.batch {
			m.stmtFor[m.pending] = q
		}
	}
	if _, err := m.tx.ExecContext(ctx, q, m.args...); err != nil {
		msg := myError(err)
		// "at row N" counts within the statement: name the output's row.
		if sm := atRow.FindStringSubmatch(msg); sm != nil {
			n, _ := strconv.ParseInt(sm[1], 10, 64)
			return fmt.Errorf("row %d of the output: %s", m.rows+n, msg)
		}
		return fmt.Errorf("insert rows %d to %d: %s", m.rows+1, m.rows+int64(m.pending), msg)
	}
	m.rows += int64(m.pending)
	m.pending, m.bytes, m.args = 0, 0, m.args[:0]
	return nil
}

var atRow = regexp.MustCompile(`at row (\d+)`)

// mySchemaLiterals renders a table's schema (DATABASE() when empty) and name
// as SQL string literals for information_schema queries.
func mySchemaLiterals(t TableName) (schema, name string) {
	lit := func(s string) string {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
	}
	schema = "DATABASE()"
	if t.Schema != "" {
		schema = lit(t.Schema)
	}
	return schema, lit(t.Name)
}

func myTargetColumns(ctx context.Context, conn *sql.Conn, t TableName) ([]myTarget, error) {
	schema, name := mySchemaLiterals(t)
	rows, err := conn.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0), EXTRA
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = `+schema+` AND TABLE_NAME = `+name+` ORDER BY ORDINAL_POSITION`)
	if err != nil {
		return nil, fmt.Errorf("read the table's columns: %s", myError(err))
	}
	defer rows.Close()
	var out []myTarget
	for rows.Next() {
		var t myTarget
		var extra string
		if err := rows.Scan(&t.name, &t.dataType, &t.columnType, &t.precision, &t.scale, &extra); err != nil {
			return nil, err
		}
		t.dataType, t.columnType = strings.ToLower(t.dataType), strings.ToLower(t.columnType)
		t.generated = strings.Contains(strings.ToUpper(extra), "GENERATED")
		out = append(out, t)
	}
	return out, rows.Err()
}

// myWriteCol is one written column: the DuckDB expression selected and the
// conversion of its values to driver arguments (with their size, to keep a
// statement under max_allowed_packet).
type myWriteCol struct {
	src      srcColumn
	target   myTarget
	duckExpr string
	conv     func(driver.Value) (any, int64, error)
}

func myPlanWrite(src []srcColumn, targets []myTarget) ([]myWriteCol, error) {
	var plan []myWriteCol
	used := map[string]bool{}
	for _, s := range src {
		t, err := findColumn(targets, s.name, func(t myTarget) string { return t.name })
		if err != nil {
			names := make([]string, len(targets))
			for i, t := range targets {
				names[i] = t.name
			}
			return nil, fmt.Errorf("column %q of the output is not a column of the table (%s)", s.name, strings.Join(names, ", "))
		}
		if used[strings.ToLower(t.name)] {
			return nil, fmt.Errorf("two output columns match the table's column %q", t.name)
		}
		used[strings.ToLower(t.name)] = true
		if t.generated {
			return nil, fmt.Errorf("column %q of the table is generated; leave it out of the output", t.name)
		}
		plan = append(plan, myEncoderFor(s, t))
	}
	return plan, nil
}

func myEncoderFor(s srcColumn, t myTarget) myWriteCol {
	pc := myWriteCol{src: s, target: t, conv: convPlain}
	switch t.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "bit":
		pc.duckExpr = castDuck(s.name, "BIGINT")
		if strings.Contains(t.columnType, "unsigned") || t.dataType == "bit" {
			pc.duckExpr = castDuck(s.name, "UBIGINT")
		}
	case "float":
		pc.duckExpr = castDuck(s.name, "FLOAT")
	case "double", "real":
		pc.duckExpr = castDuck(s.name, "DOUBLE")
	case "decimal", "numeric":
		pc.duckExpr = castDuck(s.name, "VARCHAR")
		if t.precision <= 38 && t.precision > 0 {
			pc.duckExpr = "CAST(" + castDuck(s.name, fmt.Sprintf("DECIMAL(%d,%d)", t.precision, t.scale)) + " AS VARCHAR)"
		}
	case "binary", "varbinary", "blob", "tinyblob", "mediumblob", "longblob":
		pc.duckExpr = castDuck(s.name, "BLOB")
	case "datetime":
		pc.duckExpr = castDuck(s.name, "TIMESTAMP")
	case "timestamp":
		pc.duckExpr = castDuck(s.name, "TIMESTAMPTZ")
	case "json":
		pc.duckExpr = jsonText(s)
	default: // char, varchar, text, enum, set, date, time, ...
		pc.duckExpr = castDuck(s.name, "VARCHAR")
	}
	return pc
}

// convPlain passes a DuckDB value to the driver; time.Time is formatted
// by the driver in UTC (the session's time zone) with microseconds.
func convPlain(v driver.Value) (any, int64, error) {
	switch x := v.(type) {
	case nil:
		return nil, 4, nil
	case string:
		return x, int64(len(x)) + 8, nil
	case []byte:
		return x, 2*int64(len(x)) + 12, nil
	case time.Time:
		return x.UTC(), 32, nil
	}
	return v, 24, nil
}

// myUpsertClause checks that upsertKeys are the columns of the primary key
// or of a unique key and renders ON DUPLICATE KEY UPDATE.
func myUpsertClause(ctx context.Context, conn *sql.Conn, w WriteOptions, plan []myWriteCol) (string, error) {
	schema, name := mySchemaLiterals(w.Table)
	rows, err := conn.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = `+schema+` AND TABLE_NAME = `+name+` AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`)
	if err != nil {
		return "", fmt.Errorf("read the table's keys: %s", myError(err))
	}
	defer rows.Close()
	keys := map[string][]string{}
	for rows.Next() {
		var idx, col string
		if err := rows.Scan(&idx, &col); err != nil {
			return "", err
		}
		keys[idx] = append(keys[idx], strings.ToLower(col))
	}
	want := make([]string, len(w.UpsertKeys))
	for i, k := range w.UpsertKeys {
		want[i] = strings.ToLower(k)
	}
	sort.Strings(want)
	match := false
	var found []string
	for idx, cols := range keys {
		s := append([]string(nil), cols...)
		sort.Strings(s)
		found = append(found, idx+" ("+strings.Join(cols, ", ")+")")
		if strings.Join(s, ",") == strings.Join(want, ",") {
			match = true
		}
	}
	if !match {
		sort.Strings(found)
		return "", fmt.Errorf("upsertKeys (%s) must be the columns of the primary key or of a unique key of the table; its unique keys: %s",
			strings.Join(w.UpsertKeys, ", "), strings.Join(append(found, "none")[:max(1, len(found))], "; "))
	}
	isKey := map[string]bool{}
	for _, k := range want {
		isKey[k] = true
	}
	var sets []string
	for _, pc := range plan {
		if !isKey[strings.ToLower(pc.target.name)] {
			q := quoteMy(pc.target.name)
			sets = append(sets, q+" = VALUES("+q+")")
		}
	}
	if len(sets) == 0 {
		// Every column is a key: a duplicate changes nothing.
		q := quoteMy(plan[0].target.name)
		sets = append(sets, q+" = "+q)
	}
	return " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", "), nil
}

// myCreateTable renders CREATE TABLE for a relation's columns.
func myCreateTable(table string, src []srcColumn, w WriteOptions) (string, error) {
	override, err := parseColumnTypes(w.CreateTableColumnTypes)
	if err != nil {
		return "", err
	}
	isKey := map[string]bool{}
	for _, k := range w.UpsertKeys {
		isKey[strings.ToLower(k)] = true
	}
	defs := make([]string, len(src))
	for i, s := range src {
		typ, ok := override[strings.ToLower(s.name)]
		if !ok {
			if typ, err = myTypeForDuck(s.duckType, isKey[strings.ToLower(s.name)]); err != nil {
				return "", fmt.Errorf("create table: column %q: %w", s.name, err)
			}
		}
		delete(override, strings.ToLower(s.name))
		defs[i] = quoteMy(s.name) + " " + typ
	}
	for k := range override {
		return "", fmt.Errorf("%w: createTableColumnTypes names %q, which is not a column of the output", ErrBadOption, k)
	}
	if w.SaveMode == Upsert {
		keys := make([]string, len(w.UpsertKeys))
		for i, k := range w.UpsertKeys {
			sc, _ := findColumn(src, k, func(s srcColumn) string { return s.name })
			keys[i] = quoteMy(sc.name)
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	}
	ddl := "CREATE TABLE " + table + " (" + strings.Join(defs, ", ") + ")"
	if w.CreateTableOptions != "" {
		ddl += " " + w.CreateTableOptions
	} else {
		ddl += " ENGINE=InnoDB"
	}
	return ddl, nil
}

// myTypeForDuck maps a DuckDB column type to the MySQL type of a created
// column. Key columns of text or blob types get VARCHAR(255)/VARBINARY(255),
// since MySQL cannot index TEXT without a prefix length.
func myTypeForDuck(t string, key bool) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(t))
	switch {
	case strings.HasSuffix(u, "[]"), strings.HasPrefix(u, "STRUCT"), strings.HasPrefix(u, "MAP"), strings.HasPrefix(u, "UNION"):
		return "JSON", nil
	case strings.HasPrefix(u, "DECIMAL"):
		return u, nil
	case strings.HasPrefix(u, "ENUM"):
		u = "VARCHAR"
	}
	switch u {
	case "BOOLEAN":
		return "TINYINT(1)", nil
	case "TINYINT":
		return "TINYINT", nil
	case "UTINYINT":
		return "TINYINT UNSIGNED", nil
	case "SMALLINT":
		return "SMALLINT", nil
	case "USMALLINT":
		return "SMALLINT UNSIGNED", nil
	case "INTEGER":
		return "INT", nil
	case "UINTEGER":
		return "INT UNSIGNED", nil
	case "BIGINT":
		return "BIGINT", nil
	case "UBIGINT":
		return "BIGINT UNSIGNED", nil
	case "HUGEINT", "UHUGEINT":
		return "DECIMAL(39,0)", nil
	case "FLOAT":
		return "FLOAT", nil
	case "DOUBLE":
		return "DOUBLE", nil
	case "VARCHAR":
		if key {
			return "VARCHAR(255)", nil
		}
		return "LONGTEXT", nil
	case "BLOB":
		if key {
			return "VARBINARY(255)", nil
		}
		return "LONGBLOB", nil
	case "DATE":
		return "DATE", nil
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ":
		// DATETIME, not TIMESTAMP (which ends in 2038); instants are kept
		// in UTC.
		return "DATETIME(6)", nil
	case "TIME":
		return "TIME(6)", nil
	case "UUID":
		return "CHAR(36)", nil
	case "JSON":
		return "JSON", nil
	}
	return "", fmt.Errorf("%w: DuckDB type %s has no MySQL counterpart here; cast it in a step", ErrUnsupportedType, t)
}
