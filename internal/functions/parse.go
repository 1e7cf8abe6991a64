package functions

import (
	"strings"
)

// Functions that parse text: e-mail addresses, URLs, JSON, HTML.

// urlRegex splits a URI as RFC 3986 (appendix B) does: scheme, authority,
// path, query, fragment.
const urlRegex = `^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(\?([^#]*))?(?:#(.*))?$`

// authorityRegex splits an authority into host and port (user info
// dropped; IPv6 hosts keep their brackets).
const authorityRegex = `^(?:[^@]*@)?(\[[^\]]*\]|[^:]*)(?::(\d*))?$`

// SplitURL splits a URL column into seven columns named after it:
// <column>_protocol, _authority, _host, _port, _path, _filename, _query
// (split_url), as java.net.URI reads them: parts a URL lacks are NULL (a
// URL without scheme://, such as www.example.com, is all path); _path is
// ” when empty; _filename is the path with ?query, as Java's URL.getFile
// gives it.
type SplitURL struct {
	Column string
}

func (*SplitURL) Name() string { return "split_url" }
func (f *SplitURL) options() []Option {
	return []Option{{Key: "column", Kind: String, Required: true, Doc: "The URL column; adds <column>_protocol, _authority, _host, _port, _path, _filename and _query.", target: &f.Column}}
}

func (f *SplitURL) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	u, a := quoteIdent("__flare_url"), quoteIdent("__flare_authority")
	part := func(n string) string { return u + "." + quoteIdent(n) }
	// Two regexes per value: the URL into its parts, the authority into
	// host and port, each computed once in an inner SELECT.
	inner := "(SELECT *, regexp_extract(" + part("authority") + ", " + quoteLit(authorityRegex) + ", ['host', 'port']) AS " + a +
		"\nFROM (SELECT *, regexp_extract(" + asText(quoteIdent(c.Name), classOf(c.Type)) + ", " + quoteLit(urlRegex) +
		", ['protocol', 'authority', 'path', 'q', 'query', 'fragment']) AS " + u + "\nFROM " + from + "))"
	p := identity(in)
	n := c.Name
	p.set(n+"_protocol", "nullif("+part("protocol")+", '')", "VARCHAR")
	p.set(n+"_authority", "nullif("+part("authority")+", '')", "VARCHAR")
	p.set(n+"_host", "nullif("+a+".host, '')", "VARCHAR")
	p.set(n+"_port", "TRY_CAST(nullif("+a+".port, '') AS INTEGER)", "INTEGER")
	p.set(n+"_path", part("path"), "VARCHAR")
	p.set(n+"_filename", part("path")+" || "+part("q"), "VARCHAR")
	p.set(n+"_query", "CASE WHEN "+part("q")+" <> '' THEN "+part("query")+" END", "VARCHAR")
	return p.sql(inner), p.out, nil
}

// emailRegex reads local@domain, also inside "Name <local@domain>".
const emailRegex = `^\s*(?:[^<>]*<)?\s*([^<>@\s]+)@([^<>@\s]+?)\s*>?\s*$`

// SplitEmail splits an e-mail address column into <column>_account and
// <column>_domain (split_email); both are NULL when the value is not an
// address.
type SplitEmail struct {
	Column string
}

func (*SplitEmail) Name() string { return "split_email" }
func (f *SplitEmail) options() []Option {
	return []Option{{Key: "column", Kind: String, Required: true, Doc: "The e-mail column; adds <column>_account and <column>_domain.", target: &f.Column}}
}

func (f *SplitEmail) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	m := quoteIdent("__flare_email")
	inner := "(SELECT *, regexp_extract(" + asText(quoteIdent(c.Name), classOf(c.Type)) + ", " + quoteLit(emailRegex) +
		", ['account', 'domain']) AS " + m + "\nFROM " + from + ")"
	p := identity(in)
	p.set(c.Name+"_account", "nullif("+m+".account, '')", "VARCHAR")
	p.set(c.Name+"_domain", "nullif("+m+".domain, '')", "VARCHAR")
	return p.sql(inner), p.out, nil
}

// ParseAsJSON parses a JSON text column into a typed value (a STRUCT for an
// object) with a Spark or an Avro schema (parse_as_json). Text that is not
// JSON gives NULL; a field whose value does not fit its type is NULL.
type ParseAsJSON struct {
	Column   string
	AsColumn string
	// SparkSchema is Spark's DataType JSON ({"type":"struct","fields":[...]})
	// or a DDL string ("a INT, b ARRAY<STRING>").
	SparkSchema string
	// AvroSchema is an Avro schema in JSON.
	AvroSchema string
}

func (*ParseAsJSON) Name() string { return "parse_as_json" }
func (f *ParseAsJSON) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column holding JSON text.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the parsed value (default: the column itself).", target: &f.AsColumn},
		{Key: "sparkSchema", Kind: String, Doc: "The value's Spark schema: DataType JSON or DDL (a INT, b ARRAY<STRING>); this or avroSchema.", target: &f.SparkSchema},
		{Key: "avroSchema", Kind: String, Doc: "The value's Avro schema (JSON); this or sparkSchema.", target: &f.AvroSchema},
	}
}

func (f *ParseAsJSON) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	var t *dtype
	switch {
	case strings.TrimSpace(f.SparkSchema) != "" && strings.TrimSpace(f.AvroSchema) != "":
		return "", nil, optErr("avroSchema", "give sparkSchema or avroSchema, not both")
	case strings.TrimSpace(f.SparkSchema) != "":
		if t, err = sparkSchemaType(f.SparkSchema); err != nil {
			return "", nil, optErr("sparkSchema", "%v", err)
		}
	case strings.TrimSpace(f.AvroSchema) != "":
		if t, err = avroSchemaType(f.AvroSchema); err != nil {
			return "", nil, optErr("avroSchema", "%v", err)
		}
	default:
		return "", nil, optErr("sparkSchema", "parse_as_json needs sparkSchema or avroSchema")
	}
	structure, err := jsonStructure(t)
	if err != nil {
		return "", nil, optErr("sparkSchema", "%v", err)
	}
	v := asText(quoteIdent(c.Name), classOf(c.Type))
	expr := "TRY(from_json(" + v + ", " + quoteLit(structure) + "))"
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), expr, t.String())
	return p.sql(from), p.out, nil
}

// ParseHTML turns HTML into its text without tags, entities decoded and
// white space collapsed, as jsoup's text() does (parse_html). It runs a
// Go scalar function that Install registers.
type ParseHTML struct {
	Column   string
	AsColumn string
}

func (*ParseHTML) Name() string { return "parse_html" }
func (f *ParseHTML) options() []Option {
	return []Option{
		{Key: "column", Kind: String, Required: true, Doc: "The column holding HTML.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the text (default: the column itself).", target: &f.AsColumn},
	}
}

func (f *ParseHTML) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), udfHTMLText+"("+asText(quoteIdent(c.Name), classOf(c.Type))+")", "VARCHAR")
	return p.sql(from), p.out, nil
}
