package maintenance

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ErrInvalidOption is returned for an option value an action cannot use.
var ErrInvalidOption = errors.New("invalid option")

// ParseInstant reads a point in time: epoch milliseconds (or, with
// digitRule, 10 digits = seconds and 13 = milliseconds), an RFC 3339 or
// "2006-01-02 15:04:05[.000]" timestamp (UTC unless it has a zone), a date,
// or a duration back from now ("3d", "72h", "90m", "2 days").
func ParseInstant(s string, now time.Time, digitRule bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if digitRule && len(strings.TrimPrefix(s, "-")) <= 10 {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if d, ok := parseAgo(s); ok {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want epoch milliseconds, a timestamp (2024-12-01T00:00:00Z, 2024-12-01 00:00:00.000) or a duration (3d, 72h)", s)
}

func parseAgo(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), " ago")))
	if d, err := time.ParseDuration(strings.ReplaceAll(s, " ", "")); err == nil && d >= 0 {
		return d, true
	}
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil {
		return 0, false
	}
	unit := strings.TrimSpace(s[i:])
	switch unit {
	case "d", "day", "days":
		return time.Duration(n) * 24 * time.Hour, true
	case "w", "week", "weeks":
		return time.Duration(n) * 7 * 24 * time.Hour, true
	case "h", "hour", "hours":
		return time.Duration(n) * time.Hour, true
	case "m", "min", "minute", "minutes":
		return time.Duration(n) * time.Minute, true
	case "s", "sec", "second", "seconds":
		return time.Duration(n) * time.Second, true
	}
	return 0, false
}

// ParseAgo reads a duration back from now ("3d", "72h", "90m", "2 days",
// "0s"), as ParseInstant accepts it; ok is false for anything else.
func ParseAgo(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return 0, false // epoch numbers are instants
	}
	return parseAgo(s)
}
