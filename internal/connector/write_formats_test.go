package connector

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/twmb/avro/ocf"
)

// rich is a relation with every type the Avro writer maps.
const rich = `(SELECT * FROM (VALUES
	(1::TINYINT, 2::SMALLINT, 3::INTEGER, 4::BIGINT, 1.5::FLOAT, 2.25::DOUBLE, 'ann'::VARCHAR, '\x01\x02'::BLOB,
	 DATE '1990-01-02', TIMESTAMPTZ '2024-03-01 10:00:00.123456+00', TIMESTAMP '2024-03-01 10:00:00', TIME '13:45:30.25',
	 12.34::DECIMAL(10,2), 123456789012.345678::DECIMAL(24,6), true, ['a', 'b'], {'city': 'NY', 'zip': 10001}, MAP {'x': 1}, '12345678-1234-5678-1234-567812345678'::UUID),
	(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(-1, -2, -3, -4, -0.5, 1e100, '✓', '', DATE '1969-12-31', TIMESTAMPTZ '1960-01-01 00:00:00+00', TIMESTAMP '1960-01-01 00:00:00', TIME '00:00:00',
	 -0.50, -1.000001, false, [], {'city': NULL, 'zip': NULL}, MAP {}, NULL)
) v(ti, si, i, bi, f, d, s, b, dt, tstz, ts, tm, dec, bigdec, bo, lst, st, mp, u))`

func TestWriteAvroRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want, err := readConnTable(ctx, conn, "(SELECT * FROM "+rich+" ORDER BY i NULLS LAST)")
	if err != nil {
		t.Fatal(err)
	}
	for _, codec := range []string{"", "snappy", "deflate", "zstandard", "uncompressed"} {
		t.Run("codec "+codec, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out.avro")
			res, err := Write(ctx, conn, rich, Sink{Path: path, Format: "avro", Compression: codec})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 3 || res.Files != 1 {
				t.Errorf("result %+v", res)
			}
			wantCodec := map[string]string{"": "snappy", "uncompressed": "null"}[codec]
			if wantCodec == "" {
				wantCodec = codec
			}
			if got := avroFileCodec(t, path); got != wantCodec {
				t.Errorf("file codec %q, want %q", got, wantCodec)
			}
			rel, err := Read(ctx, conn, Source{Path: path, Format: "avro"})
			if err != nil {
				t.Fatal(err)
			}
			defer rel.Close(ctx, conn)
			got, err := readConnTable(ctx, conn, "(SELECT * FROM "+rel.SQL+" ORDER BY i NULLS LAST)")
			if err != nil {
				t.Fatal(err)
			}
			// Avro has no 8- or 16-bit integers (int), no unsigned, and
			// UUIDs are strings; the rest comes back as written.
			wantSchema := strings.NewReplacer("ti:TINYINT", "ti:INTEGER", "si:SMALLINT", "si:INTEGER", "u:UUID", "u:VARCHAR").Replace(want.schema)
			if got.schema != wantSchema {
				t.Errorf("schema\n got %s\nwant %s", got.schema, wantSchema)
			}
			if !reflect.DeepEqual(got.rows, want.rows) {
				t.Errorf("rows\n got %q\nwant %q", got.rows, want.rows)
			}
		})
	}
}

func avroFileCodec(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ocf.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if c, ok := r.Metadata()["avro.codec"]; ok {
		return string(c)
	}
	return "null" // the spec's default when the header names none
}

func TestWriteAvroPartitioned(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	dir := filepath.Join(t.TempDir(), "out")
	src := "(SELECT * FROM (VALUES (1, 'ann', 'NY'), (2, 'bob', 'CA'), (3, 'cy', 'NY'), (4, 'dee', NULL), (5, 'eve', 'a/b')) v(id, name, state))"
	res, err := Write(ctx, conn, src, Sink{Path: dir, Format: "avro", PartitionBy: []string{"state"},
		Options: map[string]string{"recordName": "Person", "recordNamespace": "flare.out"}})
	if err != nil {
		t.Fatal(err)
	}
	got := keys(snapshot(t, dir))
	for i := range got {
		got[i] = filepath.Dir(got[i])
	}
	want := []string{"state=CA", "state=NY", "state=__HIVE_DEFAULT_PARTITION__", "state=a%2Fb"}
	if !reflect.DeepEqual(got, want) || res.Files != 4 || res.Rows != 5 {
		t.Fatalf("folders %v (%+v), want %v", got, res, want)
	}
	rel, err := Read(ctx, conn, Source{Path: filepath.Join(dir, "state=NY"), Format: "avro"})
	if err != nil {
		t.Fatal(err)
	}
	back, err := readConnTable(ctx, conn, "(SELECT * FROM "+rel.SQL+" ORDER BY id)")
	if err != nil {
		t.Fatal(err)
	}
	if back.schema != "id:INTEGER,name:VARCHAR" || !reflect.DeepEqual(back.rows, []string{"1|ann", "3|cy"}) {
		t.Errorf("state=NY holds %s %v", back.schema, back.rows)
	}
}

