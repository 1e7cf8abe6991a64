// Package orc reads Apache ORC files: the postscript, footer and schema,
// and the rows of every stripe (all codecs but LZO; integer RLE v1 and v2,
// dictionary and direct strings, decimals, dates, timestamps, lists, maps
// and structs). No Go ORC library is served by the module proxy this
// project may use, so this package implements the reading half of the
// specification (https://orc.apache.org/specification/ORCv1/) and is tested
// against files written by Apache ORC's C++ writer (through pyarrow).
//
// It only decodes: it knows nothing of DuckDB, options or depots (the
// connector package maps its values to DuckDB types). Writing ORC,
// encrypted files, union types and LZO are not supported.
package orc
