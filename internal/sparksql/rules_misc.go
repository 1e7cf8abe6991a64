package sparksql

import (
	"fmt"
	"strings"
)

func init() {
	register(map[string]rule{
		"from_json":          fromJSON,
		"to_json":            toJSON,
		"schema_of_json":     schemaOfJSON,
		"json_tuple":         jsonTuple,
		"regexp_replace":     regexpReplace,
		"regexp_extract":     regexpExtract,
		"regexp_extract_all": regexpExtract,
		"like":               likeFn("LIKE"),
		"ilike":              likeFn("ILIKE"),
		"rlike":              rename("regexp_matches"),
		"regexp":             rename("regexp_matches"),
		"regexp_like":        rename("regexp_matches"),
		"decode":             decodeRule,
		"elt":                elt,
		"overlay":            overlay,
		"position":           position,
		"concat_ws":          concatWS,
		"date_sub":           renameArgs("spark_date_sub", 2, 2),
		"format_number":      formatNumber,
		"to_char":            toChar,
		"to_varchar":         toChar,
		"to_number":          toNumber(false),
		"try_to_number":      toNumber(true),
		"spark_partition_id": noArgs("0"),
	})
	addMacros(
		macro{"get_json_object", `(j, path) AS json_extract_string(TRY_CAST(j AS JSON), path)`},
		macro{"spark_json_array_length", `(j) AS CASE WHEN json_type(TRY_CAST(j AS JSON)) = 'ARRAY' THEN CAST(json_array_length(TRY_CAST(j AS JSON)) AS INTEGER) END`},
		macro{"json_object_keys", `(j) AS CASE WHEN json_type(TRY_CAST(j AS JSON)) = 'OBJECT' THEN json_keys(TRY_CAST(j AS JSON)) END`},
		// URLs, parsed as java.net.URI does: NULL for an invalid URL.
		macro{"spark_url_part", `(u, i) AS regexp_extract(u, '^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$', i)`},
		macro{"spark_url_has", `(u, i) AS regexp_matches(u, CASE i WHEN 2 THEN '^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//' WHEN 4 THEN '^[^#]*\?' WHEN 5 THEN '#' ELSE '^[a-zA-Z][a-zA-Z0-9+.-]*:' END)`},
		macro{"parse_url", `(u, part) AS CASE WHEN u IS NULL OR part IS NULL OR NOT regexp_full_match(u, '(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?[^\s]*') THEN NULL
			WHEN upper(part) = 'PROTOCOL' THEN nullif(spark_url_part(u, 1), '')
			WHEN upper(part) = 'AUTHORITY' THEN CASE WHEN spark_url_has(u, 2) THEN spark_url_part(u, 2) END
			WHEN upper(part) = 'HOST' THEN CASE WHEN spark_url_has(u, 2) THEN nullif(regexp_extract(spark_url_part(u, 2), '^(?:[^@]*@)?(\[[^\]]*\]|[^:]*)', 1), '') END
			WHEN upper(part) = 'USERINFO' THEN CASE WHEN contains(spark_url_part(u, 2), '@') THEN regexp_extract(spark_url_part(u, 2), '^([^@]*)@', 1) END
			WHEN upper(part) = 'PATH' THEN spark_url_part(u, 3)
			WHEN upper(part) = 'QUERY' THEN CASE WHEN spark_url_has(u, 4) THEN spark_url_part(u, 4) END
			WHEN upper(part) = 'REF' THEN CASE WHEN spark_url_has(u, 5) THEN spark_url_part(u, 5) END
			WHEN upper(part) = 'FILE' THEN spark_url_part(u, 3) || CASE WHEN spark_url_has(u, 4) THEN '?' || spark_url_part(u, 4) ELSE '' END
			END,
			(u, part, key) AS CASE WHEN upper(part) = 'QUERY' THEN
				nullif(regexp_extract(parse_url(u, 'QUERY'), '(?:^|&)' || regexp_escape(key) || '=([^&]*)', 1), '') END`},
		macro{"try_parse_url", `(u, part) AS parse_url(u, part), (u, part, key) AS parse_url(u, part, key)`},
		macro{"spark_url_encode", `(s) AS replace(replace(replace(url_encode(s), '%20', '+'), '%2A', '*'), '~', '%7E')`},
		macro{"spark_url_decode", `(s) AS url_decode(replace(s, '+', ' '))`},
		macro{"try_url_decode", `(s) AS TRY(spark_url_decode(s))`},
		macro{"spark_sha2", `(x, bits) AS CASE WHEN bits IN (0, 256) THEN sha256(x) WHEN bits IN (224, 384, 512) THEN spark_sha2_go(CAST(x AS BLOB), CAST(bits AS INTEGER)) END`},
		// Bitmaps: 32768 bits per bucket, as Spark's bitmap functions.
		macro{"bitmap_bucket_number", `(x) AS CASE WHEN x > 0 THEN 1 + (x - 1) // 32768 ELSE x // 32768 END`},
		macro{"bitmap_bit_position", `(x) AS CASE WHEN x > 0 THEN (x - 1) % 32768 ELSE (-x) % 32768 END`},
		macro{"bitmap_count", `(b) AS bit_count(CAST(CAST(b AS BLOB) AS BIT))`},
		// A bitmap is 4096 bytes; bit p is bit p % 8 (least significant first)
		// of byte p / 8. DuckDB's BIT strings count from the most significant bit.
		macro{"bitmap_construct_agg", `(p) AS CAST(bitstring_agg(CAST((p // 8) * 8 + 7 - p % 8 AS BIGINT), 0, 32767) AS BLOB)`},
		macro{"spark_bitmap_pad", `(b) AS CAST(unhex(rpad(hex(b), 8192, '0')) AS BIT)`},
		macro{"bitmap_or_agg", `(b) AS CAST(bit_or(spark_bitmap_pad(b)) AS BLOB)`},
		macro{"bitmap_and_agg", `(b) AS CAST(bit_and(spark_bitmap_pad(b)) AS BLOB)`},
	)
	alias("json_array_length", "spark_json_array_length")
	alias("url_encode", "spark_url_encode")
	alias("url_decode", "spark_url_decode")
	alias("sha", "sha1")
	alias("sha2", "spark_sha2")
}

