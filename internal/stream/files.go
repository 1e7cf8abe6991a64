package stream

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// newFiles lists a streamed folder's files and returns those not in done
// (paths inside the depot, sorted) as the batch's New, and done with them
// as Files. Hidden files (.name, _name) are never read, so a writer that
// writes .part files and renames them into place is read whole.
func (s *run) newFiles(src *source, done []string) (SourceRange, error) {
	fr := src.rd.File
	all, err := connector.Files(fr.Source.Path, fr.Source.Format)
	if err != nil {
		return SourceRange{}, err
	}
	seen := make(map[string]bool, len(done))
	for _, f := range done {
		seen[f] = true
	}
	var fresh []string
	for _, f := range all {
		if err := src.folder.Contains(f); err != nil {
			return SourceRange{}, err
		}
		rel, err := filepath.Rel(src.folder.Path, f)
		if err != nil {
			return SourceRange{}, err
		}
		rel = filepath.ToSlash(rel)
		if !seen[rel] {
			fresh = append(fresh, rel)
		}
	}
	sort.Strings(fresh)
	files := append(append([]string(nil), done...), fresh...)
	sort.Strings(files)
	return SourceRange{Files: files, New: fresh}, nil
}

// loadFiles defines a streamed folder's view over the batch's files: each
// file read as the input says, the files' rows together (by column name).
func (s *run) loadFiles(ctx context.Context, ses *engine.Session, src *source) error {
	rd := src.rd
	if len(src.files) == 0 {
		cols := make([]string, len(rd.Columns))
		for i, c := range rd.Columns {
			cols[i] = "CAST(NULL AS " + c.Type + ") AS " + engine.QuoteIdent(c.Name)
		}
		return ses.DefineRelation(ctx, rd.View, "SELECT "+strings.Join(cols, ", ")+" WHERE false")
	}
	parts := make([]string, len(src.files))
	for i, f := range src.files {
		one := rd.File.Source
		one.Path = f
		name := "__flare_stream_" + rd.View + "_" + strconv.Itoa(i)
		if _, err := plan.DefineFile(ctx, ses, name, one); err != nil {
			return fmt.Errorf("file %s: %w", f, err)
		}
		parts[i] = "SELECT * FROM " + engine.QuoteIdent(name)
	}
	return ses.DefineRelation(ctx, rd.View, strings.Join(parts, " UNION ALL BY NAME "))
}
