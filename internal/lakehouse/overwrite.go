package lakehouse

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// ErrWriteConflict is returned when a concurrent commit changed data that a
// write would replace, so committing it would lose an update. Nothing was
// committed; running the job again (on the new state) is the fix.
var ErrWriteConflict = errors.New("conflicting concurrent commit")

// dynamicOverwriteRetries bounds how often a dynamic overwrite is re-planned
// after concurrent commits that touched other partitions.
const dynamicOverwriteRetries = 10

// commitDefaults are the commit-retry properties Flare sets on the tables it
// creates, and adds to older tables on their next write: iceberg-go retries
// no failed commit by default, so concurrent appends would fail instead of
// being replayed on the new snapshot. A value set by the user wins.
func commitDefaults() iceberg.Properties {
	return iceberg.Properties{
		table.CommitNumRetriesKey:     "20",
		table.CommitMinRetryWaitMsKey: "20",
		table.CommitMaxRetryWaitMsKey: "2000",
	}
}

func addCommitDefaults(props iceberg.Properties) {
	for k, v := range commitDefaults() {
		if _, ok := props[k]; !ok {
			props[k] = v
		}
	}
}

// missingCommitDefaults returns the commit defaults a table lacks.
func missingCommitDefaults(have iceberg.Properties) iceberg.Properties {
	out := iceberg.Properties{}
	for k, v := range commitDefaults() {
		if _, ok := have[k]; !ok {
			out[k] = v
		}
	}

	return out
}

