package connector

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadCase is one Read of a source and what it must give: the schema and
// rows as readTable prints them, or an error containing wantErr.
type loadCase struct {
	name    string
	src     Source
	schema  string
	rows    []string
	wantErr string
	// loaded says whether the rows must have been decoded in Go.
	loaded bool
}

func runRead(t *testing.T, cases []loadCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			rel, err := Read(ctx, conn, tc.src)
			if err == nil {
				defer rel.Close(ctx, conn)
			}
			var got table
			if err == nil {
				got, err = readConnTable(ctx, conn, rel.SQL)
				if err != nil {
					err = rel.ReadError(tc.src, err)
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rel.Loaded != tc.loaded {
				t.Errorf("loaded = %v, want %v", rel.Loaded, tc.loaded)
			}
			if got.schema != tc.schema {
				t.Errorf("schema\n got %s\nwant %s", got.schema, tc.schema)
			}
			if !reflect.DeepEqual(got.rows, tc.rows) {
				t.Errorf("rows\n got %q\nwant %q", got.rows, tc.rows)
			}
		})
	}
}

// readConnTable is readTable on one connection (temporary tables live on
// the connection that made them).
func readConnTable(ctx context.Context, conn *sql.Conn, expr string) (table, error) {
	var out table
	drows, err := conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+expr+")")
	if err != nil {
		return out, err
	}
	var cols []string
	for drows.Next() {
		var name, typ string
		if err := drows.Scan(&name, &typ); err != nil {
			drows.Close()
			return out, err
		}
		cols = append(cols, name+":"+typ)
	}
	drows.Close()
	out.schema = strings.Join(cols, ",")
	rows, err := conn.QueryContext(ctx, "SELECT COLUMNS(*)::VARCHAR FROM "+expr)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return out, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = "NULL"
			if v.Valid {
				parts[i] = v.String
			}
		}
		out.rows = append(out.rows, strings.Join(parts, "|"))
	}
	return out, rows.Err()
}

func TestReadText(t *testing.T) {
	lines := []string{"first line", "second, with comma", "third", "fourth ✓", "", "sixth (after an empty line)"}
	runRead(t, []loadCase{
		{name: "lines split on \\n, \\r\\n and \\r", src: Source{Path: td("text", "lines.txt"), Format: "text"},
			schema: "value:VARCHAR", rows: lines, loaded: true},
		{name: "gzip by suffix", src: Source{Path: td("text", "lines.txt.gz"), Format: "text"},
			schema: "value:VARCHAR", rows: lines, loaded: true},
		{name: "bzip2 by suffix", src: Source{Path: td("text", "lines.txt.bz2"), Format: "text"},
			schema: "value:VARCHAR", rows: lines, loaded: true},
		{name: "deflate by suffix", src: Source{Path: td("text", "lines.txt.deflate"), Format: "text"},
			schema: "value:VARCHAR", rows: lines, loaded: true},
		{name: "lineSep", src: Source{Path: td("text", "records.txt"), Format: "text", Options: map[string]string{"lineSep": "|"}},
			schema: "value:VARCHAR", rows: []string{"a", "b", "", "c"}, loaded: true},
		{name: "wholetext", src: Source{Path: td("text", "records.txt"), Format: "text", Options: map[string]string{"wholetext": "true"}},
			schema: "value:VARCHAR", rows: []string{"a|b||c|"}, loaded: true},
		{name: "a schema is refused", src: Source{Path: td("text", "lines.txt"), Format: "text", Options: map[string]string{"schema": "v STRING"}},
			wantErr: `text input: unknown option "schema"`},
		{name: "an unknown option is refused", src: Source{Path: td("text", "lines.txt"), Format: "text", Options: map[string]string{"multiLine": "true"}},
			wantErr: `text input: unknown option "multiLine" (accepted: codec, compression, lineSep, wholetext)`},
	})
}

