package crs

import (
	"archive/zip"
	"bufio"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
)

type refLine struct {
	src, dst       int
	lon, lat, x, y float64
	line           int
}

func readReference(t *testing.T) []refLine {
	t.Helper()
	f, err := os.Open("testdata/proj_reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []refLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		if len(fs) != 6 {
			t.Fatalf("line %d: %d fields", n, len(fs))
		}
		var v [6]float64
		for i, s := range fs {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
		}
		out = append(out, refLine{int(v[0]), int(v[1]), v[2], v[3], v[4], v[5], n})
	}
	if len(out) < 20 {
		t.Fatalf("only %d reference lines", len(out))
	}
	return out
}

func mustParse(t *testing.T, s string) *CRS {
	t.Helper()
	c, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%.60q): %v", s, err)
	}
	return c
}

// TestAgainstPROJ checks forward and inverse conversions against cs2cs
// results to 1 cm.
func TestAgainstPROJ(t *testing.T) {
	for _, r := range readReference(t) {
		src := mustParse(t, "EPSG:"+strconv.Itoa(r.src))
		dst := mustParse(t, "EPSG:"+strconv.Itoa(r.dst))
		lon, lat, err := src.ToWGS84(r.lon, r.lat)
		if err != nil {
			t.Fatal(err)
		}
		if r.dst == 4326 { // a pure datum shift
			if d := metres(lon, lat, r.x, r.y); d > 0.01 {
				t.Errorf("line %d: NAD27 %v,%v -> %.9f,%.9f, PROJ %.9f,%.9f (%.3f m)", r.line, r.lon, r.lat, lon, lat, r.x, r.y, d)
			}
			continue
		}
		x, y, err := dst.FromWGS84(lon, lat)
		if err != nil {
			t.Fatal(err)
		}
		tol := 0.01 / dst.unit
		if math.Abs(x-r.x) > tol || math.Abs(y-r.y) > tol {
			t.Errorf("line %d: %s forward %v,%v = %.4f,%.4f; PROJ %.4f,%.4f", r.line, dst.Name(), r.lon, r.lat, x, y, r.x, r.y)
		}
		blon, blat, err := dst.ToWGS84(r.x, r.y)
		if err != nil {
			t.Fatal(err)
		}
		if d := metres(blon, blat, lon, lat); d > 0.01 {
			t.Errorf("line %d: %s inverse of %v,%v off by %.4f m", r.line, dst.Name(), r.x, r.y, d)
		}
	}
}

// metres approximates the ground distance between two lon/lat points.
func metres(lon1, lat1, lon2, lat2 float64) float64 {
	dy := (lat1 - lat2) * 111320
	dx := (lon1 - lon2) * 111320 * math.Cos(lat1*degToRad)
	return math.Hypot(dx, dy)
}

// TestEPSGGuidanceNote checks the worked examples of EPSG Guidance Note 7-2.
func TestEPSGGuidanceNote(t *testing.T) {
	// LCC 2SP, NAD27 / Texas South Central (EPSG:32040), example 1.3.1.1.
	texas := mustParse(t, "EPSG:32040")
	x, y := texas.proj.forward(-96*degToRad, 28.5*degToRad)
	if e, n := x/texas.unit, y/texas.unit; math.Abs(e-2963503.91) > 0.01 || math.Abs(n-254759.80) > 0.01 {
		t.Errorf("Texas South Central: %.3f %.3f, want 2963503.91 254759.80 ftUS", e, n)
	}
	// TM, OSGB 1936 / British National Grid, example 1.3.5.1.
	airy := ellipsoid{"Airy_1830", 6377563.396, 299.3249646}
	tm := newTmerc(airy, 49*degToRad, -2*degToRad, 0.9996012717, 400000, -100000)
	e, n := tm.forward(0.5*degToRad, 50.5*degToRad)
	if math.Abs(e-577274.99) > 0.01 || math.Abs(n-69740.50) > 0.01 {
		t.Errorf("British National Grid: %.3f %.3f, want 577274.99 69740.50", e, n)
	}
	lon, lat := tm.inverse(577274.99, 69740.50)
	if d := metres(lon/degToRad, lat/degToRad, 0.5, 50.5); d > 0.01 {
		t.Errorf("British National Grid inverse off by %.4f m", d)
	}
}

