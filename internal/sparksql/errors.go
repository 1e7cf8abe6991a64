package sparksql

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error of Lex, Translate and Rewrite wraps
// ErrRewrite and, when it is an *Error, one of ErrSyntax and ErrUnsupported.
var (
	// ErrRewrite: Spark SQL that cannot be translated.
	ErrRewrite = errors.New("spark sql rewrite")
	// ErrSyntax: text that cannot be split into tokens (an unterminated
	// string, quoted identifier or comment) or malformed Spark syntax.
	ErrSyntax = errors.New("syntax error")
	// ErrUnsupported: a Spark function or construct that Flare does not run.
	ErrUnsupported = errors.New("not supported")
	// ErrUnsupportedPattern: a Java date pattern with no DuckDB
	// strftime/strptime equivalent.
	ErrUnsupportedPattern = errors.New("unsupported date pattern")
)

// Error is Spark SQL that Lex or Rewrite refuses; Pos is where the
// offending token starts in the Spark text.
type Error struct {
	Pos Pos
	Msg string
	Err error // ErrSyntax or ErrUnsupported
}

func (e *Error) Error() string { return fmt.Sprintf("line %s: %s", e.Pos, e.Msg) }

// Unwrap lets errors.Is find ErrRewrite and the sentinel in Err.
func (e *Error) Unwrap() []error { return []error{ErrRewrite, e.Err} }
