package lakehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
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

// ReadFilesSQL returns a DuckDB query over exactly these data files of the
// table, with the table's current columns bound by Parquet field id (like
// SelectSQL). With filename set, the query has one more column, filename,
// holding the path of each row's file. Delete files are not applied.
func (t *Table) ReadFilesSQL(paths []string, filename bool) (string, error) {
	cols, read, err := t.readParquet(paths)
	if err != nil {
		return "", err
	}
	opts := ""
	if filename {
		cols = append(cols, "filename")
		opts = ", filename = true"
	}

	return "SELECT " + strings.Join(cols, ", ") + " FROM " + read + opts + ")", nil
}

// readParquet returns the quoted column names of the table's current
// schema and the unclosed read_parquet( call over paths that binds them by
// field id; the caller appends its own options and the closing parenthesis.
func (t *Table) readParquet(paths []string) ([]string, string, error) {
	sc := t.tbl.Schema()
	fields := sc.Fields()
	cols := make([]string, len(fields))
	entries := make([]string, len(fields))
	for i, f := range fields {
		dt, err := duckTypeOf(f.Type)
		if err != nil {
			return nil, "", fmt.Errorf("read %s: column %s: %w", t.name, f.Name, err)
		}
		cols[i] = quoteIdent(f.Name)
		entries[i] = fmt.Sprintf("%d: {name: %s, type: %s, default_value: NULL}", f.ID, quoteString(f.Name), quoteString(dt))
	}
	if len(paths) == 0 {
		return nil, "", fmt.Errorf("%w: read %s: no files given", ErrInvalidSpec, t.name)
	}
	files := make([]string, len(paths))
	for i, p := range paths {
		files[i] = quoteString(localPath(p))
	}

	return cols, "read_parquet([" + strings.Join(files, ", ") + "], schema = MAP {" + strings.Join(entries, ", ") + "}", nil
}

// RewriteFiles writes the rows of files, which must all be data files of one
// partition of one partition spec, into new Parquet files near the target
// size with DuckDB (COPY ... FIELD_IDS, like Write), in the folder of the
// first input file. It returns the staged files as Iceberg DataFiles with
// the inputs' spec and partition; it commits nothing. Commit them with
// iceberg-go (a rewrite snapshot), or call RemoveRewritten when the commit
// fails. Files with delete files must not be passed (their deleted rows
// would come back): use RewriteTasks for them.
func (l *Lakehouse) RewriteFiles(ctx context.Context, db DB, t *Table, files []iceberg.DataFile, opt RewriteOptions) (*RewriteOutput, error) {
	start := time.Now()
	out, err := l.rewriteFiles(ctx, db, t, files, nil, opt)
	if err != nil {
		return nil, fmt.Errorf("rewrite files of table %s: %w", t.name, err)
	}
	l.log.Debug("files rewritten", "table", t.name.String(), "in", len(files), "out", len(out.Files), "duration", time.Since(start))

	return out, nil
}

