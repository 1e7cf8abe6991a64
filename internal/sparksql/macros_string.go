package sparksql

func init() {
	// Spark casts binary to string in string functions and counts bytes of
	// binary values.
	spark("length", `(s BLOB) AS octet_length(s), (s VARCHAR) AS length(s), (s) AS length(CAST(s AS VARCHAR))`)
	alias("len", "spark_length")
	alias("char_length", "spark_length")
	alias("character_length", "spark_length")
	spark("octet_length", `(s BLOB) AS octet_length(s), (s) AS octet_length(encode(CAST(s AS VARCHAR)))`)
	spark("bit_length", `(s BLOB) AS 8 * octet_length(s), (s) AS 8 * octet_length(encode(CAST(s AS VARCHAR)))`)
	spark("ascii", `(s VARCHAR) AS ascii(s), (s) AS ascii(CAST(s AS VARCHAR))`)
	spark("base64", `(s VARCHAR) AS base64(encode(s)), (s) AS base64(s)`)
	alias("unbase64", "from_base64")
	// Spark's unhex gives NULL for text that is not hexadecimal.
	spark("unhex", `(s) AS TRY(unhex(s))`)
	spark("chr", `(n) AS CASE WHEN n < 0 THEN '' ELSE chr(CAST(n % 256 AS INTEGER)) END`)
	alias("char", "spark_chr")
	addMacros(
		macro{"btrim", `(s VARCHAR) AS trim(s), (s BLOB) AS encode(trim(decode(s))),
			(s VARCHAR, t VARCHAR) AS trim(s, t), (s BLOB, t BLOB) AS encode(trim(decode(s), decode(t))),
			(s, t) AS trim(s, t)`},
		macro{"space", `(n) AS repeat(' ', CAST(greatest(n, 0) AS BIGINT))`},
		macro{"find_in_set", `(s, list) AS CASE WHEN contains(s, ',') THEN 0 ELSE coalesce(list_position(string_split(list, ','), s), 0) END`},
		macro{"substring_index", `(s, delim, n) AS CASE WHEN n = 0 OR delim = '' THEN ''
			WHEN n > 0 THEN array_to_string(string_split(s, delim)[1:n], delim)
			ELSE array_to_string(string_split(s, delim)[n:], delim) END`},
		macro{"quote", `(s) AS '''' || replace(replace(s, '\', '\\'), '''', '\''') || ''''`},
		macro{"regexp_count", `(s, re) AS len(regexp_extract_all(s, re, 0))`},
		macro{"regexp_substr", `(s, re) AS CASE WHEN regexp_matches(s, re) THEN regexp_extract(s, re, 0) END`},
		macro{"regexp_instr", `(s, re) AS CASE WHEN s IS NULL OR re IS NULL THEN NULL WHEN regexp_matches(s, re) THEN length(regexp_extract(s, '(?s)^(.*?)(?:' || re || ')', 1)) + 1 ELSE 0 END,
			(s, re, idx) AS regexp_instr(s, re)`},
		macro{"spark_mask_char", `(c, u, l, d, o) AS CASE
			WHEN c = upper(c) AND c <> lower(c) THEN coalesce(u, c)
			WHEN c = lower(c) AND c <> upper(c) THEN coalesce(l, c)
			WHEN c BETWEEN '0' AND '9' THEN coalesce(d, c)
			ELSE coalesce(o, c) END`},
		macro{"mask", `(s) AS mask(s, 'X', 'x', 'n', NULL),
			(s, u) AS mask(s, u, 'x', 'n', NULL),
			(s, u, l) AS mask(s, u, l, 'n', NULL),
			(s, u, l, d) AS mask(s, u, l, d, NULL),
			(s, u, l, d, o) AS CASE WHEN s IS NULL THEN NULL ELSE array_to_string(list_transform(string_split(s, ''), lambda c: spark_mask_char(c, u, l, d, o)), '') END`},
		macro{"luhn_check", `(s) AS CASE WHEN s IS NULL THEN NULL WHEN NOT regexp_full_match(s, '[0-9]+') THEN false
			ELSE list_sum(list_transform(string_split(reverse(s), ''), lambda c, i: CASE WHEN i % 2 = 0
				THEN CAST(c AS INTEGER) * 2 - CASE WHEN CAST(c AS INTEGER) * 2 > 9 THEN 9 ELSE 0 END
				ELSE CAST(c AS INTEGER) END)) % 10 = 0 END`},
		macro{"soundex", `(s) AS CASE WHEN s IS NULL THEN NULL WHEN NOT regexp_matches(s, '^[A-Za-z]') THEN s
			ELSE left(rpad(list_reduce(list_transform(string_split(upper(substr(s, 2)), ''), lambda ch: {'s': ch, 'l': ''}), lambda acc, e: CASE
				WHEN e.s < 'A' OR e.s > 'Z' THEN {'s': acc.s, 'l': '0'}
				WHEN substr('01230127022455012623017202', ascii(e.s) - 64, 1) = '7' THEN acc
				WHEN substr('01230127022455012623017202', ascii(e.s) - 64, 1) <> '0' AND substr('01230127022455012623017202', ascii(e.s) - 64, 1) <> acc.l
					THEN {'s': acc.s || substr('01230127022455012623017202', ascii(e.s) - 64, 1), 'l': substr('01230127022455012623017202', ascii(e.s) - 64, 1)}
				ELSE {'s': acc.s, 'l': substr('01230127022455012623017202', ascii(e.s) - 64, 1)} END,
				{'s': upper(left(s, 1)), 'l': substr('01230127022455012623017202', ascii(upper(left(s, 1))) - 64, 1)}).s, 4, '0'), 4) END`},
		macro{"sentences", `(s) AS list_filter(list_transform(regexp_split_to_array(s, '[.!?]+'),
				lambda x: list_filter(regexp_split_to_array(x, '[^\p{L}\p{N}'']+'), lambda w: w <> '')), lambda l: len(l) > 0),
			(s, lang) AS sentences(s), (s, lang, country) AS sentences(s)`},
		macro{"is_valid_utf8", `(s VARCHAR) AS s IS NOT NULL OR NULL, (s BLOB) AS TRY(decode(s)) IS NOT NULL OR (CASE WHEN s IS NULL THEN NULL ELSE false END)`},
		macro{"try_validate_utf8", `(s VARCHAR) AS s, (s BLOB) AS TRY(decode(s))`},
		macro{"validate_utf8", `(s VARCHAR) AS s, (s BLOB) AS CASE WHEN TRY(decode(s)) IS NULL AND s IS NOT NULL THEN error('Invalid UTF8 byte sequence') ELSE decode(s) END`},
		macro{"spark_overlay", `(a VARCHAR, b VARCHAR, p) AS spark_overlay(a, b, p, length(b)),
			(a BLOB, b BLOB, p) AS spark_overlay(a, b, p, octet_length(b)),
			(a VARCHAR, b VARCHAR, p, n) AS substring(a, 1, p - 1) || b || substring(a, p + greatest(n, 0)),
			(a BLOB, b BLOB, p, n) AS unhex(substring(hex(a), 1, 2 * (p - 1)) || hex(b) || substring(hex(a), 2 * (p - 1 + greatest(n, 0)) + 1)),
			(a, b, p) AS spark_overlay(CAST(a AS VARCHAR), CAST(b AS VARCHAR), p),
			(a, b, p, n) AS spark_overlay(CAST(a AS VARCHAR), CAST(b AS VARCHAR), p, n)`},
	)
	spark("contains", `(a VARCHAR, b VARCHAR) AS contains(a, b),
		(a BLOB, b BLOB) AS regexp_matches(hex(a), '^(..)*?' || hex(b)),
		(a, b) AS contains(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`)
	spark("startswith", `(a VARCHAR, b VARCHAR) AS starts_with(a, b),
		(a BLOB, b BLOB) AS starts_with(hex(a), hex(b)),
		(a, b) AS starts_with(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`)
	spark("endswith", `(a VARCHAR, b VARCHAR) AS ends_with(a, b),
		(a BLOB, b BLOB) AS ends_with(hex(a), hex(b)),
		(a, b) AS ends_with(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`)
	alias("starts_with", "spark_startswith")
	alias("ends_with", "spark_endswith")
	spark("left", `(s BLOB, n) AS left(decode(s), n), (s, n) AS left(CAST(s AS VARCHAR), n)`)
	spark("right", `(s BLOB, n) AS right(decode(s), n), (s, n) AS right(CAST(s AS VARCHAR), n)`)
	spark("lpad", `(s VARCHAR, n) AS lpad(s, CAST(greatest(n, 0) AS INTEGER), ' '),
		(s BLOB, n) AS unhex(right(lpad(hex(s), CAST(greatest(2 * n, 0) AS INTEGER), '00'), CAST(greatest(2 * n, 0) AS INTEGER))),
		(s VARCHAR, n, p VARCHAR) AS CASE WHEN p = '' AND length(s) < n THEN s ELSE lpad(s, CAST(greatest(n, 0) AS INTEGER), p) END,
		(s BLOB, n, p BLOB) AS unhex(lpad(hex(s), CAST(greatest(2 * n, 0) AS INTEGER), hex(p))),
		(s, n) AS spark_lpad(CAST(s AS VARCHAR), n),
		(s, n, p) AS spark_lpad(CAST(s AS VARCHAR), n, CAST(p AS VARCHAR))`)
	spark("rpad", `(s VARCHAR, n) AS rpad(s, CAST(greatest(n, 0) AS INTEGER), ' '),
		(s BLOB, n) AS unhex(left(rpad(hex(s), CAST(greatest(2 * n, 0) AS INTEGER), '00'), CAST(greatest(2 * n, 0) AS INTEGER))),
		(s VARCHAR, n, p VARCHAR) AS CASE WHEN p = '' AND length(s) < n THEN s ELSE rpad(s, CAST(greatest(n, 0) AS INTEGER), p) END,
		(s BLOB, n, p BLOB) AS unhex(left(rpad(hex(s), CAST(greatest(2 * n, 0) AS INTEGER), hex(p)), CAST(greatest(2 * n, 0) AS INTEGER))),
		(s, n) AS spark_rpad(CAST(s AS VARCHAR), n),
		(s, n, p) AS spark_rpad(CAST(s AS VARCHAR), n, CAST(p AS VARCHAR))`)
	spark("levenshtein", `(a, b) AS levenshtein(a, b),
		(a, b, t) AS CASE WHEN levenshtein(a, b) > t THEN -1 ELSE levenshtein(a, b) END`)
	spark("replace", `(s, a) AS replace(s, a, ''), (s, a, b) AS replace(s, a, b)`)
	spark("reverse", `(s VARCHAR) AS reverse(s), (s BLOB) AS unhex(array_to_string(list_reverse(regexp_extract_all(hex(s), '..')), '')), (s) AS list_reverse(s)`)
	spark("encode", `(s, cs) AS CASE WHEN upper(replace(cs, '-', '')) IN ('UTF8', 'USASCII', 'ASCII')
		THEN encode(CAST(s AS VARCHAR)) ELSE error('encode: only the UTF-8 charset is supported, got ' || cs) END`)
	addMacros(
		macro{"spark_decode_charset", `(b, cs) AS CASE WHEN upper(replace(cs, '-', '')) IN ('UTF8', 'USASCII', 'ASCII')
			THEN decode(b) ELSE error('decode: only the UTF-8 charset is supported, got ' || cs) END`},
		macro{"to_binary", `(s) AS unhex(s),
			(s, f) AS CASE lower(f) WHEN 'hex' THEN unhex(s) WHEN 'utf-8' THEN encode(s) WHEN 'utf8' THEN encode(s)
				WHEN 'base64' THEN from_base64(s) ELSE error('to_binary: unknown format ' || f) END`},
		macro{"try_to_binary", `(s) AS TRY(unhex(s)),
			(s, f) AS CASE lower(f) WHEN 'hex' THEN TRY(unhex(s)) WHEN 'utf-8' THEN encode(s) WHEN 'utf8' THEN encode(s)
				WHEN 'base64' THEN TRY(from_base64(s)) ELSE NULL END`},
	)
	spark("split_part", `(s, d, n) AS CASE WHEN n = 0 THEN error('split_part: the index 0 is invalid')
		WHEN d = '' THEN CASE WHEN n = 1 OR n = -1 THEN s ELSE '' END
		ELSE coalesce(string_split(s, d)[n], '') END`)
	spark("initcap", `(s) AS array_to_string(list_transform(string_split(s, ' '), lambda w: upper(left(w, 1)) || lower(substr(w, 2))), ' ')`)
	addMacros(
		macro{"locate", `(sub, s) AS instr(s, sub),
			(sub, s, pos) AS CASE WHEN pos < 1 THEN 0 WHEN instr(substring(s, pos), sub) = 0 THEN 0 ELSE instr(substring(s, pos), sub) + pos - 1 END`},
	)
	spark("split", `(s, re) AS regexp_split_to_array(s, re),
		(s, re, lim) AS CASE WHEN lim <= 0 OR len(regexp_split_to_array(s, re)) <= lim THEN regexp_split_to_array(s, re)
			ELSE regexp_split_to_array(s, re)[1:lim - 1] || [array_to_string(list_transform(
				range(lim, len(regexp_split_to_array(s, re)) + 1),
				lambda i: regexp_split_to_array(s, re)[i] || coalesce(regexp_extract_all(s, re)[i], '')), '')] END`)
	spark("substr", `(s BLOB, pos) AS spark_substr(decode(s), pos), (s BLOB, pos, n) AS spark_substr(decode(s), pos, n),
		(s, pos) AS substring(CAST(s AS VARCHAR), CASE WHEN pos = 0 THEN 1 ELSE pos END),
		(s, pos, n) AS CASE WHEN n < 1 THEN '' ELSE substring(CAST(s AS VARCHAR), CASE WHEN pos = 0 THEN 1 ELSE pos END, n) END`)
	alias("substring", "spark_substr")
	alias("printf", "printf")
	alias("format_string", "printf")
	alias("lcase", "lower")
	alias("ucase", "upper")
}
