package mapping

import (
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
)

// productExample is the mapping of PRODUCT.md section 2, verbatim.
const productExample = `version: 1
namespace: acme-make-ready-2026      # seeds every deterministic id; required

job:                                 # used when --job is not given
  name: ACME make-ready 2026         # found by exact name among active jobs, created if missing
  model: acme                        # the company model a new job is created with (required to create)
  metadata: {client: ACME}

nodes:
  - name: poles                      # entity set name: reports, export layer/sheet name
    source: survey.xlsx              # .csv .xlsx .geojson .json .shp .zip(shapefile)
    sheet: Poles                     # xlsx: sheet name (default: first sheet)
    key: "{Pole Tag}"                # natural key template; unique within the set
    latitude: "{Latitude}"           # tabular sources; geometry sources use their Point
    longitude: "{Longitude}"
    attributes:
      node_type: pole                # constant
      pole_tag: "{Pole Tag}"         # a column
      scid: "{Seq}"
      pole_height: {value: "{Height (ft)}", type: number}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2", "H1": "Class H1"}}
      note: {value: "{Notes}", empty: skip}

connections:
  - name: spans
    source: survey.xlsx
    sheet: Spans
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable

  - name: fiber
    source: fiber_routes.shp         # LineString / MultiLineString geometry
    key: "{ROUTE_ID}"
    endpoints: {set: poles, snap_m: 3}   # each line end joins the nearest pole within 3 m
    attributes:
      connection_type: aerial cable
      note: "{OWNER}"

sections:
  - name: midspans
    source: survey.xlsx
    sheet: Midspans
    connection: {set: spans, key: "{From}->{To}"}
    key: "{From}->{To}#{Seq}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      note: "{Remarks}"
`

func TestProductExampleParses(t *testing.T) {
	m := parse(t, productExample)
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

// exampleSources are small sources for the PRODUCT.md example, as readers
// would return them.
func exampleSources() sources {
	// Pole P-3 sits ~1.1 m from the fiber line's end; P-1 at its start.
	return sources{
		"survey.xlsx": table(
			"Pole Tag|Latitude|Longitude|Seq|Height (ft)|Class|Notes",
			"P-1|29.4241| -98.4936|1|45|1|",
			"P-2|29.4245|-98.4930|2|40.5|H1|leaning",
			"P-3|29.4250|-98.4925|3|35|2|line 1\nline 2",
		),
		"fiber_routes.shp": features([]string{"ROUTE_ID", "OWNER"},
			[]geom.T{geom.NewLineStringFlat(geom.XY, []float64{-98.49361, 29.42411, -98.4928, 29.4248, -98.49251, 29.42499})},
			[]string{"R-7", "ACME Fiber"}),
	}
}

func TestProductExampleBuilds(t *testing.T) {
	m := parse(t, productExample)
	src := exampleSources()
	// One reader per sheet: the test opener keys by path, so give the
	// connection and section sets their own sources.
	m.Set("spans").Source, m.Set("spans").Path = "spans.xlsx", m.Dir+"/spans.xlsx"
	m.Set("midspans").Source, m.Set("midspans").Path = "mid.xlsx", m.Dir+"/mid.xlsx"
	src["spans.xlsx"] = table("From|To", "P-1|P-2", "P-2|P-3")
	src["mid.xlsx"] = table("From|To|Seq|Lat|Lon|Remarks", "P-1|P-2|1|29.4243|-98.4933|tree")
	res := build(t, m, src)
	if !res.OK() {
		t.Fatalf("problems:\n%s", problems(res))
	}
	if n := []int{len(res.Sets[0].Entities), len(res.Sets[1].Entities), len(res.Sets[2].Entities), len(res.Sets[3].Entities)}; n[0] != 3 || n[1] != 2 || n[2] != 1 || n[3] != 1 {
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
	for _, a := range p1.Attrs {
		if a.Name == "note" {
			if !a.Skip || len(a.Values) != 0 {
				t.Errorf("empty note: %+v", a)
			}
			continue
		}
		if w := want[a.Name]; len(a.Values) != 1 || a.Values[0] != w[0] {
			t.Errorf("%s = %#v, want %#v", a.Name, a.Values, w)
		}
	}
	p3 := res.Sets[0].Entities[2]
	if p3.Attrs[5].Values[0] != "line 1\nline 2" || p3.Attrs[4].Values[0] != "Class 2" {
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
