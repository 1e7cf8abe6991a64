package spec

import (
	"fmt"
	"strings"
)

// Section is one part of the key reference: a heading and its objects.
type Section struct {
	Title   string
	Intro   string
	Objects []*ObjectSpec
}

// Reference lists every object of the spec, grouped as docs/reference.md
// shows them.
func Reference() []Section {
	return []Section{
		{Title: "Manifest", Intro: "The Workflow resource and the job, from the top down.", Objects: Tree(Workflow)},
		{Title: "Reader options", Intro: "`job.inputs[].options` of a lakehouse (Iceberg) input. The options of file formats (csv, json, parquet, text, avro, orc, xml, xlsx) are in [connectors.md](connectors.md).", Objects: []*ObjectSpec{IcebergRead}},
		{Title: "Kafka reader options", Intro: "`job.inputs[].options` of a Kafka stream input (`isStream: true` on a kafka depot's topic; docs/stream.md).", Objects: []*ObjectSpec{KafkaRead}},
		{Title: "Kafka writer options", Intro: "`job.outputs[].options.extraOptions` of an output to a Kafka topic (format `kafkajson`; docs/stream.md).", Objects: []*ObjectSpec{KafkaWrite}},
		{Title: "Writer options", Intro: "`job.outputs[].options.extraOptions` of a lakehouse (Iceberg) output. The options of file formats (csv, json, parquet, avro) are in [connectors.md](connectors.md).", Objects: []*ObjectSpec{IcebergWrite}},
		{Title: "Table properties", Intro: "`job.outputs[].options.iceberg.properties`.", Objects: []*ObjectSpec{TableProperties}},
		{Title: "Actions", Intro: "`job.actions[].options`, by the action's name. Options with a flag are also flags of the `flare table` command named in the heading.", Objects: append(variantObjects(Actions), RewriteProperties)},
		{Title: "Spark settings", Intro: "`sparkConf`, under the job, the stack section or the dag entry's spec.", Objects: []*ObjectSpec{SparkConf}},
	}
}

// Tree returns o and every object below it, depth first, each once.
func Tree(o *ObjectSpec) []*ObjectSpec {
	var out []*ObjectSpec
	seen := map[*ObjectSpec]bool{}
	var walk func(*ObjectSpec)
	walk = func(o *ObjectSpec) {
		if seen[o] {
			return
		}
		seen[o] = true
		out = append(out, o)
		for _, f := range o.Fields {
			if f.Object != nil {
				walk(f.Object)
			}
		}
	}
	walk(o)
	return out
}

func variantObjects(v *Variants) []*ObjectSpec {
	var out []*ObjectSpec
	for _, n := range v.Names() {
		out = append(out, v.Objects[n])
	}
	return out
}

// Markdown renders the reference as one page.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Manifest key reference\n\n")
	b.WriteString("<!-- Generated from internal/spec by `go test ./internal/spec -update`; do not edit by hand. -->\n\n")
	b.WriteString("Every key Flare-Go reads, with its type, default and meaning. Keys are matched in camelCase or\n")
	b.WriteString("snake_case; reader and writer options without regard to case. A key marked **not supported yet** is\n")
	b.WriteString("refused by `flare validate`; a key marked **no effect** is accepted and the plan says once that it\n")
	b.WriteString("changes nothing here. Any other key is an error with a \"did you mean\".\n")
	for _, s := range Reference() {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", s.Title, s.Intro)
		for _, o := range s.Objects {
			writeObject(&b, o)
		}
	}
	return b.String()
}

func writeObject(b *strings.Builder, o *ObjectSpec) {
	title := o.Path
	for name, obj := range Actions.Objects {
		if obj == o {
			title = fmt.Sprintf("%s (`flare table %s`)", o.Path, ActionCommands[name])
		}
	}
	fmt.Fprintf(b, "\n### %s\n\n", title)
	if o.Doc != "" {
		b.WriteString(o.Doc + "\n\n")
	}
	if len(o.Fields) == 0 {
		b.WriteString("No options.\n")
		return
	}
	b.WriteString("| Key | Type | Default | Meaning |\n|---|---|---|---|\n")
	for _, f := range o.Fields {
		key := "`" + f.Key + "`"
		for _, a := range f.Aliases {
			key += ", `" + a + "`"
		}
		if f.Flag != "" {
			key += " (flag `--" + f.Flag + "`)"
		}
		typ := f.Kind.String()
		switch f.Kind {
		case Enum:
			typ = strings.Join(f.Values, " | ")
		case Object, Objects:
			typ = fmt.Sprintf("%s (%s)", f.Kind, f.Object.Path)
		case Any:
			if f.Object != nil {
				typ = fmt.Sprintf("object (%s)", f.Object.Path)
			}
		}
		doc := f.Doc
		switch f.Status {
		case Refused:
			doc = "**not supported yet**: " + f.Note
		case NoEffect:
			doc = strings.TrimSpace("**no effect**: " + f.Note + ". " + f.Doc)
		}
		if f.Required {
			doc = "Required. " + doc
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", key, cell(typ), cell(f.Default), cell(doc))
	}
}

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ")
}
