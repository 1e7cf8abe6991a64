package spec

// The maintenance actions (job.actions[].name) and their options. Each
// option with a Flag is also a flag of the `flare table` subcommand that
// runs the same action (ActionCommands names it).

// Actions are the options of each action, by action name.
var Actions = &Variants{
	What: "action",
	Objects: map[string]*ObjectSpec{
		"rewrite_dataset":     RewriteDataset,
		"rewrite_manifest":    RewriteManifest,
		"expire_snapshots":    ExpireSnapshots,
		"remove_orphans":      RemoveOrphans,
		"delete_from_dataset": DeleteFromDataset,
	},
}

// ActionCommands maps each action to its `flare table` subcommand.
var ActionCommands = map[string]string{
	"rewrite_dataset":     "compact",
	"rewrite_manifest":    "rewrite-manifests",
	"expire_snapshots":    "expire-snapshots",
	"remove_orphans":      "remove-orphans",
	"delete_from_dataset": "delete",
}

const noteOneCommit = "the rewrite is one atomic commit on one machine"

// RewriteDataset is rewrite_dataset's options (compaction).
var RewriteDataset = &ObjectSpec{
	Path: "job.actions[].options[rewrite_dataset]", What: "rewrite_dataset options", Page: "docs/maintenance.md",
	Misplaced: map[string]string{"deleteWhere": "deleteWhere sits on the action itself, not under options"},
	Fields: []*Field{
		{Key: "strategy", What: "rewrite strategy", Kind: Enum, Values: []string{"binpack", "sort", "zorder"}, Default: "binpack", Flag: "strategy", Doc: "binpack joins small files; sort also sorts rows (by sortOrder or the table's sort order); zorder clusters rows by the z-order of sortOrder's columns."},
		{Key: "sortOrder", Kind: String, Flag: "sort-order", Doc: "Sort while rewriting: \"col [ASC|DESC] [NULLS FIRST|LAST], ...\", or cluster by \"zorder(c1, c2)\" (Iceberg's z-order)."},
		{Key: "where", Kind: String, Flag: "where", Doc: "Only files that may hold rows matching this Spark SQL condition."},
		{Key: "properties", Kind: Object, Object: RewriteProperties, Doc: "Iceberg's rewrite options (see below)."},
		{Key: "targetSizeInBytes", Kind: Int, Min: 1, MinSet: true, Doc: "Flare 4 spelling of properties.target-file-size-bytes."},
		{Key: "dryRun", Kind: Bool, Default: "false", Flag: "dry-run", Doc: "List what would be rewritten; change nothing."},
	},
}

// RewriteProperties is rewrite_dataset's options.properties.
var RewriteProperties = &ObjectSpec{
	Path: "job.actions[].options[rewrite_dataset].properties", What: "rewrite_dataset properties", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "target-file-size-bytes", Kind: Int, Min: 1, MinSet: true, Default: "table property write.target-file-size-bytes, else 536870912", Flag: "target-file-size", Doc: "Target data file size in bytes."},
		{Key: "rewrite-all", Kind: Bool, Default: "false", Flag: "rewrite-all", Doc: "Rewrite every selected file, whatever its size."},
		{Key: "min-input-files", Kind: Int, Min: 1, MinSet: true, Default: "5", Flag: "min-input-files", Doc: "Fewest small files of a partition worth rewriting."},
		{Key: "delete-file-threshold", Kind: Int, Min: 1, MinSet: true, Flag: "delete-file-threshold", Doc: "Also rewrite any data file with at least this many position delete files (default off)."},
		{Key: "delete-ratio-threshold", Kind: Float, Default: "0.3", Flag: "delete-ratio-threshold", Doc: "Also rewrite any data file whose deletes remove this fraction of its rows, in (0, 1]."},
		{Key: "partial-progress.enabled", Kind: Bool, Status: NoEffect, Note: noteOneCommit},
		{Key: "partial-progress.max-commits", Kind: Int, Status: NoEffect, Note: noteOneCommit},
		{Key: "max-concurrent-file-group-rewrites", Kind: Int, Status: NoEffect, Note: "DuckDB parallelises each rewrite itself"},
		{Key: "max-file-group-size-bytes", Kind: Int, Status: NoEffect, Note: noteOneCommit},
		{Key: "min-file-size-bytes", Kind: Int, Status: NoEffect, Note: "files below 75% of the target size are small"},
		{Key: "max-file-size-bytes", Kind: Int, Status: NoEffect, Note: "files above 180% of the target size are split"},
	},
}

