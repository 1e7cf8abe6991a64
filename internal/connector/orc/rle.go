package orc

import (
	"errors"
	"fmt"
	"math/big"
)

// The ORC run-length encodings (https://orc.apache.org/specification/ORCv1/):
// byte RLE, boolean RLE, integer RLE v1 and v2, and base-128 varints.

var errShort = errors.New("stream ends early")

// buf is a decompressed stream.
type buf struct {
	b   []byte
	pos int
}

func (s *buf) byte() (byte, error) {
	if s.pos >= len(s.b) {
		return 0, errShort
	}
	c := s.b[s.pos]
	s.pos++
	return c, nil
}

func (s *buf) take(n int) ([]byte, error) {
	if n < 0 || s.pos+n > len(s.b) {
		return nil, errShort
	}
	out := s.b[s.pos : s.pos+n]
	s.pos += n
	return out, nil
}

func (s *buf) uvarint() (uint64, error) {
	var x uint64
	for shift := uint(0); ; shift += 7 {
		c, err := s.byte()
		if err != nil {
			return 0, err
		}
		if shift >= 64 {
			return 0, fmt.Errorf("varint too long")
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x, nil
		}
	}
}

func unzigzag(x uint64) int64 { return int64(x>>1) ^ -int64(x&1) }

func (s *buf) svarint() (int64, error) {
	x, err := s.uvarint()
	return unzigzag(x), err
}

// bigVarint reads a zigzag varint of any size (decimal values).
func (s *buf) bigVarint() (*big.Int, error) {
	x := new(big.Int)
	var shift uint
	for {
		c, err := s.byte()
		if err != nil {
			return nil, err
		}
		x.Or(x, new(big.Int).Lsh(big.NewInt(int64(c&0x7f)), shift))
		shift += 7
		if c < 0x80 {
			break
		}
		if shift > 7*20 {
			return nil, fmt.Errorf("decimal varint too long")
		}
	}
	// zigzag: (x >> 1) ^ -(x & 1)
	neg := x.Bit(0) == 1
	x.Rsh(x, 1)
	if neg {
		x.Add(x, big.NewInt(1))
		x.Neg(x)
	}
	return x, nil
}

// byteRLE decodes byte runs.
type byteRLE struct {
	s       *buf
	literal int // literals left
	run     int // run bytes left
	val     byte
}

func (r *byteRLE) next() (byte, error) {
	for r.literal == 0 && r.run == 0 {
		c, err := r.s.byte()
		if err != nil {
			return 0, err
		}
		if c < 0x80 {
			r.run = int(c) + 3
			if r.val, err = r.s.byte(); err != nil {
				return 0, err
			}
		} else {
			r.literal = 0x100 - int(c)
		}
	}
	if r.run > 0 {
		r.run--
		return r.val, nil
	}
	r.literal--
	return r.s.byte()
}

// boolRLE decodes bits, most significant first, from byte runs.
type boolRLE struct {
	bytes byteRLE
	cur   byte
	left  int
}

func newBoolRLE(s *buf) *boolRLE { return &boolRLE{bytes: byteRLE{s: s}} }

func (r *boolRLE) next() (bool, error) {
	if r.left == 0 {
		c, err := r.bytes.next()
		if err != nil {
			return false, err
		}
		r.cur, r.left = c, 8
	}
	r.left--
	return r.cur&(1<<uint(r.left)) != 0, nil
}

// intReader reads integers of one RLE version.
type intReader interface {
	next() (int64, error)
}

func newIntReader(s *buf, v2, signed bool) intReader {
	if v2 {
		return &intRLEv2{s: s, signed: signed}
	}
	return &intRLEv1{s: s, signed: signed}
}

type intRLEv1 struct {
	s       *buf
	signed  bool
	literal int
	run     int
	val     int64
	delta   int64
}

func (r *intRLEv1) value() (int64, error) {
	if r.signed {
		return r.s.svarint()
	}
	x, err := r.s.uvarint()
	return int64(x), err
}

func (r *intRLEv1) next() (int64, error) {
	for r.literal == 0 && r.run == 0 {
		c, err := r.s.byte()
		if err != nil {
			return 0, err
		}
		if c < 0x80 {
			r.run = int(c) + 3
			d, err := r.s.byte()
			if err != nil {
				return 0, err
			}
			r.delta = int64(int8(d))
			if r.val, err = r.value(); err != nil {
				return 0, err
			}
			r.val -= r.delta // the first next() adds it back
		} else {
			r.literal = 0x100 - int(c)
		}
	}
	if r.run > 0 {
		r.run--
		r.val += r.delta
		return r.val, nil
	}
	r.literal--
	return r.value()
}

type intRLEv2 struct {
	s      *buf
	signed bool
	vals   []int64
	pos    int
}

func (r *intRLEv2) next() (int64, error) {
	if r.pos >= len(r.vals) {
		if err := r.readRun(); err != nil {
			return 0, err
		}
	}
	v := r.vals[r.pos]
	r.pos++
	return v, nil
}

