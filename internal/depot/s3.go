package depot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/flare-lakehouse/flare/internal/objstore"
)

// ErrNotSupported: a storage a depot names that Flare cannot use yet
// (gcs, abfss, wasbs).
var ErrNotSupported = errors.New("not supported yet")

// S3 holds the settings of a depot whose path is s3://bucket/prefix, as
// flare.yaml spells them:
//
//	depots:
//	  raw:
//	    type: file
//	    path: s3://landing/raw
//	    endpoint: http://127.0.0.1:8333   # S3-compatible server; empty for AWS
//	    region: us-east-1
//	    access_key_id_env: RAW_KEY        # default AWS_ACCESS_KEY_ID
//	    secret_access_key_env: RAW_SECRET # default AWS_SECRET_ACCESS_KEY
//
// Secrets never stand in flare.yaml: only the names of the environment
// variables that hold them.
type S3 struct {
	// Endpoint is the base URL of an S3-compatible server; buckets are then
	// addressed path-style (<endpoint>/<bucket>). Empty: AWS S3.
	Endpoint string `yaml:"endpoint"`
	// Region of the bucket; default $AWS_REGION, else us-east-1.
	Region string `yaml:"region"`
	// AccessKeyIDEnv, SecretAccessKeyEnv and SessionTokenEnv name the
	// environment variables of the credentials; defaults AWS_ACCESS_KEY_ID,
	// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. A variable named here
	// must be set; with the defaults unset, requests are anonymous.
	AccessKeyIDEnv     string `yaml:"access_key_id_env"`
	SecretAccessKeyEnv string `yaml:"secret_access_key_env"`
	SessionTokenEnv    string `yaml:"session_token_env"`
	// VirtualHosted addresses buckets as <bucket>.<endpoint host> instead
	// of path-style.
	VirtualHosted bool `yaml:"virtual_hosted"`
}

func (s S3) empty() bool { return s == S3{} }

// unsupportedTypes are depot types that name storage Flare cannot test
// against a real implementation yet.
var unsupportedTypes = map[string]string{
	"gcs": "Google Cloud Storage", "abfss": "Azure Data Lake Storage (abfss)", "abfs": "Azure Data Lake Storage (abfs)",
	"wasbs": "Azure Blob Storage (wasbs)", "wasb": "Azure Blob Storage (wasb)", "adls": "Azure Data Lake Storage",
}

// storagePath checks a depot path that is a URL (scheme://...) and returns
// it cleaned; ok is false for local paths.
func storagePath(t Type, raw string, s3 S3) (path string, ok bool, err error) {
	if !strings.Contains(raw, "://") {
		if !s3.empty() {
			return "", false, fmt.Errorf("endpoint, region and credential settings are for depots on s3://, not the folder %s", raw)
		}
		return "", false, nil
	}
	bucket, key, err := objstore.ParseURL(raw)
	if err != nil {
		if errors.Is(err, objstore.ErrNotSupported) {
			scheme, _, _ := strings.Cut(raw, "://")
			return "", true, fmt.Errorf("path %s: %s storage is %w (object storage is S3-compatible: s3://<bucket>/<prefix>)", raw, scheme, ErrNotSupported)
		}
		return "", true, err
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." || seg == "." {
			return "", true, fmt.Errorf("path %s: no . or .. segments", raw)
		}
	}
	path = "s3://" + bucket
	if k := strings.Trim(key, "/"); k != "" {
		path += "/" + k
	}
	return path, true, nil
}

// OnObjectStorage reports whether the depot lives on object storage.
func (d *Depot) OnObjectStorage() bool { return d.S3 != nil }

// ObjectStoreConfig returns the settings to reach the depot's bucket, with
// the credentials read from the environment.
func (d *Depot) ObjectStoreConfig() (objstore.Config, error) {
	if d.S3 == nil {
		return objstore.Config{}, fmt.Errorf("depot %q is the folder %s, not on object storage", d.Name, d.Path)
	}
	s := d.S3
	cfg := objstore.Config{Endpoint: s.Endpoint, Region: s.Region, VirtualHosted: s.VirtualHosted}
	if cfg.Region == "" {
		cfg.Region = os.Getenv("AWS_REGION")
	}
	read := func(named, def string) (string, error) {
		if named == "" {
			return os.Getenv(def), nil
		}
		v, ok := os.LookupEnv(named)
		if !ok || v == "" {
			return "", fmt.Errorf("depot %q: environment variable %s (its %s) is not set", d.Name, named, map[string]string{
				"AWS_ACCESS_KEY_ID": "access_key_id_env", "AWS_SECRET_ACCESS_KEY": "secret_access_key_env", "AWS_SESSION_TOKEN": "session_token_env"}[def])
		}
		return v, nil
	}
	var err error
	if cfg.AccessKeyID, err = read(s.AccessKeyIDEnv, "AWS_ACCESS_KEY_ID"); err != nil {
		return cfg, err
	}
	if cfg.SecretAccessKey, err = read(s.SecretAccessKeyEnv, "AWS_SECRET_ACCESS_KEY"); err != nil {
		return cfg, err
	}
	if cfg.SessionToken, err = read(s.SessionTokenEnv, "AWS_SESSION_TOKEN"); err != nil {
		return cfg, err
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return cfg, fmt.Errorf("depot %q: an access key id needs its secret access key and the other way round", d.Name)
	}
	return cfg, nil
}

// OpenStore opens the depot's bucket; the caller closes it.
func (d *Depot) OpenStore(ctx context.Context) (*objstore.Store, error) {
	cfg, err := d.ObjectStoreConfig()
	if err != nil {
		return nil, err
	}
	bucket, _, err := objstore.ParseURL(d.Path)
	if err != nil {
		return nil, err
	}
	s, err := objstore.Open(ctx, bucket, cfg)
	if err != nil {
		return nil, fmt.Errorf("depot %q: %w", d.Name, err)
	}
	return s, nil
}

// CheckStorage contacts a depot on object storage and says clearly why it
// cannot be used (credentials missing, server unreachable, access refused,
// no such bucket); nil for local depots. For flare validate, before any
// write.
func (d *Depot) CheckStorage(ctx context.Context) error {
	if d.S3 == nil {
		return nil
	}
	s, err := d.OpenStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		where := "AWS S3"
		if d.S3.Endpoint != "" {
			where = d.S3.Endpoint
		}
		return fmt.Errorf("depot %q (%s at %s): %w", d.Name, d.Path, where, err)
	}
	return nil
}

// resolveObject resolves an address in a depot on object storage: the
// collection and dataset are keys below the depot's prefix, without . or ..
// segments.
func resolveObject(d *Depot, a Address, addr string) (string, error) {
	return objectPath(d, a.Collection+"/"+a.Dataset, addr)
}

// objectPath is <depot path>/<rel> for a key rel below a depot on object
// storage, without empty, . or .. segments.
func objectPath(d *Depot, rel, addr string) (string, error) {
	if strings.HasPrefix(rel, "/") || strings.Contains(rel, "//") {
		return "", fmt.Errorf("address %q: %w: empty path segment", addr, ErrEscape)
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." || seg == "." {
			return "", fmt.Errorf("address %q: %w: %q segment", addr, ErrEscape, seg)
		}
	}
	return d.Path + "/" + rel, nil
}
