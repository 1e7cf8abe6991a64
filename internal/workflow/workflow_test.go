package workflow

import (
	"testing"
)

func TestLineOffset(t *testing.T) {
	text := "SELECT a,\n  b\nFROM t"
	tests := []struct{ line, col, want int }{
		{1, 1, 0}, {1, 8, 7}, {2, 3, 12}, {3, 6, 19}, {9, 1, len(text)},
	}
	for _, tt := range tests {
		if got := lineOffset(text, tt.line, tt.col); got != tt.want {
			t.Errorf("lineOffset(%d,%d) = %d, want %d", tt.line, tt.col, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %s, want %s", n, got, want)
		}
	}
}
