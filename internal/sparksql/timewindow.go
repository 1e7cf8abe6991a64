package sparksql

import (
	"strings"
)

// Spark's time windows group rows by time: GROUP BY window(ts, '5 minutes')
// (tumbling), window(ts, '10 minutes', '5 minutes') (sliding: a row falls
// in several windows) and session_window(ts, '5 minutes') (a session grows
// while rows come closer than the gap). The grouping column is a struct
// window (or session_window) with fields start and end, that the select
// list reads as window.start. DuckDB has no such grouping, so the query's
// FROM becomes a subquery that adds the column:
//
//	SELECT a, window.start, count(*) FROM t GROUP BY a, window(ts, '5 minutes')
//	SELECT a, "window".start, count(*) FROM (SELECT *, <window> AS "window"
//	    FROM t) GROUP BY a, "window"
//
// A session window needs the other grouping keys and two more levels of
// subquery (window functions cannot nest).

// rewriteTimeWindows rewrites every SELECT that groups by a time window.
func rewriteTimeWindows(toks []Token) ([]Token, error) {
	for guard := 0; guard < 100; guard++ {
		k := -1
		for i, t := range toks {
			if t.duck || !(t.Is("window") || t.Is("session_window")) {
				continue
			}
			n := nextSig(toks, i+1)
			if n < len(toks) && toks[n].Text == "(" && !afterDot(toks, i) {
				k = i
				break
			}
		}
		if k < 0 {
			return toks, nil
		}
		out, err := rewriteTimeWindow(toks, k)
		if err != nil {
			return nil, err
		}
		toks = out
	}
	return toks, nil
}

