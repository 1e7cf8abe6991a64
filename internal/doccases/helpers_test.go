package doccases

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/cli"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
)

// project is a copy of testdata in a temporary folder, where the docs'
// manifests run against flare.yaml.
type project struct {
	t   *testing.T
	dir string
	ses *engine.Session
	// mark is a number a case's before remembers for its check.
	mark int
}

// result is what one flare command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func newProject(t *testing.T) *project {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, "testdata", dir)
	ses, err := engine.Open(context.Background(), engine.Settings{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ses.Close() })
	p := &project{t: t, dir: dir, ses: ses}
	if r := p.flare("run", "seed/seed.yaml"); r.code != 0 {
		t.Fatalf("seed: %s", r)
	}
	return p
}

// flare runs the CLI in the project with its flare.yaml.
func (p *project) flare(args ...string) result {
	p.t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{args[0], "--config", filepath.Join(p.dir, "flare.yaml")}, args[1:]...)
	for i, a := range full {
		if strings.HasSuffix(a, ".yaml") && !filepath.IsAbs(a) {
			full[i] = filepath.Join(p.dir, a)
		}
	}
	code := cli.Main(full, strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// table loads a lakehouse table, "collection.dataset".
func (p *project) table(name string) *lakehouse.Table {
	p.t.Helper()
	coll, ds, _ := strings.Cut(name, ".")
	l, err := lakehouse.Open(context.Background(), filepath.Join(p.dir, "lakehouse"), lakehouse.Options{})
	if err != nil {
		p.t.Fatal(err)
	}
	defer l.Close()
	tbl, err := l.LoadTable(context.Background(), lakehouse.TableName{Collection: coll, Dataset: ds})
	if err != nil {
		p.t.Fatalf("table %s: %v", name, err)
	}
	return tbl
}

// exists reports whether a lakehouse table exists.
func (p *project) exists(name string) bool {
	p.t.Helper()
	coll, ds, _ := strings.Cut(name, ".")
	l, err := lakehouse.Open(context.Background(), filepath.Join(p.dir, "lakehouse"), lakehouse.Options{})
	if err != nil {
		p.t.Fatal(err)
	}
	defer l.Close()
	_, err = l.LoadTable(context.Background(), lakehouse.TableName{Collection: coll, Dataset: ds})
	return err == nil
}

// rel is a relation over a table's current snapshot (of a branch).
func (p *project) rel(name, branch string) string {
	p.t.Helper()
	q, err := p.table(name).SelectSQL(context.Background(), lakehouse.ReadOptions{Branch: branch})
	if err != nil {
		p.t.Fatal(err)
	}
	return "(" + q + ")"
}

// rows runs a DuckDB query and returns each row as its values joined by
// "|", NULL as NULL.
func (p *project) rows(query string) []string {
	p.t.Helper()
	res, err := p.ses.Query(context.Background(), query, -1)
	if err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
	var out []string
	for _, r := range res.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

// one runs a query with one value.
func (p *project) one(query string) string {
	p.t.Helper()
	r := p.rows(query)
	if len(r) != 1 {
		p.t.Fatalf("%s: %d rows, want 1", query, len(r))
	}
	return r[0]
}

// columns lists a table's columns as "name TYPE, ...".
func (p *project) columns(name string) string {
	p.t.Helper()
	names, types, err := p.ses.Columns(context.Background(), p.rel(name, ""))
	if err != nil {
		p.t.Fatal(err)
	}
	parts := make([]string, len(names))
	for i := range names {
		parts[i] = names[i] + " " + types[i]
	}
	return strings.Join(parts, ", ")
}

// spec is a table's current partition spec: "transform(column) AS name, ...".
func (p *project) spec(name string) string {
	p.t.Helper()
	specs, err := p.table(name).PartitionSpecs(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	for _, s := range specs {
		if !s.Current {
			continue
		}
		var parts []string
		for _, f := range s.Fields {
			parts = append(parts, f.Transform+"("+f.SourceColumn+") AS "+f.Name)
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// dataFiles counts a table's live data files.
func (p *project) dataFiles(name string) int {
	p.t.Helper()
	files, err := p.table(name).Files(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return len(files)
}

// snapshots counts a table's snapshots.
func (p *project) snapshots(name string) int {
	p.t.Helper()
	return len(p.table(name).Snapshots())
}

// files lists the files below a folder of the project, relative to it,
// sorted.
func (p *project) files(folder string) []string {
	p.t.Helper()
	var out []string
	root := filepath.Join(p.dir, folder)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(dst)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s: no %q in:\n%s", what, w, text)
		}
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func openSession() (*engine.Session, error) {
	return engine.Open(context.Background(), engine.Settings{Threads: 2})
}