// TestPrjFiles parses the real .prj files and checks they agree with the
// EPSG definitions they name.
func TestPrjFiles(t *testing.T) {
	prj, err := os.ReadFile(rowstest.Realdata(t, "shapefile_projected/stateplane.prj"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(rowstest.Realdata(t, "shapefile_projected/train_stations.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var train []byte
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".prj") {
			rc, _ := f.Open()
			train, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	for _, tc := range []struct {
		wkt  string
		epsg int
	}{{string(prj), 3435}, {string(train), 26986}} {
		c := mustParse(t, tc.wkt)
		if !c.Projected() || !strings.Contains(c.Accuracy(), "NAD83") {
			t.Errorf("%s: projected=%v accuracy %q", c.Name(), c.Projected(), c.Accuracy())
		}
		for _, r := range readReference(t) {
			if r.dst != tc.epsg {
				continue
			}
			lon, lat, err := c.ToWGS84(r.x, r.y)
			if err != nil {
				t.Fatal(err)
			}
			if d := metres(lon, lat, r.lon, r.lat); d > 0.01 {
				t.Errorf("%s: %v,%v -> %v,%v off by %.4f m", c.Name(), r.x, r.y, lon, lat, d)
			}
		}
	}
}

// TestESRIWKTRoundTrip parses the generated .prj text back and checks it
// converts identically.
func TestESRIWKTRoundTrip(t *testing.T) {
	for _, code := range []string{"EPSG:4326", "EPSG:4269", "EPSG:4267", "EPSG:32618", "EPSG:32733", "EPSG:26915", "EPSG:26715", "EPSG:2248", "EPSG:3857"} {
		c := mustParse(t, code)
		back := mustParse(t, c.ESRIWKT())
		for _, p := range [][2]float64{{-77, 39}, {-74, 40.7}, {18.4, -33.9}} {
			x1, y1, err1 := c.FromWGS84(p[0], p[1])
			x2, y2, err2 := back.FromWGS84(p[0], p[1])
			if err1 != nil || err2 != nil || math.Abs(x1-x2) > 1e-6 || math.Abs(y1-y2) > 1e-6 {
				t.Errorf("%s: %v,%v vs %v,%v (%v %v)\n%s", code, x1, y1, x2, y2, err1, err2, c.ESRIWKT())
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"EPSG:abc",
		"EPSG:99999",
		`PROJCS["x",GEOGCS["g",DATUM["d",SPHEROID["s",6378137,298.257223563]]],PROJECTION["Albers"],UNIT["m",1]]`,
		`GEOGCS["g",DATUM["Tokyo",SPHEROID["Bessel_1841",6377397.155,299.1528128]]]`,
		`GEOGCS["g",DATUM["d",SPHEROID["s",6378137`,
		`GEOGCS["g"]`,
		strings.Repeat("A[", 100000),
		`PROJCS["x",GEOGCS["g",DATUM["WGS84",SPHEROID["s",6378137,298.257223563]]],PROJECTION["Transverse_Mercator"],UNIT["m",0]]`,
		`GEOGCS["g",DATUM["WGS84",SPHEROID["s","x",298.257223563]]]`,
		`GEOCCS["g"]`,
	} {
		if c, err := Parse(s); err == nil {
			t.Errorf("Parse(%.50q) = %s, want an error", s, c.Name())
		}
	}
}

func TestOutOfRange(t *testing.T) {
	if _, _, err := WGS84.ToWGS84(500000, 4000000); err == nil {
		t.Error("projected-looking coordinates accepted as lon/lat")
	}
	if _, _, err := WGS84.FromWGS84(0, 95); err == nil {
		t.Error("latitude 95 accepted")
	}
	if _, _, err := WGS84.ToWGS84(math.NaN(), 0); err == nil {
		t.Error("NaN accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("EPSG:3435")
	f.Add(epsgTable[3435].esriWKT)
	f.Add(`GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		_, _, _ = c.ToWGS84(1000, 1000)
		_, _, _ = c.FromWGS84(-80, 40)
		_ = c.ESRIWKT()
	})
}

// TestEveryTableCode checks every State Plane code of the built-in table
// against cs2cs at the centre of its area of use, to 1 cm both ways.
func TestEveryTableCode(t *testing.T) {
	f, err := os.Open("testdata/table_reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 6 || fs[0] == "#" {
			continue
		}
		code, _ := strconv.Atoi(fs[0])
		var v [5]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(fs[i+1], 64)
		}
		seen[code] = true
		src := mustParse(t, "EPSG:"+fs[1])
		c := mustParse(t, "EPSG:"+fs[0])
		lon, lat, err := src.ToWGS84(v[1], v[2])
		if err != nil {
			t.Fatal(err)
		}
		x, y, err := c.FromWGS84(lon, lat)
		if err != nil {
			t.Fatalf("EPSG:%d: %v", code, err)
		}
		if tol := 0.01 / c.unit; math.Abs(x-v[3]) > tol || math.Abs(y-v[4]) > tol {
			t.Errorf("EPSG:%d %s: %.4f %.4f, PROJ %.4f %.4f", code, c.Name(), x, y, v[3], v[4])
		}
		blon, blat, err := c.ToWGS84(v[3], v[4])
		if err != nil {
			t.Fatal(err)
		}
		if d := metres(blon, blat, lon, lat); d > 0.01 {
			t.Errorf("EPSG:%d %s: inverse off by %.4f m", code, c.Name(), d)
		}
	}
	for code := range epsgTable {
		if !seen[code] {
			t.Errorf("EPSG:%d has no reference value", code)
		}
	}
}

// TestNAD27MeadesRanch checks the NAD27 shift against the datum's origin
// station, Meades Ranch (Kansas): NAD27 39°13'26.686"N 98°32'30.506"W is
// NAD83 39°13'26.71220"N 98°32'31.74540"W in NGS's NADCON-based datasheet.
// NAD83 stands in for WGS84 (1-2 m); the stated accuracy is 10 m.
func TestNAD27MeadesRanch(t *testing.T) {
	nad27 := mustParse(t, "EPSG:4267")
	lon, lat, err := nad27.ToWGS84(-(98 + 32.0/60 + 30.506/3600), 39+13.0/60+26.686/3600)
	if err != nil {
		t.Fatal(err)
	}
	if d := metres(lon, lat, -(98 + 32.0/60 + 31.74540/3600), 39+13.0/60+26.71220/3600); d > 10 {
		t.Errorf("Meades Ranch lands %.1f m from its NAD83 position", d)
	}
	if !strings.Contains(nad27.Accuracy(), "10 m") {
		t.Errorf("accuracy %q does not state 10 m", nad27.Accuracy())
	}
}
