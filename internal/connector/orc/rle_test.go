package orc

import (
	"reflect"
	"testing"
)

// The examples of the ORC specification (ORCv1, "Run Length Encoding"),
// as independent test vectors of each encoding.

func seq(from, to, step int64) []int64 {
	var out []int64
	for v := from; (step > 0 && v <= to) || (step < 0 && v >= to); v += step {
		out = append(out, v)
	}
	return out
}

func rep(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestByteRLE(t *testing.T) {
	cases := []struct {
		in   []byte
		want []byte
	}{
		{[]byte{0x61, 0x00}, make([]byte, 100)},
		{[]byte{0xfe, 0x44, 0x45}, []byte{0x44, 0x45}},
	}
	for _, c := range cases {
		r := &byteRLE{s: &buf{b: c.in}}
		var got []byte
		for range c.want {
			b, err := r.next()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%x: got %v, want %v", c.in, got, c.want)
		}
		if _, err := r.next(); err == nil {
			t.Errorf("%x: more values than encoded", c.in)
		}
	}
}

func TestBoolRLE(t *testing.T) {
	// 0xff 0x80 is one literal byte 0x80: true then seven false.
	r := newBoolRLE(&buf{b: []byte{0xff, 0x80}})
	want := []bool{true, false, false, false, false, false, false, false}
	for i, w := range want {
		b, err := r.next()
		if err != nil || b != w {
			t.Fatalf("bit %d = %v %v", i, b, err)
		}
	}
}

func TestIntRLE(t *testing.T) {
	cases := []struct {
		name   string
		v2     bool
		signed bool
		in     []byte
		want   []int64
	}{
		{"v1 run", false, false, []byte{0x61, 0x00, 0x07}, rep(7, 100)},
		{"v1 descending run", false, false, []byte{0x61, 0xff, 0x64}, seq(100, 1, -1)},
		{"v1 literals", false, false, []byte{0xfb, 0x02, 0x03, 0x06, 0x07, 0x0b}, []int64{2, 3, 6, 7, 11}},
		{"v2 short repeat", true, false, []byte{0x0a, 0x27, 0x10}, rep(10000, 5)},
		{"v2 direct", true, false, []byte{0x5e, 0x03, 0x5c, 0xa1, 0xab, 0x1e, 0xde, 0xad, 0xbe, 0xef}, []int64{23713, 43806, 57005, 48879}},
		{"v2 patched base", true, false, []byte{0x8e, 0x13, 0x2b, 0x21, 0x07, 0xd0, 0x1e, 0x00, 0x14, 0x70, 0x28, 0x32, 0x3c, 0x46, 0x50,
			0x5a, 0x64, 0x6e, 0x78, 0x82, 0x8c, 0x96, 0xa0, 0xaa, 0xb4, 0xbe, 0xfc, 0xe8},
			[]int64{2030, 2000, 2020, 1000000, 2040, 2050, 2060, 2070, 2080, 2090, 2100, 2110, 2120, 2130, 2140, 2150, 2160, 2170, 2180, 2190}},
		{"v2 delta", true, false, []byte{0xc6, 0x09, 0x02, 0x02, 0x22, 0x42, 0x42, 0x46}, []int64{2, 3, 5, 7, 11, 13, 17, 19, 23, 29}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newIntReader(&buf{b: c.in}, c.v2, c.signed)
			got := make([]int64, 0, len(c.want))
			for range c.want {
				v, err := r.next()
				if err != nil {
					t.Fatalf("after %v: %v", got, err)
				}
				got = append(got, v)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if _, err := r.next(); err == nil {
				t.Error("more values than encoded")
			}
		})
	}
}
