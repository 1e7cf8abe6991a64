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
	refuse(" (DataSketches sketches are not available)", "hll_sketch_agg", "hll_sketch_estimate", "hll_union", "hll_union_agg",
		"kll_sketch_agg_bigint", "kll_sketch_agg_double", "kll_sketch_agg_float", "kll_merge_agg_bigint", "kll_merge_agg_double",
		"kll_merge_agg_float", "kll_sketch_get_n_bigint", "kll_sketch_get_n_double", "kll_sketch_get_n_float",
		"kll_sketch_get_quantile_bigint", "kll_sketch_get_quantile_double", "kll_sketch_get_quantile_float",
		"kll_sketch_get_rank_bigint", "kll_sketch_get_rank_double", "kll_sketch_get_rank_float", "kll_sketch_merge_bigint",
		"kll_sketch_merge_double", "kll_sketch_merge_float", "kll_sketch_to_string_bigint", "kll_sketch_to_string_double",
		"kll_sketch_to_string_float", "theta_sketch_agg", "theta_sketch_estimate", "theta_union", "theta_union_agg",
		"theta_intersection", "theta_intersection_agg", "theta_difference", "tuple_sketch_agg_double", "tuple_sketch_agg_integer",
		"tuple_sketch_estimate_double", "tuple_sketch_estimate_integer", "tuple_sketch_summary_double",
		"tuple_sketch_summary_integer", "tuple_sketch_theta_double", "tuple_sketch_theta_integer", "tuple_union_double",
		"tuple_union_integer", "tuple_union_agg_double", "tuple_union_agg_integer", "tuple_union_theta_double",
		"tuple_union_theta_integer", "tuple_intersection_double", "tuple_intersection_integer", "tuple_intersection_agg_double",
		"tuple_intersection_agg_integer", "tuple_intersection_theta_double", "tuple_intersection_theta_integer",
		"tuple_difference_double", "tuple_difference_integer", "tuple_difference_theta_double", "tuple_difference_theta_integer",
		"approx_top_k_accumulate", "approx_top_k_combine", "approx_top_k_estimate", "count_min_sketch", "bloom_filter_agg",
		"might_contain")
	refuse(" (Java reflection is not available)", "java_method", "reflect", "try_reflect")
	refuse(" (Spark's VARIANT type is not available)", "parse_json", "try_parse_json", "variant_get", "try_variant_get",
		"is_variant_null", "is_valid_variant", "schema_of_variant", "schema_of_variant_agg", "to_variant_object", "variant_explode",
		"variant_explode_outer")
	refuse(" (vector functions are not available)", "vector_avg", "vector_cosine_similarity", "vector_inner_product",
		"vector_l2_distance", "vector_norm", "vector_normalize", "vector_sum")
	refuse(" (metric views are not available)", "measure")
	refuse(" (collations are not available)", "collation", "collate")
	refuse(" (there are no input files in Flare SQL)", "input_file_name", "input_file_block_start", "input_file_block_length")
	refuse("", "histogram_numeric", "approx_top_k", "randstr", "uniform")
}
