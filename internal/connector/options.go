package connector

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Reader and writer options, one struct per format. Each field carries
//
//	opt:"name[,alias...]"  the Spark option name (matched without regard to
//	                       case or underscores) and its aliases;
//	default:"..."          the value when the option is not given;
//	enum:"a|b|c"           the allowed values (matched without regard to case);
//	status:"noeffect"      accepted and changes nothing here (note:"..." says why);
//	status:"refused"       a Spark option we do not execute: refused (note:"...").
//
// and a doc comment saying what it means. ParseReadOptions and
// ParseWriteOptions fill them from a manifest's options map and refuse any
// option the format does not execute; ReadOptionNames and WriteOptionNames
// list what each format accepts.

// Mode values of the mode option: what a reader does with a malformed record.
const (
	// FailFast stops the read at the first malformed record with an error
	// naming the file and the record. Flare's default (Spark's is
	// PERMISSIVE): a bad record is never dropped silently.
	FailFast = "FAILFAST"
	// DropMalformed skips malformed records.
	DropMalformed = "DROPMALFORMED"
	// Permissive keeps a malformed record: values that cannot be read
	// become NULL and, where the format supports it, the record's text goes
	// to the column named by columnNameOfCorruptRecord.
	Permissive = "PERMISSIVE"
)

// CSVReadOptions are the options of a csv input.
type CSVReadOptions struct {
	// Header: the first line of each file names the columns. Without it the
	// columns are _c0, _c1, ... as in Spark.
	Header bool `opt:"header" default:"false"`
	// Delimiter separates fields; one or more characters, backslash escapes
	// (\t, \u0001) allowed.
	Delimiter string `opt:"delimiter,sep" default:","`
	// Quote encloses fields holding the delimiter or line breaks; empty
	// turns quoting off.
	Quote string `opt:"quote" default:"\""`
	// Escape escapes a quote inside a quoted field. Not given: the quote
	// character itself (a doubled quote, as in RFC 4180); empty: no escape.
	Escape *string `opt:"escape"`
	// Comment: lines starting with this character are skipped; empty (the
	// default) skips none.
	Comment string `opt:"comment"`
	// InferSchema: guess column types from the data; false reads every
	// column as a string, as Spark does.
	InferSchema bool `opt:"inferSchema" default:"false"`
	// NullValue is the text that stands for NULL (an unquoted empty field
	// is NULL in any case).
	NullValue string `opt:"nullValue"`
	// DateFormat is the Spark datetime pattern of DATE columns
	// (e.g. dd/MM/yyyy); empty means ISO dates.
	DateFormat string `opt:"dateFormat"`
	// TimestampFormat is the Spark datetime pattern of TIMESTAMP columns.
	TimestampFormat string `opt:"timestampFormat"`
	// Mode: what to do with a malformed row (wrong number of fields, a
	// value that does not fit its column). PERMISSIVE skips it like
	// DROPMALFORMED for csv.
	Mode string `opt:"mode" default:"FAILFAST" enum:"FAILFAST|DROPMALFORMED|PERMISSIVE"`
	// MultiLine: records may span lines inside quotes. Quoted line breaks
	// are always read, so both values behave the same.
	MultiLine bool `opt:"multiLine" default:"false"`
	// Compression of the files; auto decides by the file name (.gz, .zst,
	// .bz2, .deflate).
	Compression string `opt:"compression,codec" default:"auto" enum:"auto|none|uncompressed|gzip|gz|zstd|bzip2|deflate"`
	// Encoding of the files.
	Encoding string `opt:"encoding,charset" default:"utf-8" enum:"utf-8|utf8|utf-16|utf16|latin-1|latin1|iso-8859-1"`
	// Schema is the read schema as a Spark DDL string ("id INT, name
	// STRING"); it replaces inference and casts the columns.
	Schema string `opt:"schema"`

	// Accepted, with no effect here, or refused: Spark options the csv
	// reader does not execute.
	SamplingRatio            string `opt:"samplingRatio" status:"noeffect" note:"DuckDB samples the files itself"`
	EnforceSchema            bool   `opt:"enforceSchema" status:"noeffect" note:"a given schema is always applied by position"`
	RecursiveFileLookup      bool   `opt:"recursiveFileLookup" status:"noeffect" note:"a folder is always read with its sub-folders"`
	IgnoreLeadingWhiteSpace  bool   `opt:"ignoreLeadingWhiteSpace" status:"refused" note:"not built yet; trim in a step"`
	IgnoreTrailingWhiteSpace bool   `opt:"ignoreTrailingWhiteSpace" status:"refused" note:"not built yet; trim in a step"`
	EmptyValue               string `opt:"emptyValue" status:"refused" note:"not built yet; replace in a step"`
	ColumnNameOfCorrupt      string `opt:"columnNameOfCorruptRecord" status:"refused" note:"not built yet for csv: use mode FAILFAST or DROPMALFORMED"`
	LineSep                  string `opt:"lineSep" status:"refused" note:"not built yet for csv"`
	PathGlobFilter           string `opt:"pathGlobFilter" status:"refused" note:"give a glob in the dataset address instead"`
}

