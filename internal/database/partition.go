package database

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// boundKind is how a partition column's bounds are read and written.
type boundKind int

const (
	boundInteger   boundKind = iota // any numeric column: bounds are integers
	boundDate                       // days since 1970-01-01
	boundTimestamp                  // microseconds since 1970-01-01 (UTC for TIMESTAMPTZ)
)

// partitionWheres splits a read the way Spark's JDBCRelation.columnPartition
// does, so a manifest reads the same rows in the same ranges: numPartitions
// is reduced when the bounds are closer than it, the stride is computed
// with 18-digit decimals, the first range also takes NULLs and everything
// below, the last everything above. quoted is the quoted column name; lit
// renders a bound as a SQL literal. It returns nil for a single range.
func partitionWheres(quoted string, kind boundKind, lower, upper int64, n int, lit func(int64) string) ([]string, error) {
	if n <= 1 || lower == upper {
		return nil, nil
	}
	if lower > upper {
		return nil, fmt.Errorf("%w: lowerBound is larger than upperBound", ErrBadOption)
	}
	parts := int64(n)
	if d := upper - lower; d >= 0 && d < parts {
		parts = d
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	div := func(v int64) *big.Int { // round_half_even(v / parts, 18 digits), scaled by 1e18
		r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(v), scale), big.NewInt(parts))
		return roundHalfEven(r)
	}
	precise := new(big.Int).Sub(div(upper), div(lower)) // scaled by 1e18
	strideBig := new(big.Int).Quo(precise, scale)       // toLong truncates toward zero
	stride := strideBig.Int64()
	start := lower
	if stride != 0 {
		// lostNumOfStrides = (precise - stride) * parts / stride; shift the
		// start by half of them (rounded half up) times the stride.
		lost := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).Sub(precise, new(big.Int).Mul(strideBig, scale)), big.NewInt(parts)), new(big.Int).Mul(strideBig, scale))
		shift := new(big.Rat).Mul(new(big.Rat).Quo(lost, big.NewRat(2, 1)), new(big.Rat).SetInt64(stride))
		start += roundHalfUp(shift).Int64()
	}
	wheres := make([]string, 0, parts)
	cur := start
	for i := int64(0); i < parts; i++ {
		lb := ""
		if i != 0 {
			lb = quoted + " >= " + lit(cur)
		}
		cur += stride
		ub := ""
		if i != parts-1 {
			ub = quoted + " < " + lit(cur)
		}
		switch {
		case ub == "":
			wheres = append(wheres, lb)
		case lb == "":
			wheres = append(wheres, ub+" or "+quoted+" is null")
		default:
			wheres = append(wheres, lb+" AND "+ub)
		}
	}
	return wheres, nil
}

func roundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	c := twice.Cmp(r.Denom())
	if c > 0 || c == 0 && q.Bit(0) == 1 {
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func roundHalfUp(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	if twice.Cmp(r.Denom()) >= 0 {
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// parseBound reads a lowerBound/upperBound for a column of the given kind.
func parseBound(kind boundKind, key, s string) (int64, error) {
	s = strings.TrimSpace(s)
	switch kind {
	case boundDate:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return 0, fmt.Errorf("%w: %s %q: expected a date such as 2024-01-31", ErrBadOption, key, s)
		}
		return t.Unix() / 86400, nil
	case boundTimestamp:
		for _, layout := range []string{"2006-01-02 15:04:05.999999Z07:00", "2006-01-02T15:04:05.999999Z07:00", "2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UnixMicro(), nil
			}
		}
		return 0, fmt.Errorf("%w: %s %q: expected a timestamp such as 2024-01-31 12:00:00", ErrBadOption, key, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q: expected an integer (partitionColumn is numeric)", ErrBadOption, key, s)
	}
	return n, nil
}

// boundLiteral renders a bound for a WHERE clause; tz marks a column with
// a time zone, whose bounds are UTC instants.
func boundLiteral(kind boundKind, tz bool) func(int64) string {
	switch kind {
	case boundDate:
		return func(v int64) string { return "'" + time.Unix(v*86400, 0).UTC().Format("2006-01-02") + "'" }
	case boundTimestamp:
		if tz {
			return func(v int64) string {
				return "'" + time.UnixMicro(v).UTC().Format("2006-01-02 15:04:05.999999") + "+00:00'"
			}
		}
		return func(v int64) string { return "'" + time.UnixMicro(v).UTC().Format("2006-01-02 15:04:05.999999") + "'" }
	}
	return func(v int64) string { return strconv.FormatInt(v, 10) }
}
