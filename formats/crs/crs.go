// Package crs parses coordinate reference systems (ESRI and OGC WKT1 as
// found in .prj files, and EPSG:NNNN codes from a built-in table) and
// converts coordinates between them and WGS84 longitude/latitude.
//
// Implemented: geographic CRSs; Transverse Mercator (Krüger series to sixth
// order, as PROJ), Lambert Conformal Conic with one or two standard
// parallels, and Web Mercator; linear units from the WKT (metres, US survey
// feet, international feet). The built-in EPSG table holds 4326, 4269 (NAD83),
// 4267 (NAD27), 4258 (ETRS89), 3857, the UTM zones 326xx/327xx (WGS84),
// 269xx (NAD83) and 267xx (NAD27) computed from the code, and the 435
// NAD83 and NAD27 (contiguous US) projected CRSs of EPSG that use TM or LCC
// — every State Plane zone in metres and feet, BLM, MTM and other regional
// grids — generated from PROJ's database by gen_epsg.sh. Every table entry
// is tested against cs2cs at the centre of its area of use to 1 cm.
//
// Datums: NAD83 (and its realisations), ETRS89 and GDA are treated as
// identical to WGS84; they differ by one to two metres, which the Accuracy
// text states. NAD27 is shifted with the published CONUS geocentric
// translation (EPSG:1173, about 10 m against PROJ with the NADCON grids;
// it is not meant for Alaska, Canada or the Caribbean); a TOWGS84 clause in
// the WKT takes precedence. Other datums need TOWGS84 or are refused.
//
// Axis order is always x = easting/longitude, y = northing/latitude, as GIS
// files store them; WKT AXIS clauses are read but do not swap coordinates.
package crs

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

type method int

const (
	geographic method = iota
	transverseMercator
	lambertConic
	webMercator
)

// datumKind says how a datum is taken to WGS84.
type datumKind int

const (
	datumWGS84       datumKind = iota // WGS84 itself
	datumSameAsWGS84                  // NAD83, ETRS89, ...: treated as WGS84
	datumShift                        // a Helmert shift
)

// CRS is a parsed coordinate reference system. Its methods are safe for
// concurrent use.
type CRS struct {
	name   string
	method method

	// Datum and geographic part.
	geogName, datumName string
	label               string // short datum name for messages
	ell                 ellipsoid
	kind                datumKind
	shift               helmert
	pm                  float64 // prime meridian, degrees east of Greenwich
	angUnit             float64 // radians per angular unit

	// Projection parameters in degrees and in the linear unit.
	lat0, lon0, lat1, lat2, k0, fe, fn float64
	unitName                           string
	unit                               float64 // metres per linear unit
	proj                               interface {
		forward(lon, lat float64) (x, y float64)
		inverse(x, y float64) (lon, lat float64)
	}

	esri     string // ESRI WKT when known verbatim (EPSG table)
	accuracy string
}

// WGS84 is geographic WGS84 longitude/latitude (EPSG:4326).
var WGS84 = mustEPSG(4326)

