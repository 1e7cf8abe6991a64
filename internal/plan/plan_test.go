package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/catalog"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/spec"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// project is a copy of testdata/project in a temporary folder, with
// lakehouse.retail.city created by setup.yaml.
type project struct {
	dir string
	cfg *depot.Config
	ls  *catalog.Lakehouses
	eng *engine.Pool
	// snapshot is retail.city's snapshot, also tagged v1.
	snapshot int64
}

func newProject(t *testing.T) *project {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, "testdata/project", dir)
	addDatabases(t, dir) // database_test.go
	cfg, err := depot.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ls := catalog.NewLakehouses(cfg, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { ls.Close() })
	eng := engine.NewPool(engine.Settings{Threads: 2})
	t.Cleanup(func() { eng.Close() })
	p := &project{dir: dir, cfg: cfg, ls: ls, eng: eng}
	pl, err := p.compile(filepath.Join(dir, "setup.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := &workflow.Runner{Config: cfg, Lakehouses: ls, Engines: eng, Progress: workflow.NewProgress(nil, false), Logger: slog.New(slog.DiscardHandler)}
	if _, err := r.Run(context.Background(), pl); err != nil {
		t.Fatal(err)
	}
	l, _, err := ls.Get(context.Background(), "lakehouse")
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := l.LoadTable(context.Background(), lakehouseName("retail", "city"))
	if err != nil {
		t.Fatal(err)
	}
	p.snapshot = tbl.Iceberg().CurrentSnapshot().SnapshotID
	if _, err := l.CreateTag(context.Background(), lakehouseName("retail", "city"), "v1", p.snapshot); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *project) env() *plan.Env { return &plan.Env{Config: p.cfg, Lakehouses: p.ls, Engines: p.eng} }

func (p *project) compile(path string) (*plan.Plan, error) {
	wf, err := manifest.Load(path, manifest.Options{})
	if err != nil {
		return nil, err
	}
	return plan.Compile(context.Background(), wf, p.env())
}

func copyDir(t *testing.T, from, to string) {
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

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestInvalid compiles each testdata/invalid manifest, which the manifest
// parser accepts but which cannot run, and compares every error (each with
// file:line:column) with its golden file. Nothing is written: the table the
// manifests name keeps its one snapshot.
func TestInvalid(t *testing.T) {
	p := newProject(t)
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/invalid manifests")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			needServers(t, f)
			_, err := p.compile(f)
			if err == nil {
				t.Fatal("compiled, want errors")
			}
			var list spec.ErrorList
			if !errorsAs(err, &list) {
				t.Fatalf("error is %T, want an ErrorList: %v", err, err)
			}
			for _, e := range list {
				if e.Pos.File == "" || e.Pos.Line == 0 {
					t.Errorf("error without file:line: %v", e)
				}
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".golden", []byte(redactServers(strings.ReplaceAll(err.Error(), p.dir, "$PROJECT"))+"\n"))
		})
	}
	tbl, err := p.ls.LoadTable(context.Background(), "lakehouse", lakehouseName("retail", "city"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tbl.Iceberg().Metadata().Snapshots()); n != 1 {
		t.Errorf("table has %d snapshots after compiling, want 1", n)
	}
}

// TestValid compiles each testdata/valid manifest and compares the plan, as
// flare plan prints it and as JSON, with golden files.
func TestValid(t *testing.T) {
	p := newProject(t)
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/valid manifests")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			needServers(t, f)
			pl, err := p.compile(f)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.WriteString(pl.Text())
			for _, n := range pl.Notes {
				b.WriteString("note: " + n.Error() + "\n")
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".plan", []byte(redactServers(strings.ReplaceAll(b.String(), p.dir, "$PROJECT"))))
			js, err := json.MarshalIndent(pl, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".json", []byte(redactServers(strings.ReplaceAll(string(js), p.dir, "$PROJECT"))+"\n"))
		})
	}
}