// JSONReadOptions are the options of a json input.
type JSONReadOptions struct {
	// MultiLine: each file is one JSON document (an array of records or one
	// record) instead of one record per line.
	MultiLine bool `opt:"multiLine" default:"false"`
	// Mode: what to do with a malformed line. PERMISSIVE skips it like
	// DROPMALFORMED for json.
	Mode string `opt:"mode" default:"FAILFAST" enum:"FAILFAST|DROPMALFORMED|PERMISSIVE"`
	// Compression of the files; auto decides by the file name.
	Compression string `opt:"compression,codec" default:"auto" enum:"auto|none|uncompressed|gzip|gz|zstd|bzip2|deflate"`
	// DateFormat is the Spark datetime pattern of DATE fields.
	DateFormat string `opt:"dateFormat"`
	// TimestampFormat is the Spark datetime pattern of TIMESTAMP fields.
	TimestampFormat string `opt:"timestampFormat"`
	// Schema is the read schema as a Spark DDL string.
	Schema string `opt:"schema"`

	SamplingRatio           string `opt:"samplingRatio" status:"noeffect" note:"DuckDB samples the files itself"`
	RecursiveFileLookup     bool   `opt:"recursiveFileLookup" status:"noeffect" note:"a folder is always read with its sub-folders"`
	PrimitivesAsString      bool   `opt:"primitivesAsString" status:"refused" note:"not built yet; cast in a step"`
	PrefersDecimal          bool   `opt:"prefersDecimal" status:"refused" note:"not built yet; give a schema"`
	AllowComments           bool   `opt:"allowComments" status:"refused" note:"not built yet"`
	AllowUnquotedFieldNames bool   `opt:"allowUnquotedFieldNames" status:"refused" note:"not built yet"`
	AllowSingleQuotes       bool   `opt:"allowSingleQuotes" status:"refused" note:"not built yet"`
	DropFieldIfAllNull      bool   `opt:"dropFieldIfAllNull" status:"refused" note:"not built yet"`
	ColumnNameOfCorrupt     string `opt:"columnNameOfCorruptRecord" status:"refused" note:"not built yet for json: use mode FAILFAST or DROPMALFORMED"`
	PathGlobFilter          string `opt:"pathGlobFilter" status:"refused" note:"give a glob in the dataset address instead"`
}

// ParquetReadOptions are the options of a parquet input. Files of one input
// are always merged by column name (Spark's mergeSchema).
type ParquetReadOptions struct {
	// Schema picks and casts columns (Spark DDL string).
	Schema string `opt:"schema"`

	MergeSchema         bool   `opt:"mergeSchema" status:"noeffect" note:"files are always read by column name, missing columns as NULL"`
	RecursiveFileLookup bool   `opt:"recursiveFileLookup" status:"noeffect" note:"a folder is always read with its sub-folders"`
	DatetimeRebaseMode  string `opt:"datetimeRebaseMode" status:"refused" note:"dates are read as written (proleptic Gregorian)"`
	Int96RebaseMode     string `opt:"int96RebaseMode" status:"refused" note:"timestamps are read as written"`
	PathGlobFilter      string `opt:"pathGlobFilter" status:"refused" note:"give a glob in the dataset address instead"`
}

