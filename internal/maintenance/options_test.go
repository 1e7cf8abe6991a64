package maintenance_test

import (
	"errors"
	"testing"
	"time"

	"github.com/flare-lakehouse/flare/internal/maintenance"
)

func TestParseInstant(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in     string
		digits bool
		want   time.Time
	}{
		{"1733011200000", false, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"1733011200000", true, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"1733011200", true, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-12-01T00:00:00Z", false, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-12-01 00:00:00.000", false, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-12-01", false, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"3d", false, now.Add(-72 * time.Hour)},
		{"36h", false, now.Add(-36 * time.Hour)},
		{"2 days", false, now.Add(-48 * time.Hour)},
		{"0s", false, now},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := maintenance.ParseInstant(tc.in, now, tc.digits)
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := maintenance.ParseInstant("yesterday-ish", now, false); err == nil {
		t.Fatal("nonsense accepted")
	}
}

func TestOptionsFrom(t *testing.T) {
	c, err := maintenance.CompactOptionsFrom(map[string]string{"strategy": "sort", "sort_order": "a DESC NULLS LAST, b"},
		map[string]string{"target-file-size-bytes": "1048576", "rewrite-all": "true", "partial-progress.enabled": "true"})
	if err != nil || !c.Sort || c.TargetFileSize != 1<<20 || !c.RewriteAll || len(c.SortOrder) != 2 ||
		c.SortOrder[0] != (maintenance.SortKey{Column: "a", Desc: true, Nulls: "last"}) || c.SortOrder[1] != (maintenance.SortKey{Column: "b"}) {
		t.Fatalf("compact options %+v, %v", c, err)
	}
	d, err := maintenance.CompactOptionsFrom(nil, map[string]string{"delete-file-threshold": "3", "delete-ratio-threshold": "0.5"})
	if err != nil || d.DeleteFileThreshold != 3 || d.DeleteRatioThreshold != 0.5 {
		t.Fatalf("delete thresholds %+v, %v", d, err)
	}
	e, err := maintenance.ExpireOptionsFrom(map[string]string{"olderThanMillis": "1733011200000", "retainLast": "3", "snapshotIds": "[1, 2]"}, time.Now())
	if err != nil || e.RetainLast != 3 || e.OlderThan.UnixMilli() != 1733011200000 || len(e.SnapshotIDs) != 2 {
		t.Fatalf("expire options %+v, %v", e, err)
	}
	o, err := maintenance.OrphanOptionsFrom(map[string]string{"olderThan": "1733011200", "location": "data"}, time.Now())
	if err != nil || o.OlderThan.Unix() != 1733011200 || o.Location != "data" {
		t.Fatalf("orphan options %+v, %v", o, err)
	}
	bad := []func() error{
		func() error {
			_, err := maintenance.CompactOptionsFrom(map[string]string{"strategy": "zorder"}, nil)
			return err
		},
		func() error {
			_, err := maintenance.CompactOptionsFrom(map[string]string{"sortOrder": "zorder(a,b)"}, nil)
			return err
		},
		func() error {
			_, err := maintenance.CompactOptionsFrom(nil, map[string]string{"target-file-size-bytes": "big"})
			return err
		},
		func() error {
			_, err := maintenance.CompactOptionsFrom(nil, map[string]string{"no-such": "1"})
			return err
		},
		func() error {
			_, err := maintenance.CompactOptionsFrom(nil, map[string]string{"delete-file-threshold": "0"})
			return err
		},
		func() error {
			_, err := maintenance.CompactOptionsFrom(nil, map[string]string{"delete-ratio-threshold": "1.5"})
			return err
		},
		func() error {
			_, err := maintenance.ExpireOptionsFrom(map[string]string{"retainLast": "0"}, time.Now())
			return err
		},
		func() error {
			_, err := maintenance.ManifestOptionsFrom(map[string]string{"specId": "x"})
			return err
		},
	}
	for i, f := range bad {
		if err := f(); !errors.Is(err, maintenance.ErrInvalidOption) {
			t.Errorf("case %d: err = %v, want ErrInvalidOption", i, err)
		}
	}
}
