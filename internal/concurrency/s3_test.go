package concurrency

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/objstore/s3test"
)

// s3Project makes a project folder whose lakehouse depot is on the test S3
// server (FLARE_TEST_S3_*) at root, with its state folder inside the
// project and the catalog catalogURI ("" = SQLite in the state folder).
func s3Project(t *testing.T, root, catalogURI string) string {
	t.Helper()
	cfg := s3test.Config(t)
	dir := t.TempDir()
	y := fmt.Sprintf(`depots:
  lakehouse:
    type: lakehouse
    path: %s
    endpoint: %s
    access_key_id_env: FLARE_TEST_S3_ACCESS_KEY_ID
    secret_access_key_env: FLARE_TEST_S3_SECRET_ACCESS_KEY
`, root, cfg.Endpoint)
	if catalogURI != "" {
		y += fmt.Sprintf("    catalog: {type: sql, uri: %q}\n", catalogURI)
	}
	if err := os.WriteFile(filepath.Join(dir, "flare.yaml"), []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConcurrentAppendProcessesS3: `flare run` processes append batches to
// one table of a lakehouse on S3 at the same time, every commit lands once.
// With the SQLite catalog they share one project (one state folder); with
// the PostgreSQL catalog they are split over two projects with state
// folders of their own, as two machines would be, and each reads the
// other's files from the bucket.
func TestConcurrentAppendProcessesS3(t *testing.T) {
	const writers, batches, rows = 4, 5, 5
	for _, c := range []struct {
		name     string
		uri      func(t *testing.T) string
		machines int
	}{
		{"sqlite", func(*testing.T) string { return "" }, 1},
		{"postgres", postgresURI, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			store, prefix := s3test.Store(t)
			root := store.URL(prefix + "lake")
			uri := c.uri(t)
			dirs := make([]string, c.machines)
			for i := range dirs {
				dirs[i] = s3Project(t, root, uri)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			table := fmt.Sprintf("s3stress%d/events", time.Now().UnixNano())
			sqlName := "lakehouse." + strings.ReplaceAll(table, "/", ".")
			flare(ctx, t, dirs[0], "run", appendManifest(t, dirs[0], "seed", table, 1, rows), "--var", "writer=0")
			var wg sync.WaitGroup
			errs := make([]error, writers)
			for w := 1; w <= writers; w++ {
				dir := dirs[w%len(dirs)]
				m := appendManifest(t, dir, fmt.Sprintf("append%d", w), table, batches, rows)
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[w-1] = flareE(ctx, dir, "run", m, "--var", fmt.Sprintf("writer=%d", w))
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			for _, dir := range dirs {
				total, err := queryInt(ctx, dir, "SELECT count(*) FROM "+sqlName)
				if err != nil {
					t.Fatal(err)
				}
				groups, err := queryInt(ctx, dir, "SELECT count(*) FROM (SELECT DISTINCT writer, batch FROM "+sqlName+")")
				if err != nil {
					t.Fatal(err)
				}
				if want := int64((1 + writers*batches) * rows); total != want || groups != 1+writers*batches {
					t.Errorf("%s: %d rows in %d batches, want %d in %d", dir, total, groups, want, 1+writers*batches)
				}
			}
		})
	}
}