// TextReadOptions are the options of a text input: one row per line with a
// single string column named value.
type TextReadOptions struct {
	// WholeText: one row per file (its whole content) instead of one per
	// line.
	WholeText bool `opt:"wholetext" default:"false"`
	// LineSep separates lines; empty (the default) splits on \n, \r\n and
	// \r, as Spark does. Backslash escapes allowed.
	LineSep string `opt:"lineSep"`
	// Compression of the files; auto decides by the file name.
	Compression string `opt:"compression,codec" default:"auto" enum:"auto|none|uncompressed|gzip|gz|zstd|bzip2|deflate"`
}

// AvroReadOptions are the options of an avro input. Codecs (null, deflate,
// snappy, zstandard, bzip2) are read from each file's header.
type AvroReadOptions struct {
	// AvroSchema is a reader schema (Avro JSON): files written with an
	// older or newer compatible schema are resolved to it by Avro's
	// schema-resolution rules.
	AvroSchema string `opt:"avroSchema"`
	// Schema picks and casts columns (Spark DDL string).
	Schema string `opt:"schema"`
}

// ORCReadOptions are the options of an orc input. Compression (zlib,
// snappy, zstd, lz4) is read from each file.
type ORCReadOptions struct {
	// Schema picks and casts columns (Spark DDL string).
	Schema string `opt:"schema"`
}

// XMLReadOptions are the options of an xml input (Spark's XML source).
type XMLReadOptions struct {
	// RowTag is the element whose every occurrence is one row.
	RowTag string `opt:"rowTag" default:"ROW"`
	// RootTag, when given, must be the document's root element; rows are
	// the rowTag elements below it.
	RootTag string `opt:"rootTag"`
	// AttributePrefix prefixes columns that come from attributes.
	AttributePrefix string `opt:"attributePrefix" default:"_"`
	// ValueTag names the column holding an element's text when the element
	// also has attributes or children.
	ValueTag string `opt:"valueTag" default:"_VALUE"`
	// ExcludeAttribute: ignore attributes.
	ExcludeAttribute bool `opt:"excludeAttribute" default:"false"`
	// InferSchema: guess types (BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP)
	// from the values; false reads every value as a string.
	InferSchema bool `opt:"inferSchema" default:"true"`
	// Mode: what to do with a record that is not well-formed or has a value
	// that does not fit its column.
	Mode string `opt:"mode" default:"FAILFAST" enum:"FAILFAST|DROPMALFORMED|PERMISSIVE"`
	// ColumnNameOfCorruptRecord: in PERMISSIVE mode, a string column of this
	// name receives the XML text of each malformed record (NULL otherwise).
	// Empty: no such column.
	ColumnNameOfCorruptRecord string `opt:"columnNameOfCorruptRecord"`
	// IgnoreSurroundingSpaces trims white space around values.
	IgnoreSurroundingSpaces bool `opt:"ignoreSurroundingSpaces" default:"true"`
	// IgnoreNamespace drops namespace prefixes from element and attribute
	// names (ns:id becomes id).
	IgnoreNamespace bool `opt:"ignoreNamespace" default:"false"`
	// NullValue is the text that stands for NULL.
	NullValue string `opt:"nullValue"`
	// DateFormat is the Spark datetime pattern of DATE values; empty means
	// ISO dates (yyyy-MM-dd).
	DateFormat string `opt:"dateFormat"`
	// TimestampFormat is the Spark datetime pattern of TIMESTAMP values;
	// empty means ISO 8601.
	TimestampFormat string `opt:"timestampFormat"`
	// Encoding of the files when the XML declaration does not name one.
	Encoding string `opt:"encoding,charset" default:"utf-8" enum:"utf-8|utf8|utf-16|utf16|latin-1|latin1|iso-8859-1|windows-1252"`
	// Compression of the files; auto decides by the file name.
	Compression string `opt:"compression,codec" default:"auto" enum:"auto|none|uncompressed|gzip|gz|zstd|bzip2|deflate"`
	// Schema replaces inference (Spark DDL string; nested STRUCT<...> and
	// ARRAY<...> allowed).
	Schema string `opt:"schema"`
}

