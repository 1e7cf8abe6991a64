package functions

import "strings"

// Encode and Decode (RFC 4648 base32, base64 and hex), in SQL.

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

var codecOption = Option{Key: "algo", Kind: Enum, Values: []string{"base32", "base64", "hex"},
	ValueAliases: map[string]string{"base16": "hex"}, Required: true, Doc: "base32, base64 or hex (RFC 4648)."}

// bytesOf is the bytes of a value: a BLOB as it is, anything else as the
// UTF-8 of its text.
func bytesOf(expr string, c typeClass) string {
	if c == classBlob {
		return expr
	}
	return "encode(" + asText(expr, c) + ")"
}

// base32Encode is RFC 4648 base32 (with = padding) of a BLOB expression:
// the hex digits are read ten at a time (five bytes, eight output
// characters) as a 40-bit number.
func base32Encode(blob string) string {
	h := "h"
	chunk := "('0x' || rpad(substr(" + h + ", i + 1, 10), 10, '0'))::BIGINT"
	chars := "array_to_string(list_transform(range(0, len(" + h + "), 10), lambda i: array_to_string(list_transform(range(8), lambda k: substr(" +
		quoteLit(base32Alphabet) + ", ((" + chunk + " >> (35 - 5 * k)) & 31)::INTEGER + 1, 1)), '')), '')"
	// Keep ceil(bits/5) characters, then pad to a multiple of 8 with =.
	body := "rpad(left(" + chars + ", CAST(ceil(len(" + h + ") * 4 / 5) AS INTEGER)), CAST(ceil(len(" + h + ") / 10) AS INTEGER) * 8, '=')"
	return "list_transform([hex(" + blob + ")], lambda " + h + ": " + body + ")[1]"
}

// base32Decode reads RFC 4648 base32 text (padding optional, either case)
// into a BLOB; text with other characters gives NULL.
func base32Decode(text string) string {
	s := "s"
	bits := "array_to_string(list_transform(string_split(" + s + ", ''), lambda ch: lpad(bin(strpos(" + quoteLit(base32Alphabet) + ", ch) - 1), 5, '0')), '')"
	body := "CASE WHEN regexp_full_match(" + s + ", '[A-Z2-7]*') THEN unbin(left(" + bits + ", (len(" + s + ") * 5 // 8) * 8)) END"
	return "list_transform([upper(rtrim(" + text + ", '='))], lambda " + s + ": " + body + ")[1]"
}

// Encode encodes a column's bytes as base32, base64 or hex text (encode).
type Encode struct {
	Algo     string
	Column   string
	AsColumn string
}

func (*Encode) Name() string { return "encode" }
func (f *Encode) options() []Option {
	algo := codecOption
	algo.target = &f.Algo
	return []Option{
		algo,
		{Key: "column", Kind: String, Required: true, Doc: "The column to encode (its UTF-8 bytes; a BLOB as it is).", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the encoded text (default: the column itself).", target: &f.AsColumn},
	}
}

func (f *Encode) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	b := bytesOf(quoteIdent(c.Name), classOf(c.Type))
	var expr string
	switch strings.ToLower(f.Algo) {
	case "base64":
		expr = "to_base64(" + b + ")"
	case "hex":
		expr = "hex(" + b + ")"
	case "base32":
		expr = base32Encode(b)
	default:
		return "", nil, optErr("algo", "%q is not one of base32, base64, hex", f.Algo)
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), expr, "VARCHAR")
	return p.sql(from), p.out, nil
}

// Decode decodes base32, base64 or hex text into a string (decode). Text
// that does not decode, or bytes that are not UTF-8, give NULL.
type Decode struct {
	Algo     string
	Column   string
	AsColumn string
}

func (*Decode) Name() string { return "decode" }
func (f *Decode) options() []Option {
	algo := codecOption
	algo.target = &f.Algo
	return []Option{
		algo,
		{Key: "column", Kind: String, Required: true, Doc: "The column holding encoded text.", target: &f.Column},
		{Key: "asColumn", Kind: String, Doc: "The column for the decoded string (default: the column itself).", target: &f.AsColumn},
	}
}

func (f *Decode) Apply(from string, in Schema, _ *Env) (string, Schema, error) {
	c, err := column(in, "column", f.Column)
	if err != nil {
		return "", nil, err
	}
	t := asText(quoteIdent(c.Name), classOf(c.Type))
	var blob string
	switch strings.ToLower(f.Algo) {
	case "base64":
		blob = "TRY(from_base64(" + t + "))"
	case "hex":
		blob = "TRY(unhex(" + t + "))"
	case "base32":
		blob = base32Decode(t)
	default:
		return "", nil, optErr("algo", "%q is not one of base32, base64, hex", f.Algo)
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), "TRY(decode("+blob+"))", "VARCHAR")
	return p.sql(from), p.out, nil
}