func mustEPSG(code int) *CRS {
	c, err := fromEPSG(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Parse reads a CRS from "EPSG:NNNN" (also "urn:ogc:def:crs:EPSG::NNNN"),
// "CRS84" (also "OGC:CRS84" and its URN), or WKT1 text in ESRI or OGC
// flavour.
func Parse(s string) (*CRS, error) {
	t := strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if t == "" {
		return nil, errors.New("crs: empty CRS")
	}
	up := strings.ToUpper(t)
	switch {
	case up == "CRS84" || up == "OGC:CRS84" || strings.HasPrefix(up, "URN:OGC:DEF:CRS:OGC:") && strings.HasSuffix(up, ":CRS84"):
		return WGS84, nil
	case strings.HasPrefix(up, "EPSG:") || strings.HasPrefix(up, "URN:OGC:DEF:CRS:EPSG:"):
		code := up[strings.LastIndexByte(up, ':')+1:]
		n, err := strconv.Atoi(code)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("crs: bad EPSG code %q", t)
		}
		return fromEPSG(n)
	}
	root, err := parseWKT(t)
	if err != nil {
		return nil, fmt.Errorf("crs: %w", err)
	}
	return fromWKT(root)
}

// Name is the CRS's name (the EPSG name for codes, else the WKT's).
func (c *CRS) Name() string { return c.name }

// Accuracy states how faithfully coordinates reach WGS84.
func (c *CRS) Accuracy() string { return c.accuracy }

// IsWGS84 reports whether coordinates pass through unchanged.
func (c *CRS) IsWGS84() bool {
	return c.method == geographic && c.kind != datumShift && c.pm == 0 && c.angUnit == degToRad
}

// Projected reports whether the CRS is projected (x/y in a linear unit).
func (c *CRS) Projected() bool { return c.method != geographic }

const degToRad = math.Pi / 180

// ToWGS84 converts x, y (easting/northing in the CRS's unit, or
// longitude/latitude in its angular unit) to WGS84 longitude/latitude in
// degrees.
func (c *CRS) ToWGS84(x, y float64) (lon, lat float64, err error) {
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, fmt.Errorf("crs: coordinate %v, %v is not a number", x, y)
	}
	var lam, phi float64
	if c.method == geographic {
		lam, phi = x*c.angUnit, y*c.angUnit
		if math.Abs(phi) > math.Pi/2+1e-9 || math.Abs(lam) > 2*math.Pi+1e-9 {
			return 0, 0, fmt.Errorf("crs: %v, %v is not a longitude/latitude in %s", x, y, c.name)
		}
	} else {
		lam, phi = c.proj.inverse(x*c.unit, y*c.unit)
		if math.IsNaN(lam) || math.IsNaN(phi) {
			return 0, 0, fmt.Errorf("crs: %v, %v is outside the area of %s", x, y, c.name)
		}
	}
	lam += c.pm * degToRad
	if c.kind == datumShift {
		lam, phi = c.shift.apply(c.ell, wgs84Ellipsoid, lam, phi, 1)
	}
	return lam / degToRad, phi / degToRad, nil
}

// FromWGS84 converts WGS84 longitude/latitude in degrees to the CRS.
func (c *CRS) FromWGS84(lon, lat float64) (x, y float64, err error) {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lat) > 90 || math.Abs(lon) > 360 {
		return 0, 0, fmt.Errorf("crs: %v, %v is not a WGS84 longitude/latitude", lon, lat)
	}
	lam, phi := lon*degToRad, lat*degToRad
	if c.kind == datumShift {
		lam, phi = c.shift.apply(wgs84Ellipsoid, c.ell, lam, phi, -1)
	}
	lam -= c.pm * degToRad
	if c.method == geographic {
		return lam / c.angUnit, phi / c.angUnit, nil
	}
	x, y = c.proj.forward(lam, phi)
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return 0, 0, fmt.Errorf("crs: %v, %v cannot be projected to %s", lon, lat, c.name)
	}
	return x / c.unit, y / c.unit, nil
}

// build creates the projection from the parameters and fills accuracy.
func (c *CRS) build() error {
	ell := c.ell
	r := func(d float64) float64 { return d * c.angUnit }
	fe, fn := c.fe*c.unit, c.fn*c.unit
	switch c.method {
	case transverseMercator:
		c.proj = newTmerc(ell, r(c.lat0), r(c.lon0), c.k0, fe, fn)
	case lambertConic:
		c.proj = newLcc(ell, r(c.lat0), r(c.lon0), r(c.lat1), r(c.lat2), c.k0, fe, fn)
	case webMercator:
		c.proj = webMerc{}
	}
	if c.method != geographic && (c.unit <= 0 || math.IsNaN(c.unit)) {
		return fmt.Errorf("crs: %s: bad linear unit %v", c.name, c.unit)
	}
	if ell.a <= 0 || ell.invf < 0 || math.IsNaN(ell.a) || math.IsNaN(ell.invf) {
		return fmt.Errorf("crs: %s: bad ellipsoid %v, %v", c.name, ell.a, ell.invf)
	}
	var acc string
	switch c.kind {
	case datumWGS84:
		acc = "WGS84: no datum shift"
	case datumSameAsWGS84:
		acc = cmp.Or(c.label, c.datumName) + " treated as identical to WGS84 (they differ by about 1-2 m)"
	case datumShift:
		if c.shift == nad27CONUS {
			acc = "NAD27 shifted to WGS84 with EPSG:1173 (CONUS translation -8, 160, 176 m): about 10 m"
		} else {
			acc = fmt.Sprintf("%s shifted to WGS84 with its TOWGS84 parameters: accuracy as published for them (typically 1-10 m)", c.datumName)
		}
	}
	if c.method != geographic {
		acc += "; projection exact to < 1 mm"
	}
	c.accuracy = acc
	return nil
}

