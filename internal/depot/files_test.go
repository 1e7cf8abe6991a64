package depot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolveFile(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lake", "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "lake", "raw", "out")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "flare.yaml")
	if err := os.WriteFile(cfg, []byte("depots:\n  lake: {type: lakehouse, path: ./lake}\n  files: {type: file, path: ./files}\n  events: {type: kafka, brokers: [\"127.0.0.1:9092\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		addr, path, err string
	}{
		{addr: "dataos://lake:syndicate/orders_csv?acl=rw", path: "lake/syndicate/orders_csv"},
		{addr: "dataos://lake:none/schemas/city.avsc", path: "lake/schemas/city.avsc"},
		{addr: "dataos://files:none/schemas/city.avsc", path: "files/schemas/city.avsc"},
		{addr: "dataos://files:avsc/city.avsc", path: "files/avsc/city.avsc"},
		{addr: "dataos://lake:none/../x.avsc", err: "climbs out"},
		{addr: "dataos://lake:raw/out/x.avsc", err: "outside"},
		{addr: "dataos://lake:none//etc/passwd", err: "absolute path"},
		{addr: "dataos://events:none/topic", err: "holds no files"},
		{addr: "dataos://nope:none/x", err: "unknown depot"},
	} {
		loc, err := c.ResolveFile(tc.addr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.addr, err, tc.err)
			}
			if strings.Contains(tc.err, "climbs") || strings.Contains(tc.err, "outside") || strings.Contains(tc.err, "absolute") {
				if !errors.Is(err, ErrEscape) {
					t.Errorf("%s: %v is not ErrEscape", tc.addr, err)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.addr, err)
			continue
		}
		if want := filepath.Join(dir, tc.path); loc.Path != want {
			t.Errorf("%s: path %s, want %s", tc.addr, loc.Path, want)
		}
	}
}
