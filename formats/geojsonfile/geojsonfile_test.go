package geojsonfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// readAll reads every row, collecting errors; it stops at a fatal one.
func readAll(t testing.TB, p string, opts rows.Options) (rows.Reader, []rows.Row, []*rows.Error) {
	t.Helper()
	r, err := Open(p, opts)
	if err != nil {
		var re *rows.Error
		if !errors.As(err, &re) {
			t.Fatalf("%s: Open error %T is not a *rows.Error", p, err)
		}
		return nil, nil, []*rows.Error{re}
	}
	defer r.Close()
	out, errs := rowstest.ReadAllErrors(t, r)
	return r, out, errs
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.geojson")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRealPoles(t *testing.T) {
	cases := []struct {
		file    string
		count   int
		columns string
		geom    string
	}{
		{"poles_sesb_sabah/poles.geojson", 1305, "gid", "*geom.Point"},
		{"poles_sesb_sabah/transmission_line.geojson", 78, "gid", "*geom.MultiLineString"},
		{"poles_osm/vancouver_powerlines.geojson", 581, "power,voltage,operator,length_m", "*geom.LineString"},
		{"poles_osm/cartago_cr_postes.geojson", 12, "cat,osm_id,name,barrier,highway,ref,address,is_in,place,man_made,other_tags", "*geom.Point"},
	}
	for _, tc := range cases {
		r, got, errs := readAll(t, rowstest.Realdata(t, tc.file), rows.Options{})
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tc.file, errs)
		}
		if len(got) != tc.count {
			t.Errorf("%s: %d rows, want %d", tc.file, len(got), tc.count)
		}
		if c := strings.Join(r.Columns(), ","); c != tc.columns {
			t.Errorf("%s: columns %s, want %s", tc.file, c, tc.columns)
		}
		for i, row := range got {
			if row.Num != i+1 {
				t.Fatalf("%s: row %d numbered %d", tc.file, i+1, row.Num)
			}
			if typ := typeName(row.Geom); typ != tc.geom {
				t.Fatalf("%s row %d: geometry %s, want %s", tc.file, row.Num, typ, tc.geom)
			}
		}
	}
	_, got, _ := readAll(t, rowstest.Realdata(t, "poles_osm/vancouver_powerlines.geojson"), rows.Options{})
	if v := got[0].Values; v[0] != "line" || v[1] != "230000;230000" || v[2] != "" || v[3] != "5039.34" {
		t.Errorf("vancouver row 1: %q", v)
	}
	if c := got[0].Geom.FlatCoords(); c[0] != -123.0180068 || c[1] != 49.2682961 {
		t.Errorf("vancouver row 1 starts at %v (RFC 7946 order is lon, lat)", c[:2])
	}
	_, got, _ = readAll(t, rowstest.Realdata(t, "poles_osm/cartago_cr_postes.geojson"), rows.Options{})
	if v := got[0].Values; v[1] != "10054740829" || v[10] != "pole" || v[0] != "4" {
		t.Errorf("cartago row 1: %q", v)
	}
}

func typeName(g geom.T) string {
	if g == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", g)
}

// TestEdgeFiles reads every file under edge_geojson: valid files of the
// supported geometry types give rows, everything else a clear error; none
// panics.
func TestEdgeFiles(t *testing.T) {
	root := rowstest.Realdata(t, "edge_geojson")
	unsupported := regexpAny("Polygon geometry is not supported", "GeometryCollection is not supported", "MultiPoint of")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".geojson") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 80 {
		t.Fatalf("only %d edge files", len(files))
	}
	// Invalid per RFC 7946 but harmless for reading points and lines: bbox
	// members are not used and an id of any type is text.
	tolerated := map[string]bool{
		"invalid_geometry_bbox_not4or6.geojson": true, "invalid_geometry_bbox_not_list.geojson": true,
		"invalid_geometry_bbox_not_numbers.geojson": true, "invalid_feature_id_type.geojson": true,
	}
	for _, p := range files {
		name := filepath.Base(p)
		_, got, errs := readAll(t, p, rows.Options{})
		for _, e := range errs {
			if e.File != p || (!e.Fatal && e.Row < 1) || e.Msg == "" {
				t.Errorf("%s: error %q lacks its file or row", name, e)
			}
		}
		switch {
		case strings.Contains(p, "/invalid_structure/") && !tolerated[name],
			strings.Contains(p, "/invalid_geometries/"):
			if len(errs) == 0 {
				t.Errorf("%s: read %d rows without an error", name, len(got))
			}
		case strings.Contains(p, "/valid/") || strings.Contains(p, "rfc7946"):
			for _, e := range errs {
				if !unsupported(e.Msg) {
					t.Errorf("%s: valid file gives %q", name, e)
				}
			}
			if len(got)+len(errs) == 0 && !strings.Contains(name, "empty_features") && !strings.Contains(name, "null_geometry") && name != "example_02_b.geojson" {
				t.Errorf("%s: nothing read", name)
			}
		}
	}
}

