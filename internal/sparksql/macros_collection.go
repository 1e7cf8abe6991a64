package sparksql

func init() {
	addMacros(
		macro{"size", `(a) AS coalesce(len(a), -1)`},
		macro{"array_size", `(a) AS len(a)`},
		macro{"sort_array", `(a) AS list_sort(a, 'ASC', 'NULLS FIRST'),
			(a, ascending) AS CASE WHEN ascending THEN list_sort(a, 'ASC', 'NULLS FIRST') ELSE list_sort(a, 'DESC', 'NULLS LAST') END`},
		macro{"array_join", `(a, sep) AS array_to_string(a, sep),
			(a, sep, null_replacement) AS array_to_string(list_transform(a, lambda e: coalesce(CAST(e AS VARCHAR), null_replacement)), sep)`},
		macro{"array_compact", `(a) AS list_filter(a, lambda x: x IS NOT NULL)`},
		macro{"array_max", `(a) AS list_max(a)`},
		macro{"array_min", `(a) AS list_min(a)`},
		macro{"array_remove", `(a, x) AS CASE WHEN x IS NULL THEN NULL ELSE list_filter(a, lambda e: e IS NULL OR e <> x) END`},
		macro{"array_repeat", `(x, n) AS list_transform(range(greatest(CAST(n AS BIGINT), 0)), lambda i: x)`},
		// Spark keeps the first occurrence of each element, NULL included.
		macro{"spark_distinct", `(a) AS list_filter(a, lambda x, i: list_position(a, x) = i)`},
		macro{"array_union", `(a, b) AS spark_distinct(list_concat(a, b))`},
		macro{"array_except", `(a, b) AS list_filter(spark_distinct(a), lambda x: NOT coalesce(list_position(b, x) IS NOT NULL, false))`},
		macro{"arrays_overlap", `(a, b) AS CASE WHEN a IS NULL OR b IS NULL THEN NULL WHEN list_has_any(a, b) THEN true
			WHEN len(a) > 0 AND len(b) > 0 AND (list_position(a, NULL) IS NOT NULL OR list_position(b, NULL) IS NOT NULL) THEN NULL
			ELSE false END`},
		macro{"array_insert", `(a, p, x) AS CASE WHEN a IS NULL OR p IS NULL THEN NULL
			WHEN p = 0 THEN error('array_insert: the index 0 is invalid')
			WHEN p > 0 AND p <= len(a) + 1 THEN list_concat(a[1:p - 1], [x], a[p:])
			WHEN p > 0 THEN list_concat(a, list_transform(range(p - len(a) - 1), lambda i: NULL), [x])
			WHEN len(a) + p + 2 >= 1 THEN list_concat(a[1:len(a) + p + 1], [x], a[len(a) + p + 2:])
			ELSE list_concat([x], list_transform(range(-(len(a) + p + 1)), lambda i: NULL), a) END`},
		macro{"spark_array_prepend", `(a, x) AS CASE WHEN a IS NULL THEN NULL ELSE list_prepend(x, a) END`},
		macro{"spark_array_append", `(a, x) AS CASE WHEN a IS NULL THEN NULL ELSE list_append(a, x) END`},
		macro{"get", `(a, i) AS CASE WHEN i < 0 THEN NULL ELSE a[i + 1] END`},
		macro{"slice", `(a, s, n) AS CASE WHEN n < 0 THEN error('slice: the length must be >= 0')
			WHEN s = 0 THEN error('slice: the start index 0 is invalid')
			WHEN s > 0 THEN a[s:s + n - 1]
			ELSE a[greatest(len(a) + s + 1, 1):len(a) + s + n] END`},
		macro{"spark_array_position", `(a, x) AS CASE WHEN a IS NULL OR x IS NULL THEN NULL ELSE coalesce(list_position(a, x), 0) END`},
		macro{"spark_array_sort", `(a) AS list_sort(a, 'ASC', 'NULLS LAST')`},
		macro{"spark_array_distinct", `(a) AS spark_distinct(a)`},
		macro{"spark_array_intersect", `(a, b) AS list_filter(spark_distinct(a), lambda x: coalesce(list_position(b, x) IS NOT NULL, false))`},
		macro{"spark_sequence", `(a DATE, b DATE) AS spark_sequence(a, b, CASE WHEN a <= b THEN INTERVAL '1 day' ELSE INTERVAL '-1 day' END),
			(a DATE, b DATE, s INTERVAL) AS list_transform(generate_series(CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP), s), lambda d: CAST(d AS DATE)),
			(a TIMESTAMP, b TIMESTAMP) AS spark_sequence(a, b, CASE WHEN a <= b THEN INTERVAL '1 day' ELSE INTERVAL '-1 day' END),
			(a TIMESTAMP, b TIMESTAMP, s INTERVAL) AS generate_series(a, b, s),
			(a, b) AS generate_series(a, b, CASE WHEN a <= b THEN 1 ELSE -1 END),
			(a, b, s) AS generate_series(a, b, s)`},
		// Maps.
		macro{"map_contains_key", `(m, k) AS list_contains(map_keys(m), k)`},
		macro{"map_from_arrays", `(k, v) AS map(k, v)`},
		macro{"str_to_map", `(s) AS str_to_map(s, ',', ':'), (s, pd) AS str_to_map(s, pd, ':'),
			(s, pd, kd) AS map_from_entries(list_transform(regexp_split_to_array(s, pd), lambda kv: {
				'key': regexp_split_to_array(kv, kd)[1],
				'value': CASE WHEN len(regexp_split_to_array(kv, kd)) > 1
					THEN substring(kv, length(regexp_split_to_array(kv, kd)[1]) + length(regexp_extract(kv, kd, 0)) + 1) END}))`},
		// Higher-order helpers: the lambda rules map onto these.
		macro{"spark_exists", `(l) AS CASE WHEN l IS NULL THEN NULL WHEN list_contains(l, true) THEN true
			WHEN list_position(l, NULL) IS NOT NULL THEN NULL ELSE false END`},
		macro{"spark_forall", `(l) AS CASE WHEN l IS NULL THEN NULL WHEN list_contains(l, false) THEN false
			WHEN list_position(l, NULL) IS NOT NULL THEN NULL ELSE true END`},
	)
	alias("array_agg", "collect_list")
	alias("array_prepend", "spark_array_prepend")
	alias("array_append", "spark_array_append")
	alias("array_position", "spark_array_position")
	alias("array_sort", "spark_array_sort")
	alias("array_distinct", "spark_array_distinct")
	alias("array_intersect", "spark_array_intersect")
	alias("cardinality", "size")
}
