package manifest

import (
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Incremental is an input's incremental read (inputs[].incremental): in
// Flare's form, the input's data is the view Context, each key's SQL gives
// one value used as $|name| in SQL and in later keys' SQL, the input is
// the result of SQL, and each State entry saves a key's value for the next
// run. Mode "snapshots" or "files" reads only what is new since the last
// run without keys.
type Incremental struct {
	Mode    string `json:",omitempty"`
	Context string `json:",omitempty"`
	SQL     string `json:",omitempty"`
	// SQLPos is where SQL starts.
	SQLPos Pos                 `json:",omitzero"`
	Keys   []*IncrementalKey   `json:",omitempty"`
	State  []*IncrementalState `json:",omitempty"`
	Pos    Pos
}

// IncrementalKey is one incremental.keys[] entry.
type IncrementalKey struct {
	Name, SQL string
	// SQLPos is where SQL starts.
	SQLPos Pos
	Pos    Pos
}

// IncrementalState is one incremental.state[] entry: after a run, the value
// of key Value is saved under Key.
type IncrementalState struct {
	Key, Value string
	Pos        Pos
}

func (d *decoder) incremental(in *Input, m *spec.Values) *Incremental {
	inc := &Incremental{Pos: m.Pos, Mode: m.Str("mode"), Context: m.Str("context"), SQL: m.Str("sql")}
	if m.Has("sql") {
		inc.SQLPos = m.ValuePos("sql")
	}
	for _, k := range m.Objs("keys") {
		ik := &IncrementalKey{Name: k.Str("name"), SQL: k.Str("sql"), Pos: k.Pos}
		if k.Has("sql") {
			ik.SQLPos = k.ValuePos("sql")
		}
		inc.Keys = append(inc.Keys, ik)
	}
	for _, s := range m.Objs("state") {
		inc.State = append(inc.State, &IncrementalState{Key: s.Str("key"), Value: s.Str("value"), Pos: s.Pos})
	}
	what := label("input", in.Name) + ": incremental"
	switch {
	case m.Given("mode"):
		if inc.Context != "" || inc.SQL != "" || len(inc.Keys) > 0 || len(inc.State) > 0 {
			d.errAt(m.KeyPos("mode"), "%s: mode %s keeps its own state: give no context, sql, keys or state", what, inc.Mode)
		}
	default:
		if inc.Context == "" || inc.SQL == "" {
			d.errAt(m.Pos, "%s needs context (the view of the whole dataset) and sql (the query over it that is the input), or a mode (snapshots, files)", what)
		}
	}
	return inc
}
