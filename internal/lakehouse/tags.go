package lakehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
	"github.com/flare-lakehouse/flare/internal/lakehouse/datafile"
)

// PropColumnTags is the table property that holds column tags: a JSON object
// from Iceberg field id to a sorted list of tags, e.g. {"3":["PII.Email"]}.
// Keyed by field id, tags follow a column through renames; any Iceberg reader
// sees them with the table's properties. See docs/column-tags.md.
const PropColumnTags = "flare.column-tags"

// parseColumnTags reads the column tags property (empty: no tags).
func parseColumnTags(props iceberg.Properties) (map[int][]string, error) {
	out := map[int][]string{}
	raw := props[PropColumnTags]
	if raw == "" {
		return out, nil
	}
	var m map[string][]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("table property %s is not a JSON object of field id to tags: %w", PropColumnTags, err)
	}
	for k, v := range m {
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("table property %s: key %q is not a field id", PropColumnTags, k)
		}
		out[id] = v
	}

	return out, nil
}

// formatColumnTags renders tags as the property value; ids no longer in sc
// (dropped columns) and empty sets are left out.
func formatColumnTags(tags map[int][]string, sc *iceberg.Schema) (string, error) {
	m := map[string][]string{}
	for id, ts := range tags {
		if _, ok := sc.FindFieldByID(id); !ok || len(ts) == 0 {
			continue
		}
		m[strconv.Itoa(id)] = ts
	}
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m) // map keys are sorted
	if err != nil {
		return "", fmt.Errorf("column tags: %w", err)
	}

	return string(b), nil
}

// tagSet returns the sorted union of tags (case-sensitive, no empties).
func tagSet(lists ...[]string) []string {
	seen := map[string]bool{}
	for _, l := range lists {
		for _, t := range l {
			if t = strings.TrimSpace(t); t != "" {
				seen[t] = true
			}
		}
	}

	return slices.Sorted(maps.Keys(seen))
}

// columnID finds a column (top level, case-insensitive; or a dotted nested
// name) and returns its field id.
func columnID(sc *iceberg.Schema, name string) (int, error) {
	if f, ok := datafile.FindColumn(sc, name); ok {
		return f.ID, nil
	}
	if f, ok := sc.FindFieldByNameCaseInsensitive(name); ok {
		return f.ID, nil
	}

	return 0, fmt.Errorf("%w: no column %s (columns: %s)", ErrInvalidSpec, name, columnNames(sc))
}

// mergeColumnTags adds tags by column name to the tags by field id.
func mergeColumnTags(have map[int][]string, sc *iceberg.Schema, add map[string][]string) error {
	for _, col := range slices.Sorted(maps.Keys(add)) {
		id, err := columnID(sc, col)
		if err != nil {
			return fmt.Errorf("column tags: %w", err)
		}
		have[id] = tagSet(have[id], add[col])
	}

	return nil
}

// addColumnTags puts a new table's column tags into its properties.
func addColumnTags(props iceberg.Properties, sc *iceberg.Schema, add map[string][]string) error {
	if len(add) == 0 {
		return nil
	}
	tags := map[int][]string{}
	if err := mergeColumnTags(tags, sc, add); err != nil {
		return err
	}
	v, err := formatColumnTags(tags, sc)
	if err != nil {
		return err
	}
	if v != "" {
		props[PropColumnTags] = v
	}

	return nil
}

// setColumnTags adds a write's column tags to the table's (tags are sticky:
// a write never removes one; `flare table untag` does) in txn.
func setColumnTags(txn *table.Transaction, staged *table.Table, add map[string][]string) error {
	if len(add) == 0 {
		return nil
	}
	props := staged.Properties()
	tags, err := parseColumnTags(props)
	if err != nil {
		return err
	}
	if err := mergeColumnTags(tags, staged.Schema(), add); err != nil {
		return err
	}
	v, err := formatColumnTags(tags, staged.Schema())
	if err != nil {
		return err
	}
	if v == props[PropColumnTags] {
		return nil
	}
	if err := txn.SetProperties(iceberg.Properties{PropColumnTags: v}); err != nil {
		return fmt.Errorf("set column tags: %w", err)
	}

	return nil
}

// ColumnTags returns the tags of the table's columns by current column name
// (nested columns by dotted name). Tags of dropped columns are not shown.
func (t *Table) ColumnTags() (map[string][]string, error) {
	tags, err := parseColumnTags(t.tbl.Properties())
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.name, err)
	}
	sc := t.tbl.Schema()
	out := map[string][]string{}
	for id, ts := range tags {
		if name, ok := sc.FindColumnName(id); ok && len(ts) > 0 {
			out[name] = ts
		}
	}

	return out, nil
}

// TagColumn adds tags to a column and returns the column's tags afterwards.
func (l *Lakehouse) TagColumn(ctx context.Context, n TableName, column string, tags ...string) ([]string, error) {
	if len(tagSet(tags)) == 0 {
		return nil, fmt.Errorf("tag column %s of %s: %w: no tags given", column, n, ErrInvalidSpec)
	}

	return l.changeColumnTags(ctx, n, column, func(have []string) []string { return tagSet(have, tags) })
}

// UntagColumn removes tags from a column (all of them when none are given) and
// returns the column's tags afterwards.
func (l *Lakehouse) UntagColumn(ctx context.Context, n TableName, column string, tags ...string) ([]string, error) {
	return l.changeColumnTags(ctx, n, column, func(have []string) []string {
		if len(tags) == 0 {
			return nil
		}
		return slices.DeleteFunc(slices.Clone(have), func(t string) bool { return slices.Contains(tags, t) })
	})
}

func (l *Lakehouse) changeColumnTags(ctx context.Context, n TableName, column string, change func([]string) []string) ([]string, error) {
	t, err := l.LoadTable(ctx, n)
	if err != nil {
		return nil, err
	}
	fail := func(err error) ([]string, error) {
		return nil, fmt.Errorf("column tags of %s: %w", n, err)
	}
	var after []string
	// Staged again on the reloaded table after a concurrent commit, so the
	// change applies to the tags as they are then.
	_, err = l.commit(ctx, n, t.tbl, "column tags", func(_ context.Context, a commit.Attempt) (*commit.Staged, error) {
		sc := a.Table.Schema()
		id, err := columnID(sc, column)
		if err != nil {
			return nil, err
		}
		tags, err := parseColumnTags(a.Table.Properties())
		if err != nil {
			return nil, err
		}
		after = change(tags[id])
		tags[id] = after
		v, err := formatColumnTags(tags, sc)
		if err != nil {
			return nil, err
		}
		if v == a.Table.Properties()[PropColumnTags] {
			return nil, nil
		}
		txn := a.Table.NewTransaction()
		if v == "" {
			err = txn.RemoveProperties([]string{PropColumnTags})
		} else {
			err = txn.SetProperties(iceberg.Properties{PropColumnTags: v})
		}
		if err != nil {
			return nil, err
		}
		return commit.FromTransaction(txn)
	})
	if err != nil {
		return fail(err)
	}

	return after, nil
}
