package kmlfile

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
)

func TestWriteAndReadBackWithOGR(t *testing.T) {
	var buf bytes.Buffer
	w, err := New(&buf, "job 1", []Schema{
		{"poles", []Field{{"pole_tag", String}, {"height", Int}}},
		{"spans & more", []Field{{"id", String}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.BeginFolder("poles"))
	must(w.Placemark("T-1", geom.NewPointFlat(geom.XY, []float64{-98.4, 29.3}), []string{"T-1 <&>", "45"}))
	must(w.Placemark("T-2", geom.NewPointFlat(geom.XY, []float64{-98.5, 29.2}), []string{"", "40"}))
	must(w.EndFolder())
	if err := w.Placemark("x", nil, []string{"a"}); err == nil {
		t.Error("placemark outside a folder accepted")
	}
	must(w.BeginFolder("spans & more"))
	must(w.Placemark("s1", geom.NewLineStringFlat(geom.XY, []float64{-98.4, 29.3, -98.5, 29.2}), []string{"s1"}))
	must(w.Close())
	if !strings.Contains(buf.String(), `<Schema id="spans___more" name="spans &amp; more">`) {
		t.Errorf("schema id not sanitised:\n%s", buf.String())
	}

	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (apt-get install gdal-bin)")
	}
	path := filepath.Join(t.TempDir(), "job.kml")
	must(os.WriteFile(path, buf.Bytes(), 0o644))
	out, err := exec.Command("ogrinfo", "-ro", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"Layer name: poles", "Feature Count: 2", "pole_tag (String) = T-1 <&>", "height (Integer) = 45", "height (Integer) = 40",
		"POINT (-98.4 29.3", "Layer name: spans & more", "LINESTRING (-98.4 29.3", "id (String) = s1", `ID["EPSG",4326]`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, s)
		}
	}
}

func TestEscapingAndOtherGeometries(t *testing.T) {
	if got := string(appendEscaped(nil, "a&b<c>\"d\"\r\n\x01\xff")); got != "a&amp;b&lt;c&gt;&#34;d&#34;&#xD;\n\uFFFD\uFFFD" {
		t.Errorf("escaped %q", got)
	}
	var buf bytes.Buffer
	w, err := New(&buf, "d", []Schema{{"l", []Field{{"v", String}}}})
	if err != nil {
		t.Fatal(err)
	}
	w.BeginFolder("l")
	poly := geom.NewPolygonFlat(geom.XY, []float64{0, 0, 1, 0, 1, 1, 0, 0}, []int{8})
	if err := w.Placemark("p", poly, []string{"line1\r\nline2"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A standard XML parser reads the document back, value intact.
	var doc struct {
		Placemark struct {
			Data    string `xml:"ExtendedData>SchemaData>SimpleData"`
			Polygon struct {
				Coords string `xml:"outerBoundaryIs>LinearRing>coordinates"`
			} `xml:"Polygon"`
		} `xml:"Document>Folder>Placemark"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Placemark.Data != "line1\r\nline2" || doc.Placemark.Polygon.Coords == "" {
		t.Errorf("read back %+v\n%s", doc.Placemark, buf.String())
	}
}