func TestReadCompressedCSV(t *testing.T) {
	want := []string{"1|ann", "2|bob"}
	runRead(t, []loadCase{
		{name: "bzip2", src: Source{Path: td("csv", "people_small.csv.bz2"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true"}},
			schema: "id:BIGINT,name:VARCHAR", rows: want},
		{name: "deflate", src: Source{Path: td("csv", "people_small.csv.deflate"), Format: "csv", Options: map[string]string{"header": "true", "inferSchema": "true"}},
			schema: "id:BIGINT,name:VARCHAR", rows: want},
		{name: "gzip read by DuckDB", src: Source{Path: td("csv", "people.csv.gz"), Format: "csv", Options: map[string]string{"header": "true"}},
			schema: "id:VARCHAR,name:VARCHAR,born:VARCHAR,score:VARCHAR", rows: []string{"1|Smith, Ann|02/01/1990|1.5", "2|Bob|NA|2", "3|NULL|15/12/2001|NULL"}},
	})
	if _, err := ReadSQL(Source{Path: td("csv", "people_small.csv.bz2"), Format: "csv"}); err == nil || !strings.Contains(err.Error(), "bzip2-compressed, which DuckDB cannot read") {
		t.Errorf("ReadSQL of a bzip2 file: %v", err)
	}
}

const peopleAvroSchema = "id:BIGINT,name:VARCHAR,score:DOUBLE,born:DATE,seen:TIMESTAMP WITH TIME ZONE,tags:VARCHAR[],attrs:MAP(VARCHAR, INTEGER)," +
	"address:STRUCT(city VARCHAR, zip VARCHAR),price:DECIMAL(10,2),active:BOOLEAN,kind:VARCHAR,home:STRUCT(city VARCHAR, zip VARCHAR)"

var peopleAvroRows = []string{
	"1|ann|9.5|1990-01-02|2024-03-01 10:00:00.123456+00|[a, b]|{x=1}|{'city': NY, 'zip': 10001}|12.34|true|A|{'city': Albany, 'zip': NULL}",
	"2|bob|NULL|NULL|2024-03-02 00:00:00+00|[]|{}|NULL|-0.50|false|B|NULL",
	"3|cy ✓|-1.25|2001-12-31|1999-12-31 23:59:59+00|[c]|{y=2, z=3}|{'city': LA, 'zip': NULL}|99999999.99|true|A|NULL",
}

func TestReadAvro(t *testing.T) {
	var cases []loadCase
	for _, f := range []string{"people.avro", "people_null.avro", "people_deflate.avro", "people_zstd.avro"} {
		cases = append(cases, loadCase{name: f, src: Source{Path: td("avro", f), Format: "avro"},
			schema: peopleAvroSchema, rows: peopleAvroRows, loaded: true})
	}
	fastavroRows := []string{
		"12345678-1234-5678-1234-567812345678|2024-03-01 10:00:00.5|13:45:30.25|1234.567|1.5|\\x01\\x02",
		"00000000-0000-0000-0000-000000000001|1970-01-01 00:00:00|00:00:00|-0.001|-0.25|ab",
	}
	fastavroSchema := "id:VARCHAR,at:TIMESTAMP,t:TIME,amount:DECIMAL(12,3),f:FLOAT,raw:BLOB"
	cases = append(cases,
		loadCase{name: "fastavro bzip2", src: Source{Path: td("avro", "events_fastavro_bzip2.avro"), Format: "avro"},
			schema: fastavroSchema, rows: fastavroRows, loaded: true},
		loadCase{name: "fastavro deflate", src: Source{Path: td("avro", "events_fastavro_deflate.avro"), Format: "avro"},
			schema: fastavroSchema, rows: fastavroRows, loaded: true},
		loadCase{name: "files of evolving schemas with avroSchema", src: Source{Path: td("avro", "evolve"), Format: "avro", Options: map[string]string{
			"avroSchema": `{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":["null","string"],"default":null}]}`}},
			schema: "id:BIGINT,name:VARCHAR,email:VARCHAR", rows: []string{"1|ann|NULL", "2|bob|NULL", "3|cy|cy@example.com"}, loaded: true},
		loadCase{name: "files of evolving schemas take the first file's", src: Source{Path: td("avro", "evolve"), Format: "avro"},
			schema: "id:BIGINT,name:VARCHAR", rows: []string{"1|ann", "2|bob", "3|cy"}, loaded: true},
		loadCase{name: "schema option picks and casts", src: Source{Path: td("avro", "people.avro"), Format: "avro", Options: map[string]string{"schema": "name STRING, id INT"}},
			schema: "name:VARCHAR,id:INTEGER", rows: []string{"ann|1", "bob|2", "cy ✓|3"}, loaded: true},
		loadCase{name: "union of several types", src: Source{Path: td("avro", "union.avro"), Format: "avro"},
			wantErr: "field v: a union of several non-null types is not supported yet"},
		loadCase{name: "not an avro file", src: Source{Path: td("csv", "people.csv"), Format: "avro"},
			wantErr: "not an Avro file"},
		loadCase{name: "an incompatible reader schema", src: Source{Path: td("avro", "people.avro"), Format: "avro", Options: map[string]string{
			"avroSchema": `{"type":"record","name":"Person","namespace":"flare.test","fields":[{"name":"id","type":"string"}]}`}},
			wantErr: td("avro", "people.avro")},
	)
	runRead(t, cases)
}

func TestReadAvroManyBlocks(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rel, err := Read(ctx, conn, Source{Path: td("avro", "many_blocks.avro"), Format: "avro"})
	if err != nil {
		t.Fatal(err)
	}
	var n, sum int64
	var last string
	if err := conn.QueryRowContext(ctx, "SELECT count(*), sum(id), max_by(name, id) FROM "+rel.SQL).Scan(&n, &sum, &last); err != nil {
		t.Fatal(err)
	}
	if n != 5000 || sum != 4999*5000/2 || last != "user-4999" || rel.Rows != 5000 {
		t.Errorf("count %d sum %d last %s rows %d", n, sum, last, rel.Rows)
	}
	if err := rel.Close(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.QueryContext(ctx, "SELECT * FROM "+rel.SQL); err == nil {
		t.Error("the load table outlived Close")
	}
}

func TestReadAvroCorrupt(t *testing.T) {
	// A file cut in the middle of a block: the error names the file and
	// the record.
	data := readFile(t, td("avro", "many_blocks.avro"))
	path := writeTemp(t, "cut.avro", data[:len(data)/2])
	ctx := context.Background()
	db := openDB(t)
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	_, err := Read(ctx, conn, Source{Path: path, Format: "avro"})
	var me *MalformedError
	if !errors.As(err, &me) || me.File != path || me.Record == 0 {
		t.Fatalf("error = %v, want a MalformedError naming %s and a record", err, path)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadXML(t *testing.T) {
	books := map[string]string{"rowTag": "book"}
	booksSchema := "_available:BOOLEAN,_id:VARCHAR,author:VARCHAR,description:VARCHAR,genre:VARCHAR," +
		"price:STRUCT(_VALUE DOUBLE, _currency VARCHAR),publish_date:DATE,tags:STRUCT(tag VARCHAR[]),title:VARCHAR"
	booksRows := []string{
		"NULL|bk101|Gambardella, Matthew|NULL|Computer|{'_VALUE': 44.95, '_currency': NULL}|2000-10-01|{'tag': [xml, dev]}|XML Developer's Guide",
		"NULL|bk102|Ralls, Kim|A former <architect> battles|NULL|{'_VALUE': 5.95, '_currency': EUR}|2000-12-16|{'tag': [fantasy]}|Midnight Rain & more",
		"false|bk103|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
	}
	badRows := func(mode string) map[string]string {
		return map[string]string{"rowTag": "row", "mode": mode, "schema": "id INT, name STRING"}
	}
	runRead(t, []loadCase{
		{name: "inferred schema, attributes, arrays, valueTag", src: Source{Path: td("xml", "books.xml"), Format: "xml", Options: books},
			schema: booksSchema, rows: booksRows, loaded: true},
		{name: "gzip", src: Source{Path: td("xml", "books_gz.xml.gz"), Format: "xml", Options: books},
			schema: booksSchema, rows: booksRows, loaded: true},
		{name: "rootTag that matches", src: Source{Path: td("xml", "books.xml"), Format: "xml", Options: map[string]string{"rowTag": "book", "rootTag": "catalog"}},
			schema: booksSchema, rows: booksRows, loaded: true},
		{name: "rootTag that does not match", src: Source{Path: td("xml", "books.xml"), Format: "xml", Options: map[string]string{"rowTag": "book", "rootTag": "library"}},
			wantErr: "the document element is <catalog>, not the rootTag <library>"},
		{name: "attributePrefix, valueTag, inferSchema false", src: Source{Path: td("xml", "books.xml"), Format: "xml",
			Options: map[string]string{"rowTag": "book", "attributePrefix": "@", "valueTag": "#text", "inferSchema": "false"}},
			schema: "@available:VARCHAR,@id:VARCHAR,author:VARCHAR,description:VARCHAR,genre:VARCHAR," +
				"price:STRUCT(\"#text\" VARCHAR, \"@currency\" VARCHAR),publish_date:VARCHAR,tags:STRUCT(tag VARCHAR[]),title:VARCHAR",
			rows: []string{
				"NULL|bk101|Gambardella, Matthew|NULL|Computer|{'#text': 44.95, '@currency': NULL}|2000-10-01|{'tag': [xml, dev]}|XML Developer's Guide",
				"NULL|bk102|Ralls, Kim|A former <architect> battles|NULL|{'#text': 5.95, '@currency': EUR}|2000-12-16|{'tag': [fantasy]}|Midnight Rain & more",
				"false|bk103|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
			}, loaded: true},
		{name: "excludeAttribute and a given schema", src: Source{Path: td("xml", "books.xml"), Format: "xml",
			Options: map[string]string{"rowTag": "book", "excludeAttribute": "true", "schema": "title STRING, price DOUBLE, tags STRUCT<tag: ARRAY<STRING>>"}},
			schema: "title:VARCHAR,price:DOUBLE,tags:STRUCT(tag VARCHAR[])",
			rows:   []string{"XML Developer's Guide|44.95|{'tag': [xml, dev]}", "Midnight Rain & more|5.95|{'tag': [fantasy]}", "NULL|NULL|NULL"}, loaded: true},
		{name: "FAILFAST names file, record and line", src: Source{Path: td("xml", "bad.xml"), Format: "xml", Options: badRows("FAILFAST")},
			wantErr: "malformed row in " + td("xml", "bad.xml") + " record 2 line 3: not well-formed XML"},
		{name: "DROPMALFORMED", src: Source{Path: td("xml", "bad.xml"), Format: "xml", Options: badRows("DROPMALFORMED")},
			schema: "id:INTEGER,name:VARCHAR", rows: []string{"1|ann", "4|dee"}, loaded: true},
		{name: "PERMISSIVE with columnNameOfCorruptRecord", src: Source{Path: td("xml", "bad.xml"), Format: "xml",
			Options: map[string]string{"rowTag": "row", "mode": "PERMISSIVE", "schema": "id INT, name STRING", "columnNameOfCorruptRecord": "_corrupt"}},
			schema: "id:INTEGER,name:VARCHAR,_corrupt:VARCHAR",
			rows: []string{"1|ann|NULL", "NULL|NULL|<row><id>2</id><name>bob</nam></row>",
				"NULL|cy|<row><id>three</id><name>cy</name></row>", "4|dee|NULL"}, loaded: true},
		{name: "a bad value under FAILFAST", src: Source{Path: td("xml", "bad.xml"), Format: "xml", Options: map[string]string{"rowTag": "row", "schema": "id INT, name STRING", "mode": "FAILFAST"}},
			wantErr: "record 2"},
		{name: "namespaces kept", src: Source{Path: td("xml", "ns.xml"), Format: "xml", Options: map[string]string{"rowTag": "x:item"}},
			schema: "_y:lang:VARCHAR,x:id:BIGINT,x:when:TIMESTAMP WITH TIME ZONE",
			rows:   []string{"en|1|2024-03-01 10:00:00+00", "de|2|2024-03-02 10:30:00+00"}, loaded: true},
		{name: "ignoreNamespace", src: Source{Path: td("xml", "ns.xml"), Format: "xml", Options: map[string]string{"rowTag": "x:item", "ignoreNamespace": "true"}},
			schema: "_lang:VARCHAR,id:BIGINT,when:TIMESTAMP WITH TIME ZONE",
			rows:   []string{"en|1|2024-03-01 10:00:00+00", "de|2|2024-03-02 10:30:00+00"}, loaded: true},
		{name: "encoding from the declaration", src: Source{Path: td("xml", "latin1.xml"), Format: "xml", Options: map[string]string{"rowTag": "p"}},
			schema: "n:VARCHAR", rows: []string{"café"}, loaded: true},
		{name: "dateFormat, timestampFormat, nullValue", src: Source{Path: td("xml", "dates.xml"), Format: "xml",
			Options: map[string]string{"rowTag": "e", "dateFormat": "dd/MM/yyyy", "timestampFormat": "dd/MM/yyyy HH:mm:ss", "nullValue": "NA"}},
			schema: "d:DATE,t:TIMESTAMP WITH TIME ZONE,v:BIGINT",
			rows:   []string{"2024-02-01|2024-02-01 10:30:00+00|NULL", "1999-12-31|1999-12-31 23:59:59+00|7"}, loaded: true},
		{name: "no rows", src: Source{Path: td("xml", "books.xml"), Format: "xml", Options: map[string]string{"rowTag": "magazine"}},
			wantErr: "no <magazine> element"},
		{name: "an unknown option", src: Source{Path: td("xml", "books.xml"), Format: "xml", Options: map[string]string{"rowTag": "book", "rowValidationXSDPath": "x.xsd"}},
			wantErr: `xml input: unknown option "rowValidationXSDPath"`},
	})
}

func TestReadXLSX(t *testing.T) {
	people := td("xlsx", "people.xlsx")
	runRead(t, []loadCase{
		{name: "first sheet as text Excel shows", src: Source{Path: people, Format: "xlsx"},
			schema: "id:VARCHAR,name:VARCHAR,born:VARCHAR,score:VARCHAR,active:VARCHAR,note:VARCHAR,seen:VARCHAR",
			rows: []string{"1|ann|01-02-90|1,234.50|TRUE|first|3/1/24 10:30", "2|bob|NULL|0.25|FALSE|NULL|NULL",
				"3|cy|12-31-01|-7.00|TRUE|NULL|12/31/99 23:59"}, loaded: true},
		{name: "inferSchema types cells", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"inferSchema": "true"}},
			schema: "id:DOUBLE,name:VARCHAR,born:TIMESTAMP WITH TIME ZONE,score:DOUBLE,active:BOOLEAN,note:VARCHAR,seen:TIMESTAMP WITH TIME ZONE",
			rows: []string{"1.0|ann|1990-01-02 00:00:00+00|1234.5|true|first|2024-03-01 10:30:00+00", "2.0|bob|NULL|0.25|false|NULL|NULL",
				"3.0|cy|2001-12-31 00:00:00+00|-7.0|true|NULL|1999-12-31 23:59:00+00"}, loaded: true},
		{name: "usePlainNumberFormat", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"usePlainNumberFormat": "true", "dataAddress": "A1:D4"}},
			schema: "id:VARCHAR,name:VARCHAR,born:VARCHAR,score:VARCHAR",
			rows:   []string{"1|ann|01-02-90|1234.5", "2|bob|NULL|0.25", "3|cy|12-31-01|-7"}, loaded: true},
		{name: "a schema", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"schema": "id INT, name STRING, born DATE, score DECIMAL(10,2), active BOOLEAN"}},
			schema: "id:INTEGER,name:VARCHAR,born:DATE,score:DECIMAL(10,2),active:BOOLEAN",
			rows:   []string{"1|ann|1990-01-02|1234.50|true", "2|bob|NULL|0.25|false", "3|cy|2001-12-31|-7.00|true"}, loaded: true},
		{name: "dataAddress with a sheet and a range", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"dataAddress": "'Offset'!B3:D6", "inferSchema": "true"}},
			schema: "region:VARCHAR,q1:DOUBLE,q2:DOUBLE", rows: []string{"north|10.0|11.0", "south|20.0|21.0", "east|30.0|31.0"}, loaded: true},
		{name: "sheetName with an open range", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"sheetName": "Offset", "dataAddress": "B3", "header": "false"}},
			schema: "_c0:VARCHAR,_c1:VARCHAR,_c2:VARCHAR",
			rows:   []string{"region|q1|q2", "north|10|11", "south|20|21", "east|30|31", "total (not data)|NULL|NULL"}, loaded: true},
		// A cell never written stays NULL; a cell holding empty text is "".
		{name: "treatEmptyValuesAsNulls false", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"dataAddress": "E1:F4", "treatEmptyValuesAsNulls": "false"}},
			schema: "active:VARCHAR,note:VARCHAR", rows: []string{"TRUE|first", "FALSE|NULL", "TRUE|"}, loaded: true},
		{name: "a cell that does not fit the schema", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"schema": "id INT, name INT"}},
			wantErr: "malformed row in " + people + " (sheet People, cell B2): column name: \"ann\" is not a integer"},
		{name: "DROPMALFORMED drops such rows", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"schema": "id INT, note DOUBLE", "dataAddress": "A1:A4", "mode": "DROPMALFORMED"}},
			schema: "id:INTEGER,note:DOUBLE", rows: []string{"1|NULL", "2|NULL", "3|NULL"}, loaded: true},
		{name: "an encrypted workbook", src: Source{Path: td("xlsx", "secret.xlsx"), Format: "xlsx", Options: map[string]string{"workbookPassword": "flare", "inferSchema": "true"}},
			schema: "k:VARCHAR,v:DOUBLE", rows: []string{"a|1.0"}, loaded: true},
		{name: "an encrypted workbook without a password", src: Source{Path: td("xlsx", "secret.xlsx"), Format: "xlsx"},
			wantErr: "secret.xlsx"},
		{name: "a missing sheet", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"sheetName": "Nope"}},
			wantErr: `no sheet "Nope" (sheets: People, Offset)`},
		{name: "a bad dataAddress", src: Source{Path: people, Format: "xlsx", Options: map[string]string{"dataAddress": "B3:A1"}},
			wantErr: "the range ends before it starts"},
	})
}

