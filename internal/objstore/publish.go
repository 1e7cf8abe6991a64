package objstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// PublishMode says what Publish does with objects already under the prefix.
type PublishMode int

const (
	// Replace: afterwards the prefix holds exactly the published files.
	Replace PublishMode = iota
	// Add: the published files join what is there (their names must be
	// new, as part files with a unique id are).
	Add
)

// PublishResult says what Publish did.
type PublishResult struct {
	// Keys are the published objects, sorted.
	Keys []string
	// Removed counts the old objects a Replace deleted.
	Removed int
	Bytes   int64
}

// StagingPrefix is the first part of the hidden prefixes that Publish
// uploads to, next to the target prefix. Readers skip names starting with
// "." or "_", as Spark does.
const StagingPrefix = ".flare-staging-"

// Publish puts every file below the local folder dir under prefix (a file
// dir/a/b.csv becomes prefix/a/b.csv), as atomically as S3 allows:
//
//  1. Every file is uploaded under a hidden staging prefix next to the
//     target (<parent>/.flare-staging-<id>/). This is the long part: a
//     failure or cancellation here deletes what was staged and leaves the
//     target prefix untouched.
//  2. The staged objects are copied to their final keys on the server
//     (no data goes over the network again). Each object appears whole:
//     S3 never shows a partial object. If a copy fails, the copies already
//     made are deleted again, so the target holds what it held before.
//  3. With Replace, the old objects not overwritten are deleted.
//  4. The staging prefix is deleted.
//
// S3 has no rename of many objects in one step, so between steps 2 and 3 a
// reader that lists the prefix can see new and old files together (never a
// half-written file); when step 3 fails, the error lists what is left.
func (s *Store) Publish(ctx context.Context, dir, prefix string, mode PublishMode) (*PublishResult, error) {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return nil, fmt.Errorf("publish %s: refusing to publish to the bucket's root", dir)
	}
	var rels []string
	var size int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", dir, err)
	}
	staging := StagingPrefix + newID() + "/"
	if parent := path.Dir(prefix); parent != "." {
		staging = parent + "/" + staging
	}
	staged := make([]string, len(rels))
	final := make([]string, len(rels))
	local := map[string]string{}
	for i, r := range rels {
		staged[i] = staging + r
		final[i] = prefix + "/" + r
		local[staged[i]] = filepath.Join(dir, filepath.FromSlash(r))
	}
	// Cleanup of the staging prefix runs whatever happens, without the
	// caller's context (which may be what was cancelled).
	defer func() { _ = s.DeletePrefix(context.WithoutCancel(ctx), staging) }()

	// 1. Upload.
	if err := s.each(ctx, staged, func(ctx context.Context, k string) error { return s.Upload(ctx, local[k], k) }); err != nil {
		return nil, fmt.Errorf("publish to %s: upload: %w", s.URL(prefix), err)
	}
	var old []Object
	if mode == Replace {
		if old, err = s.List(ctx, prefix+"/"); err != nil {
			return nil, fmt.Errorf("publish to %s: %w", s.URL(prefix), err)
		}
	}
	// 2. Copy into place.
	existed := map[string]bool{}
	for _, o := range old {
		existed[o.Key] = true
	}
	for _, k := range final {
		if mode == Add {
			ok, err := s.Exists(ctx, k)
			if err != nil {
				return nil, fmt.Errorf("publish to %s: %w", s.URL(prefix), err)
			}
			if ok {
				return nil, fmt.Errorf("publish to %s: %s exists already", s.URL(prefix), s.URL(k))
			}
		}
	}
	src := map[string]string{}
	for i := range final {
		src[final[i]] = staged[i]
	}
	if err := s.each(ctx, final, func(ctx context.Context, k string) error { return s.Copy(ctx, k, src[k]) }); err != nil {
		// Undo: delete the new objects that did not replace an old one
		// (an overwritten old object cannot be brought back).
		var undo []string
		for _, k := range final {
			if !existed[k] {
				undo = append(undo, k)
			}
		}
		uerr := s.each(context.WithoutCancel(ctx), undo, func(ctx context.Context, k string) error { return s.Delete(ctx, k) })
		return nil, errors.Join(fmt.Errorf("publish to %s: copy into place: %w", s.URL(prefix), err), uerr)
	}
	res := &PublishResult{Keys: final, Bytes: size}
	// 3. Remove the old objects.
	if mode == Replace {
		keep := map[string]bool{}
		for _, k := range final {
			keep[k] = true
		}
		var gone []string
		for _, o := range old {
			if !keep[o.Key] {
				gone = append(gone, o.Key)
			}
		}
		if err := s.each(context.WithoutCancel(ctx), gone, func(ctx context.Context, k string) error { return s.Delete(ctx, k) }); err != nil {
			return nil, fmt.Errorf("publish to %s: the new files are in place but removing the %d old ones failed (some are left beside the new ones): %w", s.URL(prefix), len(gone), err)
		}
		res.Removed = len(gone)
	}
	return res, nil
}
