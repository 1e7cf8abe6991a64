package depot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in                   string
		depot, coll, ds, acl string
		wantErr              string
	}{
		{in: "dataos://lakehouse:retail/city", depot: "lakehouse", coll: "retail", ds: "city"},
		{in: "dataos://icebase:retail/city?acl=rw", depot: "icebase", coll: "retail", ds: "city", acl: "rw"},
		{in: "dataos://thirdparty:city/data/city.csv", depot: "thirdparty", coll: "city", ds: "data/city.csv"},
		{in: "dataos://thirdparty:city/*.csv", depot: "thirdparty", coll: "city", ds: "*.csv"},
		{in: "s3://bucket/x", wantErr: "expected dataos://"},
		{in: "dataos://lakehouse/retail", wantErr: "expected dataos://"},
		{in: "dataos://lakehouse:retail", wantErr: "expected <collection>/<dataset>"},
		{in: "dataos://lakehouse:retail/city?acl=x", wantErr: "acl must be r or rw"},
		{in: "dataos://lakehouse:retail/city?foo=1", wantErr: `unknown parameter "foo"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := ParseAddress(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadAddress) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Depot != tt.depot || a.Collection != tt.coll || a.Dataset != tt.ds || a.ACL != tt.acl {
				t.Fatalf("got %+v", a)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lakehouse", "icebase"} {
		d, err := c.Depot(name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Type != Lakehouse || d.Path != filepath.Join(dir, "lakehouse") {
			t.Fatalf("%s = %+v", name, d)
		}
	}
	_, err = c.Resolve("dataos://nope:a/b")
	if !errors.Is(err, ErrUnknownDepot) || !strings.Contains(err.Error(), "known depots: icebase, lakehouse") {
		t.Fatalf("unknown depot error = %v", err)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "flare.yaml"), []byte(`
depots:
  lakehouse:  {type: lakehouse, path: ./lh}
  thirdparty: {type: file, path: ./data}
`), 0o644))
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Depot("icebase")
	if err != nil || d.Path != filepath.Join(dir, "lh") {
		t.Fatalf("icebase alias = %+v, %v", d, err)
	}
	loc, err := c.Resolve("dataos://thirdparty:city/city.csv?acl=r")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Path != filepath.Join(dir, "data", "city", "city.csv") {
		t.Fatalf("path = %s", loc.Path)
	}
	if got := len(c.Depots()); got != 2 {
		t.Fatalf("depots = %d", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "depots:\n  a: {type: file, pth: x}\n", "field pth not found"},
		{"no type", "depots:\n  a: {path: x}\n", `depot "a": missing type`},
		{"bad type", "depots:\n  a: {type: hive, path: x}\n", `unknown type "hive"`},
		{"kafka without brokers", "depots:\n  a: {type: kafka}\n", `depot "a": missing brokers`},
		{"kafka with path", "depots:\n  a: {type: kafka, path: x, brokers: [\"h:1\"]}\n", `a kafka depot has brokers, no path`},
		{"kafka broker without port", "depots:\n  a: {type: kafka, brokers: [\"h\"]}\n", `broker "h": expected host:port`},
		{"kafka bad env prefix", "depots:\n  a: {type: kafka, brokers: [\"h:1\"], envPrefix: \"A-B\"}\n", `envPrefix "A-B"`},
		{"kafka secret in file", "depots:\n  a: {type: kafka, brokers: [\"h:1\"], password: x}\n", "come from environment variables"},
		{"brokers on a file depot", "depots:\n  a: {type: file, path: x, brokers: [\"h:1\"]}\n", "brokers and envPrefix belong to a kafka depot"},
		{"no path", "depots:\n  a: {type: file}\n", `depot "a": missing path`},
		{"bad catalog", "depots:\n  a: {type: lakehouse, path: x, catalog: {type: hive}}\n", `unknown catalog type "hive"`},
		{"bad yaml", "depots: [\n", "flare.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/p/flare.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestKafkaDepot(t *testing.T) {
	c, err := Parse("/p/flare.yaml", []byte(`
depots:
  events:   {type: kafka, brokers: ["127.0.0.1:9092", "[::1]:9093"]}
  click-s:  {type: KAFKA, brokers: ["k:9092"], envPrefix: CLICKS}
  other-one: {type: kafka, brokers: ["k:9092"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr, depot, topic, prefix string
		brokers                    []string
	}{
		{"dataos://events:none/orders", "events", "orders", "FLARE_KAFKA_EVENTS", []string{"127.0.0.1:9092", "[::1]:9093"}},
		{"dataos://events:default/web.clicks_v1-a", "events", "web.clicks_v1-a", "FLARE_KAFKA_EVENTS", []string{"127.0.0.1:9092", "[::1]:9093"}},
		{"dataos://click-s:none/c", "click-s", "c", "CLICKS", []string{"k:9092"}},
		{"dataos://other-one:none/c", "other-one", "c", "FLARE_KAFKA_OTHER_ONE", []string{"k:9092"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			loc, err := c.Resolve(tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			d := loc.Depot
			if d.Name != tt.depot || d.Type != Kafka || loc.Topic != tt.topic || loc.Path != "" {
				t.Fatalf("resolved %+v in depot %+v", loc, d)
			}
			if d.Kafka == nil || d.Kafka.EnvPrefix != tt.prefix || strings.Join(d.Kafka.Brokers, ",") != strings.Join(tt.brokers, ",") {
				t.Fatalf("kafka settings = %+v", d.Kafka)
			}
		})
	}
	for _, addr := range []string{"dataos://events:none/a/b", "dataos://events:none/a b", "dataos://events:none/" + strings.Repeat("x", 250)} {
		if _, err := c.Resolve(addr); !errors.Is(err, ErrBadAddress) {
			t.Errorf("Resolve(%s) err = %v, want ErrBadAddress", addr, err)
		}
	}
	if d, _ := c.Depot("lakehouse"); d == nil || d.Type != Lakehouse || d.Kafka != nil {
		t.Fatalf("default lakehouse depot = %+v", d)
	}
}

func TestResolveRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	outside := filepath.Join(dir, "secret")
	must(t, os.MkdirAll(filepath.Join(data, "city"), 0o755))
	must(t, os.MkdirAll(outside, 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "x.csv"), []byte("a\n1\n"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(data, "city", "link")))
	must(t, os.Symlink(outside, filepath.Join(data, "out")))
	c, err := Parse(filepath.Join(dir, "flare.yaml"), []byte("depots:\n  tp: {type: file, path: ./data}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{
		"dataos://tp:city/../../secret/x.csv",
		"dataos://tp:../secret/x.csv",
		"dataos://tp:city/link/x.csv",
		"dataos://tp:out/x.csv",
		"dataos://tp:out/*.csv",
		"dataos://tp:city//etc/passwd",
	} {
		t.Run(addr, func(t *testing.T) {
			_, err := c.Resolve(addr)
			if !errors.Is(err, ErrEscape) {
				t.Fatalf("Resolve(%s) err = %v, want ErrEscape", addr, err)
			}
		})
	}
	if _, err := c.Resolve("dataos://tp:city/new/file.csv"); err != nil {
		t.Fatalf("a not-yet-existing path inside the depot: %v", err)
	}
	if _, err := c.Resolve("dataos://lakehouse:re/tail/x"); !errors.Is(err, ErrBadAddress) {
		t.Fatalf("lakehouse nested dataset: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