func TestReadORC(t *testing.T) {
	schema := "b:BOOLEAN,i8:TINYINT,i16:SMALLINT,i32:INTEGER,i64:BIGINT,f32:FLOAT,f64:DOUBLE,s:VARCHAR,bin:BLOB,d:DATE,ts:TIMESTAMP," +
		"dec:DECIMAL(10,2),lst:INTEGER[],st:STRUCT(city VARCHAR, zip INTEGER),m:MAP(VARCHAR, INTEGER)"
	rows := []string{
		"true|1|300|70000|1099511627776|1.5|3.14159|ann|\\x00\\x01|1990-01-02|2024-03-01 10:00:00.123456|12.34|[1, 2]|{'city': NY, 'zip': 10001}|{x=1}",
		"false|-2|-300|-70000|-1099511627776|-2.25|-1e+100|bob ✓||1969-12-31|1960-01-01 00:00:00.5|-0.50|[]|{'city': LA, 'zip': NULL}|{}",
		"NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"true|127|32767|2147483647|9223372036854775807|0.0|0.5||xyz|2024-02-29|2015-01-01 00:00:00.000001|99999999.99|[3]|{'city': SF, 'zip': 94016}|{y=2, z=3}",
	}
	var cases []loadCase
	for _, c := range []string{"uncompressed", "zlib", "snappy", "zstd", "lz4"} {
		cases = append(cases, loadCase{name: c, src: Source{Path: td("orc", "types_"+c+".orc"), Format: "orc"}, schema: schema, rows: rows, loaded: true})
	}
	cases = append(cases,
		loadCase{name: "schema option", src: Source{Path: td("orc", "types_zlib.orc"), Format: "orc", Options: map[string]string{"schema": "s STRING, i32 BIGINT"}},
			schema: "s:VARCHAR,i32:BIGINT", rows: []string{"ann|70000", "bob ✓|-70000", "NULL|NULL", "|2147483647"}, loaded: true},
		loadCase{name: "not an ORC file", src: Source{Path: td("avro", "people.avro"), Format: "orc"}, wantErr: "not an ORC file"},
		loadCase{name: "an unknown option", src: Source{Path: td("orc", "types_zlib.orc"), Format: "orc", Options: map[string]string{"mergeSchema": "true"}},
			wantErr: `orc input: unknown option "mergeSchema" (accepted: schema)`},
	)
	runRead(t, cases)
}

