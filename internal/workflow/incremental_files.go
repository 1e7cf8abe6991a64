package workflow

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// Incremental mode files: the input's view holds the rows of the files no
// earlier run read. The state is the list of the dataset's files when the
// run read them (paths relative to the depot), gzip-compressed: files
// that were removed since drop out of it.

// filesPrefix marks an encoded list of files.
const filesPrefix = "gz:"

// EncodeFiles encodes a list of file paths as a state value.
func EncodeFiles(files []string) (string, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, strings.Join(files, "\n")); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return filesPrefix + base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// DecodeFiles decodes a state value of EncodeFiles.
func DecodeFiles(v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	raw, ok := strings.CutPrefix(v, filesPrefix)
	if !ok {
		return nil, fmt.Errorf("not a list of files")
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	if len(text) == 0 {
		return nil, nil
	}
	return strings.Split(string(text), "\n"), nil
}

// StateDisplay is a state value as flare state show prints it: a list of
// files as its count.
func StateDisplay(v string) string {
	if strings.HasPrefix(v, filesPrefix) {
		if files, err := DecodeFiles(v); err == nil {
			return fmt.Sprintf("(%d files read)", len(files))
		}
	}
	return v
}

func (r *Runner) readFiles(ctx context.Context, ses *engine.Session, job *plan.Job, rd *plan.Read, st *jobState) error {
	inc := rd.Incremental
	if rd.File == nil {
		return fmt.Errorf("incremental mode files: input %s is not a file dataset", rd.View)
	}
	d, err := r.Config.Depot(rd.File.Depot)
	if err != nil {
		return err
	}
	src := rd.File.Source
	if err := plan.CheckFiles(d, src); err != nil {
		return fmt.Errorf("dataset %s: %w", rd.Dataset, err)
	}
	key := inc.Prefix + plan.FilesKey
	seen, err := DecodeFiles(st.start[key])
	if err != nil {
		return fmt.Errorf("incremental state %s: %w (reset it with flare state reset)", key, err)
	}
	files, err := connector.Files(src.Path, src.Format)
	if err != nil && !strings.Contains(err.Error(), "holds no") {
		return err
	}
	var all, fresh []string
	for _, f := range files {
		rel, err := filepath.Rel(d.Path, f)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		all = append(all, rel)
		if _, found := slices.BinarySearch(seen, rel); !found {
			fresh = append(fresh, f)
		}
	}
	slices.Sort(all)
	var parts []string
	for i, f := range fresh {
		one := src
		one.Path = f
		view := "__flare_file_" + strconv.Itoa(i)
		if _, err := plan.DefineFile(ctx, ses, view, one); err != nil {
			return fmt.Errorf("read %s: %w", f, err)
		}
		parts = append(parts, "SELECT * FROM "+engine.QuoteIdent(view))
	}
	q := emptyRelation(rd.Columns)
	if len(parts) > 0 {
		q = strings.Join(parts, " UNION ALL BY NAME ")
	}
	if err := ses.DefineRelation(ctx, rd.View, q); err != nil {
		return err
	}
	enc, err := EncodeFiles(all)
	if err != nil {
		return err
	}
	incMu.Lock()
	st.set[key] = enc
	incMu.Unlock()
	r.Progress.Printf("%s ▸ input %s: incremental, %d new of %d files\n", job.Name, rd.View, len(fresh), len(all))
	if rd.Cache && !r.DefineOnly {
		return ses.Materialize(ctx, rd.View)
	}
	return nil
}

// emptyRelation is a typed relation without rows.
func emptyRelation(cols []plan.Column) string {
	if len(cols) == 0 {
		return "SELECT 1 AS __flare_empty WHERE false"
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "CAST(NULL AS " + c.Type + ") AS " + engine.QuoteIdent(c.Name)
	}
	return "SELECT " + strings.Join(parts, ", ") + " WHERE false"
}
