package rowlevel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// ErrMergeCardinality is returned when a MERGE's ON condition pairs a
// source row with several table rows or, where a MATCHED clause fires,
// a table row with several source rows. Nothing is committed.
var ErrMergeCardinality = errors.New("merge cardinality violation")

// MergeSpec is MERGE INTO <table> <TargetAlias> USING <source>
// <SourceAlias> ON <On> WHEN <When>, with Spark's semantics.
type MergeSpec struct {
	// On is the join condition (DuckDB SQL), over the table's columns
	// (TargetAlias.col) and the source's (SourceAlias.col).
	On string
	// Clauses are the WHEN clauses, tried in order: the first of a row's
	// kind (matched or not) whose condition holds acts on it. internal/plan
	// parses them from a manifest's whenClause (plan.ParseMergeClauses).
	Clauses []MergeClause
	// TargetAlias and SourceAlias default to Flare's "old" and "new".
	TargetAlias, SourceAlias string
	// Branch merges into this branch of the table instead of main; a
	// missing branch is created from main's current snapshot (the one the
	// merge read) when the merge commits.
	Branch string
	// State is job state committed with the merge (a stream's offsets); a
	// merge with State commits even when it changes no row.
	State *commit.State
	// Properties are table properties the merge's commit sets (a Flare
	// output's iceberg.properties beside its merge); a merge that changes
	// no row still commits them when they differ from the table's. A
	// write.merge.mode among them applies to this merge already. Default:
	// none, the table's properties stay as they are.
	Properties map[string]string
}

// MergeResult reports one MERGE.
type MergeResult struct {
	Branch   string // the branch merged into ("" = main)
	Mode     string // copy-on-write or merge-on-read
	Updated  int64
	Deleted  int64
	Inserted int64
	// FilesTotal is the number of data files the table had; FilesRewritten
	// how many of them were replaced (copy-on-write) or got position deletes
	// (merge-on-read).
	FilesTotal       int
	FilesRewritten   int
	FilesAdded       int // new data files
	DeleteFilesAdded int // new position delete files
	Bytes            int64
	SnapshotID       int64 // the head of the branch merged into after the merge
	Duration         time.Duration
}

// Summary is one line for people.
func (r *MergeResult) Summary() string {
	how := "rewritten"
	if r.Mode == MergeOnRead {
		how = "given position deletes"
	}
	return fmt.Sprintf("%d updated, %d inserted, %d deleted; %d of %d files %s (%s)",
		r.Updated, r.Inserted, r.Deleted, r.FilesRewritten, r.FilesTotal, how, r.Mode)
}

// Merge runs MERGE INTO the target USING the DuckDB relation source (a view
// or table name in db, quoted as needed) in one atomic catalog commit.
//
// Rows are matched with a DuckDB join between the source and the table read
// with each row's file and position. Copy-on-write (the default) rewrites
// only the data files that hold updated or deleted rows; merge-on-read
// (table property write.merge.mode = merge-on-read) writes position delete
// files for them instead. Updated row versions and inserted rows go to new
// data files. The table must exist. See docs/merge.md.
func Merge(ctx context.Context, tgt Target, db datafile.DB, source string, spec MergeSpec) (*MergeResult, error) {
	start := time.Now()
	res, err := merge(ctx, tgt, db, source, spec)
	if err != nil {
		return nil, fmt.Errorf("merge into table %s: %w", tgt.Name, err)
	}
	res.Duration = time.Since(start)
	tgt.Log.Info("table merged", "table", tgt.Name, "mode", res.Mode, "updated", res.Updated, "inserted", res.Inserted,
		"deleted", res.Deleted, "files_rewritten", res.FilesRewritten, "files_total", res.FilesTotal, "snapshot", res.SnapshotID, "duration", res.Duration)

	return res, nil
}

