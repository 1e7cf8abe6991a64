package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// ErrWriteConflict is returned when a concurrent commit changed data that a
// write would replace, so committing it would lose an update. Nothing was
// committed; running the job again (on the new state) is the fix.
var ErrWriteConflict = commit.ErrConflict

// fileWrite is a write whose data files are staged: what its commit stages
// on each attempt, and what it checks against concurrent commits.
type fileWrite struct {
	spec    WriteSpec
	writeID string
	loc     string // the table's local folder
	dfs     []iceberg.DataFile
	// sc and specID are the schema (field ids) and partition spec the
	// files were written for; ev the schema changes the write makes.
	sc     *iceberg.Schema
	specID int
	ev     schemaEvolution
	// blind: the write read nothing of the table (it did not exist when
	// the write started), so no concurrent commit can invalidate it.
	blind bool
	// baseID is the head of the branch when the write planned.
	baseID int64
	// replace: a whole-table overwrite that is not blind replaces exactly
	// the files live at baseID. keys: a dynamic overwrite replaces the
	// files of these partitions.
	replace []iceberg.DataFile
	keys    map[string]bool
	// replaced: the staged overwrite removes files (set by stageOverwrite).
	replaced bool
}

// stateOnly stages txn's other changes and a snapshot that only records
// the write's job state (no rows to add or replace).
func (w *fileWrite) stateOnly(ctx context.Context, txn *table.Transaction, cur *table.Table, props iceberg.Properties) (*commit.Staged, error) {
	staged, err := commit.FromTransaction(txn)
	if err != nil {
		return nil, err
	}
	return commit.StateSnapshot(ctx, cur, w.spec.Branch, props, staged)
}

func (w *fileWrite) fail(l *Lakehouse, err error) (*WriteResult, error) {
	datafile.RemoveStaged(w.loc, w.writeID, l.log)
	return nil, err
}

func (w *fileWrite) operation() string {
	switch {
	case w.spec.Mode == Append:
		return "append"
	case w.spec.OverwriteDynamic:
		return "dynamic overwrite"
	}
	return "overwrite"
}

// commitWrite commits a write through the one commit path. On a definite
// failure the staged files are removed; when the catalog's answer is
// unknown they are kept (remove-orphans removes them if the commit did not
// land).
func (l *Lakehouse) commitWrite(ctx context.Context, base *table.Table, w *fileWrite) (*table.Table, error) {
	committed, err := commit.Run(ctx, commit.Target{Catalog: l.cat, Ident: w.spec.Table.ident()}, base,
		commit.Options{Operation: w.operation(), Log: l.log}, func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
			return w.stage(ctx, a.Table)
		})
	switch {
	case errors.Is(err, commit.ErrStateUnknown):
		return nil, fmt.Errorf("commit (staged files of write %s kept): %w", w.writeID, err)
	case err != nil:
		datafile.RemoveStaged(w.loc, w.writeID, l.log)
		return nil, err
	}

	return committed, nil
}

