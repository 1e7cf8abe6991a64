// Package s3test connects tests to the S3-compatible server that .ci/run
// starts (.ci/seaweedfs.sh): FLARE_TEST_S3_ENDPOINT, FLARE_TEST_S3_REGION,
// FLARE_TEST_S3_BUCKET, FLARE_TEST_S3_ACCESS_KEY_ID and
// FLARE_TEST_S3_SECRET_ACCESS_KEY. Without an endpoint a test is skipped
// with a message naming the variable, except under CI=true, where it fails.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/flare-lakehouse/flare/internal/objstore"
)

// Config returns the test server's settings.
func Config(t testing.TB) objstore.Config {
	t.Helper()
	ep := os.Getenv("FLARE_TEST_S3_ENDPOINT")
	if ep == "" {
		msg := "FLARE_TEST_S3_ENDPOINT is not set: no S3-compatible server to test against (source .ci/seaweedfs.sh to start one)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return objstore.Config{
		Endpoint:        ep,
		Region:          os.Getenv("FLARE_TEST_S3_REGION"),
		AccessKeyID:     os.Getenv("FLARE_TEST_S3_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("FLARE_TEST_S3_SECRET_ACCESS_KEY"),
	}
}

// Bucket is the test bucket's name.
func Bucket() string {
	if b := os.Getenv("FLARE_TEST_S3_BUCKET"); b != "" {
		return b
	}
	return "flare-test"
}

// Store opens the test bucket (creating it) and returns it with a prefix
// of the test's own ("t-<random>/"), whose objects are deleted when the
// test ends.
func Store(t testing.TB) (*objstore.Store, string) {
	t.Helper()
	cfg := Config(t)
	ctx := context.Background()
	s, err := objstore.Open(ctx, Bucket(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx); err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "t-" + hex.EncodeToString(b[:]) + "/"
	t.Cleanup(func() {
		_ = s.DeletePrefix(context.Background(), prefix)
		s.Close()
	})
	return s, prefix
}