func merge(ctx context.Context, tgt Target, db datafile.DB, source string, spec MergeSpec) (*MergeResult, error) {
	tAlias, sAlias := orDefault(spec.TargetAlias, "old"), orDefault(spec.SourceAlias, "new")
	if strings.TrimSpace(spec.On) == "" {
		return nil, fmt.Errorf("%w: merge needs an onClause, e.g. %s.id = %s.id", datafile.ErrInvalidSpec, tAlias, sAlias)
	}
	clauses := spec.Clauses
	if err := checkClauses(clauses); err != nil {
		return nil, err
	}
	db, release, err := datafile.PinConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := spec.State.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", datafile.ErrInvalidSpec, err)
	}
	op, err := newRowOp(ctx, tgt, db, PropMergeMode, spec.Branch, spec.Properties)
	if err != nil {
		return nil, err
	}
	defer op.cleanup(ctx)
	op.state = spec.State
	res := &MergeResult{Branch: op.branch, Mode: op.mode, FilesTotal: len(op.tasks), SnapshotID: op.baseID}

	srcCols, err := datafile.DescribeRelation(ctx, db, source)
	if err != nil {
		return nil, err
	}
	values, err := clauseValues(clauses, op.sc, srcCols, tAlias, sAlias, tgt.Name)
	if err != nil {
		return nil, err
	}

	// The source, numbered, and the table with row ids.
	src, tgtRel := op.temp("merge_src"), op.temp("merge_tgt")
	if err := op.exec(ctx, "CREATE TEMP TABLE "+src+" AS SELECT *, (row_number() OVER ()) - 1 AS __flare_sid FROM "+source); err != nil {
		return nil, fmt.Errorf("read merge source: %w", err)
	}
	tq, err := datafile.ScanSQL(tgt.Name, op.tasks, op.sc, true)
	if err != nil {
		return nil, err
	}
	if err := op.exec(ctx, "CREATE TEMP VIEW "+tgtRel+" AS "+tq); err != nil {
		return nil, fmt.Errorf("read table: %w", err)
	}

	// Every matched pair, the clause that fires on it and, for updates,
	// the new row version.
	matched := op.temp("merge_matched")
	var mClauses, nClauses []int
	for i, c := range clauses {
		if c.Matched {
			mClauses = append(mClauses, i)
		} else {
			nClauses = append(nClauses, i)
		}
	}
	sel := []string{tAlias + "." + datafile.ColFile + " AS " + datafile.ColFile, tAlias + "." + datafile.ColPos + " AS " + datafile.ColPos,
		sAlias + ".__flare_sid AS __flare_sid", clauseIndex(clauses, mClauses) + " AS __flare_clause"}
	hasUpdate := false
	for _, i := range mClauses {
		hasUpdate = hasUpdate || clauses[i].Action == MergeUpdate
	}
	if hasUpdate {
		sel = append(sel, columnCases(clauses, mClauses, values, op.sc)...)
	}
	q := "CREATE TEMP TABLE " + matched + " AS SELECT " + strings.Join(sel, ", ") + " FROM " + tgtRel + " AS " + datafile.QuoteIdent(tAlias) +
		" JOIN " + src + " AS " + datafile.QuoteIdent(sAlias) + " ON (" + spec.On + ")"
	if err := op.exec(ctx, q); err != nil {
		return nil, fmt.Errorf("match source rows (onClause %q): %w", spec.On, err)
	}
	if err := checkCardinality(ctx, db, matched, tgt.Name, spec.On); err != nil {
		return nil, err
	}

	// Source rows without a match, and the NOT MATCHED clause that fires.
	inserted := op.temp("merge_inserted")
	if len(nClauses) > 0 {
		sel := append([]string{clauseIndex(clauses, nClauses) + " AS __flare_clause"}, columnCases(clauses, nClauses, values, op.sc)...)
		q := "CREATE TEMP TABLE " + inserted + " AS SELECT * FROM (SELECT " + strings.Join(sel, ", ") + " FROM " + src + " AS " + datafile.QuoteIdent(sAlias) +
			" WHERE NOT EXISTS (SELECT 1 FROM " + matched + " AS __m WHERE __m.__flare_sid = " + datafile.QuoteIdent(sAlias) + ".__flare_sid)) WHERE __flare_clause >= 0"
		if err := op.exec(ctx, q); err != nil {
			return nil, fmt.Errorf("insert unmatched source rows: %w", err)
		}
	}

	// Counts per action.
	var updates, deletes []string
	for _, i := range mClauses {
		if clauses[i].Action == MergeUpdate {
			updates = append(updates, fmt.Sprint(i))
		} else {
			deletes = append(deletes, fmt.Sprint(i))
		}
	}
	inList := func(ids []string) string {
		if len(ids) == 0 {
			return "false"
		}
		return "__flare_clause IN (" + strings.Join(ids, ", ") + ")"
	}
	cq := "SELECT count(*) FILTER (WHERE " + inList(updates) + "), count(*) FILTER (WHERE " + inList(deletes) + ") FROM " + matched
	if err := db.QueryRowContext(ctx, cq).Scan(&res.Updated, &res.Deleted); err != nil {
		return nil, fmt.Errorf("count matched rows: %w", err)
	}
	if len(nClauses) > 0 {
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+inserted).Scan(&res.Inserted); err != nil {
			return nil, fmt.Errorf("count inserted rows: %w", err)
		}
	}
	if res.Updated+res.Deleted+res.Inserted == 0 && spec.State == nil && len(changedProps(op.tbl.Properties(), op.props)) == 0 {
		return res, nil
	}
	touched, err := op.queryPaths(ctx, "SELECT DISTINCT "+datafile.ColFile+" FROM "+matched+" WHERE __flare_clause >= 0 ORDER BY 1")
	if err != nil {
		return nil, fmt.Errorf("list files to rewrite: %w", err)
	}
	res.FilesRewritten = len(touched)

	// The new data: untouched rows of rewritten files (copy-on-write), new
	// versions of updated rows, inserted rows.
	cols := make([]string, 0, len(op.sc.Fields()))
	for _, f := range op.sc.Fields() {
		cols = append(cols, datafile.QuoteIdent(f.Name))
	}
	colList := strings.Join(cols, ", ")
	var parts []string
	if op.mode == CopyOnWrite && len(touched) > 0 {
		keep, err := op.keptRows(ctx, touched, "SELECT "+datafile.ColFile+", "+datafile.ColPos+" FROM "+matched+" WHERE __flare_clause >= 0")
		if err != nil {
			return nil, err
		}
		parts = append(parts, keep)
	}
	if res.Updated > 0 {
		parts = append(parts, "SELECT "+colList+" FROM "+matched+" WHERE "+inList(updates))
	}
	if res.Inserted > 0 {
		parts = append(parts, "SELECT "+colList+" FROM "+inserted)
	}
	var add []iceberg.DataFile
	if len(parts) > 0 {
		rows := op.temp("merge_rows")
		if err := op.exec(ctx, "CREATE TEMP VIEW "+rows+" AS "+strings.Join(parts, " UNION ALL ")); err != nil {
			return nil, fmt.Errorf("plan new data files: %w", err)
		}
		var err error
		if add, res.FilesAdded, res.Bytes, err = op.writeRows(ctx, rows); err != nil {
			return nil, err
		}
	}

	var remove, dels []iceberg.DataFile
	if op.mode == CopyOnWrite {
		for _, p := range touched {
			remove = append(remove, op.byLocal[p].File)
		}
	} else if len(touched) > 0 {
		dels, err = op.writePositionDeletes(ctx, "SELECT "+datafile.ColFile+", "+datafile.ColPos+" FROM "+matched+" WHERE __flare_clause >= 0")
		if err != nil {
			return nil, err
		}
		res.DeleteFilesAdded = len(dels)
	}
	if res.SnapshotID, err = op.commit(ctx, "merge", remove, add, dels); err != nil {
		return nil, err
	}

	return res, nil
}