// stage stages the write on cur, the table as last loaded: the schema and
// partition changes, properties, sort order and column tags it makes, and
// its data files, after checking that nothing committed since the write
// planned makes it unsafe.
func (w *fileWrite) stage(ctx context.Context, cur *table.Table) (*commit.Staged, error) {
	if !w.blind {
		if err := w.validate(ctx, cur); err != nil {
			return nil, err
		}
	}
	txn, err := cur.NewTransactionOnBranchWithError(branchOrMain(w.spec.Branch))
	if err != nil {
		return nil, fmt.Errorf("%w: branch %s: %w", ErrInvalidSpec, w.spec.Branch, err)
	}
	if m := commit.MissingDefaults(cur.Properties()); len(m) > 0 {
		if err := txn.SetProperties(m); err != nil {
			return nil, fmt.Errorf("set commit retry properties: %w", err)
		}
	}
	if err := w.ev.apply(txn); err != nil {
		return nil, err
	}
	if _, err := evolvePartitionForWrite(txn, w.spec.Partition); err != nil { // evolve.go
		return nil, err
	}
	props, err := tableProperties(w.spec)
	if err != nil {
		return nil, err
	}
	changed := iceberg.Properties{}
	for k, v := range props {
		if cur.Properties()[k] != v {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if err := txn.SetProperties(changed); err != nil {
			return nil, fmt.Errorf("set properties: %w", err)
		}
	}
	staged, err := txn.StagedTable()
	if err != nil {
		return nil, fmt.Errorf("stage schema: %w", err)
	}
	if err := w.checkLayout(staged.Table); err != nil {
		return nil, err
	}
	if err := setColumnTags(txn, staged.Table, w.spec.ColumnTags); err != nil { // tags.go
		return nil, err
	}
	if len(w.spec.Sort) > 0 {
		so, err := buildSortOrder(w.spec.Sort, staged.Schema())
		if err != nil {
			return nil, err
		}
		if err := txn.ReplaceSortOrder(so); err != nil {
			return nil, fmt.Errorf("sort order: %w", err)
		}
	}
	// The job state the write commits, and the state the branch carries.
	snapProps, err := commit.Carry(cur, w.spec.Branch, datafile.SnapshotProps(w.writeID), w.spec.State)
	if err != nil {
		return nil, err
	}
	switch {
	case w.spec.Mode == Overwrite:
		if err := w.stageOverwrite(ctx, txn, cur, snapProps); err != nil {
			return nil, err
		}
	case len(w.dfs) > 0:
		// Every file name starts with this write's unique id, so iceberg-go's
		// duplicate-file check (which reads every manifest, 82% of an append's
		// commit time on a 1,000-snapshot table) can never fire.
		if err := txn.AddDataFiles(ctx, w.dfs, snapProps, table.WithoutDuplicateCheck()); err != nil {
			return nil, fmt.Errorf("add data files: %w", err)
		}
	case w.spec.State != nil:
		// Nothing to add, but the state must still move on (an empty
		// micro-batch consumed offsets): a snapshot without files.
		return w.stateOnly(ctx, txn, cur, snapProps)
	}
	if w.spec.Mode == Overwrite && w.spec.State != nil && len(w.dfs) == 0 && !w.replaced {
		return w.stateOnly(ctx, txn, cur, snapProps)
	}

	return commit.FromTransaction(txn)
}

// checkLayout refuses to commit the files into a table whose schema or
// partition spec is no longer the one they were written for (changed by a
// concurrent commit). A write that does not evolve the schema tolerates
// concurrently added columns (its files hold NULL for them).
func (w *fileWrite) checkLayout(staged *table.Table) error {
	sc := staged.Schema()
	ok := datafile.SameIDs(sc, w.sc)
	if !ok && w.ev.empty() {
		ok = containsIDs(sc, w.sc)
	}
	if !ok {
		return fmt.Errorf("%w: the schema of table %s changed concurrently (now %s; the files were written for %s); nothing was committed, run the job again",
			ErrWriteConflict, w.spec.Table, columnList(sc), columnList(w.sc))
	}
	spec := staged.Spec()
	if id := spec.ID(); id != w.specID {
		return fmt.Errorf("%w: the partition spec of table %s changed concurrently (now spec %d, the files were written for spec %d); nothing was committed, run the job again",
			ErrWriteConflict, w.spec.Table, id, w.specID)
	}
	return nil
}

// containsIDs reports whether every field of sub is in sc with the same id
// and type.
func containsIDs(sc, sub *iceberg.Schema) bool {
	have, err := iceberg.IndexByID(sc)
	if err != nil {
		return false
	}
	want, err := iceberg.IndexByID(sub)
	if err != nil {
		return false
	}
	for id, f := range want {
		g, ok := have[id]
		if !ok || g.Type.String() != f.Type.String() {
			return false
		}
	}
	return true
}

// planOverwrite records what an overwrite replaces: the partitions of its
// files (dynamic, named with meta, which knows a spec the write evolved),
// or the files live at the head it read (whole table).
func (w *fileWrite) planOverwrite(ctx context.Context, tbl *table.Table, meta table.Metadata) error {
	if w.spec.OverwriteDynamic {
		w.keys = partitionKeys(meta, w.dfs)
		return nil
	}
	old, err := branchFiles(ctx, tbl, w.spec.Branch, nil)
	if err != nil {
		return err
	}
	w.replace = old
	return nil
}

// stageOverwrite stages an overwrite in txn on cur: the new files replace
// the files it replaces (see fileWrite.replace and keys; a blind overwrite
// replaces everything live on cur, or all of its partitions), with the
// position delete files that applied to them.
func (w *fileWrite) stageOverwrite(ctx context.Context, txn *table.Transaction, cur *table.Table, props iceberg.Properties) error {
	old := w.replace
	if w.blind || w.spec.OverwriteDynamic {
		var err error
		if w.spec.OverwriteDynamic && w.keys == nil {
			staged, serr := txn.StagedTable()
			if serr != nil {
				return fmt.Errorf("stage write: %w", serr)
			}
			w.keys = partitionKeys(staged.Metadata(), w.dfs)
		}
		if old, err = branchFiles(ctx, cur, w.spec.Branch, w.keys); err != nil {
			return err
		}
	}
	w.replaced = len(old) > 0
	if len(old) == 0 {
		if len(w.dfs) == 0 {
			return nil
		}
		if err := txn.AddDataFiles(ctx, w.dfs, props, table.WithoutDuplicateCheck()); err != nil {
			return fmt.Errorf("add data files: %w", err)
		}
		return nil
	}
	// Position delete files of the replaced data files go in the same
	// commit (delete_files.go), so none is left pointing at a removed file.
	// Only a whole-table overwrite that cannot have let concurrent appends
	// in drops every delete file.
	all := !w.spec.OverwriteDynamic && (w.blind || isolation(cur) == table.IsolationSerializable)
	dels, err := datafile.ObsoleteDeleteFiles(ctx, cur, w.spec.Branch, old, all)
	if err != nil {
		return err
	}
	if len(dels) > 0 {
		if err := txn.ReplaceFiles(ctx, old, w.dfs, dels, props); err != nil {
			return fmt.Errorf("replace data and delete files: %w", err)
		}
		return nil
	}
	if err := txn.ReplaceDataFilesWithDataFiles(ctx, old, w.dfs, props); err != nil {
		return fmt.Errorf("replace data files: %w", err)
	}

	return nil
}

// isolation is the table's write.update.isolation-level (serializable when
// unset or not understood; a bad value is refused at validation).
func isolation(t *table.Table) table.IsolationLevel {
	if strings.EqualFold(t.Properties()[table.WriteUpdateIsolationLevelKey], string(table.IsolationSnapshot)) {
		return table.IsolationSnapshot
	}
	return table.IsolationSerializable
}

// validate checks the write against what was committed on its branch since
// it planned: a concurrent schema change when the write evolves the schema;
// for a whole-table overwrite, any removed file it replaces and (isolation
// level serializable, the default) any added data or delete file; for a
// dynamic overwrite, any file added or removed in one of its partitions.
// Appends never conflict.
func (w *fileWrite) validate(ctx context.Context, cur *table.Table) error {
	snaps, err := commit.Since(cur, w.spec.Branch, w.baseID)
	if err != nil {
		return fmt.Errorf("%w; nothing was committed, run the job again", err)
	}
	if len(snaps) == 0 || w.spec.Mode == Append {
		return nil
	}
	what := "overwrite"
	if w.spec.OverwriteDynamic {
		what = "dynamic overwrite"
	}
	var cerr error
	if w.spec.OverwriteDynamic {
		cerr = partitionConflicts(ctx, cur, snaps, w.keys)
	} else {
		v, ok := cur.Properties()[table.WriteUpdateIsolationLevelKey]
		if ok && !strings.EqualFold(v, string(table.IsolationSnapshot)) && !strings.EqualFold(v, string(table.IsolationSerializable)) {
			return fmt.Errorf("%w: table property %s = %q (serializable or snapshot)", ErrInvalidSpec, table.WriteUpdateIsolationLevelKey, v)
		}
		cerr = overwriteConflicts(ctx, cur, snaps, w.replace, isolation(cur))
	}
	if cerr != nil {
		return fmt.Errorf("%w: %s of %s: %w; nothing was committed, run the job again (it will read the new state)",
			ErrWriteConflict, what, w.spec.Table, cerr)
	}
	return nil
}

// overwriteConflicts reports the first concurrent change that makes a
// whole-table overwrite unsafe: a file it replaces removed, or (serializable)
// data or delete files added.
func overwriteConflicts(ctx context.Context, cur *table.Table, snaps []table.Snapshot, replace []iceberg.DataFile, level table.IsolationLevel) error {
	replaced := make(map[string]bool, len(replace))
	for _, df := range replace {
		replaced[df.FilePath()] = true
	}
	return commit.Changes(ctx, cur, snaps, func(snap table.Snapshot, e iceberg.ManifestEntry) error {
		df := e.DataFile()
		switch {
		case e.Status() == iceberg.EntryStatusDELETED && replaced[df.FilePath()]:
			return fmt.Errorf("snapshot %d (%s), committed concurrently, removed or replaced file %s that this overwrite replaces",
				snap.SnapshotID, commit.Describe(snap), df.FilePath())
		case e.Status() == iceberg.EntryStatusADDED && level == table.IsolationSerializable:
			kind := "data"
			if df.ContentType() != iceberg.EntryContentData {
				kind = "deletes"
			}
			return fmt.Errorf("snapshot %d (%s), committed concurrently, added %s that this overwrite replaces, so committing would lose that update (set %s = snapshot to let overwrites keep concurrent appends)",
				snap.SnapshotID, commit.Describe(snap), kind, table.WriteUpdateIsolationLevelKey)
		}
		return nil
	})
}

// partitionConflicts reports the first concurrent snapshot that added or
// removed files in one of the partitions keys.
func partitionConflicts(ctx context.Context, cur *table.Table, snaps []table.Snapshot, keys map[string]bool) error {
	meta := cur.Metadata()
	return commit.Changes(ctx, cur, snaps, func(snap table.Snapshot, e iceberg.ManifestEntry) error {
		if k := partitionKey(meta, e.DataFile()); keys[k] {
			return fmt.Errorf("snapshot %d (%s), committed concurrently, also changed partition %s",
				snap.SnapshotID, commit.Describe(snap), strings.SplitN(k, "|", 2)[1])
		}
		return nil
	})
}

// branchFiles lists the live data files at the head of branch; with keys,
// only those whose partition is in keys.
func branchFiles(ctx context.Context, tbl *table.Table, branch string, keys map[string]bool) ([]iceberg.DataFile, error) {
	if branchHead(tbl, branch) == 0 {
		return nil, nil
	}
	scan := tbl.Scan()
	if branch != "" && branch != MainBranch {
		s, err := scan.UseRef(branch)
		if err != nil {
			return nil, fmt.Errorf("list files of branch %s: %w", branch, err)
		}
		scan = s
	}
	tasks, err := scan.PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("list current files: %w", err)
	}
	meta := tbl.Metadata()
	var out []iceberg.DataFile
	for _, t := range WholeFiles(tasks) {
		if keys != nil && !keys[partitionKey(meta, t.File)] {
			continue
		}
		out = append(out, t.File)
	}

	return out, nil
}

