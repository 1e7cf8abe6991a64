package datafile

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

// PositionDeleteFile builds the manifest entry of a position delete file
// that applies to the data file target only.
func PositionDeleteFile(meta table.Metadata, f StagedFile, target iceberg.DataFile) (iceberg.DataFile, error) {
	rdr, err := file.OpenParquetFile(f.Path, false)
	if err != nil {
		return nil, fmt.Errorf("read position delete file %s: %w", f.Path, err)
	}
	md := rdr.MetaData()
	size := f.Bytes
	if st, err := os.Stat(f.Path); err == nil {
		size = st.Size()
	}
	defer rdr.Close()
	spec := meta.PartitionSpecByID(int(target.SpecID()))
	if spec == nil {
		return nil, fmt.Errorf("data file %s has partition spec %d, which the table does not have", target.FilePath(), target.SpecID())
	}
	ref := target.FilePath()
	df, err := table.DataFileFromMetadata(table.DataFileArgs{
		Schema:             iceberg.PositionalDeleteSchema,
		Spec:               *spec,
		Format:             iceberg.ParquetFile,
		Metadata:           md,
		FilePath:           RemotePath(f.Path),
		FileSize:           size,
		Content:            iceberg.EntryContentPosDeletes,
		PartitionValues:    target.Partition(),
		FormatVersion:      meta.Version(),
		ReferencedDataFile: &ref,
	})
	if err != nil {
		return nil, fmt.Errorf("position delete file %s: %w", f.Path, err)
	}
	return df, nil
}

// ObsoleteDeleteFiles lists the live delete files at the head of branch
// that an overwrite removing the data files removed makes obsolete: all of
// them when all is set (a whole-table overwrite), otherwise those that
// reference one of the removed data files. An overwrite removes them in
// the same commit, so no delete file is left pointing at a removed file.
func ObsoleteDeleteFiles(ctx context.Context, tbl *table.Table, branch string, removed []iceberg.DataFile, all bool) ([]iceberg.DataFile, error) {
	snap := tbl.SnapshotByName(branchOrMain(branch))
	if snap == nil {
		return nil, nil
	}
	gone := make(map[string]bool, len(removed))
	for _, df := range removed {
		gone[df.FilePath()] = true
	}
	fs, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table file system: %w", err)
	}
	manifests, err := snap.Manifests(fs)
	if err != nil {
		return nil, fmt.Errorf("read manifests of snapshot %d: %w", snap.SnapshotID, err)
	}
	var out []iceberg.DataFile
	for _, mf := range manifests {
		if mf.ManifestContent() != iceberg.ManifestContentDeletes {
			continue
		}
		for e, err := range mf.Entries(fs, true) {
			if err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", mf.FilePath(), err)
			}
			df := e.DataFile()
			if ref, ok := DeleteTarget(df); all || ok && gone[ref] {
				out = append(out, df)
			}
		}
	}

	return out, nil
}

// DeleteTarget returns the one data file a position delete file applies to:
// its referenced_data_file, or, since format version 2 manifests do not
// keep that field, the file_path column's bounds when they are equal (a
// file-scoped delete file, as Flare writes). ok is false for delete files
// that may apply to several data files (or equality deletes).
func DeleteTarget(df iceberg.DataFile) (path string, ok bool) {
	if ref := df.ReferencedDataFile(); ref != nil && *ref != "" {
		return *ref, true
	}
	if df.ContentType() != iceberg.EntryContentPosDeletes {
		return "", false
	}
	const filePathID = 2147483546 // Iceberg's reserved field id of file_path
	lo, hi := df.LowerBoundValues()[filePathID], df.UpperBoundValues()[filePathID]
	if len(lo) == 0 || string(lo) != string(hi) {
		return "", false
	}
	return string(lo), true
}

func branchOrMain(b string) string {
	if b == "" {
		return table.MainBranch
	}
	return b
}
