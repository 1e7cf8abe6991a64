package maintenance

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/lakehouse/commit"
)

// ManifestOptions configure RewriteManifests (rewrite_manifest).
type ManifestOptions struct {
	// SpecID limits the rewrite to manifests of one partition spec.
	SpecID *int
	// TargetSize is the manifest size in bytes; 0 means the table property
	// commit.manifest.target-size-bytes (8 MiB by default).
	TargetSize int64
	DryRun     bool
}

// RewriteManifests merges the current snapshot's data manifests (one per
// append, typically) into few, with the data files ordered by partition
// and split into contiguous partition ranges, so that scan planning reads
// few manifests and prunes them by their partition bounds. It commits a
// metadata-only replace snapshot through iceberg-go's RewriteManifests.
func RewriteManifests(ctx context.Context, t *lakehouse.Table, opt ManifestOptions) (*Report, error) {
	start := time.Now()
	rep, err := rewriteManifests(ctx, t, opt)
	if err != nil {
		return nil, fmt.Errorf("rewrite_manifest on table %s: %w", t.Name(), err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func rewriteManifests(ctx context.Context, t *lakehouse.Table, opt ManifestOptions) (*Report, error) {
	tbl := t.Iceberg()
	rep := &Report{Action: ActionRewriteManifests, Table: t.Name().String(), DryRun: opt.DryRun}
	snap := tbl.CurrentSnapshot()
	if snap == nil {
		rep.Note = "table has no data"
		return rep, nil
	}
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}
	before, err := snap.Manifests(fsys)
	if err != nil {
		return nil, fmt.Errorf("read manifest list: %w", err)
	}
	var eligible []iceberg.ManifestFile
	for _, m := range before {
		if m.ManifestContent() != iceberg.ManifestContentData {
			continue
		}
		rep.FilesBefore++
		rep.BytesBefore += m.Length()
		if opt.SpecID == nil || int(m.PartitionSpecID()) == *opt.SpecID {
			eligible = append(eligible, m)
		}
	}
	if opt.SpecID != nil {
		if _, ok := specByID(tbl.Metadata(), *opt.SpecID); !ok {
			return nil, fmt.Errorf("%w: specId %d: the table has no partition spec %d", ErrInvalidOption, *opt.SpecID, *opt.SpecID)
		}
	}
	rep.FilesAfter, rep.BytesAfter = rep.FilesBefore, rep.BytesBefore
	target := opt.TargetSize
	if target <= 0 {
		target = int64(tbl.Properties().GetInt(table.ManifestTargetSizeBytesKey, table.ManifestTargetSizeBytesDefault))
	}
	ranges, perManifest, err := partitionRanges(fsys, eligible, target)
	if err != nil {
		return nil, err
	}
	if len(eligible) <= 1 || ranges.grouped(perManifest) {
		rep.Note = "manifests already merged"
		return rep, nil
	}
	if opt.DryRun {
		for _, m := range eligible {
			rep.Rewritten = append(rep.Rewritten, File{Path: m.FilePath(), Bytes: m.Length(), Kind: "manifest"})
		}
		rep.Added = ranges.count()
		rep.FilesAfter = rep.FilesBefore - len(eligible) + rep.Added
		rep.Note = "output count is an estimate"
		return rep, nil
	}

	ropts := []table.RewriteManifestsOpt{table.WithManifestTargetSize(target), table.WithRewriteManifestClusterBy(ranges.of)}
	if opt.SpecID != nil {
		ropts = append(ropts, table.WithRewriteSpecID(*opt.SpecID))
	}
	var res *table.RewriteManifestsResult
	committedT, err := t.Commit(ctx, ActionRewriteManifests, func(ctx context.Context, a commit.Attempt) (*commit.Staged, error) {
		txn := a.Table.NewTransaction()
		r, err := txn.RewriteManifests(ctx, ropts...)
		if err != nil {
			return nil, fmt.Errorf("rewrite manifests: %w", err)
		}
		res = r
		if r.IsNoOp() {
			return nil, nil
		}
		return commit.FromTransaction(txn)
	})
	if err != nil {
		return nil, fmt.Errorf("%w (nothing changed; run the action again)", err)
	}
	if res.IsNoOp() {
		rep.Note = "manifests already merged"
		return rep, nil
	}
	committed := committedT.Iceberg()
	for _, m := range res.RewrittenManifests {
		rep.Rewritten = append(rep.Rewritten, File{Path: m.FilePath(), Bytes: m.Length(), Kind: "manifest"})
	}
	rep.Added = len(res.AddedManifests)
	after, err := committed.CurrentSnapshot().Manifests(fsys)
	if err != nil {
		return nil, fmt.Errorf("read new manifest list: %w", err)
	}
	rep.FilesAfter, rep.BytesAfter = 0, 0
	for _, m := range after {
		if m.ManifestContent() == iceberg.ManifestContentData {
			rep.FilesAfter++
			rep.BytesAfter += m.Length()
		}
	}
	rep.SnapshotID = committed.CurrentSnapshot().SnapshotID
	return rep, nil
}

func specByID(meta table.Metadata, id int) (iceberg.PartitionSpec, bool) {
	for _, s := range meta.PartitionSpecs() {
		if s.ID() == id {
			return s, true
		}
	}
	return iceberg.PartitionSpec{}, false
}

// keyRanges assigns each partition of the rewritten files to one of n
// contiguous ranges of partitions (in partition order), n chosen from the
// manifests' total size and the target size. Used as the cluster key, it
// gives manifests that each hold a range of partitions, like Iceberg Java's
// RewriteManifests.
type keyRanges struct {
	bounds []partKey // the first key of each range but the first, sorted
}

type partKey struct {
	spec int32
	vals []any
}

func (r *keyRanges) count() int { return len(r.bounds) + 1 }

// of returns the range of a data file's partition.
func (r *keyRanges) of(df iceberg.DataFile) any { return r.rangeOf(keyOf(df)) }

func (r *keyRanges) rangeOf(k partKey) int {
	i, _ := slices.BinarySearchFunc(r.bounds, k, comparePartKeys)
	if i < len(r.bounds) && comparePartKeys(r.bounds[i], k) == 0 {
		i++
	}
	return i
}

// entryBytes estimates the size of one manifest entry (path, partition,
// counts and column bounds) in a merged manifest. Counting entries rather
// than input bytes makes the ranges the same on a second run, which then
// finds nothing to do.
const entryBytes = 1024

func partitionRanges(fsys icebergio.IO, manifests []iceberg.ManifestFile, target int64) (*keyRanges, [][]partKey, error) {
	var total int64
	var keys []partKey
	seen := map[string]bool{}
	perManifest := make([][]partKey, len(manifests))
	for i, m := range manifests {
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			return nil, nil, fmt.Errorf("read manifest %s: %w", m.FilePath(), err)
		}
		total += int64(len(entries)) * entryBytes
		for _, e := range entries {
			k := keyOf(e.DataFile())
			perManifest[i] = append(perManifest[i], k)
			s := fmt.Sprint(k.spec, k.vals)
			if !seen[s] {
				seen[s] = true
				keys = append(keys, k)
			}
		}
	}
	n := int(max(1, (total+target-1)/target))
	n = min(n, max(1, len(keys)))
	slices.SortFunc(keys, comparePartKeys)
	r := &keyRanges{}
	for i := 1; i < n; i++ {
		r.bounds = append(r.bounds, keys[i*len(keys)/n])
	}
	return r, perManifest, nil
}

// grouped reports whether the manifests are already one per range: a
// rewrite would give the same manifests.
func (r *keyRanges) grouped(perManifest [][]partKey) bool {
	if len(perManifest) > r.count() {
		return false
	}
	taken := map[int]bool{}
	for _, keys := range perManifest {
		if len(keys) == 0 {
			return false
		}
		rg := r.rangeOf(keys[0])
		if taken[rg] {
			return false
		}
		taken[rg] = true
		for _, k := range keys[1:] {
			if r.rangeOf(k) != rg {
				return false
			}
		}
	}
	return true
}

func keyOf(df iceberg.DataFile) partKey {
	p := df.Partition()
	ids := make([]int, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	k := partKey{spec: df.SpecID(), vals: make([]any, len(ids))}
	for i, id := range ids {
		k.vals[i] = p[id]
	}
	return k
}

func comparePartKeys(a, b partKey) int {
	if c := cmp.Compare(a.spec, b.spec); c != 0 {
		return c
	}
	for i := range min(len(a.vals), len(b.vals)) {
		if c := compareValues(a.vals[i], b.vals[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.vals), len(b.vals))
}

// compareValues orders partition values: nil first, numbers by value,
// anything else by its text.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	fa, aok := asFloat(a)
	fb, bok := asFloat(b)
	if aok && bok {
		return cmp.Compare(fa, fb)
	}
	return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case iceberg.Date:
		return float64(v), true
	case iceberg.Timestamp:
		return float64(v), true
	case iceberg.TimestampNano:
		return float64(v), true
	case iceberg.Time:
		return float64(v), true
	}
	return 0, false
}
