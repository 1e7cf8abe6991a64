package database

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// TableName is a table on the server. Schema is the PostgreSQL schema or
// the MySQL database; empty means the connection's default (public, or the
// depot's database). Both are used as identifiers, quoted, never as SQL.
type TableName struct {
	Schema string
	Name   string
}

// TableFromAddress turns the collection and dataset of a
// dataos://<depot>:<collection>/<dataset> address into a table; the
// collection "none" means the default schema.
func TableFromAddress(collection, dataset string) TableName {
	if strings.EqualFold(collection, "none") {
		collection = ""
	}
	return TableName{Schema: collection, Name: dataset}
}

func (t TableName) String() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// ReadOptions select the rows of a read; they are Spark's JDBC reader
// options, as Flare manifests give them under inputs[].options.
type ReadOptions struct {
	// Table is the table the input's address names. It is read unless
	// DBTable or Query is given.
	Table TableName
	// DBTable is Spark's `dbtable`: anything valid in a FROM clause, such
	// as `sales.orders` or `(SELECT ...) AS t`, used verbatim. Default:
	// Table, quoted. Not with Query.
	DBTable string
	// Query is Spark's `query`: a SELECT whose result is the input,
	// wrapped as a sub-query. Not with DBTable or PartitionColumn.
	Query string
	// PartitionColumn is Spark's `partitionColumn`: a numeric, date or
	// timestamp column of the result to split the read on. Needs
	// LowerBound, UpperBound and NumPartitions. The bounds only decide the
	// stride, as in Spark: rows outside them are read too (by the first and
	// last partitions), never filtered.
	PartitionColumn string
	// LowerBound and UpperBound are Spark's `lowerBound`/`upperBound`:
	// integers, or dates (2024-01-31) / timestamps (2024-01-31 12:00:00)
	// for date and timestamp columns.
	LowerBound, UpperBound string
	// NumPartitions is Spark's `numPartitions`: how many ranges a
	// partitioned read is split into (default 1); each range is one
	// COPY/SELECT on its own connection, and up to the DuckDB thread count
	// run at once. Without PartitionColumn a read is one range, as in Spark.
	NumPartitions int
	// FetchSize is Spark's `fetchsize` (rows per round trip). Accepted for
	// compatibility: both drivers stream rows (PostgreSQL COPY, MySQL
	// unbuffered results) so memory holds one batch at a time whatever
	// the value. Must not be negative.
	FetchSize int
}

// SaveMode says what a write does with an existing table.
type SaveMode string

// Save modes (case-insensitive in Parse; "" means Overwrite, Flare's
// default).
const (
	// Append adds the rows; a missing table is created.
	Append SaveMode = "append"
	// Overwrite empties the table and writes the rows in one transaction,
	// keeping the table itself (columns, keys, grants, indexes); a missing
	// table is created.
	Overwrite SaveMode = "overwrite"
	// ErrorIfExists (also "error", Spark's default) refuses an existing table.
	ErrorIfExists SaveMode = "errorifexists"
	// Ignore leaves an existing table untouched and writes nothing.
	Ignore SaveMode = "ignore"
	// Upsert inserts new rows and updates rows whose UpsertKeys match an
	// existing row; a missing table is created with those keys as its
	// primary key.
	Upsert SaveMode = "upsert"
)

// WriteOptions configure a write (syndication) to a database table; they
// are Spark's JDBC writer options plus Flare's saveMode and our upsert.
type WriteOptions struct {
	// Table is the table the output's address names (dbtable overrides it
	// in Parse).
	Table TableName
	// SaveMode: append, overwrite (default), errorifexists (alias error),
	// ignore, upsert.
	SaveMode SaveMode
	// UpsertKeys are the columns that identify a row for SaveMode upsert
	// (required then, refused otherwise). On PostgreSQL they must match a
	// unique index or primary key of an existing table (ON CONFLICT); on
	// MySQL they must be exactly the columns of its primary key or of a
	// unique key (ON DUPLICATE KEY UPDATE).
	UpsertKeys []string
	// BatchSize is Spark's `batchsize`: rows per multi-row INSERT on MySQL
	// (default 1000). PostgreSQL writes use one COPY stream and need no
	// batches; the value is checked but has no effect there.
	BatchSize int
	// CreateTableOptions is Spark's `createTableOptions`: text appended to
	// CREATE TABLE when the table is created (e.g. ENGINE=InnoDB).
	CreateTableOptions string
	// CreateTableColumnTypes is Spark's `createTableColumnTypes`: column
	// types to use instead of the mapped ones when creating the table,
	// e.g. "name VARCHAR(64), note TEXT".
	CreateTableColumnTypes string
}

