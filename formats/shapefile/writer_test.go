package shapefile

import (
	"archive/zip"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/rows"
)

func TestTruncateNames(t *testing.T) {
	in := []string{"pole_height_ft", "pole_height_m", "POLE_HEIGH", "scid", "", "ä234567890x", "SCID", "pole_height_in"}
	got := TruncateNames(in)
	want := []string{"pole_hei_1", "pole_hei_2", "POLE_HEIGH", "scid", "FIELD", "ä23456789", "SCID_1", "pole_hei_3"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("TruncateNames = %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for _, n := range got {
		if len(n) > 10 || seen[strings.ToUpper(n)] {
			t.Errorf("%q too long or repeated", n)
		}
		seen[strings.ToUpper(n)] = true
	}
}

var testFields = []Field{
	{Name: "node_id", Type: 'C', Length: 40},
	{Name: "pole_height_ft", Type: 'N', Length: 12, Decimals: 2},
	{Name: "pole_height_m", Type: 'N', Length: 12, Decimals: 2},
	{Name: "done", Type: 'L'},
	{Name: "surveyed", Type: 'D'},
	{Name: "note", Type: 'C'},
}

func writeTestSet(t *testing.T, dir string) (string, *Writer) {
	t.Helper()
	base := filepath.Join(dir, "nodes")
	w, err := Create(base+".shp", Point, testFields)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", 200) // 400 bytes
	recs := []struct {
		g geom.T
		v []any
	}{
		{geom.NewPointFlat(geom.XY, []float64{-76.61, 39.29}), []any{"n1", 35.5, int64(11), true, time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC), "Ünïcode, \"quoted\""}},
		{geom.NewPointFlat(geom.XY, []float64{-76.62, 39.30}), []any{"n2", nil, "12.25", false, "2023-01-02", long}},
		{nil, []any{"n3", int64(7), 1.5, nil, nil, ""}},
	}
	for _, r := range recs {
		if err := w.Write(r.g, r.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(geom.NewLineStringFlat(geom.XY, []float64{0, 0, 1, 1}), make([]any, 6)); err == nil {
		t.Error("a LineString was accepted in a Point file")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return base, w
}

// TestWriterRoundTrip writes a set and reads it back with this package's
// reader.
func TestWriterRoundTrip(t *testing.T) {
	base, w := writeTestSet(t, t.TempDir())
	if ws := w.Warnings(); len(ws) != 1 || !strings.Contains(ws[0], "record 2, field note: value of 400 bytes cut to 254") {
		t.Errorf("warnings %q", ws)
	}
	r, got, errs := readAll(t, base+".shp", rows.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if strings.Join(r.Columns(), ",") != "node_id,pole_heigh,pole_hei_1,done,surveyed,note" {
		t.Errorf("columns %q", r.Columns())
	}
	if len(got) != 3 {
		t.Fatalf("%d rows", len(got))
	}
	if v := got[0].Values; strings.Join(v, "|") != `n1|35.50|11.00|true|2024-05-06|Ünïcode, "quoted"` {
		t.Errorf("row 1 %q", v)
	}
	if v := got[1].Values; v[1] != "" || v[2] != "12.25" || v[3] != "false" || v[4] != "2023-01-02" || v[5] != strings.Repeat("é", 127) {
		t.Errorf("row 2 %q", v)
	}
	if p := got[1].Geom.(*geom.Point); p.X() != -76.62 || p.Y() != 39.30 {
		t.Errorf("row 2 at %v", p.Coords())
	}
	if got[2].Geom != nil || got[2].Num != 3 {
		t.Errorf("row 3: %v", got[2])
	}
	names, err := os.ReadFile(base + ".fieldnames.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(strings.NewReader(string(names))).ReadAll()
	if len(recs) != 7 || recs[2][0] != "pole_heigh" || recs[2][1] != "pole_height_ft" {
		t.Errorf("sidecar %q", recs)
	}
	if b, _ := os.ReadFile(base + ".cpg"); string(b) != "UTF-8" {
		t.Errorf(".cpg %q", b)
	}
}

// TestWriterOgrinfo reads a written set with GDAL.
func TestWriterOgrinfo(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (Debian gdal-bin)")
	}
	dir := t.TempDir()
	base, _ := writeTestSet(t, dir)
	out, err := exec.Command("ogrinfo", "-al", base+".shp").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"Geometry: Point", "Feature Count: 3", "WGS 84",
		"Extent: (-76.620000, 39.290000) - (-76.610000, 39.300000)",
		"pole_hei_1: Real (12.2)", "pole_heigh (Real) = 35.50", "node_id (String) = n1", "note (String) = Ünïcode, \"quoted\"",
		"surveyed (Date) = 2024/05/06", "POINT (-76.61 39.29)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(s, "done (String) = T") && !strings.Contains(s, "done (Integer(Boolean)) = 1") {
		t.Errorf("ogrinfo does not read the logical field:\n%s", s)
	}
	if strings.Contains(s, "ERROR") || strings.Contains(s, "Warning") {
		t.Errorf("ogrinfo complains:\n%s", s)
	}

	// A PolyLine set in a zip, with a State Plane .prj.
	md := mustCRS(t, "EPSG:2248")
	lb := filepath.Join(dir, "spans")
	w, err := Create(lb, PolyLine, []Field{{Name: "id", Type: 'C', Length: 10}}, WithPRJ(md.ESRIWKT()))
	if err != nil {
		t.Fatal(err)
	}
	x1, y1, _ := md.FromWGS84(-76.61, 39.29)
	x2, y2, _ := md.FromWGS84(-76.62, 39.30)
	if err := w.Write(geom.NewMultiLineStringFlat(geom.XY, []float64{x1, y1, x2, y2, x2, y2, x1, y2}, []int{4, 8}), []any{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(geom.NewLineStringFlat(geom.XY, []float64{x1, y1, x2, y2}), []any{"b"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	zp := filepath.Join(dir, "set.zip")
	if err := WriteZip(zp, base, lb); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 11 {
		t.Errorf("zip holds %d files, want 6 + 5", len(zr.File))
	}
	zr.Close()
	out, err = exec.Command("ogrinfo", "-al", "-so", "/vsizip/"+zp+"/spans.shp").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	for _, want := range []string{"Line String", "Feature Count: 2", "Maryland", "US survey foot"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo spans lacks %q:\n%s", want, out)
		}
	}
	// Our reader brings the State Plane coordinates back to WGS84.
	_, got, errs := readAll(t, zp, rows.Options{Sheet: "spans"})
	if len(errs) > 0 || len(got) != 2 {
		t.Fatalf("%d rows, %v", len(got), errs)
	}
	if c := got[1].Geom.FlatCoords(); metres([2]float64{c[0], c[1]}, -76.61, 39.29) > 0.001 {
		t.Errorf("round trip through Maryland State Plane: %v", c[:2])
	}
}

func mustCRS(t *testing.T, s string) *crs.CRS {
	c, err := crs.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriterNumberFit(t *testing.T) {
	base := filepath.Join(t.TempDir(), "n")
	w, err := Create(base, Point, []Field{{Name: "r", Type: 'N', Length: 24, Decimals: 15}, {Name: "i", Type: 'N', Length: 4}})
	if err != nil {
		t.Fatal(err)
	}
	pt := geom.NewPointFlat(geom.XY, []float64{1, 2})
	for _, v := range [][]any{{1e9, int64(12)}, {123456789.123456789, int64(12345)}, {"abc", "7"}} {
		if err := w.Write(pt, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got, errs := readAll(t, base+".shp", rows.Options{})
	if len(errs) > 0 || len(got) != 3 {
		t.Fatal(errs)
	}
	if v := got[0].Values; v[0] != "1000000000.0000000000000" || v[1] != "12" {
		t.Errorf("row 1 %q: 1e9 should lose one zero decimal, silently", v)
	}
	if v := got[1].Values; v[0] != "123456789.12345679104328" || v[1] != "" {
		t.Errorf("row 2 %q", v)
	}
	ws := strings.Join(w.Warnings(), "\n")
	for _, want := range []string{"record 2, field i: 12345 does not fit in 4 characters", `record 3, field r: "abc" is not a number`} {
		if !strings.Contains(ws, want) {
			t.Errorf("warnings %q lack %q", ws, want)
		}
	}
	if len(w.Warnings()) != 2 {
		t.Errorf("warnings %q", w.Warnings())
	}
}