// fromJSON: from_json(json, 'a INT, b STRING'[, options]) casts the parsed
// JSON to the schema's STRUCT; malformed JSON gives NULL (Spark's PERMISSIVE
// mode).
func fromJSON(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	if c.args[1].lit == nil {
		return "", fmt.Errorf("the schema must be a string literal, got %s", c.args[1].src())
	}
	fields, typ, err := ddlFields(*c.args[1].lit)
	if err != nil {
		return "", err
	}
	opts := map[string]string{}
	if len(c.args) == 3 {
		if opts, err = optionMap(c.args[2], "timestampformat", "dateformat", "mode"); err != nil {
			return "", err
		}
		if m, ok := opts["mode"]; ok && !strings.EqualFold(m, "PERMISSIVE") {
			return "", fmt.Errorf("option mode %q is not supported (only PERMISSIVE)", m)
		}
	}
	j := "TRY_CAST(" + c.args[0].text + " AS JSON)"
	tsf, dtf := opts["timestampformat"], opts["dateformat"]
	if fields == nil || tsf == "" && dtf == "" {
		return "TRY_CAST(" + j + " AS " + typ + ")" + newlines(c.args[1].toks), nil
	}
	// Dates and timestamps in a given format: read them as text first.
	var read, build []string
	s := rw.fresh(1)[0]
	for _, f := range fields {
		t := f.typ
		expr := s + "." + quoteIdent(f.name)
		if (f.typ == "TIMESTAMP" && tsf != "") || (f.typ == "DATE" && dtf != "") {
			p := tsf
			if f.typ == "DATE" {
				p = dtf
			}
			conv, _, err := convertPattern(p, parsing)
			if err != nil {
				return "", err
			}
			t = "VARCHAR"
			expr = "CAST(try_strptime(" + expr + ", " + quoteDuck(conv) + ") AS " + f.typ + ")"
		}
		read = append(read, quoteIdent(f.name)+" "+t)
		build = append(build, quoteIdent(f.name)+" := "+expr)
	}
	return "list_transform([TRY_CAST(" + j + " AS STRUCT(" + strings.Join(read, ", ") + "))], lambda " + s +
		": CASE WHEN " + s + " IS NULL THEN NULL ELSE struct_pack(" + strings.Join(build, ", ") + ") END)[1]" + newlines(c.args[1].toks) + newlines(c.args[2].toks), nil
}

