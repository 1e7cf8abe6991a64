package workflow

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

func TestLineOffset(t *testing.T) {
	text := "SELECT a,\n  b\nFROM t"
	tests := []struct{ line, col, want int }{
		{1, 1, 0}, {1, 8, 7}, {2, 3, 12}, {3, 6, 19}, {9, 1, len(text)},
	}
	for _, tt := range tests {
		if got := lineOffset(text, tt.line, tt.col); got != tt.want {
			t.Errorf("lineOffset(%d,%d) = %d, want %d", tt.line, tt.col, got, tt.want)
		}
	}
}

func TestReadOptions(t *testing.T) {
	ro, err := readOptions(map[string]string{"branch": "audit", "snapshot-id": "42", "as-of-timestamp": "1700000000000"})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Branch != "audit" || ro.SnapshotID != 42 || !ro.AsOf.Equal(time.UnixMilli(1700000000000)) {
		t.Fatalf("%+v", ro)
	}
	for _, bad := range []map[string]string{{"snapshot-id": "x"}, {"as-of-timestamp": "yesterday"}} {
		if _, err := readOptions(bad); err == nil {
			t.Errorf("readOptions(%v) accepted", bad)
		}
	}
}

func TestCheckAddresses(t *testing.T) {
	cfg, err := depot.Parse(filepath.Join(t.TempDir(), "flare.yaml"), []byte("depots:\n  tp: {type: file, path: ./data}\n"))
	if err != nil {
		t.Fatal(err)
	}
	wf, err := manifest.Parse("m.yaml", []byte(`version: v1
name: wf
type: workflow
workflow:
  dag:
    - name: j
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: a, dataset: "dataos://nope:x/y.csv", format: csv}
              - {name: b, dataset: "dataos://tp:x/../../y.csv", format: csv}
            outputs:
              - {name: a, dataset: "dataos://lakehouse:r/t?acl=r"}
              - {name: b, dataset: "dataos://lakehouse:r/u", format: csv}
`), manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = Check(wf, cfg)
	var list manifest.ErrorList
	if !errors.As(err, &list) || len(list) != 4 {
		t.Fatalf("want 4 errors, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"m.yaml:12:17", `unknown depot "nope"`, "escapes its depot", "read-only (acl=r)", "holds Iceberg tables"} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %s, want %s", n, got, want)
		}
	}
}
