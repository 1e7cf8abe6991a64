// Package commit is the one place where Flare commits a change to an Iceberg
// table of the lakehouse: writes (append, overwrite, dynamic overwrite),
// merges and deletes, branches, tags and publish, properties and column
// tags, partition evolution, compaction, manifest rewrite and snapshot
// expiry all go through Run.
//
// A change is collected the way iceberg-go collects it, in a
// table.Transaction (or, for refs, as requirements and updates), by a
// Stager that the operation passes to Run. Run submits it to the catalog
// once; when another writer committed first (the catalog refuses a stale
// base), Run waits (exponential backoff with jitter), reloads the table and
// calls the Stager again with the fresh table, so the operation re-validates
// what it read against what was committed meanwhile (returning an error
// wrapping ErrConflict when that makes its change unsafe) and re-plans the
// change on the new head. iceberg-go does all metadata work: manifests,
// manifest lists, snapshots, the metadata file; Run only decides when to
// try again and cleans up after attempts that certainly did not land.
//
// The retry budget and waits come from the table's Iceberg properties
// commit.retry.num-retries, commit.retry.min-wait-ms, commit.retry.max-wait-ms
// and commit.retry.total-timeout-ms, with Flare's defaults (DefaultPolicy)
// where they are unset.
//
// The package does not know Flare's table names, write modes or files on
// disk beyond the metadata files iceberg-go writes (internal/lakehouse
// atomicio records them), and it never writes data.
package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

var (
	// ErrConflict is returned when a concurrent commit changed what a change
	// depends on (or the change lost the race more often than the retry
	// budget allows), so committing it would lose an update. Nothing was
	// committed; running the operation again, on the new state, is the fix.
	ErrConflict = errors.New("conflicting concurrent commit")
	// ErrStateUnknown is returned when the catalog failed without saying
	// whether it accepted the commit and the table could not be reloaded to
	// find out. The files the change staged are kept; remove-orphans
	// removes them if the commit did not land.
	ErrStateUnknown = errors.New("commit state unknown")
)

// Target is the table a change commits to.
type Target struct {
	// Catalog loads the table and accepts the commit; tables Run returns
	// are bound to it.
	Catalog catalog.Catalog
	Ident   table.Identifier
}

func (t Target) String() string { return strings.Join(t.Ident, ".") }

// Attempt is what a Stager stages on.
type Attempt struct {
	// N counts attempts: 0 for the first, which stages on the table the
	// operation read; later ones stage on the table reloaded after a
	// concurrent commit.
	N int
	// Table is the table as last loaded.
	Table *table.Table
}

// Staged is one attempt's change: iceberg-go requirements (checked by the
// catalog against its current metadata) and updates.
type Staged struct {
	Requirements []table.Requirement
	Updates      []table.Update
}

// FromTransaction returns the change a transaction collected, with the
// requirements Transaction.Commit would send (the head of its branch and the
// table's UUID). nil means the transaction changes nothing.
func FromTransaction(txn *table.Transaction) (*Staged, error) {
	tc, err := txn.TableCommit()
	if err != nil {
		return nil, fmt.Errorf("stage commit: %w", err)
	}
	if len(tc.Updates) == 0 {
		return nil, nil
	}

	return &Staged{Requirements: tc.Requirements, Updates: tc.Updates}, nil
}

// A Stager builds the change on a.Table, the table as last loaded. It is
// called once per attempt and must not commit. It re-validates what the
// operation read against a.Table (on attempts after the first) and returns
// an error wrapping ErrConflict to stop, or any other error to fail. A nil
// *Staged means there is nothing to commit.
type Stager func(ctx context.Context, a Attempt) (*Staged, error)

// Policy bounds the attempts of one commit.
type Policy struct {
	// Retries is how many times a change that lost the race is staged and
	// submitted again (attempts = 1 + Retries).
	Retries int
	// MinWait and MaxWait bound the wait before a retry: retry k waits a
	// random time between MinWait and min(MaxWait, MinWait·2^k).
	MinWait, MaxWait time.Duration
	// Timeout bounds the time spent retrying.
	Timeout time.Duration
}

// DefaultPolicy is used for properties a table does not set: iceberg-go's
// own default retries nothing, which would turn every race between two
// appends into a failed job.
var DefaultPolicy = Policy{Retries: 20, MinWait: 20 * time.Millisecond, MaxWait: 2 * time.Second, Timeout: 30 * time.Minute}

// PolicyOf reads the commit.retry.* properties, defaulting to DefaultPolicy.
func PolicyOf(props iceberg.Properties) Policy {
	p := DefaultPolicy
	if v, err := parseUint(props, table.CommitNumRetriesKey); err == nil {
		p.Retries = int(min(v, 1000))
	}
	if v, err := parseUint(props, table.CommitMinRetryWaitMsKey); err == nil && v > 0 {
		p.MinWait = time.Duration(v) * time.Millisecond
	}
	if v, err := parseUint(props, table.CommitMaxRetryWaitMsKey); err == nil && v > 0 {
		p.MaxWait = time.Duration(v) * time.Millisecond
	}
	if v, err := parseUint(props, table.CommitTotalRetryTimeoutMsKey); err == nil && v > 0 {
		p.Timeout = time.Duration(v) * time.Millisecond
	}
	p.MaxWait = max(p.MaxWait, p.MinWait)

	return p
}

