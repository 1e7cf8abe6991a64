package plan

import (
	"strings"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// File formats' options are declared once, as the fields of the
// connector's option structs (connector.CSVReadOptions, ...: name,
// aliases, type, default, allowed values, status). ReaderSpec and
// WriterSpec turn a struct into the spec the decoder checks a manifest's
// options against; docs/connectors.md is generated from the same structs.

// ReaderSpec returns the spec of a file format's reader options
// (job.inputs[].options), or nil for a format files cannot be read in.
func ReaderSpec(format string) *spec.ObjectSpec {
	v, err := connector.NewReadOptions(format)
	if err != nil {
		return nil
	}
	return optionSpec("job.inputs[].options["+format+"]", format+" reader options", v)
}

// WriterSpec returns the spec of a file format's writer options
// (job.outputs[].options.extraOptions), or nil for a format files cannot
// be written in.
func WriterSpec(format string) *spec.ObjectSpec {
	v, err := connector.NewWriteOptions(format)
	if err != nil {
		return nil
	}
	o := optionSpec("job.outputs[].options.extraOptions["+format+"]", format+" writer options", v)
	o.Misplaced = map[string]string{
		"partitionBy":   "give partition columns as options.partitionBy",
		"overwriteMode": "overwrite-mode: dynamic applies to Iceberg tables only",
		"branch":        "branches are Iceberg's: a file output has none",
	}
	return o
}

func optionSpec(path, what string, v any) *spec.ObjectSpec {
	o := &spec.ObjectSpec{Path: path, What: what, Page: "docs/connectors.md", FoldCase: true}
	for _, f := range connector.OptionFields(v) {
		sf := &spec.Field{Key: f.Name, Aliases: f.Aliases, Default: f.Default, Doc: "See docs/connectors.md.", Note: f.Note}
		switch {
		case len(f.Enum) > 0:
			sf.Kind, sf.Values = spec.Enum, f.Enum
		case f.Type == "bool":
			sf.Kind = spec.Bool
		case f.Type == "int":
			sf.Kind = spec.Int
		default:
			sf.Kind = spec.String
		}
		switch f.Status {
		case "noeffect":
			sf.Status = spec.NoEffect
		case "refused":
			sf.Status = spec.Refused
		}
		o.Fields = append(o.Fields, sf)
	}
	return o
}

// readOptionsOf fills the connector's typed options of a format from
// decoded, checked values.
func readOptionsOf(format string, vs *spec.Values) (any, error) {
	return connector.ParseReadOptions(format, optionText(vs))
}

func writeOptionsOf(format string, vs *spec.Values) (any, error) {
	return connector.ParseWriteOptions(format, optionText(vs))
}

// optionText is the values as the connector's parser reads them: canonical
// names, values as written; no-effect options are left out.
func optionText(vs *spec.Values) map[string]string {
	out := map[string]string{}
	for _, k := range vs.Keys() {
		v := vs.Get(k)
		if v.Field != nil && v.Field.Status == spec.NoEffect {
			continue
		}
		out[k] = strings.TrimSpace(v.Str)
	}
	return out
}
