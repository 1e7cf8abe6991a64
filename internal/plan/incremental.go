package plan

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/flare-lakehouse/flare/internal/database"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Incremental jobs (docs/incremental.md). An input with incremental reads
// its data into the view Context; each key's SQL, with the $|name| of the
// keys before it replaced as text, gives one value (a saved value replaces
// the SQL); the input's view is incremental.sql over Context with every
// $|name| replaced. The saved values live in the snapshot summaries of the
// job's Iceberg outputs, committed with their rows (lakehouse.State), under
// StatePrefix(job, input). Since the values are known only when the job
// runs, the SQL is kept in Spark's dialect here and goes through Front at
// run time; compiling binds it with a value of each key's type.

// Incremental is an input read incrementally (Read.Incremental).
type Incremental struct {
	// Mode is "" for Flare's keys and state, "snapshots" for the rows
	// appended to an Iceberg input since the snapshot the last run read
	// (saved as key SnapshotKey).
	Mode string `json:",omitempty"`
	// Context is the view that holds the input's whole data; the read
	// defines it, and Read.View is the result of SQL over it.
	Context string
	// SQL is incremental.sql in Spark SQL, with its $|name| markers.
	SQL string
	// Keys are evaluated in order when the job runs.
	Keys []IncrementalKey
	// Save lists the values saved after a successful run: key Value's value
	// under the name Key.
	Save []StateSave `json:",omitempty"`
	// Prefix starts this input's keys in the job state of the job's Iceberg
	// outputs: flare.state.incremental/<job>/<input>/.
	Prefix string
	// Pos is where incremental.sql is, for errors at run time.
	Pos spec.Pos
}

// IncrementalKey is one key: its SQL (Spark SQL, with the $|name| of
// earlier keys) gives one value.
type IncrementalKey struct {
	Name string
	SQL  string
	Pos  spec.Pos
}

// StateSave saves the value of key Value under the name Key.
type StateSave struct {
	Key, Value string
}

// StateTable is an Iceberg output of a job: each holds the job's state.
type StateTable struct {
	TableRef
	Branch string `json:",omitempty"`
	// Output is the output's view, for messages.
	Output string
}

// SnapshotKey is the state key of mode snapshots: the id of the last
// snapshot of the input that a run read.
const SnapshotKey = "snapshot"

// snapshotsRead compiles incremental mode snapshots: an Iceberg input
// whose view holds the rows appended since the snapshot the last run read.
func (jc *jobCompiler) snapshotsRead(ctx context.Context, in *manifest.Input, what string) *Read {
	cp := *in
	cp.Incremental = nil
	r := jc.read(ctx, &cp)
	if r == nil {
		return nil
	}
	switch {
	case r.Table == nil:
		jc.errAt(in.Incremental.Pos, "%s: mode snapshots reads an Iceberg table; %s is not one", what, in.Dataset)
		return nil
	case r.Table.Appends != nil:
		jc.errAt(in.OptionsPos, "%s: mode snapshots chooses the snapshots itself: give no start-/end-snapshot-id or start-/end-timestamp", what)
		return nil
	case r.Table.At.SnapshotID != 0 || r.Table.At.Tag != "" || !r.Table.At.AsOf.IsZero():
		jc.errAt(in.OptionsPos, "%s: mode snapshots reads up to the branch head: give no snapshot-id, tag or as-of-timestamp", what)
		return nil
	}
	r.Incremental = &Incremental{Mode: "snapshots", Prefix: StatePrefix(jc.job.Name, in.Name), Save: []StateSave{{Key: SnapshotKey}}, Pos: in.Incremental.Pos}
	return r
}

// FilesKey is the state key of mode files: the files of the input that
// runs have read (FilesState).
const FilesKey = "files"

// filesRead compiles incremental mode files: a file input whose view holds
// the rows of the files that no earlier run read.
func (jc *jobCompiler) filesRead(ctx context.Context, in *manifest.Input, what string) *Read {
	cp := *in
	cp.Incremental = nil
	r := jc.read(ctx, &cp)
	if r == nil {
		return nil
	}
	switch {
	case r.File == nil:
		jc.errAt(in.Incremental.Pos, "%s: mode files reads a file dataset (csv, json, parquet, ...); %s is not one (mode snapshots reads an Iceberg table's new rows)", what, in.Dataset)
		return nil
	case r.File.Source.Store != nil:
		jc.errAt(in.Incremental.Pos, "%s: not supported yet: incremental mode files on object storage (docs/incremental.md)", what)
		return nil
	}
	r.Incremental = &Incremental{Mode: "files", Prefix: StatePrefix(jc.job.Name, in.Name), Save: []StateSave{{Key: FilesKey}}, Pos: in.Incremental.Pos}
	return r
}

