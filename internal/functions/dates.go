package functions

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // time zone names are checked the same on every machine

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// Date and time functions.

// instant is a column as a TIMESTAMP or TIMESTAMPTZ (or DATE) expression:
// text is read as Spark casts it, in the session time zone unless it
// carries an offset.
func instant(c Column) string {
	switch classOf(c.Type) {
	case classTimestamp, classDate:
		return quoteIdent(c.Name)
	}
	return "TRY_CAST(" + quoteIdent(c.Name) + " AS TIMESTAMP WITH TIME ZONE)"
}

// dateOf is a column as a DATE expression.
func dateOf(c Column) string {
	if classOf(c.Type) == classDate {
		return quoteIdent(c.Name)
	}
	return "CAST(" + instant(c) + " AS DATE)"
}

var zoneLetters = regexp.MustCompile(`[XxZzVO]`)

// strftimeFormat converts a Java date pattern to a DuckDB strftime format.
func strftimeFormat(javaPattern string) (string, error) {
	if strings.TrimSpace(javaPattern) == "" {
		return "", fmt.Errorf("the pattern is empty")
	}
	// Letters inside '...' are literal text.
	bare := regexp.MustCompile(`'[^']*'`).ReplaceAllString(javaPattern, "")
	if l := zoneLetters.FindString(bare); l != "" {
		return "", fmt.Errorf("pattern %q: zone letter %q cannot be formatted here (DuckDB prints offsets differently)", javaPattern, l)
	}
	return sparksql.ParseFormat(javaPattern)
}

// FormatDate replaces a date, timestamp or timestamp text column with its
// text in a Java date pattern (format_date).
type FormatDate struct {
	Column string
	Format string
}

func (*FormatDate) Name() string { return "format_date" }
func (f *FormatDate) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "A date, timestamp or timestamp-text column, replaced by its formatted text.", target: &f.Column},
		{Key: "format", Kind: String, Required: true, Doc: "A Java date pattern, e.g. yyyy-MM-dd'T'HH:mm:ss.", target: &f.Format},
	}
}

func (f *FormatDate) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	fmtStr, err := strftimeFormat(f.Format)
	if err != nil {
		return "", nil, optErr("format", "%v", err)
	}
	p := identity(in)
	p.set(c.Name, "strftime("+instant(c)+", "+quoteLit(fmtStr)+")", "VARCHAR")
	return p.sql(from), p.out, nil
}

// FormatUnixDate replaces a column of seconds since 1970 with their text in
// a Java date pattern, in the session time zone (format_unix_date).
type FormatUnixDate struct {
	Column string
	Format string
}

func (*FormatUnixDate) Name() string { return "format_unix_date" }
func (f *FormatUnixDate) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "A column of seconds since 1970-01-01 UTC (number or text), replaced by its formatted text.", target: &f.Column},
		{Key: "format", Kind: String, Required: true, Doc: "A Java date pattern, e.g. yyyy-MM-dd'T'HH:mm:ss.", target: &f.Format},
	}
}

func epochSeconds(c Column) string {
	return "to_timestamp(TRY_CAST(" + quoteIdent(c.Name) + " AS DOUBLE))"
}

func (f *FormatUnixDate) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	fmtStr, err := strftimeFormat(f.Format)
	if err != nil {
		return "", nil, optErr("format", "%v", err)
	}
	p := identity(in)
	p.set(c.Name, "strftime("+epochSeconds(c)+", "+quoteLit(fmtStr)+")", "VARCHAR")
	return p.sql(from), p.out, nil
}

// EpochToTimestamp turns seconds since 1970 into a timestamp
// (epoch_to_timestamp).
type EpochToTimestamp struct {
	Column   string
	AsColumn string
}

func (*EpochToTimestamp) Name() string { return "epoch_to_timestamp" }
func (f *EpochToTimestamp) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "A column of seconds since 1970-01-01 UTC (number or text).", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the timestamp (default: the column itself).", target: &f.AsColumn},
	}
}

func (f *EpochToTimestamp) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), epochSeconds(c), "TIMESTAMP WITH TIME ZONE")
	return p.sql(from), p.out, nil
}

// DiffDate is the number of days from columnB to columnA (diff_date).
type DiffDate struct {
	ColumnA  string
	ColumnB  string
	AsColumn string
}

