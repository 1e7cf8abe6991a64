package sparksql

// unsupported lists Spark built-in functions that Flare refuses, with what
// to know about each (appended to "Spark function x is not supported").
// A call of any of them fails in Translate with an error naming the
// function and its position, before DuckDB sees the SQL.
var unsupported = map[string]string{}

func refuse(why string, names ...string) {
	for _, n := range names {
		unsupported[n] = why
	}
}

func init() {
	refuse(" (XML is not available)", "from_xml", "to_xml", "schema_of_xml", "xpath", "xpath_boolean", "xpath_double",
		"xpath_float", "xpath_int", "xpath_long", "xpath_number", "xpath_short", "xpath_string")
	refuse(" (Avro and Protobuf values are not available)", "from_avro", "to_avro", "schema_of_avro", "from_protobuf", "to_protobuf")
	refuse(" (geospatial types are not available)", "st_asbinary", "st_geogfromwkb", "st_geomfromwkb", "st_setsrid", "st_srid")
	refuse(" (its binary layout is Spark's own)", "count_min_sketch", "bloom_filter_agg", "might_contain")
	refuse(" (Java reflection is not available)", "java_method", "reflect", "try_reflect")
	refuse(" (Spark's VARIANT type is not available)", "parse_json", "try_parse_json", "variant_get", "try_variant_get",
		"is_variant_null", "is_valid_variant", "schema_of_variant", "schema_of_variant_agg", "to_variant_object", "variant_explode",
		"variant_explode_outer")
	refuse(" (vector functions are not available)", "vector_avg", "vector_cosine_similarity", "vector_inner_product",
		"vector_l2_distance", "vector_norm", "vector_normalize", "vector_sum")
	refuse(" (metric views are not available)", "measure")
	refuse(" (collations are not available)", "collation", "collate")
	refuse(" (there are no input files in Flare SQL)", "input_file_name", "input_file_block_start", "input_file_block_length")
	refuse("", "histogram_numeric", "randstr", "uniform")
}
