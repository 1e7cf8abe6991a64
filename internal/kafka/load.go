package kafka

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RawColumns are the columns LoadRaw creates: Spark's Kafka source columns.
// key and value are binary as in Spark; decode(value) is the text of a UTF-8
// value (DuckDB's CAST(BLOB AS VARCHAR) escapes quotes and non-ASCII bytes
// as \xNN, unlike Spark's CAST(value AS STRING)). timestamp is the record's
// time as TIMESTAMP WITH TIME ZONE (Spark's timestamp type in Flare);
// timestampType is 0 for CreateTime, 1 for LogAppendTime.
var RawColumns = []Column{
	{"key", "BLOB"}, {"value", "BLOB"}, {"topic", "VARCHAR"}, {"partition", "INTEGER"},
	{"offset", "BIGINT"}, {"timestamp", "TIMESTAMP WITH TIME ZONE"}, {"timestampType", "INTEGER"},
}

// HeadersColumn is the column RawOptions.IncludeHeaders adds.
var HeadersColumn = Column{"headers", "STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]"}

// Column is a named DuckDB column type, e.g. {"id", "BIGINT"} or
// {"tags", "VARCHAR[]"} or {"geo", "STRUCT(lat DOUBLE, lon DOUBLE)"}.
type Column struct {
	Name string
	Type string
}

// RawOptions tune LoadRaw.
type RawOptions struct {
	// IncludeHeaders adds Spark's headers column (includeHeaders): a list
	// of {key, value} structs. Default false.
	IncludeHeaders bool
}

// LoadRaw puts the batch into a new temporary table (replacing one of the
// same name) with RawColumns, in the batch's order.
func (b *Batch) LoadRaw(ctx context.Context, conn *sql.Conn, table string, opts RawOptions) error {
	cols := RawColumns
	if opts.IncludeHeaders {
		cols = append(append([]Column(nil), RawColumns...), HeadersColumn)
	}
	return appendRecords(ctx, conn, table, cols, b.Records, nil)
}

// appendRecords creates table with cols, a prefix of RawColumns plus
// optionally HeadersColumn, and then an error column when errs is given,
// and appends the records.
func appendRecords(ctx context.Context, conn *sql.Conn, table string, cols []Column, recs []*kgo.Record, errs []string) error {
	defs := columnDefs(cols)
	if errs != nil {
		defs += ", \"error\" VARCHAR"
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+quoteIdent(table)+" ("+defs+")"); err != nil {
		return fmt.Errorf("create table %s for kafka records: %w", table, err)
	}
	headers := cols[len(cols)-1].Name == HeadersColumn.Name
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", table)
		if err != nil {
			return err
		}
		n := len(cols)
		if errs != nil {
			n++
		}
		row := make([]driver.Value, n)
		for i, r := range recs {
			if err := ctx.Err(); err != nil && i%4096 == 0 {
				a.Close()
				return err
			}
			// Untyped nil for a missing key or value: a nil []byte would
			// be an empty BLOB.
			row[0] = nil
			if r.Key != nil {
				row[0] = r.Key
			}
			if len(cols) > 1 {
				row[1] = nil
				if r.Value != nil {
					row[1] = r.Value
				}
				row[2] = r.Topic
				row[3] = r.Partition
				row[4] = r.Offset
				row[5] = r.Timestamp
				row[6] = int32(r.Attrs.TimestampType())
			}
			if headers {
				// No headers is NULL, as in Spark.
				row[7] = nil
				if len(r.Headers) > 0 {
					hs := make([]any, len(r.Headers))
					for i, h := range r.Headers {
						var v any
						if h.Value != nil {
							v = h.Value
						}
						hs[i] = map[string]any{"key": h.Key, "value": v}
					}
					row[7] = hs
				}
			}
			if errs != nil {
				row[n-1] = errs[i]
			}
			if err := a.AppendRow(row...); err != nil {
				a.Close()
				return fmt.Errorf("record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
		}
		return a.Close()
	})
	if err != nil {
		return fmt.Errorf("load %d kafka records into %s: %w", len(recs), table, err)
	}
	return nil
}

