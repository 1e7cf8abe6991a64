package sparksql

import (
	"sort"
	"strings"
)

// sparkBuiltins are the names of Spark 4.2's built-in SQL functions (and
// the SQL forms such as CASE and IN that Spark documents with them). Each
// one is either run (by DuckDB, a macro, a rewrite or a Go function) or
// refused by name; TestEverySparkFunctionIsHandled checks it.
var sparkBuiltins = wordSet(`
abs acos acosh add_months aes_decrypt aes_encrypt aggregate and any any_value approx_count_distinct
approx_percentile approx_top_k approx_top_k_accumulate approx_top_k_combine approx_top_k_estimate array
array_agg array_append array_compact array_contains array_distinct array_except array_insert array_intersect
array_join array_max array_min array_position array_prepend array_remove array_repeat array_size array_sort
array_union arrays_overlap arrays_zip ascii asin asinh assert_true atan atan2 atanh avg base64 between bigint
bin binary bit_and bit_count bit_get bit_length bit_or bit_xor bitmap_and_agg bitmap_bit_position
bitmap_bucket_number bitmap_construct_agg bitmap_count bitmap_or_agg bloom_filter_agg bool_and bool_or boolean
bround btrim cardinality case cast cbrt ceil ceiling char char_length character_length chr coalesce collation
collect_list collect_set concat concat_ws contains conv convert_timezone corr cos cosh cot count count_if
count_min_sketch covar_pop covar_samp crc32 csc cume_dist curdate current_catalog current_database
current_date current_schema current_timestamp current_timezone current_user date date_add date_diff
date_format date_from_unix_date date_part date_sub date_trunc dateadd datediff datepart day dayname
dayofmonth dayofweek dayofyear decimal decode degrees dense_rank div double e element_at elt encode endswith
equal_null every exists exp explode explode_outer expm1 extract factorial filter find_in_set first
first_value flatten float floor forall format_number format_string from_avro from_csv from_json
from_protobuf from_unixtime from_utc_timestamp from_xml get get_json_object getbit greatest grouping
grouping_id hash hex histogram_numeric hll_sketch_agg hll_sketch_estimate hll_union hll_union_agg hour
hypot if ifnull ilike in initcap inline inline_outer input_file_block_length input_file_block_start
input_file_name instr int is_valid_utf8 is_valid_variant is_variant_null isnan isnotnull isnull java_method
json_array_length json_object_keys json_tuple kll_merge_agg_bigint kll_merge_agg_double kll_merge_agg_float
kll_sketch_agg_bigint kll_sketch_agg_double kll_sketch_agg_float kll_sketch_get_n_bigint
kll_sketch_get_n_double kll_sketch_get_n_float kll_sketch_get_quantile_bigint kll_sketch_get_quantile_double
kll_sketch_get_quantile_float kll_sketch_get_rank_bigint kll_sketch_get_rank_double kll_sketch_get_rank_float
kll_sketch_merge_bigint kll_sketch_merge_double kll_sketch_merge_float kll_sketch_to_string_bigint
kll_sketch_to_string_double kll_sketch_to_string_float kurtosis lag last last_day last_value lcase lead
least left len length levenshtein like listagg ln localtimestamp locate log log10 log1p log2 lower lpad
ltrim luhn_check make_date make_dt_interval make_interval make_time make_timestamp make_timestamp_ltz
make_timestamp_ntz make_valid_utf8 make_ym_interval map map_concat map_contains_key map_entries map_filter
map_from_arrays map_from_entries map_keys map_values map_zip_with mask max max_by md5 mean measure median
might_contain min min_by minute mod mode monotonically_increasing_id month monthname months_between
named_struct nanvl negative next_day not now nth_value ntile nullif nullifzero nvl nvl2 octet_length or
overlay parse_json parse_url percent_rank percentile percentile_approx percentile_cont percentile_disc pi
pmod posexplode posexplode_outer position positive pow power printf quarter quote radians raise_error rank
reduce reflect regexp regexp_count regexp_extract regexp_extract_all regexp_instr regexp_like
regexp_replace regexp_substr regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
regr_sxy regr_syy repeat replace reverse right rint rlike round row_number rpad rtrim schema_of_avro
schema_of_csv schema_of_json schema_of_variant schema_of_variant_agg schema_of_xml sec second sentences
sequence session_window sha sha1 sha2 shiftleft shiftright shiftrightunsigned sign signum sin sinh size
skewness slice smallint some sort_array soundex space spark_partition_id split split_part sqrt st_asbinary
st_geogfromwkb st_geomfromwkb st_setsrid st_srid stack startswith std stddev stddev_pop stddev_samp
str_to_map string string_agg struct substr substring substring_index sum tan tanh theta_difference
theta_intersection theta_intersection_agg theta_sketch_agg theta_sketch_estimate theta_union
theta_union_agg time_bucket time_diff time_from_micros time_from_millis time_from_seconds time_to_micros
time_to_millis time_to_seconds time_trunc timestamp timestamp_micros timestamp_millis timestamp_seconds
timestampadd timestampdiff tinyint to_avro to_binary to_char to_csv to_date to_json to_number
to_protobuf to_time to_timestamp to_timestamp_ltz to_timestamp_ntz to_unix_timestamp to_utc_timestamp
to_varchar to_variant_object to_xml transform transform_keys transform_values translate trim trunc try_add
try_aes_decrypt try_avg try_cast try_divide try_element_at try_make_interval try_make_timestamp
try_make_timestamp_ltz try_make_timestamp_ntz try_mod try_multiply try_parse_json try_parse_url try_reflect
try_subtract try_sum try_to_binary try_to_date try_to_number try_to_time try_to_timestamp try_url_decode
try_validate_utf8 try_variant_get tuple_difference_double tuple_difference_integer
tuple_difference_theta_double tuple_difference_theta_integer tuple_intersection_agg_double
tuple_intersection_agg_integer tuple_intersection_double tuple_intersection_integer
tuple_intersection_theta_double tuple_intersection_theta_integer tuple_sketch_agg_double
tuple_sketch_agg_integer tuple_sketch_estimate_double tuple_sketch_estimate_integer
tuple_sketch_summary_double tuple_sketch_summary_integer tuple_sketch_theta_double tuple_sketch_theta_integer
tuple_union_agg_double tuple_union_agg_integer tuple_union_double tuple_union_integer tuple_union_theta_double
tuple_union_theta_integer typeof ucase unbase64 unix_date unix_micros unix_millis unix_seconds unix_timestamp
upper url_decode url_encode validate_utf8 var_pop var_samp variance variant_explode variant_explode_outer
variant_get vector_avg vector_cosine_similarity vector_inner_product vector_l2_distance vector_norm
vector_normalize vector_sum weekday weekofyear width_bucket window window_time xpath xpath_boolean
xpath_double xpath_float xpath_int xpath_long xpath_number xpath_short xpath_string xxhash64 year zeroifnull
zip_with`)

