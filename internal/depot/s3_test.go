package depot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

func TestS3Depot(t *testing.T) {
	c, err := Parse("/p/flare.yaml", []byte(`
depots:
  raw:
    type: file
    path: s3://landing/raw/
    endpoint: http://127.0.0.1:8333
    region: eu-west-1
    access_key_id_env: RAW_KEY
    secret_access_key_env: RAW_SECRET
  anon: {type: file, path: "s3://public"}
`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Depot("raw")
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "s3://landing/raw" || !d.OnObjectStorage() || d.S3.Endpoint != "http://127.0.0.1:8333" {
		t.Fatalf("depot %+v", d)
	}
	loc, err := c.Resolve("dataos://raw:sales/2024/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Path != "s3://landing/raw/sales/2024/*.csv" {
		t.Errorf("path %s", loc.Path)
	}
	if err := d.Contains("s3://landing/raw/sales/x.csv"); err != nil {
		t.Errorf("contains: %v", err)
	}
	if err := d.Contains("s3://landing/rawer/x.csv"); !errors.Is(err, ErrEscape) {
		t.Errorf("a sibling prefix: %v", err)
	}
	for _, addr := range []string{"dataos://raw:sales/../secret.csv", "dataos://raw:sales//x.csv", "dataos://raw:./x.csv"} {
		if _, err := c.Resolve(addr); !errors.Is(err, ErrEscape) {
			t.Errorf("%s: %v, want ErrEscape", addr, err)
		}
	}
	a, _ := c.Depot("anon")
	if a.Path != "s3://public" {
		t.Errorf("anon path %s", a.Path)
	}

	// Credentials come from the variables the depot names.
	t.Setenv("RAW_KEY", "")
	t.Setenv("RAW_SECRET", "s")
	if _, err := d.ObjectStoreConfig(); err == nil || !strings.Contains(err.Error(), "environment variable RAW_KEY (its access_key_id_env) is not set") {
		t.Errorf("missing key: %v", err)
	}
	t.Setenv("RAW_KEY", "k")
	cfg, err := d.ObjectStoreConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccessKeyID != "k" || cfg.SecretAccessKey != "s" || cfg.Region != "eu-west-1" || cfg.Endpoint != "http://127.0.0.1:8333" {
		t.Errorf("config %+v", cfg)
	}
	// The defaults are AWS's variables; unset means anonymous.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_REGION", "ap-south-1")
	cfg, err = a.ObjectStoreConfig()
	if err != nil || cfg.AccessKeyID != "" || cfg.Region != "ap-south-1" {
		t.Errorf("anonymous config %+v %v", cfg, err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "only-the-key")
	if _, err := a.ObjectStoreConfig(); err == nil || !strings.Contains(err.Error(), "secret access key") {
		t.Errorf("half credentials: %v", err)
	}
}

// TestS3Lakehouse: a lakehouse depot on s3:// keeps its S3 settings and
// gets a local state folder (catalog and file mirror): .flare/<depot> next
// to flare.yaml by default, or the state setting.
func TestS3Lakehouse(t *testing.T) {
	c, err := Parse("/p/flare.yaml", []byte(`
depots:
  lake: {type: lakehouse, path: "s3://bkt/warehouse/", endpoint: "http://127.0.0.1:8333"}
  other: {type: lakehouse, path: "s3://bkt/other", state: /var/flare/other}
  rel: {type: lakehouse, path: "s3://bkt/rel", state: st}
  local: {type: lakehouse, path: ./lh}
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]string{
		"lake":  {"s3://bkt/warehouse", "/p/.flare/lake"},
		"other": {"s3://bkt/other", "/var/flare/other"},
		"rel":   {"s3://bkt/rel", "/p/st"},
		"local": {"/p/lh", ""},
	} {
		d, err := c.Depot(name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Type != Lakehouse || d.Path != want[0] || d.StateDir != want[1] || d.OnObjectStorage() != (want[1] != "") {
			t.Errorf("%s: %+v, want path %s state %s", name, d, want[0], want[1])
		}
	}
	// Files in the lakehouse's bucket (syndication), outside any table.
	loc, err := c.ResolveFile("dataos://lake:syndicate/by_state")
	if err != nil || loc.Path != "s3://bkt/warehouse/syndicate/by_state" {
		t.Errorf("files in the lakehouse: %+v %v", loc, err)
	}
	if _, err := c.ResolveFile("dataos://lake:syndicate/../secret"); !errors.Is(err, ErrEscape) {
		t.Errorf("escape: %v, want ErrEscape", err)
	}
}

func TestS3DepotErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"gcs type", "depots:\n  g: {type: gcs, path: gs://b/p}\n", `type gcs (Google Cloud Storage) is not supported yet`},
		{"abfss type", "depots:\n  a: {type: ABFSS, path: x}\n", `type ABFSS (Azure Data Lake Storage (abfss)) is not supported yet`},
		{"gs path", "depots:\n  g: {type: file, path: gs://b/p}\n", "gs storage is not supported yet"},
		{"abfss path", "depots:\n  a: {type: file, path: abfss://c@a.dfs.core.windows.net/p}\n", "abfss storage is not supported yet"},
		{"state on a local lakehouse", "depots:\n  l: {type: lakehouse, path: ./lh, state: ./st}\n", "state is the local folder of a lakehouse depot on object storage"},
		{"one state for two lakehouses", "depots:\n  a: {type: lakehouse, path: s3://b/a, state: st}\n  b: {type: lakehouse, path: s3://b/b, state: ./st}\n", `depots "a" and "b" have the same state folder`},
		{"state on a file depot", "depots:\n  f: {type: file, path: s3://b/p, state: ./st}\n", "state is the local folder of a lakehouse depot on object storage"},
		{"azure lakehouse", "depots:\n  a: {type: lakehouse, path: abfss://c@a.dfs.core.windows.net/lh}\n", "abfss storage is not supported yet"},
		{"s3 settings on a folder", "depots:\n  f: {type: file, path: ./data, endpoint: http://x}\n", "are for depots on s3://"},
		{"dot dot in the prefix", "depots:\n  f: {type: file, path: s3://b/a/../c}\n", "no . or .. segments"},
		{"unknown s3 key", "depots:\n  f: {type: file, path: s3://b, endpont: http://x}\n", "field endpont not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/p/flare.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	_, err := Parse("/p/flare.yaml", []byte("depots:\n  g: {type: gcs, path: gs://b}\n"))
	if !errors.Is(err, ErrNotSupported) {
		t.Errorf("gcs: %v, want ErrNotSupported", err)
	}
}

// TestCheckStorage contacts the test server: a reachable bucket passes,
// wrong credentials, a missing bucket and a closed port fail with the depot
// named.
func TestCheckStorage(t *testing.T) {
	cfg := s3test.Config(t)
	s, _ := s3test.Store(t) // creates the bucket
	t.Setenv("T_KEY", cfg.AccessKeyID)
	t.Setenv("T_SECRET", cfg.SecretAccessKey)
	t.Setenv("T_BAD", "wrong")
	yaml := `
depots:
  ok:      {type: file, path: s3://` + s.Bucket() + `/p, endpoint: "` + cfg.Endpoint + `", access_key_id_env: T_KEY, secret_access_key_env: T_SECRET}
  badkey:  {type: file, path: s3://` + s.Bucket() + `/p, endpoint: "` + cfg.Endpoint + `", access_key_id_env: T_KEY, secret_access_key_env: T_BAD}
  nobucket: {type: file, path: s3://flare-missing-bucket/p, endpoint: "` + cfg.Endpoint + `", access_key_id_env: T_KEY, secret_access_key_env: T_SECRET}
  down:    {type: file, path: s3://b/p, endpoint: "http://127.0.0.1:1", access_key_id_env: T_KEY, secret_access_key_env: T_SECRET}
  local:   {type: file, path: ./data}
`
	c, err := Parse("/p/flare.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, wantOK := range map[string]bool{"ok": true, "local": true, "badkey": false, "nobucket": false, "down": false} {
		d, _ := c.Depot(name)
		err := d.CheckStorage(ctx)
		if wantOK != (err == nil) {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), `depot "`+name+`"`) {
			t.Errorf("%s: the error does not name the depot: %v", name, err)
		}
	}
}
