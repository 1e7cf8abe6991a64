package datafile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
	"github.com/google/uuid"
)

// DefaultTargetFileSize is the data file size compaction aims at when neither
// the action nor the table property write.target-file-size-bytes sets one.
const DefaultTargetFileSize int64 = 512 << 20

// PropTargetFileSize is Iceberg's table property for the data file size.
const PropTargetFileSize = "write.target-file-size-bytes"

// RewriteSortKey is one ORDER BY term of a rewrite.
type RewriteSortKey struct {
	Column string
	Desc   bool
	// Nulls is "first", "last" or empty (NULLS FIRST for ASC, LAST for DESC,
	// as Spark and Iceberg order by default).
	Nulls string
}

// RewriteOptions say how RewriteFiles writes the new files.
type RewriteOptions struct {
	// TargetFileSize is the size at which DuckDB starts a new file; 0 means
	// DefaultTargetFileSize.
	TargetFileSize int64
	// Sort orders the rows by Order, or by the table's sort order when Order
	// is empty (an error when the table has none).
	Sort  bool
	Order []RewriteSortKey
	// ZOrder clusters the rows by the Morton (z-)order of these columns
	// (ZOrderSQL) instead of sorting them; not with Sort.
	ZOrder []string
	// WriteID names the new files (<WriteID>-<uuid>.parquet); empty picks one.
	WriteID string
}

// RewriteOutput is what RewriteFiles wrote; the files are staged, not
// committed.
type RewriteOutput struct {
	WriteID string
	Files   []iceberg.DataFile
	Rows    int64
	Bytes   int64
	// RowsIn is the record count of the input files; RowsIn - Rows rows
	// were dropped by the position deletes applied (RewriteTasks).
	RowsIn int64
	// DeleteFilesApplied counts (data file, delete file) pairs applied.
	DeleteFilesApplied int
	// Dir is the folder the files were written to.
	Dir string
}