// partitionKey names a data file's partition: spec id and the partition
// values as Iceberg prints them ("0|day=2024-01-02").
func partitionKey(meta table.Metadata, df iceberg.DataFile) string {
	spec := meta.PartitionSpecByID(int(df.SpecID()))
	if spec == nil {
		return fmt.Sprintf("%d|?%v", df.SpecID(), df.Partition())
	}
	sc := meta.CurrentSchema()
	parts := make([]string, 0, spec.NumFields())
	for i := range spec.NumFields() {
		pf := spec.Field(i)
		var srcType iceberg.Type = iceberg.PrimitiveTypes.String
		if src, ok := sc.FindFieldByID(pf.SourceID()); ok {
			srcType = src.Type
		}
		parts = append(parts, pf.Name+"="+pf.Transform.ToHumanStrType(srcType, df.Partition()[pf.FieldID]))
	}

	return fmt.Sprintf("%d|%s", spec.ID(), strings.Join(parts, "/"))
}

func partitionKeys(meta table.Metadata, dfs []iceberg.DataFile) map[string]bool {
	keys := make(map[string]bool, len(dfs))
	for _, df := range dfs {
		keys[partitionKey(meta, df)] = true
	}

	return keys
}

func branchOrMain(b string) string { return commit.BranchOrMain(b) }
