package manifest

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// varProblem is a ${...} that could not be filled, at an offset of the text.
type varProblem struct {
	Off int
	Msg string
}

// expandVars replaces every ${name} in s with lookup(name). "$${" stands
// for a literal "${". Flare's $|key| is left alone. Problems (unset or
// malformed variables) are returned with their offsets in s.
func expandVars(s string, lookup func(string) (string, bool)) (string, []varProblem) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var probs []varProblem
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "$${") {
			b.WriteString("${")
			i += 3
			continue
		}
		if !strings.HasPrefix(s[i:], "${") {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			probs = append(probs, varProblem{Off: i, Msg: "unterminated ${ (write $${ for a literal ${)"})
			b.WriteString(s[i:])
			break
		}
		name := s[i+2 : i+2+end]
		switch {
		case !validVarName(name):
			probs = append(probs, varProblem{Off: i, Msg: fmt.Sprintf("bad variable name %q in ${%s} (letters, digits, '_', '.', '-'; write $${ for a literal ${)", name, name)})
		default:
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				probs = append(probs, varProblem{Off: i, Msg: fmt.Sprintf("variable ${%s} is not set; pass --var %s=... or set the environment variable %s", name, name, name)})
			}
		}
		i += 2 + end + 1
	}
	return b.String(), probs
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '.' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// lookup fills variables from Options.Vars, then Options.LookupEnv.
func (o Options) lookup(name string) (string, bool) {
	if v, ok := o.Vars[name]; ok {
		return v, true
	}
	if o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	return "", false
}

// expandTree substitutes variables in every scalar value of the tree (keys
// are left alone). It records the spans of a changed scalar before the
// change, so that later errors inside it still point near the right place.
func (d *decoder) expandTree(n *yaml.Node, isKey bool, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			d.expandTree(c, false, seen)
		}
	case yaml.MappingNode:
		for i, c := range n.Content {
			d.expandTree(c, i%2 == 0, seen)
		}
	case yaml.ScalarNode:
		if isKey || !strings.Contains(n.Value, "${") {
			return
		}
		spans := scalarSpans(d.lines, n)
		v, probs := expandVars(n.Value, d.opt.lookup)
		for _, p := range probs {
			d.errAt(spanPos(d.File, spans, p.Off), "%s", p.Msg)
		}
		n.Value = v
		if n.Style == 0 || n.Style == yaml.TaggedStyle {
			n.Tag = "" // let the filled-in text decide: ${n} may be a number
		}
	}
}
