package plan_test

import (
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/plan"
	"github.com/flare-lakehouse/flare/internal/quality"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// TestAssertionKeysMatchQuality: the spec declares an assertion's keys (the
// spec package imports nothing of ours), and the quality package executes
// them; the two lists must be the same keys of the same kinds, for the
// job's and the output's assertions.
func TestAssertionKeysMatchQuality(t *testing.T) {
	for _, o := range []*spec.ObjectSpec{spec.Assertion, spec.OutputAssertion} {
		got := map[string]string{}
		for _, f := range o.Fields {
			got[f.Key] = f.Kind.String()
			if f.Object != nil {
				for _, sub := range f.Object.Fields {
					got[f.Key+"."+sub.Key] = sub.Kind.String()
				}
				got[f.Key] = "mapping"
			}
		}
		want := map[string]string{}
		for _, q := range quality.Options {
			want[q.Key] = q.Kind
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s.%s: spec says %q, quality.Options %q", o.Path, k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s.%s: declared in the spec, not in quality.Options", o.Path, k)
			}
		}
	}
}

// TestDefaultQualityTables: the spec's default addresses are the tables
// the quality package documents (lakehouse.sys.quality_checks, ...).
func TestDefaultQualityTables(t *testing.T) {
	for addr, want := range map[string]string{spec.DefaultQualityChecks: quality.DefaultChecksTable, spec.DefaultQualityMetrics: quality.DefaultMetricsTable} {
		a, err := depot.ParseAddress(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Depot + "." + a.Collection + "." + a.Dataset; got != want {
			t.Errorf("%s is %s, want %s", addr, got, want)
		}
	}
}

// TestFunctionSpecs: every function of the functions package has a spec
// whose keys are its options (plus name), so that each option is declared
// once.
func TestFunctionSpecs(t *testing.T) {
	specs := plan.FunctionSpecs()
	if len(specs) != len(plan.FunctionNames()) || len(specs) != 42 {
		t.Fatalf("%d function specs for %d functions, want 42", len(specs), len(plan.FunctionNames()))
	}
	for _, o := range specs {
		name := strings.TrimPrefix(o.What, "function ")
		if plan.FunctionSpec(strings.ToUpper(name)) == nil {
			t.Errorf("FunctionSpec(%q) is nil", strings.ToUpper(name))
		}
		if o.Fields[0].Key != "name" || !o.Fields[0].Required {
			t.Errorf("%s: first key is %q, want the required name", o.Path, o.Fields[0].Key)
		}
		for _, f := range o.Fields {
			if f.Doc == "" {
				t.Errorf("%s.%s: no doc line", o.Path, f.Key)
			}
		}
	}
	if h := plan.FunctionSpec("hash").Field("algo"); h == nil || !containsFold(h.Values, "sha256") || !containsFold(h.Values, "SHA-256") {
		t.Errorf("hash.algo values: %v", h.Values)
	}
	if a := plan.FunctionSpec("pivot").Field("approach"); a.Status != spec.NoEffect || a.Note == "" {
		t.Errorf("pivot.approach is %v, want no effect with a note", a.Status)
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
