package shapefile

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// readAll reads every row; it stops at the first fatal error.
func readAll(t testing.TB, p string, opts rows.Options) (rows.Reader, []rows.Row, []error) {
	t.Helper()
	r, err := Open(p, opts)
	if err != nil {
		return nil, nil, []error{err}
	}
	defer r.Close()
	out, rerrs := rowstest.ReadAllErrors(t, r)
	var errs []error
	for _, e := range rerrs {
		errs = append(errs, e)
	}
	return r, out, errs
}

// TestMbostockOracle reads every fixture of mbostock/shapefile and compares
// with its expected GeoJSON.
func TestMbostockOracle(t *testing.T) {
	dir := rowstest.Realdata(t, "edge_shapefile/mbostock")
	shps, _ := filepath.Glob(filepath.Join(dir, "*.shp"))
	if len(shps) < 15 {
		t.Fatalf("only %d fixtures", len(shps))
	}
	for _, shp := range shps {
		name := strings.TrimSuffix(filepath.Base(shp), ".shp")
		t.Run(name, func(t *testing.T) {
			var oracle struct {
				Features []struct {
					Properties map[string]any  `json:"properties"`
					Geometry   json.RawMessage `json:"geometry"`
				} `json:"features"`
			}
			b, err := os.ReadFile(strings.TrimSuffix(shp, ".shp") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &oracle); err != nil {
				t.Fatal(err)
			}
			r, got, errs := readAll(t, shp, rows.Options{})
			if strings.Contains(string(b), `"Polygon"`) || strings.Contains(string(b), `"MultiPolygon"`) {
				if len(errs) != 1 || !strings.Contains(errs[0].Error(), "Polygon") {
					t.Fatalf("polygon fixture: errors %v, want one naming Polygon", errs)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(got) != len(oracle.Features) {
				t.Fatalf("%d rows, oracle has %d features", len(got), len(oracle.Features))
			}
			cols := r.Columns()
			for i, f := range oracle.Features {
				row := got[i]
				if row.Num != i+1 {
					t.Errorf("feature %d: Num %d", i+1, row.Num)
				}
				var want geom.T
				if string(f.Geometry) != "null" {
					if err := geojson.Unmarshal(f.Geometry, &want); err != nil {
						t.Fatal(err)
					}
				}
				if !sameGeom(row.Geom, want) {
					t.Errorf("feature %d: geometry %v, want %v", i+1, row.Geom, want)
				}
				for c, col := range cols {
					w, ok := f.Properties[col]
					if !ok && len(f.Properties) == 0 {
						continue // the oracle ignored the DBF for this fixture
					}
					if want := oracleText(w, ok); row.Values[c] != want && !numEqual(row.Values[c], want) {
						t.Errorf("feature %d %s = %q, want %q", i+1, col, row.Values[c], want)
					}
				}
			}
		})
	}
}

func oracleText(v any, present bool) string {
	switch t := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case string:
		if len(t) == 8 && strings.Trim(t, "0123456789") == "" { // mbostock keeps D as YYYYMMDD
			return t[:4] + "-" + t[4:6] + "-" + t[6:]
		}
		return t
	}
	return ""
}

func numEqual(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}

func sameGeom(a, b geom.T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ja, _ := geojson.Marshal(a)
	jb, _ := geojson.Marshal(b)
	return string(ja) == string(jb)
}

// TestProjectedAgainstOGR checks that the State Plane and Massachusetts
// files land where ogr2ogr -t_srs EPSG:4326 puts them, to 1 cm.
func TestProjectedAgainstOGR(t *testing.T) {
	for _, tc := range []struct {
		file, ref string
		count     int
		note      string
	}{
		{"shapefile_projected/stateplane.shp", "testdata/ogr_stateplane.txt", 260, "Illinois_East"},
		{"shapefile_projected/train_stations.zip", "testdata/ogr_train_stations.txt", 361, "Massachusetts Mainland"},
	} {
		r, got, errs := readAll(t, rowstest.Realdata(t, tc.file), rows.Options{})
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tc.file, errs)
		}
		if len(got) != tc.count {
			t.Fatalf("%s: %d rows, want %d", tc.file, len(got), tc.count)
		}
		if notes := strings.Join(r.(rows.Describer).Notes(), "\n"); !strings.Contains(notes, tc.note) || !strings.Contains(notes, "NAD83") {
			t.Errorf("%s: notes %q lack the CRS and its accuracy", tc.file, notes)
		}
		f, err := os.Open(tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		checked := 0
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) != 5 || fs[0] == "#" {
				continue
			}
			n, _ := strconv.Atoi(fs[0])
			var v [4]float64
			for i := range v {
				v[i], _ = strconv.ParseFloat(fs[i+1], 64)
			}
			flat := got[n-1].Geom.FlatCoords()
			stride := got[n-1].Geom.Stride()
			first := [2]float64{flat[0], flat[1]}
			last := [2]float64{flat[len(flat)-stride], flat[len(flat)-stride+1]}
			if d := metres(first, v[0], v[1]); d > 0.01 {
				t.Errorf("%s record %d first vertex %v is %.4f m from ogr2ogr's", tc.file, n, first, d)
			}
			if d := metres(last, v[2], v[3]); d > 0.01 {
				t.Errorf("%s record %d last vertex %v is %.4f m from ogr2ogr's", tc.file, n, last, d)
			}
			checked++
		}
		f.Close()
		if checked != tc.count {
			t.Errorf("%s: checked %d records", tc.ref, checked)
		}
	}
}

