package connector

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// failing is a relation whose 90,000th row fails, after DuckDB has
// written part of the output.
const failing = "(SELECT CASE WHEN i = 90000 THEN error('boom') ELSE i END AS i FROM range(100000) t(i))"

// snapshot returns every file below dir with its content, by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// sizes sums the sizes of the files below (or at) path.
func sizes(t *testing.T, path string) (files int, bytes int64) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return 0, 0
	}
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += st.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, bytes
}

// readBack reads what a write produced, sorted.
func readBack(t *testing.T, db *sql.DB, path, format string) table {
	t.Helper()
	var opts map[string]string
	if format == CSV {
		opts = map[string]string{"header": "true", "inferSchema": "true"}
	}
	expr, err := ReadSQL(Source{Path: path, Format: format, Options: opts})
	if err != nil {
		t.Fatalf("read back %s: %v", path, err)
	}
	got, err := readTable(context.Background(), db, "(SELECT * FROM "+expr+" ORDER BY ALL)")
	if err != nil {
		t.Fatalf("read back %s: %v", path, err)
	}
	return got
}

const people = "(SELECT * FROM (VALUES (1, 'ann', 'NY'), (2, 'bob', 'CA'), (3, 'cy', 'NY')) v(id, name, state))"

func TestWrite(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cases := []struct {
		name   string
		sink   Sink
		before func(t *testing.T, path string) // prepares the target
		// files are the paths below the target folder (or "." for a
		// single file) that the write leaves, with part-<id> as part-*.
		files  []string
		schema string
		rows   []string
	}{
		{
			name:   "single csv file",
			sink:   Sink{Path: "out.csv", Format: "csv"},
			files:  []string{"."},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "single json file",
			sink:   Sink{Path: "out.json", Format: "JSON"},
			files:  []string{"."},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "single parquet file",
			sink:   Sink{Path: "out.parquet", Format: "parquet"},
			files:  []string{"."},
			schema: "id:INTEGER,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "gzip single csv named .csv.gz",
			sink:   Sink{Path: "out.csv.gz", Format: "csv"},
			files:  []string{"."},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "folder of part files",
			sink:   Sink{Path: "out", Format: "parquet"},
			files:  []string{"part-*.parquet"},
			schema: "id:INTEGER,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "gzip csv part files end in .csv.gz",
			sink:   Sink{Path: "out", Format: "csv", Compression: "gzip"},
			files:  []string{"part-*.csv.gz"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "zstd json part files end in .json.zst",
			sink:   Sink{Path: "out", Format: "json", Compression: "zstd"},
			files:  []string{"part-*.json.zst"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name: "overwrite replaces a folder",
			sink: Sink{Path: "out", Format: "csv", Mode: "overwrite"},
			before: func(t *testing.T, path string) {
				writeFile(t, filepath.Join(path, "part-old.csv"), "id,name,state\n9,old,XX\n")
				writeFile(t, filepath.Join(path, "state=XX", "part-old.csv"), "id,name\n9,old\n")
			},
			files:  []string{"part-*.csv"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name: "overwrite replaces a file",
			sink: Sink{Path: "out.csv", Format: "csv"},
			before: func(t *testing.T, path string) {
				writeFile(t, path, "id,name,state\n9,old,XX\n")
			},
			files:  []string{"."},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name: "append adds a part file",
			sink: Sink{Path: "out", Format: "csv", Mode: "Append"},
			before: func(t *testing.T, path string) {
				writeFile(t, filepath.Join(path, "part-old.csv"), "id,name,state\n9,old,XX\n")
			},
			files:  []string{"part-*.csv", "part-old.csv"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY", "9|old|XX"},
		},
		{
			name:   "append creates a missing folder",
			sink:   Sink{Path: "deep/er/out", Format: "parquet", Mode: "append"},
			files:  []string{"part-*.parquet"},
			schema: "id:INTEGER,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "partitionBy makes Hive folders",
			sink:   Sink{Path: "out", Format: "parquet", PartitionBy: []string{"state"}},
			files:  []string{"state=CA/part-*-0.parquet", "state=NY/part-*-0.parquet"},
			schema: "id:INTEGER,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "partitionBy csv",
			sink:   Sink{Path: "out", Format: "csv", PartitionBy: []string{"state", "name"}},
			files:  []string{"state=CA/name=bob/part-*-0.csv", "state=NY/name=ann/part-*-0.csv", "state=NY/name=cy/part-*-0.csv"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "partitionBy json: one COPY per partition",
			sink:   Sink{Path: "out", Format: "json", PartitionBy: []string{"state"}},
			files:  []string{"state=CA/part-*-*.json", "state=NY/part-*-*.json"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name:   "partitionBy gzip json",
			sink:   Sink{Path: "out", Format: "json", Compression: "gzip", PartitionBy: []string{"state"}},
			files:  []string{"state=CA/part-*-*.json.gz", "state=NY/part-*-*.json.gz"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
		{
			name: "partitionBy append",
			sink: Sink{Path: "out", Format: "parquet", Mode: "append", PartitionBy: []string{"state"}},
			before: func(t *testing.T, path string) {
				if _, err := Write(ctx, db, people, Sink{Path: path, Format: "parquet", PartitionBy: []string{"state"}}); err != nil {
					t.Fatal(err)
				}
			},
			files:  []string{"state=CA/part-*-0.parquet", "state=CA/part-*-0.parquet", "state=NY/part-*-0.parquet", "state=NY/part-*-0.parquet"},
			schema: "id:INTEGER,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "1|ann|NY", "2|bob|CA", "2|bob|CA", "3|cy|NY", "3|cy|NY"},
		},
		{
			name: "ignore keeps what is there",
			sink: Sink{Path: "out.csv", Format: "csv", Mode: "ignore"},
			before: func(t *testing.T, path string) {
				writeFile(t, path, "id,name,state\n9,old,XX\n")
			},
			files:  []string{"."},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"9|old|XX"},
		},
		{
			name:   "errorifexists writes a new target",
			sink:   Sink{Path: "out", Format: "csv", Mode: "errorifexists"},
			files:  []string{"part-*.csv"},
			schema: "id:BIGINT,name:VARCHAR,state:VARCHAR",
			rows:   []string{"1|ann|NY", "2|bob|CA", "3|cy|NY"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.sink
			s.Path = filepath.Join(dir, s.Path)
			if tc.before != nil {
				tc.before(t, s.Path)
			}
			filesBefore, bytesBefore := 0, int64(0)
			if strings.EqualFold(s.Mode, "append") {
				filesBefore, bytesBefore = sizes(t, s.Path)
			}
			res, err := Write(ctx, db, people, s)
			if err != nil {
				t.Fatal(err)
			}
			// The result counts what this write added.
			files, bytes := sizes(t, s.Path)
			want := WriteResult{Rows: 3, Files: files - filesBefore, Bytes: bytes - bytesBefore}
			if s.Mode == "ignore" {
				want = WriteResult{Skipped: true}
			} else if want.Files == 0 || want.Bytes == 0 {
				t.Errorf("the write added no files")
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
			// Only the target is left in the parent: no staging folder.
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != strings.Split(tc.sink.Path, "/")[0] {
				t.Errorf("parent folder holds %v, want only the target", entries)
			}
			var got []string
			if tc.files[0] == "." {
				got = []string{"."}
				if st, err := os.Stat(s.Path); err != nil || st.IsDir() {
					t.Fatalf("target is not a file: %v", err)
				}
			} else {
				got = keys(snapshot(t, s.Path))
			}
			if len(got) != len(tc.files) {
				t.Fatalf("files = %v, want %v", got, tc.files)
			}
			for i := range got {
				if ok, _ := filepath.Match(tc.files[i], got[i]); !ok {
					t.Errorf("file %s does not match %s", got[i], tc.files[i])
				}
			}
			back := readBack(t, db, s.Path, strings.ToLower(s.Format))
			if back.schema != tc.schema || !reflect.DeepEqual(back.rows, tc.rows) {
				t.Errorf("read back %s %v, want %s %v", back.schema, back.rows, tc.schema, tc.rows)
			}
		})
	}
}

// TestWriteCompression checks that the codec asked for is the one used.
func TestWriteCompression(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cases := []struct {
		name  string
		sink  Sink
		check func(t *testing.T, path string)
	}{
		{
			name:  "parquet zstd",
			sink:  Sink{Path: "out.parquet", Format: "parquet", Compression: "ZSTD"},
			check: parquetCodec(db, "ZSTD"),
		},
		{
			name:  "parquet none is uncompressed",
			sink:  Sink{Path: "out.parquet", Format: "parquet", Compression: "none"},
			check: parquetCodec(db, "UNCOMPRESSED"),
		},
		{
			name:  "parquet default is snappy",
			sink:  Sink{Path: "out.parquet", Format: "parquet"},
			check: parquetCodec(db, "SNAPPY"),
		},
		{
			name:  "csv.gz is gzip",
			sink:  Sink{Path: "out.csv.gz", Format: "csv"},
			check: magic("\x1f\x8b"),
		},
		{
			name:  "csv gzip part files",
			sink:  Sink{Path: "out", Format: "csv", Compression: "gzip"},
			check: magic("\x1f\x8b"),
		},
		{
			name:  "csv default is plain",
			sink:  Sink{Path: "out.csv", Format: "csv"},
			check: magic("id,name,state\n"),
		},
		{
			name:  "json zstd",
			sink:  Sink{Path: "out.json.zst", Format: "json"},
			check: magic("\x28\xb5\x2f\xfd"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.sink
			s.Path = filepath.Join(t.TempDir(), s.Path)
			if _, err := Write(ctx, db, people, s); err != nil {
				t.Fatal(err)
			}
			tc.check(t, s.Path)
		})
	}
}

func parquetCodec(db *sql.DB, want string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		var got string
		if err := db.QueryRow("SELECT DISTINCT compression FROM parquet_metadata(" + quote(path) + ")").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("codec = %s, want %s", got, want)
		}
	}
}

// magic checks that every file written starts with the given bytes.
func magic(prefix string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		files := snapshot(t, filepath.Dir(path))
		if len(files) == 0 {
			t.Fatal("no files")
		}
		for name, content := range files {
			if !strings.HasPrefix(content, prefix) {
				t.Errorf("%s starts with %q, want %q", name, content[:min(len(content), len(prefix))], prefix)
			}
		}
	}
}

func TestWriteRefused(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cases := []struct {
		name    string
		sink    Sink
		before  func(t *testing.T, path string)
		wantErr string
	}{
		{"append to a single file", Sink{Path: "out.csv", Format: "csv", Mode: "append"}, nil, "cannot append to the single file"},
		{"partitionBy to a single file", Sink{Path: "out.parquet", Format: "parquet", PartitionBy: []string{"state"}}, nil, "partitionBy needs a folder target"},
		{"unknown format", Sink{Path: "out", Format: "orc"}, nil, `format "orc" cannot be written to files`},
		{"unknown option", Sink{Path: "out", Format: "csv", Options: map[string]string{"rowTag": "r"}}, nil, `csv output: unknown option "rowTag"`},
		{"compression twice", Sink{Path: "out", Format: "csv", Compression: "gzip", Options: map[string]string{"compression": "gzip"}}, nil, "compression is given twice"},
		{"avro codec for parquet", Sink{Path: "out", Format: "avro", Compression: "brotli"}, nil, `compression "brotli" is not an avro codec`},
		{"bzip2 cannot be written", Sink{Path: "out", Format: "csv", Options: map[string]string{"compression": "bzip2"}}, nil, `option compression: "bzip2" is not`},
		{"unknown saveMode", Sink{Path: "out", Format: "csv", Mode: "upsert"}, nil, `saveMode "upsert" is not supported for files`},
		{"parquet codec for csv", Sink{Path: "out", Format: "csv", Compression: "snappy"}, nil, `compression "snappy" is not a csv codec`},
		{"unknown parquet codec", Sink{Path: "out", Format: "parquet", Compression: "lzo"}, nil, `compression "lzo" is not a parquet codec`},
		{"gzip into a .csv name", Sink{Path: "out.csv", Format: "csv", Compression: "gzip"}, nil, "a gzip-compressed file must be named out.csv.gz"},
		{"codec that contradicts the name", Sink{Path: "out.csv.gz", Format: "csv", Compression: "zstd"}, nil, "compression zstd does not match the file name ending in .gz"},
		{"errorifexists on an existing folder", Sink{Path: "out", Format: "csv", Mode: "ErrorIfExists"}, mkdir, "exists already"},
		{"single file over a folder", Sink{Path: "out.csv", Format: "csv"}, mkdir, "it is a folder, not a file"},
		{"append to a file named as a folder", Sink{Path: "out", Format: "csv", Mode: "append"}, func(t *testing.T, p string) { writeFile(t, p, "x") }, "it is a file, not a folder"},
		{"unknown column in partitionBy", Sink{Path: "out", Format: "csv", PartitionBy: []string{"nope"}}, nil, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.sink
			s.Path = filepath.Join(dir, s.Path)
			if tc.before != nil {
				tc.before(t, s.Path)
			}
			before := snapshot(t, dir)
			_, err := Write(ctx, db, people, s)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if after := snapshot(t, dir); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused write changed the folder: %v -> %v", keys(before), keys(after))
			}
			assertNoLeftovers(t, dir)
		})
	}
}

// TestWriteFailureKeepsOldFiles: a COPY that fails half-way leaves the
// previous output byte for byte and no staging folders.
func TestWriteFailureKeepsOldFiles(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cases := []struct {
		name  string
		sink  Sink
		first string // the relation of the first, good write
	}{
		{"single csv file", Sink{Path: "out.csv", Format: "csv"}, people},
		{"single parquet file", Sink{Path: "out.parquet", Format: "parquet"}, people},
		{"folder overwrite", Sink{Path: "out", Format: "parquet"}, people},
		{"folder append", Sink{Path: "out", Format: "json", Mode: "append"}, people},
		{"partitioned folder", Sink{Path: "out", Format: "csv", PartitionBy: []string{"p"}}, "(SELECT i, i % 3 AS p FROM range(10) t(i))"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := tc.sink
			s.Path = filepath.Join(dir, s.Path)
			if _, err := Write(ctx, db, tc.first, s); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			source := failing
			if len(s.PartitionBy) > 0 {
				source = "(SELECT CASE WHEN i = 90000 THEN error('boom') ELSE i END AS i, i % 3 AS p FROM range(100000) t(i))"
			}
			_, err := Write(ctx, db, source, s)
			if err == nil || !strings.Contains(err.Error(), "boom") || !strings.Contains(err.Error(), s.Path) {
				t.Fatalf("error = %v, want the failure of the query naming %s", err, s.Path)
			}
			after := snapshot(t, dir)
			if !reflect.DeepEqual(after, before) {
				t.Errorf("a failed write changed the output: %v -> %v", keys(before), keys(after))
			}
			assertNoLeftovers(t, dir)
		})
	}
}

// TestWriteCancelled: a cancelled context stops the write and leaves
// nothing behind.
func TestWriteCancelled(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Write(ctx, db, "(SELECT * FROM range(10) t(i))", Sink{Path: filepath.Join(dir, "out"), Format: "csv"})
	if err == nil {
		t.Fatal("write with a cancelled context succeeded")
	}
	if got := snapshot(t, dir); len(got) != 0 {
		t.Errorf("cancelled write left %v", keys(got))
	}
	assertNoLeftovers(t, dir)
}

func assertNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".flare-staging-") || strings.HasPrefix(d.Name(), ".flare-old-") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	writeFile(t, filepath.Join(path, "part-0.csv"), "id\n1\n")
}
