package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"
)

// Row-level write modes (Iceberg's write.merge.mode / write.delete.mode).
const (
	CopyOnWrite = "copy-on-write"
	MergeOnRead = "merge-on-read"
	// PropMergeMode and PropDeleteMode choose how MERGE and DELETE change
	// rows: copy-on-write (the default) or merge-on-read.
	PropMergeMode  = "write.merge.mode"
	PropDeleteMode = "write.delete.mode"
)

// rowOp is one row-level operation (MERGE or DELETE) on a table: the
// snapshot it read, the DuckDB connection it runs on, and the temporary
// relations it made there.
type rowOp struct {
	l       *Lakehouse
	db      DB
	name    TableName
	tbl     *table.Table
	sc      *iceberg.Schema
	tasks   []table.FileScanTask
	byLocal map[string]table.FileScanTask // by the local path DuckDB reads
	loc     string
	writeID string
	mode    string
	temps   []string
}

// newRowOp loads the table and plans its current snapshot. modeProp is the
// table property that chooses copy-on-write or merge-on-read.
func (l *Lakehouse) newRowOp(ctx context.Context, db DB, name TableName, modeProp string) (*rowOp, error) {
	t, err := l.LoadTable(ctx, name)
	if err != nil {
		return nil, err
	}
	tasks, sc, err := t.plan(ctx, ReadOptions{})
	if err != nil {
		return nil, err
	}
	mode := strings.ToLower(t.tbl.Properties()[modeProp])
	switch mode {
	case "":
		mode = CopyOnWrite
	case CopyOnWrite, MergeOnRead:
	default:
		return nil, fmt.Errorf("%w: table property %s = %q (copy-on-write or merge-on-read)", ErrInvalidSpec, modeProp, mode)
	}
	if mode == MergeOnRead && t.tbl.Metadata().Version() < 2 {
		return nil, fmt.Errorf("%w: %s = merge-on-read needs an Iceberg format version 2 table, %s is version %d",
			ErrInvalidSpec, modeProp, name, t.tbl.Metadata().Version())
	}
	op := &rowOp{l: l, db: db, name: name, tbl: t.tbl, sc: sc, tasks: tasks, byLocal: map[string]table.FileScanTask{},
		loc: localPath(t.tbl.Location()), writeID: uuid.NewString(), mode: mode}
	for _, task := range tasks {
		op.byLocal[localPath(task.File.FilePath())] = task
	}

	return op, nil
}

// temp returns a fresh name for a temporary relation of this operation.
func (o *rowOp) temp(kind string) string {
	n := "__flare_" + kind + "_" + strings.ReplaceAll(o.writeID[:8], "-", "")
	o.temps = append(o.temps, n)
	return n
}

// cleanup drops the temporary relations (best effort).
func (o *rowOp) cleanup(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for i := len(o.temps) - 1; i >= 0; i-- {
		_, _ = o.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+quoteIdent(o.temps[i]))
		_, _ = o.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+quoteIdent(o.temps[i]))
	}
}

func (o *rowOp) exec(ctx context.Context, q string) error {
	if _, err := o.db.ExecContext(ctx, q); err != nil {
		return err
	}
	return nil
}

// scanOf returns the read of some of the planned files, with row ids.
func (o *rowOp) scanOf(paths []string) (string, error) {
	tasks := make([]table.FileScanTask, 0, len(paths))
	for _, p := range paths {
		task, ok := o.byLocal[p]
		if !ok {
			return "", fmt.Errorf("file %s is not a data file of %s's current snapshot", p, o.name)
		}
		tasks = append(tasks, task)
	}
	return scanSQL(o.name, tasks, o.sc, true)
}

// stringList renders paths as a DuckDB list of strings.
func stringList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = quoteString(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// writeRows writes the rows of source (columns named as the table's) as
// new data files of the table, partitioned and sorted as the table is.
func (o *rowOp) writeRows(ctx context.Context, source string) ([]iceberg.DataFile, *WriteResult, error) {
	res := &WriteResult{Table: o.name}
	plan := writePlan{schema: o.sc, orderBy: orderByOf(o.tbl.SortOrder(), o.sc)}
	if !o.tbl.SortOrder().IsUnsorted() {
		plan.sortID = o.tbl.SortOrder().OrderID()
	}
	var err error
	if plan.codec, err = compressionCodec(o.tbl.Properties()); err != nil {
		return nil, nil, err
	}
	for _, f := range o.sc.Fields() {
		plan.selects = append(plan.selects, quoteIdent(f.Name))
	}
	if plan.helpers, err = helperColumns(o.tbl.Spec(), o.sc); err != nil {
		return nil, nil, err
	}
	files, err := o.l.copyFiles(ctx, o.db, source, o.loc, o.writeID, plan)
	if err != nil {
		return nil, nil, err
	}
	dfs, err := dataFiles(ctx, o.tbl, o.sc, o.tbl.Spec(), plan, files, res)
	if err != nil {
		removeStaged(o.loc, o.writeID, o.l.log)
		return nil, nil, err
	}
	return dfs, res, nil
}

// writePositionDeletes writes Iceberg position delete files for the rows
// that rowsSQL returns (columns colFile and colPos): one file-scoped delete
// file per data file, in that data file's partition.
func (o *rowOp) writePositionDeletes(ctx context.Context, rowsSQL string) ([]iceberg.DataFile, error) {
	values := make([]string, 0, len(o.tasks))
	targets := make([]iceberg.DataFile, 0, len(o.tasks))
	for _, task := range o.tasks {
		values = append(values, fmt.Sprintf("(%s, %s, %d)", quoteString(localPath(task.File.FilePath())), quoteString(task.File.FilePath()), len(targets)))
		targets = append(targets, task.File)
	}
	if len(values) == 0 {
		return nil, nil
	}
	codec, err := compressionCodec(o.tbl.Properties())
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.loc, "data", "deletes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create delete file folder: %w", err)
	}
	q := "COPY (SELECT __m.file_path, __r." + colPos + " AS pos, __m.idx AS target FROM (" + rowsSQL + ") AS __r JOIN (VALUES " +
		strings.Join(values, ", ") + ") AS __m(local, file_path, idx) ON __m.local = __r." + colFile +
		" ORDER BY __m.file_path, pos) TO " + quoteString(dir) + " (FORMAT parquet, COMPRESSION " + codec +
		", FIELD_IDS {file_path: 2147483546, pos: 2147483545}, PARTITION_BY (target), FILENAME_PATTERN " +
		quoteString(o.writeID+"-deletes-{uuid}") + ", APPEND, RETURN_STATS)"
	o.l.log.Debug("writing position delete files", "sql", q)
	staged, err := readCopyStats(ctx, o.db, q, []helper{{column: "target"}})
	if err != nil {
		removeStaged(o.loc, o.writeID, o.l.log)
		return nil, fmt.Errorf("write position delete files: %w", err)
	}
	meta := o.tbl.Metadata()
	out := make([]iceberg.DataFile, 0, len(staged))
	for _, f := range staged {
		if f.rows == 0 {
			_ = os.Remove(f.path)
			continue
		}
		idx, err := strconv.Atoi(fmt.Sprint(f.partition[0]))
		if err != nil || idx < 0 || idx >= len(targets) {
			return nil, fmt.Errorf("position delete file %s: unexpected target %v", f.path, f.partition[0])
		}
		df, err := positionDeleteFile(meta, f, targets[idx])
		if err != nil {
			removeStaged(o.loc, o.writeID, o.l.log)
			return nil, err
		}
		out = append(out, df)
	}

	return out, nil
}

