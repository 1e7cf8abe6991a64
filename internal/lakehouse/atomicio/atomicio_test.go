package atomicio_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	iceio "github.com/apache/iceberg-go/io"

	"github.com/flare-lakehouse/flare/internal/lakehouse/atomicio"
	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

func files(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestCreateIsAtomic: iceberg-go's IO for local paths, once installed, shows
// a created file under its final name only after Close.
func TestCreateIsAtomic(t *testing.T) {
	atomicio.Install()
	ctx, rec := atomicio.Track(context.Background())
	dir := t.TempDir()
	for _, name := range []string{filepath.Join(dir, "m", "00001-a.metadata.json"), "file://" + filepath.Join(dir, "m", "snap-1.avro")} {
		fsys, err := iceio.LoadFS(ctx, nil, name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := fsys.(iceio.WriteFileIO).Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, strings.NewReader("{\"a\": 1}")); err != nil {
			t.Fatal(err)
		}
		got := files(t, filepath.Join(dir, "m"))
		final := filepath.Base(name)
		for _, f := range got {
			if f == final {
				t.Fatalf("%s visible before Close: %v", final, got)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "m", final))
		if err != nil || string(b) != "{\"a\": 1}" {
			t.Fatalf("after Close: %q, %v", b, err)
		}
	}
	for _, f := range files(t, filepath.Join(dir, "m")) {
		if atomicio.IsTemp(f) {
			t.Errorf("temporary file %s left after Close", f)
		}
	}
	if got := rec.Paths(); len(got) != 2 || len(rec.Metadata()) != 1 {
		t.Errorf("recorded %v, want both files, one metadata", got)
	}
	if failed := rec.RemoveAll(); len(failed) != 0 {
		t.Fatalf("RemoveAll failed for %v", failed)
	}
	if got := files(t, filepath.Join(dir, "m")); len(got) != 0 {
		t.Errorf("after RemoveAll: %v", got)
	}
	if err := (atomicio.FS{}).WriteFile(filepath.Join(dir, "w.json"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "w.json")); string(b) != "x" {
		t.Errorf("WriteFile wrote %q", b)
	}
}

// TestCrashWhileWritingMetadata: a process killed half-way through a
// metadata file leaves only a temporary file, never a truncated final one.
func TestCrashWhileWritingMetadata(t *testing.T) {
	if dir := os.Getenv("ATOMICIO_CHILD_DIR"); dir != "" {
		w, err := (atomicio.FS{}).Create(filepath.Join(dir, "00003-b.metadata.json"))
		if err != nil {
			os.Exit(3)
		}
		_, _ = w.Write([]byte(strings.Repeat("x", 1000)))
		_ = w.Close()
		os.Exit(0)
	}
	for _, point := range []string{crashpoint.MetadataPartial, crashpoint.MetadataWritten} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWhileWritingMetadata$")
			cmd.Env = append(os.Environ(), "ATOMICIO_CHILD_DIR="+dir, crashpoint.EnvVar+"="+point)
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want death by SIGKILL", err)
			}
			got := files(t, dir)
			if len(got) != 1 {
				t.Fatalf("files after the crash: %v", got)
			}
			st, _ := os.Stat(filepath.Join(dir, got[0]))
			switch point {
			case crashpoint.MetadataPartial:
				if !atomicio.IsTemp(got[0]) || st.Size() != 500 {
					t.Errorf("left %s (%d bytes), want a 500-byte temporary file", got[0], st.Size())
				}
			case crashpoint.MetadataWritten:
				if got[0] != "00003-b.metadata.json" || st.Size() != 1000 {
					t.Errorf("left %s (%d bytes), want the complete file", got[0], st.Size())
				}
			}
		})
	}
}