// RewriteManifest is rewrite_manifest's options.
var RewriteManifest = &ObjectSpec{
	Path: "job.actions[].options[rewrite_manifest]", What: "rewrite_manifest options", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "specId", Kind: Int, Min: 0, MinSet: true, Flag: "spec-id", Doc: "Only manifests of this partition spec id."},
		{Key: "useCaching", Kind: Bool, Status: NoEffect, Note: "manifests are read once anyway"},
		{Key: "dryRun", Kind: Bool, Default: "false", Flag: "dry-run", Doc: "List what would be rewritten; change nothing."},
	},
}

const docInstant = "epoch milliseconds, a timestamp (2024-12-01T00:00:00Z, 2024-12-01 00:00:00.000) or a duration back from now (7d, 36h)"

// ExpireSnapshots is expire_snapshots' options.
var ExpireSnapshots = &ObjectSpec{
	Path: "job.actions[].options[expire_snapshots]", What: "expire_snapshots options", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "olderThanMillis", Kind: String, Flag: "older-than", Default: "table property history.expire.max-snapshot-age-ms, else 5 days ago", Doc: "Expire snapshots committed before this: " + docInstant + "."},
		{Key: "expireOlderThan", Kind: String, Doc: "Flare 6 spelling of olderThanMillis."},
		{Key: "olderThanTimestamp", Kind: String, Doc: "As olderThanMillis, written as a timestamp."},
		{Key: "snapshotIds", Kind: List, Single: true, Flag: "snapshot-ids", Doc: "Expire exactly these snapshots (never the current one or one a ref points at)."},
		{Key: "expireSnapshotId", Kind: List, Single: true, Doc: "Alias of snapshotIds."},
		{Key: "retainLast", Kind: Int, Min: 1, MinSet: true, Flag: "retain-last", Default: "table property history.expire.min-snapshots-to-keep, else 1", Doc: "Keep at least this many snapshots of each branch."},
		{Key: "maxConcurrentDeletes", Kind: Int, Status: NoEffect, Note: "files are deleted by one process"},
		{Key: "streamDeleteResults", Kind: Bool, Status: NoEffect, Note: "results are not collected on a driver"},
		{Key: "dryRun", Kind: Bool, Default: "false", Flag: "dry-run", Doc: "List what would be expired and deleted; change nothing."},
	},
}

// RemoveOrphans is remove_orphans' options.
var RemoveOrphans = &ObjectSpec{
	Path: "job.actions[].options[remove_orphans]", What: "remove_orphans options", Page: "docs/maintenance.md",
	Fields: []*Field{
		{Key: "olderThan", Kind: String, Flag: "older-than", Default: "3 days ago", Doc: "Only files modified before this: epoch (10 digits = seconds, 13 = milliseconds), a timestamp or a duration (3d)."},
		{Key: "olderThanMillis", Kind: String, Doc: "As olderThan, epoch milliseconds."},
		{Key: "olderThanTimestamp", Kind: String, Doc: "As olderThan, a timestamp."},
		{Key: "location", Kind: String, Flag: "location", Doc: "Only this folder inside the table's location."},
		{Key: "maxConcurrentDeletes", Kind: Int, Status: NoEffect, Note: "files are deleted by one process"},
		{Key: "dryRun", Kind: Bool, Default: "false", Flag: "dry-run", Doc: "List what would be removed; change nothing."},
	},
}

// DeleteFromDataset is delete_from_dataset's options (its condition,
// deleteWhere, sits on the action itself).
var DeleteFromDataset = &ObjectSpec{
	Path: "job.actions[].options[delete_from_dataset]", What: "delete_from_dataset options", Page: "docs/delete.md",
	Misplaced: map[string]string{"deleteWhere": "deleteWhere sits on the action itself, not under options"},
	Fields: []*Field{
		{Key: "branch", Kind: String, Flag: "branch", Doc: "Delete from this branch instead of main (created from main when missing)."},
		{Key: "dryRun", Kind: Bool, Default: "false", Flag: "dry-run", Doc: "Count what would be deleted; change nothing."},
	},
}
