// Package sparksql lets Flare run the Spark SQL that manifests carry on
// DuckDB, and is the one place that reads Spark SQL text.
//
// It owns three things and nothing else:
//
//   - Translate (and Rewrite, its string form) turns Spark SQL into DuckDB
//     SQL with the same meaning: Spark's quoting ('...' and "..." are
//     strings, `...` quotes an identifier), literals (x'..', typed numbers,
//     INTERVAL), operators (<=> ! ^ div >>> RLIKE, LIKE with Spark's escape),
//     lambdas, named arguments, CLUSTER/DISTRIBUTE/SORT BY, LATERAL VIEW,
//     VALUES rows, time windows, Spark type names, and calls whose DuckDB
//     namesake differs (renamed to spark_* macros or rewritten; Java date
//     and number patterns are converted once, at text level). Spark
//     built-ins that Flare does not run are refused by name (ErrUnsupported).
//     The result has the input's line breaks, and Rewritten.Source maps a
//     position in the DuckDB SQL back to the Spark text, so errors point at
//     the manifest's line and column.
//
//   - Library creates, in one DuckDB database, the macros and Go functions
//     that translated SQL calls, each once and only when a statement needs
//     it (Install creates all of them). Functions and Refused list what runs
//     and what is refused; docs/spark-sql.md is generated from them.
//
//   - The lexer API that every package scanning Spark SQL should use, instead
//     of a lexer of its own:
//
//     Lex(sql) ([]Token, error) splits text into tokens (Kind: Space,
//     Comment, String, Ident, QuotedIdent, Number, Op, Punct) with their
//     source Text, byte Offset and 1-based Line and Col (in characters);
//     joining the Texts gives the input back. Token.Value decodes a string
//     literal (Spark escapes) or unquotes a `name`; Token.Name returns the
//     identifier a token names; Token.Is(word) matches a keyword; a
//     *Error (ErrSyntax) reports an unterminated string or comment with
//     its position.
//
//     MatchParen, Depths, SplitTop, SplitComma, SplitKeyword, FindTop, Trim
//     and Text work on token slices at the top level (outside brackets):
//     SplitKeyword(toks, "WHEN") splits a merge's clauses, SplitComma a
//     call's arguments or a SET list.
//
//     ReadName reads a qualified name (a.`b c`.d); Tables returns the
//     relations a text reads and the names it defines (CTEs, CACHE TABLE,
//     CREATE VIEW), Columns the column names an expression refers to.
//
// The package does not run user queries, read data or know about
// manifests; the engine package translates each statement and keeps the
// Library of its session.
//
// Size: the package is over 3,000 lines because it holds Spark's function
// library (about 400 functions as DuckDB macros and Go scalar functions, in
// macros_*.go, rules_*.go, udf.go and the format helpers) next to the small
// translation core (lex.go, rewrite.go, calls.go, desugar.go). The library
// is data-like code that the core looks up by name; splitting it would only
// add an exported registry between two halves that change together.
package sparksql
