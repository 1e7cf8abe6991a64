package functions

import (
	"context"
	"crypto/sha512"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/net/html"
)

// The Go scalar functions some step functions call. They exist only where
// SQL cannot do the job: DuckDB has no SHA-384/SHA-512, and HTML to text
// needs an HTML tokenizer and the full table of HTML entities.
const (
	udfSHA384   = "flare_sha384"
	udfSHA512   = "flare_sha512"
	udfHTMLText = "flare_html_text"
)

type stringUDF struct {
	fn func(string) string
}

func (u stringUDF) Config() duckdb.ScalarFuncConfig {
	t, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		panic(err)
	}
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{t}, ResultTypeInfo: t}
}

func (u stringUDF) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		s, _ := values[0].(string)
		return u.fn(s), nil
	}}
}

var udfs = map[string]func(string) string{
	udfSHA384: func(s string) string {
		h := sha512.Sum384([]byte(s))
		return hex.EncodeToString(h[:])
	},
	udfSHA512: func(s string) string {
		h := sha512.Sum512([]byte(s))
		return hex.EncodeToString(h[:])
	},
	udfHTMLText: HTMLText,
}

// Install registers the Go scalar functions on the connection that will
// run the chains' SQL (the engine session's connection). Calling it again
// on the same database does nothing.
func Install(ctx context.Context, conn *sql.Conn) error {
	for name, fn := range udfs {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", name).Scan(&n); err != nil {
			return fmt.Errorf("install function %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		if err := duckdb.RegisterScalarUDF(conn, name, stringUDF{fn}); err != nil {
			return fmt.Errorf("install function %s: %w", name, err)
		}
	}
	return nil
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
