package sparksql

// Spark's sketch functions (HLL, theta, tuple and KLL sketches from Apache
// DataSketches, approx_top_k) are computed exactly here: a "sketch" is a
// DuckDB struct that holds the distinct hashes, the values or the counts
// themselves, so every estimate is exact (within any sketch's error bound)
// but a sketch grows with the data, and it is not DataSketches' binary
// format (a Spark job cannot read one back as a sketch). The struct's field
// names tell the kinds apart, so a theta sketch passed to an HLL function
// fails to bind.

func init() {
	hashes := func(kind string) string {
		return `struct_pack(` + kind + ` := coalesce(list_sort(list(DISTINCT hash(x)) FILTER (WHERE x IS NOT NULL)), []))`
	}
	addMacros(
		// HLL
		macro{"hll_sketch_agg", `(x) AS ` + hashes("hll_items") + `, (x, lg) AS ` + hashes("hll_items")},
		macro{"hll_sketch_estimate", `(s) AS CAST(len(s.hll_items) AS BIGINT)`},
		macro{"hll_union", `(a, b) AS struct_pack(hll_items := list_sort(list_distinct(list_concat(a.hll_items, b.hll_items)))),
			(a, b, allow) AS hll_union(a, b)`},
		macro{"hll_union_agg", `(s) AS struct_pack(hll_items := coalesce(list_sort(list_distinct(flatten(list(s.hll_items)))), [])),
			(s, allow) AS hll_union_agg(s)`},
		// theta
		macro{"theta_sketch_agg", `(x) AS ` + hashes("theta_items") + `, (x, lg) AS ` + hashes("theta_items")},
		macro{"theta_sketch_estimate", `(s) AS CAST(len(s.theta_items) AS BIGINT)`},
		macro{"theta_union", `(a, b) AS struct_pack(theta_items := list_sort(list_distinct(list_concat(a.theta_items, b.theta_items)))),
			(a, b, lg) AS theta_union(a, b)`},
		macro{"theta_intersection", `(a, b) AS struct_pack(theta_items := list_sort(list_intersect(a.theta_items, b.theta_items)))`},
		macro{"theta_difference", `(a, b) AS struct_pack(theta_items := list_filter(a.theta_items, lambda h: NOT list_contains(b.theta_items, h)))`},
		macro{"theta_union_agg", `(s) AS struct_pack(theta_items := coalesce(list_sort(list_distinct(flatten(list(s.theta_items)))), [])),
			(s, lg) AS theta_union_agg(s)`},
		macro{"theta_intersection_agg", `(s) AS struct_pack(theta_items := list_sort(list_reduce(list(s.theta_items), lambda a, b: list_intersect(a, b))))`},
		// tuple: a summary per distinct key hash, combined by the mode
		// (sum, min, max or alwaysone).
		macro{"spark_tuple_combine", `(vals, mode) AS CASE lower(mode) WHEN 'sum' THEN list_sum(vals) WHEN 'min' THEN list_min(vals)
			WHEN 'max' THEN list_max(vals) WHEN 'alwaysone' THEN 1 ELSE error('tuple sketch: unknown mode ' || mode) END`},
		macro{"spark_tuple_build", `(pairs, mode) AS struct_pack(
			tuple_keys := list_sort(list_distinct(list_transform(pairs, lambda p: p.k))),
			tuple_values := list_transform(list_sort(list_distinct(list_transform(pairs, lambda p: p.k))),
				lambda k: spark_tuple_combine(list_transform(list_filter(pairs, lambda p: p.k = k), lambda p: p.v), mode)))`},
		macro{"spark_tuple_agg", `(key, v, mode) AS spark_tuple_build(coalesce(list({'k': hash(key), 'v': v}) FILTER (WHERE key IS NOT NULL), []), mode)`},
		macro{"spark_tuple_pairs", `(t) AS list_transform(range(1, len(t.tuple_keys) + 1), lambda i: {'k': t.tuple_keys[i], 'v': t.tuple_values[i]})`},
		macro{"spark_tuple_estimate", `(t) AS CAST(len(t.tuple_keys) AS DOUBLE)`},
		macro{"spark_tuple_union", `(a, b, mode) AS spark_tuple_build(list_concat(spark_tuple_pairs(a), spark_tuple_pairs(b)), mode)`},
		macro{"spark_tuple_intersect_keys", `(a, keys, mode) AS spark_tuple_build(list_filter(spark_tuple_pairs(a), lambda p: list_contains(keys, p.k)), mode)`},
		macro{"spark_tuple_minus_keys", `(a, keys) AS spark_tuple_build(list_filter(spark_tuple_pairs(a), lambda p: NOT list_contains(keys, p.k)), 'sum')`},
		macro{"spark_tuple_union_agg", `(s, mode) AS spark_tuple_build(coalesce(flatten(list(spark_tuple_pairs(s))), []), mode)`},
		macro{"spark_tuple_intersection_agg", `(s, mode) AS spark_tuple_build(list_filter(coalesce(flatten(list(spark_tuple_pairs(s))), []),
			lambda p: list_bool_and(list_transform(list(s.tuple_keys), lambda ks: list_contains(ks, p.k)))), mode)`},
		// KLL: the sorted values
		macro{"spark_kll_agg", `(x) AS struct_pack(kll_items := coalesce(list_sort(list(x) FILTER (WHERE x IS NOT NULL)), []))`},
		macro{"spark_kll_n", `(s) AS CAST(len(s.kll_items) AS BIGINT)`},
		macro{"spark_kll_merge", `(a, b) AS struct_pack(kll_items := list_sort(list_concat(a.kll_items, b.kll_items)))`},
		macro{"spark_kll_merge_agg", `(s) AS struct_pack(kll_items := coalesce(list_sort(flatten(list(s.kll_items))), []))`},
		macro{"spark_kll_quantile", `(s, r) AS CASE WHEN r < 0 OR r > 1 THEN error('kll_sketch_get_quantile: the rank must be between 0 and 1')
			WHEN len(s.kll_items) = 0 THEN NULL ELSE s.kll_items[greatest(CAST(ceil(r * len(s.kll_items)) AS BIGINT), 1)] END`},
		macro{"spark_kll_rank", `(s, v) AS CASE WHEN len(s.kll_items) = 0 THEN NULL
			ELSE CAST(len(list_filter(s.kll_items, lambda e: e <= v)) AS DOUBLE) / len(s.kll_items) END`},
		macro{"spark_kll_string", `(s) AS '### KLL sketch summary (exact):' || chr(10) || '   N: ' || len(s.kll_items) || chr(10)
			|| '   Min item: ' || coalesce(CAST(list_min(s.kll_items) AS VARCHAR), 'NaN') || chr(10)
			|| '   Max item: ' || coalesce(CAST(list_max(s.kll_items) AS VARCHAR), 'NaN') || chr(10)`},
		// approx_top_k: exact counts, most frequent first (ties by item)
		macro{"spark_top_k", `(h, k) AS list_transform(list_sort(list_transform(map_entries(h), lambda e: {'n': -e.value, 'item': e.key}))[1:k],
			lambda e: struct_pack(item := e.item, count := -e.n))`},
		macro{"spark_approx_top_k", `(x) AS spark_top_k(histogram(x), 5), (x, k) AS spark_top_k(histogram(x), k),
			(x, k, m) AS spark_top_k(histogram(x), k)`},
		macro{"approx_top_k_accumulate", `(x) AS struct_pack(topk_counts := histogram(x)), (x, m) AS struct_pack(topk_counts := histogram(x))`},
		macro{"approx_top_k_estimate", `(s) AS spark_top_k(s.topk_counts, 5), (s, k) AS spark_top_k(s.topk_counts, k)`},
		macro{"spark_topk_merge", `(l) AS map_from_entries(list_transform(list_distinct(list_transform(l, lambda e: e.key)),
			lambda k: {'key': k, 'value': list_sum(list_transform(list_filter(l, lambda e: e.key = k), lambda e: e.value))}))`},
		macro{"approx_top_k_combine", `(s) AS struct_pack(topk_counts := spark_topk_merge(flatten(list(map_entries(s.topk_counts))))),
			(s, m) AS approx_top_k_combine(s)`},
	)
	alias("approx_top_k", "spark_approx_top_k")
	for _, t := range []string{"bigint", "double", "float"} {
		addMacros(macro{"kll_sketch_agg_" + t, `(x) AS spark_kll_agg(CAST(x AS ` + t + `)), (x, k) AS spark_kll_agg(CAST(x AS ` + t + `))`})
		alias("kll_sketch_get_n_"+t, "spark_kll_n")
		alias("kll_sketch_merge_"+t, "spark_kll_merge")
		alias("kll_merge_agg_"+t, "spark_kll_merge_agg")
		alias("kll_sketch_get_quantile_"+t, "spark_kll_quantile")
		alias("kll_sketch_get_rank_"+t, "spark_kll_rank")
		alias("kll_sketch_to_string_"+t, "spark_kll_string")
	}
	for _, t := range []string{"double", "integer"} {
		cast := "DOUBLE"
		if t == "integer" {
			cast = "BIGINT"
		}
		addMacros(
			macro{"tuple_sketch_agg_" + t, `(k, v) AS spark_tuple_agg(k, CAST(v AS ` + cast + `), 'sum'),
				(k, v, lg) AS spark_tuple_agg(k, CAST(v AS ` + cast + `), 'sum'),
				(k, v, lg, mode) AS spark_tuple_agg(k, CAST(v AS ` + cast + `), mode)`},
			macro{"tuple_sketch_summary_" + t, `(s) AS CAST(list_sum(s.tuple_values) AS ` + cast + `), (s, mode) AS CAST(spark_tuple_combine(s.tuple_values, mode) AS ` + cast + `)`},
			macro{"tuple_union_" + t, `(a, b) AS spark_tuple_union(a, b, 'sum'), (a, b, lg) AS spark_tuple_union(a, b, 'sum'),
				(a, b, lg, mode) AS spark_tuple_union(a, b, mode)`},
			macro{"tuple_union_theta_" + t, `(a, b) AS spark_tuple_union(a, struct_pack(tuple_keys := b.theta_items,
				tuple_values := list_transform(b.theta_items, lambda h: CAST(0 AS ` + cast + `))), 'sum'),
				(a, b, lg) AS tuple_union_theta_` + t + `(a, b), (a, b, lg, mode) AS tuple_union_theta_` + t + `(a, b)`},
			macro{"tuple_intersection_" + t, `(a, b) AS spark_tuple_intersect_keys(spark_tuple_union(a, b, 'sum'), list_intersect(a.tuple_keys, b.tuple_keys), 'sum'),
				(a, b, mode) AS spark_tuple_intersect_keys(spark_tuple_union(a, b, mode), list_intersect(a.tuple_keys, b.tuple_keys), mode)`},
			macro{"tuple_intersection_theta_" + t, `(a, b) AS spark_tuple_intersect_keys(a, b.theta_items, 'sum'),
				(a, b, mode) AS spark_tuple_intersect_keys(a, b.theta_items, mode)`},
			macro{"tuple_difference_" + t, `(a, b) AS spark_tuple_minus_keys(a, b.tuple_keys)`},
			macro{"tuple_difference_theta_" + t, `(a, b) AS spark_tuple_minus_keys(a, b.theta_items)`},
			macro{"tuple_union_agg_" + t, `(s) AS spark_tuple_union_agg(s, 'sum'), (s, lg) AS spark_tuple_union_agg(s, 'sum'),
				(s, lg, mode) AS spark_tuple_union_agg(s, mode)`},
			macro{"tuple_intersection_agg_" + t, `(s) AS spark_tuple_intersection_agg(s, 'sum'), (s, mode) AS spark_tuple_intersection_agg(s, mode)`},
		)
		alias("tuple_sketch_estimate_"+t, "spark_tuple_estimate")
		alias("tuple_sketch_theta_"+t, "spark_tuple_theta")
	}
	addMacros(macro{"spark_tuple_theta", `(s) AS CASE WHEN s IS NULL THEN NULL ELSE 1.0 END`})
}