// fromEPSG builds a CRS from a code of the built-in table.
func fromEPSG(code int) (*CRS, error) {
	wgs := func() *CRS {
		return &CRS{method: geographic, geogName: "GCS_WGS_1984", datumName: "D_WGS_1984", ell: wgs84Ellipsoid, angUnit: degToRad, k0: 1, unit: 1}
	}
	var c *CRS
	switch {
	case code == 4326 || code == 4979:
		c = wgs()
		c.name = "WGS 84"
	case code == 4269 || code == 4258:
		c = wgs()
		c.kind, c.ell, c.label = datumSameAsWGS84, grs80Ellipsoid, "NAD83"
		if code == 4269 {
			c.name, c.geogName, c.datumName = "NAD83", "GCS_North_American_1983", "D_North_American_1983"
		} else {
			c.name, c.label, c.geogName, c.datumName = "ETRS89", "ETRS89", "GCS_ETRS_1989", "D_ETRS_1989"
		}
	case code == 4267:
		c = nad27()
	case code == 3857 || code == 900913:
		c = wgs()
		c.name, c.method, c.unitName = "WGS 84 / Pseudo-Mercator", webMercator, "Meter"
	case code > 32600 && code <= 32660 || code > 32700 && code <= 32760:
		zone, south := code%100, code > 32700
		c = utm(wgs(), zone, south)
		c.name = fmt.Sprintf("WGS 84 / UTM zone %d%s", zone, map[bool]string{false: "N", true: "S"}[south])
	case code > 26900 && code <= 26923:
		c = wgs()
		c.kind, c.ell, c.label, c.geogName, c.datumName = datumSameAsWGS84, grs80Ellipsoid, "NAD83", "GCS_North_American_1983", "D_North_American_1983"
		c = utm(c, code-26900, false)
		c.name = fmt.Sprintf("NAD83 / UTM zone %dN", code-26900)
	case code > 26700 && code <= 26722:
		c = utm(nad27(), code-26700, false)
		c.name = fmt.Sprintf("NAD27 / UTM zone %dN", code-26700)
	default:
		e, ok := epsgTable[code]
		if !ok {
			return nil, fmt.Errorf("crs: EPSG:%d is not in kpbulk's built-in table (WGS84, NAD83, NAD27, UTM, US State Plane); give the .prj WKT instead", code)
		}
		root, err := parseWKT(e.esriWKT)
		if err != nil {
			return nil, err
		}
		c, err = fromWKT(root)
		if err != nil {
			return nil, err
		}
		c.name, c.esri = e.name, e.esriWKT
		return c, nil
	}
	if err := c.build(); err != nil {
		return nil, err
	}
	return c, nil
}

type epsgEntry struct {
	name    string
	esriWKT string
}

func nad27() *CRS {
	return &CRS{name: "NAD27", method: geographic, geogName: "GCS_North_American_1927", datumName: "D_North_American_1927",
		ell: clarke1866, kind: datumShift, shift: nad27CONUS, angUnit: degToRad, k0: 1, unit: 1}
}

func utm(c *CRS, zone int, south bool) *CRS {
	c.method = transverseMercator
	c.lon0 = float64(zone*6 - 183)
	c.k0 = 0.9996
	c.fe = 500000
	if south {
		c.fn = 10000000
	}
	c.unit, c.unitName = 1, "Meter"
	return c
}

// fromWKT interprets a parsed GEOGCS or PROJCS.
func fromWKT(root *node) (*CRS, error) {
	c := &CRS{k0: 1, unit: 1, unitName: "Meter"}
	switch root.key {
	case "GEOGCS":
		if err := c.geog(root); err != nil {
			return nil, err
		}
		c.name = root.name()
	case "PROJCS":
		g := root.kid("GEOGCS")
		if g == nil {
			return nil, errors.New("crs: PROJCS has no GEOGCS")
		}
		if err := c.geog(g); err != nil {
			return nil, err
		}
		c.name = root.name()
		if err := c.projection(root); err != nil {
			return nil, err
		}
	case "COMPD_CS":
		for _, k := range root.kids {
			if k.key == "PROJCS" || k.key == "GEOGCS" {
				return fromWKT(k)
			}
		}
		return nil, errors.New("crs: COMPD_CS without a horizontal CRS")
	default:
		return nil, fmt.Errorf("crs: unsupported WKT %s (expected PROJCS or GEOGCS; WKT2 is not supported)", root.key)
	}
	if err := c.build(); err != nil {
		return nil, err
	}
	return c, nil
}

