package lakehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// Partition evolution: a table's partition spec changes in metadata only.
// Files keep the spec they were written with (each data file records its spec
// id); new writes use the table's current (default) spec; scan planning
// prunes every file under its own spec. See docs/partitioning.md.

// PartitionChange describes a partition spec evolution. Set replaces the whole
// spec (fields not listed are dropped, missing ones added); Add adds fields;
// Drop removes fields by partition field name (ts_day) or by expression
// (day(ts)). Set cannot be combined with Add or Drop.
type PartitionChange struct {
	Set  []PartitionField
	Add  []PartitionField
	Drop []string
	// Unpartition drops every field (Set with no fields).
	Unpartition bool
}

// EvolveResult reports a partition evolution.
type EvolveResult struct {
	Table    TableName
	Before   []PartitionFieldInfo
	After    []PartitionFieldInfo
	SpecID   int  // the table's spec id after the change
	Changed  bool // false when the table already had the asked spec
	Duration time.Duration
}

// PartitionSpecInfo describes one of a table's partition specs (current or
// historical) and how many live data files use it.
type PartitionSpecInfo struct {
	ID      int
	Current bool
	Fields  []PartitionFieldInfo
	Files   int
}

// EvolvePartition changes the partition spec of an existing table in one
// metadata-only commit. Old files keep their spec; later writes use the new
// one.
func (l *Lakehouse) EvolvePartition(ctx context.Context, n TableName, ch PartitionChange) (*EvolveResult, error) {
	start := time.Now()
	t, err := l.LoadTable(ctx, n)
	if err != nil {
		return nil, err
	}
	res := &EvolveResult{Table: n, Before: specInfo(t.tbl.Spec(), t.tbl.Schema())}
	committed, err := l.commit(ctx, n, t.tbl, "partition evolution", func(_ context.Context, a commit.Attempt) (*commit.Staged, error) {
		res.Before = specInfo(a.Table.Spec(), a.Table.Schema())
		txn := a.Table.NewTransaction()
		changed, err := evolveSpec(txn, ch)
		if err != nil {
			return nil, fmt.Errorf("change partition spec of %s: %w: %w", n, ErrPartitionEvolution, err)
		}
		res.Changed = changed
		if !changed {
			return nil, nil
		}
		return commit.FromTransaction(txn)
	})
	if err != nil {
		return nil, err
	}
	spec := committed.Spec()
	res.After = specInfo(spec, committed.Schema())
	res.SpecID = spec.ID()
	res.Duration = time.Since(start)
	l.log.Info("partition spec changed", "table", n.String(), "changed", res.Changed, "spec", res.SpecID, "duration", res.Duration)

	return res, nil
}

// evolvePartitionForWrite makes txn's default spec the one a write asks for
// (parts, in any order); it is a no-op when parts is empty or already equals
// the table's spec as a set of fields.
func evolvePartitionForWrite(txn *table.Transaction, parts []PartitionField) (bool, error) {
	if len(parts) == 0 {
		return false, nil
	}
	changed, err := evolveSpec(txn, PartitionChange{Set: parts})
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrPartitionEvolution, err)
	}

	return changed, nil
}

// fieldKey identifies a partition field by source column and transform.
type fieldKey struct {
	source    int
	transform string
}

// evolveSpec applies a change to the transaction's current spec through
// iceberg-go's UpdateSpec and reports whether the spec changed.
func evolveSpec(txn *table.Transaction, ch PartitionChange) (bool, error) {
	if (len(ch.Set) > 0 || ch.Unpartition) && (len(ch.Add) > 0 || len(ch.Drop) > 0) {
		return false, fmt.Errorf("%w: set the whole spec, or add and drop fields, not both", ErrInvalidSpec)
	}
	staged, err := txn.StagedTable()
	if err != nil {
		return false, fmt.Errorf("stage table: %w", err)
	}
	sc, cur := staged.Schema(), staged.Spec()
	have := map[fieldKey]iceberg.PartitionField{}
	for _, f := range cur.Fields() {
		have[fieldKey{f.SourceID(), f.Transform.String()}] = f
	}
	type add struct {
		col, name string
		tr        iceberg.Transform
	}
	var adds []add
	var drops []string
	renames := map[string]string{}
	wantAdd := func(p PartitionField, set map[fieldKey]bool) error {
		tr, err := p.Transform()
		if err != nil {
			return err
		}
		f, ok := datafile.FindColumn(sc, p.Column)
		if !ok {
			return fmt.Errorf("%w: partition column %s is not a column of the table (columns: %s)", ErrInvalidSpec, p.Column, columnNames(sc))
		}
		if !tr.CanTransform(f.Type) {
			return fmt.Errorf("%w: cannot partition by %s(%s): column type is %s", ErrInvalidSpec, tr, f.Name, f.Type)
		}
		if _, err := datafile.HelperExpr(datafile.QuoteIdent(f.Name), f.Type, tr); err != nil {
			return err
		}
		k := fieldKey{f.ID, tr.String()}
		if set != nil {
			set[k] = true
		}
		if hf, ok := have[k]; ok {
			if p.Name != "" && p.Name != hf.Name {
				renames[hf.Name] = p.Name
			}
			return nil
		}
		name := p.Name
		if name == "" {
			name = datafile.DefaultPartitionName(f.Name, tr)
		}
		adds = append(adds, add{col: f.Name, name: name, tr: tr})
		return nil
	}
	switch {
	case len(ch.Set) > 0 || ch.Unpartition:
		keep := map[fieldKey]bool{}
		for _, p := range ch.Set {
			if err := wantAdd(p, keep); err != nil {
				return false, err
			}
		}
		for _, f := range cur.Fields() {
			if !keep[fieldKey{f.SourceID(), f.Transform.String()}] {
				drops = append(drops, f.Name)
			}
		}
	default:
		for _, p := range ch.Add {
			if err := wantAdd(p, nil); err != nil {
				return false, err
			}
		}
		for _, d := range ch.Drop {
			name, err := resolveDrop(d, cur, sc)
			if err != nil {
				return false, err
			}
			drops = append(drops, name)
		}
	}
	if len(adds)+len(drops)+len(renames) == 0 {
		return false, nil
	}
	us := txn.UpdateSpec(false)
	for _, d := range drops {
		us.RemoveField(d)
	}
	for from, to := range renames {
		us.RenameField(from, to)
	}
	for _, a := range adds {
		us.AddField(a.col, a.tr, a.name)
	}
	if err := us.Commit(); err != nil {
		return false, err
	}

	return true, nil
}

// resolveDrop finds the partition field a --drop names: a field name, or an
// expression such as day(ts).
func resolveDrop(s string, cur iceberg.PartitionSpec, sc *iceberg.Schema) (string, error) {
	s = strings.TrimSpace(s)
	for _, f := range cur.Fields() {
		if f.Name == s {
			return f.Name, nil
		}
	}
	if ps, err := ParsePartitionFields(s); err == nil && len(ps) == 1 {
		p := ps[0]
		tr, terr := p.Transform()
		col, ok := datafile.FindColumn(sc, p.Column)
		if terr == nil && ok {
			for _, f := range cur.Fields() {
				if f.SourceID() == col.ID && f.Transform.Equals(tr) {
					return f.Name, nil
				}
			}
		}
	}
	names := make([]string, 0, cur.NumFields())
	for _, f := range cur.Fields() {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%w: cannot drop partition field %s: the table is not partitioned", ErrInvalidSpec, s)
	}

	return "", fmt.Errorf("%w: the table has no partition field %s (fields: %s)", ErrInvalidSpec, s, strings.Join(names, ", "))
}

func columnNames(sc *iceberg.Schema) string {
	names := make([]string, 0, len(sc.Fields()))
	for _, f := range sc.Fields() {
		names = append(names, f.Name)
	}

	return strings.Join(names, ", ")
}

func specInfo(spec iceberg.PartitionSpec, sc *iceberg.Schema) []PartitionFieldInfo {
	out := make([]PartitionFieldInfo, 0, spec.NumFields())
	for _, pf := range spec.Fields() {
		src, _ := sc.FindColumnName(pf.SourceID())
		out = append(out, PartitionFieldInfo{SourceColumn: src, Transform: pf.Transform.String(), Name: pf.Name})
	}

	return out
}

// PartitionSpecs lists every partition spec the table has had, oldest first,
// with the number of live data files written under each.
func (t *Table) PartitionSpecs(ctx context.Context) ([]PartitionSpecInfo, error) {
	meta := t.tbl.Metadata()
	counts := map[int]int{}
	if meta.CurrentSnapshot() != nil {
		tasks, _, err := t.plan(ctx, ReadOptions{})
		if err != nil {
			return nil, err
		}
		for _, task := range tasks {
			counts[int(task.File.SpecID())]++
		}
	}
	sc := meta.CurrentSchema()
	cur := meta.DefaultPartitionSpec()
	specs := meta.PartitionSpecs()
	out := make([]PartitionSpecInfo, 0, len(specs))
	for _, s := range specs {
		out = append(out, PartitionSpecInfo{ID: s.ID(), Current: s.ID() == cur, Fields: specInfo(s, sc), Files: counts[s.ID()]})
	}
	slices.SortFunc(out, func(a, b PartitionSpecInfo) int { return a.ID - b.ID })

	return out, nil
}