// optionMap reads map('key', 'value', ...) of string literals; keys are
// compared in lower case and must be among allowed.
func optionMap(a arg, allowed ...string) (map[string]string, error) {
	sig := Trim(a.toks)
	if len(sig) < 3 || !sig[0].Is("map") || MatchParen(sig, nextSig(sig, 1)) != len(sig)-1 {
		return nil, fmt.Errorf("options must be map('key', 'value', ...), got %s", a.src())
	}
	open := nextSig(sig, 1)
	parts := SplitComma(sig[open+1 : len(sig)-1])
	if len(parts)%2 != 0 {
		return nil, fmt.Errorf("options must be key, value pairs")
	}
	out := map[string]string{}
	for k := 0; k+1 < len(parts); k += 2 {
		key, val := Trim(parts[k]), Trim(parts[k+1])
		if len(key) != 1 || key[0].Kind != String || len(val) != 1 || val[0].Kind != String {
			return nil, fmt.Errorf("options must be string literals")
		}
		name := strings.ToLower(key[0].Value())
		ok := false
		for _, al := range allowed {
			if al == name {
				ok = true
			}
		}
		if !ok {
			return nil, &Error{Pos: Pos{key[0].Line, key[0].Col}, Msg: fmt.Sprintf("option %s is not supported", key[0].Value()), Err: ErrUnsupported}
		}
		out[name] = val[0].Value()
	}
	return out, nil
}

// toJSON: to_json(struct, map or array) as compact JSON text.
func toJSON(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	opts := map[string]string{}
	if len(c.args) == 2 {
		var err error
		if opts, err = optionMap(c.args[1], "timestampformat", "dateformat"); err != nil {
			return "", err
		}
	}
	if len(opts) == 0 {
		return "CAST(to_json(" + c.args[0].text + ") AS VARCHAR)", nil
	}
	// Formats for dates and timestamps: the fields must be known.
	sig := Trim(c.args[0].toks)
	if len(sig) < 3 || !sig[0].Is("named_struct") || MatchParen(sig, nextSig(sig, 1)) != len(sig)-1 {
		return "", fmt.Errorf("the timestampFormat and dateFormat options need the struct written as named_struct(...)")
	}
	tf, df := "NULL", "NULL"
	for k, v := range map[string]*string{"timestampformat": &tf, "dateformat": &df} {
		if p, ok := opts[k]; ok {
			conv, _, err := convertPattern(p, formatting)
			if err != nil {
				return "", err
			}
			*v = quoteDuck(conv)
		}
	}
	parts := SplitComma(sig[nextSig(sig, 1)+1 : len(sig)-1])
	if len(parts)%2 != 0 {
		return "", fmt.Errorf("named_struct needs name, value pairs")
	}
	var fields []string
	for k := 0; k+1 < len(parts); k += 2 {
		name := Trim(parts[k])
		if len(name) != 1 || name[0].Kind != String {
			return "", fmt.Errorf("field names must be string literals")
		}
		text, err := rw.emit(parts[k+1])
		if err != nil {
			return "", err
		}
		fields = append(fields, quoteIdent(name[0].Value())+" := spark_json_field("+flat(text)+", "+tf+", "+df+")")
	}
	return "CAST(to_json(struct_pack(" + strings.Join(fields, ", ") + ")) AS VARCHAR)" + newlines(c.toks), nil
}

