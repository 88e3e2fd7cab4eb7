package mapping

import (
	"strings"
	"testing"
)

// FuzzParseTemplate checks the template parser never panics, and that what
// it accepts survives a round trip: rendering the parts back (escaping
// literal braces) and parsing again gives the same parts, and evaluating
// against a header never panics.
func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"", "pole", "{Pole Tag}", "{From}->{To}", "{{x}}", "{#3}", "{_row}", "{", "}", "{}", "{#0}", "a{{{b}}}c", "{birthmark_brand::pole_class}", "{#99999999999999999999}", "ü{é}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := ParseTemplate(s)
		if err != nil {
			if _, ok := err.(*TemplateError); !ok {
				t.Fatalf("error type %T", err)
			}
			return
		}
		var b strings.Builder
		for _, p := range tp.parts {
			if p.ph != nil {
				b.WriteString(p.ph.String())
			} else {
				b.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(p.lit))
			}
		}
		again, err := ParseTemplate(b.String())
		if err != nil {
			t.Fatalf("re-rendered %q of %q does not parse: %v", b.String(), s, err)
		}
		if len(again.parts) != len(tp.parts) {
			t.Fatalf("%q: %d parts, re-parsed %d", s, len(tp.parts), len(again.parts))
		}
		for i := range tp.parts {
			a, c := tp.parts[i], again.parts[i]
			if a.lit != c.lit || (a.ph == nil) != (c.ph == nil) || a.ph != nil && *a.ph != *c.ph {
				t.Fatalf("%q: part %d %+v, re-parsed %+v", s, i, a, c)
			}
		}
		cols := []string{"A", "B", s}
		if bt, err := tp.bind(cols); err == nil {
			_ = bt.eval(7, []string{"x"})
			_ = bt.column(cols)
		}
		if c, ok := tp.Constant(); ok && len(tp.parts) > 1 {
			t.Fatalf("constant %q from %d parts", c, len(tp.parts))
		}
	})
}

// FuzzParse checks that no mapping text makes the loader panic or hang, and
// that every rejection is a *LoadError with positions.
func FuzzParse(f *testing.F) {
	f.Add(productExample(f))
	f.Add(minimal)
	f.Add("version: 1\nnamespace: x\nnodes: [{name: a, source: a.csv, key: \"{A}\", latitude: &l \"{L}\", longitude: *l}]\n")
	f.Add("a: &a [*a]")
	f.Add("- - - - - - - - - - [[[[[[[[[[{}]]]]]]]]]]")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse("m.yaml", []byte(s))
		if err != nil {
			le, ok := err.(*LoadError)
			if !ok || len(le.Problems) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
			for _, p := range le.Problems {
				if p.Line < 1 || p.Col < 1 {
					t.Fatalf("problem without position: %+v", p)
				}
			}
			return
		}
		if m.Namespace == "" || len(m.Sets()) == 0 {
			t.Fatalf("accepted a mapping without namespace or sets: %q", s)
		}
		for _, set := range m.Sets() {
			set.Inverter()
		}
	})
}
