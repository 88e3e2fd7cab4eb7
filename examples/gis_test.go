package examples_test

import (
	"reflect"
	"testing"

	"github.com/kpbulk/kpbulk/examples/internal/gen"
)

func TestGISMapping(t *testing.T) {
	_, _, sets := build(t, "gis/mapping.yaml")
	g := gen.GISData()
	checkCount(t, sets, "poles", len(g.Poles))
	for _, p := range g.Poles {
		e := sets["poles"][p.Tag]
		if e == nil {
			t.Errorf("pole %s missing", p.Tag)
			continue
		}
		// Stored in State Plane feet to 0.01 ft; back in WGS84 within 1 cm
		// (1e-7 degrees is about 1 cm).
		if e.Location == nil || !near(e.Location.Lat, p.At.Lat, 1e-7) || !near(e.Location.Lon, p.At.Lon, 1.3e-7) {
			t.Errorf("pole %s at %+v, want %+v", p.Tag, e.Location, p.At)
		}
		if got := attr(e, "pole_height"); !reflect.DeepEqual(got, []any{float64(p.HeightFt)}) {
			t.Errorf("pole %s: pole_height = %#v, want %d", p.Tag, got, p.HeightFt)
		}
	}
	checkCount(t, sets, "fiber", len(g.Spans))
	for _, sp := range g.Spans {
		e := sets["fiber"][sp.ID]
		if e == nil {
			t.Errorf("span %s missing", sp.ID)
			continue
		}
		from, to := sets["poles"][sp.From.Tag], sets["poles"][sp.To.Tag]
		if e.Node1 == nil || e.Node2 == nil || from == nil || to == nil || e.Node1.ID != from.ID || e.Node2.ID != to.ID {
			t.Errorf("span %s is not snapped to poles %s and %s: %+v %+v", sp.ID, sp.From.Tag, sp.To.Tag, e.Node1, e.Node2)
		}
		if got := attr(e, "span_id"); !reflect.DeepEqual(got, []any{sp.ID}) {
			t.Errorf("span %s: span_id = %#v", sp.ID, got)
		}
		if got := attr(e, "fiber_count"); !reflect.DeepEqual(got, []any{int64(sp.Fibers)}) {
			t.Errorf("span %s: fiber_count = %#v, want %d", sp.ID, got, sp.Fibers)
		}
	}
}
