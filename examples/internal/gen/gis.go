package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/shapefile"
)

// urbana holds streets of Urbana, Illinois, where the GIS example's fibre
// route runs. Philo Rd bends, so its poles follow a polyline.
var urbana = []Route{
	{"E Washington St", []LatLon{{40.1065, -88.2140}, {40.1065, -88.1960}}},
	{"S Vine St", []LatLon{{40.1058, -88.2003}, {40.0930, -88.2003}}},
	{"E Florida Ave", []LatLon{{40.0930, -88.2140}, {40.0930, -88.2010}}},
	{"S Philo Rd", []LatLon{{40.0900, -88.1880}, {40.0985, -88.1880}, {40.1030, -88.1935}}},
}

// GISSeed fixes the GIS example's data.
const GISSeed = 20260502

// GISCRS is the State Plane zone the GIS example's poles are stored in:
// NAD83 / Illinois East (US survey feet), the zone of Champaign County.
const GISCRS = "EPSG:3435"

// FiberSpan is a fibre cable span drawn in a GIS: a line whose ends were
// digitised near, not exactly on, the poles.
type FiberSpan struct {
	ID     string
	From   *Pole // the poles the line was drawn between
	To     *Pole
	Line   []LatLon
	Cable  string
	Fibers int
}

// GIS is the GIS example: poles and the fibre spans drawn between them.
type GIS struct {
	Poles []*Pole
	Spans []*FiberSpan
}

// GISData generates the data behind examples/gis.
func GISData() *GIS {
	r := newRNG(GISSeed)
	s := survey(r, urbana, 730100, []string{"Ameren Illinois", "Ameren Illinois", "Ameren Illinois", "City of Urbana"})
	g := &GIS{Poles: s.Poles}
	for i, sp := range s.Spans {
		cable := pick(r, []struct {
			name   string
			fibers int
		}{{"144F SMF ADSS", 144}, {"96F SMF ADSS", 96}, {"48F SMF ADSS", 48}})
		g.Spans = append(g.Spans, &FiberSpan{
			ID:     fmt.Sprintf("FS-%04d", i+1),
			From:   sp.From,
			To:     sp.To,
			Line:   []LatLon{near(r, sp.From.At), near(r, sp.To.At)},
			Cable:  cable.name,
			Fibers: cable.fibers,
		})
	}
	return g
}

// near is p moved by 0.2 to 0.9 m in a random direction: how far a
// digitised line end typically misses the pole it was drawn to.
func near(r *rng, p LatLon) LatLon {
	d := r.between(0.2, 0.9)
	a := r.between(0, 2*math.Pi)
	q := offset(p, d*math.Cos(a), d*math.Sin(a))
	return LatLon{round(q.Lat, 7), round(q.Lon, 7)}
}

// WriteGISSpans writes spans.geojson: an RFC 7946 FeatureCollection of
// LineStrings in WGS84.
func WriteGISSpans(dir string, g *GIS) error {
	type props struct {
		SpanID string `json:"SPAN_ID"`
		Cable  string `json:"CABLE"`
		Fibers int    `json:"FIBERS"`
		Owner  string `json:"OWNER"`
	}
	type geometry struct {
		Type        string       `json:"type"`
		Coordinates [][2]float64 `json:"coordinates"`
	}
	type feature struct {
		Type       string   `json:"type"`
		Properties props    `json:"properties"`
		Geometry   geometry `json:"geometry"`
	}
	// One feature per line keeps diffs of the committed file readable.
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","name":"spans","features":[` + "\n")
	for i, sp := range g.Spans {
		var coords [][2]float64
		for _, p := range sp.Line {
			coords = append(coords, [2]float64{p.Lon, p.Lat})
		}
		line, err := json.Marshal(feature{
			Type:       "Feature",
			Properties: props{SpanID: sp.ID, Cable: sp.Cable, Fibers: sp.Fibers, Owner: "Example Fiber Co"},
			Geometry:   geometry{Type: "LineString", Coordinates: coords},
		})
		if err != nil {
			return err
		}
		b.Write(line)
		if i < len(g.Spans)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return os.WriteFile(filepath.Join(dir, "spans.geojson"), b.Bytes(), 0o644)
}

// WriteGISPoles writes poles.shp (with .shx .dbf .prj .cpg) in GISCRS,
// coordinates to 0.01 ft as a GIS department would store them.
func WriteGISPoles(dir string, g *GIS) error {
	c, err := crs.Parse(GISCRS)
	if err != nil {
		return err
	}
	w, err := shapefile.Create(filepath.Join(dir, "poles"), shapefile.Point, []shapefile.Field{
		{Name: "POLE_ID", Type: 'C', Length: 8},
		{Name: "STREET", Type: 'C', Length: 24},
		{Name: "HEIGHT_FT", Type: 'N', Length: 4},
		{Name: "CLASS", Type: 'C', Length: 2},
		{Name: "OWNER", Type: 'C', Length: 24},
		{Name: "INSTALLED", Type: 'D', Length: 8},
		{Name: "NOTES", Type: 'C', Length: 80},
	}, shapefile.WithPRJ(c.ESRIWKT()))
	if err != nil {
		return err
	}
	for _, p := range g.Poles {
		x, y, err := c.FromWGS84(p.At.Lon, p.At.Lat)
		if err != nil {
			w.Close()
			return fmt.Errorf("pole %s: %w", p.Tag, err)
		}
		pt := geom.NewPointFlat(geom.XY, []float64{round(x, 2), round(y, 2)})
		var installed any
		if !p.Installed.IsZero() {
			installed = p.Installed
		}
		if err := w.Write(pt, []any{p.Tag, p.Street, p.HeightFt, p.Class, p.Owner, installed, p.Notes}); err != nil {
			w.Close()
			return fmt.Errorf("pole %s: %w", p.Tag, err)
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if ws := w.Warnings(); len(ws) > 0 {
		return fmt.Errorf("poles.shp: %s", strings.Join(ws, "; "))
	}
	return nil
}
