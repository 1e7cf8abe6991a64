package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseInterval reads a trigger interval as Spark writes it ("10 seconds",
// "1 minute", "500 milliseconds", "2 hours", an optional leading
// "interval") or as a Go duration ("10s", "1m30s"). A bare number is
// milliseconds, as Spark's ProcessingTime(long) is.
func ParseInterval(s string) (time.Duration, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSpace(strings.TrimPrefix(t, "interval "))
	if t == "" {
		return 0, fmt.Errorf("%q is not an interval (e.g. \"10 seconds\" or 10s)", s)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Millisecond, nil
	}
	if d, err := time.ParseDuration(t); err == nil && d >= 0 {
		return d, nil
	}
	f := strings.Fields(t)
	if len(f)%2 != 0 {
		return 0, fmt.Errorf("%q is not an interval (e.g. \"10 seconds\" or 10s)", s)
	}
	var total time.Duration
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseFloat(f[i], 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not an interval: %q is not a number", s, f[i])
		}
		var unit time.Duration
		switch strings.TrimSuffix(f[i+1], "s") {
		case "millisecond", "milli", "ms":
			unit = time.Millisecond
		case "second", "sec", "s":
			unit = time.Second
		case "minute", "min", "m":
			unit = time.Minute
		case "hour", "h":
			unit = time.Hour
		case "day", "d":
			unit = 24 * time.Hour
		default:
			return 0, fmt.Errorf("%q is not an interval: unknown unit %q (milliseconds, seconds, minutes, hours, days)", s, f[i+1])
		}
		total += time.Duration(n * float64(unit))
	}
	return total, nil
}
