package objstore_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/objstore"
	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

func localTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestPublish(t *testing.T) {
	cases := []struct {
		name  string
		old   map[string]string
		mode  objstore.PublishMode
		files map[string]string
		want  []string // keys below out/ afterwards
	}{
		{
			name:  "replace drops the old files",
			old:   map[string]string{"out/part-old.csv": "old", "out/state=NY/part-old.csv": "old"},
			mode:  objstore.Replace,
			files: map[string]string{"part-new.csv": "new", "state=CA/part-new.csv": "new"},
			want:  []string{"part-new.csv", "state=CA/part-new.csv"},
		},
		{
			name:  "replace into nothing",
			mode:  objstore.Replace,
			files: map[string]string{"part-1.parquet": "p"},
			want:  []string{"part-1.parquet"},
		},
		{
			name:  "add keeps the old files",
			old:   map[string]string{"out/part-old.csv": "old"},
			mode:  objstore.Add,
			files: map[string]string{"part-new.csv": "new"},
			want:  []string{"part-new.csv", "part-old.csv"},
		},
		{
			name:  "a sibling prefix is not touched",
			old:   map[string]string{"outer/keep.csv": "k", "out/x.csv": "x"},
			mode:  objstore.Replace,
			files: map[string]string{"y.csv": "y"},
			want:  []string{"y.csv"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, prefix := s3test.Store(t)
			for k, v := range tc.old {
				put(t, s, prefix+k, v)
			}
			res, err := s.Publish(ctx, localTree(t, tc.files), prefix+"out", tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(t, s, prefix+"out/"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("out/ holds %v, want %v", got, tc.want)
			}
			if len(res.Keys) != len(tc.files) {
				t.Errorf("published %v", res.Keys)
			}
			for _, k := range res.Keys {
				rel := strings.TrimPrefix(k, prefix+"out/")
				if got := get(t, s, k); got != tc.files[rel] {
					t.Errorf("%s = %q, want %q", rel, got, tc.files[rel])
				}
			}
			if _, ok := tc.old["outer/keep.csv"]; ok {
				if got := get(t, s, prefix+"outer/keep.csv"); got != "k" {
					t.Errorf("sibling changed: %q", got)
				}
			}
			assertNoStaging(t, s, prefix)
		})
	}
}

func assertNoStaging(t *testing.T, s *objstore.Store, prefix string) {
	t.Helper()
	for _, k := range keys(t, s, prefix) {
		if strings.Contains(k, objstore.StagingPrefix) {
			t.Errorf("staging object left behind: %s", k)
		}
	}
}

// TestPublishFailedUpload: when a file cannot be uploaded, the target keeps
// exactly its old objects and nothing is left under the staging prefix.
func TestPublishFailedUpload(t *testing.T) {
	ctx := context.Background()
	s, prefix := s3test.Store(t)
	put(t, s, prefix+"out/part-old.csv", "old")
	dir := localTree(t, map[string]string{"a.csv": "a", "b.csv": "b", "c.csv": "c"})
	// A dangling link is listed but cannot be opened: the upload of that
	// one file fails after others may have been staged.
	if err := os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "bad.csv")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Publish(ctx, dir, prefix+"out", objstore.Replace)
	if err == nil || !strings.Contains(err.Error(), "upload") {
		t.Fatalf("error = %v, want an upload error", err)
	}
	if got, want := keys(t, s, prefix+"out/"), []string{"part-old.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("out/ holds %v, want %v", got, want)
	}
	if got := get(t, s, prefix+"out/part-old.csv"); got != "old" {
		t.Errorf("old file = %q", got)
	}
	assertNoStaging(t, s, prefix)
}

func TestPublishCancelled(t *testing.T) {
	s, prefix := s3test.Store(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Publish(ctx, localTree(t, map[string]string{"a.csv": "a"}), prefix+"out", objstore.Replace)
	if err == nil {
		t.Fatal("a cancelled publish succeeded")
	}
	if got := keys(t, s, prefix); len(got) != 0 {
		t.Errorf("a cancelled publish left %v", got)
	}
}

func TestPublishAddRefusesExistingNames(t *testing.T) {
	s, prefix := s3test.Store(t)
	put(t, s, prefix+"out/a.csv", "old")
	_, err := s.Publish(context.Background(), localTree(t, map[string]string{"a.csv": "new", "b.csv": "b"}), prefix+"out", objstore.Add)
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("error = %v", err)
	}
	if got, want := keys(t, s, prefix+"out/"), []string{"a.csv"}; !reflect.DeepEqual(got, want) {
		t.Errorf("out/ holds %v, want %v", got, want)
	}
	if got := get(t, s, prefix+"out/a.csv"); got != "old" {
		t.Errorf("a.csv = %q", got)
	}
	assertNoStaging(t, s, prefix)
}
