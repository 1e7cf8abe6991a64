package sparksql

func init() {
	// Spark returns NaN (not an error) outside a function's domain, and NULL
	// for the logarithm of a number <= 0.
	nan := func(name, cond string) {
		spark(name, `(x) AS CASE WHEN x IS NULL THEN NULL WHEN `+cond+` THEN `+name+`(x) ELSE CAST('NaN' AS DOUBLE) END`)
	}
	nan("acos", "x BETWEEN -1 AND 1")
	nan("asin", "x BETWEEN -1 AND 1")
	nan("atanh", "x BETWEEN -1 AND 1")
	nan("acosh", "x >= 1")
	nan("sqrt", "x >= 0")
	for _, f := range []string{"ln", "log10", "log2"} {
		spark(f, `(x) AS CASE WHEN x <= 0 THEN NULL ELSE `+f+`(x) END`)
	}
	spark("log", `(x) AS spark_ln(x), (b, x) AS CASE WHEN b <= 0 OR x <= 0 THEN NULL ELSE ln(x) / ln(b) END`)
	addMacros(
		macro{"csc", `(x) AS 1 / sin(x)`},
		macro{"sec", `(x) AS 1 / cos(x)`},
		macro{"e", `() AS exp(1)`},
		macro{"expm1", `(x) AS exp(x) - 1`},
		macro{"log1p", `(x) AS CASE WHEN x <= -1 THEN NULL ELSE ln(1 + x) END`},
		macro{"hypot", `(a, b) AS sqrt(a * a + b * b)`},
		macro{"rint", `(x) AS CAST(round_even(CAST(x AS DOUBLE), 0) AS DOUBLE)`},
		macro{"negative", `(x) AS -x`},
		macro{"positive", `(x) AS +x`},
		macro{"bround", `(x) AS round_even(x, 0), (x, d) AS round_even(x, d)`},
		macro{"pmod", `(a, b) AS CASE WHEN a % b < 0 THEN (a % b + b) % b ELSE a % b END`},
		macro{"spark_div", `(a INTERVAL, b INTERVAL) AS CASE WHEN spark_months(a) <> 0 OR spark_months(b) <> 0 THEN spark_div(spark_months(a), spark_months(b))
				ELSE spark_div(spark_us(a), spark_us(b)) END,
			(a, b) AS CASE WHEN b = 0 THEN NULL ELSE CAST(trunc(a / b) AS BIGINT) END`},
		macro{"try_add", `(a, b) AS TRY(a + b)`},
		macro{"try_subtract", `(a, b) AS TRY(a - b)`},
		macro{"try_multiply", `(a, b) AS TRY(a * b)`},
		macro{"try_divide", `(a, b) AS CASE WHEN b = 0 THEN NULL ELSE TRY(a / b) END`},
		macro{"try_mod", `(a, b) AS CASE WHEN b = 0 THEN NULL ELSE TRY(a % b) END`},
		macro{"width_bucket", `(v INTERVAL, lo INTERVAL, hi INTERVAL, n) AS width_bucket(epoch(v), epoch(lo), epoch(hi), n),
			(v, lo, hi, n) AS CASE WHEN v IS NULL OR lo IS NULL OR hi IS NULL OR n IS NULL THEN NULL
			WHEN n <= 0 OR lo = hi THEN error('width_bucket: the number of buckets must be positive and the bounds must differ')
			WHEN lo < hi THEN CASE WHEN v < lo THEN 0 WHEN v >= hi THEN n + 1 ELSE CAST(floor((v - lo) / (hi - lo) * n) AS BIGINT) + 1 END
			ELSE CASE WHEN v > lo THEN 0 WHEN v <= hi THEN n + 1 ELSE CAST(floor((lo - v) / (lo - hi) * n) AS BIGINT) + 1 END END`},
		macro{"spark_conv_digits", `(v, b) AS CASE WHEN v = 0 THEN '0' ELSE list_reduce(list_transform(range(70), lambda i: {'v': CAST(0 AS HUGEINT), 's': ''}),
			lambda st, e: CASE WHEN st.v = 0 THEN st
			ELSE {'v': st.v // b, 's': substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', CAST(st.v % b AS INTEGER) + 1, 1) || st.s} END,
			{'v': CAST(v AS HUGEINT), 's': ''}).s END`},
		macro{"spark_conv_parse", `(s, b) AS list_reduce(list_transform(string_split(upper(s), ''),
			lambda c: CAST(instr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', c) - 1 AS HUGEINT)), lambda acc, d: acc * b + d, CAST(0 AS HUGEINT))`},
		macro{"conv", `(n, f, t) AS CASE WHEN n IS NULL OR f IS NULL OR t IS NULL THEN NULL
			WHEN starts_with(trim(CAST(n AS VARCHAR)), '-') AND t < 0 THEN '-' || spark_conv_digits(spark_conv_parse(substr(trim(CAST(n AS VARCHAR)), 2), f), -t)
			WHEN starts_with(trim(CAST(n AS VARCHAR)), '-') THEN spark_conv_digits(CAST(18446744073709551616 AS HUGEINT) - spark_conv_parse(substr(trim(CAST(n AS VARCHAR)), 2), f), abs(t))
			ELSE spark_conv_digits(spark_conv_parse(trim(CAST(n AS VARCHAR)), f), abs(t)) END`},
		// Bitwise.
		macro{"bit_get", `(x, p) AS CAST((x >> p) & 1 AS TINYINT)`},
		macro{"getbit", `(x, p) AS CAST((x >> p) & 1 AS TINYINT)`},
		macro{"shiftleft", `(a, b) AS a << b`},
		macro{"shiftright", `(a, b) AS a >> b`},
		macro{"spark_shiftrightunsigned", `(a INTEGER, b) AS CAST((CAST(a AS BIGINT) & 4294967295) >> (b % 32) AS INTEGER),
			(a, b) AS CASE WHEN b % 64 = 0 THEN CAST(a AS BIGINT) WHEN a >= 0 THEN CAST(a AS BIGINT) >> (b % 64)
				ELSE (CAST(a AS BIGINT) >> (b % 64)) & (9223372036854775807 >> ((b % 64) - 1)) END`},
	)
	alias("shiftrightunsigned", "spark_shiftrightunsigned")
	spark("ceil", `(x) AS CAST(ceil(x) AS BIGINT), (x, d) AS CASE WHEN d >= 0 THEN ceil(x * pow(10, d)) / pow(10, d) ELSE ceil(x / pow(10, -d)) * pow(10, -d) END`)
	alias("ceiling", "spark_ceil")
	spark("floor", `(x) AS CAST(floor(x) AS BIGINT), (x, d) AS CASE WHEN d >= 0 THEN floor(x * pow(10, d)) / pow(10, d) ELSE floor(x / pow(10, -d)) * pow(10, -d) END`)
	spark("bin", `(x) AS bin(CAST(trunc(x) AS BIGINT))`)
	spark("abs", `(x INTERVAL) AS CASE WHEN x < INTERVAL '0 seconds' THEN -x ELSE x END, (x) AS abs(x)`)
	spark("sign", `(x INTERVAL) AS CAST(sign(epoch(x)) AS DOUBLE), (x) AS CAST(sign(x) AS DOUBLE)`)
	alias("signum", "spark_sign")
}