func parseUint(props iceberg.Properties, key string) (uint64, error) {
	v, ok := props[key]
	if !ok {
		return 0, errors.New("unset")
	}
	var n uint64
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, err
	}
	return n, nil
}

// Backoff returns the wait before retry k (1 for the first retry): a random
// duration between MinWait and min(MaxWait, MinWait·2^k). Even the first
// retry is jittered, so writers that lost the same race do not all come back
// at the same moment.
func (p Policy) Backoff(k int) time.Duration {
	if k < 1 {
		k = 1
	}
	ceiling := p.MaxWait
	if k < 32 && p.MinWait<<k < p.MaxWait && p.MinWait<<k > 0 {
		ceiling = p.MinWait << k
	}
	if ceiling <= p.MinWait {
		return p.MinWait
	}

	return p.MinWait + rand.N(ceiling-p.MinWait+1)
}

// Options configure Run.
type Options struct {
	// Operation names the change in errors and logs ("append", "merge", ...).
	Operation string
	// Policy overrides the table's retry properties when set.
	Policy *Policy
	// Log receives a record per retry; nil discards.
	Log *slog.Logger
}

type hookKey struct{}

// BeforeSubmit returns a context under which fn runs right before each
// attempt is submitted to the catalog, with the attempt number. Tests use it
// to commit a concurrent change at exactly that point.
func BeforeSubmit(ctx context.Context, fn func(attempt int)) context.Context {
	return context.WithValue(ctx, hookKey{}, fn)
}

// Run commits the change stage builds, starting from base (the table as the
// operation loaded it), and returns the table as committed. See the package
// documentation for the protocol.
func Run(ctx context.Context, tgt Target, base *table.Table, opt Options, stage Stager) (*table.Table, error) {
	if base == nil {
		return nil, fmt.Errorf("commit %s to %s: no base table", opt.Operation, tgt)
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol := PolicyOf(base.Properties())
	if opt.Policy != nil {
		pol = *opt.Policy
	}
	op := opt.Operation
	if op == "" {
		op = "commit"
	}
	start := time.Now()
	deadline := start.Add(pol.Timeout)
	cur := base
	var lastErr error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if attempt > pol.Retries || time.Now().After(deadline) {
				return nil, fmt.Errorf("%w: the %s of table %s lost the race to concurrent commits %d times; nothing was committed, run it again: %w",
					ErrConflict, op, tgt, attempt, lastErr)
			}
			wait := pol.Backoff(attempt)
			log.Info("commit lost the race to a concurrent commit; retrying on the new state",
				"table", tgt.String(), "operation", op, "attempt", attempt, "wait", wait, "err", lastErr)
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%s of table %s: %w (nothing was committed)", op, tgt, ctx.Err())
			case <-time.After(wait):
			}
			fresh, err := tgt.Catalog.LoadTable(ctx, tgt.Ident)
			if err != nil {
				if errors.Is(err, catalog.ErrNoSuchTable) {
					return nil, fmt.Errorf("%w: %s of table %s: the table was dropped while committing; nothing was committed", ErrConflict, op, tgt)
				}
				return nil, fmt.Errorf("%s of table %s: reload after a concurrent commit: %w (nothing was committed)", op, tgt, err)
			}
			if fresh.Metadata().TableUUID() != base.Metadata().TableUUID() {
				return nil, fmt.Errorf("%w: %s of table %s: the table was dropped and created again while committing; nothing was committed",
					ErrConflict, op, tgt)
			}
			cur = fresh
		}
		actx, rec := atomicio.Track(ctx)
		staged, err := stage(actx, Attempt{N: attempt, Table: cur})
		if err != nil {
			rec.RemoveAll()
			return nil, err
		}
		if staged == nil {
			rec.RemoveAll()
			return cur, nil
		}
		crashpoint.Hit(crashpoint.CommitStaged)
		if fn, ok := ctx.Value(hookKey{}).(func(int)); ok {
			fn(attempt)
		}
		if err := ctx.Err(); err != nil {
			rec.RemoveAll()
			return nil, fmt.Errorf("%s of table %s: %w (nothing was committed)", op, tgt, err)
		}
		meta, loc, err := tgt.Catalog.CommitTable(actx, tgt.Ident, staged.Requirements, staged.Updates)
		if err == nil {
			crashpoint.Hit(crashpoint.Committed)
			log.Debug("committed", "table", tgt.String(), "operation", op, "attempts", attempt+1, "duration", time.Since(start))
			committed := table.New(tgt.Ident, meta, loc, cur.FS, tgt.Catalog)
			deleteOldMetadata(ctx, cur, committed, log)
			return committed, nil
		}
		switch {
		case LostRace(err):
			rec.RemoveAll()
			lastErr = err
			continue
		}
		ok, verr := landed(ctx, tgt, rec, staged.Updates)
		switch {
		case verr != nil:
			return nil, fmt.Errorf("%w: %s of table %s: %w (reloading the table to check failed too: %v; staged files are kept, remove-orphans removes them if the commit did not land)",
				ErrStateUnknown, op, tgt, err, verr)
		case ok:
			log.Warn("the catalog reported an error, but the commit landed", "table", tgt.String(), "operation", op, "err", err)
			fresh, lerr := tgt.Catalog.LoadTable(context.WithoutCancel(ctx), tgt.Ident)
			if lerr != nil {
				return nil, fmt.Errorf("%s of table %s committed, but reloading it failed: %w", op, tgt, lerr)
			}
			return fresh, nil
		case Transient(err):
			rec.RemoveAll()
			lastErr = err
			continue
		}
		rec.RemoveAll()
		return nil, fmt.Errorf("%s of table %s: commit: %w (nothing was committed)", op, tgt, err)
	}
}

