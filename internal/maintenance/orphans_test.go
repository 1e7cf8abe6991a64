package maintenance_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/maintenance"
)

// orphanSetup makes a table with data, then files a crashed write leaves
// behind (old and young), a symlink, a file outside the table, and another
// lakehouse whose table lives inside this table's folder. It returns the
// paths that must go and those that must stay.
func orphanSetup(t *testing.T, e *env) (gone, kept []string) {
	t.Helper()
	part := []lakehouse.PartitionField{{Type: "identity", Column: "region"}}
	e.appendRows(t, orders, 0, 30, part)
	e.appendRows(t, orders, 30, 30, part)
	dir := tableDir(e, orders)
	old := time.Now().Add(-4 * 24 * time.Hour)
	live := e.files(t, orders)
	body, err := os.ReadFile(live[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(p string, mtime time.Time) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	crashed := uuid.NewString()
	gone = []string{
		write(filepath.Join(dir, "data", "region_p=r0", crashed+"-"+uuid.NewString()+".parquet"), old),
		write(filepath.Join(dir, "data", "region_p=r1", crashed+"-"+uuid.NewString()+".parquet"), old),
		write(filepath.Join(dir, "metadata", "snap-crashed.avro"), old),
		// metadata of commits that never landed: the same version as a
		// committed file (a lost race), a newer version (a crash inside the
		// commit), and a write interrupted before its rename
		write(filepath.Join(dir, "metadata", "00001-"+uuid.NewString()+".metadata.json"), old),
		write(filepath.Join(dir, "metadata", "00007-"+uuid.NewString()+".metadata.json"), old),
		write(filepath.Join(dir, "metadata", ".00003-"+uuid.NewString()+".metadata.json.0a1b2c3d4e5f.flare-tmp"), old),
	}
	outside := write(filepath.Join(e.root, "retail", "orders-notes.parquet"), old)
	young := write(filepath.Join(dir, "data", uuid.NewString()+"-"+uuid.NewString()+".parquet"), time.Now())
	link := filepath.Join(dir, "data", "link.parquet")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	// another lakehouse inside this table's folder, with a table of its own
	nested, err := lakehouse.Open(e.ctx, filepath.Join(dir, "data", "nested"), lakehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nested.Write(e.ctx, e.db, "src", lakehouse.WriteSpec{Table: lakehouse.TableName{Collection: "x", Dataset: "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := nested.Close(); err != nil {
		t.Fatal(err)
	}
	nestedFiles := onDisk(t, filepath.Join(dir, "data", "nested"))
	for _, f := range nestedFiles {
		p := filepath.Join(dir, "data", "nested", f)
		_ = os.Chtimes(p, old, old)
		kept = append(kept, p)
	}
	// and an orphan-looking file of the nested table: not ours either
	kept = append(kept, write(filepath.Join(dir, "data", "nested", "x", "y", "data", "stray.parquet"), old))
	kept = append(kept, outside, young, link)
	for _, f := range live {
		kept = append(kept, f.Path)
	}
	return gone, kept
}

func TestRemoveOrphans(t *testing.T) {
	e := newEnv(t)
	gone, kept := orphanSetup(t, e)
	before := e.checksum(t, orders, 0)

	rep, err := maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := removedPaths(rep); strings.Join(got, "\n") != strings.Join(sorted(gone), "\n") {
		t.Fatalf("dry run lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(sorted(gone), "\n"))
	}
	for _, p := range gone {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("dry run removed %s", p)
		}
	}

	kinds := map[string]int{}
	for _, f := range rep.Removed {
		kinds[f.Kind]++
	}
	wantKinds := map[string]int{maintenance.KindData: 2, maintenance.KindManifestList: 1, maintenance.KindUncommittedMetadata: 2, maintenance.KindTemporary: 1}
	for k, n := range wantKinds {
		if kinds[k] != n {
			t.Errorf("dry run reports %d %s files, want %d (kinds %v)", kinds[k], k, n, kinds)
		}
	}
	for _, want := range []string{"would remove 6 orphan files (2 data, 1 manifest-list, 2 uncommitted-metadata, 1 temporary)", "3 of them from commits that never landed"} {
		if !strings.Contains(rep.Summary(), want) {
			t.Errorf("summary %q does not say %q", rep.Summary(), want)
		}
	}

	rep, err = maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := removedPaths(rep); strings.Join(got, "\n") != strings.Join(sorted(gone), "\n") {
		t.Fatalf("removed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(sorted(gone), "\n"))
	}
	for _, p := range gone {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("orphan %s survived", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if got := e.checksum(t, orders, 0); got != before {
		t.Fatalf("table reads %s, want %s", got, before)
	}
}

func TestRemoveOrphansOptions(t *testing.T) {
	e := newEnv(t)
	gone, _ := orphanSetup(t, e)
	dir := tableDir(e, orders)
	t.Run("location outside the table", func(t *testing.T) {
		for _, loc := range []string{e.root, filepath.Join(dir, ".."), "../other"} {
			_, err := maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{Location: loc})
			if err == nil || !strings.Contains(err.Error(), "outside") {
				t.Fatalf("location %s: err = %v, want outside the table's location", loc, err)
			}
		}
	})
	t.Run("older than keeps younger", func(t *testing.T) {
		rep, err := maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{OlderThan: time.Now().Add(-5 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Removed) != 0 {
			t.Fatalf("removed %v, want nothing older than 5 days", removedPaths(rep))
		}
	})
	t.Run("location limits the search", func(t *testing.T) {
		rep, err := maintenance.RemoveOrphans(e.ctx, e.lh, e.load(t, orders), maintenance.OrphanOptions{Location: "data/region_p=r1"})
		if err != nil {
			t.Fatal(err)
		}
		if got := removedPaths(rep); len(got) != 1 || got[0] != gone[1] {
			t.Fatalf("removed %v, want only %s", got, gone[1])
		}
	})
}

func removedPaths(rep *maintenance.Report) []string {
	var out []string
	for _, f := range rep.Removed {
		out = append(out, f.Path)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
