package sparksql

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// AES as Spark's aes_encrypt/aes_decrypt do it (ExpressionImplUtils):
// modes GCM (default; a 12-byte IV and a 16-byte tag around the text), CBC
// (a 16-byte IV first, PKCS#7 padding) and ECB (PKCS#7); keys of 16, 24 or
// 32 bytes.

func init() {
	udfs["spark_aes_go"] = []*udf{{
		in: []duckdb.Type{duckdb.TYPE_VARCHAR, duckdb.TYPE_BLOB, duckdb.TYPE_BLOB, duckdb.TYPE_VARCHAR, duckdb.TYPE_VARCHAR,
			duckdb.TYPE_BLOB, duckdb.TYPE_BLOB},
		out: duckdb.TYPE_BLOB, nulls: true,
		fn: func(a []driver.Value) (any, error) {
			op, _ := a[0].(string)
			in, _ := a[1].([]byte)
			key, _ := a[2].([]byte)
			mode, _ := a[3].(string)
			pad, _ := a[4].(string)
			iv, _ := a[5].([]byte)
			aad, _ := a[6].([]byte)
			if a[1] == nil || a[2] == nil {
				return nil, nil
			}
			out, err := sparkAES(op != "encrypt", in, key, mode, pad, iv, aad)
			if err != nil {
				if op == "try_decrypt" {
					return nil, nil
				}
				return nil, err
			}
			return out, nil
		},
	}}
	udfs["spark_valid_utf8_go"] = []*udf{{
		in: []duckdb.Type{duckdb.TYPE_BLOB}, out: duckdb.TYPE_VARCHAR,
		fn: func(a []driver.Value) (any, error) { return validUTF8(a[0].([]byte)), nil },
	}}
	addMacros(
		macro{"spark_bytes", `(x VARCHAR) AS encode(x), (x) AS CAST(x AS BLOB)`},
		macro{"aes_encrypt", `(i, k) AS aes_encrypt(i, k, 'GCM', 'DEFAULT', NULL, NULL),
			(i, k, m) AS aes_encrypt(i, k, m, 'DEFAULT', NULL, NULL),
			(i, k, m, p) AS aes_encrypt(i, k, m, p, NULL, NULL),
			(i, k, m, p, iv) AS aes_encrypt(i, k, m, p, iv, NULL),
			(i, k, m, p, iv, aad) AS spark_aes_go('encrypt', spark_bytes(i), spark_bytes(k), m, p, spark_bytes(iv), spark_bytes(aad))`},
		macro{"aes_decrypt", `(i, k) AS aes_decrypt(i, k, 'GCM', 'DEFAULT', NULL),
			(i, k, m) AS aes_decrypt(i, k, m, 'DEFAULT', NULL),
			(i, k, m, p) AS aes_decrypt(i, k, m, p, NULL),
			(i, k, m, p, aad) AS spark_aes_go('decrypt', spark_bytes(i), spark_bytes(k), m, p, NULL, spark_bytes(aad))`},
		macro{"try_aes_decrypt", `(i, k) AS try_aes_decrypt(i, k, 'GCM', 'DEFAULT', NULL),
			(i, k, m) AS try_aes_decrypt(i, k, m, 'DEFAULT', NULL),
			(i, k, m, p) AS try_aes_decrypt(i, k, m, p, NULL),
			(i, k, m, p, aad) AS spark_aes_go('try_decrypt', spark_bytes(i), spark_bytes(k), m, p, NULL, spark_bytes(aad))`},
		macro{"make_valid_utf8", `(s VARCHAR) AS s, (s) AS spark_valid_utf8_go(CAST(s AS BLOB))`},
	)
}

func sparkAES(decrypt bool, in, key []byte, mode, pad string, iv, aad []byte) ([]byte, error) {
	mode, pad = strings.ToUpper(mode), strings.ToUpper(pad)
	if len(key) != 16 && len(key) != 24 && len(key) != 32 {
		return nil, fmt.Errorf("aes: the key must be 16, 24 or 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	switch {
	case mode == "GCM" && (pad == "DEFAULT" || pad == "NONE"):
		g, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		if decrypt {
			if len(in) < 12+16 {
				return nil, errors.New("aes_decrypt: the input is too short")
			}
			return g.Open(nil, in[:12], in[12:], aad)
		}
		if iv == nil {
			iv = make([]byte, 12)
			if _, err := rand.Read(iv); err != nil {
				return nil, err
			}
		} else if len(iv) != 12 {
			return nil, fmt.Errorf("aes_encrypt: a GCM IV must be 12 bytes, got %d", len(iv))
		}
		return g.Seal(append([]byte{}, iv...), iv, in, aad), nil
	case mode == "CBC" && (pad == "DEFAULT" || pad == "PKCS"):
		if aad != nil {
			return nil, errors.New("aes: AAD is only supported in GCM mode")
		}
		if decrypt {
			if len(in) < 16 || len(in)%16 != 0 {
				return nil, errors.New("aes_decrypt: the input is not a whole number of blocks")
			}
			out := make([]byte, len(in)-16)
			cipher.NewCBCDecrypter(block, in[:16]).CryptBlocks(out, in[16:])
			return unpad(out)
		}
		if iv == nil {
			iv = make([]byte, 16)
			if _, err := rand.Read(iv); err != nil {
				return nil, err
			}
		} else if len(iv) != 16 {
			return nil, fmt.Errorf("aes_encrypt: a CBC IV must be 16 bytes, got %d", len(iv))
		}
		p := pkcs7(in)
		out := make([]byte, len(p))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, p)
		return append(append([]byte{}, iv...), out...), nil
	case mode == "ECB" && (pad == "DEFAULT" || pad == "PKCS"):
		if iv != nil || aad != nil {
			return nil, errors.New("aes: ECB mode takes no IV or AAD")
		}
		if decrypt {
			if len(in)%16 != 0 {
				return nil, errors.New("aes_decrypt: the input is not a whole number of blocks")
			}
			out := make([]byte, len(in))
			for i := 0; i < len(in); i += 16 {
				block.Decrypt(out[i:], in[i:])
			}
			return unpad(out)
		}
		p := pkcs7(in)
		out := make([]byte, len(p))
		for i := 0; i < len(p); i += 16 {
			block.Encrypt(out[i:], p[i:])
		}
		return out, nil
	}
	return nil, fmt.Errorf("aes: mode %s with padding %s is not supported", mode, pad)
}

func pkcs7(b []byte) []byte {
	n := 16 - len(b)%16
	return append(append([]byte{}, b...), bytes.Repeat([]byte{byte(n)}, n)...)
}

func unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errors.New("aes_decrypt: bad padding")
	}
	n := int(b[len(b)-1])
	if n == 0 || n > 16 || n > len(b) || !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("aes_decrypt: bad padding (wrong key?)")
	}
	return b[:len(b)-n], nil
}

// validUTF8 replaces each byte that is not part of valid UTF-8 with U+FFFD,
// as Java's decoder does.
func validUTF8(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			s.WriteRune(utf8.RuneError)
			b = b[1:]
			continue
		}
		s.Write(b[:n])
		b = b[n:]
	}
	return s.String()
}