// norm lowercases and drops everything but letters and digits, so ESRI and
// OGC spellings of the same name compare equal.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *CRS) geog(g *node) error {
	c.geogName = g.name()
	c.angUnit = degToRad
	if u := g.kid("UNIT"); u != nil {
		v, err := u.num(1)
		if err != nil {
			return fmt.Errorf("crs: %w", err)
		}
		if v <= 0 || v > 1 {
			return fmt.Errorf("crs: bad angular unit %v", v)
		}
		if math.Abs(v/degToRad-1) < 1e-12 {
			v = degToRad // WKT writes the degree to 15 digits; keep degrees exact
		}
		c.angUnit = v
	}
	if p := g.kid("PRIMEM"); p != nil {
		v, err := p.num(1)
		if err != nil {
			return fmt.Errorf("crs: %w", err)
		}
		c.pm = v * c.angUnit / degToRad
	}
	d := g.kid("DATUM")
	if d == nil {
		return fmt.Errorf("crs: GEOGCS %q has no DATUM", c.geogName)
	}
	c.datumName = d.name()
	s := d.kid("SPHEROID")
	if s == nil {
		s = d.kid("ELLIPSOID")
	}
	if s == nil {
		return fmt.Errorf("crs: DATUM %q has no SPHEROID", c.datumName)
	}
	a, err := s.num(1)
	if err != nil {
		return fmt.Errorf("crs: %w", err)
	}
	invf, err := s.num(2)
	if err != nil {
		return fmt.Errorf("crs: %w", err)
	}
	c.ell = ellipsoid{s.name(), a, invf}
	var tow *helmert
	if t := d.kid("TOWGS84"); t != nil {
		var v [7]float64
		for i := range v {
			if i >= len(t.vals) && i >= 3 {
				break
			}
			if v[i], err = t.num(i); err != nil {
				return fmt.Errorf("crs: %w", err)
			}
		}
		tow = &helmert{v[0], v[1], v[2], v[3], v[4], v[5], v[6]}
	}
	dn := strings.TrimPrefix(norm(c.datumName), "d")
	auth := d.authority()
	isWGSEll := a == 6378137 && math.Abs(invf-298.257223563) < 1e-6
	isGRS80 := a == 6378137 && math.Abs(invf-298.257222101) < 1e-6
	switch {
	case strings.HasPrefix(dn, "wgs1984") || dn == "wgs84" || strings.HasPrefix(dn, "worldgeodeticsystem1984") || auth == "EPSG:6326":
		c.kind = datumWGS84
	case strings.Contains(dn, "northamerican1983") || strings.Contains(dn, "northamericandatum1983") || strings.HasPrefix(dn, "nad83") || auth == "EPSG:6269",
		strings.Contains(dn, "etrs1989") || strings.Contains(dn, "europeanterrestrialreferencesystem1989") || auth == "EPSG:6258",
		strings.HasPrefix(dn, "gda") || strings.Contains(dn, "geocentricdatumofaustralia"):
		c.kind = datumSameAsWGS84
		switch {
		case strings.Contains(dn, "1983") || strings.HasPrefix(dn, "nad83") || auth == "EPSG:6269":
			c.label = "NAD83"
		case strings.HasPrefix(dn, "gda") || strings.Contains(dn, "australia"):
			c.label = "GDA"
		default:
			c.label = "ETRS89"
		}
		if tow != nil && !tow.isZero() {
			c.kind, c.shift = datumShift, *tow
		}
	case strings.Contains(dn, "northamerican1927") || strings.Contains(dn, "northamericandatum1927") || strings.HasPrefix(dn, "nad27") || auth == "EPSG:6267":
		c.kind, c.shift = datumShift, nad27CONUS
		if tow != nil && !tow.isZero() {
			c.shift = *tow
		}
	case tow != nil:
		c.kind, c.shift = datumShift, *tow
		if tow.isZero() {
			c.kind = datumSameAsWGS84
		}
	case isWGSEll || isGRS80:
		c.kind = datumSameAsWGS84
	default:
		return fmt.Errorf("crs: datum %q has no known transformation to WGS84 (add TOWGS84 to the WKT, or reproject the file first)", c.datumName)
	}
	if c.kind == datumWGS84 && (!isWGSEll && !isGRS80) {
		return fmt.Errorf("crs: datum %q with ellipsoid %q (a=%v, 1/f=%v) is inconsistent", c.datumName, s.name(), a, invf)
	}
	return nil
}