// TestReadORCMany: two stripes of 20,000 rows in every integer encoding;
// the figures are pyarrow's (make_fixtures.py).
func TestReadORCMany(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	rel, err := Read(ctx, conn, Source{Path: td("orc", "many.orc"), Format: "orc"})
	if err != nil {
		t.Fatal(err)
	}
	defer rel.Close(ctx, conn)
	var got string
	q := "SELECT concat_ws(' ', count(*), sum(id), sum(grp), sum(rep), sum(jump), count(DISTINCT name), count(DISTINCT uniq), count(*) - count(x), sum(flag::INT), round(sum(x), 5)) FROM " + rel.SQL
	if err := conn.QueryRowContext(ctx, q).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "20000 199990000 59997 100000 45035996283684960 100 20000 1819 6667 60600606.33333"; got != want {
		t.Errorf("aggregates %s, want %s", got, want)
	}
	var id int64
	var name string
	if err := conn.QueryRowContext(ctx, "SELECT id, name FROM "+rel.SQL+" WHERE uniq = 'u12345'").Scan(&id, &name); err != nil || id != 12345 || name != "user-45" {
		t.Errorf("row u12345 = %d %s %v", id, name, err)
	}
}

func TestReadORCTruncated(t *testing.T) {
	data := readFile(t, td("orc", "many.orc"))
	// Keep the tail (so the footer parses) but damage the stripes.
	bad := append([]byte(nil), data...)
	for i := 100; i < len(bad)/2; i++ {
		bad[i] = 0xff
	}
	path := writeTemp(t, "bad.orc", bad)
	ctx := context.Background()
	db := openDB(t)
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	_, err := Read(ctx, conn, Source{Path: path, Format: "orc"})
	var me *MalformedError
	if !errors.As(err, &me) || me.File != path {
		t.Fatalf("error = %v, want a MalformedError naming %s", err, path)
	}
}

func TestReadEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "day")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(folder, "1.csv"), "id,name\n1,a\n")
	writeFile(t, filepath.Join(folder, "2.csv"), "")
	writeFile(t, filepath.Join(folder, "3.csv"), "id,name\n3,c\n")
	empty := filepath.Join(dir, "empty.csv")
	writeFile(t, empty, "")
	emptyJSON := filepath.Join(dir, "empty.json")
	writeFile(t, emptyJSON, "")
	jsonFolder := filepath.Join(dir, "events")
	if err := os.MkdirAll(jsonFolder, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(jsonFolder, "a.json"), `{"id":1}`+"\n")
	writeFile(t, filepath.Join(jsonFolder, "b.json"), "")
	headerOnly := filepath.Join(dir, "header.csv")
	writeFile(t, headerOnly, "id,name\n")
	csvHeader := map[string]string{"header": "true", "inferSchema": "true"}
	runRead(t, []loadCase{
		{
			name:   "an empty file among others is left out",
			src:    Source{Path: folder, Format: "csv", Options: csvHeader},
			schema: "id:BIGINT,name:VARCHAR",
			rows:   []string{"1|a", "3|c"},
		},
		{
			name:   "an empty json file among others is left out",
			src:    Source{Path: jsonFolder, Format: "json"},
			schema: "id:BIGINT",
			rows:   []string{"1"},
		},
		{
			name:    "an empty csv file alone has no columns",
			src:     Source{Path: empty, Format: "csv", Options: csvHeader},
			wantErr: "empty.csv is empty (0 bytes)",
		},
		{
			name:    "an empty json file alone has no columns",
			src:     Source{Path: emptyJSON, Format: "json"},
			wantErr: "empty.json is empty (0 bytes)",
		},
		{
			name:   "an empty csv file with a schema has no rows",
			src:    Source{Path: empty, Format: "csv", Options: map[string]string{"header": "true", "schema": "id INT, name STRING"}},
			schema: "id:INTEGER,name:VARCHAR",
		},
		{
			name:   "a header-only csv file has columns and no rows",
			src:    Source{Path: headerOnly, Format: "csv", Options: map[string]string{"header": "true"}},
			schema: "id:VARCHAR,name:VARCHAR",
		},
	})
}