// positionDeleteFile builds the manifest entry of a position delete file
// that applies to the data file target only.
func positionDeleteFile(meta table.Metadata, f stagedFile, target iceberg.DataFile) (iceberg.DataFile, error) {
	rdr, err := file.OpenParquetFile(f.path, false)
	if err != nil {
		return nil, fmt.Errorf("read position delete file %s: %w", f.path, err)
	}
	md := rdr.MetaData()
	size := f.bytes
	if st, err := os.Stat(f.path); err == nil {
		size = st.Size()
	}
	defer rdr.Close()
	spec := meta.PartitionSpecByID(int(target.SpecID()))
	if spec == nil {
		return nil, fmt.Errorf("data file %s has partition spec %d, which the table does not have", target.FilePath(), target.SpecID())
	}
	ref := target.FilePath()
	df, err := table.DataFileFromMetadata(table.DataFileArgs{
		Schema:             iceberg.PositionalDeleteSchema,
		Spec:               *spec,
		Format:             iceberg.ParquetFile,
		Metadata:           md,
		FilePath:           f.path,
		FileSize:           size,
		Content:            iceberg.EntryContentPosDeletes,
		PartitionValues:    target.Partition(),
		FormatVersion:      meta.Version(),
		ReferencedDataFile: &ref,
	})
	if err != nil {
		return nil, fmt.Errorf("position delete file %s: %w", f.path, err)
	}
	return df, nil
}

// commit replaces the data files remove with add and adds the position
// delete files deletes, in one catalog commit. It returns the new current
// snapshot id. On a definite failure the staged files are removed.
func (o *rowOp) commit(ctx context.Context, operation string, remove, add, deletes []iceberg.DataFile) (int64, error) {
	props := snapshotProps(o.writeID)
	props["flare.operation"] = operation
	fail := func(err error) (int64, error) {
		removeStaged(o.loc, o.writeID, o.l.log)
		return 0, err
	}
	txn := o.tbl.NewTransaction()
	if len(deletes) == 0 {
		if err := txn.ReplaceDataFilesWithDataFiles(ctx, remove, add, props); err != nil {
			return fail(fmt.Errorf("replace data files: %w", err))
		}
	} else {
		// A snapshot that removes whole data files, then a row delta with the
		// delete files and new rows: two snapshots, one atomic commit.
		if len(remove) > 0 {
			if err := txn.ReplaceDataFilesWithDataFiles(ctx, remove, nil, props); err != nil {
				return fail(fmt.Errorf("remove data files: %w", err))
			}
		}
		if err := txn.NewRowDelta(props).AddRows(add...).AddDeletes(deletes...).Commit(ctx); err != nil {
			return fail(fmt.Errorf("add delete files: %w", err))
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	start := time.Now()
	committed, err := txn.Commit(ctx)
	o.l.log.Debug("row-level commit", "table", o.name.String(), "duration", time.Since(start))
	if err != nil {
		if !errors.Is(err, table.ErrCommitFailed) && !isDefiniteFailure(err) {
			return 0, fmt.Errorf("commit (state unknown, staged files of write %s kept): %w", o.writeID, err)
		}
		return fail(fmt.Errorf("commit: %w", err))
	}
	if s := committed.CurrentSnapshot(); s != nil {
		return s.SnapshotID, nil
	}
	return 0, nil
}

// currentSnapshotID is the snapshot the operation read (0 for none).
func (o *rowOp) currentSnapshotID() int64 {
	if s := o.tbl.CurrentSnapshot(); s != nil {
		return s.SnapshotID
	}
	return 0
}

// queryPaths runs q, which returns one VARCHAR column, and collects it.
func (o *rowOp) queryPaths(ctx context.Context, q string) ([]string, error) {
	rows, err := o.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