// sqlForms are Spark built-ins that are SQL syntax, which DuckDB reads too.
var sqlForms = wordSet(`and or not in between case cast try_cast exists like ilike rlike regexp any some
	current_date current_timestamp coalesce grouping ifnull percentile_disc`)

// desugared are Spark built-ins that Translate rewrites as syntax before
// looking at calls.
var desugared = wordSet(`window session_window div`)

// IsSQLForm reports whether a Spark built-in is SQL syntax (CASE, IN, ...)
// rather than a function.
func IsSQLForm(name string) bool { return sqlForms[name] }

// Function describes how Flare runs one Spark built-in function.
type Function struct {
	Name  string // Spark name
	How   string // "DuckDB" (a DuckDB built-in), "macro" (created by a Library), "rewrite" (Translate), "Go" (a Go function)
	Runs  string // the DuckDB function or macro a call becomes ("" for a rewrite)
	Notes string // what differs from Spark, "" if nothing known
}

// Functions lists the Spark built-in functions that Flare runs, by name.
func Functions() []Function {
	var out []Function
	for name := range sparkBuiltins {
		if _, refused := unsupported[name]; refused {
			continue
		}
		h, runs := how(name)
		out = append(out, Function{Name: name, How: h, Runs: runs, Notes: functionNotes[name]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Refused lists the Spark built-in functions that Translate refuses, with
// the reason it gives.
func Refused() []Function {
	var out []Function
	for name, why := range unsupported {
		out = append(out, Function{Name: name, How: "refused", Notes: strings.TrimSuffix(strings.TrimPrefix(why, " ("), ")")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// how tells how a Spark function runs, and what it becomes.
func how(name string) (string, string) {
	if _, ok := rules[name]; ok || desugared[name] {
		return "rewrite", ""
	}
	target := name
	if to, ok := renames[name]; ok {
		target = to
	}
	if e, ok := catalog()[target]; ok {
		if usesGo(e, map[*entry]bool{}) {
			return "Go", target
		}
		return "macro", target
	}
	return "DuckDB", target
}

func usesGo(e *entry, seen map[*entry]bool) bool {
	if e.udf != "" {
		return true
	}
	if seen[e] {
		return false
	}
	seen[e] = true
	for _, d := range e.calls {
		if usesGo(d, seen) {
			return true
		}
	}
	return false
}

// functionNotes say what differs from Spark.
var functionNotes = map[string]string{
	"current_timestamp":           "A TIMESTAMP in the session time zone (spark.sql.session.timeZone, UTC unless set).",
	"now":                         "As current_timestamp.",
	"current_timezone":            "The session time zone.",
	"date_format":                 "The pattern must be a string literal (converted to strftime once). Zone letters (z, X, Z) cannot be formatted.",
	"to_date":                     "NULL when the text does not parse (Spark's non-ANSI behaviour). The pattern must be a literal.",
	"to_timestamp":                "NULL when the text does not parse. The pattern must be a literal; X/Z offsets are applied and the result is in the session zone.",
	"unix_timestamp":              "Seconds, read in the session time zone; without a pattern any timestamp text is accepted.",
	"from_unixtime":               "In the session time zone.",
	"collect_list":                "Drops NULLs; [] for no rows. Also as a window function.",
	"collect_set":                 "Drops NULLs; the elements come sorted (Spark's order is unspecified). Also as a window function.",
	"percentile_approx":           "DuckDB's reservoir_quantile with the accuracy as sample size: exact up to that many rows, a sample beyond.",
	"approx_percentile":           "As percentile_approx.",
	"approx_count_distinct":       "DuckDB's HyperLogLog; the relative standard deviation argument is not used.",
	"size":                        "-1 for NULL. For a map only when the argument is written as a map (map(...), map_from_arrays(...), ...); use cardinality(m) for a map column.",
	"explode":                     "A map is exploded into key and value columns only when the argument is written as a map; explode(map_entries(m)) for a map column.",
	"sort_array":                  "NULLs first ascending, last descending, as Spark.",
	"concat":                      "NULL if any part is NULL, as in Spark (DuckDB's concat skips NULLs).",
	"split":                       "Regexes are RE2: no lookaround or backreferences.",
	"regexp_extract":              "RE2 regexes; the group index must be a constant.",
	"regexp_replace":              "RE2 regexes; $1 in a literal replacement refers to a group.",
	"rlike":                       "RE2 regexes.",
	"format_string":               "DuckDB's printf; most %d %s %f %x forms match Java's.",
	"format_number":               "A pattern (second argument as text) must be a literal with #, 0, ',' and '.'.",
	"to_char":                     "The format must be a literal: a number format (9, 0, G, D, S, MI, PR, $), a date pattern, or hex/base64/utf-8 for binary.",
	"to_number":                   "The format must be a literal.",
	"hash":                        "Spark's Murmur3 (seed 42) over Spark's layout of each type; structs are not supported.",
	"xxhash64":                    "Spark's xxHash64 (seed 42); structs are not supported.",
	"monotonically_increasing_id": "row_number() OVER () - 1: consecutive ids in scan order (Spark's jump between partitions). A window over the whole input.",
	"int":                         "int(x), bigint(x), ... give NULL for a value that does not convert; CAST fails instead. Numbers are truncated to integers, as Spark does.",
	"from_json":                   "The schema must be a literal DDL schema. Malformed JSON gives NULL. Options: timestampFormat, dateFormat, mode PERMISSIVE.",
	"to_json":                     "Options timestampFormat and dateFormat need the struct written as named_struct(...).",
	"hll_sketch_agg":              "Exact: the sketch holds the distinct value hashes (a DuckDB struct, not DataSketches' binary).",
	"theta_sketch_agg":            "Exact: the sketch holds the distinct value hashes (a DuckDB struct, not DataSketches' binary).",
	"kll_sketch_agg_bigint":       "Exact: the sketch holds the values (a DuckDB struct, not DataSketches' binary).",
	"tuple_sketch_agg_double":     "Exact: the sketch holds a summary per distinct key (a DuckDB struct, not DataSketches' binary).",
	"approx_top_k":                "Exact counts; ties come in item order.",
	"window":                      "Only as a GROUP BY key of a SELECT ... FROM ... GROUP BY (the FROM becomes a subquery).",
	"session_window":              "Only as a GROUP BY key; sessions are computed with window functions over the other keys.",
	"mode":                        "mode(x, true) takes the smallest of the most frequent values; mode(x) any of them.",
	"percentile":                  "Exact; numbers and intervals. The frequency argument is not supported.",
	"sequence":                    "Dates and timestamps step by a day by default (or the interval given).",
	"element_at":                  "Arrays count from 1 (negative from the end); maps look the key up.",
	"typeof":                      "Spark's type names for the common types.",
	"crc32":                       "A Go function.",
	"aes_encrypt":                 "GCM, CBC and ECB as Spark; a random IV unless given.",
}