// Option names as Spark spells them; Parse matches them case-insensitively
// (and also in snake_case).
var (
	readOptionNames  = []string{"dbtable", "query", "partitionColumn", "lowerBound", "upperBound", "numPartitions", "fetchsize", "driver", "url", "user", "password"}
	writeOptionNames = []string{"dbtable", "saveMode", "upsertKeys", "batchsize", "createTableOptions", "createTableColumnTypes", "truncate", "numPartitions", "isolationLevel", "driver", "url", "user", "password"}
)

func normKey(k string) string { return strings.ToLower(strings.ReplaceAll(k, "_", "")) }

// ParseReadOptions reads Spark-style reader options (string values, keys
// case-insensitive) into ReadOptions for the given server kind. Connection
// settings (url, user, password) belong to the depot and are refused, as
// are unknown options. driver must name a driver class of the kind.
func ParseReadOptions(kind Kind, table TableName, opts map[string]string) (ReadOptions, error) {
	r := ReadOptions{Table: table}
	for _, k := range sortedKeys(opts) {
		v := opts[k]
		var err error
		switch normKey(k) {
		case "dbtable":
			r.DBTable = v
		case "query":
			r.Query = v
		case "partitioncolumn":
			r.PartitionColumn = v
		case "lowerbound":
			r.LowerBound = v
		case "upperbound":
			r.UpperBound = v
		case "numpartitions":
			r.NumPartitions, err = positiveInt(k, v)
		case "fetchsize":
			r.FetchSize, err = nonNegativeInt(k, v)
		case "driver":
			err = CheckDriverClass(kind, v)
		case "url", "user", "password":
			err = fmt.Errorf("%w: %s is a connection setting of the depot in flare.yaml, never of a manifest", ErrBadOption, k)
		default:
			err = unknownOption(k, readOptionNames)
		}
		if err != nil {
			return ReadOptions{}, err
		}
	}
	return r, r.Validate()
}

// Validate checks the combination of options, as Spark does.
func (r ReadOptions) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadOption, fmt.Sprintf(format, a...))
	}
	if r.DBTable != "" && r.Query != "" {
		return bad("give dbtable or query, not both")
	}
	if r.DBTable == "" && r.Query == "" && r.Table.Name == "" {
		return bad("no table to read: the address names none and neither dbtable nor query is given")
	}
	if r.Query != "" && r.PartitionColumn != "" {
		return bad("query and partitionColumn cannot be used together (as in Spark); give the query as dbtable: \"(<query>) AS t\"")
	}
	if r.FetchSize < 0 {
		return bad("fetchsize must not be negative")
	}
	if r.NumPartitions < 0 {
		return bad("numPartitions must be positive")
	}
	has := r.PartitionColumn != ""
	if has != (r.LowerBound != "") || has != (r.UpperBound != "") || has && r.NumPartitions == 0 {
		return bad("partitionColumn, lowerBound, upperBound and numPartitions must be given together")
	}
	return nil
}

// ParseWriteOptions reads Spark-style writer options and Flare's saveMode
// into WriteOptions for the given server kind.
func ParseWriteOptions(kind Kind, table TableName, opts map[string]string) (WriteOptions, error) {
	w := WriteOptions{Table: table}
	for _, k := range sortedKeys(opts) {
		v := opts[k]
		var err error
		switch normKey(k) {
		case "dbtable":
			w.Table, err = parseTableName(k, v)
		case "savemode":
			w.SaveMode, err = ParseSaveMode(v)
		case "upsertkeys":
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(c); c != "" {
					w.UpsertKeys = append(w.UpsertKeys, c)
				}
			}
		case "batchsize":
			w.BatchSize, err = positiveInt(k, v)
		case "createtableoptions":
			w.CreateTableOptions = v
		case "createtablecolumntypes":
			w.CreateTableColumnTypes = v
		case "truncate":
			// Spark's truncate=true is what overwrite does here; false would
			// ask for drop-and-recreate, which we never do.
			if !strings.EqualFold(v, "true") {
				err = fmt.Errorf("%w: truncate=%s: overwrite always empties the table and keeps it (truncate=true); drop-and-recreate is not offered", ErrBadOption, v)
			}
		case "numpartitions":
			// Spark: the most connections a write uses. A write here is one
			// transaction on one connection, within any limit.
			_, err = positiveInt(k, v)
		case "isolationlevel":
			err = fmt.Errorf("%w: isolationLevel: a write is one transaction at the server's default level (READ COMMITTED on PostgreSQL, REPEATABLE READ on MySQL); other levels are not offered", ErrBadOption)
		case "driver":
			err = CheckDriverClass(kind, v)
		case "url", "user", "password":
			err = fmt.Errorf("%w: %s is a connection setting of the depot in flare.yaml, never of a manifest", ErrBadOption, k)
		default:
			err = unknownOption(k, writeOptionNames)
		}
		if err != nil {
			return WriteOptions{}, err
		}
	}
	w.SaveMode = w.mode()
	return w, w.Validate()
}

