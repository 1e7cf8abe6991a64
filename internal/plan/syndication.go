package plan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/objstore"
)

// Syndication (docs/inputs-outputs.md#syndication): an output with
// options.file {saveMode, outputType} writes files, also when its dataset is
// in a lakehouse depot. There the files go to the lakehouse's folder at
// <collection>/<dataset>, outside any table; a table of that name is
// refused, so that files never mix with a table's data and metadata.

// fileSaveMode applies options.file.saveMode: it is the output's saveMode
// (for files and tables alike). Given beside a different options.saveMode
// it is an error. It returns the output to compile (a copy when the mode
// changes), or nil after an error.
func (jc *jobCompiler) fileSaveMode(out *manifest.Output, what string) *manifest.Output {
	if out.File == nil || out.File.SaveMode == "" || out.File.SaveMode == out.SaveMode {
		return out
	}
	if out.SaveModePos.Line > 0 {
		jc.errAt(out.SaveModePos, "%s: options.saveMode %s and options.file.saveMode %s disagree: give one", what, out.SaveMode, out.File.SaveMode)
		return nil
	}
	cp := *out
	cp.SaveMode = out.File.SaveMode
	return &cp
}

// syndicate compiles an output with options.file.outputType whose dataset
// is in a lakehouse depot: files in the lakehouse's folder.
func (jc *jobCompiler) syndicate(ctx context.Context, out *manifest.Output, loc *depot.Location, cols []Column, what string) *FileWrite {
	format := out.File.OutputType
	if out.Format != "" && out.Format != format {
		jc.errAt(out.FormatPos, "%s: format %s and options.file.outputType %s disagree: give one", what, out.Format, format)
		return nil
	}
	if out.Merge != nil {
		jc.errAt(out.Merge.Pos, "%s: merge applies to Iceberg tables; options.file.outputType %s writes %s files (drop options.file to merge into the table)", what, format, format)
		return nil
	}
	floc, err := jc.env.Config.ResolveFile(out.Dataset)
	if err != nil {
		jc.errAt(out.Pos, "%s: %v", what, err)
		return nil
	}
	ref := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
	if _, pending := jc.tables[pendingKey(ref, "")]; pending {
		jc.errAt(out.File.Pos, "%s: an earlier output of this workflow writes table %s; files (options.file) cannot go into a table's folder", what, ref)
		return nil
	}
	switch _, err := jc.env.Lakehouses.LoadTable(ctx, ref.Depot, ref.Table); {
	case err == nil:
		jc.errAt(out.File.Pos, "%s: %s is an Iceberg table; files (options.file outputType %s) cannot go into a table's folder: write them to another dataset, or drop options.file to write the table", what, ref, format)
		return nil
	case !errors.Is(err, lakehouse.ErrNoSuchTable):
		jc.errAt(out.Pos, "%s: %v", what, err)
		return nil
	}
	fw := jc.fileWrite(out, floc, format, cols, what)
	if fw == nil {
		return nil
	}
	if fw.Sink.Dataset == nil {
		// The metadata file marks the folder as files, where no table may
		// be created later.
		if connector.SingleFile(fw.Sink.Path, format) {
			jc.errAt(out.Pos, "%s: files in a lakehouse depot are written to a folder, not to one file (%s)", what, out.Dataset)
			return nil
		}
		fw.Sink.Dataset = &connector.DatasetInfo{Dataset: strings.SplitN(out.Dataset, "?", 2)[0]}
	}
	return fw
}

// syndicatedFolder reports whether a lakehouse dataset's folder holds files
// that a syndication output wrote, where a new table must not go.
func syndicatedFolder(ctx context.Context, cfg *depot.Config, dataset string) (string, bool) {
	loc, err := cfg.ResolveFile(dataset)
	if err != nil {
		return "", false
	}
	if loc.Depot.OnObjectStorage() { // a lakehouse on S3: the marker is an object
		store, err := loc.Depot.OpenStore(ctx)
		if err != nil {
			return "", false
		}
		defer store.Close()
		_, key, err := objstore.ParseURL(loc.Path + "/" + connector.DatasetFile)
		if err != nil {
			return "", false
		}
		ok, err := store.Exists(ctx, key)
		return loc.Path, err == nil && ok
	}
	_, err = os.Stat(filepath.Join(loc.Path, connector.DatasetFile))
	return loc.Path, err == nil
}

// datasetInfo keeps a file output's title, description and tags in
// connector.DatasetFile beside its part files; a single-file target cannot
// keep them and is refused, so that they are never dropped silently.
func (jc *jobCompiler) datasetInfo(out *manifest.Output, sink *connector.Sink, what string) {
	if out.Title == "" && out.Description == "" && len(out.Tags) == 0 {
		return
	}
	if connector.SingleFile(sink.Path, sink.Format) {
		jc.errAt(out.Pos, "%s: title, description and tags are kept in %s beside the part files of a folder, and %s names one file: name a folder, or drop them", what, connector.DatasetFile, out.Dataset)
		return
	}
	sink.Dataset = &connector.DatasetInfo{Dataset: strings.SplitN(out.Dataset, "?", 2)[0], Title: out.Title, Description: out.Description, Tags: out.Tags}
}

// lakehouseFiles reads files in a lakehouse's folder (an input with a file
// format whose dataset is in a lakehouse depot), such as a syndication
// output wrote. A table's folder is not read as files: that would bypass
// its snapshots.
func (jc *jobCompiler) lakehouseFiles(ctx context.Context, in *manifest.Input, loc *depot.Location, r *Read, what string) *Read {
	ref := TableRef{Depot: loc.Depot.Name, Table: lakehouse.TableName{Collection: loc.Address.Collection, Dataset: loc.Address.Dataset}}
	_, pending := jc.tables[pendingKey(ref, "")]
	_, err := jc.env.Lakehouses.LoadTable(ctx, ref.Depot, ref.Table)
	switch {
	case pending || err == nil:
		jc.errAt(in.Pos, "%s: dataset %s is an Iceberg table: read it with format iceberg, not %q (its files are read through its snapshots)", what, in.Dataset, in.Format)
		return nil
	case !errors.Is(err, lakehouse.ErrNoSuchTable):
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	floc, err := jc.env.Config.ResolveFile(in.Dataset)
	if err != nil {
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	return jc.fileRead(ctx, in, floc, r, what)
}
