package workflow

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/manifest"
)

// columnTags resolves an output's columnTags (names, lists, regexes) against
// the columns of its view: tags per column name, as the view spells it.
// Names match case-insensitively; a regex matches from the start of the name.
// A name no column has, or a regex no column matches, is an error naming the
// output's columns.
func columnTags(ctx context.Context, ses *engine.Session, out *manifest.Output) (map[string][]string, error) {
	cols, _, err := ses.Columns(ctx, engine.QuoteIdent(out.Name))
	if err != nil {
		return nil, fmt.Errorf("column tags: columns of %s: %w", out.Name, err)
	}
	return resolveColumnTags(cols, out.ColumnTags)
}

func resolveColumnTags(cols []string, specs []*manifest.ColumnTag) (map[string][]string, error) {
	out := map[string][]string{}
	add := func(col string, tags []string) {
		for _, t := range tags {
			if t = strings.TrimSpace(t); t != "" && !containsString(out[col], t) {
				out[col] = append(out[col], t)
			}
		}
	}
	byName := func(name string) (string, bool) {
		for _, c := range cols {
			if strings.EqualFold(c, name) {
				return c, true
			}
		}
		return "", false
	}
	list := strings.Join(cols, ", ")
	for _, ct := range specs {
		names := ct.ColumnNames
		if ct.ColumnName != "" {
			names = append([]string{ct.ColumnName}, names...)
		}
		for _, n := range names {
			c, ok := byName(n)
			if !ok {
				return nil, fmt.Errorf("%s: columnTags: no column %s in the output (columns: %s)", ct.Pos, n, list)
			}
			add(c, ct.Tags)
		}
		if ct.ColumnRegex != "" {
			re, err := regexp.Compile(`^(?:` + ct.ColumnRegex + `)`)
			if err != nil {
				return nil, fmt.Errorf("%s: columnTags: columnRegex %q: %w", ct.Pos, ct.ColumnRegex, err)
			}
			matched := false
			for _, c := range cols {
				if re.MatchString(c) {
					add(c, ct.Tags)
					matched = true
				}
			}
			if !matched {
				return nil, fmt.Errorf("%s: columnTags: columnRegex %q matches no column (columns: %s)", ct.Pos, ct.ColumnRegex, list)
			}
		}
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