func (*DiffDate) Name() string { return "diff_date" }
func (f *DiffDate) options() []Option {
	return []Option{
		{Key: "columnA", Kind: String, Required: true, Doc: "The later date (date, timestamp or their text).", target: &f.ColumnA},
		{Key: "columnB", Kind: String, Required: true, Doc: "The earlier date.", target: &f.ColumnB},
		{Key: "asColumn", Kind: String, Required: true, Doc: "The column for columnA - columnB in days (an integer).", target: &f.AsColumn},
	}
}

func (f *DiffDate) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	a, err := column(in, "columnA", f.ColumnA)
	if err != nil {
		return "", nil, err
	}
	b, err := column(in, "columnB", f.ColumnB)
	if err != nil {
		return "", nil, err
	}
	if f.AsColumn == "" {
		return "", nil, optErr("asColumn", "no column named")
	}
	p := identity(in)
	p.set(f.AsColumn, "CAST("+dateOf(a)+" - "+dateOf(b)+" AS INTEGER)", "INTEGER")
	return p.sql(from), p.out, nil
}

// Rules for any_date and any_timestamp: regular expressions whose named
// groups give the parts of a date. The defaults read the forms listed in
// docs/functions.md.
const timePart = `(?:(?:[T\s]+|\s*,\s*|\s+at\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<ns>\d{1,9}))?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?` +
	`\s*(?:(?P<zero>[Zz]|UTC|GMT)|(?P<zoneOffset>[+-]\d{2}(?::?\d{2})?))?\s*$`

// DefaultDateRules are tried, in order, after the rules a function gives.
var DefaultDateRules = []string{
	// 2020-03-01, 2020/03/01, 2020.3.1, with an optional time and zone.
	`^\s*(?P<year>\d{4})[-/.\s](?P<month>\d{1,2})[-/.\s](?P<day>\d{1,2})` + timePart,
	// 20200301, 20200301T050738, 20200301050738
	`^\s*(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?:T?(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?\s*(?P<zero>[Zz])?\s*$`,
	// 01-03-2020, 01/03/2020, 1.3.2020, 01/03/20 (day first)
	`^\s*(?P<day>\d{1,2})[-/.\s](?P<month>\d{1,2})[-/.\s](?P<year>\d{4}|\d{2})` + timePart,
	// 1 Mar 2020, 01-Mar-2020, 1st March, 2020, 01-MAR-20
	`^\s*(?P<day>\d{1,2})(?:st|nd|rd|th)?[-/.\s]*(?P<month>[A-Za-z]{3,9})\.?[-/.,\s]*(?P<year>\d{4}|\d{2})` + timePart,
	// Mar 1, 2020; March 01 2020; Sunday, March 1st, 2020
	`^\s*(?:[A-Za-z]{3,9},?\s+)?(?P<month>[A-Za-z]{3,9})\.?[-\s]+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})` + timePart,
	// 2020-Mar-01, 2020 March 1
	`^\s*(?P<year>\d{4})[-/.\s](?P<month>[A-Za-z]{3,9})[-/.\s](?P<day>\d{1,2})` + timePart,
	// Sun Mar 01 05:07:38 UTC 2020 (Java's Date.toString)
	`^\s*[A-Za-z]{3}\s+(?P<month>[A-Za-z]{3})\s+(?P<day>\d{1,2})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}):(?P<second>\d{2})\s+(?:(?P<zero>UTC|GMT|Z)\s+)?(?P<year>\d{4})\s*$`,
}

// dateGroups are the group names a rule may use.
var dateGroups = []string{"year", "month", "day", "hour", "minute", "second", "ns", "ampm", "zero", "zoneOffset"}

type dateRule struct {
	pattern string   // for DuckDB (RE2, (?P<name>) groups)
	names   []string // one per capture group, for regexp_extract
	has     map[string]bool
}

// compileRule checks a rule and names its groups. Rules may be written in
// Java's (?<name>...) form and wrapped in 【...】 as Flare's docs show them.
func compileRule(rule string) (*dateRule, error) {
	r := strings.TrimSpace(rule)
	if strings.HasPrefix(r, "【") && strings.HasSuffix(r, "】") {
		r = strings.TrimSuffix(strings.TrimPrefix(r, "【"), "】")
	}
	re, err := regexp.Compile(r)
	if err != nil {
		return nil, fmt.Errorf("rule %q: %v", rule, err)
	}
	d := &dateRule{pattern: duckRegex(r), has: map[string]bool{}}
	for i, n := range re.SubexpNames()[1:] {
		if n == "" {
			d.names = append(d.names, fmt.Sprintf("_%d", i+1))
			continue
		}
		known := false
		for _, g := range dateGroups {
			if g == n {
				known = true
			}
		}
		if !known {
			return nil, fmt.Errorf("rule %q: group %q is not one of %s", rule, n, strings.Join(dateGroups, ", "))
		}
		d.names = append(d.names, n)
		d.has[n] = true
	}
	for _, g := range []string{"year", "month", "day"} {
		if !d.has[g] {
			return nil, fmt.Errorf("rule %q: needs a group named %s, as in (?<%s>\\d+)", rule, g, g)
		}
	}
	return d, nil
}