// LostRace reports whether a catalog commit error means that the table
// changed since the change was staged (the catalog refused a stale base):
// iceberg-go's ErrCommitFailed, or a requirement the current metadata no
// longer meets ("branch main has changed", "was created concurrently"; the
// SQL catalog does not wrap these, apache/iceberg-go#1079).
func LostRace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, table.ErrCommitFailed) {
		return true
	}
	return strings.Contains(strings.ToLower(err.Error()), "requirement failed")
}

// Transient reports database errors after which an operation that certainly
// did not change the catalog may simply be tried again: SQLite's "database is
// locked" (SQLITE_BUSY also comes back at once, without waiting for the busy
// timeout, when a transaction that read must write after another process
// wrote), PostgreSQL's serialization failures and deadlocks, lost
// connections.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"database is locked", "sqlite_busy", "could not serialize", "deadlock detected", "connection reset", "broken pipe"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// landed finds out whether a commit whose catalog call failed without a
// clear answer landed anyway: it did when the table has a snapshot the
// change added (snapshot ids are random), or when the table's current
// metadata file, or one in its metadata log, is a file this attempt wrote
// (local tables: atomicio records the files; iceberg-go's S3 IO does not,
// so a change without a snapshot on object storage counts as not landed).
func landed(ctx context.Context, tgt Target, rec *atomicio.Recorder, updates []table.Update) (bool, error) {
	mine := rec.Metadata()
	snaps := addedSnapshots(updates)
	if len(mine) == 0 && len(snaps) == 0 {
		return false, nil // the catalog wrote no metadata file: nothing can point at one
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	t, err := tgt.Catalog.LoadTable(ctx, tgt.Ident)
	if err != nil {
		if errors.Is(err, catalog.ErrNoSuchTable) {
			return false, nil
		}
		return false, err
	}
	for _, id := range snaps {
		if t.Metadata().SnapshotByID(id) != nil {
			return true, nil
		}
	}
	locs := map[string]bool{clean(t.MetadataLocation()): true}
	for e := range t.Metadata().PreviousFiles() {
		locs[clean(e.MetadataFile)] = true
	}
	for _, m := range mine {
		if locs[clean(m)] {
			return true, nil
		}
	}
	return false, nil
}

// addedSnapshots returns the ids of the snapshots a staged change adds.
// iceberg-go's add-snapshot update is unexported; its JSON form is the
// REST catalog's, {"action": "add-snapshot", "snapshot": {"snapshot-id": …}}.
func addedSnapshots(updates []table.Update) []int64 {
	var out []int64
	for _, u := range updates {
		if u.Action() != table.UpdateAddSnapshot {
			continue
		}
		b, err := json.Marshal(u)
		if err != nil {
			continue
		}
		var v struct {
			Snapshot struct {
				ID int64 `json:"snapshot-id"`
			} `json:"snapshot"`
		}
		if json.Unmarshal(b, &v) == nil && v.Snapshot.ID != 0 {
			out = append(out, v.Snapshot.ID)
		}
	}
	return out
}

func clean(p string) string { return filepath.Clean(strings.TrimPrefix(p, "file://")) }

// deleteOldMetadata honours write.metadata.delete-after-commit.enabled, as
// iceberg-go's own commit does: metadata files that fell out of the metadata
// log with this commit are deleted (best effort).
func deleteOldMetadata(ctx context.Context, before, after *table.Table, log *slog.Logger) {
	if !after.Properties().GetBool(table.MetadataDeleteAfterCommitEnabledKey, table.MetadataDeleteAfterCommitEnabledDefault) {
		return
	}
	kept := map[string]bool{}
	for e := range after.Metadata().PreviousFiles() {
		kept[e.MetadataFile] = true
	}
	fsys, err := after.FS(ctx)
	if err != nil {
		return
	}
	for e := range before.Metadata().PreviousFiles() {
		if !kept[e.MetadataFile] {
			if err := fsys.Remove(e.MetadataFile); err != nil {
				log.Warn("could not delete old metadata file", "path", e.MetadataFile, "err", err)
			}
		}
	}
}
