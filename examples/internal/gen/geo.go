package gen

import "math"

// LatLon is a WGS84 position in degrees.
type LatLon struct{ Lat, Lon float64 }

// Route is a street digitised as a polyline. The vertices follow the real
// streets closely enough for an example (hand-placed from the street grid,
// not surveyed).
type Route struct {
	Street string
	Path   []LatLon
}

// metresPerDegree gives the length of one degree of latitude and of
// longitude at lat on the WGS84 ellipsoid (standard series, good to
// centimetres per kilometre).
func metresPerDegree(lat float64) (mLat, mLon float64) {
	φ := lat * math.Pi / 180
	mLat = 111132.954 - 559.822*math.Cos(2*φ) + 1.175*math.Cos(4*φ)
	mLon = 111412.84*math.Cos(φ) - 93.5*math.Cos(3*φ)
	return mLat, mLon
}

// offset moves p by east and north metres.
func offset(p LatLon, east, north float64) LatLon {
	mLat, mLon := metresPerDegree(p.Lat)
	return LatLon{Lat: p.Lat + north/mLat, Lon: p.Lon + east/mLon}
}

// delta returns the east and north metres from a to b.
func delta(a, b LatLon) (east, north float64) {
	mLat, mLon := metresPerDegree((a.Lat + b.Lat) / 2)
	return (b.Lon - a.Lon) * mLon, (b.Lat - a.Lat) * mLat
}

// distance is the planar distance in metres between two nearby points.
func distance(a, b LatLon) float64 {
	e, n := delta(a, b)
	return math.Hypot(e, n)
}

// station is a point along a route with the unit normal to its left, so
// poles can stand beside the street rather than in it.
type station struct {
	At           LatLon
	LeftE, LeftN float64
}

// stations walks the route and returns points spaced by the distances
// step() returns, starting at the route's first vertex.
func stations(path []LatLon, step func() float64) []station {
	var out []station
	next := 0.0 // distance along the current segment of the next station
	for i := 0; i+1 < len(path); i++ {
		a, b := path[i], path[i+1]
		e, n := delta(a, b)
		seg := math.Hypot(e, n)
		ue, un := e/seg, n/seg
		for ; next <= seg; next += step() {
			out = append(out, station{At: offset(a, ue*next, un*next), LeftE: -un, LeftN: ue})
		}
		next -= seg
	}
	return out
}

// round rounds x to d decimal places, the precision written to files.
func round(x float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(x*p) / p
}
