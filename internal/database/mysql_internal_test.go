package database

import (
	"strings"
	"testing"
	"time"
)

// civilDays must agree with Go's calendar for every day over four
// centuries around 1970 and at the ends of DuckDB's and MySQL's ranges.
func TestCivilDays(t *testing.T) {
	for d := time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2200; d = d.AddDate(0, 0, 1) {
		if got, want := civilDays(int64(d.Year()), int64(d.Month()), int64(d.Day())), d.Unix()/86400; got != want {
			t.Fatalf("%s: %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
	for _, d := range []time.Time{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC)} {
		if got, want := civilDays(int64(d.Year()), int64(d.Month()), int64(d.Day())), floorDiv(d.Unix(), 86400); got != want {
			t.Fatalf("%v: %d, want %d", d, got, want)
		}
	}
}

func TestParseMyDateTime(t *testing.T) {
	tests := []struct {
		in      string
		us      int64
		wantErr string
	}{
		{in: "1970-01-01", us: 0},
		{in: "2024-02-29 23:59:59", us: time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC).UnixMicro()},
		{in: "1969-12-31 23:59:59.5", us: -500000},
		{in: "2024-06-01 10:00:00.123456", us: time.Date(2024, 6, 1, 10, 0, 0, 123456000, time.UTC).UnixMicro()},
		{in: "2024-06-01 10:00:00.000001", us: time.Date(2024, 6, 1, 10, 0, 0, 1000, time.UTC).UnixMicro()},
		{in: "0000-00-00", wantErr: "zero date"},
		{in: "0000-00-00 00:00:00", wantErr: "zero date"},
		{in: "2023-02-29", wantErr: "does not exist"},
		{in: "2024-00-10", wantErr: "does not exist"},
		{in: "2024-01-01T10:00:00", wantErr: "is not YYYY-MM-DD"},
		{in: "2024-01-01 25:00:00", wantErr: "is not YYYY-MM-DD"},
		{in: "2024-01-01 10:00:00.1234567", wantErr: "is not YYYY-MM-DD"},
	}
	for _, tt := range tests {
		_, us, err := parseMyDateTime([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || us != tt.us {
			t.Errorf("%s: %d %v, want %d", tt.in, us, err, tt.us)
		}
	}
}

func TestDecimalText(t *testing.T) {
	tests := []struct {
		in      string
		p, s    int
		want    int64
		wantErr string
	}{
		{in: "123.45", p: 12, s: 2, want: 12345},
		{in: "-0.01", p: 12, s: 2, want: -1},
		{in: "7", p: 5, s: 2, want: 700},
		{in: "1.50", p: 5, s: 1, want: 15},
		{in: "1.55", p: 5, s: 1, wantErr: "more than 1 fractional digits"},
		{in: "123456", p: 5, s: 0, wantErr: "more than 5 digits"},
		{in: "999999999999999999", p: 18, s: 0, want: 999999999999999999},
		{in: "1e5", p: 18, s: 0, wantErr: "decimal"},
	}
	for _, tt := range tests {
		got, err := decimalTextToInt64([]byte(tt.in), tt.p, tt.s)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %d %v, want %d", tt.in, got, err, tt.want)
		}
	}
	b, err := decimalTextToBig([]byte("-123456789012345678901234567.125"), 30, 3)
	if err != nil || b.String() != "-123456789012345678901234567125" {
		t.Fatalf("big: %v %v", b, err)
	}
}
