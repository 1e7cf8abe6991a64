package datafile

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/google/uuid"
)

// PartitionField asks for one partition field on table creation. Type is one
// of identity, year, month, day, hour, bucket (NumBuckets) or truncate
// (Width); Name defaults to Iceberg's usual name (column, column_day,
// column_bucket, column_trunc, ...).
type PartitionField struct {
	Type, Column, Name string
	NumBuckets, Width  int
}

func (p PartitionField) Transform() (iceberg.Transform, error) {
	switch strings.ToLower(p.Type) {
	case "identity", "":
		return iceberg.IdentityTransform{}, nil
	case "year", "years":
		return iceberg.YearTransform{}, nil
	case "month", "months":
		return iceberg.MonthTransform{}, nil
	case "day", "days", "date":
		return iceberg.DayTransform{}, nil
	case "hour", "hours":
		return iceberg.HourTransform{}, nil
	case "bucket":
		if p.NumBuckets <= 0 {
			return nil, fmt.Errorf("%w: partition bucket(%s) needs NumBuckets > 0", ErrInvalidSpec, p.Column)
		}
		return iceberg.BucketTransform{NumBuckets: p.NumBuckets}, nil
	case "truncate":
		if p.Width <= 0 {
			return nil, fmt.Errorf("%w: partition truncate(%s) needs Width > 0", ErrInvalidSpec, p.Column)
		}
		return iceberg.TruncateTransform{Width: p.Width}, nil
	}

	return nil, fmt.Errorf("%w: unknown partition transform %q for column %s (want identity, year, month, day, hour, bucket or truncate)", ErrInvalidSpec, p.Type, p.Column)
}

func DefaultPartitionName(col string, t iceberg.Transform) string {
	switch t.(type) {
	case iceberg.IdentityTransform:
		return col
	case iceberg.YearTransform:
		return col + "_year"
	case iceberg.MonthTransform:
		return col + "_month"
	case iceberg.DayTransform:
		return col + "_day"
	case iceberg.HourTransform:
		return col + "_hour"
	case iceberg.BucketTransform:
		return col + "_bucket"
	case iceberg.TruncateTransform:
		return col + "_trunc"
	}

	return col + "_" + t.String()
}

// FindColumn finds a top-level column by name, case-insensitively.
func FindColumn(sc *iceberg.Schema, name string) (iceberg.NestedField, bool) {
	if f, ok := sc.FindFieldByName(name); ok && !strings.Contains(name, ".") {
		return f, true
	}
	for _, f := range sc.Fields() {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}

	return iceberg.NestedField{}, false
}

// BuildSpec turns the requested partition fields into an Iceberg spec bound
// to sc.
func BuildSpec(parts []PartitionField, sc *iceberg.Schema) (iceberg.PartitionSpec, error) {
	opts := make([]iceberg.PartitionOption, 0, len(parts))
	for _, p := range parts {
		tr, err := p.Transform()
		if err != nil {
			return iceberg.PartitionSpec{}, err
		}
		f, ok := FindColumn(sc, p.Column)
		if !ok {
			return iceberg.PartitionSpec{}, fmt.Errorf("%w: partition column %s is not a column of the result", ErrInvalidSpec, p.Column)
		}
		if !tr.CanTransform(f.Type) {
			return iceberg.PartitionSpec{}, fmt.Errorf("%w: cannot partition by %s(%s): column type is %s", ErrInvalidSpec, tr, f.Name, f.Type)
		}
		if _, err := HelperExpr(QuoteIdent(f.Name), f.Type, tr); err != nil {
			return iceberg.PartitionSpec{}, err
		}
		name := p.Name
		if name == "" {
			name = DefaultPartitionName(f.Name, tr)
		}
		opts = append(opts, iceberg.AddPartitionFieldByName(f.Name, name, tr, sc, nil))
	}
	spec, err := iceberg.NewPartitionSpecOpts(opts...)
	if err != nil {
		return iceberg.PartitionSpec{}, fmt.Errorf("%w: partition spec: %w", ErrInvalidSpec, err)
	}

	return spec, nil
}

// Helper is a column computed in the COPY's SELECT that holds one partition
// field's value; DuckDB's PARTITION_BY makes it the Hive folder name and
// leaves it out of the data files.
type Helper struct {
	Column string // helper column name in the COPY select (and folder name)
	expr   string
	field  iceberg.PartitionField
	src    iceberg.Type // source column type
}

// HelperColumns returns one helper per partition field. Helper names are the
// partition field names, suffixed when they collide with a data column.
func HelperColumns(spec iceberg.PartitionSpec, sc *iceberg.Schema) ([]Helper, error) {
	taken := map[string]bool{}
	for _, f := range sc.Fields() {
		taken[strings.ToLower(f.Name)] = true
	}
	out := make([]Helper, 0, spec.NumFields())
	for i := range spec.NumFields() {
		pf := spec.Field(i)
		src, ok := sc.FindFieldByID(pf.SourceID())
		if !ok {
			return nil, fmt.Errorf("partition field %s: source column %d is not in the schema", pf.Name, pf.SourceID())
		}
		name := pf.Name
		for taken[strings.ToLower(name)] {
			name += "_p"
		}
		taken[strings.ToLower(name)] = true
		expr, err := HelperExpr(QuoteIdent(src.Name), src.Type, pf.Transform)
		if err != nil {
			return nil, err
		}
		out = append(out, Helper{Column: name, expr: expr, field: pf, src: src.Type})
	}

	return out, nil
}