// XLSXReadOptions are the options of an xlsx input (as the spark-excel
// source takes them).
type XLSXReadOptions struct {
	// Header: the first row of the data range names the columns; without
	// it they are _c0, _c1, ...
	Header bool `opt:"header" default:"true"`
	// SheetName is the sheet to read; empty: the one dataAddress names, or
	// the first sheet.
	SheetName string `opt:"sheetName"`
	// DataAddress is where the data starts or lies: a cell (B3), a range
	// (B3:F35), either after a sheet name ('My Sheet'!B3:F35).
	DataAddress string `opt:"dataAddress" default:"A1"`
	// InferSchema: type columns from the cells (DOUBLE, BOOLEAN, TIMESTAMP
	// for date-formatted cells, else VARCHAR); false reads every cell as the
	// text Excel shows.
	InferSchema bool `opt:"inferSchema" default:"false"`
	// TreatEmptyValuesAsNulls: an empty cell is NULL, not "".
	TreatEmptyValuesAsNulls bool `opt:"treatEmptyValuesAsNulls" default:"true"`
	// UsePlainNumberFormat: numbers as strings without their cell format
	// (no thousands separators, no rounding, no scientific notation).
	UsePlainNumberFormat bool `opt:"usePlainNumberFormat" default:"false"`
	// WorkbookPassword opens an encrypted workbook.
	WorkbookPassword string `opt:"workbookPassword"`
	// Mode: what to do with a row whose cell does not fit its column (only
	// with a schema or inferSchema).
	Mode string `opt:"mode" default:"FAILFAST" enum:"FAILFAST|DROPMALFORMED|PERMISSIVE"`
	// Schema replaces inference (Spark DDL string).
	Schema string `opt:"schema"`
}

// CSVWriteOptions are the options of a csv output.
type CSVWriteOptions struct {
	// Header writes the column names as the first line.
	Header bool `opt:"header" default:"true"`
	// Delimiter separates fields.
	Delimiter string `opt:"delimiter,sep" default:","`
	// Quote encloses fields that need it.
	Quote string `opt:"quote" default:"\""`
	// Escape escapes a quote inside a quoted field; not given: the quote
	// character (doubled quotes).
	Escape *string `opt:"escape"`
	// NullValue is written for NULL.
	NullValue string `opt:"nullValue"`
	// DateFormat is the Spark datetime pattern DATE values are written with.
	DateFormat string `opt:"dateFormat"`
	// TimestampFormat is the Spark datetime pattern TIMESTAMP values are
	// written with.
	TimestampFormat string `opt:"timestampFormat"`
	// Compression of the part files (suffix .gz, .zst, .deflate); not
	// given: by the name of a single-file target (out.csv.gz), else none.
	Compression string `opt:"compression,codec" enum:"none|uncompressed|gzip|gz|zstd|deflate"`
}

// JSONWriteOptions are the options of a json (one object per line) output.
type JSONWriteOptions struct {
	// DateFormat is the Spark datetime pattern DATE values are written with.
	DateFormat string `opt:"dateFormat"`
	// TimestampFormat is the Spark datetime pattern TIMESTAMP values are
	// written with.
	TimestampFormat string `opt:"timestampFormat"`
	// Compression of the part files (suffix .gz, .zst, .deflate); not
	// given: by the name of a single-file target, else none.
	Compression string `opt:"compression,codec" enum:"none|uncompressed|gzip|gz|zstd|deflate"`
}

// ParquetWriteOptions are the options of a parquet output.
type ParquetWriteOptions struct {
	// Compression codec of the column chunks.
	Compression string `opt:"compression,codec" default:"snappy" enum:"snappy|gzip|zstd|lz4|lz4_raw|brotli|none|uncompressed"`
}

