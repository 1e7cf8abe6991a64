package spec

// Data-quality assertions (docs/quality.md): job.assertions[] measure the
// job's input (standalone), job.outputs[].assertions[] an output's rows
// before they are written (pre-sink). Both take the same keys, which
// internal/quality executes (quality.Options lists them too; a test in
// internal/plan keeps the two lists equal).

// Assertion is one job.assertions[] entry.
var Assertion = assertionSpec("job.assertions[]")

// OutputAssertion is one job.outputs[].assertions[] entry.
var OutputAssertion = assertionSpec("job.outputs[].assertions[]")

func assertionSpec(path string) *ObjectSpec {
	return &ObjectSpec{
		Path: path, What: "an assertion", Page: "docs/quality.md",
		Doc: "A column assertion {column, filter, validFormat, tests} or an sql assertion {sql, tests}.",
		Fields: []*Field{
			{Key: "column", Kind: String, Doc: "The column the tests measure (column form)."},
			{Key: "filter", Kind: String, Doc: "A Spark SQL condition; only rows where it holds are measured (column form)."},
			{Key: "validFormat", Kind: Object, Object: &ObjectSpec{
				Path: path + ".validFormat", What: "validFormat", Page: "docs/quality.md",
				Fields: []*Field{
					{Key: "regex", Kind: String, Required: true, Doc: "The regex of valid values (RE2 syntax; a match anywhere in the value counts, anchor with ^...$ for whole values)."},
				},
			}, Doc: "{regex: ...}: values with no match of the regex are invalid (invalid_count, invalid_percentage)."},
			{Key: "sql", Kind: String, Doc: "A Spark SQL query returning one row; the tests name its columns (sql form)."},
			{Key: "tests", Kind: List, Single: true, Required: true, Doc: "Tests of the form `metric op number`; op is one of < <= > >= == != (= and <> also work)."},
		},
	}
}

// Default tables of the assertions' results, as dataos:// addresses
// (lakehouse.sys.quality_checks and lakehouse.sys.quality_metrics in SQL).
const (
	DefaultQualityChecks  = "dataos://lakehouse:sys/quality_checks"
	DefaultQualityMetrics = "dataos://lakehouse:sys/quality_metrics"
)

// QualityResults is job.qualityResults: where the results of the job's
// assertions are appended.
var QualityResults = &ObjectSpec{
	Path: "job.qualityResults", What: "qualityResults", Page: "docs/quality.md",
	Doc: "Lakehouse tables (Iceberg, in a lakehouse depot) that every run of the job's assertions appends to, so that quality can be queried over time.",
	Fields: []*Field{
		{Key: "checks", Kind: String, Default: DefaultQualityChecks, Doc: "The table of checks: one row per test and run, passed or not."},
		{Key: "metrics", Kind: String, Default: DefaultQualityMetrics, Doc: "The table of metrics: one row per measured value and run."},
	},
}