func TestWriteAvroRefused(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	for name, tc := range map[string]struct{ src, err string }{
		"interval":             {"(SELECT INTERVAL 1 DAY AS d)", "column d: type INTERVAL cannot be written to Avro"},
		"map with an int key":  {"(SELECT MAP {1: 'a'} AS m)", "Avro map keys are strings"},
		"hugeint":              {"(SELECT 1::HUGEINT AS h)", "cannot be written to Avro"},
		"avroSchema misses it": {"(SELECT 1 AS a)", "field b is not a column"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := Sink{Path: filepath.Join(dir, "out.avro"), Format: "avro"}
			if name == "avroSchema misses it" {
				s.Options = map[string]string{"avroSchema": `{"type":"record","name":"r","fields":[{"name":"b","type":"int"}]}`}
			}
			_, err := Write(ctx, db, tc.src, s)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
			assertNoLeftovers(t, dir)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused write left %v", entries)
			}
		})
	}
}

func TestWriteOptions(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	src := "(SELECT * FROM (VALUES (1, 'a;b', DATE '2024-03-01', TIMESTAMP '2024-03-01 10:30:00'), (2, NULL, NULL, NULL)) v(id, s, d, ts))"
	cases := []struct {
		name string
		sink Sink
		want string // content of the one file written
	}{
		{"csv delimiter, no header, nullValue, formats", Sink{Path: "out.csv", Format: "csv", Options: map[string]string{
			"sep": ";", "header": "false", "nullValue": "NA", "dateFormat": "dd/MM/yyyy", "timestampFormat": "dd/MM/yyyy HH:mm"}},
			"1;\"a;b\";01/03/2024;01/03/2024 10:30\n2;NA;NA;NA\n"},
		{"csv quote and escape", Sink{Path: "out.csv", Format: "csv", Options: map[string]string{"sep": ";", "quote": "'", "escape": "\\"}},
			"id;s;d;ts\n1;'a;b';2024-03-01;2024-03-01 10:30:00\n2;;;\n"},
		{"json date formats", Sink{Path: "out.json", Format: "json", Options: map[string]string{"dateFormat": "yyyy/MM/dd", "timestampFormat": "yyyy-MM-dd'T'HH:mm"}},
			"{\"id\":1,\"s\":\"a;b\",\"d\":\"2024/03/01\",\"ts\":\"2024-03-01T10:30\"}\n{\"id\":2,\"s\":null,\"d\":null,\"ts\":null}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.sink
			s.Path = filepath.Join(t.TempDir(), s.Path)
			if _, err := Write(ctx, db, src, s); err != nil {
				t.Fatal(err)
			}
			if got := string(readFile(t, s.Path)); got != tc.want {
				t.Errorf("wrote\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestWriteDeflate(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	conn, _ := db.Conn(ctx)
	defer conn.Close()
	for _, tc := range []struct{ name, path, format string }{
		{"csv part files", "out", "csv"},
		{"one json file", "out.json.deflate", "json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.path)
			if _, err := Write(ctx, conn, people, Sink{Path: path, Format: tc.format, Options: map[string]string{"compression": "deflate"}}); err != nil {
				t.Fatal(err)
			}
			files := keys(snapshot(t, filepath.Dir(path)))
			for _, f := range files {
				if !strings.HasSuffix(f, "."+tc.format+".deflate") {
					t.Errorf("file %s does not end in .%s.deflate", f, tc.format)
				}
			}
			opts := map[string]string{}
			if tc.format == CSV {
				opts = map[string]string{"header": "true"}
			}
			rel, err := Read(ctx, conn, Source{Path: path, Format: tc.format, Options: opts})
			if err != nil {
				t.Fatal(err)
			}
			defer rel.Close(ctx, conn)
			got, err := readConnTable(ctx, conn, "(SELECT * FROM "+rel.SQL+" ORDER BY id)")
			if err != nil {
				t.Fatal(err)
			}
			if len(got.rows) != 3 || !strings.HasPrefix(got.rows[0], "1|ann|NY") {
				t.Errorf("read back %v", got.rows)
			}
		})
	}
}
