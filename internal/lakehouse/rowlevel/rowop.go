package rowlevel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
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

// ErrConflict is returned when a concurrent commit changed rows or files
// the operation changes (the commit package's ErrConflict).
var ErrConflict = commit.ErrConflict

// Target is the table a row-level operation changes.
type Target struct {
	// Name is the table's name in errors and logs (collection.dataset).
	Name  string
	Ident table.Identifier
	// Catalog loads the table and accepts commits.
	Catalog catalog.Catalog
	// Load loads the table (its error says when the table does not exist).
	Load func(ctx context.Context) (*table.Table, error)
	Log  *slog.Logger
}

func (t Target) commitTarget() commit.Target {
	return commit.Target{Catalog: t.Catalog, Ident: t.Ident}
}

// rowOp is one row-level operation (MERGE or DELETE) on a table: the
// snapshot it read, the DuckDB connection it runs on, and the temporary
// relations it made there.
type rowOp struct {
	tgt  Target
	db   datafile.DB
	name string
	tbl  *table.Table
	// branch is the branch the operation reads and commits to ("" = main);
	// branchMissing means it does not exist yet: the operation read main
	// and creates the branch from the snapshot it read when it commits.
	branch        string
	branchMissing bool
	// baseID is the snapshot the operation read (0 for none).
	baseID  int64
	sc      *iceberg.Schema
	tasks   []table.FileScanTask
	byLocal map[string]table.FileScanTask // by the local path DuckDB reads
	loc     string
	writeID string
	// state is job state committed with the change (MergeSpec.State).
	state *commit.State
	// props are table properties the commit sets (MergeSpec.Properties).
	props map[string]string
	mode  string
	temps []string
}

// newRowOp loads the table and plans the head of branch ("" or main: the
// current snapshot; a missing branch reads main, from which the commit
// creates it). modeProp is the table property that chooses copy-on-write
// or merge-on-read.
func newRowOp(ctx context.Context, tgt Target, db datafile.DB, modeProp, branch string, props map[string]string) (*rowOp, error) {
	tbl, err := tgt.Load(ctx)
	if err != nil {
		return nil, err
	}
	name := tgt.Name
	if branch == commit.MainBranch {
		branch = ""
	}
	readBranch, missing := "", false
	if branch != "" {
		missing = true
		for n, ref := range tbl.Metadata().Refs() {
			if n != branch {
				continue
			}
			if ref.SnapshotRefType != table.BranchRef {
				return nil, fmt.Errorf("%w: %s of table %s is a tag; changing rows needs a branch", datafile.ErrInvalidSpec, branch, name)
			}
			missing = false
		}
		if !missing {
			readBranch = branch
		}
	}
	tasks, sc, err := planScan(ctx, tbl, name, readBranch)
	if err != nil {
		return nil, err
	}
	mode := strings.ToLower(tbl.Properties()[modeProp])
	if v, ok := props[modeProp]; ok {
		mode = strings.ToLower(v)
	}
	switch mode {
	case "":
		mode = CopyOnWrite
	case CopyOnWrite, MergeOnRead:
	default:
		return nil, fmt.Errorf("%w: table property %s = %q (copy-on-write or merge-on-read)", datafile.ErrInvalidSpec, modeProp, mode)
	}
	if mode == MergeOnRead && tbl.Metadata().Version() < 2 {
		return nil, fmt.Errorf("%w: %s = merge-on-read needs an Iceberg format version 2 table, %s is version %d",
			datafile.ErrInvalidSpec, modeProp, name, tbl.Metadata().Version())
	}
	op := &rowOp{tgt: tgt, db: db, name: name, tbl: tbl, branch: branch, branchMissing: missing, sc: sc, tasks: tasks,
		byLocal: map[string]table.FileScanTask{}, loc: datafile.LocalPath(tbl.Location()), writeID: uuid.NewString(), mode: mode, props: props}
	if missing {
		op.baseID = commit.Head(tbl, "")
	} else {
		op.baseID = commit.Head(tbl, branch)
	}
	var files []string
	for _, task := range tasks {
		op.byLocal[datafile.LocalPath(task.File.FilePath())] = task
		files = append(files, task.File.FilePath())
		for _, d := range task.DeleteFiles {
			files = append(files, d.FilePath())
		}
	}
	if err := datafile.Fetch(ctx, files...); err != nil { // local copies of a table on object storage
		return nil, err
	}
	crashpoint.Hit(crashpoint.ReadPlanned)

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
		_, _ = o.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+datafile.QuoteIdent(o.temps[i]))
		_, _ = o.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+datafile.QuoteIdent(o.temps[i]))
	}
}

