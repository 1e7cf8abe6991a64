package sparksql

// ParseFormat converts a Java date pattern (as Spark readers take it in
// dateFormat and timestampFormat) to the DuckDB strptime format that reads
// the same text.
func ParseFormat(javaPattern string) (string, error) {
	f, _, err := convertPattern(javaPattern, parsing)
	return f, err
}