// KeyView is the temporary view a key's SQL is defined as to read its
// value.
const KeyView = "__flare_incremental_key"

// StatePrefix is the start of the state keys of a job's incremental input.
func StatePrefix(job, input string) string {
	return lakehouse.StatePrefix + "incremental/" + job + "/" + input + "/"
}

// JobStatePrefix is the start of every incremental state key of a job.
func JobStatePrefix(job string) string {
	return lakehouse.StatePrefix + "incremental/" + job + "/"
}

// Incremental reports whether any input of the job is read incrementally.
func (j *Job) Incremental() bool {
	for _, r := range j.Reads {
		if r.Incremental != nil {
			return true
		}
	}
	return false
}

// StateTables are the job's Iceberg outputs (tables and merges), in the
// order they are written: each commits the job's state with its rows.
func (j *Job) StateTables() []StateTable {
	var out []StateTable
	for _, w := range j.Writes {
		switch {
		case w.Table != nil:
			out = append(out, StateTable{TableRef: TableRef{Depot: w.Table.Depot, Table: w.Table.Spec.Table}, Branch: w.Table.Spec.Branch, Output: w.View})
		case w.Merge != nil:
			out = append(out, StateTable{TableRef: TableRef{Depot: w.Merge.Depot, Table: w.Merge.Spec.Table}, Branch: w.Merge.Spec.Branch, Output: w.View})
		}
	}
	return out
}

// markerRE matches $|name|.
var markerRE = regexp.MustCompile(`\$\|([^|\s]+)\|`)