func rewriteTimeWindow(toks []Token, k int) ([]Token, error) {
	name := toks[k]
	session := name.Is("session_window")
	col := "window"
	if session {
		col = "session_window"
	}
	open := nextSig(toks, k+1)
	closing := MatchParen(toks, open)
	if closing < 0 {
		return nil, &Error{Pos: Pos{name.Line, name.Col}, Msg: "unclosed " + name.Text + "(", Err: ErrSyntax}
	}
	args := SplitComma(toks[open+1 : closing])
	depth := Depths(toks)
	d := depth[k]
	// The enclosing SELECT ... FROM ... [WHERE ...] GROUP BY at this depth.
	sel, from, group := -1, -1, -1
	for j := k - 1; j >= 0; j-- {
		if depth[j] < d {
			break
		}
		if depth[j] != d || toks[j].Kind != Ident {
			continue
		}
		switch {
		case toks[j].Is("group") && group < 0:
			group = j
		case toks[j].Is("from") && from < 0 && group >= 0:
			from = j
		case toks[j].Is("select") && from >= 0:
			sel = j
		}
		if sel >= 0 {
			break
		}
	}
	unsupported := func(msg string) ([]Token, error) {
		return nil, &Error{Pos: Pos{name.Line, name.Col}, Msg: name.Text + ": " + msg, Err: ErrUnsupported}
	}
	if sel < 0 || from < 0 || group < 0 {
		return unsupported("a time window must be a GROUP BY key of a SELECT ... FROM ... GROUP BY")
	}
	if (session && len(args) != 2) || (!session && (len(args) < 2 || len(args) > 4)) {
		return unsupported("want " + name.Text + "(time, duration[, slide[, start]])")
	}
	// The GROUP BY list ends at the next clause of this SELECT.
	end := len(toks)
	for j := closing + 1; j < len(toks); j++ {
		if depth[j] < d || depth[j] == d && (toks[j].Kind == Punct && toks[j].Text == ";" ||
			toks[j].Kind == Ident && (clauseEnd[strings.ToLower(toks[j].Text)] || toks[j].Is("having"))) {
			end = j
			break
		}
	}
	colTok := mk(name, QuotedIdent, quoteIdent(col))
	// Other grouping keys partition a session.
	var keys [][]Token
	by := nextSig(toks, group+1)
	for _, part := range SplitComma(toks[by+1 : end]) {
		p := Trim(part)
		if len(p) > 0 && p[0].Offset != name.Offset {
			keys = append(keys, oneLine(p))
		}
	}
	t := func(s string) Token { return mk(name, Ident, s) }
	sp := mk(name, Space, " ")
	ts := append([]Token{t("spark_ts(")}, oneLine(args[0])...)
	ts = append(ts, t(")"))
	dur := func(a []Token) []Token {
		out := append([]Token{t("CAST(")}, oneLine(a)...)
		return append(out, t(" AS INTERVAL)"))
	}
	var sub []Token // the subquery that replaces FROM ... (up to GROUP BY)
	inner := toks[from+1 : group]
	switch {
	case session:
		part := func() []Token {
			if len(keys) == 0 {
				return nil
			}
			out := []Token{t("PARTITION BY ")}
			for i, key := range keys {
				if i > 0 {
					out = append(out, t(", "))
				}
				out = append(out, key...)
			}
			return out
		}
		// level 1: start and end of each row's own session
		l1 := []Token{t("(SELECT *, "), sp}
		l1 = append(l1, ts...)
		l1 = append(l1, t(" AS _ws, "))
		l1 = append(l1, ts...)
		l1 = append(l1, t(" + "))
		l1 = append(l1, dur(args[1])...)
		l1 = append(l1, t(" AS _we FROM"))
		l1 = append(l1, inner...)
		l1 = append(l1, t(")"))
		// level 2: a row starts a session when it comes after every earlier end
		l2 := []Token{t("(SELECT *, CASE WHEN _ws < max(_we) OVER (")}
		l2 = append(l2, part()...)
		l2 = append(l2, t(" ORDER BY _ws ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS _wn FROM "))
		l2 = append(l2, l1...)
		l2 = append(l2, t(")"))
		// level 3: number the sessions
		l3 := []Token{t("(SELECT *, sum(_wn) OVER (")}
		l3 = append(l3, part()...)
		l3 = append(l3, t(" ORDER BY _ws ROWS UNBOUNDED PRECEDING) AS _wi FROM "))
		l3 = append(l3, l2...)
		l3 = append(l3, t(")"))
		// level 4: the session's bounds
		bounds := func(fn, c string) []Token {
			out := []Token{t(fn + "(" + c + ") OVER (")}
			if p := part(); p != nil {
				out = append(out, p...)
				out = append(out, t(", _wi)"))
			} else {
				out = append(out, t("PARTITION BY _wi)"))
			}
			return out
		}
		sub = []Token{t("(SELECT * EXCLUDE (_ws, _we, _wn, _wi), struct_pack(start := ")}
		sub = append(sub, bounds("min", "_ws")...)
		sub = append(sub, t(", \"end\" := "))
		sub = append(sub, bounds("max", "_we")...)
		sub = append(sub, t(") AS "), colTok, t(" FROM "))
		sub = append(sub, l3...)
		sub = append(sub, t(")"))
	default:
		width := dur(args[1])
		slide := width
		if len(args) >= 3 {
			slide = dur(args[2])
		}
		start := []Token{t("INTERVAL '0 seconds'")}
		if len(args) == 4 {
			start = dur(args[3])
		}
		fn := []Token{t("spark_time_windows(")}
		fn = append(fn, ts...)
		for _, a := range [][]Token{width, slide, start} {
			fn = append(fn, t(", "))
			fn = append(fn, a...)
		}
		fn = append(fn, t(")"))
		sub = []Token{t("(SELECT *, unnest(")}
		sub = append(sub, fn...)
		sub = append(sub, t(") AS "), colTok, t(" FROM"))
		sub = append(sub, inner...)
		sub = append(sub, t(")"))
	}
	var out []Token
	// the select list, with the window column quoted; window.start gets the
	// name start, as in Spark, so that ORDER BY start finds it
	out = append(out, toks[:sel+1]...)
	for _, item := range SplitComma(toks[sel+1 : from]) {
		if len(out) > sel+1 {
			out = append(out, mk(name, Punct, ","))
		}
		for _, tk := range item {
			out = append(out, quoteWindowRef(tk, col))
		}
		if it := Trim(item); len(it) == 3 && it[0].Is(col) && it[1].Text == "." && it[2].Kind == Ident {
			out = append(out, t(" AS "+quoteIdent(it[2].Text)+" "))
		}
	}
	out = append(out, toks[from])
	out = append(out, sp)
	out = append(out, sub...)
	out = append(out, mk(name, Space, newlines(inner)+" "))
	for j := group; j < end; j++ {
		if j == k {
			out = append(out, colTok)
			out = append(out, mk(name, Space, newlines(toks[k:closing+1])))
			j = closing
			continue
		}
		out = append(out, quoteWindowRef(toks[j], col))
	}
	for _, tk := range toks[end:] {
		out = append(out, quoteWindowRef(tk, col))
	}
	return out, nil
}

// quoteWindowRef quotes a bare reference to the window column (window is
// a keyword in DuckDB).
func quoteWindowRef(t Token, col string) Token {
	if t.Is(col) && !t.duck {
		return mk(t, QuotedIdent, quoteIdent(col))
	}
	return t
}

func init() {
	addMacros(
		// Every window [start, start + width) with start = origin + k * slide
		// that holds ts, as Spark's TimeWindow computes them.
		macro{"spark_us", `(i) AS epoch_us(TIMESTAMP '1970-01-01' + i)`},
		macro{"spark_window_last", `(t, s, o) AS t - (((t - o) % s) + s) % s`},
		macro{"spark_time_windows", `(ts, w, s, o) AS list_transform(list_filter(
			range(0, CAST(ceil(spark_us(w) / spark_us(s)) AS BIGINT)),
			lambda k: spark_window_last(epoch_us(ts), spark_us(s), spark_us(o)) - k * spark_us(s) + spark_us(w) > epoch_us(ts)),
			lambda k: struct_pack(
				start := make_timestamp(spark_window_last(epoch_us(ts), spark_us(s), spark_us(o)) - k * spark_us(s)),
				"end" := make_timestamp(spark_window_last(epoch_us(ts), spark_us(s), spark_us(o)) - k * spark_us(s) + spark_us(w))))`},
		macro{"window_time", `(w) AS w."end" - INTERVAL '1 microsecond'`},
	)
}