// appendValues creates table with one BLOB column, value, holding the
// records' values in order (rowid i is recs[i]).
func appendValues(ctx context.Context, conn *sql.Conn, table string, recs []*kgo.Record) error {
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+quoteIdent(table)+" (\"value\" BLOB)"); err != nil {
		return fmt.Errorf("create table %s for kafka values: %w", table, err)
	}
	err := conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", table)
		if err != nil {
			return err
		}
		for i, r := range recs {
			if err := ctx.Err(); err != nil && i%4096 == 0 {
				a.Close()
				return err
			}
			var v driver.Value
			if r.Value != nil {
				v = r.Value
			}
			if err := a.AppendRow(v); err != nil {
				a.Close()
				return fmt.Errorf("record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
		}
		return a.Close()
	})
	if err != nil {
		return fmt.Errorf("load %d kafka values into %s: %w", len(recs), table, err)
	}
	return nil
}

// JSONOptions tune LoadJSON.
type JSONOptions struct {
	// Columns are the JSON fields read and their DuckDB types, in order.
	// Fields not listed are ignored; a listed field that a record lacks is
	// NULL. Empty: inferred from the batch with InferJSONColumns (the
	// stream runner should then keep them fixed for later batches).
	Columns []Column
	// DeadLetter names a temporary table (replaced) that receives the
	// records whose value is not UTF-8 JSON or has a field that does not fit
	// its type, with RawColumns and an error column. Empty (default): such a
	// record fails the load with an error naming its partition and offset.
	DeadLetter string
}

// JSONResult says what LoadJSON did.
type JSONResult struct {
	// Rows is the number of rows in the table, Bad the number of records
	// sent to the dead-letter table.
	Rows, Bad int64
	// Columns are the columns used (given or inferred).
	Columns []Column
	// Careful is true when some record lacked a field or did not fit, so
	// that the load took the slower path that checks each record (about
	// twice the work of the fast path).
	Careful bool
}

// LoadJSON puts the batch into a new temporary table (replacing one of the
// same name) whose columns are the fields of the records' JSON values
// (Flare's kafkajson format), in the batch's order. DuckDB parses the
// values. A record with no value (a tombstone) gives a row of NULLs, as
// Spark's from_json does. A value that is not UTF-8 text, not a JSON object,
// or that has a field whose value does not fit the field's type is an error,
// or a dead letter (see JSONOptions.DeadLetter); it is never dropped
// silently. Mismatches are checked on top-level fields: inside a nested
// STRUCT or LIST a value that does not fit becomes NULL, as in DuckDB's
// json_transform. Fields of the JSON that are not columns are ignored.
func (b *Batch) LoadJSON(ctx context.Context, conn *sql.Conn, table string, opts JSONOptions) (JSONResult, error) {
	values := table + "__kafka_values"
	if err := appendValues(ctx, conn, values, b.Records); err != nil {
		return JSONResult{}, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+quoteIdent(values))
	cols := opts.Columns
	if len(cols) == 0 {
		var err error
		if cols, err = inferColumns(ctx, conn, values); err != nil {
			return JSONResult{}, err
		}
		if len(cols) == 0 {
			return JSONResult{}, fmt.Errorf("load kafka JSON into %s: no JSON object among %d records to infer the columns from; give the schema", table, len(b.Records))
		}
	}
	res, bad, err := loadJSON(ctx, conn, values, table, cols, opts.DeadLetter != "")
	if err != nil {
		return JSONResult{}, err
	}
	if len(bad) > 0 && opts.DeadLetter == "" {
		r := b.Records[bad[0].row]
		more := ""
		if res.Bad > 1 {
			more = fmt.Sprintf(" (and %d more bad records)", res.Bad-1)
		}
		return JSONResult{}, fmt.Errorf("load kafka JSON into %s: record %s/%d@%d: %s%s; fix the data or the schema, or send such records to a dead-letter table",
			table, r.Topic, r.Partition, r.Offset, bad[0].why, more)
	}
	if opts.DeadLetter != "" {
		recs := make([]*kgo.Record, len(bad))
		whys := make([]string, len(bad))
		for i, d := range bad {
			recs[i], whys[i] = b.Records[d.row], d.why
		}
		if err := appendRecords(ctx, conn, opts.DeadLetter, RawColumns, recs, whys); err != nil {
			return JSONResult{}, fmt.Errorf("write kafka dead letters: %w", err)
		}
	}
	return res, nil
}

// badRecord is a record LoadJSON could not load: its index in the batch and
// why.
type badRecord struct {
	row int64
	why string
}

