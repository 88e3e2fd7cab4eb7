package crs

import "math"

// ellipsoid is a reference ellipsoid by semi-major axis and inverse
// flattening (0 for a sphere).
type ellipsoid struct {
	name string
	a    float64
	invf float64
}

func (e ellipsoid) f() float64 {
	if e.invf == 0 {
		return 0
	}
	return 1 / e.invf
}

func (e ellipsoid) es() float64 { f := e.f(); return f * (2 - f) }

var (
	wgs84Ellipsoid  = ellipsoid{"WGS_1984", 6378137, 298.257223563}
	grs80Ellipsoid  = ellipsoid{"GRS_1980", 6378137, 298.257222101}
	clarke1866      = ellipsoid{"Clarke_1866", 6378206.4, 294.978698213898}
	webMercatorAxis = 6378137.0
)

// helmert is a seven-parameter datum shift to WGS84 in the WKT1 TOWGS84
// convention (position vector, EPSG method 9606): translations in metres,
// rotations in arc-seconds, scale in parts per million.
type helmert struct {
	dx, dy, dz, rx, ry, rz, ds float64
}

func (h helmert) isZero() bool { return h == helmert{} }

// nad27CONUS is EPSG transformation 1173, "NAD27 to WGS 84 (4)": the
// published geocentric translation for the contiguous United States, stated
// by EPSG to be accurate to about 10 m. PROJ uses the NADCON grids when it
// has them; the difference to those is what Accuracy reports.
var nad27CONUS = helmert{dx: -8, dy: 160, dz: 176}

const secToRad = math.Pi / (180 * 3600)

// toGeocentric converts geodetic lon/lat (radians, height 0) to XYZ.
func toGeocentric(e ellipsoid, lon, lat float64) (x, y, z float64) {
	es := e.es()
	sinLat := math.Sin(lat)
	n := e.a / math.Sqrt(1-es*sinLat*sinLat)
	x = n * math.Cos(lat) * math.Cos(lon)
	y = n * math.Cos(lat) * math.Sin(lon)
	z = n * (1 - es) * sinLat
	return x, y, z
}

// fromGeocentric converts XYZ to geodetic lon/lat (radians) by Bowring's
// iteration, converged well below a millimetre.
func fromGeocentric(e ellipsoid, x, y, z float64) (lon, lat float64) {
	es := e.es()
	lon = math.Atan2(y, x)
	p := math.Hypot(x, y)
	lat = math.Atan2(z, p*(1-es))
	for range 10 {
		sinLat := math.Sin(lat)
		n := e.a / math.Sqrt(1-es*sinLat*sinLat)
		h := p/math.Cos(lat) - n
		next := math.Atan2(z, p*(1-es*n/(n+h)))
		if math.Abs(next-lat) < 1e-14 {
			lat = next
			break
		}
		lat = next
	}
	return lon, lat
}

// apply shifts geodetic coordinates from ellipsoid src to ellipsoid dst
// through the Helmert transform h (sign +1) or its inverse (sign -1).
func (h helmert) apply(src, dst ellipsoid, lon, lat float64, sign float64) (float64, float64) {
	x, y, z := toGeocentric(src, lon, lat)
	s := 1 + sign*h.ds*1e-6
	rx, ry, rz := sign*h.rx*secToRad, sign*h.ry*secToRad, sign*h.rz*secToRad
	// Position-vector rotation; small-angle form as in EPSG 9606.
	x2 := sign*h.dx + s*(x-rz*y+ry*z)
	y2 := sign*h.dy + s*(rz*x+y-rx*z)
	z2 := sign*h.dz + s*(-ry*x+rx*y+z)
	return fromGeocentric(dst, x2, y2, z2)
}
