package gen

import (
	"math"
	"reflect"
	"testing"
)

func TestStationsFollowThePath(t *testing.T) {
	// 1 km east, then 500 m north: stations every 50 m along the path.
	a := LatLon{40.1, -88.2}
	b := offset(a, 1000, 0)
	c := offset(b, 0, 500)
	st := stations([]LatLon{a, b, c}, func() float64 { return 50 })
	if len(st) != 31 {
		t.Fatalf("got %d stations, want 31 (0 to 1500 m every 50 m)", len(st))
	}
	for i, s := range st {
		var along float64
		if d := distance(a, s.At); i <= 20 {
			along = d
			if i < 20 && (s.LeftE != 0 || s.LeftN != 1) {
				t.Errorf("station %d on the eastward leg: left normal (%g, %g), want (0, 1)", i, s.LeftE, s.LeftN)
			}
		} else {
			along = 1000 + distance(b, s.At)
		}
		if want := float64(i) * 50; math.Abs(along-want) > 0.01 {
			t.Errorf("station %d at %.3f m along the path, want %.0f", i, along, want)
		}
	}
}

func TestPoleSurveyIsPlausible(t *testing.T) {
	s := PoleSurvey()
	if len(s.Poles) < 250 || len(s.Poles) > 350 {
		t.Errorf("%d poles, want a few hundred", len(s.Poles))
	}
	tags := map[string]bool{}
	validClass := map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": true, "H1": true}
	for _, p := range s.Poles {
		if tags[p.Tag] {
			t.Errorf("duplicate pole tag %s", p.Tag)
		}
		tags[p.Tag] = true
		// Southwest Champaign, IL.
		if p.At.Lat < 40.09 || p.At.Lat > 40.12 || p.At.Lon < -88.30 || p.At.Lon > -88.24 {
			t.Errorf("pole %s at %v is outside southwest Champaign", p.Tag, p.At)
		}
		if !validClass[p.Class] {
			t.Errorf("pole %s has class %q", p.Tag, p.Class)
		}
	}
	for _, sp := range s.Spans {
		if sp.From.Street != sp.To.Street || sp.To.Seq != sp.From.Seq+1 {
			t.Errorf("span %s->%s does not join neighbours on one street", sp.From.Tag, sp.To.Tag)
		}
		// 40–60 m along the street, plus up to 3 m of setback change and
		// 1 m of jitter.
		if d := distance(sp.From.At, sp.To.At); d < 38 || d > 62 {
			t.Errorf("span %s->%s is %.1f m long", sp.From.Tag, sp.To.Tag, d)
		}
	}
	for _, m := range s.Midspans {
		a, b := m.Span.From.At, m.Span.To.At
		if d := distToSegment(m.At, a, b); d > 2 {
			t.Errorf("midspan %d of %s->%s is %.1f m off its span", m.Seq, m.Span.From.Tag, m.Span.To.Tag, d)
		}
	}
}

func TestGISLineEndsSnapToTheirPoles(t *testing.T) {
	g := GISData()
	if len(g.Spans) == 0 {
		t.Fatal("no spans")
	}
	for _, sp := range g.Spans {
		ends := []struct {
			at   LatLon
			pole *Pole
		}{{sp.Line[0], sp.From}, {sp.Line[len(sp.Line)-1], sp.To}}
		for _, e := range ends {
			if d := distance(e.at, e.pole.At); d > 1 {
				t.Errorf("%s: end %v is %.2f m from pole %s, want within 1 m", sp.ID, e.at, d, e.pole.Tag)
			}
			// Snapping within 3 m must find exactly this pole.
			for _, p := range g.Poles {
				if p != e.pole && distance(e.at, p.At) <= 3 {
					t.Errorf("%s: end %v is within 3 m of pole %s as well as %s", sp.ID, e.at, p.Tag, e.pole.Tag)
				}
			}
		}
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	if !reflect.DeepEqual(PoleSurvey(), PoleSurvey()) {
		t.Error("two runs of PoleSurvey differ")
	}
	if !reflect.DeepEqual(GISData(), GISData()) {
		t.Error("two runs of GISData differ")
	}
}

func distToSegment(p, a, b LatLon) float64 {
	be, bn := delta(a, b)
	pe, pn := delta(a, p)
	f := math.Max(0, math.Min(1, (pe*be+pn*bn)/(be*be+bn*bn)))
	return math.Hypot(pe-f*be, pn-f*bn)
}
