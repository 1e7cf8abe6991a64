package maintenance

import (
	"fmt"
	"strings"
	"time"
)

// Action names, as manifests spell them.
const (
	ActionCompact          = "rewrite_dataset"
	ActionRewriteManifests = "rewrite_manifest"
	ActionExpireSnapshots  = "expire_snapshots"
	ActionRemoveOrphans    = "remove_orphans"
)

// File is one file an action removed or rewrote (or would, in a dry run).
type File struct {
	Path  string
	Bytes int64
	// Kind is data, delete, manifest, manifest-list or orphan.
	Kind string
}

// Report says what an action did, or would do in a dry run.
type Report struct {
	Action string
	Table  string
	DryRun bool

	// FilesBefore/After and BytesBefore/After count the table's live data
	// files (rewrite_dataset) or data manifests (rewrite_manifest).
	FilesBefore, FilesAfter int
	BytesBefore, BytesAfter int64
	// Rewritten are the files a compaction or manifest rewrite replaced;
	// Added counts the files it wrote.
	Rewritten []File
	Added     int
	// Groups is the number of compaction groups (partitions and bins).
	Groups int
	// DeleteFilesBefore/After count the live delete files around a
	// compaction, which drops those that applied only to rewritten data
	// files (they are listed in Rewritten, kind delete); RowsDropped is the
	// number of deleted rows the rewrite left out.
	DeleteFilesBefore, DeleteFilesAfter int
	RowsDropped                         int64

	// SnapshotsBefore and SnapshotsRemoved are for expire_snapshots.
	SnapshotsBefore  int
	SnapshotsRemoved []int64
	// Removed are the files deleted from storage (or that would be).
	Removed []File

	// SnapshotID is the snapshot the action committed; 0 when none.
	SnapshotID int64
	// Note explains a no-op ("nothing to compact").
	Note     string
	Duration time.Duration
}

// RemovedBytes sums the sizes of the removed files.
func (r *Report) RemovedBytes() int64 {
	var n int64
	for _, f := range r.Removed {
		n += f.Bytes
	}
	return n
}

// rewrittenData counts the data files a compaction rewrote.
func (r *Report) rewrittenData() int {
	n := 0
	for _, f := range r.Rewritten {
		if f.Kind == "data" {
			n++
		}
	}
	return n
}

// Summary is one line: what changed, in numbers.
func (r *Report) Summary() string {
	var b strings.Builder
	would := ""
	if r.DryRun {
		would = "would "
	}
	switch r.Action {
	case ActionCompact:
		fmt.Fprintf(&b, "data files %d → %d, %s → %s", r.FilesBefore, r.FilesAfter, FormatBytes(r.BytesBefore), FormatBytes(r.BytesAfter))
		if len(r.Rewritten) > 0 {
			fmt.Fprintf(&b, "; %srewrite %d files in %s into %d", would, r.rewrittenData(), plural(r.Groups, "group"), r.Added)
		}
		if r.DeleteFilesBefore > 0 {
			fmt.Fprintf(&b, "; delete files %d → %d", r.DeleteFilesBefore, r.DeleteFilesAfter)
			if r.RowsDropped > 0 {
				fmt.Fprintf(&b, ", %d deleted rows removed", r.RowsDropped)
			}
		}
	case ActionRewriteManifests:
		fmt.Fprintf(&b, "data manifests %d → %d, %s → %s", r.FilesBefore, r.FilesAfter, FormatBytes(r.BytesBefore), FormatBytes(r.BytesAfter))
		if len(r.Rewritten) > 0 {
			fmt.Fprintf(&b, "; %smerge %d manifests into %d", would, len(r.Rewritten), r.Added)
		}
	case ActionExpireSnapshots:
		fmt.Fprintf(&b, "snapshots %d → %d; %sexpire %d; %sremove %s", r.SnapshotsBefore, r.SnapshotsBefore-len(r.SnapshotsRemoved),
			would, len(r.SnapshotsRemoved), would, fileCounts(r.Removed, "files"))
	case ActionRemoveOrphans:
		if len(r.Removed) == 0 {
			fmt.Fprintf(&b, "%sremove 0 orphan files, 0 B", would)
		} else {
			fmt.Fprintf(&b, "%sremove %s", would, fileCounts(r.Removed, "orphan files"))
		}
	default:
		b.WriteString(r.Action)
	}
	if r.SnapshotID != 0 {
		fmt.Fprintf(&b, "; snapshot %d", r.SnapshotID)
	}
	if r.Note != "" {
		fmt.Fprintf(&b, " (%s)", r.Note)
	}
	if r.Duration > 0 {
		fmt.Fprintf(&b, "; took %s", r.Duration.Round(time.Millisecond))
	}
	return b.String()
}

// Details lists the files involved, one per line (what a dry run shows).
func (r *Report) Details() []string {
	var out []string
	for _, id := range r.SnapshotsRemoved {
		out = append(out, fmt.Sprintf("expire snapshot %d", id))
	}
	for _, f := range r.Rewritten {
		verb := "rewrite"
		if f.Kind == "delete" {
			verb = "drop" // applied to the rewritten data; removed from the snapshot
		}
		out = append(out, fmt.Sprintf("%s %s %s (%s)", verb, f.Kind, f.Path, FormatBytes(f.Bytes)))
	}
	for _, f := range r.Removed {
		out = append(out, fmt.Sprintf("remove %s %s (%s)", f.Kind, f.Path, FormatBytes(f.Bytes)))
	}
	return out
}

// fileCounts says "N <what> (a data, b manifest, ...), <bytes>".
func fileCounts(fs []File, what string) string {
	counts := map[string]int{}
	var bytes int64
	for _, f := range fs {
		counts[f.Kind]++
		bytes += f.Bytes
	}
	var parts []string
	for _, k := range []string{KindData, KindDelete, KindManifest, KindManifestList, KindUncommittedMetadata, KindOldMetadata, KindTemporary, KindOther} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	if len(parts) == 0 {
		return "no " + what
	}
	return fmt.Sprintf("%d %s (%s), %s", len(fs), what, strings.Join(parts, ", "), FormatBytes(bytes))
}

// FormatBytes prints a byte count with a binary unit.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
