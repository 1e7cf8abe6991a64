package functions

import "strings"

// Encode and Decode (RFC 4648 base32, base64 and hex): DuckDB functions,
// base32 through a Go scalar function (see udf.go).

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
		expr = udfBase32Encode + "(" + b + ")"
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
		blob = udfBase32Decode + "(" + t + ")"
	default:
		return "", nil, optErr("algo", "%q is not one of base32, base64, hex", f.Algo)
	}
	p := identity(in)
	p.set(orColumn(f.AsColumn, c.Name), "TRY(decode("+blob+"))", "VARCHAR")
	return p.sql(from), p.out, nil
}