// widths decodes the 5-bit width codes of RLE v2.
var widths = [32]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 32, 40, 48, 56, 64}

func closestFixedBits(n int) int {
	switch {
	case n == 0:
		return 1
	case n <= 24:
		return n
	case n <= 26:
		return 26
	case n <= 28:
		return 28
	case n <= 30:
		return 30
	case n <= 32:
		return 32
	case n <= 40:
		return 40
	case n <= 48:
		return 48
	case n <= 56:
		return 56
	}
	return 64
}

// unpack reads n big-endian bit-packed values of width bits.
func (r *intRLEv2) unpack(dst []int64, n, width int) ([]int64, error) {
	var cur uint64
	bits := 0
	for i := 0; i < n; i++ {
		var v uint64
		need := width
		for need > 0 {
			if bits == 0 {
				c, err := r.s.byte()
				if err != nil {
					return nil, err
				}
				cur, bits = uint64(c), 8
			}
			take := need
			if take > bits {
				take = bits
			}
			v = v<<uint(take) | (cur>>uint(bits-take))&(1<<uint(take)-1)
			bits -= take
			need -= take
		}
		dst = append(dst, int64(v))
	}
	return dst, nil
}

func (r *intRLEv2) readRun() error {
	r.vals, r.pos = r.vals[:0], 0
	h, err := r.s.byte()
	if err != nil {
		return err
	}
	switch h >> 6 {
	case 0: // short repeat
		w := int(h>>3&7) + 1
		count := int(h&7) + 3
		b, err := r.s.take(w)
		if err != nil {
			return err
		}
		var x uint64
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
		v := int64(x)
		if r.signed {
			v = unzigzag(x)
		}
		for i := 0; i < count; i++ {
			r.vals = append(r.vals, v)
		}
	case 1: // direct
		w := widths[h>>1&0x1f]
		l, err := r.s.byte()
		if err != nil {
			return err
		}
		n := int(h&1)<<8 | int(l) + 1
		if r.vals, err = r.unpack(r.vals, n, w); err != nil {
			return err
		}
		if r.signed {
			for i, v := range r.vals {
				r.vals[i] = unzigzag(uint64(v))
			}
		}
	case 2: // patched base
		w := widths[h>>1&0x1f]
		hb, err := r.s.take(3)
		if err != nil {
			return err
		}
		n := int(h&1)<<8 | int(hb[0]) + 1
		bw := int(hb[1]>>5) + 1
		pw := widths[hb[1]&0x1f]
		pgw := int(hb[2]>>5) + 1
		pll := int(hb[2] & 0x1f)
		bb, err := r.s.take(bw)
		if err != nil {
			return err
		}
		var base uint64
		for _, c := range bb {
			base = base<<8 | uint64(c)
		}
		// The base is sign-magnitude: its top bit is the sign.
		signBit := uint64(1) << uint(bw*8-1)
		b := int64(base &^ signBit)
		if base&signBit != 0 {
			b = -b
		}
		if r.vals, err = r.unpack(r.vals, n, w); err != nil {
			return err
		}
		patches, err := r.unpack(nil, pll, closestFixedBits(pgw+pw))
		if err != nil {
			return err
		}
		pos := 0
		for _, p := range patches {
			gap := int(uint64(p) >> uint(pw))
			patch := uint64(p) & (1<<uint(pw) - 1)
			pos += gap
			if gap == 255 && patch == 0 {
				continue
			}
			if pos >= n {
				return fmt.Errorf("patch beyond the run")
			}
			r.vals[pos] = int64(uint64(r.vals[pos]) | patch<<uint(w))
		}
		for i := range r.vals {
			r.vals[i] += b
		}
	case 3: // delta
		code := int(h >> 1 & 0x1f)
		w := 0
		if code != 0 {
			w = widths[code]
		}
		l, err := r.s.byte()
		if err != nil {
			return err
		}
		n := int(h&1)<<8 | int(l) + 1
		var first int64
		if r.signed {
			first, err = r.s.svarint()
		} else {
			var u uint64
			u, err = r.s.uvarint()
			first = int64(u)
		}
		if err != nil {
			return err
		}
		delta, err := r.s.svarint()
		if err != nil {
			return err
		}
		r.vals = append(r.vals, first)
		if w == 0 {
			for i := 1; i < n; i++ {
				r.vals = append(r.vals, r.vals[i-1]+delta)
			}
			return nil
		}
		if n > 1 {
			r.vals = append(r.vals, first+delta)
		}
		if n > 2 {
			start := len(r.vals)
			if r.vals, err = r.unpack(r.vals, n-2, w); err != nil {
				return err
			}
			for i := start; i < len(r.vals); i++ {
				d := r.vals[i]
				if delta < 0 {
					d = -d
				}
				r.vals[i] = r.vals[i-1] + d
			}
		}
	}
	return nil
}