// loadJSON parses the JSON values of valueTable (one BLOB column, value)
// into table. It returns the bad records (all of them when all is true, the
// first one otherwise), ordered by row.
func loadJSON(ctx context.Context, conn *sql.Conn, valueTable, table string, cols []Column, all bool) (JSONResult, []badRecord, error) {
	seen := map[string]bool{}
	for _, c := range cols {
		if c.Name == "" || c.Type == "" {
			return JSONResult{}, nil, fmt.Errorf("load kafka JSON into %s: column %q has no name or type", table, c.Name)
		}
		if seen[strings.ToLower(c.Name)] {
			return JSONResult{}, nil, fmt.Errorf("load kafka JSON into %s: column %q appears twice", table, c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
	}
	structure := func(asJSON bool) string {
		// Keep the column order: encoding/json sorts map keys.
		parts := make([]string, len(cols))
		for i, c := range cols {
			k, _ := json.Marshal(c.Name)
			t := c.Type
			if asJSON {
				t = "JSON"
			}
			v, _ := json.Marshal(t)
			parts[i] = string(k) + ":" + string(v)
		}
		return quoteLiteral("{" + strings.Join(parts, ",") + "}")
	}
	res := JSONResult{Columns: cols}

	// Fast path: every record is a JSON object with every field, each of
	// its type. json_transform_strict fails on anything else (a missing
	// field too); the careful path below then sorts the records out.
	_, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+quoteIdent(table)+
		" AS SELECT unnest(json_transform_strict(decode(\"value\"), "+structure(false)+")) FROM "+quoteIdent(valueTable))
	if err == nil {
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&res.Rows); err != nil {
			return JSONResult{}, nil, fmt.Errorf("count %s: %w", table, err)
		}
		return res, nil, nil
	}
	if ctx.Err() != nil {
		return JSONResult{}, nil, fmt.Errorf("load kafka JSON into %s: %w", table, ctx.Err())
	}

	res.Careful = true
	// Careful path. errCol says why a record does not load, NULL when it
	// does. j holds each field as JSON (NULL when absent or null): a field
	// present in j but NULL in s did not fit its type.
	const errCol, rowCol = "__flare_kafka_error", "__flare_kafka_row"
	why := []string{
		`WHEN "value" IS NULL THEN NULL`,
		`WHEN v IS NULL THEN 'the value is not UTF-8 text'`,
		`WHEN j IS NULL THEN 'the value is not JSON'`,
	}
	var allNull []string
	for _, c := range cols {
		f := "." + quoteIdent(c.Name)
		why = append(why, fmt.Sprintf(`WHEN s%s IS NULL AND j%s IS NOT NULL THEN %s || j%s || %s`, f, f,
			quoteLiteral(fmt.Sprintf("field %q: ", c.Name)), f, quoteLiteral(" does not fit "+c.Type)))
		allNull = append(allNull, "j"+f+" IS NULL")
	}
	why = append(why, `WHEN `+strings.Join(allNull, " AND ")+` AND json_type(v) <> 'OBJECT' THEN 'the value is JSON ' || lower(json_type(v)) || ', not an object'`)
	stage := table + "__kafka_stage"
	q := "CREATE OR REPLACE TEMP TABLE " + quoteIdent(stage) + " AS\n" +
		"SELECT unnest(s), " + rowCol + ", CASE " + strings.Join(why, "\n  ") + " END AS " + errCol + " FROM (\n" +
		"  SELECT \"value\", " + rowCol + ", v, TRY(json_transform(v, " + structure(false) + ")) AS s, TRY(json_transform(v, " + structure(true) + ")) AS j\n" +
		"  FROM (SELECT \"value\", rowid AS " + rowCol + ", TRY(decode(\"value\")) AS v FROM " + quoteIdent(valueTable) + "))"
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return JSONResult{}, nil, fmt.Errorf("parse kafka JSON into %s: %w", table, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+quoteIdent(stage))
	limit := " LIMIT 1"
	if all {
		limit = ""
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+rowCol+", "+errCol+" FROM "+quoteIdent(stage)+" WHERE "+errCol+" IS NOT NULL ORDER BY "+rowCol+limit)
	if err != nil {
		return JSONResult{}, nil, fmt.Errorf("check kafka JSON for %s: %w", table, err)
	}
	var bad []badRecord
	for rows.Next() {
		var d badRecord
		if err := rows.Scan(&d.row, &d.why); err != nil {
			rows.Close()
			return JSONResult{}, nil, fmt.Errorf("check kafka JSON for %s: %w", table, err)
		}
		bad = append(bad, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return JSONResult{}, nil, fmt.Errorf("check kafka JSON for %s: %w", table, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FILTER (WHERE "+errCol+" IS NOT NULL), count(*) FILTER (WHERE "+errCol+" IS NULL) FROM "+
		quoteIdent(stage)).Scan(&res.Bad, &res.Rows); err != nil {
		return JSONResult{}, nil, fmt.Errorf("check kafka JSON for %s: %w", table, err)
	}
	if len(bad) > 0 && !all {
		return res, bad, nil
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = quoteIdent(c.Name)
	}
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+quoteIdent(table)+" AS SELECT "+
		strings.Join(sel, ", ")+" FROM "+quoteIdent(stage)+" WHERE "+errCol+" IS NULL ORDER BY "+rowCol); err != nil {
		return JSONResult{}, nil, fmt.Errorf("load kafka JSON into %s: %w", table, err)
	}
	return res, bad, nil
}

// InferJSONColumns infers the columns of the batch's JSON values as Spark's
// JSON schema inference does: fields sorted by name; integers BIGINT, other
// numbers DOUBLE, strings VARCHAR (timestamps stay text), booleans BOOLEAN,
// objects STRUCT, arrays LISTs; a field that is always null, or whose types
// conflict, is VARCHAR (its JSON text). Values that are not UTF-8 JSON
// objects are skipped here (LoadJSON reports them). Nil when there is no
// JSON object in the batch.
func (b *Batch) InferJSONColumns(ctx context.Context, conn *sql.Conn) ([]Column, error) {
	values := "__kafka_infer"
	if err := appendValues(ctx, conn, values, b.Records); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+quoteIdent(values))
	return inferColumns(ctx, conn, values)
}