func (d *dateRule) extract(text string) string {
	names := make([]string, len(d.names))
	for i, n := range d.names {
		names[i] = quoteLit(n)
	}
	return "regexp_extract(" + text + ", " + quoteLit(d.pattern) + ", [" + strings.Join(names, ", ") + "])"
}

// field is the text of a group of the rule's match m, or NULL when the
// rule has no such group.
func (d *dateRule) field(m, name string) string {
	if !d.has[name] {
		return "NULL::VARCHAR"
	}
	return m + "." + quoteIdent(name)
}

const monthNames = "['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']"

func (d *dateRule) dateParts(m string) (y, mo, day string) {
	yr := "TRY_CAST(" + d.field(m, "year") + " AS INTEGER)"
	y = "CASE WHEN length(" + d.field(m, "year") + ") <= 2 THEN 2000 + " + yr + " ELSE " + yr + " END"
	mf := d.field(m, "month")
	mo = "coalesce(TRY_CAST(" + mf + " AS INTEGER), list_position(" + monthNames + ", lower(left(" + mf + ", 3))))"
	day = "TRY_CAST(" + d.field(m, "day") + " AS INTEGER)"
	return
}

func (d *dateRule) date(m string) string {
	y, mo, day := d.dateParts(m)
	return "TRY(make_date(" + y + ", " + mo + ", " + day + "))"
}

// timestamp is the rule's match as a wall-clock TIMESTAMP in zone tz.
func (d *dateRule) timestamp(m, tz string) string {
	y, mo, day := d.dateParts(m)
	h := "coalesce(TRY_CAST(" + d.field(m, "hour") + " AS INTEGER), 0)"
	if d.has["ampm"] {
		ap := "lower(" + d.field(m, "ampm") + ")"
		h = "CASE WHEN " + ap + " LIKE 'p%' AND " + h + " < 12 THEN " + h + " + 12 WHEN " + ap + " LIKE 'a%' AND " + h + " = 12 THEN 0 ELSE " + h + " END"
	}
	mi := "coalesce(TRY_CAST(" + d.field(m, "minute") + " AS INTEGER), 0)"
	sec := "coalesce(TRY_CAST(" + d.field(m, "second") + " AS DOUBLE), 0)"
	if d.has["ns"] {
		sec += " + coalesce(TRY_CAST('0.' || " + d.field(m, "ns") + " AS DOUBLE), 0)"
	}
	base := "TRY(make_timestamp(" + y + ", " + mo + ", " + day + ", " + h + ", " + mi + ", " + sec + "))"
	var off string
	switch {
	case d.has["zero"] && d.has["zoneOffset"]:
		off = "CASE WHEN " + d.field(m, "zero") + " <> '' THEN 0 ELSE " + offsetMinutes(d.field(m, "zoneOffset")) + " END"
	case d.has["zero"]:
		off = "CASE WHEN " + d.field(m, "zero") + " <> '' THEN 0 END"
	case d.has["zoneOffset"]:
		off = offsetMinutes(d.field(m, "zoneOffset"))
	default:
		return base
	}
	// The instant is base at the offset; its wall-clock time in tz. For
	// UTC that is plain arithmetic; other zones need one ICU conversion.
	conv := "timezone(" + quoteLit(tz) + ", to_timestamp(epoch(" + base + ") - (" + off + ") * 60))"
	if tz == "UTC" || tz == "Etc/UTC" {
		conv = base + " - to_minutes(" + off + ")"
	}
	return "CASE WHEN (" + off + ") IS NULL THEN " + base + " ELSE " + conv + " END"
}

// offsetMinutes reads +05:30, -0800 or +01 as minutes east of UTC; NULL
// when empty.
func offsetMinutes(z string) string {
	digits := "replace(substr(" + z + ", 2), ':', '')"
	return "CASE WHEN " + z + " <> '' THEN (CASE WHEN left(" + z + ", 1) = '-' THEN -1 ELSE 1 END) * " +
		"(TRY_CAST(left(" + digits + ", 2) AS INTEGER) * 60 + coalesce(TRY_CAST(substr(" + digits + ", 3, 2) AS INTEGER), 0)) END"
}

