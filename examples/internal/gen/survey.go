package gen

import (
	"fmt"
	"math"
	"time"
)

// Pole is one surveyed pole.
type Pole struct {
	Tag      string
	Seq      int
	Street   string
	At       LatLon
	HeightFt int
	// HeightAsText marks heights typed as text, as spreadsheets often hold
	// them; the mapping must still read them as numbers.
	HeightAsText bool
	Class        string // "1".."5" or "H1"
	Owner        string
	Notes        string    // may be empty, hold commas or newlines
	Installed    time.Time // zero when unknown
}

// Span joins two consecutive poles of a route.
type Span struct {
	From, To *Pole
	Type     string  // "Aerial" or "Underground"
	LengthM  float64 // straight-line length between the poles
}

// Midspan is a measurement point along a span.
type Midspan struct {
	Span         *Span
	Seq          int
	At           LatLon
	LowestWireIn int // clearance of the lowest wire, inches
	Remarks      string
}

// Survey is a generated field survey.
type Survey struct {
	Poles    []*Pole
	Spans    []*Span
	Midspans []*Midspan
}

var (
	poleNotes = []string{
		"Leaning toward street, needs inspection",
		"Woodpecker damage at 12 ft,\nreplace within 2 years",
		"Guy wire slack",
		"Transformer pole, 3 phase",
		"Tree contact on the north side\nTrim requested",
		"Streetlight, LED retrofit done",
		"Cracked crossarm",
		"Tag missing; number taken from map",
		"Riser, \"U-guard\" loose",
	}
	midspanRemarks = []string{
		"Driveway crossing",
		"Over road, clearance OK",
		"Tree limb contact, trim",
		"Low comm drop, resag",
		"Alley crossing\nCheck again after storm season",
	}
	classes = []string{"1", "2", "3", "3", "4", "4", "4", "5", "5", "H1"}
)

// survey generates poles along routes, spans between consecutive poles of
// each route and midspan points on some spans. firstTag is the first pole
// tag number; tags then rise with small gaps, as real tag series do.
func survey(r *rng, routes []Route, firstTag int, owners []string) *Survey {
	s := &Survey{}
	tag := firstTag
	for _, rt := range routes {
		var prev *Pole
		side := 1.0
		if r.chance(0.5) {
			side = -1
		}
		for _, st := range stations(rt.Path, func() float64 { return r.between(40, 60) }) {
			setback := side * r.between(6, 9)
			at := offset(st.At, st.LeftE*setback+r.between(-0.5, 0.5), st.LeftN*setback+r.between(-0.5, 0.5))
			p := &Pole{
				Tag:          fmt.Sprintf("%06d", tag),
				Seq:          len(s.Poles) + 1,
				Street:       rt.Street,
				At:           LatLon{round(at.Lat, 7), round(at.Lon, 7)},
				HeightFt:     pick(r, []int{30, 35, 40, 40, 45, 45, 45, 50, 55}),
				HeightAsText: r.chance(0.05),
				Class:        pick(r, classes),
				Owner:        pick(r, owners),
			}
			tag += 1 + r.intn(3)
			if r.chance(0.3) {
				p.Notes = pick(r, poleNotes)
			}
			if !r.chance(0.1) {
				p.Installed = time.Date(1962+r.intn(62), time.Month(1+r.intn(12)), 1+r.intn(28), 0, 0, 0, 0, time.UTC)
			}
			s.Poles = append(s.Poles, p)
			if prev != nil {
				s.addSpan(r, prev, p)
			}
			prev = p
		}
	}
	return s
}

func (s *Survey) addSpan(r *rng, from, to *Pole) {
	sp := &Span{From: from, To: to, Type: "Aerial", LengthM: round(distance(from.At, to.At), 1)}
	if r.chance(0.05) {
		sp.Type = "Underground"
	}
	s.Spans = append(s.Spans, sp)
	if sp.Type != "Aerial" || !r.chance(0.3) {
		return
	}
	n := 1
	if r.chance(0.2) {
		n = 2
	}
	e, nn := delta(from.At, to.At)
	for i := 1; i <= n; i++ {
		f := r.between(0.3, 0.7)
		side := r.between(-1.5, 1.5) / math.Hypot(e, nn)
		at := offset(from.At, e*f-nn*side, nn*f+e*side)
		m := &Midspan{
			Span:         sp,
			Seq:          i,
			At:           LatLon{round(at.Lat, 7), round(at.Lon, 7)},
			LowestWireIn: 15*12 + r.intn(60),
		}
		if r.chance(0.6) {
			m.Remarks = pick(r, midspanRemarks)
		}
		s.Midspans = append(s.Midspans, m)
	}
}

// ftIn formats inches as a surveyor writes a height: 17' 4".
func ftIn(in int) string { return fmt.Sprintf("%d' %d\"", in/12, in%12) }