func (o *rowOp) exec(ctx context.Context, q string) error {
	start := time.Now()
	if _, err := o.db.ExecContext(ctx, q); err != nil {
		return err
	}
	o.tgt.Log.Debug("row-level step", "table", o.name, "duration", time.Since(start), "sql", q)
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
	return datafile.ScanSQL(o.name, tasks, o.sc, true)
}

// keptRows returns a query over the rows of the data files paths (local
// paths of planned files) without the rows that dropSQL returns (columns
// ColFile and ColPos). The rows to drop are numbered by the file's index in
// the read (DuckDB's file_index) into a temporary table first, so the
// rewrite is one hash anti-join on two integers: a correlated NOT EXISTS on
// the file path made DuckDB group every row of the files by path (a delim
// join), which cost more than writing them.
func (o *rowOp) keptRows(ctx context.Context, paths []string, dropSQL string) (string, error) {
	scan, err := o.scanOf(paths)
	if err != nil {
		return "", err
	}
	values := make([]string, len(paths))
	for i, p := range paths {
		values[i] = fmt.Sprintf("(%s, %d)", datafile.QuoteString(p), i)
	}
	drops := o.temp("drops")
	q := "CREATE TEMP TABLE " + drops + " AS SELECT __f.idx AS " + datafile.ColFileIdx + ", __r." + datafile.ColPos + " AS " + datafile.ColPos + " FROM (" + dropSQL +
		") AS __r JOIN (VALUES " + strings.Join(values, ", ") + ") AS __f(path, idx) ON __f.path = __r." + datafile.ColFile
	if err := o.exec(ctx, q); err != nil {
		return "", fmt.Errorf("list rows to drop: %w", err)
	}
	cols := make([]string, 0, len(o.sc.Fields()))
	for _, f := range o.sc.Fields() {
		cols = append(cols, "__k."+datafile.QuoteIdent(f.Name))
	}

	return "SELECT " + strings.Join(cols, ", ") + " FROM (" + scan + ") AS __k ANTI JOIN " + drops + " AS __x ON __x." + datafile.ColFileIdx + " = __k." + datafile.ColFileIdx +
		" AND __x." + datafile.ColPos + " = __k." + datafile.ColPos, nil
}

