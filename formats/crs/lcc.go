package crs

import "math"

// lcc is the ellipsoidal Lambert Conformal Conic projection (EPSG methods
// 9801 one standard parallel and 9802 two standard parallels; formulas from
// EPSG Guidance Note 7-2 and Snyder). The one-parallel form is the
// two-parallel one with lat1 = lat2 and a scale factor k0.
type lcc struct {
	lon0, fe, fn float64
	e, n, af, rF float64 // af = a*F*k0
}

func newLcc(ell ellipsoid, lat0, lon0, lat1, lat2, k0, fe, fn float64) *lcc {
	e := math.Sqrt(ell.es())
	m := func(phi float64) float64 {
		s := math.Sin(phi)
		return math.Cos(phi) / math.Sqrt(1-e*e*s*s)
	}
	l := &lcc{lon0: lon0, fe: fe, fn: fn, e: e}
	m1, m2 := m(lat1), m(lat2)
	t1, t2 := l.t(lat1), l.t(lat2)
	if math.Abs(lat1-lat2) < 1e-12 {
		l.n = math.Sin(lat1)
	} else {
		l.n = (math.Log(m1) - math.Log(m2)) / (math.Log(t1) - math.Log(t2))
	}
	l.af = ell.a * m1 / (l.n * math.Pow(t1, l.n)) * k0
	l.rF = l.af * math.Pow(l.t(lat0), l.n)
	return l
}

func (l *lcc) t(phi float64) float64 {
	s := l.e * math.Sin(phi)
	return math.Tan(math.Pi/4-phi/2) / math.Pow((1-s)/(1+s), l.e/2)
}

func (l *lcc) forward(lon, lat float64) (x, y float64) {
	r := 0.0
	if math.Abs(lat) < math.Pi/2-1e-12 || lat*l.n < 0 {
		r = l.af * math.Pow(l.t(lat), l.n)
	}
	theta := l.n * normLon(lon-l.lon0)
	return l.fe + r*math.Sin(theta), l.fn + l.rF - r*math.Cos(theta)
}

func (l *lcc) inverse(x, y float64) (lon, lat float64) {
	dx, dy := x-l.fe, l.rF-(y-l.fn)
	r := math.Hypot(dx, dy)
	if l.n < 0 {
		r, dx, dy = -r, -dx, -dy
	}
	theta := math.Atan2(dx, dy)
	if r == 0 {
		return l.lon0, math.Copysign(math.Pi/2, l.n)
	}
	t := math.Pow(r/l.af, 1/l.n)
	lat = math.Pi/2 - 2*math.Atan(t)
	for range 15 {
		s := l.e * math.Sin(lat)
		next := math.Pi/2 - 2*math.Atan(t*math.Pow((1-s)/(1+s), l.e/2))
		if math.Abs(next-lat) < 1e-14 {
			lat = next
			break
		}
		lat = next
	}
	return normLon(theta/l.n + l.lon0), lat
}

// webMerc is the spherical "Popular Visualisation Pseudo-Mercator" of
// EPSG:3857 on the WGS84 semi-major axis.
type webMerc struct{}

func (webMerc) forward(lon, lat float64) (x, y float64) {
	return webMercatorAxis * lon, webMercatorAxis * math.Log(math.Tan(math.Pi/4+lat/2))
}

func (webMerc) inverse(x, y float64) (lon, lat float64) {
	return x / webMercatorAxis, math.Pi/2 - 2*math.Atan(math.Exp(-y/webMercatorAxis))
}
