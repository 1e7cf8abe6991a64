package objstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// Errors; match them with errors.Is.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrBadURL: not an s3://bucket/key URL.
	ErrBadURL = errors.New("bad object storage URL")
	// ErrNotSupported: a storage scheme Flare cannot use yet (gs, abfss).
	ErrNotSupported = errors.New("not supported yet")
)

// Config says how to reach an S3-compatible service.
type Config struct {
	// Endpoint is the service's base URL (http://127.0.0.1:8333); empty
	// for AWS S3 itself.
	Endpoint string
	// Region of the bucket; default us-east-1.
	Region string
	// AccessKeyID and SecretAccessKey sign requests; both empty sends
	// anonymous requests. SessionToken is for temporary credentials.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// VirtualHosted addresses buckets as <bucket>.<host>; the default is
	// path-style (<host>/<bucket>), which S3-compatible servers expect.
	// Without an Endpoint (AWS) virtual-hosted addressing is always used.
	VirtualHosted bool
	// Concurrency bounds parallel transfers in Stage and Publish; default 4.
	Concurrency int
}

// Object is one listed object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is one bucket.
type Store struct {
	bucket string
	b      *blob.Bucket
	client *s3.Client
	conc   int
}

// ParseURL splits s3://bucket/key into bucket and key (key without a
// leading slash; empty for the bucket itself). gs:// and abfss:// URLs are
// refused with ErrNotSupported.
func ParseURL(raw string) (bucket, key string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%w %q: %v", ErrBadURL, raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "s3", "s3a":
	case "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "az", "azure":
		return "", "", fmt.Errorf("%q: %s storage is %w (only S3-compatible object storage)", raw, u.Scheme, ErrNotSupported)
	default:
		return "", "", fmt.Errorf("%w %q: expected s3://<bucket>/<prefix>", ErrBadURL, raw)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("%w %q: no bucket", ErrBadURL, raw)
	}
	return u.Host, strings.TrimPrefix(u.Path, "/"), nil
}

// Open opens a bucket. It does not contact the service; Check does.
func Open(ctx context.Context, bucket string, cfg Config) (*Store, error) {
	if bucket == "" {
		return nil, fmt.Errorf("open bucket: no bucket name")
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	awsCfg := aws.Config{Region: region}
	switch {
	case cfg.AccessKeyID != "" && cfg.SecretAccessKey != "":
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	case cfg.AccessKeyID != "" || cfg.SecretAccessKey != "":
		return nil, fmt.Errorf("open bucket %s: an access key id needs its secret access key and the other way round", bucket)
	default:
		awsCfg.Credentials = aws.AnonymousCredentials{}
	}
	// S3-compatible servers do not all know the newer default checksums.
	awsCfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	awsCfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.UsePathStyle = !cfg.VirtualHosted
		}
	})
	b, err := s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
	}
	conc := cfg.Concurrency
	if conc <= 0 {
		conc = 4
	}
	return &Store{bucket: bucket, b: b, client: client, conc: conc}, nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.b.Close() }

// Bucket is the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

// URL spells a key as s3://bucket/key.
func (s *Store) URL(key string) string { return "s3://" + s.bucket + "/" + key }

// Check contacts the service and reports whether the bucket can be used,
// with an error that says why not (unreachable, refused, no such bucket).
func (s *Store) Check(ctx context.Context) error {
	_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
	if err != nil {
		return fmt.Errorf("bucket %s: %w", s.bucket, err)
	}
	return nil
}

// CreateBucket creates the bucket; an existing bucket of ours is fine.
func (s *Store) CreateBucket(ctx context.Context) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.bucket)})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if err != nil && !errors.As(err, &owned) && !errors.As(err, &exists) {
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	return nil
}

func (s *Store) wrap(what, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%s %s: %w", what, s.URL(key), ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", what, s.URL(key), err)
}

// List returns every object whose key starts with prefix, sorted by key.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	var out []Object
	it := s.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.URL(prefix), err)
		}
		if o.IsDir {
			continue
		}
		out = append(out, Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Exists reports whether an object with exactly this key exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := s.b.Exists(ctx, key)
	if err != nil {
		return false, s.wrap("look up", key, err)
	}
	return ok, nil
}

// Get opens an object for reading.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, s.wrap("read", key, err)
	}
	return r, nil
}

// Put writes an object from r. The object appears whole when Put returns
// nil and not at all otherwise (S3 writes an object atomically).
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	// Files are data, not web content: no type sniffing.
	if err := s.b.Upload(ctx, key, r, &blob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		return s.wrap("write", key, err)
	}
	return nil
}

// Upload writes a local file as an object.
func (s *Store) Upload(ctx context.Context, file, key string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("upload %s: %w", file, err)
	}
	defer f.Close()
	return s.Put(ctx, key, f)
}

// Download writes an object to a local file (created or truncated).
func (s *Store) Download(ctx context.Context, key, file string) error {
	r, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("download %s: %w", s.URL(key), err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("download %s: %w", s.URL(key), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("download %s: %w", s.URL(key), err)
	}
	return nil
}

// Copy copies an object inside the bucket on the server (objects up to
// 5 GiB, S3's limit of one copy request).
func (s *Store) Copy(ctx context.Context, dst, src string) error {
	if err := s.b.Copy(ctx, dst, src, nil); err != nil {
		return s.wrap("copy "+s.URL(src)+" to", dst, err)
	}
	return nil
}

// Delete removes an object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return s.wrap("delete", key, err)
	}
	return nil
}

// DeletePrefix removes every object below prefix.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) error {
	objs, err := s.List(ctx, prefix)
	if err != nil {
		return err
	}
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return s.each(ctx, keys, func(ctx context.Context, k string) error { return s.Delete(ctx, k) })
}

// Stage downloads objects into dir, keeping their key below prefix as the
// relative path, and returns the local files in the order of keys.
func (s *Store) Stage(ctx context.Context, keys []string, prefix, dir string) ([]string, error) {
	files := make([]string, len(keys))
	for i, k := range keys {
		rel := strings.TrimPrefix(strings.TrimPrefix(k, prefix), "/")
		if rel == "" {
			rel = path.Base(k)
		}
		if !fs.ValidPath(rel) {
			return nil, fmt.Errorf("stage %s: key cannot be a local file name", s.URL(k))
		}
		files[i] = filepath.Join(dir, filepath.FromSlash(rel))
	}
	idx := map[string]int{}
	for i, k := range keys {
		idx[k] = i
	}
	err := s.each(ctx, keys, func(ctx context.Context, k string) error {
		f := files[idx[k]]
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return err
		}
		return s.Download(ctx, k, f)
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// each runs fn on every key with the store's concurrency and returns the
// first error.
func (s *Store) each(ctx context.Context, keys []string, fn func(context.Context, string) error) error {
	// A failure stops new calls but does not cancel the ones in flight: a
	// request cancelled on the client may still complete on the server after
	// the caller's clean-up listed the objects, leaving one behind. Waiting
	// for each started call to be answered keeps clean-up exact.
	sem := make(chan struct{}, s.conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	for _, k := range keys {
		if ctx.Err() != nil || failed() {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(k string) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, k); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(k)
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