// utcTimestamp returns an expression of type TIMESTAMP holding x in UTC.
func utcTimestamp(x string, t iceberg.Type) string {
	if _, ok := t.(iceberg.TimestampTzType); ok {
		return "make_timestamp(epoch_us(" + x + "))"
	}

	return x
}

// floorDiv is exact integer floor division in DuckDB SQL (d > 0).
func floorDiv(x string, d int64) string {
	return fmt.Sprintf("((%[1]s - (((%[1]s %% %[2]d) + %[2]d) %% %[2]d)) // %[2]d)", x, d)
}

// HelperExpr is the DuckDB expression of an Iceberg transform of column x
// with Iceberg's exact semantics (year/month/day/hour are counted from the
// Unix epoch in UTC; bucket is murmur3_x86_32 of the single-value
// serialisation, through the iceberg_bucket_* UDFs).
func HelperExpr(x string, t iceberg.Type, tr iceberg.Transform) (string, error) {
	unsupported := fmt.Errorf("%w: partition transform %s on column %s of type %s is not supported yet", ErrInvalidSpec, tr, x, t)
	switch tr := tr.(type) {
	case iceberg.IdentityTransform:
		switch t.(type) {
		case iceberg.BooleanType, iceberg.Int32Type, iceberg.Int64Type, iceberg.Float32Type, iceberg.Float64Type,
			iceberg.DecimalType, iceberg.StringType, iceberg.DateType:
			return x, nil
		case iceberg.TimestampType, iceberg.TimestampTzType:
			return "epoch_us(" + x + ")", nil
		case iceberg.UUIDType:
			return "CAST(" + x + " AS VARCHAR)", nil
		case iceberg.BinaryType:
			return "hex(" + x + ")", nil
		}
	case iceberg.YearTransform, iceberg.MonthTransform, iceberg.DayTransform:
		ts := x
		switch t.(type) {
		case iceberg.DateType:
		case iceberg.TimestampType, iceberg.TimestampTzType:
			ts = utcTimestamp(x, t)
		default:
			return "", unsupported
		}
		switch tr.(type) {
		case iceberg.YearTransform:
			return "CAST(year(" + ts + ") - 1970 AS INTEGER)", nil
		case iceberg.MonthTransform:
			return "CAST((year(" + ts + ") - 1970) * 12 + month(" + ts + ") - 1 AS INTEGER)", nil
		default:
			return "CAST(" + ts + " AS DATE)", nil
		}
	case iceberg.HourTransform:
		switch t.(type) {
		case iceberg.TimestampType, iceberg.TimestampTzType:
			return "CAST(" + floorDiv("epoch_us("+x+")", 3_600_000_000) + " AS INTEGER)", nil
		}
	case iceberg.BucketTransform:
		n := tr.NumBuckets
		switch t.(type) {
		case iceberg.Int32Type, iceberg.Int64Type:
			return fmt.Sprintf("iceberg_bucket_long(CAST(%s AS BIGINT), %d)", x, n), nil
		case iceberg.DateType:
			return fmt.Sprintf("iceberg_bucket_long(CAST(%s - DATE '1970-01-01' AS BIGINT), %d)", x, n), nil
		case iceberg.TimestampType, iceberg.TimestampTzType:
			return fmt.Sprintf("iceberg_bucket_long(epoch_us(%s), %d)", x, n), nil
		case iceberg.StringType:
			return fmt.Sprintf("iceberg_bucket_string(%s, %d)", x, n), nil
		case iceberg.BinaryType:
			return fmt.Sprintf("iceberg_bucket_binary(%s, %d)", x, n), nil
		case iceberg.UUIDType:
			return fmt.Sprintf("iceberg_bucket_binary(unhex(replace(CAST(%s AS VARCHAR), '-', '')), %d)", x, n), nil
		case iceberg.DecimalType:
			return fmt.Sprintf("iceberg_bucket_decimal(replace(CAST(%s AS VARCHAR), '.', ''), %d)", x, n), nil
		}
	case iceberg.TruncateTransform:
		w := tr.Width
		switch t.(type) {
		case iceberg.Int32Type:
			return fmt.Sprintf("CAST(%[1]s - (((%[1]s %% %[2]d) + %[2]d) %% %[2]d) AS INTEGER)", x, w), nil
		case iceberg.Int64Type:
			return fmt.Sprintf("CAST(%[1]s - (((%[1]s %% %[2]d) + %[2]d) %% %[2]d) AS BIGINT)", x, w), nil
		case iceberg.StringType:
			return fmt.Sprintf("left(%s, %d)", x, w), nil
		}
	}

	return "", unsupported
}

