// Package functions implements Flare's step functions (drop, rename,
// split_url, pivot, ...): the `functions:` list of a step, applied in order
// to the rows of the step's SQL.
//
// Each function is a typed option struct (Drop, SplitURL, Pivot, ...) whose
// Apply turns the columns of the relation before it into the SQL of one
// SELECT over that relation plus the columns the SELECT produces. Apply is
// pure: no engine, no data, so a whole chain can be checked when a manifest
// is validated (an unknown column is an error naming the function and the
// column). DuckDB does all the work on the data; the only Go code on the data
// path are a few scalar functions SQL cannot express well (SHA-384/512
// digests, base32, HTML to text), registered by Install.
//
// Specs declares every function's options as data (key, kind, allowed
// values, default, doc, aliases) for the manifest spec, the docs and
// `flare validate`; FromArgs and FromYAML turn options written in a
// manifest (with their positions) into the typed structs; Compile checks a
// chain and builds its SQL, asking an engine only for what the text cannot
// tell (the distinct values of a pivot without values, the types of free
// SQL expressions). The SQL is DuckDB SQL: define the step's view with it
// as it is, without the Spark SQL rewrite.
//
// The package does not read manifests, define views or run steps: the plan
// and the workflow runner call it. It must not import the manifest,
// workflow, cli or lakehouse packages.
//
// Size: the package is over 3,000 lines because it holds all 42 of Flare's
// step functions, each a small SQL builder with its declared options; they
// share the chain, the schema tracking and the value and date helpers.
package functions