func init() {
	addMacros(macro{"spark_json_field", `(x TIMESTAMP, tf, df) AS CASE WHEN tf IS NULL THEN CAST(x AS VARCHAR) ELSE strftime(x, tf) END,
		(x DATE, tf, df) AS CASE WHEN df IS NULL THEN CAST(x AS VARCHAR) ELSE strftime(x, df) END,
		(x, tf, df) AS x`})
}

// jsonTuple: json_tuple(json, 'a', 'b') makes one row of columns c0, c1.
func jsonTuple(rw *rewriter, c *call) (string, error) {
	if len(c.args) < 2 {
		return "", fmt.Errorf("want json_tuple(json, key1, ...)")
	}
	v := rw.fresh(1)[0]
	var paths, fields []string
	for k, a := range c.args[1:] {
		paths = append(paths, "'$.\"' || replace("+a.text+", '\"', '\\\"') || '\"'")
		fields = append(fields, fmt.Sprintf("'c%d': %s[%d]", k, v, k+1))
	}
	return "unnest(list_transform([json_extract_string(TRY_CAST(" + c.args[0].text + " AS JSON), [" + strings.Join(paths, ", ") +
		"])], lambda " + v + ": {" + strings.Join(fields, ", ") + "}), max_depth := 2)", nil
}

// regexpReplace: Spark replaces every match, and its replacement refers to
// groups as $1 (Java); position (1-based) skips a prefix.
func regexpReplace(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 3, 4); err != nil {
		return "", err
	}
	rep := c.args[2].text
	if c.args[2].lit != nil {
		rep = newlines(c.args[2].toks) + quoteDuck(javaReplacement(*c.args[2].lit))
	} else {
		rep = "spark_java_replacement(" + rep + ")"
	}
	if len(c.args) == 4 {
		s := flat(c.args[0].text)
		p := flat(c.args[3].text)
		return "(substring(" + c.args[0].text + ", 1, " + p + " - 1) || regexp_replace(substring(" + s + ", " + c.args[3].text + "), " + c.args[1].text + ", " + rep + ", 'g'))", nil
	}
	return "regexp_replace(" + c.args[0].text + ", " + c.args[1].text + ", " + rep + ", 'g')", nil
}

// javaReplacement turns a java.util.regex replacement ($1, \$) into RE2's
// (\1, $).
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteByte(s[i])
			}
		case c == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
			i++
		case c == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func init() {
	addMacros(macro{"spark_java_replacement", `(r) AS regexp_replace(replace(r, '\\', '\\\\'), '\$([0-9])', '\\\1', 'g')`})
}

// regexpExtract adds Spark's default group index 1 (DuckDB's is 0); Spark
// returns ” (not NULL) when the regex does not match.
func regexpExtract(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	idx := ", 1"
	if len(c.args) == 3 {
		idx = ""
	}
	return c.lname + "(" + argTexts(c.args) + idx + ")", nil
}

// likeFn: like(str, pattern[, escape]) as a function.
func likeFn(op string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if err := wantArgs(c, 2, 3); err != nil {
			return "", err
		}
		esc := `'\'`
		if len(c.args) == 3 {
			esc = c.args[2].text
		}
		return "((" + c.args[0].text + ") " + op + " (" + c.args[1].text + ") ESCAPE " + esc + ")", nil
	}
}

// decodeRule: decode(binary, charset) decodes text; decode(expr, search,
// result, ..., default) compares like CASE, NULL matching NULL.
func decodeRule(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 2 {
		return "spark_decode_charset(" + argTexts(c.args) + ")", nil
	}
	if len(c.args) < 3 {
		return "", fmt.Errorf("want decode(bin, charset) or decode(expr, search, result, ...)")
	}
	e := flat(c.args[0].text)
	var b strings.Builder
	b.WriteString("CASE" + newlines(c.args[0].toks))
	k := 1
	for ; k+1 < len(c.args); k += 2 {
		b.WriteString(" WHEN " + e + " IS NOT DISTINCT FROM (" + c.args[k].text + ") THEN " + c.args[k+1].text)
	}
	if k < len(c.args) {
		b.WriteString(" ELSE " + c.args[k].text)
	}
	b.WriteString(" END")
	return b.String(), nil
}

