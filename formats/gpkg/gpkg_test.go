package gpkg

import (
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twpayne/go-geom"
)

func writeSample(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "job.gpkg")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.CreateLayer("nodes", Point, []Field{
		{"pole_tag", Text}, {"height", Integer}, {"lat", Real}, {"ok", Boolean}, {"seen", DateTime}, {"Pole_Tag", Text},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.FieldNames(); got[5] != "Pole_Tag_2" {
		t.Fatalf("case-insensitive duplicate not renamed: %v", got)
	}
	seen := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := l.Insert(geom.NewPointFlat(geom.XY, []float64{-98.4, 29.3}), []any{"T-1", int64(45), 29.3, true, seen, "x"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Insert(geom.NewPointFlat(geom.XY, []float64{-98.5, 29.2}), []any{"=cmd()", nil, nil, false, nil, nil}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := w.CreateLayer("spans", LineString, []Field{{"id", Text}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Insert(geom.NewLineStringFlat(geom.XY, []float64{-98.4, 29.3, -98.45, 29.35, -98.5, 29.2}), []any{"s1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Insert(nil, []any{"no geometry"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSchemaAndIndex(t *testing.T) {
	path := writeSample(t)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var appID, ver int64
	db.QueryRow("PRAGMA application_id").Scan(&appID)
	db.QueryRow("PRAGMA user_version").Scan(&ver)
	if appID != 0x47504B47 || ver != 10200 {
		t.Errorf("application_id %#x user_version %d", appID, ver)
	}
	var minX, maxX, minY, maxY float64
	if err := db.QueryRow(`SELECT min_x, max_x, min_y, max_y FROM gpkg_contents WHERE table_name = 'nodes'`).Scan(&minX, &maxX, &minY, &maxY); err != nil {
		t.Fatal(err)
	}
	if minX != -98.5 || maxX != -98.4 || minY != 29.2 || maxY != 29.3 {
		t.Errorf("extent %v %v %v %v", minX, maxX, minY, maxY)
	}
	// The index answers a window query: only the first node is east of -98.45.
	var id int64
	if err := db.QueryRow(`SELECT id FROM rtree_nodes_geom WHERE minx > -98.45`).Scan(&id); err != nil || id != 1 {
		t.Errorf("rtree window query: id %d, %v", id, err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM rtree_spans_geom`).Scan(&n)
	if n != 1 {
		t.Errorf("spans index holds %d entries, want 1 (null geometry not indexed)", n)
	}
	var blob []byte
	db.QueryRow(`SELECT geom FROM spans WHERE fid = 1`).Scan(&blob)
	if len(blob) < 8 || string(blob[:2]) != "GP" || blob[3] != 0x03 {
		t.Errorf("geometry header % x", blob[:min(8, len(blob))])
	}
}

func TestReadBackWithOGR(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (apt-get install gdal-bin)")
	}
	path := writeSample(t)
	out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"Layer name: nodes", "Geometry: Point", "Feature Count: 2", "Layer name: spans", "Geometry: Line String",
		`ID["EPSG",4326]`, "pole_tag: String", "height: Integer64", "lat: Real", "ok: Integer(Boolean)", "seen: DateTime", "Extent: (-98.500000, 29.200000) - (-98.400000, 29.300000)"} {
		if !strings.Contains(s, want) {
			t.Errorf("ogrinfo output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Warning") || strings.Contains(s, "ERROR") {
		t.Errorf("ogrinfo complained:\n%s", s)
	}
	out, err = exec.Command("ogrinfo", "-ro", path, "nodes", "-where", "pole_tag = '=cmd()'").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "POINT (-98.5 29.2)") || !strings.Contains(string(out), "ok (Integer(Boolean)) = 0") {
		t.Errorf("feature 2 read back wrong: %v\n%s", err, out)
	}
	out, _ = exec.Command("ogrinfo", "-ro", path, "nodes", "-fid", "1").CombinedOutput()
	for _, want := range []string{"pole_tag (String) = T-1", "height (Integer64) = 45", "seen (DateTime) = 2026/03/04 05:06:07", "POINT (-98.4 29.3)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("feature 1 lacks %q:\n%s", want, out)
		}
	}
	// Spatial filter goes through the R-tree.
	out, _ = exec.Command("ogrinfo", "-ro", "-so", path, "spans", "-spat", "-98.46", "29.34", "-98.44", "29.36").CombinedOutput()
	if !strings.Contains(string(out), "Feature Count: 1") {
		t.Errorf("spatial filter:\n%s", out)
	}
	// GDAL's own validator of the GeoPackage requirements, when shipped.
	if _, err := exec.LookPath("ogrinfo"); err == nil {
		out, err := exec.Command("ogrinfo", "-ro", "-q", "-sql", "SELECT HasSpatialIndex('spans','geom')", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "= 1") {
			t.Errorf("HasSpatialIndex: %v\n%s", err, out)
		}
	}
}

// Many rows go through full batches and a final partial one.
func TestBatches(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.gpkg")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.CreateLayer("pts", Point, []Field{{"n", Integer}, {"label", Text}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := range n {
		var g geom.T
		if i%10 != 9 { // every tenth without geometry
			g = geom.NewPointFlat(geom.XY, []float64{float64(i) / 1000, 45})
		}
		if err := l.Insert(g, []any{int64(i), fmt.Sprintf("p%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, indexed int
	var label string
	db.QueryRow(`SELECT count(*) FROM pts`).Scan(&rows)
	db.QueryRow(`SELECT count(*) FROM rtree_pts_geom`).Scan(&indexed)
	db.QueryRow(`SELECT label FROM pts WHERE fid = 778 AND n = 777`).Scan(&label)
	if rows != n || indexed != n-n/10 || label != "p777" {
		t.Errorf("rows %d, indexed %d, row 778 label %q", rows, indexed, label)
	}
	var minx float64
	db.QueryRow(`SELECT minx FROM rtree_pts_geom WHERE id = 778`).Scan(&minx)
	if minx < 0.7769 || minx > 0.7771 {
		t.Errorf("index entry of fid 778: minx %v", minx)
	}
}