// AvroWriteOptions are the options of an avro output.
type AvroWriteOptions struct {
	// Compression codec of the file blocks (Spark's names; zstd is
	// zstandard).
	Compression string `opt:"compression,codec" default:"snappy" enum:"snappy|deflate|zstandard|zstd|uncompressed|none|null"`
	// RecordName is the name of the top-level record in the written schema.
	RecordName string `opt:"recordName" default:"topLevelRecord"`
	// RecordNamespace is the namespace of the written records.
	RecordNamespace string `opt:"recordNamespace"`
	// AvroSchema is the Avro JSON schema to write with instead of one made
	// from the columns; the columns must match its fields by name.
	AvroSchema string `opt:"avroSchema"`
}

// Formats that this package reads from files. csv, json and parquet are read
// by DuckDB itself; the others are decoded in Go and loaded into a DuckDB
// temporary table (Read).
const (
	Text = "text"
	Avro = "avro"
	ORC  = "orc"
	XML  = "xml"
	XLSX = "xlsx"
)

// ReadFormats lists the formats Read accepts; WriteFormats those Write does.
var (
	ReadFormats  = []string{CSV, JSON, Parquet, Text, Avro, ORC, XML, XLSX}
	WriteFormats = []string{CSV, JSON, Parquet, Avro}
)

// NewReadOptions returns the read option struct of a format (a pointer to
// one of the *ReadOptions types) with its defaults.
func NewReadOptions(format string) (any, error) {
	var v any
	switch strings.ToLower(format) {
	case CSV:
		v = &CSVReadOptions{}
	case JSON:
		v = &JSONReadOptions{}
	case Parquet:
		v = &ParquetReadOptions{}
	case Text:
		v = &TextReadOptions{}
	case Avro:
		v = &AvroReadOptions{}
	case ORC:
		v = &ORCReadOptions{}
	case XML:
		v = &XMLReadOptions{}
	case XLSX:
		v = &XLSXReadOptions{}
	default:
		return nil, fmt.Errorf("format %q cannot be read from files (%s)", format, strings.Join(ReadFormats, ", "))
	}
	if err := setDefaults(v); err != nil {
		return nil, err
	}
	return v, nil
}

// NewWriteOptions returns the write option struct of a format with its
// defaults.
func NewWriteOptions(format string) (any, error) {
	var v any
	switch strings.ToLower(format) {
	case CSV:
		v = &CSVWriteOptions{}
	case JSON:
		v = &JSONWriteOptions{}
	case Parquet:
		v = &ParquetWriteOptions{}
	case Avro:
		v = &AvroWriteOptions{}
	default:
		return nil, fmt.Errorf("format %q cannot be written to files (%s)", format, strings.Join(WriteFormats, ", "))
	}
	if err := setDefaults(v); err != nil {
		return nil, err
	}
	return v, nil
}

// ParseReadOptions fills the read option struct of a format from a
// manifest's options. An option the format does not take is an error that
// lists the ones it does.
func ParseReadOptions(format string, opts map[string]string) (any, error) {
	v, err := NewReadOptions(format)
	if err != nil {
		return nil, err
	}
	if err := decodeOptions(v, strings.ToLower(format)+" input", opts); err != nil {
		return nil, err
	}
	return v, nil
}

// ParseWriteOptions fills the write option struct of a format from a
// manifest's options, refusing options the format does not take.
func ParseWriteOptions(format string, opts map[string]string) (any, error) {
	v, err := NewWriteOptions(format)
	if err != nil {
		return nil, err
	}
	if err := decodeOptions(v, strings.ToLower(format)+" output", opts); err != nil {
		return nil, err
	}
	return v, nil
}

// ReadOptionNames lists the option names (with aliases) a format's reader
// accepts, sorted.
func ReadOptionNames(format string) ([]string, error) {
	v, err := NewReadOptions(format)
	if err != nil {
		return nil, err
	}
	return optionNames(v), nil
}

