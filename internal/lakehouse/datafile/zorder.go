package datafile

import (
	"fmt"
	"strings"

	"github.com/apache/iceberg-go"
)

// MaxZOrderColumns is the most columns a z-order interleaves: each gets
// 62/k bits of the 62-bit z-value (31 bits each for two columns).
const MaxZOrderColumns = 8

// ZOrderSQL returns a query over source (the rows of one rewrite group,
// whose columns are sc's) that orders its rows by the Morton (z-)order of
// cols, as Iceberg's zorder rewrite clusters them: each column's values
// are replaced by their rank among the group's distinct values (NULL
// first), scaled to the same number of bits, and the bits of the columns
// are interleaved, most significant first. Rows close in every column get
// close z-values, so files written in z-order cover small ranges of each
// column and a filter on any of them prunes files. Ranks instead of
// Iceberg's byte encodings of the values spread skewed and clustered
// columns over the whole range; the order is the same for every type that
// has one. name names the table in errors.
func ZOrderSQL(source string, sc *iceberg.Schema, cols []string, name string) (string, error) {
	k := len(cols)
	switch {
	case k == 0:
		return "", fmt.Errorf("%w: zorder needs columns: zorder(c1, c2)", ErrInvalidSpec)
	case k > MaxZOrderColumns:
		return "", fmt.Errorf("%w: zorder of %d columns: at most %d (each gets fewer bits of the z-value)", ErrInvalidSpec, k, MaxZOrderColumns)
	}
	bits := min(31, 62/k)
	// Each column's rank among its distinct values (1 up; NULL is 0),
	// scaled to bits and spread to its bit positions of the z-value, is
	// computed once per distinct value and joined to the rows: the rows
	// then only OR k numbers.
	from := source + " AS __flare_rewrite"
	var z []string
	seen := map[int]bool{}
	for i, c := range cols {
		f, ok := FindColumn(sc, c)
		if !ok {
			return "", fmt.Errorf("%w: zorder column %s is not a column of table %s", ErrInvalidSpec, c, name)
		}
		if seen[f.ID] {
			return "", fmt.Errorf("%w: zorder names column %s twice", ErrInvalidSpec, f.Name)
		}
		seen[f.ID] = true
		switch f.Type.(type) {
		case *iceberg.StructType, *iceberg.ListType, *iceberg.MapType:
			return "", fmt.Errorf("%w: zorder column %s is a %s, which has no order; give columns of simple types", ErrInvalidSpec, f.Name, f.Type)
		}
		col, zt := QuoteIdent(f.Name), fmt.Sprintf("__flare_z%d", i)
		// rank * 2^bits / (distinct values + 1): order-preserving, every
		// column spread over the same bits.
		ranked := fmt.Sprintf("SELECT __flare_v, CAST((CAST(row_number() OVER (ORDER BY __flare_v) AS HUGEINT) << %d) // (count(*) OVER () + 1) AS BIGINT) AS __flare_s"+
			" FROM (SELECT DISTINCT %s AS __flare_v FROM %s AS __flare_d WHERE %s IS NOT NULL)", bits, col, source, col)
		var spread []string
		for b := bits - 1; b >= 0; b-- {
			spread = append(spread, fmt.Sprintf("(((__flare_s >> %d) & 1) << %d)", b, b*k+k-1-i))
		}
		from += fmt.Sprintf(" LEFT JOIN (SELECT __flare_v, %s AS __flare_b FROM (%s)) AS %s ON __flare_rewrite.%s = %s.__flare_v",
			strings.Join(spread, " | "), ranked, zt, col, zt)
		z = append(z, "coalesce("+zt+".__flare_b, 0)")
	}
	return "SELECT __flare_rewrite.* FROM " + from + " ORDER BY " + strings.Join(z, " | "), nil
}
