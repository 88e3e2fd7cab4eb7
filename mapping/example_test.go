package mapping

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats"
)

// productExamplePath is PRODUCT.md section 2's example mapping, verbatim,
// beside the sources it names (see testdata/README.md).
const productExamplePath = "../testdata/product-example/mapping.yaml"

// productExample is the example mapping's text.
func productExample(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(productExamplePath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadProductExample(t *testing.T) *Mapping {
	t.Helper()
	m, err := Load(productExamplePath)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

func TestProductExampleParses(t *testing.T) {
	m := loadProductExample(t)
	if m.Version != 1 || m.Namespace != "acme-make-ready-2026" {
		t.Fatalf("version %d namespace %q", m.Version, m.Namespace)
	}
	if m.Job == nil || m.Job.Name != "ACME make-ready 2026" || m.Job.Model != "acme" || m.Job.Metadata["client"] != "ACME" {
		t.Fatalf("job = %+v", m.Job)
	}
	var names []string
	for _, s := range m.Sets() {
		names = append(names, string(s.Kind)+":"+s.Name)
	}
	if got := strings.Join(names, " "); got != "node:poles connection:spans connection:fiber section:midspans" {
		t.Fatalf("sets = %s", got)
	}
	poles := m.Set("poles")
	if poles.Sheet != "Poles" || poles.Key.Raw != "{Pole Tag}" || len(poles.Attributes) != 6 {
		t.Fatalf("poles = %+v", poles)
	}
	if a := poles.Attributes[3]; a.Name != "pole_height" || a.Value.Type != Number {
		t.Errorf("pole_height = %+v", a.Value)
	}
	if a := poles.Attributes[4]; len(a.Value.Map) != 3 || a.Value.Map[2] != (MapEntry{"H1", "Class H1"}) {
		t.Errorf("pole_class map = %+v", a.Value.Map)
	}
	if f := m.Set("fiber"); f.Endpoints == nil || f.Endpoints.Set != "poles" || f.Endpoints.SnapM != 3 || !f.Geometry() {
		t.Errorf("fiber = %+v", f)
	}
	if ms := m.Set("midspans"); ms.Connection == nil || ms.Connection.Set != "spans" || ms.Connection.Key.Raw != "{From}->{To}" {
		t.Errorf("midspans = %+v", ms)
	}
}

// TestProductExampleBuilds builds the example from its sources through
// the real readers.
func TestProductExampleBuilds(t *testing.T) {
	m := loadProductExample(t)
	res, err := m.Build(context.Background(), formats.Open)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !res.OK() {
		t.Fatalf("problems:\n%s", problems(res))
	}
	if n := []int{len(res.Sets[0].Entities), len(res.Sets[1].Entities), len(res.Sets[2].Entities), len(res.Sets[3].Entities)}; n[0] != 3 || n[1] != 2 || n[2] != 1 || n[3] != 2 {
		t.Fatalf("entity counts %v", n)
	}
	p1 := res.Sets[0].Entities[0]
	if p1.ID != EntityID("acme-make-ready-2026", Node, "poles", "P-1") || p1.Key != "P-1" {
		t.Errorf("P-1 id %q key %q", p1.ID, p1.Key)
	}
	if *p1.Location != (LatLon{29.4241, -98.4936}) {
		t.Errorf("P-1 location %+v", p1.Location)
	}
	want := map[string][]any{"node_type": {"pole"}, "pole_tag": {"P-1"}, "scid": {"1"}, "pole_height": {45.0}, "pole_class": {"Class 1"}}
	if n := p1.Attrs.Len(); n != len(want)+1 { // and note
		t.Errorf("P-1 has %d attributes, want %d", n, len(want)+1)
	}
	for a := range p1.Attrs.All() {
		if a.Name == "note" {
			if !a.Skip() { // Skip is no values
				t.Errorf("empty note: %+v", a)
			}
			continue
		}
		if w := want[a.Name]; len(a.Values()) != 1 || a.Values()[0] != w[0] {
			t.Errorf("%s = %#v, want %#v", a.Name, a.Values(), w)
		}
	}
	p3 := res.Sets[0].Entities[2]
	if p3.Attrs.At(5).Values()[0] != "line 1\nline 2" || p3.Attrs.At(4).Values()[0] != "Class 2" {
		t.Errorf("P-3 attrs %+v", p3.Attrs)
	}
	span := res.Sets[1].Entities[1]
	if span.Key != "P-2->P-3" || span.Node1.ID != res.Sets[0].Entities[1].ID || span.Node2.ID != p3.ID {
		t.Errorf("span %+v %+v %+v", span, span.Node1, span.Node2)
	}
	fiber := res.Sets[2].Entities[0]
	if fiber.Node1.ID != p1.ID || fiber.Node2.ID != p3.ID || fiber.Key != "R-7" {
		t.Errorf("fiber ends %+v %+v", fiber.Node1, fiber.Node2)
	}
	mid := res.Sets[3].Entities[0]
	if mid.Key != "P-1->P-2#1" || mid.Connection.ID != res.Sets[1].Entities[0].ID || mid.Location == nil {
		t.Errorf("midspan %+v", mid)
	}
}
