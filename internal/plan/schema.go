package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/objstore"
)

// maxSchemaFile bounds the size of a schemaPath file: a schema, not data.
const maxSchemaFile = 4 << 20

// hasSchema reports whether an input names and types its columns itself.
func hasSchema(in *manifest.Input) bool {
	return in.SchemaString != "" || in.SchemaPath != "" || in.Schema != "" || in.SchemaType != ""
}

// inputSchema returns the Spark StructType JSON that names and types a file
// input's columns, from schemaString, schemaPath or schema, written as
// schemaType says or, without schemaType, as the text shows (an Avro record,
// a Spark struct, or DDL; docs/inputs-outputs.md#schemas). It returns ""
// when the input gives no schema, and ok false after reporting an error.
// about says, for flare plan, what the schema was read from and how its form
// was decided.
func (jc *jobCompiler) inputSchema(ctx context.Context, in *manifest.Input, loc *depot.Location, what string) (js, about string, ok bool) {
	fail := func(format string, args ...any) (string, string, bool) {
		jc.errAt(in.SchemaPos, "%s: "+format, append([]any{what}, args...)...)
		return "", "", false
	}
	var given []string
	for _, g := range []struct{ key, val string }{{"schemaString", in.SchemaString}, {"schemaPath", in.SchemaPath}, {"schema", in.Schema}} {
		if g.val != "" {
			given = append(given, g.key)
		}
	}
	switch {
	case len(given) == 0 && in.SchemaType != "":
		return fail("schemaType says how schemaPath or schemaString is written: give one of them")
	case len(given) == 0:
		return "", "", true
	case len(given) > 1:
		return fail("the schema is given as %s: give one", strings.Join(given, " and "))
	}
	for _, e := range in.Options {
		if strings.EqualFold(e.Key, "schema") {
			jc.errAt(e.KeyPos, "%s: the schema is given twice, as %s and as the reader option schema: give one", what, given[0])
			return "", "", false
		}
	}
	text := in.SchemaString + in.Schema
	from := given[0]
	if in.SchemaPath != "" {
		t, file, err := jc.schemaFile(ctx, in.SchemaPath, loc)
		if err != nil {
			return fail("schemaPath %s: %v", in.SchemaPath, err)
		}
		text, from = t, "schema file "+file
	}
	kind, err := connector.SchemaKind(text)
	if err != nil {
		return fail("%s: %v", from, err)
	}
	how := "found from the text"
	if in.SchemaType != "" {
		want := schemaKindOf(in.SchemaType)
		if want != kind {
			return fail("schemaType is %s, but %s is written as %s", in.SchemaType, from, kindName(kind))
		}
		how = "schemaType " + in.SchemaType
	}
	js, err = connector.SparkSchema(text, kind)
	if err != nil {
		return fail("%s (%s): %v", from, kindName(kind), err)
	}
	return js, kindName(kind) + " from " + from + " (" + how + ")", true
}

// schemaKindOf maps a schemaType value to the connector's schema kind.
func schemaKindOf(schemaType string) string {
	switch schemaType {
	case "avro":
		return connector.SchemaAvro
	case "sparkDDL":
		return connector.SchemaDDL
	}
	return connector.SchemaSpark // spark, sparkJson
}

func kindName(kind string) string {
	switch kind {
	case connector.SchemaAvro:
		return "an Avro record schema"
	case connector.SchemaSpark:
		return "a Spark struct (JSON)"
	}
	return "a DDL column list"
}

// schemaFile reads a schemaPath: a dataos:// address (in a file depot, or
// a file in a lakehouse depot's folder), or a path relative to the folder
// of the input's depot. Either way the file must lie inside its depot.
func (jc *jobCompiler) schemaFile(ctx context.Context, p string, in *depot.Location) (text, file string, err error) {
	addr := p
	if !strings.HasPrefix(p, "dataos://") {
		if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
			return "", "", fmt.Errorf("%w: an absolute path; give the schema file as a dataos:// address or a path inside depot %s", depot.ErrEscape, in.Depot.Name)
		}
		addr = "dataos://" + in.Depot.Name + ":" + depot.NoCollection + "/" + p
	}
	loc, err := jc.env.Config.ResolveFile(addr)
	if err != nil {
		return "", "", err
	}
	if loc.Depot.OnObjectStorage() {
		store, err := loc.Depot.OpenStore(ctx)
		if err != nil {
			return "", "", err
		}
		_, key, err := objstore.ParseURL(loc.Path)
		if err != nil {
			return "", "", err
		}
		r, err := store.Get(ctx, key)
		if err != nil {
			return "", "", err
		}
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, maxSchemaFile+1))
		if err != nil {
			return "", "", fmt.Errorf("read %s: %w", loc.Path, err)
		}
		if len(b) > maxSchemaFile {
			return "", "", fmt.Errorf("%s is larger than %d bytes: not a schema", loc.Path, maxSchemaFile)
		}
		return string(b), loc.Path, nil
	}
	st, err := os.Stat(loc.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", "", fmt.Errorf("no file %s", loc.Path)
	case err != nil:
		return "", "", err
	case st.IsDir():
		return "", "", fmt.Errorf("%s is a folder, not a schema file", loc.Path)
	case st.Size() > maxSchemaFile:
		return "", "", fmt.Errorf("%s is larger than %d bytes: not a schema", loc.Path, maxSchemaFile)
	}
	b, err := os.ReadFile(loc.Path)
	if err != nil {
		return "", "", err
	}
	return string(b), loc.Path, nil
}

// schemaColumns are the columns a reader gives for a checked schema.
func schemaColumns(structJSON string) []Column {
	names, types, err := connector.SchemaColumns(structJSON)
	if err != nil {
		return nil // checked by SparkSchema already
	}
	cols := make([]Column, len(names))
	for i := range names {
		cols[i] = Column{Name: names[i], Type: types[i]}
	}
	return cols
}