func TestReadLongIntegers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ids.csv")
	writeFile(t, path, "id,amount,ratio\n12345678901234567890123,1.5,0.25\n7,2,0.5\n")
	ctx := context.Background()
	db := openDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cases := []struct {
		name   string
		opts   map[string]string
		schema string
		rows   []string
		notes  int
	}{
		{
			name:   "inferred: long whole numbers stay text",
			opts:   map[string]string{"header": "true", "inferSchema": "true"},
			schema: "id:VARCHAR,amount:DOUBLE,ratio:DOUBLE",
			rows:   []string{"12345678901234567890123|1.5|0.25", "7|2.0|0.5"},
			notes:  1,
		},
		{
			name:   "a schema decides",
			opts:   map[string]string{"header": "true", "schema": "id DECIMAL(38,0), amount DOUBLE, ratio DOUBLE"},
			schema: "id:DECIMAL(38,0),amount:DOUBLE,ratio:DOUBLE",
			rows:   []string{"12345678901234567890123|1.5|0.25", "7|2.0|0.5"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rel, err := Read(ctx, conn, Source{Path: path, Format: "csv", Options: tc.opts})
			if err != nil {
				t.Fatal(err)
			}
			defer rel.Close(ctx, conn)
			got, err := readConnTable(ctx, conn, rel.SQL)
			if err != nil {
				t.Fatal(err)
			}
			if got.schema != tc.schema {
				t.Errorf("schema = %s, want %s", got.schema, tc.schema)
			}
			if !reflect.DeepEqual(got.rows, tc.rows) {
				t.Errorf("rows = %q, want %q", got.rows, tc.rows)
			}
			if len(rel.Notes) != tc.notes {
				t.Errorf("notes = %q, want %d", rel.Notes, tc.notes)
			}
			if tc.notes > 0 && !strings.Contains(rel.Notes[0], "column id") {
				t.Errorf("note %q does not name column id", rel.Notes[0])
			}
		})
	}
}
