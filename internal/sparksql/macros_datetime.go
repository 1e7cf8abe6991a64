package sparksql

func init() {
	addMacros(
		macro{"spark_to_timestamp", `(x VARCHAR) AS spark_ts(x), (x DOUBLE) AS CAST(to_timestamp(x) AS TIMESTAMP), (x) AS CAST(x AS TIMESTAMP)`},
		macro{"spark_unix_timestamp", `(x VARCHAR) AS CAST(floor(epoch(CAST(spark_ts(x) AS TIMESTAMPTZ))) AS BIGINT),
			(x) AS CAST(floor(epoch(CAST(x AS TIMESTAMPTZ))) AS BIGINT)`},
		macro{"spark_date_add", `(d, n) AS CAST(spark_date(d) + CAST(n AS INTEGER) AS DATE)`},
		macro{"spark_date_sub", `(d, n) AS CAST(spark_date(d) - CAST(n AS INTEGER) AS DATE)`},
		macro{"spark_datediff", `(e, s) AS CAST(spark_date(e) - spark_date(s) AS INTEGER)`},
		macro{"add_months", `(d, n) AS CAST(spark_date(d) + to_months(CAST(n AS INTEGER)) AS DATE)`},
		macro{"spark_date_trunc", `(u, ts) AS date_trunc(CASE lower(u) WHEN 'yyyy' THEN 'year' WHEN 'yy' THEN 'year'
			WHEN 'mon' THEN 'month' WHEN 'mm' THEN 'month' WHEN 'dd' THEN 'day' ELSE lower(u) END, spark_ts(ts))`},
		macro{"date_from_unix_date", `(n) AS DATE '1970-01-01' + CAST(n AS INTEGER)`},
		macro{"unix_date", `(d) AS CAST(spark_date(d) - DATE '1970-01-01' AS INTEGER)`},
		macro{"unix_seconds", `(t) AS CAST(floor(epoch(CAST(spark_ts(t) AS TIMESTAMPTZ))) AS BIGINT)`},
		macro{"unix_millis", `(t) AS epoch_ms(CAST(spark_ts(t) AS TIMESTAMPTZ))`},
		macro{"unix_micros", `(t) AS epoch_us(CAST(spark_ts(t) AS TIMESTAMPTZ))`},
		macro{"spark_from_micros", `(us) AS CAST(timezone('UTC', make_timestamp(CAST(us AS BIGINT))) AS TIMESTAMP)`},
		macro{"timestamp_seconds", `(s) AS spark_from_micros(round(CAST(s AS DECIMAL(38,9)) * 1000000))`},
		macro{"timestamp_millis", `(ms) AS spark_from_micros(CAST(ms AS BIGINT) * 1000)`},
		macro{"timestamp_micros", `(us) AS spark_from_micros(us)`},
		macro{"spark_time_micros", `(t) AS (hour(t) * 3600 + minute(t) * 60) * CAST(1000000 AS BIGINT) + microsecond(t)`},
		macro{"time_to_micros", `(t) AS spark_time_micros(CAST(t AS TIME))`},
		macro{"time_to_millis", `(t) AS spark_time_micros(CAST(t AS TIME)) // 1000`},
		macro{"time_to_seconds", `(t) AS CAST(spark_time_micros(CAST(t AS TIME)) AS DECIMAL(14,0)) / 1000000`},
		macro{"time_from_micros", `(us) AS CAST(TIME '00:00:00' + to_microseconds(CAST(us AS BIGINT)) AS TIME)`},
		macro{"time_from_millis", `(ms) AS CAST(TIME '00:00:00' + to_microseconds(CAST(ms AS BIGINT) * 1000) AS TIME)`},
		macro{"time_from_seconds", `(s) AS CAST(TIME '00:00:00' + to_microseconds(CAST(round(CAST(s AS DECIMAL(38,9)) * 1000000) AS BIGINT)) AS TIME)`},
		macro{"next_day", `(d, day) AS CASE WHEN upper(day) IN ('SU', 'SUN', 'SUNDAY', 'MO', 'MON', 'MONDAY', 'TU', 'TUE', 'TUESDAY', 'WE', 'WED', 'WEDNESDAY',
				'TH', 'THU', 'THURSDAY', 'FR', 'FRI', 'FRIDAY', 'SA', 'SAT', 'SATURDAY')
			THEN CAST(spark_date(d) + CAST((instr('SUMOTUWETHFRSA', left(upper(day), 2)) // 2 - dayofweek(spark_date(d)) + 6) % 7 + 1 AS INTEGER) AS DATE) END`},
		macro{"spark_month_seconds", `(t) AS (day(t) - 1) * 86400 + hour(t) * 3600 + minute(t) * 60 + second(t)`},
		macro{"months_between", `(a, b) AS months_between(a, b, true),
			(a, b, r) AS CASE WHEN r THEN round(spark_months_between(spark_ts(a), spark_ts(b)), 8) ELSE spark_months_between(spark_ts(a), spark_ts(b)) END`},
		macro{"spark_months_between", `(a, b) AS CAST((year(a) * 12 + month(a)) - (year(b) * 12 + month(b)) AS DOUBLE) +
			CASE WHEN day(a) = day(b) OR (day(a) = day(last_day(a)) AND day(b) = day(last_day(b))) THEN 0
			ELSE (spark_month_seconds(a) - spark_month_seconds(b)) / (31.0 * 86400) END`},
		macro{"convert_timezone", `(tgt, ts) AS timezone(tgt, CAST(spark_ts(ts) AS TIMESTAMPTZ)),
			(src, tgt, ts) AS timezone(tgt, timezone(src, spark_ts(ts)))`},
		macro{"from_utc_timestamp", `(ts, tz) AS timezone(tz, timezone('UTC', spark_ts(ts)))`},
		macro{"to_utc_timestamp", `(ts, tz) AS timezone('UTC', timezone(tz, spark_ts(ts)))`},
		macro{"spark_make_timestamp", `(d DATE) AS CAST(d AS TIMESTAMP),
			(d, t) AS CAST(d AS DATE) + CAST(t AS TIME),
			(d, t, tz) AS CAST(timezone(tz, CAST(d AS DATE) + CAST(t AS TIME)) AS TIMESTAMP),
			(y, mo, d, h, mi, s) AS make_timestamp(y, mo, d, h, mi, 0) + to_microseconds(CAST(round(CAST(s AS DECIMAL(38,9)) * 1000000) AS BIGINT)),
			(y, mo, d, h, mi, s, tz) AS CAST(timezone(tz, spark_make_timestamp(y, mo, d, h, mi, s)) AS TIMESTAMP)`},
		macro{"spark_make_interval", `(y, mo, w, d, h, mi, s) AS to_months(CAST(y * 12 + mo AS INTEGER)) + to_days(CAST(w * 7 + d AS INTEGER))
			+ to_microseconds(CAST(round((CAST(h AS BIGINT) * 3600 + CAST(mi AS BIGINT) * 60) * 1000000 + CAST(s AS DECIMAL(38,9)) * 1000000) AS BIGINT))`},
		macro{"make_interval", `() AS INTERVAL '0 seconds', (y) AS spark_make_interval(y, 0, 0, 0, 0, 0, 0),
			(y, mo) AS spark_make_interval(y, mo, 0, 0, 0, 0, 0), (y, mo, w) AS spark_make_interval(y, mo, w, 0, 0, 0, 0),
			(y, mo, w, d) AS spark_make_interval(y, mo, w, d, 0, 0, 0), (y, mo, w, d, h) AS spark_make_interval(y, mo, w, d, h, 0, 0),
			(y, mo, w, d, h, mi) AS spark_make_interval(y, mo, w, d, h, mi, 0), (y, mo, w, d, h, mi, s) AS spark_make_interval(y, mo, w, d, h, mi, s)`},
		macro{"try_make_interval", `() AS INTERVAL '0 seconds', (y) AS TRY(make_interval(y)),
			(y, mo) AS TRY(make_interval(y, mo)), (y, mo, w) AS TRY(make_interval(y, mo, w)),
			(y, mo, w, d) AS TRY(make_interval(y, mo, w, d)), (y, mo, w, d, h) AS TRY(make_interval(y, mo, w, d, h)),
			(y, mo, w, d, h, mi) AS TRY(make_interval(y, mo, w, d, h, mi)), (y, mo, w, d, h, mi, s) AS TRY(make_interval(y, mo, w, d, h, mi, s))`},
		macro{"make_dt_interval", `() AS INTERVAL '0 seconds', (d) AS make_dt_interval(d, 0, 0, 0), (d, h) AS make_dt_interval(d, h, 0, 0),
			(d, h, mi) AS make_dt_interval(d, h, mi, 0),
			(d, h, mi, s) AS to_days(CAST(d AS INTEGER)) + to_microseconds(CAST(round((CAST(h AS BIGINT) * 3600 + CAST(mi AS BIGINT) * 60) * 1000000 + CAST(s AS DECIMAL(38,9)) * 1000000) AS BIGINT))`},
		macro{"make_ym_interval", `() AS INTERVAL '0 months', (y) AS to_months(CAST(y * 12 AS INTEGER)), (y, m) AS to_months(CAST(y * 12 + m AS INTEGER))`},
	)
	// time_bucket(width, ts[, origin]): buckets start at origin + k * width
	// (origin 1970-01-01); month widths count whole months from the origin.
	spark("time_bucket", `(w, ts) AS spark_time_bucket(w, ts, TIMESTAMP '1970-01-01'),
		(w, ts, o) AS CASE WHEN date_part('month', w) + 12 * date_part('year', w) > 0 AND date_part('day', w) = 0 AND epoch_us(TIMESTAMP '1970-01-01' + w) = epoch_us(TIMESTAMP '1970-01-01' + to_months(CAST(date_part('month', w) + 12 * date_part('year', w) AS INTEGER)))
			THEN CAST(o AS TIMESTAMP) + to_months(CAST(floor(date_sub('month', CAST(o AS TIMESTAMP), spark_ts(ts)) / (date_part('month', w) + 12 * date_part('year', w))) * (date_part('month', w) + 12 * date_part('year', w)) AS INTEGER))
			ELSE make_timestamp(epoch_us(CAST(o AS TIMESTAMP)) + CAST(floor((epoch_us(spark_ts(ts)) - epoch_us(CAST(o AS TIMESTAMP))) / spark_us(w)) AS BIGINT) * spark_us(w)) END`)
	for _, f := range []string{"make_timestamp", "make_timestamp_ltz", "make_timestamp_ntz"} {
		alias(f, "spark_make_timestamp")
		addMacros(macro{"try_" + f, `(d) AS TRY(spark_make_timestamp(d)), (d, t) AS TRY(spark_make_timestamp(d, t)),
			(d, t, tz) AS TRY(spark_make_timestamp(d, t, tz)),
			(y, mo, d, h, mi, s) AS TRY(spark_make_timestamp(y, mo, d, h, mi, s)),
			(y, mo, d, h, mi, s, tz) AS TRY(spark_make_timestamp(y, mo, d, h, mi, s, tz))`})
	}

	// Parts of dates and timestamps: Spark casts strings to timestamps.
	for _, f := range []string{"year", "quarter", "month", "day", "dayofmonth", "dayofyear", "hour", "minute", "second",
		"weekofyear"} {
		spark(f, `(x VARCHAR) AS `+f+`(spark_ts(x)), (x) AS `+f+`(x)`)
	}
	spark("dayofweek", `(x VARCHAR) AS CAST(dayofweek(spark_ts(x)) + 1 AS INTEGER), (x) AS CAST(dayofweek(x) + 1 AS INTEGER)`)
	spark("weekday", `(x VARCHAR) AS CAST(isodow(spark_ts(x)) - 1 AS INTEGER), (x) AS CAST(isodow(x) - 1 AS INTEGER)`)
	spark("last_day", `(x) AS last_day(spark_date(x))`)
	spark("monthname", `(x) AS strftime(spark_ts(x), '%b')`)
	spark("dayname", `(x) AS strftime(spark_ts(x), '%a')`)

	// extract(field FROM x) and date_part('field', x): also of intervals.
	part := func(name, ts, iv string) {
		addMacros(macro{"spark_part_" + name, `(x VARCHAR) AS ` + ts + `(spark_ts(x)), (x INTERVAL) AS ` + iv + `, (x) AS ` + ts + `(x)`})
	}
	part("year", "year", "date_part('year', x)")
	part("quarter", "quarter", "error('extract: QUARTER of an interval')")
	part("month", "month", "date_part('month', x)")
	part("week", "weekofyear", "error('extract: WEEK of an interval')")
	part("day", "day", "date_part('day', x)")
	part("dayofweek", "spark_dayofweek", "error('extract: DAYOFWEEK of an interval')")
	part("dayofweek_iso", "isodow", "error('extract: DAYOFWEEK_ISO of an interval')")
	part("doy", "dayofyear", "error('extract: DOY of an interval')")
	part("yearofweek", "isoyear", "error('extract: YEAROFWEEK of an interval')")
	part("hour", "hour", "date_part('hour', x)")
	part("minute", "minute", "date_part('minute', x)")
	addMacros(macro{"spark_seconds", `(x) AS CAST(date_part('microseconds', x) AS DECIMAL(10,0)) / 1000000`})
	part("second", "spark_seconds", "spark_seconds(x)")
}