// Rewrite writes the rows of files (data files of one partition of one
// partition spec of tbl) into new files near the target size, in the folder
// of the first file; deletes maps a data file's path (as the manifest
// records it) to the position delete files to apply to it. name names the
// table in errors. The files are staged, not committed.
func Rewrite(ctx context.Context, db DB, tbl *table.Table, name string, files []iceberg.DataFile, deletes map[string][]iceberg.DataFile, opt RewriteOptions, log *slog.Logger) (*RewriteOutput, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no files to rewrite", ErrInvalidSpec)
	}
	meta := tbl.Metadata()
	specID := files[0].SpecID()
	var spec *iceberg.PartitionSpec
	for _, s := range meta.PartitionSpecs() {
		if int32(s.ID()) == specID {
			spec = &s
			break
		}
	}
	if spec == nil {
		return nil, fmt.Errorf("file %s has partition spec %d, which the table does not have", files[0].FilePath(), specID)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		if f.SpecID() != specID {
			return nil, fmt.Errorf("%w: files of partition specs %d and %d cannot be rewritten together", ErrInvalidSpec, specID, f.SpecID())
		}
		if f.ContentType() != iceberg.EntryContentData {
			return nil, fmt.Errorf("%w: %s is a delete file, not a data file", ErrInvalidSpec, f.FilePath())
		}
		paths[i] = LocalPath(f.FilePath())
	}
	db, release, err := PinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()

	sc := tbl.Schema()
	plan := Plan{Schema: sc}
	if plan.Codec, err = CompressionCodec(meta.Properties()); err != nil {
		return nil, err
	}
	if opt.Sort {
		if len(opt.Order) > 0 {
			for _, k := range opt.Order {
				f, ok := FindColumn(sc, k.Column)
				if !ok {
					return nil, fmt.Errorf("%w: sort column %s is not a column of table %s", ErrInvalidSpec, k.Column, name)
				}
				term := QuoteIdent(f.Name) + map[bool]string{false: " ASC", true: " DESC"}[k.Desc]
				switch strings.ToLower(k.Nulls) {
				case "first":
					term += " NULLS FIRST"
				case "last":
					term += " NULLS LAST"
				case "":
					term += map[bool]string{false: " NULLS FIRST", true: " NULLS LAST"}[k.Desc]
				default:
					return nil, fmt.Errorf("%w: sort column %s: nulls %q (first or last)", ErrInvalidSpec, k.Column, k.Nulls)
				}
				plan.OrderBy = append(plan.OrderBy, term)
			}
		} else {
			so := meta.SortOrder()
			if so.IsUnsorted() {
				return nil, fmt.Errorf("%w: table %s has no sort order; give one (sort_order)", ErrInvalidSpec, name)
			}
			plan.OrderBy = SortOrderSQL(so, sc)
			plan.SortID = so.OrderID()
		}
	}
	var remote []string // files of a table on object storage are read from local copies
	for _, f := range files {
		remote = append(remote, f.FilePath())
		for _, d := range deletes[f.FilePath()] {
			remote = append(remote, d.FilePath())
		}
	}
	if err := Fetch(ctx, remote...); err != nil {
		return nil, err
	}
	source, err := LiveRowsSQL(name, tbl.Schema(), files, deletes)
	if err != nil {
		return nil, err
	}
	source = "(" + source + ")"
	if plan.Helpers, err = HelperColumns(*spec, sc); err != nil {
		return nil, err
	}
	if len(plan.Helpers) > 0 {
		if err := registerBucketIfNeeded(ctx, db, plan.Helpers); err != nil {
			return nil, err
		}
	}
	part, err := groupPartition(ctx, db, source, plan.Helpers)
	if err != nil {
		return nil, err
	}

	writeID := opt.WriteID
	if writeID == "" {
		writeID = uuid.NewString()
	}
	target := opt.TargetFileSize
	if target <= 0 {
		target = DefaultTargetFileSize
	}
	dir := filepath.Dir(paths[0])
	loc := LocalPath(tbl.Location())
	if rel, err := filepath.Rel(loc, dir); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		dir = filepath.Join(loc, "data")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	q := "SELECT * FROM " + source + " AS __flare_rewrite"
	if len(plan.OrderBy) > 0 {
		q += " ORDER BY " + strings.Join(plan.OrderBy, ", ")
	}
	if len(opt.ZOrder) > 0 {
		if opt.Sort {
			return nil, fmt.Errorf("%w: a rewrite sorts or z-orders its rows, not both", ErrInvalidSpec)
		}
		if q, err = ZOrderSQL(source, sc, opt.ZOrder, name); err != nil {
			return nil, err
		}
	}
	copyOpts := []string{
		"FORMAT parquet",
		"COMPRESSION " + plan.Codec,
		"FIELD_IDS " + FieldIDsLiteral(sc),
		"FILENAME_PATTERN " + QuoteString(writeID+"-{uuid}"),
		"FILE_SIZE_BYTES " + fmt.Sprint(target),
		"APPEND",
		"RETURN_STATS",
	}
	if rg := rowGroupRows(target, files); rg > 0 {
		copyOpts = append(copyOpts, "ROW_GROUP_SIZE "+fmt.Sprint(rg))
	}
	var staged []StagedFile
	if perFile := rowsPerFile(target, files); perFile > 0 && (len(plan.OrderBy) > 0 || len(opt.ZOrder) > 0) {
		// Ordered rows: each file one run of the order (rewrite_ordered.go).
		staged, err = writeOrdered(ctx, db, q, dir, writeID, copyOpts, perFile, log)
	} else {
		stmt := "COPY (" + q + ") TO " + QuoteString(dir) + " (" + strings.Join(copyOpts, ", ") + ")"
		log.Debug("rewriting data files", "sql", stmt)
		staged, err = ReadCopyStats(ctx, db, stmt, nil)
	}
	if err != nil {
		RemoveStagedIn(dir, writeID, log)
		return nil, fmt.Errorf("write data files: %w", err)
	}
	crashpoint.Hit(crashpoint.FilesWritten)
	kept := staged[:0]
	for _, f := range staged {
		if f.Rows == 0 {
			_ = os.Remove(f.Path)
			continue
		}
		f.Partition = part
		kept = append(kept, f)
	}
	if err := Upload(ctx, kept); err != nil { // tables on object storage (remote.go)
		RemoveStagedIn(dir, writeID, log)
		return nil, err
	}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		RemoveStagedIn(dir, writeID, log)
		return nil, fmt.Errorf("table file system: %w", err)
	}
	dfs, err := DataFiles(ctx, fsys, meta.Properties(), *spec, plan, kept)
	if err != nil {
		RemoveStagedIn(dir, writeID, log)
		return nil, err
	}

	out := &RewriteOutput{WriteID: writeID, Files: dfs, Dir: dir}
	_, out.Rows, out.Bytes = Totals(kept)
	for _, f := range files {
		out.RowsIn += f.Count()
	}
	for _, ds := range deletes {
		out.DeleteFilesApplied += len(ds)
	}

	return out, nil
}

