package plan

import (
	"strings"

	"github.com/flare-lakehouse/flare/internal/functions"
)

// DataOS's Flare adds metadata columns (__metadata_dataos_run_mapper_id,
// ...) to the rows it reads; manifests written for it drop them. Flare-Go's
// reads add none, so a drop of such a column that the rows do not have has
// nothing to do: it is left out of the chain with a note, while any other
// unknown column stays an error.

// metadataPrefix starts the names of the columns DataOS's reads add.
const metadataPrefix = "__metadata"

// dropMetadataColumns removes from the drop functions that start the chain
// the __metadata* columns in (the step's rows) does not have, noting each
// (a drop left with none keeps every column). A drop after another
// function is left alone: that function may have made the column.
func (jc *jobCompiler) dropMetadataColumns(calls []*functions.Call, in functions.Schema, what string) []*functions.Call {
	var out []*functions.Call
	leading := true
	for _, c := range calls {
		d, ok := c.Function.(*functions.Drop)
		if !ok || !leading {
			leading = false
			out = append(out, c)
			continue
		}
		var keep []string
		for _, n := range d.Columns {
			if strings.HasPrefix(strings.ToLower(n), metadataPrefix) && in.Index(n) < 0 {
				at := c.Pos
				if p, ok := c.OptionPos["columns"]; ok {
					at = p
				}
				jc.notes.Add(specPos(at), "%s: function drop (#%d): column %s is one DataOS's reads add; Flare-Go's reads do not, so there is nothing to drop", what, c.Index, n)
				continue
			}
			keep = append(keep, n)
		}
		out = append(out, &functions.Call{Function: &functions.Drop{Columns: keep}, Index: c.Index, Pos: c.Pos, OptionPos: c.OptionPos})
	}
	return out
}
