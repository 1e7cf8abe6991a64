package lakehouse_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// allTypes is a source with every DuckDB type the lakehouse maps, with
// deterministic values.
const allTypes = `CREATE VIEW all_types AS SELECT
  i::BIGINT AS id, i::TINYINT AS tiny, i::SMALLINT AS small, i::INTEGER AS int32, i::UTINYINT AS utiny,
  i::USMALLINT AS usmall, i::UINTEGER AS uint32, i::UBIGINT AS ubig, (i * 1000)::HUGEINT AS huge,
  'name-' || i AS name, (i % 2 = 0) AS flag, i / 4 AS dbl, (i / 8)::FLOAT AS flt,
  (i * 1.25)::DECIMAL(10,2) AS amount, (i * 1.5)::DECIMAL(30,3) AS big_amount,
  DATE '2024-02-27' + (i % 5)::INTEGER AS dt, TIME '01:02:03' + INTERVAL (i) SECOND AS tm,
  TIMESTAMP '2024-02-27 22:00:00' + INTERVAL (i * 3) HOUR AS ts,
  TIMESTAMPTZ '2024-02-27 22:00:00+00' + INTERVAL (i) MINUTE AS tstz,
  (TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (i) SECOND)::TIMESTAMP_S AS ts_s,
  (TIMESTAMP '2024-01-01 00:00:00.123' + INTERVAL (i) SECOND)::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2024-01-01 00:00:00.123456' + INTERVAL (i) SECOND)::TIMESTAMP_NS AS ts_ns,
  ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS u,
  ('bin' || i)::BLOB AS bin,
  [i, i + 1] AS ints, ['a' || i, NULL] AS strs,
  {'x': i, 'y': 'y' || i, 'z': [i * 0.5]} AS rec,
  MAP {'k' || i: i} AS kv,
  CASE i % 3 WHEN 0 THEN 'EU' WHEN 1 THEN 'US' ELSE NULL END AS region
FROM range(40) t(i)`