// stringList renders paths as a DuckDB list of strings.
func stringList(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = datafile.QuoteString(p)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// writeRows writes the rows of source (columns named as the table's) as
// new data files of the table, partitioned and sorted as the table is.
func (o *rowOp) writeRows(ctx context.Context, source string) ([]iceberg.DataFile, int, int64, error) {
	plan := datafile.Plan{Schema: o.sc, OrderBy: datafile.SortOrderSQL(o.tbl.SortOrder(), o.sc)}
	if !o.tbl.SortOrder().IsUnsorted() {
		plan.SortID = o.tbl.SortOrder().OrderID()
	}
	var err error
	if plan.Codec, err = datafile.CompressionCodec(o.tbl.Properties()); err != nil {
		return nil, 0, 0, err
	}
	for _, f := range o.sc.Fields() {
		plan.Selects = append(plan.Selects, datafile.QuoteIdent(f.Name))
	}
	if plan.Helpers, err = datafile.HelperColumns(o.tbl.Spec(), o.sc); err != nil {
		return nil, 0, 0, err
	}
	files, err := datafile.Copy(ctx, o.db, source, o.loc, o.writeID, plan, o.tgt.Log)
	if err != nil {
		return nil, 0, 0, err
	}
	fsys, err := o.tbl.FS(ctx)
	if err != nil {
		datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
		return nil, 0, 0, fmt.Errorf("table file system: %w", err)
	}
	dfs, err := datafile.DataFiles(ctx, fsys, o.tbl.Properties(), o.tbl.Spec(), plan, files)
	if err != nil {
		datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
		return nil, 0, 0, err
	}
	n, _, bytes := datafile.Totals(files)
	return dfs, n, bytes, nil
}

// writePositionDeletes writes Iceberg position delete files for the rows
// that rowsSQL returns (columns ColFile and ColPos): one file-scoped delete
// file per data file, in that data file's partition.
func (o *rowOp) writePositionDeletes(ctx context.Context, rowsSQL string) ([]iceberg.DataFile, error) {
	values := make([]string, 0, len(o.tasks))
	targets := make([]iceberg.DataFile, 0, len(o.tasks))
	for _, task := range o.tasks {
		values = append(values, fmt.Sprintf("(%s, %s, %d)", datafile.QuoteString(datafile.LocalPath(task.File.FilePath())), datafile.QuoteString(task.File.FilePath()), len(targets)))
		targets = append(targets, task.File)
	}
	if len(values) == 0 {
		return nil, nil
	}
	codec, err := datafile.CompressionCodec(o.tbl.Properties())
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.loc, "data", "deletes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create delete file folder: %w", err)
	}
	q := "COPY (SELECT __m.file_path, __r." + datafile.ColPos + " AS pos, __m.idx AS target FROM (" + rowsSQL + ") AS __r JOIN (VALUES " +
		strings.Join(values, ", ") + ") AS __m(local, file_path, idx) ON __m.local = __r." + datafile.ColFile +
		" ORDER BY __m.file_path, pos) TO " + datafile.QuoteString(dir) + " (FORMAT parquet, COMPRESSION " + codec +
		", FIELD_IDS {file_path: 2147483546, pos: 2147483545}, PARTITION_BY (target), FILENAME_PATTERN " +
		datafile.QuoteString(o.writeID+"-deletes-{uuid}") + ", APPEND, RETURN_STATS)"
	o.tgt.Log.Debug("writing position delete files", "sql", q)
	staged, err := datafile.ReadCopyStats(ctx, o.db, q, []datafile.Helper{{Column: "target"}})
	if err != nil {
		datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
		return nil, fmt.Errorf("write position delete files: %w", err)
	}
	crashpoint.Hit(crashpoint.FilesWritten)
	if err := datafile.Upload(ctx, staged); err != nil { // a table on object storage
		datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
		return nil, err
	}
	meta := o.tbl.Metadata()
	out := make([]iceberg.DataFile, 0, len(staged))
	for _, f := range staged {
		if f.Rows == 0 {
			_ = os.Remove(f.Path)
			continue
		}
		idx, err := strconv.Atoi(fmt.Sprint(f.Partition[0]))
		if err != nil || idx < 0 || idx >= len(targets) {
			return nil, fmt.Errorf("position delete file %s: unexpected target %v", f.Path, f.Partition[0])
		}
		df, err := datafile.PositionDeleteFile(meta, f, targets[idx])
		if err != nil {
			datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
			return nil, err
		}
		out = append(out, df)
	}

	return out, nil
}

