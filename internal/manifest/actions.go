package manifest

import (
	"strings"

	"github.com/flare-lakehouse/flare/internal/spec"
)

// ActionNames lists the maintenance actions the manifest accepts.
func ActionNames() []string { return spec.Actions.Names() }

func (d *decoder) action(m *spec.Values) *Action {
	a := &Action{Pos: m.Pos}
	nv := m.Get("name")
	if nv == nil {
		return nil // the spec reported the missing name
	}
	a.Name = strings.ToLower(strings.TrimSpace(nv.Str))
	o := spec.Actions.Get(a.Name)
	if o == nil {
		d.errAt(nv.Pos, "unknown action %q%s", nv.Str, spec.Hint(a.Name, ActionNames()))
		m.Use(m.Keys()...)
		return nil
	}
	a.Input = m.Str("input")
	if wv := m.Get("deleteWhere"); wv != nil {
		a.DeleteWhere, a.DeleteWherePos = wv.Str, d.textPos(wv)
	}
	switch {
	case a.Name == "delete_from_dataset" && strings.TrimSpace(a.DeleteWhere) == "":
		d.errAt(m.Pos, "action delete_from_dataset needs deleteWhere (a condition over the table, aliased target)")
	case a.Name != "delete_from_dataset" && m.Has("deleteWhere"):
		d.errAt(m.KeyPos("deleteWhere"), "deleteWhere applies to delete_from_dataset only, not %s", a.Name)
	}
	a.DryRun = m.Bool("dryRun")
	if ov := m.Get("options"); ov != nil {
		a.Options = d.Decode(ov.Node, o) // read by the compile step, which checks that every key was used
	}
	if a.Options == nil {
		a.Options = spec.NewValues(o, m.Pos)
	}
	if a.Options.Has("dryRun") {
		a.DryRun = a.DryRun || a.Options.Bool("dryRun")
	}
	return a
}