func regexpAny(subs ...string) func(string) bool {
	return func(s string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
}

func TestValues(t *testing.T) {
	p := writeFile(t, `{"features":[
 {"type":"Feature","id":7,"properties":{"a":1.50,"b":true,"c":null,"d":{"x": [1, 2]},"e":"tab\tq\"u"},"geometry":{"type":"Point","coordinates":[-76.5,39.25,12]}},
 {"type":"Feature","properties":{"f":1e3,"a":"x"},"geometry":{"type":"MultiPoint","coordinates":[[1,2]]}},
 {"type":"Feature","properties":null,"geometry":null},
 {"type":"Feature","properties":{"a":"only"},"geometry":null},
 {"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[200,10]}},
 {"type":"Feature","properties":{"a":1},"geometry":{"type":"LineString","coordinates":[[1,2]]}},
 {"type":"Feature","properties":{"a":1}}
],"type":"FeatureCollection"}`)
	r, got, errs := readAll(t, p, rows.Options{})
	if c := strings.Join(r.Columns(), ","); c != "a,b,c,d,e,f,id" {
		t.Errorf("columns %s", c)
	}
	if len(got) != 3 || len(errs) != 3 {
		t.Fatalf("%d rows, errors %v", len(got), errs)
	}
	if v := strings.Join(got[0].Values, "|"); v != "1.50|true||{\"x\":[1,2]}|tab\tq\"u||7" {
		t.Errorf("row 1: %q", v)
	}
	if p := got[0].Geom.(*geom.Point); p.X() != -76.5 || p.Y() != 39.25 {
		t.Errorf("row 1 point %v", p.Coords())
	}
	if v := got[1].Values; v[0] != "x" || v[5] != "1e3" || got[1].Geom.(*geom.Point).X() != 1 {
		t.Errorf("row 2: %q %v", v, got[1].Geom)
	}
	if got[2].Num != 4 || got[2].Geom != nil || got[2].Values[0] != "only" {
		t.Errorf("row 3 should be feature 4 (feature 3 is empty): %+v", got[2])
	}
	for i, want := range []string{"in.geojson::5:geometry: position 200, 10 is not a longitude, latitude", "::6:geometry: LineString has 1 position(s)", "::7:geometry: the Feature has no geometry member"} {
		if !strings.Contains(errs[i].Error(), want) {
			t.Errorf("error %d: %q, want %q", i, errs[i], want)
		}
	}
}

func TestCRS(t *testing.T) {
	md, _ := crs.Parse("EPSG:2248")
	x, y, _ := md.FromWGS84(-76.6, 39.3)
	body := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[` +
		ftoa(x) + "," + ftoa(y) + `]}}],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2248"}}}`
	r, got, errs := readAll(t, writeFile(t, body), rows.Options{})
	if len(errs) > 0 || len(got) != 1 {
		t.Fatalf("%v", errs)
	}
	if c := got[0].Geom.FlatCoords(); math.Abs(c[0]+76.6) > 1e-9 || math.Abs(c[1]-39.3) > 1e-9 {
		t.Errorf("reprojected to %v", c)
	}
	if !strings.Contains(strings.Join(r.(rows.Describer).Notes(), ";"), "Maryland") {
		t.Errorf("notes %q", r.(rows.Describer).Notes())
	}
	_, _, errs = readAll(t, writeFile(t, strings.Replace(body, "EPSG::2248", "EPSG::9999", 1)), rows.Options{})
	if len(errs) != 1 || !errs[0].Fatal || !strings.Contains(errs[0].Error(), "EPSG:9999") {
		t.Errorf("unknown crs: %v", errs)
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func TestHostile(t *testing.T) {
	cases := map[string]string{
		"deep foreign member": `{"type":"FeatureCollection","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"features":[]}`,
		"deep property":       `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `},"geometry":null}]}`,
		"truncated":           `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,`,
		"trailing data":       `{"type":"FeatureCollection","features":[]} {}`,
		"not json":            `hello`,
		"empty":               ``,
		"array":               `[1,2]`,
	}
	for name, body := range cases {
		_, _, errs := readAll(t, writeFile(t, body), rows.Options{})
		if len(errs) == 0 || !errs[len(errs)-1].Fatal {
			t.Errorf("%s: errors %v, want a fatal one", name, errs)
		}
	}
	// A syntax error deep in the file names the feature it is in.
	body := `{"type":"FeatureCollection","features":[` + strings.Repeat(`{"type":"Feature","properties":{},"geometry":null},`, 41) + `{"type":"Feature","properties":{"a":tru}}]}`
	_, _, errs := readAll(t, writeFile(t, body), rows.Options{})
	if len(errs) != 1 || errs[0].Row != 42 || !strings.Contains(errs[0].Error(), "invalid JSON") {
		t.Errorf("syntax error in feature 42: %v", errs)
	}
}

// TestWriter writes a collection and reads it back with this package and
// with GDAL.
func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, []string{"name", "height", "count", "ok", "none", "<tag>"}, WithName("nodes"))
	if err != nil {
		t.Fatal(err)
	}
	feats := []struct {
		g geom.T
		v []any
	}{
		{geom.NewPointFlat(geom.XY, []float64{-76.61, 39.29}), []any{"pole \"1\"", 35.5, int64(12), true, nil, "a&b"}},
		{geom.NewLineStringFlat(geom.XY, []float64{-76.61, 39.29, -76.62, 39.3}), []any{"span", math.NaN(), 3, false, nil, "é"}},
		{geom.NewMultiLineStringFlat(geom.XY, []float64{0, 0, 1, 1, 2, 2, 3, 3}, []int{4, 8}), []any{"", 0.1, int64(-1), false, nil, ""}},
		{nil, []any{"nowhere", 1e21, 0, true, nil, ""}},
	}
	for _, f := range feats {
		if err := w.Write(f.g, f.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(nil, []any{"short"}); err == nil {
		t.Error("a short row was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "out.geojson")
	os.WriteFile(p, buf.Bytes(), 0o644)
	_, got, errs := readAll(t, p, rows.Options{})
	if len(errs) > 0 || len(got) != 4 {
		t.Fatalf("read back %d rows, %v\n%s", len(got), errs, buf.String())
	}
	if v := strings.Join(got[0].Values, "|"); v != `pole "1"|35.5|12|true||a&b` {
		t.Errorf("row 1 %q", v)
	}
	if v := got[1].Values; v[1] != "" || v[2] != "3" || v[5] != "é" {
		t.Errorf("row 2 %q", v)
	}
	if v := got[3].Values[1]; v != "1000000000000000000000" {
		t.Errorf("1e21 written as %q", v)
	}
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (Debian gdal-bin)")
	}
	out, err := exec.Command("ogrinfo", "-al", p).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Layer name: nodes", "Feature Count: 4", "WGS 84", `name (String) = pole "1"`, "height (Real) = 35.5", "count (Integer", "ok (Integer(Boolean)) = 1", "<tag> (String) = a&b", "POINT (-76.61 39.29)", "LINESTRING (-76.61 39.29,-76.62 39.3)", "MULTILINESTRING ((0 0,1 1),(2 2,3 3))"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, out)
		}
	}
}
