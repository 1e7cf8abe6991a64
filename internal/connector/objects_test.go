package connector

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/objstore"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

func uploadFixture(t *testing.T, s *objstore.Store, key, local string) {
	t.Helper()
	if err := s.Upload(context.Background(), local, key); err != nil {
		t.Fatal(err)
	}
}

func objectKeys(t *testing.T, s *objstore.Store, prefix string) []string {
	t.Helper()
	objs, err := s.List(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, o := range objs {
		out = append(out, strings.TrimPrefix(o.Key, prefix))
	}
	return out
}

// TestReadObjects reads files of every kind of reader from S3: DuckDB's
// (csv folder, a glob), Go's (avro, xml), and names objects in errors.
func TestReadObjects(t *testing.T) {
	s, prefix := s3test.Store(t)
	url := func(k string) string { return "s3://" + s.Bucket() + "/" + prefix + k }
	uploadFixture(t, s, prefix+"csv/a.csv", td("csv", "folder", "a.csv"))
	uploadFixture(t, s, prefix+"csv/b.csv", td("csv", "folder", "b.csv"))
	uploadFixture(t, s, prefix+"csv/_SUCCESS", td("csv", "folder", "_SUCCESS"))
	uploadFixture(t, s, prefix+"csv/.hidden/c.csv", td("csv", "folder", "a.csv"))
	uploadFixture(t, s, prefix+"csv/sub/d.csv", td("csv", "folder", "sub", "d.csv"))
	uploadFixture(t, s, prefix+"csv/notes.txt", td("csv", "folder", "notes.txt"))
	uploadFixture(t, s, prefix+"people.avro", td("avro", "people.avro"))
	uploadFixture(t, s, prefix+"xml/books.xml", td("xml", "books.xml"))
	uploadFixture(t, s, prefix+"bad/bad_row.csv", td("csv", "bad_row.csv"))
	uploadFixture(t, s, prefix+"bad/bad.xml", td("xml", "bad.xml"))
	uploadFixture(t, s, prefix+"small.csv.bz2", td("csv", "people_small.csv.bz2"))

	local, err := runReadOnce(Source{Path: td("csv", "folder"), Format: "csv", Options: map[string]string{"header": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	runRead(t, []loadCase{
		{name: "a folder of csv files", src: Source{Path: url("csv"), Format: "csv", Store: s, Options: map[string]string{"header": "true"}},
			schema: local.schema, rows: local.rows},
		{name: "a glob", src: Source{Path: url("csv/*.csv"), Format: "csv", Store: s, Options: map[string]string{"header": "true"}},
			schema: local.schema, rows: local.rows[:2]},
		{name: "an avro object", src: Source{Path: url("people.avro"), Format: "avro", Store: s},
			schema: peopleAvroSchema, rows: peopleAvroRows, loaded: true},
		{name: "a bzip2 csv object", src: Source{Path: url("small.csv.bz2"), Format: "csv", Store: s, Options: map[string]string{"header": "true", "inferSchema": "true"}},
			schema: "id:BIGINT,name:VARCHAR", rows: []string{"1|ann", "2|bob"}},
		{name: "an xml folder", src: Source{Path: url("xml"), Format: "xml", Store: s, Options: map[string]string{"rowTag": "book", "schema": "title STRING"}},
			schema: "title:VARCHAR", rows: []string{"XML Developer's Guide", "Midnight Rain & more", "NULL"}, loaded: true},
		{name: "a malformed csv row names the object", src: Source{Path: url("bad/bad_row.csv"), Format: "csv", Store: s, Options: map[string]string{"header": "true"}},
			wantErr: "malformed row in " + url("bad/bad_row.csv") + " line"},
		{name: "a malformed xml row names the object", src: Source{Path: url("bad/bad.xml"), Format: "xml", Store: s, Options: map[string]string{"rowTag": "row"}},
			wantErr: "malformed row in " + url("bad/bad.xml") + " record 2 line 3"},
		{name: "a missing prefix", src: Source{Path: url("nothing"), Format: "csv", Store: s},
			wantErr: "dataset not found: " + url("nothing")},
		{name: "a prefix without files of the format", src: Source{Path: url("xml"), Format: "csv", Store: s},
			wantErr: url("xml") + " holds no csv files"},
		{name: "another bucket", src: Source{Path: "s3://other-bucket/x.csv", Format: "csv", Store: s},
			wantErr: "is not in bucket " + s.Bucket()},
	})
}

// runReadOnce reads a local source and returns its sorted table.
func runReadOnce(src Source) (table, error) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return table{}, err
	}
	defer db.Close()
	expr, err := ReadSQL(src)
	if err != nil {
		return table{}, err
	}
	return readTable(ctx, db, "(SELECT * FROM "+expr+" ORDER BY ALL)")
}

func TestWriteObjects(t *testing.T) {
	ctx := context.Background()
	s, prefix := s3test.Store(t)
	url := func(k string) string { return "s3://" + s.Bucket() + "/" + prefix + k }
	db := openDB(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	readBackObjects := func(t *testing.T, u, format string) []string {
		t.Helper()
		rel, err := Read(ctx, conn, Source{Path: u, Format: format, Store: s})
		if err != nil {
			t.Fatal(err)
		}
		defer rel.Close(ctx, conn)
		got, err := readConnTable(ctx, conn, "(SELECT * FROM "+rel.SQL+" ORDER BY ALL)")
		if err != nil {
			t.Fatal(err)
		}
		return got.rows
	}
	want := []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"}

	// A folder of parquet part files, then an overwrite.
	if _, err := Write(ctx, conn, people, Sink{Path: url("out"), Format: "parquet", Store: s}); err != nil {
		t.Fatal(err)
	}
	first := objectKeys(t, s, prefix+"out/")
	if len(first) != 1 || !strings.HasSuffix(first[0], ".parquet") {
		t.Fatalf("objects %v", first)
	}
	if got := readBackObjects(t, url("out"), "parquet"); !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v", got)
	}
	if _, err := Write(ctx, conn, people, Sink{Path: url("out"), Format: "parquet", Store: s, Mode: "overwrite"}); err != nil {
		t.Fatal(err)
	}
	second := objectKeys(t, s, prefix+"out/")
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("after overwrite %v (before %v)", second, first)
	}
	// Append adds part files.
	if _, err := Write(ctx, conn, people, Sink{Path: url("out"), Format: "parquet", Store: s, Mode: "append"}); err != nil {
		t.Fatal(err)
	}
	if got := objectKeys(t, s, prefix+"out/"); len(got) != 2 {
		t.Errorf("after append %v", got)
	}
	// errorifexists and ignore.
	if _, err := Write(ctx, conn, people, Sink{Path: url("out"), Format: "parquet", Store: s, Mode: "errorifexists"}); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("errorifexists: %v", err)
	}
	if res, err := Write(ctx, conn, people, Sink{Path: url("out"), Format: "parquet", Store: s, Mode: "ignore"}); err != nil || !res.Skipped {
		t.Errorf("ignore: %+v %v", res, err)
	}
	// A single gzip csv object and an avro object partitioned.
	if _, err := Write(ctx, conn, people, Sink{Path: url("one.csv.gz"), Format: "csv", Store: s}); err != nil {
		t.Fatal(err)
	}
	rel, err := Read(ctx, conn, Source{Path: url("one.csv.gz"), Format: "csv", Store: s, Options: map[string]string{"header": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := readConnTable(ctx, conn, "(SELECT * FROM "+rel.SQL+" ORDER BY ALL)"); !reflect.DeepEqual(got.rows, want) {
		t.Errorf("csv.gz read back %v", got.rows)
	}
	rel.Close(ctx, conn)
	if _, err := Write(ctx, conn, people, Sink{Path: url("parts"), Format: "avro", Store: s, PartitionBy: []string{"state"}}); err != nil {
		t.Fatal(err)
	}
	got := objectKeys(t, s, prefix+"parts/")
	if len(got) != 2 || !strings.HasPrefix(got[0], "state=CA/") || !strings.HasPrefix(got[1], "state=NY/") {
		t.Errorf("partitioned objects %v", got)
	}
	assertNoStagingObjects(t, s, prefix)
}

func assertNoStagingObjects(t *testing.T, s *objstore.Store, prefix string) {
	t.Helper()
	for _, k := range objectKeys(t, s, prefix) {
		if strings.Contains(k, objstore.StagingPrefix) {
			t.Errorf("staging object left: %s", k)
		}
	}
}

// TestWriteObjectsFailure: a job that fails while writing leaves the
// previous objects as they were and nothing staged.
func TestWriteObjectsFailure(t *testing.T) {
	ctx := context.Background()
	s, prefix := s3test.Store(t)
	url := "s3://" + s.Bucket() + "/" + prefix + "out"
	db := openDB(t)
	if _, err := Write(ctx, db, people, Sink{Path: url, Format: "csv", Store: s}); err != nil {
		t.Fatal(err)
	}
	before := objectKeys(t, s, prefix)
	_, err := Write(ctx, db, failing, Sink{Path: url, Format: "csv", Store: s})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error = %v", err)
	}
	if after := objectKeys(t, s, prefix); !reflect.DeepEqual(after, before) {
		t.Errorf("objects %v, want %v", after, before)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Write(cctx, db, people, Sink{Path: url, Format: "csv", Store: s})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled write: %v", err)
	}
	if after := objectKeys(t, s, prefix); !reflect.DeepEqual(after, before) {
		t.Errorf("after a cancelled write: %v, want %v", after, before)
	}
}
