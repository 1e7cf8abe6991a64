package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// maintain runs the stream's own table maintenance after batch id
// (job.streaming compactEvery, expireSnapshotsEvery): many small commits
// otherwise leave many small files and a metadata file that grows with
// every snapshot, and each commit reads and rewrites it. The maintenance
// commits carry the stream's state forward (commit.Carry).
func (s *run) maintain(ctx context.Context, id int64) error {
	st := s.job.Stream
	compact := st.CompactEvery > 0 && id%st.CompactEvery == 0
	expire := st.ExpireEvery > 0 && id%st.ExpireEvery == 0
	if !compact && !expire {
		return nil
	}
	done := map[string]bool{}
	for _, o := range s.outputs {
		key := o.depot + "." + o.table.String()
		if done[key] {
			continue
		}
		done[key] = true
		l, _, err := s.Base.Lakehouses.Get(ctx, o.depot)
		if err != nil {
			return err
		}
		if compact {
			t, err := l.LoadTable(ctx, o.table)
			if err != nil {
				return err
			}
			ses, err := s.Base.Session(ctx, s.job.Overrides())
			if err != nil {
				return err
			}
			rep, err := maintenance.Compact(ctx, l, ses.Conn(), t, maintenance.CompactOptions{})
			ses.Close()
			if err != nil {
				return fmt.Errorf("compact %s after batch %d: %w", key, id, err)
			}
			s.printf("stream %s: compacted %s after batch %d: %d files → %d\n", s.job.Name, key, id, rep.FilesBefore, rep.FilesAfter)
		}
		if expire {
			t, err := l.LoadTable(ctx, o.table)
			if err != nil {
				return err
			}
			rep, err := maintenance.ExpireSnapshots(ctx, l, t, maintenance.ExpireOptions{OlderThan: time.Now(), RetainLast: st.RetainSnapshots})
			if err != nil {
				return fmt.Errorf("expire snapshots of %s after batch %d: %w", key, id, err)
			}
			s.log.Info("stream: snapshots expired", "table", key, "batch", id, "summary", rep.Summary())
		}
	}
	return nil
}