func (c *CRS) projection(root *node) error {
	p := root.kid("PROJECTION")
	if p == nil {
		return fmt.Errorf("crs: PROJCS %q has no PROJECTION", c.name)
	}
	if u := root.kid("UNIT"); u != nil {
		v, err := u.num(1)
		if err != nil {
			return fmt.Errorf("crs: %w", err)
		}
		c.unit, c.unitName = v, u.name()
	}
	params := map[string]float64{}
	for _, k := range root.kids {
		if k.key != "PARAMETER" {
			continue
		}
		v, err := k.num(1)
		if err != nil {
			return fmt.Errorf("crs: %w", err)
		}
		params[norm(k.name())] = v
	}
	get := func(def float64, names ...string) float64 {
		for _, n := range names {
			if v, ok := params[n]; ok {
				return v
			}
		}
		return def
	}
	c.fe = get(0, "falseeasting", "eastingatfalseorigin")
	c.fn = get(0, "falsenorthing", "northingatfalseorigin")
	c.lon0 = get(0, "centralmeridian", "longitudeoforigin", "longitudeofnaturalorigin", "longitudeoffalseorigin", "longitudeofcenter")
	c.lat0 = get(0, "latitudeoforigin", "latitudeofnaturalorigin", "latitudeoffalseorigin", "latitudeofcenter")
	c.k0 = get(1, "scalefactor", "scalefactoratnaturalorigin")
	switch name := norm(p.name()); name {
	case "transversemercator", "gausskruger":
		c.method = transverseMercator
	case "lambertconformalconic", "lambertconformalconic2sp", "lambertconformalconic1sp":
		c.method = lambertConic
		sp1, ok1 := params["standardparallel1"]
		sp2, ok2 := params["standardparallel2"]
		switch {
		case ok1 && ok2:
			c.lat1, c.lat2 = sp1, sp2
		case ok1:
			c.lat1, c.lat2 = sp1, sp1
		default:
			c.lat1, c.lat2 = c.lat0, c.lat0
		}
	case "mercatorauxiliarysphere", "popularvisualisationpseudomercator":
		c.method = webMercator
	default:
		return fmt.Errorf("crs: projection %q of %q is not supported (supported: Transverse Mercator, Lambert Conformal Conic, Web Mercator)", p.name(), c.name)
	}
	return nil
}

// ESRIWKT returns the CRS as ESRI WKT, the form .prj files hold.
func (c *CRS) ESRIWKT() string {
	if c.esri != "" {
		return c.esri
	}
	f := func(v float64) string {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	}
	geogName, datumName := c.geogName, c.datumName
	switch c.kind {
	case datumWGS84:
		geogName, datumName = "GCS_WGS_1984", "D_WGS_1984"
	}
	if !strings.HasPrefix(datumName, "D_") {
		datumName = "D_" + datumName
	}
	esriName := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '/' || r == '-' {
				return '_'
			}
			if r == '(' || r == ')' {
				return -1
			}
			return r
		}, s)
	}
	g := fmt.Sprintf(`GEOGCS[%q,DATUM[%q,SPHEROID[%q,%s,%s]],PRIMEM["Greenwich",%s],UNIT["Degree",0.0174532925199433]]`,
		esriName(geogName), datumName, c.ell.name, f(c.ell.a), f(c.ell.invf), f(c.pm))
	if c.method == geographic {
		return g
	}
	var b strings.Builder
	fmt.Fprintf(&b, "PROJCS[%q,%s,", strings.ReplaceAll(esriName(c.name), "__", "_"), g)
	param := func(n string, v float64) { fmt.Fprintf(&b, "PARAMETER[%q,%s],", n, f(v)) }
	switch c.method {
	case transverseMercator:
		b.WriteString(`PROJECTION["Transverse_Mercator"],`)
		param("False_Easting", c.fe)
		param("False_Northing", c.fn)
		param("Central_Meridian", c.lon0)
		param("Scale_Factor", c.k0)
		param("Latitude_Of_Origin", c.lat0)
	case lambertConic:
		b.WriteString(`PROJECTION["Lambert_Conformal_Conic"],`)
		param("False_Easting", c.fe)
		param("False_Northing", c.fn)
		param("Central_Meridian", c.lon0)
		param("Standard_Parallel_1", c.lat1)
		param("Standard_Parallel_2", c.lat2)
		param("Scale_Factor", c.k0)
		param("Latitude_Of_Origin", c.lat0)
	case webMercator:
		b.WriteString(`PROJECTION["Mercator_Auxiliary_Sphere"],`)
		param("False_Easting", 0)
		param("False_Northing", 0)
		param("Central_Meridian", 0)
		param("Standard_Parallel_1", 0)
		param("Auxiliary_Sphere_Type", 0)
	}
	fmt.Fprintf(&b, "UNIT[%q,%s]]", c.unitName, f(c.unit))
	return b.String()
}