// anyDate builds any_date and any_timestamp: one struct column per rule in
// an inner SELECT (each regex runs once per row), the first rule that
// gives a valid date wins.
func anyDate(from string, in Schema, col, as string, rules []string, value func(r *dateRule, m string) string, fast func(text string) string, typ string) (string, Schema, error) {
	c, err := column(in, "column", col)
	if err != nil {
		return "", nil, err
	}
	all := append(append([]string(nil), rules...), DefaultDateRules...)
	text := asText(quoteIdent(c.Name), classOf(c.Type))
	var tries []string
	for i, r := range all {
		if i == len(rules) {
			// ISO text (2020-03-01, 2020-03-01T05:07:38Z, ...) is read by
			// DuckDB's cast, several times faster than a regex with
			// groups; what the cast refuses goes on to the rules.
			tries = append(tries, fast(text))
		}
		d, err := compileRule(r)
		if err != nil {
			return "", nil, optErr("rules", "%v", err)
		}
		// The lambda binds the rule's match once; coalesce evaluates a
		// rule only for the rows the rules before it did not read, so
		// most values cost one regex.
		tries = append(tries, "list_transform(["+d.extract(text)+"], lambda m: "+value(d, "m")+")[1]")
	}
	p := identity(in)
	p.set(orColumn(as, c.Name), "coalesce("+strings.Join(tries, ",\n  ")+")", typ)
	return p.sql(from), p.out, nil
}

// AnyDate reads dates written in many forms (any_date).
type AnyDate struct {
	Column   string
	AsColumn string
	// Rules are regular expressions with named groups year, month, day,
	// tried before the default rules.
	Rules []string
}

func (*AnyDate) Name() string { return "any_date" }
func (f *AnyDate) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The text column holding dates.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The DATE column for the result (default: the column itself).", target: &f.AsColumn},
		{Key: "rules", Aliases: []string{"rule"}, Kind: List, Doc: "Regexes with named groups year, month, day (month may be a name), tried before the default rules.", target: &f.Rules},
	}
}

func (f *AnyDate) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	fast := func(text string) string {
		return "CASE WHEN " + text + " LIKE '____-__-__%' THEN TRY_CAST(" + text + " AS DATE) END"
	}
	return anyDate(from, in, f.Column, f.AsColumn, f.Rules, func(r *dateRule, m string) string { return r.date(m) }, fast, "DATE")
}

// AnyTimestamp reads timestamps written in many forms into the wall-clock
// time of a time zone (any_timestamp).
type AnyTimestamp struct {
	Column   string
	AsColumn string
	// Timezone is an IANA zone name; default UTC.
	Timezone string
	Rules    []string
}

func (*AnyTimestamp) Name() string { return "any_timestamp" }
func (f *AnyTimestamp) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The text column holding timestamps.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The TIMESTAMP column for the result (default: the column itself).", target: &f.AsColumn},
		{Key: "timezone", Kind: String, Default: "UTC", Doc: "IANA time zone (Asia/Kolkata): text with an offset or Z is converted to this zone's wall-clock time; text without one is taken as this zone's time.", target: &f.Timezone},
		{Key: "rules", Aliases: []string{"rule"}, Kind: List, Doc: "Regexes with named groups year, month, day, hour, minute, second, ns, ampm, zero, zoneOffset, tried before the default rules.", target: &f.Rules},
	}
}

func (f *AnyTimestamp) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	tz := f.Timezone
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return "", nil, optErr("timezone", "unknown time zone %q (an IANA name such as Asia/Kolkata or UTC)", tz)
	}
	fast := func(text string) string {
		// With a zone after the time, the cast gives the instant; without
		// one, the wall-clock time as written.
		zoned := "regexp_matches(" + text + `, '\d:\d\d(:\d\d([.,]\d+)?)?\s*([Zz]|UTC|GMT|[+-]\d\d(:?\d\d)?)\s*$')`
		instant := "TRY_CAST(" + text + " AS TIMESTAMP WITH TIME ZONE)"
		return "CASE WHEN " + text + " LIKE '____-__-__%' THEN CASE WHEN " + zoned + " THEN timezone(" + quoteLit(tz) + ", " + instant +
			") ELSE TRY_CAST(" + text + " AS TIMESTAMP) END END"
	}
	return anyDate(from, in, f.Column, f.AsColumn, f.Rules, func(r *dateRule, m string) string { return r.timestamp(m, tz) }, fast, "TIMESTAMP")
}
