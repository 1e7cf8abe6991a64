package commit

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// ErrRefExists is returned when creating a branch or tag whose name is
// taken.
var ErrRefExists = errors.New("branch or tag already exists")

// CreateRef commits a new branch or tag name at snapshotID (0: the current
// snapshot of main) and returns the snapshot it points at and the table as
// committed. A name taken meanwhile (by another writer) fails with
// ErrRefExists.
func CreateRef(ctx context.Context, tgt Target, base *table.Table, name string, kind table.RefType, snapshotID int64, opt Options) (int64, *table.Table, error) {
	if opt.Operation == "" {
		opt.Operation = "create " + string(kind)
	}
	at := snapshotID
	committed, err := Run(ctx, tgt, base, opt, func(_ context.Context, a Attempt) (*Staged, error) {
		if ref, ok := refNamed(a.Table, name); ok {
			how := ""
			if a.N > 0 {
				how = ", created concurrently by another writer"
			}
			return nil, fmt.Errorf("create %s %s on table %s: %w (a %s at snapshot %d%s); drop it first or pick another name",
				kind, name, tgt, ErrRefExists, ref.SnapshotRefType, ref.SnapshotID, how)
		}
		at = snapshotID
		if at == 0 {
			s := a.Table.CurrentSnapshot()
			if s == nil {
				return nil, fmt.Errorf("create %s %s on table %s: the table has no snapshot yet; write to it first", kind, name, tgt)
			}
			at = s.SnapshotID
		} else if a.Table.SnapshotByID(at) == nil {
			return nil, fmt.Errorf("create %s %s on table %s: no snapshot %d (see flare table snapshots)", kind, name, tgt, at)
		}
		return &Staged{
			Requirements: []table.Requirement{table.AssertTableUUID(a.Table.Metadata().TableUUID()), table.AssertRefSnapshotID(name, nil)},
			Updates:      []table.Update{table.NewSetSnapshotRefUpdate(name, at, kind, 0, 0, 0)},
		}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return at, committed, nil
}

// Defaults are the commit properties Flare sets on the tables it creates
// and adds to older tables on their next write. A value set by the user
// wins.
//
//   - Commit retries: Run reads them (see PolicyOf), and so do other
//     engines writing the table; iceberg-go's own default retries nothing.
//   - Manifest merging on append (commit.manifest-merge.enabled, Iceberg
//     Java's default; iceberg-go's is off): once a snapshot would list
//     commit.manifest.min-count-to-merge (100) small manifests, an append
//     merges them, so a table appended to every few seconds (a stream) keeps
//     a bounded manifest list and its scans plan in bounded time.
func Defaults() iceberg.Properties {
	return iceberg.Properties{
		table.CommitNumRetriesKey:     "20",
		table.CommitMinRetryWaitMsKey: "20",
		table.CommitMaxRetryWaitMsKey: "2000",
		table.ManifestMergeEnabledKey: "true",
	}
}

// AddDefaults adds the Defaults props lacks to props.
func AddDefaults(props iceberg.Properties) {
	for k, v := range Defaults() {
		if _, ok := props[k]; !ok {
			props[k] = v
		}
	}
}

// MissingDefaults returns the Defaults a table's properties lack.
func MissingDefaults(have iceberg.Properties) iceberg.Properties {
	out := iceberg.Properties{}
	for k, v := range Defaults() {
		if _, ok := have[k]; !ok {
			out[k] = v
		}
	}
	return out
}

func refNamed(t *table.Table, name string) (table.SnapshotRef, bool) {
	for n, ref := range t.Metadata().Refs() {
		if n == name {
			return ref, true
		}
	}
	return table.SnapshotRef{}, false
}
