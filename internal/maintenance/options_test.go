package maintenance_test

import (
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

func TestParseAgo(t *testing.T) {
	for s, want := range map[string]time.Duration{"3d": 72 * time.Hour, "0s": 0, "2 days": 48 * time.Hour, "90m": 90 * time.Minute} {
		if d, ok := maintenance.ParseAgo(s); !ok || d != want {
			t.Errorf("ParseAgo(%q) = %v, %v; want %v", s, d, ok, want)
		}
	}
	if _, ok := maintenance.ParseAgo("1735689600000"); ok {
		t.Error("an epoch number is an instant, not an age")
	}
}