// commit replaces the data files remove with add and adds the position
// delete files deletes, in one catalog commit on the operation's branch
// (through the one commit path). It returns the new head of the branch.
// On a definite failure the staged files are removed.
//
// When a concurrent commit moved the head, the commit is staged again on
// the new head after conflicts looked at what the concurrent snapshots
// changed: if one removed or replaced a data file this operation rewrites,
// drops or gives position deletes (compaction, another merge or delete, an
// overwrite), or added delete files for one, the operation fails with
// ErrConflict (committing would lose that change or resurrect rows).
// Otherwise (for instance concurrent appends) both changes are kept.
func (o *rowOp) commit(ctx context.Context, operation string, remove, add, deletes []iceberg.DataFile) (int64, error) {
	props := datafile.SnapshotProps(o.writeID)
	props["flare.operation"] = operation
	fail := func(err error) (int64, error) {
		datafile.RemoveStaged(o.loc, o.writeID, o.tgt.Log)
		return 0, err
	}
	touched := map[string]bool{}
	for _, df := range remove {
		touched[df.FilePath()] = true
	}
	for _, df := range deletes {
		if ref := df.ReferencedDataFile(); ref != nil {
			touched[*ref] = true
		}
	}
	base := o.tbl
	if o.branchMissing {
		if o.baseID != 0 {
			_, _, err := commit.CreateRef(ctx, o.tgt.commitTarget(), o.tbl, o.branch, table.BranchRef, o.baseID, commit.Options{Log: o.tgt.Log})
			if err != nil && !errors.Is(err, commit.ErrRefExists) {
				return fail(err)
			}
			o.tgt.Log.Info("branch created from main", "table", o.name, "branch", o.branch, "snapshot", o.baseID)
		}
		fresh, err := o.tgt.Catalog.LoadTable(ctx, o.tgt.Ident)
		if err != nil {
			return fail(fmt.Errorf("reload after creating branch %s: %w", o.branch, err))
		}
		base = fresh
	}
	committed, err := commit.Run(ctx, o.tgt.commitTarget(), base, commit.Options{Operation: operation, Log: o.tgt.Log}, func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
		if cerr := o.conflicts(ctx, a.Table, touched); cerr != nil {
			return nil, o.conflictErr(operation, cerr)
		}
		snapProps, err := commit.Carry(a.Table, o.branch, props, o.state)
		if err != nil {
			return nil, err
		}
		if len(remove)+len(add)+len(deletes) == 0 {
			// No row changes: the commit sets properties and moves job
			// state on.
			var staged *commit.Staged
			if ch := changedProps(a.Table.Properties(), o.props); len(ch) > 0 {
				txn, err := o.newTxn(a.Table)
				if err != nil {
					return nil, err
				}
				if err := txn.SetProperties(ch); err != nil {
					return nil, fmt.Errorf("set table properties: %w", err)
				}
				if staged, err = commit.FromTransaction(txn); err != nil || o.state == nil {
					return staged, err
				}
			}
			return commit.StateSnapshot(ctx, a.Table, o.branch, snapProps, staged)
		}
		txn, err := o.stage(ctx, a.Table, snapProps, remove, add, deletes)
		if err != nil {
			return nil, err
		}
		return commit.FromTransaction(txn)
	})
	switch {
	case errors.Is(err, commit.ErrStateUnknown):
		return 0, fmt.Errorf("commit (staged files of write %s kept): %w", o.writeID, err)
	case err != nil:
		return fail(err)
	}
	return commit.Head(committed, o.branch), nil
}

func (o *rowOp) conflictErr(operation string, cerr error) error {
	if errors.Is(cerr, ErrConflict) {
		return fmt.Errorf("%s of table %s%s: %w; nothing was committed, run the %s again (it will read the new state)",
			operation, o.name, o.onBranch(), cerr, operation)
	}
	return fmt.Errorf("%w: %s of table %s%s: %w; nothing was committed, run the %s again (it will read the new state)",
		ErrConflict, operation, o.name, o.onBranch(), cerr, operation)
}

func (o *rowOp) onBranch() string {
	if o.branch == "" {
		return ""
	}
	return " (branch " + o.branch + ")"
}

// stage builds the transaction of the commit on base (the branch head it
// has; the commit path fences it there).
func (o *rowOp) stage(ctx context.Context, base *table.Table, props iceberg.Properties, remove, add, deletes []iceberg.DataFile) (*table.Transaction, error) {
	txn, err := o.newTxn(base)
	if err != nil {
		return nil, err
	}
	m := commit.MissingDefaults(base.Properties())
	for k, v := range changedProps(base.Properties(), o.props) {
		if m == nil {
			m = iceberg.Properties{}
		}
		m[k] = v
	}
	if len(m) > 0 {
		if err := txn.SetProperties(m); err != nil {
			return nil, fmt.Errorf("set table properties: %w", err)
		}
	}
	if len(deletes) == 0 {
		if err := txn.ReplaceDataFilesWithDataFiles(ctx, remove, add, props); err != nil {
			return nil, fmt.Errorf("replace data files: %w", err)
		}
		return txn, nil
	}
	// A snapshot that removes whole data files, then a row delta with the
	// delete files and new rows: two snapshots, one atomic commit.
	if len(remove) > 0 {
		if err := txn.ReplaceDataFilesWithDataFiles(ctx, remove, nil, props); err != nil {
			return nil, fmt.Errorf("remove data files: %w", err)
		}
	}
	if err := txn.NewRowDelta(props).AddRows(add...).AddDeletes(deletes...).Commit(ctx); err != nil {
		return nil, fmt.Errorf("add delete files: %w", err)
	}
	return txn, nil
}

// conflicts reports the first change committed on the operation's branch
// after the snapshot it read that makes its commit unsafe: a data file in
// touched removed (rewritten, compacted, dropped), or delete files added
// for one. Concurrent appends are no conflict.
func (o *rowOp) conflicts(ctx context.Context, fresh *table.Table, touched map[string]bool) error {
	between, err := commit.Since(fresh, o.branch, o.baseID)
	if err != nil || len(touched) == 0 {
		return err
	}
	return commit.Changes(ctx, fresh, between, func(snap table.Snapshot, e iceberg.ManifestEntry) error {
		df := e.DataFile()
		if df.ContentType() == iceberg.EntryContentData {
			if e.Status() == iceberg.EntryStatusDELETED && touched[df.FilePath()] {
				return fmt.Errorf("snapshot %d (%s), committed concurrently, removed or rewrote data file %s, which this operation also changes",
					snap.SnapshotID, commit.Describe(snap), df.FilePath())
			}
			return nil
		}
		if e.Status() != iceberg.EntryStatusADDED {
			return nil
		}
		if ref, ok := datafile.DeleteTarget(df); !ok || touched[ref] {
			target := "data files this operation also changes"
			if ok {
				target = "data file " + ref + ", which this operation also changes"
			}
			return fmt.Errorf("snapshot %d (%s), committed concurrently, deleted rows of %s (delete file %s)",
				snap.SnapshotID, commit.Describe(snap), target, df.FilePath())
		}
		return nil
	})
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

// planScan plans the read of the head of branch ("" = main): the file scan
// tasks and the schema.
func planScan(ctx context.Context, tbl *table.Table, name, branch string) ([]table.FileScanTask, *iceberg.Schema, error) {
	scan := tbl.Scan()
	if branch != "" {
		s, err := scan.UseRef(branch)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s at %s: %w", name, branch, err)
		}
		scan = s
	}
	snap, err := scan.ResolveSnapshot()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	sc, err := scan.Projection()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	if snap == nil {
		return nil, sc, nil
	}
	tasks, err := scan.PlanFiles(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("plan scan of %s: %w", name, err)
	}
	return datafile.WholeFiles(tasks), sc, nil
}

// newTxn starts a transaction on the operation's branch of base.
func (o *rowOp) newTxn(base *table.Table) (*table.Transaction, error) {
	if o.branch == "" {
		return base.NewTransaction(), nil
	}
	txn, err := base.NewTransactionOnBranchWithError(o.branch)
	if err != nil {
		return nil, fmt.Errorf("branch %s: %w", o.branch, err)
	}
	return txn, nil
}

// changedProps is the part of want whose values the table's properties
// (have) do not have yet.
func changedProps(have iceberg.Properties, want map[string]string) iceberg.Properties {
	var out iceberg.Properties
	for k, v := range want {
		if cur, ok := have[k]; ok && cur == v {
			continue
		}
		if out == nil {
			out = iceberg.Properties{}
		}
		out[k] = v
	}
	return out
}