func registerBucketIfNeeded(ctx context.Context, db DB, helpers []Helper) error {
	for _, h := range helpers {
		if _, ok := h.field.Transform.(iceberg.BucketTransform); ok {
			conn, ok := db.(*sql.Conn)
			if !ok {
				return fmt.Errorf("bucket partitioning needs a *sql.Conn or *sql.DB to register its hash function, got %T", db)
			}
			return RegisterBucketFunctions(ctx, conn)
		}
	}

	return nil
}

// groupPartition returns the partition helper values of the rows of source
// as text (nil for NULL); the rows must all lie in one partition.
func groupPartition(ctx context.Context, db DB, source string, helpers []Helper) ([]any, error) {
	if len(helpers) == 0 {
		return nil, nil
	}
	exprs := make([]string, len(helpers))
	for i, h := range helpers {
		exprs[i] = "CAST(" + h.expr + " AS VARCHAR)"
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT "+strings.Join(exprs, ", ")+" FROM "+source+" AS __flare_part LIMIT 2")
	if err != nil {
		return nil, fmt.Errorf("compute partition of rewritten rows: %w", err)
	}
	defer rows.Close()
	var out []any
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(helpers))
		ptrs := make([]any, len(helpers))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("compute partition of rewritten rows: %w", err)
		}
		out = vals
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compute partition of rewritten rows: %w", err)
	}
	if n > 1 {
		return nil, errors.New("the files to rewrite hold rows of more than one partition")
	}

	return out, nil
}

// RemoveStagedIn deletes, best effort, the files of a write in one folder.
func RemoveStagedIn(dir, writeID string, log interface {
	Warn(string, ...any)
}) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasPrefix(e.Name(), writeID+"-") {
			p := filepath.Join(dir, e.Name())
			removeRemote(p, log) // its uploaded object, on object storage
			if rerr := os.Remove(p); rerr != nil {
				log.Warn("could not remove staged file", "path", p, "err", rerr)
			}
		}
	}
}

// duckRowGroupRows is DuckDB's default Parquet row group size (rows).
const duckRowGroupRows = 122880

// rowGroupRows picks a Parquet row group size (rows) that lets DuckDB,
// which splits files only between row groups, honour a target file size
// smaller than its default row group: about four row groups per file,
// from the input's bytes per row; 0 keeps DuckDB's default.
func rowGroupRows(target int64, files []iceberg.DataFile) int64 {
	rg := rowsPerFile(target, files) / 4
	if rg >= duckRowGroupRows {
		return 0
	}
	return max(rg, 2048)
}

// rowsPerFile estimates how many rows make a file of target bytes, from
// the input files' bytes per row; 0 when they hold none.
func rowsPerFile(target int64, files []iceberg.DataFile) int64 {
	var size, rows int64
	for _, f := range files {
		size += f.FileSizeBytes()
		rows += f.Count()
	}
	if size <= 0 || rows <= 0 {
		return 0
	}
	return max(1, int64(float64(target)/(float64(size)/float64(rows))))
}
