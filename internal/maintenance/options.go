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

// opts looks options up by their camelCase or snake_case spelling.
type opts map[string]string

func (o opts) get(names ...string) (string, bool) {
	for _, n := range names {
		for _, k := range []string{n, snake(n)} {
			if v, ok := o[k]; ok {
				return strings.TrimSpace(v), true
			}
		}
	}
	return "", false
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func parseBool(name, v string) (bool, error) {
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return false, fmt.Errorf("%w: %s = %q: want true or false", ErrInvalidOption, name, v)
	}
	return b, nil
}

func parseSize(name, v string) (int64, error) {
	n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %s = %q: want a positive number of bytes", ErrInvalidOption, name, v)
	}
	return n, nil
}

// CompactOptionsFrom reads rewrite_dataset's options (strategy, sortOrder,
// where, targetSizeInBytes) and properties (target-file-size-bytes,
// rewrite-all, min-input-files, delete-file-threshold,
// delete-ratio-threshold; the partial-progress and concurrency
// properties are accepted and ignored: the rewrite is one commit).
func CompactOptionsFrom(options, properties map[string]string) (CompactOptions, error) {
	var c CompactOptions
	o, p := opts(options), opts(properties)
	if v, ok := o.get("strategy"); ok && v != "" {
		switch strings.ToLower(v) {
		case "binpack":
		case "sort":
			c.Sort = true
		default:
			return c, fmt.Errorf("%w: strategy = %q: want binpack or sort", ErrInvalidOption, v)
		}
	}
	if v, ok := o.get("sortOrder"); ok && v != "" {
		keys, err := ParseSortOrder(v)
		if err != nil {
			return c, err
		}
		c.SortOrder = keys
		c.Sort = true
	}
	if v, ok := o.get("where"); ok {
		c.Where = v
	}
	if v, ok := o.get("targetSizeInBytes"); ok {
		n, err := parseSize("targetSizeInBytes", v)
		if err != nil {
			return c, err
		}
		c.TargetFileSize = n
	}
	for k, v := range p {
		v = strings.TrimSpace(v)
		switch k {
		case "target-file-size-bytes":
			n, err := parseSize(k, v)
			if err != nil {
				return c, err
			}
			c.TargetFileSize = n
		case "rewrite-all":
			b, err := parseBool(k, v)
			if err != nil {
				return c, err
			}
			c.RewriteAll = b
		case "min-input-files":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%w: %s = %q: want a number >= 1", ErrInvalidOption, k, v)
			}
			c.MinInputFiles = n
		case "delete-file-threshold":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return c, fmt.Errorf("%w: %s = %q: want a number of delete files >= 1", ErrInvalidOption, k, v)
			}
			c.DeleteFileThreshold = n
		case "delete-ratio-threshold":
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r <= 0 || r > 1 {
				return c, fmt.Errorf("%w: %s = %q: want a fraction of deleted rows in (0, 1]", ErrInvalidOption, k, v)
			}
			c.DeleteRatioThreshold = r
		case "partial-progress.enabled", "partial-progress.max-commits", "max-concurrent-file-group-rewrites",
			"max-file-group-size-bytes", "min-file-size-bytes", "max-file-size-bytes":
			// accepted; the rewrite is one atomic commit
		default:
			return c, fmt.Errorf("%w: unknown rewrite_dataset property %q (target-file-size-bytes, rewrite-all, min-input-files, delete-file-threshold, delete-ratio-threshold, partial-progress.enabled, ...)", ErrInvalidOption, k)
		}
	}
	return c, nil
}

