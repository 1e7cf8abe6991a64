package engine

import (
	"context"
	"strings"
	"time"
)

// ExplainAnalyze runs a query under DuckDB's EXPLAIN ANALYZE and returns the
// profiled plan (operators with their row counts and times) and how long
// the run took. The query runs in full: its result is counted, not kept.
func (s *Session) ExplainAnalyze(ctx context.Context, query string) (string, time.Duration, error) {
	start := time.Now()
	rows, err := s.conn.QueryContext(ctx, "EXPLAIN ANALYZE "+query)
	if err != nil {
		return "", 0, sqlError(err, 0, nil)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return "", 0, err
		}
		b.WriteString(v)
	}
	if err := rows.Err(); err != nil {
		return "", 0, sqlError(err, 0, nil)
	}
	return b.String(), time.Since(start), nil
}
