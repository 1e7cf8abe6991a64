package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseMemory reads a Spark or Kubernetes memory size: a number with an
// optional unit. Spark's units are binary and case-insensitive (b, k or kb,
// m or mb, g or gb, t or tb: 1024-based, as JavaUtils reads them); a number
// without a unit is MiB, as spark.executor.memory reads it. Kubernetes'
// Ki, Mi, Gi, Ti are binary too; its K, M, G, T (one upper-case letter) are
// decimal.
func ParseMemory(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	n, err := strconv.ParseFloat(num, 64)
	if num == "" || err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a memory size (a number with a unit: 4096m, 4g, 4Gi)", s)
	}
	var mult float64
	switch unit {
	case "K", "M", "G", "T":
		mult = math.Pow(1000, float64(strings.Index("KMGT", unit)+1))
	case "Ki", "Mi", "Gi", "Ti":
		mult = math.Pow(1024, float64(strings.Index("KMGT", unit[:1])+1))
	default:
		switch strings.ToLower(unit) {
		case "":
			mult = 1 << 20
		case "b":
			mult = 1
		case "k", "kb":
			mult = 1 << 10
		case "m", "mb":
			mult = 1 << 20
		case "g", "gb":
			mult = 1 << 30
		case "t", "tb":
			mult = 1 << 40
		default:
			return 0, fmt.Errorf("%q: unknown unit %q (k, m, g, t as Spark writes them; Ki, Mi, Gi as Kubernetes does)", s, unit)
		}
	}
	return int64(n * mult), nil
}

// ParseCPU reads a Kubernetes CPU quantity: 2, 1.5 or 2400m (millicores).
func ParseCPU(s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "m") {
		t, div = strings.TrimSuffix(t, "m"), 1000
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a CPU quantity (2, 1.5 or 2400m)", s)
	}
	return n / div, nil
}

func checkMemory(v *Value) error {
	_, err := ParseMemory(v.Str)
	return err
}

func checkCPU(v *Value) error {
	_, err := ParseCPU(v.Str)
	return err
}
