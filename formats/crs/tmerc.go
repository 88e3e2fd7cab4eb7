package crs

import "math"

// tmerc is the ellipsoidal Transverse Mercator projection computed with
// Krüger's series in n to sixth order (Karney 2011, "Transverse Mercator with
// an accuracy of a few nanometers"), the algorithm PROJ uses by default
// (Poder/Engsager). Within a few thousand kilometres of the central meridian
// it agrees with PROJ to well under a millimetre.
type tmerc struct {
	lon0, k0, fe, fn float64 // lon0 in radians; fe, fn in metres
	e, a1            float64 // eccentricity; rectifying radius A
	alpha, beta      [6]float64
	y0               float64 // northing of the latitude of origin
}

func newTmerc(ell ellipsoid, lat0, lon0, k0, fe, fn float64) *tmerc {
	f := ell.f()
	n := f / (2 - f)
	n2, n3 := n*n, n*n*n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	t := &tmerc{lon0: lon0, k0: k0, fe: fe, fn: fn, e: math.Sqrt(ell.es())}
	t.a1 = ell.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	t.alpha = [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	t.beta = [6]float64{
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	_, t.y0 = t.raw(0, lat0)
	return t
}

// conformalTau returns tan of the conformal latitude for tau = tan(lat).
func conformalTau(tau, e float64) float64 {
	sigma := math.Sinh(e * math.Atanh(e*tau/math.Hypot(1, tau)))
	return tau*math.Hypot(1, sigma) - sigma*math.Hypot(1, tau)
}

// raw projects (dlon from the central meridian, lat) without false origin.
func (t *tmerc) raw(dlon, lat float64) (x, y float64) {
	tauP := conformalTau(math.Tan(lat), t.e)
	xiP := math.Atan2(tauP, math.Cos(dlon))
	etaP := math.Asinh(math.Sin(dlon) / math.Hypot(tauP, math.Cos(dlon)))
	xi, eta := xiP, etaP
	for j, a := range t.alpha {
		k := 2 * float64(j+1)
		xi += a * math.Sin(k*xiP) * math.Cosh(k*etaP)
		eta += a * math.Cos(k*xiP) * math.Sinh(k*etaP)
	}
	return t.k0 * t.a1 * eta, t.k0 * t.a1 * xi
}

func (t *tmerc) forward(lon, lat float64) (x, y float64) {
	x, y = t.raw(normLon(lon-t.lon0), lat)
	return x + t.fe, y - t.y0 + t.fn
}

func (t *tmerc) inverse(x, y float64) (lon, lat float64) {
	xi := (y - t.fn + t.y0) / (t.k0 * t.a1)
	eta := (x - t.fe) / (t.k0 * t.a1)
	xiP, etaP := xi, eta
	for j, b := range t.beta {
		k := 2 * float64(j+1)
		xiP -= b * math.Sin(k*xi) * math.Cosh(k*eta)
		etaP -= b * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	tauP := math.Sin(xiP) / math.Hypot(math.Sinh(etaP), math.Cos(xiP))
	dlon := math.Atan2(math.Sinh(etaP), math.Cos(xiP))
	// Newton's method for tau from tau' (Karney 2011, eqs. 19-21).
	es := t.e * t.e
	tau := tauP
	for range 8 {
		tp := conformalTau(tau, t.e)
		d := (tauP - tp) / math.Hypot(1, tp) * (1 + (1-es)*tau*tau) / ((1 - es) * math.Hypot(1, tau))
		tau += d
		if math.Abs(d) < 1e-15 {
			break
		}
	}
	return normLon(dlon + t.lon0), math.Atan(tau)
}

// normLon wraps a longitude in radians to [-pi, pi]. A remainder, not a
// loop of 2*pi steps: a hostile .prj (a central meridian of 1e15 degrees,
// found by the fuzzer) would otherwise spin for hours.
func normLon(l float64) float64 {
	if l >= -math.Pi && l <= math.Pi {
		return l
	}
	return math.Remainder(l, 2*math.Pi)
}
