package database

import (
	"encoding/binary"
	"testing"
)

// appendNumeric and numericToBig are inverse: the text DuckDB renders for
// DECIMAL and DOUBLE values (plain or with an exponent) encodes to the
// binary numeric that decodes to the same value.
func TestNumericBinary(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  string // unscaled at scale
	}{
		{"0", 2, "0"},
		{"-0.00", 2, "0"},
		{"123.45", 2, "12345"},
		{"-123.45", 2, "-12345"},
		{"0.0001", 4, "1"},
		{"10000", 0, "10000"},
		{"12345678901234567890.123456789", 9, "12345678901234567890123456789"},
		{"1e+20", 0, "100000000000000000000"},
		{"1.5e-3", 4, "15"},
		{"2.5E2", 0, "250"},
		{"-7e-5", 5, "-7"},
	}
	for _, tt := range tests {
		b, err := appendNumeric(nil, tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if n := int(binary.BigEndian.Uint32(b)); n != len(b)-4 {
			t.Fatalf("%s: length prefix %d for %d bytes", tt.in, n, len(b)-4)
		}
		got, err := numericToBig(b[4:], 38, tt.scale)
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: decoded %v %v, want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"abc", "1.2.3", "1e"} {
		if _, err := appendNumeric(nil, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if b, _ := appendNumeric(nil, "nan"); binary.BigEndian.Uint16(b[8:]) != 0xC000 {
		t.Errorf("nan sign %x", b[8:10])
	}
}