// clauseIndex renders CASE WHEN <cond i> THEN i ... ELSE -1 END over the
// given clauses, in order.
func clauseIndex(clauses []MergeClause, idx []int) string {
	if len(idx) == 0 {
		return "-1"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for _, i := range idx {
		fmt.Fprintf(&b, " WHEN %s THEN %d", condOf(clauses[i]), i)
	}
	b.WriteString(" ELSE -1 END")
	return b.String()
}

func condOf(c MergeClause) string {
	if c.Cond == "" {
		return "true"
	}
	return "(" + c.Cond + ")"
}

// columnCases renders, per table column, CASE WHEN <cond i> THEN <value of
// the column under clause i> ... END, cast to the column's type.
func columnCases(clauses []MergeClause, idx []int, values []map[string]string, sc *iceberg.Schema) []string {
	out := make([]string, 0, len(sc.Fields()))
	for _, f := range sc.Fields() {
		dt, _ := datafile.DuckTypeOf(f.Type) // checked by clauseValues
		var b strings.Builder
		b.WriteString("CASE")
		for _, i := range idx {
			v := "NULL"
			if values[i] != nil {
				v = values[i][f.Name]
			}
			fmt.Fprintf(&b, " WHEN %s THEN CAST(%s AS %s)", condOf(clauses[i]), v, dt)
		}
		b.WriteString(" END AS " + datafile.QuoteIdent(f.Name))
		out = append(out, b.String())
	}
	return out
}

// clauseValues resolves, for every UPDATE and INSERT clause, the value
// expression of each table column (nil for DELETE).
func clauseValues(clauses []MergeClause, sc *iceberg.Schema, src []datafile.ResultColumn, tAlias, sAlias string, name string) ([]map[string]string, error) {
	srcByName := map[string]string{}
	for _, c := range src {
		srcByName[strings.ToLower(c.Name)] = c.Name
	}
	var names []string
	for _, f := range sc.Fields() {
		if _, err := datafile.DuckTypeOf(f.Type); err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		names = append(names, f.Name)
	}
	out := make([]map[string]string, len(clauses))
	for i, c := range clauses {
		if c.Action == MergeDelete {
			continue
		}
		vals := map[string]string{}
		for _, f := range sc.Fields() {
			if c.Action == MergeUpdate {
				vals[f.Name] = datafile.QuoteIdent(tAlias) + "." + datafile.QuoteIdent(f.Name)
			} else {
				vals[f.Name] = "NULL"
			}
		}
		if c.Star {
			var missing []string
			for _, f := range sc.Fields() {
				s, ok := srcByName[strings.ToLower(f.Name)]
				if !ok {
					missing = append(missing, f.Name)
					continue
				}
				vals[f.Name] = datafile.QuoteIdent(sAlias) + "." + datafile.QuoteIdent(s)
			}
			if len(missing) > 0 {
				return nil, fmt.Errorf("%w: WHEN %s: the source has no column %s of table %s; name the columns instead of *",
					datafile.ErrInvalidSpec, c.text(), strings.Join(missing, ", "), name)
			}
		}
		seen := map[string]bool{}
		for _, a := range c.Set {
			f, ok := datafile.FindColumn(sc, a.Column)
			if !ok {
				sort.Strings(names)
				return nil, fmt.Errorf("%w: WHEN %s: table %s has no column %s (columns: %s)", datafile.ErrInvalidSpec, c.text(), name, a.Column, strings.Join(names, ", "))
			}
			if seen[f.Name] {
				return nil, fmt.Errorf("%w: WHEN %s: column %s is assigned twice", datafile.ErrInvalidSpec, c.text(), f.Name)
			}
			seen[f.Name] = true
			vals[f.Name] = "(" + a.Expr + ")"
		}
		out[i] = vals
	}
	return out, nil
}

// checkCardinality refuses a merge where a source row matches several
// table rows, or where several source rows match one table row and a
// MATCHED clause fires on it.
func checkCardinality(ctx context.Context, db datafile.DB, matched, name, on string) error {
	var sid, n int64
	err := db.QueryRowContext(ctx, "SELECT __flare_sid, count(*) FROM "+matched+" GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1").Scan(&sid, &n)
	switch {
	case err == nil:
		return fmt.Errorf("%w: source row %d matches %d rows of table %s (onClause %q); make the onClause match at most one table row per source row",
			ErrMergeCardinality, sid+1, n, name, on)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check merge cardinality: %w", err)
	}
	var file string
	var pos int64
	err = db.QueryRowContext(ctx, "SELECT "+datafile.ColFile+", "+datafile.ColPos+", count(*) FROM "+matched+
		" GROUP BY 1, 2 HAVING count(*) > 1 AND max(__flare_clause) >= 0 ORDER BY 1, 2 LIMIT 1").Scan(&file, &pos, &n)
	switch {
	case err == nil:
		return fmt.Errorf("%w: %d source rows match the same row of table %s (row %d of file %s; onClause %q); deduplicate the source on the merge key",
			ErrMergeCardinality, n, name, pos, file, on)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check merge cardinality: %w", err)
	}
	return nil
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
