package lakehouse

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/rowlevel"
)

// Row-level write modes (Iceberg's write.merge.mode / write.delete.mode).
const (
	CopyOnWrite = rowlevel.CopyOnWrite
	MergeOnRead = rowlevel.MergeOnRead
	// PropMergeMode and PropDeleteMode choose how MERGE and DELETE change
	// rows: copy-on-write (the default) or merge-on-read.
	PropMergeMode  = rowlevel.PropMergeMode
	PropDeleteMode = rowlevel.PropDeleteMode
)

// ErrMergeCardinality is returned when a MERGE's ON condition pairs a
// source row with several table rows or, where a MATCHED clause fires,
// a table row with several source rows. Nothing is committed.
var ErrMergeCardinality = rowlevel.ErrMergeCardinality

// MergeSpec is MERGE INTO <Table> <TargetAlias> USING <source>
// <SourceAlias> ON <On> <Clauses>, with Spark's semantics.
type MergeSpec struct {
	Table TableName
	// On is the join condition (DuckDB SQL), over the table's columns
	// (TargetAlias.col) and the source's (SourceAlias.col).
	On string
	// Clauses are the WHEN clauses, typed (internal/plan parses a
	// manifest's whenClause into them), tried in order; the first whose
	// condition holds acts on the row.
	Clauses []MergeClause
	// TargetAlias and SourceAlias default to Flare's "old" and "new".
	TargetAlias, SourceAlias string
	// Branch merges into this branch of the table instead of main; a
	// missing branch is created from main's current snapshot (the one the
	// merge read) when the merge commits.
	Branch string
	// State is job state committed with the merge (commit.State).
	State *commit.State `json:",omitempty"`
	// Properties are table properties the merge's commit sets
	// (rowlevel.MergeSpec.Properties); default none.
	Properties map[string]string `json:",omitempty"`
}

// The typed WHEN clauses of a merge (rowlevel's).
type (
	MergeClause = rowlevel.MergeClause
	MergeAction = rowlevel.MergeAction
	Assignment  = rowlevel.Assignment
)

// What a merge clause does.
const (
	MergeUpdate = rowlevel.MergeUpdate
	MergeDelete = rowlevel.MergeDelete
	MergeInsert = rowlevel.MergeInsert
)

// MergeClausesSQL renders merge clauses in DuckDB's MERGE syntax (for
// plans, messages and finding the functions they need).
func MergeClausesSQL(clauses []MergeClause) string { return rowlevel.ClausesSQL(clauses) }

// MergeResult reports one MERGE (the counts are rowlevel.MergeResult's).
type MergeResult struct {
	Table TableName
	rowlevel.MergeResult
}

// Merge runs MERGE INTO spec.Table USING the DuckDB relation source (a view
// or table name in db, quoted as needed) in one atomic catalog commit.
//
// Rows are matched with a DuckDB join between the source and the table read
// with each row's file and position. Copy-on-write (the default) rewrites
// only the data files that hold updated or deleted rows; merge-on-read
// (table property write.merge.mode = merge-on-read) writes position delete
// files for them instead. Updated row versions and inserted rows go to new
// data files. The table must exist. See docs/merge.md and
// internal/lakehouse/rowlevel.
func (l *Lakehouse) Merge(ctx context.Context, db DB, source string, spec MergeSpec) (*MergeResult, error) {
	if err := spec.Table.validate(); err != nil {
		return nil, fmt.Errorf("merge into table %s: %w", spec.Table, err)
	}
	tgt := l.rowTarget(spec.Table, func(err error) error {
		return fmt.Errorf("%w: MERGE INTO needs an existing table; create %s first with a plain write (saveMode append or overwrite)", err, spec.Table)
	})
	res, err := rowlevel.Merge(ctx, tgt, db, source, rowlevel.MergeSpec{
		On: spec.On, Clauses: spec.Clauses, TargetAlias: spec.TargetAlias, SourceAlias: spec.SourceAlias, Branch: spec.Branch, State: spec.State,
		Properties: spec.Properties,
	})
	if err != nil {
		return nil, err
	}
	return &MergeResult{Table: spec.Table, MergeResult: *res}, nil
}

// DeleteSpec is DELETE FROM <Table> <Alias> WHERE <Where>.
type DeleteSpec struct {
	Table TableName
	// Where is a DuckDB predicate over the table's columns, which are
	// aliased Alias; it may use sub-queries over other relations of db.
	Where string
	// Alias defaults to Flare's "target".
	Alias string
	// DryRun reports what would change and commits nothing.
	DryRun bool
	// Branch deletes from this branch of the table instead of main; a
	// missing branch is created from main's current snapshot (the one the
	// delete read) when the delete commits.
	Branch string
}

// DeleteResult reports one DELETE (the counts are rowlevel.DeleteResult's).
type DeleteResult struct {
	Table TableName
	rowlevel.DeleteResult
}

// Delete deletes the rows of spec.Table for which spec.Where holds, in one
// atomic catalog commit. Data files whose rows all match are dropped
// without a rewrite; partly matching files are rewritten without the rows
// (copy-on-write, the default) or get position delete files (table property
// write.delete.mode = merge-on-read). See docs/delete.md and
// internal/lakehouse/rowlevel.
func (l *Lakehouse) Delete(ctx context.Context, db DB, spec DeleteSpec) (*DeleteResult, error) {
	if err := spec.Table.validate(); err != nil {
		return nil, fmt.Errorf("delete from table %s: %w", spec.Table, err)
	}
	res, err := rowlevel.Delete(ctx, l.rowTarget(spec.Table, nil), db, rowlevel.DeleteSpec{
		Where: spec.Where, Alias: spec.Alias, DryRun: spec.DryRun, Branch: spec.Branch,
	})
	if err != nil {
		return nil, err
	}
	return &DeleteResult{Table: spec.Table, DeleteResult: *res}, nil
}

// rowTarget is table n for a row-level operation; missing, when set,
// explains an ErrNoSuchTable.
func (l *Lakehouse) rowTarget(n TableName, missing func(error) error) rowlevel.Target {
	return rowlevel.Target{
		Name: n.String(), Ident: n.ident(), Catalog: l.cat, Log: l.log,
		Load: func(ctx context.Context) (*table.Table, error) {
			t, err := l.LoadTable(ctx, n)
			if err != nil {
				if missing != nil && errors.Is(err, ErrNoSuchTable) {
					return nil, missing(err)
				}
				return nil, err
			}
			return t.tbl, nil
		},
	}
}