func inferColumns(ctx context.Context, conn *sql.Conn, valueTable string) ([]Column, error) {
	var s sql.NullString
	err := conn.QueryRowContext(ctx, `SELECT json_group_structure(j)::VARCHAR FROM (
		SELECT TRY(CAST(TRY(decode("value")) AS JSON)) AS j FROM `+quoteIdent(valueTable)+`) WHERE json_type(j) = 'OBJECT'`).Scan(&s)
	if err != nil {
		return nil, fmt.Errorf("infer JSON columns: %w", err)
	}
	if !s.Valid {
		return nil, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s.String), &fields); err != nil {
		return nil, fmt.Errorf("infer JSON columns: structure %s: %w", s.String, err)
	}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	cols := make([]Column, len(names))
	for i, n := range names {
		t, err := inferredType(fields[n])
		if err != nil {
			return nil, fmt.Errorf("infer JSON columns: field %q: %w", n, err)
		}
		cols[i] = Column{n, t}
	}
	return cols, nil
}

// inferredType maps a json_group_structure node to a DuckDB type.
func inferredType(node json.RawMessage) (string, error) {
	var name string
	if json.Unmarshal(node, &name) == nil {
		switch name {
		case "UBIGINT", "BIGINT", "HUGEINT", "UHUGEINT", "INTEGER":
			return "BIGINT", nil
		case "DOUBLE", "FLOAT":
			return "DOUBLE", nil
		case "BOOLEAN":
			return "BOOLEAN", nil
		case "VARCHAR", "NULL", "JSON":
			return "VARCHAR", nil
		}
		return "", fmt.Errorf("unexpected JSON type %s", name)
	}
	var list []json.RawMessage
	if json.Unmarshal(node, &list) == nil {
		if len(list) != 1 {
			return "", fmt.Errorf("unexpected list structure %s", node)
		}
		t, err := inferredType(list[0])
		return t + "[]", err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(node, &obj); err != nil {
		return "", fmt.Errorf("unexpected structure %s", node)
	}
	if len(obj) == 0 {
		return "VARCHAR", nil
	}
	names := make([]string, 0, len(obj))
	for n := range obj {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		t, err := inferredType(obj[n])
		if err != nil {
			return "", err
		}
		parts[i] = quoteIdent(n) + " " + t
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
}

func columnDefs(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quoteIdent(c.Name) + " " + c.Type
	}
	return strings.Join(parts, ", ")
}

func quoteIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