// rewriteFiles rewrites files; deletes maps a data file's path (as the
// manifest records it) to the position delete files to apply to it.
func (l *Lakehouse) rewriteFiles(ctx context.Context, db DB, t *Table, files []iceberg.DataFile, deletes map[string][]iceberg.DataFile, opt RewriteOptions) (*RewriteOutput, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no files to rewrite", ErrInvalidSpec)
	}
	meta := t.tbl.Metadata()
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
		paths[i] = localPath(f.FilePath())
	}
	db, release, err := pinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()

	sc := t.tbl.Schema()
	plan := writePlan{schema: sc}
	if plan.codec, err = compressionCodec(meta.Properties()); err != nil {
		return nil, err
	}
	if opt.Sort {
		if len(opt.Order) > 0 {
			for _, k := range opt.Order {
				f, ok := findColumn(sc, k.Column)
				if !ok {
					return nil, fmt.Errorf("%w: sort column %s is not a column of table %s", ErrInvalidSpec, k.Column, t.name)
				}
				term := quoteIdent(f.Name) + map[bool]string{false: " ASC", true: " DESC"}[k.Desc]
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
				plan.orderBy = append(plan.orderBy, term)
			}
		} else {
			so := meta.SortOrder()
			if so.IsUnsorted() {
				return nil, fmt.Errorf("%w: table %s has no sort order; give one (sort_order)", ErrInvalidSpec, t.name)
			}
			plan.orderBy = orderByOf(so, sc)
			plan.sortID = so.OrderID()
		}
	}
	source, err := t.liveRowsSQL(files, deletes)
	if err != nil {
		return nil, err
	}
	source = "(" + source + ")"
	if plan.helpers, err = helperColumns(*spec, sc); err != nil {
		return nil, err
	}
	if len(plan.helpers) > 0 {
		if err := registerBucketIfNeeded(ctx, db, plan.helpers); err != nil {
			return nil, err
		}
	}
	part, err := groupPartition(ctx, db, source, plan.helpers)
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
	loc := localPath(t.tbl.Location())
	if rel, err := filepath.Rel(loc, dir); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		dir = filepath.Join(loc, "data")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	q := "SELECT * FROM " + source + " AS __flare_rewrite"
	if len(plan.orderBy) > 0 {
		q += " ORDER BY " + strings.Join(plan.orderBy, ", ")
	}
	copyOpts := []string{
		"FORMAT parquet",
		"COMPRESSION " + plan.codec,
		"FIELD_IDS " + fieldIDsLiteral(sc),
		"FILENAME_PATTERN " + quoteString(writeID+"-{uuid}"),
		"FILE_SIZE_BYTES " + fmt.Sprint(target),
		"APPEND",
		"RETURN_STATS",
	}
	stmt := "COPY (" + q + ") TO " + quoteString(dir) + " (" + strings.Join(copyOpts, ", ") + ")"
	l.log.Debug("rewriting data files", "sql", stmt)
	staged, err := readCopyStats(ctx, db, stmt, nil)
	if err != nil {
		removeStagedIn(dir, writeID, l.log)
		return nil, fmt.Errorf("write data files: %w", err)
	}
	crashpoint.Hit(crashpoint.FilesWritten)
	kept := staged[:0]
	for _, f := range staged {
		if f.rows == 0 {
			_ = os.Remove(f.path)
			continue
		}
		f.partition = part
		kept = append(kept, f)
	}
	res := &WriteResult{Table: t.name}
	fsys, err := t.tbl.FS(ctx)
	if err != nil {
		removeStagedIn(dir, writeID, l.log)
		return nil, fmt.Errorf("table file system: %w", err)
	}
	dfs, err := dataFiles(ctx, fsys, meta.Properties(), *spec, plan, kept, res)
	if err != nil {
		removeStagedIn(dir, writeID, l.log)
		return nil, err
	}

	out := &RewriteOutput{WriteID: writeID, Files: dfs, Rows: res.Rows, Bytes: res.Bytes, Dir: dir}
	for _, f := range files {
		out.RowsIn += f.Count()
	}
	for _, ds := range deletes {
		out.DeleteFilesApplied += len(ds)
	}

	return out, nil
}

// RemoveRewritten deletes the staged files of a rewrite whose commit failed.
func (l *Lakehouse) RemoveRewritten(out *RewriteOutput) {
	if out == nil {
		return
	}
	removeStagedIn(out.Dir, out.WriteID, l.log)
}

func registerBucketIfNeeded(ctx context.Context, db DB, helpers []helper) error {
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
func groupPartition(ctx context.Context, db DB, source string, helpers []helper) ([]any, error) {
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

// removeStagedIn deletes, best effort, the files of a write in one folder.
func removeStagedIn(dir, writeID string, log interface {
	Warn(string, ...any)
}) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasPrefix(e.Name(), writeID+"-") {
			p := filepath.Join(dir, e.Name())
			if rerr := os.Remove(p); rerr != nil {
				log.Warn("could not remove staged file", "path", p, "err", rerr)
			}
		}
	}
}
