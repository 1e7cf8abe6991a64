package sparksql

import (
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register(map[string]rule{
		"from_csv":      fromCSV,
		"to_csv":        toCSV,
		"schema_of_csv": schemaOfCSV,
	})
	addMacros(
		macro{"spark_csv_field", `(x TIMESTAMP, tf, df) AS CASE WHEN tf IS NULL THEN CAST(x AS VARCHAR) ELSE strftime(x, tf) END,
			(x DATE, tf, df) AS CASE WHEN df IS NULL THEN CAST(x AS VARCHAR) ELSE strftime(x, df) END,
			(x, tf, df) AS CAST(x AS VARCHAR)`},
		macro{"spark_csv_quote", `(s, sep) AS CASE WHEN s IS NULL THEN '' WHEN contains(s, sep) OR contains(s, '"') OR contains(s, chr(10))
			THEN '"' || replace(s, '"', '\"') || '"' ELSE s END`},
		macro{"spark_to_csv", `(s, sep) AS array_to_string(list_transform(json_keys(to_json(s)),
			lambda k: spark_csv_quote(json_extract_string(to_json(s), '$."' || replace(k, '"', '\"') || '"'), sep)), sep)`},
	)
}

// fromCSV: from_csv(text, 'a INT, b STRING'[, options]) reads one CSV
// line into a struct; a field that does not convert is NULL (Spark's
// PERMISSIVE mode).
func fromCSV(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 2, 3); err != nil {
		return "", err
	}
	if c.args[1].lit == nil {
		return "", fmt.Errorf("the schema must be a string literal, got %s", c.args[1].src())
	}
	fields, _, err := ddlFields(*c.args[1].lit)
	if err != nil {
		return "", err
	}
	if fields == nil {
		return "", fmt.Errorf("the schema must be a list of fields such as 'a INT, b STRING'")
	}
	opts := map[string]string{}
	nl := newlines(c.args[1].toks)
	if len(c.args) == 3 {
		if opts, err = optionMap(c.args[2], "sep", "delimiter", "timestampformat", "dateformat", "mode"); err != nil {
			return "", err
		}
		if m, ok := opts["mode"]; ok && !strings.EqualFold(m, "PERMISSIVE") {
			return "", fmt.Errorf("option mode %q is not supported (only PERMISSIVE)", m)
		}
		nl += newlines(c.args[2].toks)
	}
	sep := ","
	if v, ok := opts["sep"]; ok {
		sep = v
	}
	if v, ok := opts["delimiter"]; ok {
		sep = v
	}
	v := rw.fresh(1)[0]
	var build []string
	for i, f := range fields {
		x := fmt.Sprintf("%s[%d]", v, i+1)
		var expr string
		switch {
		case f.typ == "TIMESTAMP" && opts["timestampformat"] != "" || f.typ == "DATE" && opts["dateformat"] != "":
			p := opts["timestampformat"]
			if f.typ == "DATE" {
				p = opts["dateformat"]
			}
			conv, _, err := convertPattern(p, parsing)
			if err != nil {
				return "", err
			}
			expr = "CAST(try_strptime(" + x + ", " + quoteDuck(conv) + ") AS " + f.typ + ")"
		case f.typ == "VARCHAR":
			expr = x
		default:
			expr = "TRY_CAST(trim(" + x + ") AS " + f.typ + ")"
		}
		build = append(build, quoteIdent(f.name)+" := "+expr)
	}
	return "list_transform([string_split(" + c.args[0].text + ", " + quoteDuck(sep) + ")], lambda " + v + ": struct_pack(" +
		strings.Join(build, ", ") + "))[1]" + nl, nil
}

// toCSV: to_csv(struct[, options]) writes the fields as one CSV line.
func toCSV(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	opts := map[string]string{}
	var err error
	if len(c.args) == 2 {
		if opts, err = optionMap(c.args[1], "sep", "delimiter", "timestampformat", "dateformat"); err != nil {
			return "", err
		}
	}
	sep := ","
	if v, ok := opts["sep"]; ok {
		sep = v
	}
	if v, ok := opts["delimiter"]; ok {
		sep = v
	}
	nl := ""
	if len(c.args) == 2 {
		nl = newlines(c.args[1].toks)
	}
	sig := Trim(c.args[0].toks)
	if len(sig) > 2 && sig[0].Is("named_struct") && MatchParen(sig, nextSig(sig, 1)) == len(sig)-1 {
		// the fields are known: format dates and timestamps as asked
		parts := SplitComma(sig[nextSig(sig, 1)+1 : len(sig)-1])
		tf, df := "NULL", "NULL"
		if p, ok := opts["timestampformat"]; ok {
			conv, _, err := convertPattern(p, formatting)
			if err != nil {
				return "", err
			}
			tf = quoteDuck(conv)
		}
		if p, ok := opts["dateformat"]; ok {
			conv, _, err := convertPattern(p, formatting)
			if err != nil {
				return "", err
			}
			df = quoteDuck(conv)
		}
		var vals []string
		for k := 1; k < len(parts); k += 2 {
			text, err := rw.emit(parts[k])
			if err != nil {
				return "", err
			}
			vals = append(vals, "spark_csv_quote(spark_csv_field("+flat(text)+", "+tf+", "+df+"), "+quoteDuck(sep)+")")
		}
		return "(" + strings.Join(vals, " || "+quoteDuck(sep)+" || ") + ")" + newlines(c.toks), nil
	}
	if opts["timestampformat"] != "" || opts["dateformat"] != "" {
		return "", fmt.Errorf("the timestampFormat and dateFormat options need the struct written as named_struct(...)")
	}
	return "spark_to_csv(" + c.args[0].text + ", " + quoteDuck(sep) + ")" + nl, nil
}

// schemaOfCSV: schema_of_csv('literal csv line') infers the Spark schema.
func schemaOfCSV(rw *rewriter, c *call) (string, error) {
	if err := wantArgs(c, 1, 2); err != nil {
		return "", err
	}
	if c.args[0].lit == nil {
		return "", fmt.Errorf("the CSV must be a string literal, got %s", c.args[0].src())
	}
	sep := ","
	if len(c.args) == 2 {
		opts, err := optionMap(c.args[1], "sep", "delimiter")
		if err != nil {
			return "", err
		}
		for _, k := range []string{"sep", "delimiter"} {
			if v, ok := opts[k]; ok {
				sep = v
			}
		}
	}
	var fields []string
	for i, v := range strings.Split(*c.args[0].lit, sep) {
		fields = append(fields, fmt.Sprintf("_c%d: %s", i, csvType(strings.TrimSpace(v))))
	}
	return quoteDuck("STRUCT<"+strings.Join(fields, ", ")+">") + newlines(c.toks), nil
}

// csvType infers the Spark type of one CSV value as Spark's CSV inference
// does for the common cases.
func csvType(v string) string {
	if v == "" {
		return "STRING"
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n >= -1<<31 && n < 1<<31 {
			return "INT"
		}
		return "BIGINT"
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return "DOUBLE"
	}
	if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		return "BOOLEAN"
	}
	return "STRING"
}