// WriteOptionNames lists the option names (with aliases) a format's writer
// accepts, sorted.
func WriteOptionNames(format string) ([]string, error) {
	v, err := NewWriteOptions(format)
	if err != nil {
		return nil, err
	}
	return optionNames(v), nil
}

// OptionField describes one option of an option struct, for generating
// specs and docs.
type OptionField struct {
	// Name is the Spark option name; Aliases are other accepted names.
	Name    string
	Aliases []string
	// Type is "string", "bool" or "int".
	Type string
	// Default is the value when not given ("" when none).
	Default string
	// Enum lists the allowed values, when restricted.
	Enum []string
	// Field is the Go field name.
	Field string
	// Status is "", "noeffect" or "refused"; Note says why.
	Status, Note string
}

// OptionFields describes the fields of an option struct (a value returned by
// NewReadOptions or NewWriteOptions).
func OptionFields(v any) []OptionField {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []OptionField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("opt")
		if !ok {
			continue
		}
		names := strings.Split(tag, ",")
		of := OptionField{Name: names[0], Aliases: names[1:], Default: f.Tag.Get("default"), Field: f.Name,
			Status: f.Tag.Get("status"), Note: f.Tag.Get("note")}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Bool:
			of.Type = "bool"
		case reflect.Int:
			of.Type = "int"
		default:
			of.Type = "string"
		}
		if e := f.Tag.Get("enum"); e != "" {
			of.Enum = strings.Split(e, "|")
		}
		out = append(out, of)
	}
	return out
}

func optionNames(v any) []string {
	var out []string
	for _, f := range OptionFields(v) {
		out = append(out, f.Name)
		out = append(out, f.Aliases...)
	}
	sort.Strings(out)
	return out
}

// normKey is how option names are matched: without case or underscores.
func normKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), "_", ""))
}

func setDefaults(v any) error {
	rv := reflect.ValueOf(v).Elem()
	for _, f := range OptionFields(v) {
		if f.Default == "" {
			continue
		}
		if err := setField(rv.FieldByName(f.Field), f, f.Default); err != nil {
			return fmt.Errorf("default of option %s: %w", f.Name, err)
		}
	}
	return nil
}

func decodeOptions(v any, what string, opts map[string]string) error {
	fields := OptionFields(v)
	byName := map[string]OptionField{}
	for _, f := range fields {
		byName[normKey(f.Name)] = f
		for _, a := range f.Aliases {
			byName[normKey(a)] = f
		}
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rv := reflect.ValueOf(v).Elem()
	seen := map[string]string{}
	for _, k := range keys {
		f, ok := byName[normKey(k)]
		if !ok {
			return fmt.Errorf("%s: unknown option %q (accepted: %s)", what, k, strings.Join(optionNames(v), ", "))
		}
		if prev, dup := seen[f.Name]; dup {
			return fmt.Errorf("%s: options %q and %q say the same thing", what, prev, k)
		}
		if f.Status == "refused" {
			return fmt.Errorf("%s: option %s is not supported yet: %s", what, f.Name, f.Note)
		}
		seen[f.Name] = k
		if err := setField(rv.FieldByName(f.Field), f, opts[k]); err != nil {
			return fmt.Errorf("%s: option %s: %w", what, f.Name, err)
		}
	}
	return nil
}

func setField(fv reflect.Value, f OptionField, val string) error {
	if len(f.Enum) > 0 {
		ok := false
		for _, e := range f.Enum {
			if strings.EqualFold(strings.TrimSpace(val), e) {
				ok = true
				val = e
				break
			}
		}
		if !ok {
			return fmt.Errorf("%q is not %s", val, orList(f.Enum))
		}
	}
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		fv.Set(p)
		fv = p.Elem()
	}
	switch fv.Kind() {
	case reflect.Bool:
		if strings.TrimSpace(val) == "" {
			return nil
		}
		b, err := strconv.ParseBool(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("%q is not true or false", val)
		}
		fv.SetBool(b)
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", val)
		}
		fv.SetInt(int64(n))
	default:
		fv.SetString(val)
	}
	return nil
}

// orList spells a list of choices: "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
