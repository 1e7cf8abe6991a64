package sparksql

import (
	"fmt"
	"strings"
)

// rules maps a lower-case Spark function name to its rewrite. Read-only;
// filled by init from the tables of each rules_*.go file.
var rules = map[string]rule{}

func register(m map[string]rule) {
	for k, v := range m {
		if _, dup := rules[k]; dup {
			panic("sparksql: two rules for " + k)
		}
		rules[k] = v
	}
}

func rename(to string) rule {
	return func(rw *rewriter, c *call) (string, error) { return to + "(" + argTexts(c.args) + ")", nil }
}

// renameArgs renames only calls with min..max arguments (DuckDB's own forms,
// such as datediff('day', a, b), stay untouched).
func renameArgs(to string, min, max int) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if len(c.args) < min || len(c.args) > max {
			return "", nil
		}
		return to + "(" + argTexts(c.args) + ")", nil
	}
}

// wantArgs returns an error unless the call has min..max arguments.
func wantArgs(c *call, min, max int) error {
	if n := len(c.args); n < min || n > max {
		if min == max {
			return fmt.Errorf("want %d argument%s, got %d", min, plural(min), n)
		}
		return fmt.Errorf("want %d to %d arguments, got %d", min, max, n)
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func noArgs(to string) rule {
	return func(rw *rewriter, c *call) (string, error) {
		if len(c.args) != 0 {
			return "", nil
		}
		return to, nil
	}
}

// pattern converts the literal pattern argument i of a call.
func pattern(c *call, i int, use patternUse) (string, bool, error) {
	a := c.args[i]
	if a.lit == nil {
		return "", false, fmt.Errorf("the date pattern must be a string literal, got %s", a.src())
	}
	f, zoned, err := convertPattern(*a.lit, use)
	if err != nil {
		return "", false, err
	}
	return newlines(a.toks) + quoteDuck(f), zoned, nil
}

// quoteDuck quotes s as a DuckDB string literal (backslash is not special).
func quoteDuck(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