// TestWriteReadBackAllTypes writes every mapped type into a table partitioned
// by day(ts), bucket(4, id), truncate(3, name) and identity(region), then reads
// it back with iceberg-go's own scan (golden file) and with SelectSQL in
// DuckDB (compared with the source).
func TestWriteReadBackAllTypes(t *testing.T) {
	e := newEnv(t)
	e.exec(t, allTypes)
	name := lakehouse.TableName{Collection: "retail", Dataset: "all_types"}
	res := e.write(t, "all_types", lakehouse.WriteSpec{
		Table: name,
		Partition: []lakehouse.PartitionField{
			{Type: "day", Column: "ts"}, {Type: "bucket", Column: "id", NumBuckets: 4},
			{Type: "truncate", Column: "name", Width: 3}, {Type: "identity", Column: "region"},
		},
		Sort: []lakehouse.SortField{{Column: "id"}},
	})
	if !res.Created || res.Rows != 40 || res.Files < 4 || res.SnapshotID == 0 {
		t.Fatalf("write result %+v", res)
	}
	tbl := e.load(t, name)

	t.Run("schema", func(t *testing.T) {
		var b strings.Builder
		info := tbl.Describe()
		for _, c := range info.Schema {
			fmt.Fprintf(&b, "%d %s %s required=%v\n", c.ID, c.Name, c.Type, c.Required)
		}
		for _, p := range info.Partition {
			fmt.Fprintf(&b, "partition %s %s %s\n", p.Name, p.Transform, p.SourceColumn)
		}
		for _, s := range info.SortOrder {
			fmt.Fprintf(&b, "sort %s desc=%v %s\n", s.Column, s.Desc, s.NullOrder)
		}
		fmt.Fprintf(&b, "format-version %d\n", info.FormatVersion)
		golden(t, "all_types_schema.golden", b.String())
	})

	t.Run("iceberg-go scan", func(t *testing.T) {
		at, err := tbl.Iceberg().Scan().ToArrowTable(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer at.Release()
		rdr := array.NewTableReader(at, 1024)
		defer rdr.Release()
		var lines []string
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for r := range int(rec.NumRows()) {
				row := make([]string, rec.NumCols())
				for c := range int(rec.NumCols()) {
					v, err := json.Marshal(rec.Column(c).GetOneForMarshal(r))
					if err != nil {
						t.Fatal(err)
					}
					row[c] = rec.ColumnName(c) + "=" + string(v)
				}
				lines = append(lines, strings.Join(row, " "))
			}
		}
		if len(lines) != 40 {
			t.Fatalf("iceberg-go read %d rows, want 40", len(lines))
		}
		sort.Slice(lines, func(i, j int) bool { return idOf(lines[i]) < idOf(lines[j]) })
		golden(t, "all_types_rows.golden", strings.Join(lines, "\n")+"\n")
	})

	t.Run("SelectSQL equals source", func(t *testing.T) {
		q, err := tbl.SelectSQL(e.ctx, lakehouse.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var diff, n int
		cmp := fmt.Sprintf(`SELECT count(*) FROM ((SELECT * FROM all_types EXCEPT ALL SELECT * FROM (%[1]s))
		  UNION ALL (SELECT * FROM (%[1]s) EXCEPT ALL SELECT * FROM all_types))`, q)
		if err := e.db.QueryRowContext(e.ctx, cmp).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if err := e.db.QueryRowContext(e.ctx, "SELECT count(*) FROM ("+q+")").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if diff != 0 || n != 40 {
			t.Errorf("SelectSQL read %d rows with %d differing from the source", n, diff)
		}
	})

	t.Run("files", func(t *testing.T) {
		files, err := tbl.Files(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != res.Files {
			t.Fatalf("Files lists %d files, write reported %d", len(files), res.Files)
		}
		var rows int64
		loc := tbl.Describe().Location
		for _, f := range files {
			rows += f.Records
			rel, err := filepath.Rel(loc, f.Path)
			if err != nil || !strings.HasPrefix(rel, "data/ts_day=") || !strings.Contains(rel, "/id_bucket=") {
				t.Errorf("file %s is not in a Hive-style folder under %s/data", f.Path, loc)
			}
			if !strings.HasPrefix(f.Partition, "ts_day=2024-") {
				t.Errorf("partition text %q", f.Partition)
			}
		}
		if rows != 40 {
			t.Errorf("files hold %d records, want 40", rows)
		}
		// helper columns stay out of the data files
		var helpers int
		q := fmt.Sprintf(`SELECT count(*) FROM parquet_schema('%s') WHERE name IN ('ts_day', 'id_bucket', 'name_trunc', 'region_p')`, files[0].Path)
		if err := e.db.QueryRowContext(e.ctx, q).Scan(&helpers); err != nil {
			t.Fatal(err)
		}
		if helpers != 0 {
			t.Errorf("data file %s holds %d partition helper columns", files[0].Path, helpers)
		}
	})

	t.Run("bucket and day values match iceberg-go per file", func(t *testing.T) {
		tasks, err := tbl.Iceberg().Scan().PlanFiles(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		spec := tbl.Iceberg().Spec()
		for _, task := range tasks {
			part := task.File.Partition()
			rows, err := e.db.QueryContext(e.ctx, fmt.Sprintf("SELECT id, epoch_us(ts) FROM read_parquet('%s')", task.File.FilePath()))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id, us int64
				if err := rows.Scan(&id, &us); err != nil {
					t.Fatal(err)
				}
				day := iceberg.DayTransform{}.Apply(iceberg.Optional[iceberg.Literal]{Valid: true, Val: iceberg.NewLiteral(iceberg.Timestamp(us))})
				bucket := iceberg.BucketTransform{NumBuckets: 4}.Apply(iceberg.Optional[iceberg.Literal]{Valid: true, Val: iceberg.NewLiteral(id)})
				if fmt.Sprint(day.Val.Any()) != fmt.Sprint(part[spec.Field(0).FieldID]) || fmt.Sprint(bucket.Val.Any()) != fmt.Sprint(part[spec.Field(1).FieldID]) {
					t.Errorf("row id=%d in file with partition %v: iceberg-go says day %v bucket %v", id, part, day.Val, bucket.Val)
				}
			}
			rows.Close()
		}
	})
}

func idOf(line string) int {
	var id int
	_, _ = fmt.Sscanf(line, "id=%d", &id)
	return id
}

// TestPointFilterPlansOneFile checks that iceberg-go's scan planning prunes a
// day(ts)-partitioned table to one file for a point lookup.
func TestPointFilterPlansOneFile(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `CREATE VIEW events AS SELECT i AS id, TIMESTAMP '2024-03-01' + INTERVAL (i) HOUR AS ts FROM range(120) t(i)`)
	name := lakehouse.TableName{Collection: "web", Dataset: "events"}
	res := e.write(t, "events", lakehouse.WriteSpec{Table: name, Partition: []lakehouse.PartitionField{{Type: "day", Column: "ts"}}})
	if res.Files != 5 {
		t.Fatalf("wrote %d files, want 5 (one per day)", res.Files)
	}
	tbl := e.load(t, name)
	at := time.Date(2024, 3, 3, 7, 0, 0, 0, time.UTC)
	files, err := tbl.PlanFiles(e.ctx, lakehouse.ReadOptions{Filter: iceberg.EqualTo(iceberg.Reference("ts"), iceberg.Timestamp(at.UnixMicro()))})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || !strings.Contains(files[0], "ts_day=2024-03-03") {
		t.Errorf("point lookup planned %v, want the one file of 2024-03-03", files)
	}
}