// Substitute replaces every $|name| of text by values[name]; a name
// without a value is an error.
func Substitute(text string, values map[string]string) (string, error) {
	var missing []string
	out := markerRE.ReplaceAllStringFunc(text, func(m string) string {
		name := markerRE.FindStringSubmatch(m)[1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("$|%s| names no key defined before it", missing[0])
	}
	return out, nil
}

// incrementalRead compiles an input with incremental: the input's data is
// read as the view Context, then the input's view is incremental.sql over
// it.
func (jc *jobCompiler) incrementalRead(ctx context.Context, in *manifest.Input) *Read {
	inc := in.Incremental
	what := "job " + jc.job.Name + ", input " + in.Name + ", incremental"
	switch inc.Mode {
	case "snapshots":
		return jc.snapshotsRead(ctx, in, what)
	case "files":
		return jc.filesRead(ctx, in, what)
	case "":
	default:
		jc.errAt(inc.Pos, "%s: not supported yet: incremental mode %s (docs/incremental.md)", what, inc.Mode)
		return nil
	}
	if strings.EqualFold(inc.Context, in.Name) {
		jc.errAt(inc.Pos, "%s: context %s must differ from the input's name (the input is the result of sql over context)", what, inc.Context)
		return nil
	}
	for _, other := range jc.job.Inputs {
		if other != in && strings.EqualFold(other.Name, inc.Context) {
			jc.errAt(inc.Pos, "%s: context %s is the name of another input", what, inc.Context)
			return nil
		}
	}
	for _, st := range jc.job.Steps {
		if strings.EqualFold(st.Name, inc.Context) {
			jc.errAt(inc.Pos, "%s: context %s is the name of a step", what, inc.Context)
			return nil
		}
	}
	cp := *in
	cp.Name, cp.Incremental, cp.Cache = inc.Context, nil, false
	r := jc.read(ctx, &cp)
	if r == nil {
		return nil
	}
	r.View, r.Cache = in.Name, in.Cache
	pi := &Incremental{Context: inc.Context, SQL: inc.SQL, Prefix: StatePrefix(jc.job.Name, in.Name), Pos: inc.SQLPos}
	// Keys are bound with a value of their type in place of $|name|: the
	// values are known only when the job runs.
	sample := map[string]string{}
	bad := false
	for _, k := range inc.Keys {
		kw := fmt.Sprintf("%s, key %s", what, k.Name)
		if k.Name == "" || strings.ContainsAny(k.Name, "|/ \t\n") {
			jc.errAt(k.Pos, "%s: a key needs a name without |, / or spaces", kw)
			bad = true
			continue
		}
		if _, dup := sample[k.Name]; dup {
			jc.errAt(k.Pos, "%s: key %s is defined twice", kw, k.Name)
			bad = true
			continue
		}
		text, err := Substitute(k.SQL, sample)
		if err != nil {
			jc.errAt(k.SQLPos, "%s: %v", kw, err)
			bad = true
			break
		}
		q := jc.query(ctx, text, flowPos(k.SQLPos, text), kw)
		if q == nil {
			bad = true
			break
		}
		if err := jc.ses.DefineRewritten(ctx, KeyView, q.src); err != nil {
			jc.viewErr(err, text, flowPos(k.SQLPos, text), kw)
			bad = true
			break
		}
		_, types, err := jc.ses.Columns(ctx, KeyView)
		if err != nil {
			jc.viewErr(err, text, flowPos(k.SQLPos, text), kw)
			bad = true
			break
		}
		if len(types) != 1 {
			jc.errAt(k.SQLPos, "%s: the key's SQL gives %d columns; it must give one value", kw, len(types))
			bad = true
			continue
		}
		sample[k.Name] = sampleValue(types[0])
		pi.Keys = append(pi.Keys, IncrementalKey{Name: k.Name, SQL: k.SQL, Pos: k.SQLPos})
	}
	seen := map[string]bool{}
	for _, s := range inc.State {
		if _, ok := sample[s.Value]; !ok && !bad {
			jc.errAt(s.Pos, "%s: state saves the value of %q, which is not a key (keys: %s)", what, s.Value, keyNames(inc.Keys))
			bad = true
		}
		if _, ok := sample[s.Key]; !ok && !bad {
			jc.errAt(s.Pos, "%s: state saves under %q, which is not a key: a saved value replaces that key's SQL on the next run (keys: %s)", what, s.Key, keyNames(inc.Keys))
			bad = true
		}
		if seen[s.Key] {
			jc.errAt(s.Pos, "%s: state saves %q twice", what, s.Key)
			bad = true
		}
		seen[s.Key] = true
		pi.Save = append(pi.Save, StateSave{Key: s.Key, Value: s.Value})
	}
	if bad {
		return nil
	}
	text, err := Substitute(inc.SQL, sample)
	if err != nil {
		jc.errAt(inc.SQLPos, "%s: sql: %v", what, err)
		return nil
	}
	at := flowPos(inc.SQLPos, text)
	q := jc.query(ctx, text, at, what+": sql")
	if q == nil {
		return nil
	}
	if err := jc.ses.DefineRewritten(ctx, in.Name, q.src); err != nil {
		jc.viewErr(err, text, at, what+": sql")
		return nil
	}
	r.Incremental = pi
	return jc.finishRead(ctx, r, what)
}

func keyNames(keys []*manifest.IncrementalKey) string {
	if len(keys) == 0 {
		return "none"
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
	}
	return strings.Join(names, ", ")
}

// sampleValue is a value of an engine type, as text, used in place of a
// key's $|name| when binding at compile time.
func sampleValue(typ string) string {
	t := strings.ToUpper(typ)
	switch {
	case strings.HasPrefix(t, "TIMESTAMP"):
		return "2000-01-01 00:00:00"
	case t == "DATE":
		return "2000-01-01"
	case strings.HasPrefix(t, "TIME"):
		return "00:00:00"
	case t == "BOOLEAN":
		return "true"
	case strings.Contains(t, "INT"), strings.HasPrefix(t, "DECIMAL"), t == "DOUBLE", t == "FLOAT", t == "REAL":
		return "0"
	}
	return "x"
}

// incrementalOutputs checks the outputs of a job with an incremental
// input: its state is committed with the rows of its Iceberg outputs, so
// it needs one; other outputs must be idempotent (a rerun of a window
// after a crash between outputs replaces what the first try wrote), and
// the runner writes them before the Iceberg outputs.
func (jc *jobCompiler) incrementalOutputs() {
	var first *Read
	for _, r := range jc.pj.Reads {
		if r.Incremental != nil {
			first = r
			break
		}
	}
	if first == nil {
		return
	}
	what := "job " + jc.job.Name
	if len(jc.pj.Writes) < len(jc.job.Outputs) {
		return // an output failed to compile, and was reported
	}
	if len(jc.pj.StateTables()) == 0 {
		jc.errAt(first.Pos, "%s, input %s: an incremental input needs an Iceberg output: the job's state is committed with its rows (docs/incremental.md)", what, first.View)
	}
	for _, w := range jc.pj.Writes {
		switch {
		case w.Table != nil && w.Table.IfExists != WriteAnyway:
			jc.errAt(w.Pos, "%s, output %s: saveMode %s would skip or refuse every run after the first, and the state would never move on: use append or overwrite in an incremental job", what, w.View, w.Table.IfExists)
		case w.File != nil && w.File.Sink.Mode != "" && w.File.Sink.Mode != "overwrite":
			jc.errAt(w.Pos, "%s, output %s: a file output of an incremental job must overwrite (saveMode %s): only Iceberg outputs hold the job's state, so a file output is written again when a run is repeated (docs/incremental.md)", what, w.View, w.File.Sink.Mode)
		case w.Database != nil && w.Database.Options.SaveMode != database.Overwrite && w.Database.Options.SaveMode != database.Upsert && w.Database.Options.SaveMode != "":
			jc.errAt(w.Pos, "%s, output %s: a database output of an incremental job must overwrite or upsert (saveMode %s): only Iceberg outputs hold the job's state, so a database output is written again when a run is repeated (docs/incremental.md)", what, w.View, w.Database.Options.SaveMode)
		}
	}
}

// IncrementalQuery compiles a key's or incremental.sql's text, once its
// $|name| markers are replaced, when the job runs: it goes through Front
// and the lakehouse tables it names are listed for the runner to bind.
func IncrementalQuery(ctx context.Context, env *Env, ses *engine.Session, text string) (*Query, error) {
	return CompileQuery(ctx, env, ses, text)
}

// text prints an incremental read for flare plan.
func (inc *Incremental) text() string {
	if inc == nil {
		return ""
	}
	var b strings.Builder
	switch inc.Mode {
	case "snapshots":
		fmt.Fprintf(&b, "         %-16s incremental: the rows appended since the snapshot the last run read (state %s%s)\n", "", inc.Prefix, SnapshotKey)
		return b.String()
	case "files":
		fmt.Fprintf(&b, "         %-16s incremental: the files no earlier run read (state %s%s)\n", "", inc.Prefix, FilesKey)
		return b.String()
	}
	fmt.Fprintf(&b, "         %-16s incremental over view %s: %s\n", "", inc.Context, oneLine(inc.SQL, 60))
	for _, k := range inc.Keys {
		fmt.Fprintf(&b, "         %-16s key %s: %s\n", "", k.Name, oneLine(k.SQL, 60))
	}
	for _, s := range inc.Save {
		fmt.Fprintf(&b, "         %-16s save %s = %s (state %s%s)\n", "", s.Key, s.Value, inc.Prefix, s.Key)
	}
	return b.String()
}

// appendRange reads an Iceberg input's start-snapshot-id, end-snapshot-id,
// start-timestamp and end-timestamp into tr.Appends. It reports false
// after reporting a problem.
func (jc *jobCompiler) appendRange(in *manifest.Input, opts *spec.Values, tr *TableRead, what string) bool {
	from, to := opts.Int("start-snapshot-id"), opts.Int("end-snapshot-id")
	fromMS, toMS := opts.Int("start-timestamp"), opts.Int("end-timestamp")
	if from == 0 && to == 0 && fromMS == 0 && toMS == 0 {
		return true
	}
	at := tr.At
	switch {
	case at.SnapshotID != 0 || at.Tag != "" || !at.AsOf.IsZero():
		jc.errAt(in.OptionsPos, "%s: start-/end-snapshot-id and start-/end-timestamp read a range of appends: give no snapshot-id, tag or as-of-timestamp with them", what)
		return false
	case from != 0 && fromMS != 0, to != 0 && toMS != 0:
		jc.errAt(in.OptionsPos, "%s: give the range's start (and end) as a snapshot id or as a timestamp, not both", what)
		return false
	case from == 0 && fromMS == 0:
		jc.errAt(in.OptionsPos, "%s: an end of an incremental read needs its start (start-snapshot-id or start-timestamp)", what)
		return false
	case in.Incremental != nil && in.Incremental.Mode != "":
		jc.errAt(in.OptionsPos, "%s: incremental mode %s chooses the snapshots itself: give no start-/end-snapshot-id or start-/end-timestamp", what, in.Incremental.Mode)
		return false
	}
	ar := &lakehouse.AppendRange{From: from, To: to, Branch: at.Branch}
	if fromMS != 0 {
		ar.FromTime = time.UnixMilli(fromMS).UTC()
	}
	if toMS != 0 {
		ar.ToTime = time.UnixMilli(toMS).UTC()
	}
	tr.Appends = ar
	return true
}