// elt(n, a, b, ...) returns the n-th value (1-based), NULL out of range.
func elt(rw *rewriter, c *call) (string, error) {
	if len(c.args) < 2 {
		return "", fmt.Errorf("want elt(n, value1, ...)")
	}
	var vals []string
	for _, a := range c.args[1:] {
		vals = append(vals, "CAST("+flat(a.text)+" AS VARCHAR)")
	}
	return "[" + strings.Join(vals, ", ") + "][" + flat(c.args[0].text) + "]" + newlines(c.toks), nil
}

// overlay(input PLACING replace FROM pos [FOR len]) and overlay(input,
// replace, pos[, len]).
func overlay(rw *rewriter, c *call) (string, error) {
	if len(c.args) >= 3 {
		return "spark_overlay(" + argTexts(c.args) + ")", nil
	}
	if len(c.args) != 1 {
		return "", fmt.Errorf("want overlay(input PLACING replace FROM pos [FOR len])")
	}
	toks := c.args[0].toks
	var parts []string
	start := 0
	for i, d := range Depths(toks) {
		if d == 0 && (toks[i].Is("placing") || toks[i].Is("from") || toks[i].Is("for")) {
			t, err := rw.emit(toks[start:i])
			if err != nil {
				return "", err
			}
			parts = append(parts, t+newlines(toks[i:i+1]))
			start = i + 1
		}
	}
	t, err := rw.emit(toks[start:])
	if err != nil {
		return "", err
	}
	parts = append(parts, t)
	if len(parts) < 3 {
		return "", fmt.Errorf("want overlay(input PLACING replace FROM pos [FOR len])")
	}
	return "spark_overlay(" + strings.Join(parts, ",") + ")", nil
}

// position(substr, str[, pos]); position(substr IN str) is DuckDB's.
func position(rw *rewriter, c *call) (string, error) {
	if len(c.args) < 2 {
		return "", nil
	}
	return "locate(" + argTexts(c.args) + ")", nil
}

// concatWS: concat_ws(sep, ...) skips NULLs and spreads arrays.
func concatWS(rw *rewriter, c *call) (string, error) {
	if len(c.args) == 0 {
		return "", fmt.Errorf("want concat_ws(sep, ...)")
	}
	if len(c.args) == 1 {
		return "CASE WHEN " + c.args[0].text + " IS NULL THEN NULL ELSE '' END", nil
	}
	sep := flat(c.args[0].text)
	parts := []string{c.args[0].text}
	for _, a := range c.args[1:] {
		parts = append(parts, "spark_ws_part("+a.text+", "+sep+")")
	}
	return "concat_ws(" + strings.Join(parts, ",") + ")", nil
}

func init() {
	addMacros(macro{"spark_ws_part", `(x VARCHAR[], sep) AS nullif(array_to_string(list_filter(x, lambda e: e IS NOT NULL), sep), ''),
		(x, sep) AS x`})
}

func init() {
	register(map[string]rule{"substr": substrRule, "substring": substrRule})
}

// substrRule: substr(str, pos[, len]) and substr(str FROM pos [FOR len]),
// with Spark's positions (0 counts as 1, negative from the end).
func substrRule(rw *rewriter, c *call) (string, error) {
	if len(c.args) != 1 {
		return "spark_substr(" + argTexts(c.args) + ")", nil
	}
	toks := c.args[0].toks
	var parts []string
	start := 0
	for i, d := range Depths(toks) {
		if d == 0 && (toks[i].Is("from") || toks[i].Is("for")) {
			t, err := rw.emit(toks[start:i])
			if err != nil {
				return "", err
			}
			parts = append(parts, t+newlines(toks[i:i+1]))
			start = i + 1
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("want substr(str, pos[, len]) or substr(str FROM pos [FOR len])")
	}
	t, err := rw.emit(toks[start:])
	if err != nil {
		return "", err
	}
	parts = append(parts, t)
	return "spark_substr(" + strings.Join(parts, ",") + ")", nil
}
