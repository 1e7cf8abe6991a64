package connector

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/flare-lakehouse/flare/internal/objstore"
)

// ObjectStore is what reading and writing files on object storage needs;
// *objstore.Store satisfies it.
type ObjectStore interface {
	Bucket() string
	List(ctx context.Context, prefix string) ([]objstore.Object, error)
	Exists(ctx context.Context, key string) (bool, error)
	Stage(ctx context.Context, keys []string, prefix, dir string) ([]string, error)
	Upload(ctx context.Context, file, key string) error
	Publish(ctx context.Context, dir, prefix string, mode objstore.PublishMode) (*objstore.PublishResult, error)
}

// objectKey checks that an s3:// URL lies in the store's bucket and returns
// its key.
func objectKey(store ObjectStore, url string) (string, error) {
	bucket, key, err := objstore.ParseURL(url)
	if err != nil {
		return "", err
	}
	if bucket != store.Bucket() {
		return "", fmt.Errorf("%s is not in bucket %s", url, store.Bucket())
	}
	return strings.TrimSuffix(key, "/"), nil
}

// listObjects lists the objects a key names, as expand does for local
// paths: an object itself, every object of the format below a prefix
// ("folder"), or the objects and folders a glob over keys matches. Names
// starting with "_" or "." below the named place are skipped. No match is
// an error naming the URL.
func listObjects(ctx context.Context, store ObjectStore, url, key, format string) ([]string, error) {
	if strings.ContainsAny(key, "*?[") {
		i := strings.IndexAny(key, "*?[")
		base := key[:strings.LastIndex(key[:i], "/")+1]
		objs, err := store.List(ctx, base)
		if err != nil {
			return nil, err
		}
		depth := strings.Count(key, "/") + 1
		var keys []string
		for _, o := range objs {
			segs := strings.Split(o.Key, "/")
			if len(segs) < depth {
				continue
			}
			ok, err := path.Match(key, strings.Join(segs[:depth], "/"))
			if err != nil {
				return nil, fmt.Errorf("glob %s: %w", url, err)
			}
			if !ok || hiddenPath(segs[depth-1:]) {
				continue
			}
			if len(segs) == depth || hasFormatExt(segs[len(segs)-1], format) {
				keys = append(keys, o.Key)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("no object matches %s", url)
		}
		return keys, nil
	}
	if key != "" {
		ok, err := store.Exists(ctx, key)
		if err != nil {
			return nil, err
		}
		if ok {
			return []string{key}, nil
		}
	}
	prefix := key + "/"
	if key == "" {
		prefix = ""
	}
	objs, err := store.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range objs {
		rel := strings.Split(strings.TrimPrefix(o.Key, prefix), "/")
		if hiddenPath(rel) || !hasFormatExt(rel[len(rel)-1], format) {
			continue
		}
		keys = append(keys, o.Key)
	}
	if len(keys) == 0 {
		if len(objs) == 0 {
			return nil, fmt.Errorf("dataset not found: %s", url)
		}
		return nil, fmt.Errorf("%s holds no %s files", url, format)
	}
	return keys, nil
}

func hiddenPath(segs []string) bool {
	for _, s := range segs {
		if hidden(s) {
			return true
		}
	}
	return false
}

// stageObjects downloads the objects of a source into the staging folder
// and returns the local files; Files keeps their URLs.
func (r *Relation) stageObjects(ctx context.Context, src Source, format string) ([]string, error) {
	key, err := objectKey(src.Store, src.Path)
	if err != nil {
		return nil, err
	}
	keys, err := listObjects(ctx, src.Store, src.Path, key, format)
	if err != nil {
		return nil, err
	}
	dir, err := r.stagingDir(src)
	if err != nil {
		return nil, err
	}
	prefix := key
	if len(keys) == 1 && keys[0] == key {
		if prefix = path.Dir(key); prefix == "." {
			prefix = ""
		}
	}
	if i := strings.IndexAny(prefix, "*?["); i >= 0 {
		prefix = prefix[:strings.LastIndex(prefix[:i], "/")+1]
	}
	files, err := src.Store.Stage(ctx, keys, prefix, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src.Path, err)
	}
	r.Files = make([]string, len(keys))
	for i, k := range keys {
		u := "s3://" + src.Store.Bucket() + "/" + k
		r.Files[i] = u
		r.local[files[i]] = u
	}
	return files, nil
}

// writeObjects writes a sink on object storage: locally into a staging
// folder, then one upload (a single-file target) or a Publish (a folder).
func writeObjects(ctx context.Context, db Execer, source string, s Sink, opts any) (*WriteResult, error) {
	key, err := objectKey(s.Store, s.Path)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	if key == "" {
		return nil, fmt.Errorf("write %s: name a key below the bucket", s.Path)
	}
	format := strings.ToLower(s.Format)
	single, _ := singleFile(key, format)
	mode := strings.ToLower(s.Mode)
	if mode == "error" {
		mode = "errorifexists"
	}
	if mode == "errorifexists" || mode == "ignore" || (single && mode == "append") {
		var exists bool
		if single {
			if exists, err = s.Store.Exists(ctx, key); err != nil {
				return nil, fmt.Errorf("write %s: %w", s.Path, err)
			}
		} else {
			objs, err := s.Store.List(ctx, key+"/")
			if err != nil {
				return nil, fmt.Errorf("write %s: %w", s.Path, err)
			}
			exists = len(objs) > 0
		}
		switch {
		case exists && mode == "ignore":
			return &WriteResult{Skipped: true}, nil
		case exists && mode == "errorifexists":
			return nil, fmt.Errorf("write %s: it exists already (saveMode errorifexists)", s.Path)
		case single && mode == "append":
			return nil, fmt.Errorf("cannot append to the single file %s; name a folder to append part files", s.Path)
		}
	}
	dir, err := os.MkdirTemp(s.StagingDir, "flare-write-")
	if err != nil {
		return nil, fmt.Errorf("write %s: staging folder: %w", s.Path, err)
	}
	defer os.RemoveAll(dir)
	local := s
	local.Store = nil
	local.Opts, local.Options = opts, nil
	local.Mode = "overwrite"
	local.Path = filepath.Join(dir, path.Base(key))
	res, err := Write(ctx, db, source, local)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, unstaged(err, local.Path, s.Path))
	}
	if single {
		if err := s.Store.Upload(ctx, local.Path, key); err != nil {
			return nil, fmt.Errorf("write %s: %w", s.Path, err)
		}
		return res, nil
	}
	pm := objstore.Replace
	if mode == "append" {
		pm = objstore.Add
	}
	if _, err := s.Store.Publish(ctx, local.Path, key, pm); err != nil {
		return nil, fmt.Errorf("write %s: %w", s.Path, err)
	}
	return res, nil
}

// unstaged replaces a staging path in an error by the target's name.
func unstaged(err error, staged, target string) error {
	if !strings.Contains(err.Error(), staged) {
		return err
	}
	return &renamedError{msg: strings.ReplaceAll(err.Error(), staged, target), err: err}
}

type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }
