package manifest

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// actionOptions are the options each action takes, by camelCase name
// (snake_case is accepted too).
var actionOptions = map[string][]string{
	"rewrite_dataset":     {"strategy", "sortOrder", "where", "properties", "targetSizeInBytes", "dryRun"},
	"rewrite_manifest":    {"useCaching", "specId", "dryRun"},
	"expire_snapshots":    {"olderThanMillis", "expireOlderThan", "olderThanTimestamp", "snapshotIds", "expireSnapshotId", "retainLast", "maxConcurrentDeletes", "streamDeleteResults", "dryRun"},
	"remove_orphans":      {"olderThan", "olderThanMillis", "olderThanTimestamp", "location", "dryRun", "maxConcurrentDeletes"},
	"delete_from_dataset": {"dryRun"},
}

// ActionNames lists the maintenance actions the manifest accepts.
func ActionNames() []string { return mapKeys(actionOptions) }

func (d *decoder) actions(n *yaml.Node) []*Action {
	var out []*Action
	for _, an := range d.seq(n, "actions") {
		if a := d.action(an); a != nil {
			out = append(out, a)
		}
	}
	return out
}

func (d *decoder) action(n *yaml.Node) *Action {
	m := d.mapping(n, "an action", []string{"name", "input", "options", "deleteWhere", "dryRun"}, nil)
	if m == nil {
		return nil
	}
	a := &Action{Pos: d.pos(n), Options: map[string]string{}}
	a.Name = d.lower(m.get("name"), "action name")
	allowed, known := actionOptions[a.Name]
	switch {
	case a.Name == "":
		d.errorf(n, "an action needs a name (%s)", strings.Join(ActionNames(), ", "))
		return nil
	case !known:
		d.errorf(m.get("name"), "unknown action %q%s", resolve(m.get("name")).Value, hint(a.Name, ActionNames()))
		return nil
	}
	a.Input = d.str(m.get("input"), "input")
	a.DeleteWhere = d.str(m.get("deleteWhere"), "deleteWhere")
	switch {
	case a.Name == "delete_from_dataset" && strings.TrimSpace(a.DeleteWhere) == "":
		d.errorf(n, "action delete_from_dataset needs deleteWhere (a condition over the table, aliased target)")
	case a.Name != "delete_from_dataset" && m.has("deleteWhere"):
		d.errAt(d.keyPos(m, "deleteWhere"), "deleteWhere applies to delete_from_dataset only, not %s", a.Name)
	}
	a.DryRun = d.boolean(m.get("dryRun"), "dryRun")
	om := d.mapping(m.get("options"), "options of action "+a.Name, allowed, misplaced{
		"deleteWhere": "deleteWhere sits on the action itself, not under options",
	})
	if om == nil {
		return a
	}
	for k, v := range om.vals {
		switch k {
		case "dryRun":
			a.DryRun = a.DryRun || d.boolean(v, "dryRun")
		case "properties":
			a.Properties = d.strMap(v, "rewrite_dataset properties")
		default:
			s, ok := scalarText(v)
			if !ok {
				d.errorf(v, "expected option %s of action %s to be a value or a list of values, found %s", k, a.Name, describe(v))
				continue
			}
			a.Options[k] = s
		}
	}
	if sn := om.get("strategy"); sn != nil {
		a.Options["strategy"] = d.oneOf(sn, "rewrite strategy", "binpack", "sort")
	}
	return a
}