// partitionValue converts the text DuckDB reports for a helper column (nil
// for NULL) to the Go value iceberg-go keeps in a DataFile's partition.
func partitionValue(h Helper, raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	s, ok := raw.(string)
	if !ok {
		s = fmt.Sprint(raw)
	}
	bad := func(err error) error {
		return fmt.Errorf("partition %s: value %q: %w", h.field.Name, s, err)
	}
	switch h.field.Transform.(type) {
	case iceberg.YearTransform, iceberg.MonthTransform, iceberg.HourTransform, iceberg.BucketTransform:
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, bad(err)
		}
		return int32(v), nil
	case iceberg.DayTransform:
		return parseDate(s, bad)
	}
	// identity and truncate keep the source type
	switch t := h.src.(type) {
	case iceberg.BooleanType:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, bad(err)
		}
		return v, nil
	case iceberg.Int32Type:
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, bad(err)
		}
		return int32(v), nil
	case iceberg.Int64Type:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return v, nil
	case iceberg.Float32Type:
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return nil, bad(err)
		}
		return float32(v), nil
	case iceberg.Float64Type:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, bad(err)
		}
		return v, nil
	case iceberg.DecimalType:
		lit, err := iceberg.StringLiteral(s).To(t)
		if err != nil {
			return nil, bad(err)
		}
		return lit.Any(), nil
	case iceberg.StringType:
		return s, nil
	case iceberg.DateType:
		return parseDate(s, bad)
	case iceberg.TimestampType:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return iceberg.Timestamp(v), nil
	case iceberg.TimestampTzType:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad(err)
		}
		return iceberg.Timestamp(v), nil
	case iceberg.UUIDType:
		v, err := uuid.Parse(s)
		if err != nil {
			return nil, bad(err)
		}
		return v, nil
	case iceberg.BinaryType:
		v, err := hex.DecodeString(s)
		if err != nil {
			return nil, bad(err)
		}
		return v, nil
	}

	return nil, bad(fmt.Errorf("unsupported source type %s", h.src))
}

func parseDate(s string, bad func(error) error) (any, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		// Years after 9999 (a Spark timestamp may be that far) have more
		// digits than the layout reads.
		var y, m, dd int
		if n, _ := fmt.Sscanf(s, "%d-%d-%d", &y, &m, &dd); n != 3 || y <= 9999 || m < 1 || m > 12 || dd < 1 || dd > 31 || fmt.Sprintf("%d-%02d-%02d", y, m, dd) != s {
			return nil, bad(err)
		}
		d = time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC)
	}

	return iceberg.Date(d.Unix() / 86400), nil
}

// ParsePartitionFields parses a comma-separated list of partition fields:
// identity(col) or col, year(col), month(col), day(col), hour(col),
// bucket(N, col), truncate(W, col), each optionally followed by "AS name".
func ParsePartitionFields(s string) ([]PartitionField, error) {
	var out []PartitionField
	for _, item := range splitTopLevel(s) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := parsePartitionField(item)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 && strings.TrimSpace(s) != "" {
		return nil, fmt.Errorf("%w: no partition fields in %q", ErrInvalidSpec, s)
	}

	return out, nil
}

// splitTopLevel splits on commas outside parentheses.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}

	return append(out, s[start:])
}

func parsePartitionField(item string) (PartitionField, error) {
	bad := func(why string) (PartitionField, error) {
		return PartitionField{}, fmt.Errorf("%w: partition field %q: %s (want e.g. day(ts), identity(state), bucket(16, id), truncate(4, name) [AS name])", ErrInvalidSpec, item, why)
	}
	var p PartitionField
	expr := item
	if i := strings.LastIndex(strings.ToLower(item), " as "); i > 0 && !strings.Contains(item[i:], ")") {
		p.Name = strings.TrimSpace(item[i+4:])
		expr = strings.TrimSpace(item[:i])
	}
	open := strings.IndexByte(expr, '(')
	if open < 0 {
		if strings.ContainsAny(expr, " )") {
			return bad("not a column name")
		}
		p.Type, p.Column = "identity", expr
		return p, nil
	}
	if !strings.HasSuffix(expr, ")") {
		return bad("missing )")
	}
	p.Type = strings.ToLower(strings.TrimSpace(expr[:open]))
	args := strings.Split(expr[open+1:len(expr)-1], ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	switch p.Type {
	case "identity", "year", "years", "month", "months", "day", "days", "hour", "hours":
		if len(args) != 1 || args[0] == "" {
			return bad("takes one column")
		}
		p.Column = args[0]
	case "bucket", "truncate":
		if len(args) != 2 {
			return bad(p.Type + " takes a number and a column")
		}
		n, err := strconv.Atoi(args[0])
		if err != nil {
			// Spark also accepts bucket(col, N)
			if n, err = strconv.Atoi(args[1]); err != nil {
				return bad(p.Type + " needs a number")
			}
			args[0], args[1] = args[1], args[0]
		}
		if n <= 0 {
			return bad("the number must be positive")
		}
		p.Column = args[1]
		if p.Type == "bucket" {
			p.NumBuckets = n
		} else {
			p.Width = n
		}
	default:
		return bad("unknown transform " + p.Type)
	}
	if p.Column == "" {
		return bad("no column")
	}

	return p, nil
}