func metres(p [2]float64, lon, lat float64) float64 {
	return math.Hypot((p[0]-lon)*111320*math.Cos(lat*math.Pi/180), (p[1]-lat)*111320)
}

// TestKnownValues checks attribute decoding on the real files.
func TestKnownValues(t *testing.T) {
	r, got, errs := readAll(t, rowstest.Realdata(t, "shapefile_projected/stateplane.shp"), rows.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []string{"SEGMENT_ID", "ASSET_ID", "LINES", "DESCRIPTIO", "EDIT_INIT", "EDIT_DATE", "SHAPE_LEN"}
	if strings.Join(r.Columns(), ",") != strings.Join(want, ",") {
		t.Fatalf("columns %v", r.Columns())
	}
	if v := got[1].Values; v[2] != "Electric, S. Shore" || v[5] != "1995-08-02" || v[0] != "75.00000000" {
		t.Errorf("record 2: %q", v)
	}
	if _, ok := got[0].Geom.(*geom.LineString); !ok {
		t.Errorf("record 1 geometry %T, want LineString", got[0].Geom)
	}

	r, got, errs = readAll(t, rowstest.Realdata(t, "shapefile_projected/train_stations.zip"), rows.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if v := got[1].Values; v[1] != "ASHLAND" {
		t.Errorf("train station 2: %q", v)
	}
	if notes := strings.Join(r.(rows.Describer).Notes(), "\n"); !strings.Contains(notes, "utf-8 (from train_stations.cst)") {
		t.Errorf("notes %q do not name the .cst codepage", notes)
	}
}

func TestPyshp(t *testing.T) {
	_, got, errs := readAll(t, rowstest.Realdata(t, "edge_shapefile/pyshp/corrupt_too_long.shp"), rows.Options{})
	if len(errs) > 0 || len(got) != 10 {
		t.Errorf("corrupt_too_long: %d rows, errors %v; want 10 rows like GDAL", len(got), errs)
	}
	for _, f := range []string{"blockgroups.shp", "latin1.shp", "REL.zip"} {
		_, _, errs := readAll(t, rowstest.Realdata(t, "edge_shapefile/pyshp/"+f), rows.Options{})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "Polygon") {
			t.Errorf("%s: %v, want a Polygon error", f, errs)
		}
	}
	// The DBF on its own still decodes: Latin-1 text with LDID 0 and no .cpg.
	f, err := os.Open(rowstest.Realdata(t, "edge_shapefile/pyshp/latin1.dbf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := newDBFReader(f)
	if err != nil {
		t.Fatal(err)
	}
	d.dec, _, _ = chooseDecoder("", "", d.ldid)
	rec, _, err := d.next()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := d.value(rec, 1); v != "Ñandú" {
		t.Errorf("latin1 name %q not decoded", v)
	}
}

// copySet copies a realdata shapefile set into a temp dir.
func copySet(t *testing.T, rel string) string {
	t.Helper()
	src := rowstest.Realdata(t, rel)
	dir := t.TempDir()
	stem := strings.TrimSuffix(src, ".shp")
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		b, err := os.ReadFile(stem + ext)
		if err != nil {
			continue
		}
		os.WriteFile(filepath.Join(dir, "t"+ext), b, 0o644)
	}
	return filepath.Join(dir, "t.shp")
}

func mutate(t *testing.T, p string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorruptFiles crafts broken sets and checks each gives a clear error.
func TestCorruptFiles(t *testing.T) {
	cases := []struct {
		name string
		ext  string
		f    func([]byte) []byte
		want string
	}{
		{"truncated shp", ".shp", func(b []byte) []byte { return b[:len(b)-10] }, "truncated"},
		{"short header", ".shp", func(b []byte) []byte { return b[:60] }, "header truncated"},
		{"bad file code", ".shp", func(b []byte) []byte { b[3] = 1; return b }, "not a shapefile"},
		{"record past end", ".shp", func(b []byte) []byte { binary.BigEndian.PutUint32(b[104:], 1<<30); return b }, "past the end"},
		{"shx offset mismatch", ".shx", func(b []byte) []byte { binary.BigEndian.PutUint32(b[108:], 9999); return b }, "does not match"},
		{"shx other type", ".shx", func(b []byte) []byte { b[32] = 3; return b }, "shape type"},
		{"dbf bad version", ".dbf", func(b []byte) []byte { b[0] = 0x77; return b }, "not a DBF"},
		{"dbf bad record length", ".dbf", func(b []byte) []byte { b[10] = 99; return b }, "record length"},
		{"dbf truncated", ".dbf", func(b []byte) []byte { return b[:len(b)-20] }, "truncated"},
		{"dbf fewer records", ".dbf", func(b []byte) []byte { b[4]--; return b }, "records but the .shp has more"},
		{"dbf more records", ".dbf", func(b []byte) []byte { b[4]++; return append(b, make([]byte, 40)...) }, "records but the .shp has"},
		{"unknown codepage", ".cpg", func([]byte) []byte { return []byte("x-klingon") }, "not supported"},
		{"bad prj", ".prj", func([]byte) []byte { return []byte(`PROJCS["x",GEOGCS[`) }, "t.prj"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := copySet(t, "edge_shapefile/mbostock/points.shp")
			target := strings.TrimSuffix(p, ".shp") + tc.ext
			if _, err := os.Stat(target); err != nil {
				os.WriteFile(target, nil, 0o644)
			}
			mutate(t, target, tc.f)
			_, _, errs := readAll(t, p, rows.Options{})
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			last := errs[len(errs)-1]
			if !strings.Contains(last.Error(), tc.want) || !strings.Contains(last.Error(), "t.shp") {
				t.Errorf("error %q, want it to name t.shp and say %q", last, tc.want)
			}
		})
	}
}

func TestDeletedRecordsAndNoPrj(t *testing.T) {
	p := copySet(t, "edge_shapefile/mbostock/points.shp")
	dbf := strings.TrimSuffix(p, ".shp") + ".dbf"
	mutate(t, dbf, func(b []byte) []byte {
		hl := int(binary.LittleEndian.Uint16(b[8:]))
		rl := int(binary.LittleEndian.Uint16(b[10:]))
		b[hl+rl] = '*' // delete record 2
		return b
	})
	_, got, errs := readAll(t, p, rows.Options{})
	if len(errs) > 0 || len(got) != 8 || got[1].Num != 3 {
		t.Fatalf("%d rows (second is %d), errors %v; want 8 rows, record 2 skipped", len(got), got[1].Num, errs)
	}

	// Projected coordinates without a .prj are refused.
	p = copySet(t, "shapefile_projected/stateplane.shp")
	os.Remove(strings.TrimSuffix(p, ".shp") + ".prj")
	_, _, errs = readAll(t, p, rows.Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "not longitude/latitude") {
		t.Errorf("no .prj: %v", errs)
	}
	// ... and accepted with the crs option.
	_, got, errs = readAll(t, p, rows.Options{CRS: "EPSG:3435"})
	if len(errs) > 0 || len(got) != 260 {
		t.Errorf("crs option: %d rows, %v", len(got), errs)
	}
}

func TestCodepages(t *testing.T) {
	cases := []struct {
		cpg   string
		ldid  byte
		in    string
		want  string
		note  string
		fails bool
	}{
		{"UTF-8", 0x57, "\xc3\xa9", "é", "utf-8 (from t.cpg)", false},
		{"1251", 0, "\xc4\xe0", "Да", "windows-1251", false},
		{"ANSI 1252", 0, "\xe9", "é", "windows-1252", false},
		{"88591", 0, "\xe9", "é", "windows-1252", false}, // WHATWG: ISO-8859-1 is read as its superset
		{"437", 0, "\x82", "é", "cp437", false},
		{"", 0x26, "\xa0", "а", "cp866 (from the DBF language driver id 0x26", false},
		{"", 0xC9, "\xc4", "Д", "windows-1251", false},
		{"", 0x57, "\xe9", "é", "windows-1252", false},
		{"", 0, "\xc3\xa9", "é", "no codepage declared", false},
		{"", 0, "\xe9", "é", "no codepage declared", false},
		{"", 0x99, "\xe9", "é", "0x99 is not supported", false},
		{"EBCDIC-KLINGON", 0, "", "", "", true},
	}
	for _, c := range cases {
		dec, note, err := chooseDecoder(c.cpg, "t.cpg", c.ldid)
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), "t.cpg") {
				t.Errorf("%q: error %v, want one naming t.cpg", c.cpg, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q/%#x: %v", c.cpg, c.ldid, err)
			continue
		}
		if got := dec.text([]byte(c.in)); got != c.want || !strings.Contains(note, c.note) {
			t.Errorf("%q/%#x: %q → %q (note %q), want %q (note %q)", c.cpg, c.ldid, c.in, got, note, c.want, c.note)
		}
	}
	// The encoding option overrides the .cpg.
	p := copySet(t, "edge_shapefile/mbostock/utf8-property.shp")
	r, got, errs := readAll(t, p, rows.Options{Encoding: "windows-1252"})
	if len(errs) > 0 || got[0].Values[0] == "ηελλο ςορλδ" || !strings.Contains(strings.Join(r.(rows.Describer).Notes(), ";"), "the encoding option") {
		t.Errorf("encoding option ignored: %q %v", got[0].Values, errs)
	}
}

func TestZipLayers(t *testing.T) {
	dir := t.TempDir()
	var bases []string
	for _, name := range []string{"nodes", "spans"} {
		base := filepath.Join(dir, name)
		w, err := Create(base, Point, []Field{{Name: "id", Type: 'C', Length: 4}})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(geom.NewPointFlat(geom.XY, []float64{1, 2}), []any{name[:1]})
		w.Close()
		bases = append(bases, base)
	}
	zp := filepath.Join(dir, "both.zip")
	if err := WriteZip(zp, bases...); err != nil {
		t.Fatal(err)
	}
	_, _, errs := readAll(t, zp, rows.Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "layers: nodes, spans") {
		t.Errorf("two layers, no sheet: %v", errs)
	}
	_, _, errs = readAll(t, zp, rows.Options{Sheet: "poles"})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "no layer of that name") {
		t.Errorf("unknown layer: %v", errs)
	}
	_, got, errs := readAll(t, zp, rows.Options{Sheet: "spans"})
	if len(errs) > 0 || len(got) != 1 || got[0].Values[0] != "s" {
		t.Errorf("layer spans: %v %v", got, errs)
	}
}
