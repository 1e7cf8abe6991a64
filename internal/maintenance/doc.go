// Package maintenance owns the table maintenance actions on lakehouse
// (Iceberg) tables: data file compaction (Compact, Flare's rewrite_dataset),
// manifest rewrite (RewriteManifests, rewrite_manifest), snapshot expiry
// (ExpireSnapshots, expire_snapshots) and orphan file removal
// (RemoveOrphans, remove_orphans).
//
// Each action takes a *lakehouse.Table as loaded, commits through
// Table.Commit (Flare's one commit path, internal/lakehouse/commit: after a
// concurrent commit the action's change is re-validated and staged again on
// the new state), honours DryRun (list what would change, change nothing)
// and returns a Report: files and bytes before and after, snapshots or files
// removed, time taken. remove_orphans says what each orphan file is (staged
// data, manifests, uncommitted metadata of a crashed commit, ...).
//
// It uses iceberg-go's own operations where they fit: the compaction planner
// (table/compaction) and the rewrite snapshot (Transaction.NewRewrite, with
// the new files written by DuckDB through lakehouse.RewriteTasks, which
// applies merge-on-read position deletes; the rewrite drops the delete files
// iceberg-go's CollectDeadPositionDeletes finds obsolete in the same
// snapshot);
// Transaction.RewriteManifests; Transaction.ExpireSnapshots (file deletion is
// ours, so that a dry run can list it and the report can count it); and
// Table.PlanOrphanFiles, whose result is filtered by our safety rules (inside
// the table location, no symlinks, never another table's files). On a
// lakehouse on S3 the actions run unchanged (files through the lakehouse's
// local mirror, metadata through iceberg-go's S3 IO), except that
// remove_orphans lists the bucket itself against the files the metadata
// references (orphans_s3.go).
//
// Compaction may sort the rows (CompactOptions.SortOrder) or cluster them by
// the z-order of some columns (CompactOptions.ZOrder); internal/plan parses
// the sort order text.
//
// It does not parse manifests or run jobs (internal/workflow calls it) and
// does not write new rows. options.go reads instants and ages given as
// text. See docs/maintenance.md.
package maintenance
