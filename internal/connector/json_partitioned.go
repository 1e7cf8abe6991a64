package connector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeJSONPartitioned writes source as JSON lines into Hive folders
// (<col>=<value>/...) below dir, one COPY per partition: DuckDB's JSON COPY
// has no PARTITION_BY. The partition columns are left out of the files, as
// Spark and DuckDB's other formats do; a NULL value goes to
// __HIVE_DEFAULT_PARTITION__. name and ext make each file's name
// (<name>-<i>.json<ext>).
func writeJSONPartitioned(ctx context.Context, db Execer, source, dir, name, ext string, copyOpts []string, partBy []string) (int64, error) {
	keys := make([]string, len(partBy))
	excl := make([]string, len(partBy))
	for i, p := range partBy {
		keys[i] = "CAST(" + quoteIdent(p) + " AS VARCHAR)"
		excl[i] = quoteIdent(p)
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT "+strings.Join(keys, ", ")+" FROM "+source)
	if err != nil {
		return 0, err
	}
	var parts [][]*string
	for rows.Next() {
		vals := make([]*string, len(partBy))
		ptrs := make([]any, len(partBy))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return 0, err
		}
		parts = append(parts, vals)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	for i, vals := range parts {
		segs := make([]string, len(partBy))
		conds := make([]string, len(partBy))
		for j, p := range partBy {
			v := "__HIVE_DEFAULT_PARTITION__"
			conds[j] = keys[j] + " IS NULL"
			if vals[j] != nil {
				v = hiveEscape(*vals[j])
				conds[j] = keys[j] + " = " + quote(*vals[j])
			}
			segs[j] = hiveEscape(p) + "=" + v
		}
		target := filepath.Join(dir, filepath.Join(segs...), fmt.Sprintf("%s-%d.json%s", name, i, ext))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return 0, err
		}
		q := fmt.Sprintf("COPY (SELECT * EXCLUDE (%s) FROM %s WHERE %s) TO %s (%s)",
			strings.Join(excl, ", "), source, strings.Join(conds, " AND "), quote(target), strings.Join(copyOpts, ", "))
		res, err := db.ExecContext(ctx, q)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("count rows: %w", err)
		}
		total += n
	}
	return total, nil
}
