package functions

import (
	"context"
	"crypto/sha512"
	"database/sql"
	"database/sql/driver"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/net/html"
)

// The Go scalar functions some step functions call. They exist only where
// SQL cannot do the job, or does it far slower (measured, docs/functions.md):
// DuckDB has no SHA-384/SHA-512; HTML to text needs an HTML tokenizer and
// the full table of HTML entities; base32 in SQL (bit strings and 32
// replace calls, or list lambdas) took 12 to 41 s per million values,
// encoding/base32 well under one; title case (Spark's initcap) with list
// lambdas cost about 3.5 s per million two-word values, in Go about 0.1.
const (
	udfSHA384       = "flare_sha384"
	udfSHA512       = "flare_sha512"
	udfHTMLText     = "flare_html_text"
	udfBase32Encode = "flare_base32_encode"
	udfBase32Decode = "flare_base32_decode"
	udfTitleCase    = "flare_initcap"
)

// udf is a scalar function of one argument; fn returns nil for NULL.
type udf struct {
	in, out duckdb.Type
	fn      func(v any) any
}

func (u udf) Config() duckdb.ScalarFuncConfig {
	in, err := duckdb.NewTypeInfo(u.in)
	if err != nil {
		panic(err)
	}
	out, err := duckdb.NewTypeInfo(u.out)
	if err != nil {
		panic(err)
	}
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{in}, ResultTypeInfo: out}
}

func (u udf) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		return u.fn(values[0]), nil
	}}
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case []byte:
		return x
	}
	return nil
}

var udfs = map[string]udf{
	udfSHA384: {duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, func(v any) any {
		h := sha512.Sum384(asBytes(v))
		return hex.EncodeToString(h[:])
	}},
	udfSHA512: {duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, func(v any) any {
		h := sha512.Sum512(asBytes(v))
		return hex.EncodeToString(h[:])
	}},
	udfHTMLText: {duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, func(v any) any {
		s, _ := v.(string)
		return HTMLText(s)
	}},
	udfTitleCase: {duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR, func(v any) any {
		s, _ := v.(string)
		return TitleCase(s)
	}},
	udfBase32Encode: {duckdb.TYPE_BLOB, duckdb.TYPE_VARCHAR, func(v any) any {
		return base32.StdEncoding.EncodeToString(asBytes(v))
	}},
	udfBase32Decode: {duckdb.TYPE_VARCHAR, duckdb.TYPE_BLOB, func(v any) any {
		s := strings.ToUpper(strings.TrimRight(string(asBytes(v)), "="))
		b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
		if err != nil {
			return nil
		}
		return b
	}},
}

// Install registers the Go scalar functions on the connection that will
// run the chains' SQL (the engine session's connection). Calling it again
// on the same database does nothing.
func Install(ctx context.Context, conn *sql.Conn) error {
	// One look at the catalog for all of them: duckdb_functions() lists
	// every function and macro, which takes a while.
	names := make([]string, 0, len(udfs))
	for name := range udfs {
		names = append(names, "'"+name+"'")
	}
	rows, err := conn.QueryContext(ctx, "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name IN ("+strings.Join(names, ", ")+")")
	if err != nil {
		return fmt.Errorf("install step functions: %w", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("install step functions: %w", err)
		}
		have[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("install step functions: %w", err)
	}
	for name, fn := range udfs {
		if have[name] {
			continue
		}
		if err := duckdb.RegisterScalarUDF(conn, name, fn); err != nil {
			return fmt.Errorf("install function %s: %w", name, err)
		}
	}
	return nil
}

// TitleCase is Spark's initcap: the string in lower case, with the first
// letter of every word (after a space) in title case.
func TitleCase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		if start {
			b.WriteRune(unicode.ToTitle(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = r == ' '
	}
	return b.String()
}

// blockTags end a run of text: their text is separated by a space, as
// jsoup's text() separates block elements.
var blockTags = map[string]bool{
	"address": true, "article": true, "aside": true, "blockquote": true, "br": true, "dd": true, "div": true,
	"dl": true, "dt": true, "fieldset": true, "figcaption": true, "figure": true, "footer": true, "form": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "header": true, "hr": true,
	"li": true, "main": true, "nav": true, "ol": true, "p": true, "pre": true, "section": true, "table": true,
	"tbody": true, "td": true, "tfoot": true, "th": true, "thead": true, "tr": true, "ul": true, "title": true,
	"body": true, "html": true, "head": true,
}

// skipTags hold data, not text.
var skipTags = map[string]bool{"script": true, "style": true, "template": true, "noscript": true}

// HTMLText is the text of an HTML fragment or document: tags removed,
// entities decoded, script and style content dropped, block elements
// separated by a space, runs of white space (no-break spaces too) collapsed
// to one space and the ends trimmed (what jsoup's Element.text() returns).
func HTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapseSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return collapseSpace(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if skipTags[tag] {
				switch {
				case tt == html.StartTagToken:
					skip++
				case tt == html.EndTagToken && skip > 0:
					skip--
				}
			}
			if blockTags[tag] {
				b.WriteByte(' ')
			}
		}
	}
}

func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0'
	}), " ")
}