// stageOverwrite stages an overwrite in txn: the new files replace every
// current file of the target branch (plain overwrite) or only the files of
// the partitions the new files belong to (spec.OverwriteDynamic). A dynamic
// overwrite pins the branch head, so a concurrent commit makes Commit fail
// and commitWrite decides whether re-planning is safe.
func stageOverwrite(ctx context.Context, txn *table.Transaction, tbl *table.Table, spec WriteSpec, dfs []iceberg.DataFile, writeID string) error {
	var keys map[string]bool
	if spec.OverwriteDynamic {
		var err error
		if keys, err = writeKeys(txn, dfs); err != nil {
			return err
		}
		if err := txn.AssertRefSnapshotID(""); err != nil {
			return fmt.Errorf("pin branch head: %w", err)
		}
	}
	old, err := branchFiles(ctx, tbl, spec.Branch, keys)
	if err != nil {
		return err
	}
	if len(old) == 0 {
		if len(dfs) == 0 {
			return nil
		}
		if err := txn.AddDataFiles(ctx, dfs, snapshotProps(writeID), table.WithoutDuplicateCheck()); err != nil {
			return fmt.Errorf("add data files: %w", err)
		}
		return nil
	}
	// Position delete files of the replaced data files go in the same
	// commit (delete_files.go), so none is left pointing at a removed file.
	dels, err := obsoleteDeleteFiles(ctx, tbl, spec.Branch, old, keys == nil)
	if err != nil {
		return err
	}
	if len(dels) > 0 {
		if err := txn.ReplaceFiles(ctx, old, dfs, dels, snapshotProps(writeID)); err != nil {
			return fmt.Errorf("replace data and delete files: %w", err)
		}
		return nil
	}
	if err := txn.ReplaceDataFilesWithDataFiles(ctx, old, dfs, snapshotProps(writeID)); err != nil {
		return fmt.Errorf("replace data files: %w", err)
	}

	return nil
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

// writeKeys returns the partition keys of a write's new files, named with
// the transaction's staged metadata (which knows a spec the write evolved).
func writeKeys(txn *table.Transaction, dfs []iceberg.DataFile) (map[string]bool, error) {
	staged, err := txn.StagedTable()
	if err != nil {
		return nil, fmt.Errorf("stage write: %w", err)
	}

	return partitionKeys(staged.Metadata(), dfs), nil
}

func partitionKeys(meta table.Metadata, dfs []iceberg.DataFile) map[string]bool {
	keys := make(map[string]bool, len(dfs))
	for _, df := range dfs {
		keys[partitionKey(meta, df)] = true
	}

	return keys
}

// commitWrite commits a write's transaction. A dynamic overwrite whose
// commit lost a race is re-planned on the new branch head when the
// concurrent commits touched none of its partitions, and fails with
// ErrWriteConflict when they did. Conflicts iceberg-go's validation finds
// (an overwrite against a concurrent append, ...) become ErrWriteConflict
// with a message that says what happened.
func (l *Lakehouse) commitWrite(ctx context.Context, txn *table.Transaction, base *table.Table, spec WriteSpec, dfs []iceberg.DataFile, sc *iceberg.Schema, writeID string) (*table.Table, error) {
	dynamic := spec.Mode == Overwrite && spec.OverwriteDynamic
	var keys map[string]bool
	if dynamic {
		var err error
		if keys, err = writeKeys(txn, dfs); err != nil {
			return nil, err
		}
	}
	committed, err := txn.Commit(ctx)
	if err == nil || !dynamic {
		return committed, conflictError(spec, err)
	}
	for attempt := 1; err != nil && errors.Is(err, table.ErrCommitFailed); attempt++ {
		if attempt > dynamicOverwriteRetries {
			return nil, fmt.Errorf("%w: dynamic overwrite of %s lost the race to concurrent commits %d times; run the job again: %w",
				ErrWriteConflict, spec.Table, dynamicOverwriteRetries, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(10+rand.IntN(40*attempt)) * time.Millisecond):
		}
		fresh, lerr := l.cat.LoadTable(ctx, spec.Table.ident())
		if lerr != nil {
			return nil, fmt.Errorf("reload for retry: %w", lerr)
		}
		if cerr := partitionConflicts(ctx, base, fresh, spec.Branch, keys); cerr != nil {
			return nil, fmt.Errorf("%w: dynamic overwrite of %s: %w; nothing was committed, run the job again to replace the partitions on the new state: %w",
				ErrWriteConflict, spec.Table, cerr, err)
		}
		if !sameIDs(fresh.Schema(), sc) {
			return nil, fmt.Errorf("%w: dynamic overwrite of %s: the table schema changed concurrently; nothing was committed, run the job again: %w",
				ErrWriteConflict, spec.Table, err)
		}
		l.log.Info("re-planning dynamic overwrite after a concurrent commit to other partitions", "table", spec.Table.String(), "attempt", attempt)
		txn = fresh.NewTransactionOnBranch(branchOrMain(spec.Branch))
		if perr := restage(txn, fresh, spec, sc); perr != nil {
			return nil, perr
		}
		if serr := stageOverwrite(ctx, txn, fresh, spec, dfs, writeID); serr != nil {
			return nil, serr
		}
		base = fresh
		committed, err = txn.Commit(ctx)
	}
	if err != nil {
		return nil, conflictError(spec, err)
	}

	return committed, nil
}

// restage re-applies a write's property and sort-order changes on a fresh
// transaction.
func restage(txn *table.Transaction, fresh *table.Table, spec WriteSpec, sc *iceberg.Schema) error {
	props, err := tableProperties(spec)
	if err != nil {
		return err
	}
	changed := iceberg.Properties{}
	for k, v := range props {
		if fresh.Properties()[k] != v {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if err := txn.SetProperties(changed); err != nil {
			return fmt.Errorf("set properties: %w", err)
		}
	}
	if len(spec.Sort) > 0 {
		want, err := buildSortOrder(spec.Sort, sc)
		if err != nil {
			return err
		}
		if err := txn.ReplaceSortOrder(want); err != nil {
			return fmt.Errorf("sort order: %w", err)
		}
	}

	return nil
}

func branchOrMain(b string) string {
	if b == "" {
		return MainBranch
	}

	return b
}

// partitionConflicts reports the first snapshot committed on branch between
// base and fresh that added or removed files in one of the partitions keys.
func partitionConflicts(ctx context.Context, base, fresh *table.Table, branch string, keys map[string]bool) error {
	baseID, headID := branchHead(base, branch), branchHead(fresh, branch)
	meta := fresh.Metadata()
	lookup := func(id int64) *table.Snapshot { return meta.SnapshotByID(id) }
	var between []table.Snapshot
	if baseID == 0 {
		between = table.AncestorsOf(headID, lookup)
	} else {
		var ok bool
		between, ok = table.AncestorsBetween(headID, baseID, lookup)
		if !ok {
			return fmt.Errorf("branch %s no longer descends from snapshot %d the write started from (rolled back or replaced)", branchOrMain(branch), baseID)
		}
	}
	return changedEntries(ctx, fresh, between, func(snap table.Snapshot, e iceberg.ManifestEntry) error {
		if k := partitionKey(meta, e.DataFile()); keys[k] {
			op := ""
			if snap.Summary != nil {
				op = string(snap.Summary.Operation)
			}
			return fmt.Errorf("snapshot %d (%s), committed concurrently, also changed partition %s", snap.SnapshotID, op, strings.SplitN(k, "|", 2)[1])
		}
		return nil
	})
}

// changedEntries calls fn for every manifest entry that one of the given
// snapshots added or deleted itself (not entries it inherited), as conflict
// checks against concurrent commits need.
func changedEntries(ctx context.Context, tbl *table.Table, snaps []table.Snapshot, fn func(table.Snapshot, iceberg.ManifestEntry) error) error {
	fs, err := tbl.FS(ctx)
	if err != nil {
		return fmt.Errorf("table file system: %w", err)
	}
	for _, snap := range snaps {
		manifests, err := snap.Manifests(fs)
		if err != nil {
			return fmt.Errorf("read manifests of snapshot %d: %w", snap.SnapshotID, err)
		}
		for _, mf := range manifests {
			if mf.SnapshotID() != snap.SnapshotID {
				continue // inherited from an older snapshot
			}
			for e, err := range mf.Entries(fs, false) {
				if err != nil {
					return fmt.Errorf("read manifest %s: %w", mf.FilePath(), err)
				}
				if e.SnapshotID() != snap.SnapshotID || e.Status() == iceberg.EntryStatusEXISTING {
					continue
				}
				if err := fn(snap, e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// conflictError rewrites iceberg-go's conflict-validation errors into
// ErrWriteConflict with a message that says what to do.
func conflictError(spec WriteSpec, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, table.ErrConflictingDataFiles) || errors.Is(err, table.ErrConflictingDeleteFiles):
		what := "this overwrite replaces"
		if spec.Mode == Append {
			what = "this write depends on"
		}
		return fmt.Errorf("%w: a concurrent commit added data that %s, so committing would lose that update; nothing was committed, run the job again: %w",
			ErrWriteConflict, what, err)
	case errors.Is(err, table.ErrDataFilesMissing), errors.Is(err, table.ErrCommitDiverged):
		return fmt.Errorf("%w: a concurrent commit removed or replaced files this write replaces; nothing was committed, run the job again: %w",
			ErrWriteConflict, err)
	}

	return err
}