// Validate checks the combination of write options.
func (w WriteOptions) Validate() error {
	if w.Table.Name == "" {
		return fmt.Errorf("%w: no table to write: the address names none and dbtable is not given", ErrBadOption)
	}
	if _, err := ParseSaveMode(string(w.SaveMode)); err != nil {
		return err
	}
	if (w.mode() == Upsert) != (len(w.UpsertKeys) > 0) {
		if w.mode() == Upsert {
			return fmt.Errorf("%w: saveMode upsert needs upsertKeys (the columns that identify a row)", ErrBadOption)
		}
		return fmt.Errorf("%w: upsertKeys needs saveMode upsert (saveMode is %s)", ErrBadOption, w.mode())
	}
	if w.BatchSize < 0 {
		return fmt.Errorf("%w: batchsize must be positive", ErrBadOption)
	}
	return nil
}

func (w WriteOptions) mode() SaveMode {
	if w.SaveMode == "" {
		return Overwrite
	}
	return w.SaveMode
}

// ParseSaveMode reads a saveMode value (case-insensitive); "" is Overwrite.
func ParseSaveMode(s string) (SaveMode, error) {
	switch strings.ToLower(s) {
	case "", "overwrite":
		return Overwrite, nil
	case "append":
		return Append, nil
	case "error", "errorifexists", "default":
		return ErrorIfExists, nil
	case "ignore":
		return Ignore, nil
	case "upsert":
		return Upsert, nil
	}
	return "", fmt.Errorf("%w: saveMode %q (append, overwrite, errorifexists, ignore, upsert)", ErrBadOption, s)
}

// CheckDriverClass accepts the JDBC driver class names Flare manifests give
// (driver: org.postgresql.Driver) when they fit the depot's server.
func CheckDriverClass(kind Kind, class string) error {
	ok := false
	switch class {
	case "org.postgresql.Driver":
		ok = kind == PostgreSQL
	case "com.mysql.cj.jdbc.Driver", "com.mysql.jdbc.Driver", "org.mariadb.jdbc.Driver":
		ok = kind.mysqlFamily()
	}
	if !ok {
		return fmt.Errorf("%w: driver %q does not fit a %s depot (org.postgresql.Driver for postgresql; com.mysql.cj.jdbc.Driver or org.mariadb.jdbc.Driver for mysql and mariadb)", ErrBadOption, class, kind)
	}
	return nil
}

// parseTableName reads "table" or "schema.table" (each part may be double-
// or back-quoted).
func parseTableName(key, s string) (TableName, error) {
	var parts []string
	cur, quote := strings.Builder{}, rune(0)
	for _, r := range strings.TrimSpace(s) {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '`':
			quote = r
		case r == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	parts = append(parts, cur.String())
	if quote != 0 || len(parts) > 2 || parts[len(parts)-1] == "" || len(parts) == 2 && parts[0] == "" {
		return TableName{}, fmt.Errorf("%w: %s %q: expected table or schema.table", ErrBadOption, key, s)
	}
	if len(parts) == 1 {
		return TableName{Name: parts[0]}, nil
	}
	return TableName{Schema: parts[0], Name: parts[1]}, nil
}

func positiveInt(k, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: %s %q: expected a positive integer", ErrBadOption, k, v)
	}
	return n, nil
}

func nonNegativeInt(k, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s %q: expected a non-negative integer", ErrBadOption, k, v)
	}
	return n, nil
}

func unknownOption(k string, known []string) error {
	best, bestD := "", 1<<30
	for _, n := range known {
		if d := editDistance(normKey(k), strings.ToLower(n)); d < bestD && d <= max(1, len(n)/3) {
			best, bestD = n, d
		}
	}
	if best != "" {
		return fmt.Errorf("%w: unknown option %q (did you mean %q?)", ErrBadOption, k, best)
	}
	return fmt.Errorf("%w: unknown option %q (known: %s)", ErrBadOption, k, strings.Join(known, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