// ParseSortOrder parses "col [ASC|DESC] [NULLS FIRST|LAST], ...".
func ParseSortOrder(s string) ([]SortKey, error) {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "zorder") {
		return nil, fmt.Errorf("%w: sort_order %q: zorder is not supported yet; give columns (a ASC, b DESC NULLS LAST)", ErrInvalidOption, s)
	}
	var out []SortKey
	for _, term := range strings.Split(s, ",") {
		words := strings.Fields(term)
		if len(words) == 0 {
			return nil, fmt.Errorf("%w: sort_order %q has an empty term", ErrInvalidOption, s)
		}
		k := SortKey{Column: strings.Trim(words[0], "`\"")}
		rest := strings.ToUpper(strings.Join(words[1:], " "))
		switch {
		case strings.HasPrefix(rest, "DESC"):
			k.Desc = true
			rest = strings.TrimSpace(strings.TrimPrefix(rest, "DESC"))
		case strings.HasPrefix(rest, "ASC"):
			rest = strings.TrimSpace(strings.TrimPrefix(rest, "ASC"))
		}
		switch rest {
		case "":
		case "NULLS FIRST":
			k.Nulls = "first"
		case "NULLS LAST":
			k.Nulls = "last"
		default:
			return nil, fmt.Errorf("%w: sort_order term %q: want column [ASC|DESC] [NULLS FIRST|NULLS LAST]", ErrInvalidOption, strings.TrimSpace(term))
		}
		out = append(out, k)
	}
	return out, nil
}

// ManifestOptionsFrom reads rewrite_manifest's options: specId, useCaching
// (accepted; manifests are read once anyway).
func ManifestOptionsFrom(options map[string]string) (ManifestOptions, error) {
	var m ManifestOptions
	o := opts(options)
	if v, ok := o.get("specId"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return m, fmt.Errorf("%w: specId = %q: want a partition spec id (0, 1, ...)", ErrInvalidOption, v)
		}
		m.SpecID = &n
	}
	if v, ok := o.get("useCaching"); ok && v != "" {
		if _, err := parseBool("useCaching", v); err != nil {
			return m, err
		}
	}
	return m, nil
}

// ExpireOptionsFrom reads expire_snapshots' options: expireOlderThan and
// olderThanMillis (epoch milliseconds, a timestamp, or a duration such as
// 7d or 36h meaning that long ago), olderThanTimestamp, retainLast,
// snapshotIds / expireSnapshotId; maxConcurrentDeletes and
// streamDeleteResults are accepted.
func ExpireOptionsFrom(options map[string]string, now time.Time) (ExpireOptions, error) {
	var e ExpireOptions
	o := opts(options)
	for _, name := range []string{"expireOlderThan", "olderThanMillis", "olderThanTimestamp"} {
		v, ok := o.get(name)
		if !ok || v == "" {
			continue
		}
		t, err := ParseInstant(v, now, false)
		if err != nil {
			return e, fmt.Errorf("%w: %s: %w", ErrInvalidOption, name, err)
		}
		e.OlderThan = t
	}
	if v, ok := o.get("retainLast"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return e, fmt.Errorf("%w: retainLast = %q: want a number >= 1", ErrInvalidOption, v)
		}
		e.RetainLast = n
	}
	for _, name := range []string{"snapshotIds", "expireSnapshotId"} {
		v, ok := o.get(name)
		if !ok || v == "" {
			continue
		}
		for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '[' || r == ']' || unicode.IsSpace(r) }) {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return e, fmt.Errorf("%w: %s: %q is not a snapshot id", ErrInvalidOption, name, s)
			}
			e.SnapshotIDs = append(e.SnapshotIDs, id)
		}
	}
	return e, nil
}

// OrphanOptionsFrom reads remove_orphans' options: olderThan (epoch: 10
// digits = seconds, 13 = milliseconds; a timestamp; or a duration), also
// spelled olderThanMillis / olderThanTimestamp; location;
// maxConcurrentDeletes is accepted.
func OrphanOptionsFrom(options map[string]string, now time.Time) (OrphanOptions, error) {
	var r OrphanOptions
	o := opts(options)
	for _, name := range []string{"olderThan", "olderThanMillis", "olderThanTimestamp"} {
		v, ok := o.get(name)
		if !ok || v == "" {
			continue
		}
		t, err := ParseInstant(v, now, name == "olderThan")
		if err != nil {
			return r, fmt.Errorf("%w: %s: %w", ErrInvalidOption, name, err)
		}
		r.OlderThan = t
	}
	if v, ok := o.get("location"); ok {
		r.Location = v
	}
	return r, nil
}

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
