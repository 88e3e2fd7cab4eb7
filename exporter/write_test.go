package exporter

import (
	"archive/zip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// wantNode1 is node n1 of testJob as every reader must see it.
var wantNode1 = map[string]string{
	"latitude": "29.3", "longitude": "-98.4", "scid": "001", "node_type": "pole", "pole_tag": "T-1",
	"size": "7.7M,10M", "birthmark_brand::pole_class": "2", "note": `=HYPERLINK("x")`,
	"Address": "Ünïcode, \"quoted\"\nsecond line", "id": "n1",
}

func TestWriteGPKG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.gpkg")
	if _, err := Write(path, GPKG, Build(testJob(), BuildOptions{})); err != nil {
		t.Fatal(err)
	}
	nodes := ogrRows(t, path, "nodes")
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	checkRow(t, "gpkg node 1", nodes[0], wantNode1)
	checkRow(t, "gpkg node 1", nodes[0], map[string]string{"WKT": "POINT (-98.4 29.3)", "pole_height": "45", "last_updated": "2026/03/04 05:06:07+00"})
	checkRow(t, "gpkg node 2", nodes[1], map[string]string{"grounded": "1", "scid": ""})
	conns := ogrRows(t, path, "connections")
	checkRow(t, "gpkg connection 1", conns[0], map[string]string{"WKT": "LINESTRING (-98.4 29.3,-98.43 29.28,-98.5 29.2)", "connection_type": "aerial cable", "node_id_1": "n1"})
	checkRow(t, "gpkg connection 2", conns[1], map[string]string{"WKT": "", "node_id_2": "gone"})
	secs := ogrRows(t, path, "sections")
	checkRow(t, "gpkg section", secs[0], map[string]string{"WKT": "POINT (-98.42 29.29)", "note": "+1 midspan", "connection_id": "c1", "id": "s1"})
	info := ogrInfo(t, path, "nodes")
	for _, want := range []string{`ID["EPSG",4326]`, "pole_height: Real", "grounded: Integer(Boolean)", "last_updated: DateTime"} {
		if !strings.Contains(info, want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, info)
		}
	}
}

func TestWriteGeoJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.geojson")
	if _, err := Write(path, GeoJSON, Build(testJob(), BuildOptions{})); err != nil {
		t.Fatal(err)
	}
	// One collection; GDAL reads the layer property as a field.
	rows := ogrRows(t, path, "job")
	if len(rows) != 3+2+1 {
		t.Fatalf("%d features", len(rows))
	}
	checkRow(t, "geojson node 1", rows[0], wantNode1)
	checkRow(t, "geojson node 1", rows[0], map[string]string{"layer": "nodes", "WKT": "POINT (-98.4 29.3)", "pole_height": "45"})
	checkRow(t, "geojson connection 1", rows[3], map[string]string{"layer": "connections", "WKT": "LINESTRING (-98.4 29.3,-98.43 29.28,-98.5 29.2)"})
	checkRow(t, "geojson section", rows[5], map[string]string{"layer": "sections", "note": "+1 midspan"})

	dir := t.TempDir()
	if _, err := Write(dir, GeoJSON, Build(testJob(), BuildOptions{})); err != nil {
		t.Fatal(err)
	}
	conns := ogrRows(t, filepath.Join(dir, "connections.geojson"), "connections")
	if len(conns) != 2 || conns[0]["layer"] != "" {
		t.Errorf("per-layer file: %v", conns)
	}
}

func TestWriteKML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.kml")
	if _, err := Write(path, KML, Build(testJob(), BuildOptions{})); err != nil {
		t.Fatal(err)
	}
	nodes := ogrRows(t, path, "nodes")
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	checkRow(t, "kml node 1", nodes[0], wantNode1)
	checkRow(t, "kml node 1", nodes[0], map[string]string{"Name": "n1"})
	if !strings.HasPrefix(nodes[0]["WKT"], "POINT") || !strings.Contains(nodes[0]["WKT"], "-98.4 29.3") {
		t.Errorf("kml geometry %q", nodes[0]["WKT"])
	}
	conns := ogrRows(t, path, "connections")
	if !strings.Contains(conns[0]["WKT"], "-98.43 29.28") {
		t.Errorf("kml line %q", conns[0]["WKT"])
	}
}

func TestWriteXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.xlsx")
	if _, err := Write(path, XLSX, Build(testJob(), BuildOptions{WKT: true})); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "nodes,connections,sections" {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("nodes", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		if i < len(rows[1]) {
			got[h] = rows[1][i]
		}
	}
	checkRow(t, "xlsx node 1", got, wantNode1)
	// Typed cells: numbers and booleans are not text; formula-like text is
	// a plain string cell with no formula.
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i + 1
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	cell := func(name string, row int) string { c, _ := excelize.CoordinatesToCellName(col(name), row); return c }
	// A number cell has no t attribute (type "n" by default).
	for name, want := range map[string]excelize.CellType{"pole_height": excelize.CellTypeUnset, "latitude": excelize.CellTypeUnset, "note": excelize.CellTypeInlineString, "scid": excelize.CellTypeInlineString} {
		if ct, _ := f.GetCellType("nodes", cell(name, 2)); ct != want {
			t.Errorf("%s cell type %v, want %v", name, ct, want)
		}
	}
	if v, _ := f.GetCellValue("nodes", cell("grounded", 3)); v != "true" {
		t.Errorf("grounded cell %q, want the text true as Katapult writes it", v)
	}
	if fm, _ := f.GetCellFormula("nodes", cell("note", 2)); fm != "" {
		t.Errorf("text became a formula: %q", fm)
	}
	if v, _ := f.GetCellValue("nodes", cell("last_updated", 2)); v != "3/4/26 05:06" {
		t.Errorf("date cell shows %q", v)
	}
	panes, _ := f.GetPanes("nodes")
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v", panes)
	}
	conns, _ := f.GetRows("connections")
	if conns[0][len(conns[0])-1] != "wkt" || conns[1][len(conns[1])-1] != "LINESTRING (-98.4 29.3, -98.43 29.28, -98.5 29.2)" {
		t.Errorf("connections %q", conns)
	}
	// Nothing in the sheet XML may be a formula.
	raw := sheetXML(t, path)
	if strings.Contains(raw, "<f>") || !strings.Contains(raw, "=HYPERLINK") {
		t.Error("sheet holds a formula, or the text is missing")
	}
}

// sheetXML returns the worksheets' raw XML.
func sheetXML(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b strings.Builder
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(&b, rc)
			rc.Close()
		}
	}
	return b.String()
}

func TestWriteCSV(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := Write(dir, CSV, Build(testJob(), BuildOptions{WKT: true})); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{"nodes": 3, "connections": 2, "sections": 1} {
		recs := readCSV(t, filepath.Join(dir, name+".csv"))
		if len(recs) != n+1 {
			t.Errorf("%s: %d records", name, len(recs))
		}
		if name == "nodes" {
			got := map[string]string{}
			for i, h := range recs[0] {
				got[h] = recs[1][i]
			}
			checkRow(t, "csv node 1", got, wantNode1)
			checkRow(t, "csv node 1", got, map[string]string{"pole_height": "45", "last_updated": "2026-03-04T05:06:07Z"})
		}
	}
	// job.csv names the files job_<layer>.csv next to it.
	base := filepath.Join(t.TempDir(), "job.csv")
	if _, err := Write(base, CSV, Build(testJob(), BuildOptions{NodesOnly: true})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(base), "job_nodes.csv")); err != nil {
		t.Error(err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestDetectFormat(t *testing.T) {
	for in, want := range map[string]Format{"a.GPKG": GPKG, "b.geojson": GeoJSON, "c.json": GeoJSON, "d.zip": SHP, "e.shp": SHP, "f.kml": KML, "g.xlsx": XLSX, "h.csv": CSV} {
		if got, err := DetectFormat(in); got != want || err != nil {
			t.Errorf("DetectFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := DetectFormat("out"); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("folder without --format: %v", err)
	}
	if _, err := ParseFormat("dxf"); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestFailedWriteLeavesNoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.xlsx")
	l := &Layer{Name: "nodes", Columns: []Column{{Name: "note", Type: String}}, Len: 1, Features: func(yield func(Feature) bool) {
		yield(Feature{Values: []any{strings.Repeat("x", maxCellChars+1)}})
	}}
	_, err := Write(path, XLSX, []*Layer{l})
	if err == nil || !strings.Contains(err.Error(), "layer nodes, feature 1: column note") {
		t.Fatalf("over-long cell: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("left behind %v", entries)
	}
}

func TestWriteShapefile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shp")
	nodeList, connList := testLists()
	long := strings.Repeat("é", 200) // 400 bytes: more than DBF's 254
	nodeList[1].Attributes["note"] = map[string]any{"-a": long}
	job := JobOf("job1", nodeList, connList)
	warns, err := Write(dir, SHP, Build(job, BuildOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "nodes:") || !strings.Contains(warns[0], "note") {
		t.Errorf("warnings %q, want the cut note reported", warns)
	}
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg"} {
		if _, err := os.Stat(filepath.Join(dir, "nodes"+ext)); err != nil {
			t.Error(err)
		}
	}
	nodes := ogrRows(t, filepath.Join(dir, "nodes.shp"), "nodes")
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	// DBF names are cut to 10 characters; the sidecar keeps the full ones.
	checkRow(t, "shp node 1", nodes[0], map[string]string{"WKT": "POINT (-98.4 29.3)", "pole_tag": "T-1", "size": "7.7M,10M",
		"note": `=HYPERLINK("x")`, "Address": "Ünïcode, \"quoted\"\nsecond line", "id": "n1", "last_updat": "2026-03-04T05:06:07Z"})
	if v := nodes[0]["pole_heigh"]; v != "45" && !strings.HasPrefix(v, "45.0") {
		t.Errorf("pole_height read back as %q", v)
	}
	if got := nodes[1]["note"]; got != strings.Repeat("é", 127) {
		t.Errorf("cut note: %d bytes, want 254 at a character boundary", len(got))
	}
	side, err := os.ReadFile(filepath.Join(dir, "nodes.fieldnames.csv"))
	if err != nil || !strings.Contains(string(side), "birthmark_brand::pole_class") {
		t.Errorf("sidecar: %v\n%s", err, side)
	}
	conns := ogrRows(t, filepath.Join(dir, "connections.shp"), "connections")
	checkRow(t, "shp connection 1", conns[0], map[string]string{"WKT": "LINESTRING (-98.4 29.3,-98.43 29.28,-98.5 29.2)", "connection": "aerial cable"})
	checkRow(t, "shp connection 2", conns[1], map[string]string{"WKT": "", "node_id_2": "gone"})
	info := ogrInfo(t, filepath.Join(dir, "nodes.shp"), "nodes")
	if !strings.Contains(info, `ID["EPSG",4326]`) && !strings.Contains(info, "WGS 84") {
		t.Errorf("no WGS84 CRS:\n%s", info)
	}
	// Text fields are as wide as their longest value, at most 254 bytes.
	for _, want := range []string{"size: String (8.0)", "note: String (254.0)", "id: String (2.0)", "pole_tag: String (3.0)"} {
		if !strings.Contains(info, want) {
			t.Errorf("ogrinfo lacks %q:\n%s", want, info)
		}
	}

	zipPath := filepath.Join(t.TempDir(), "job.zip")
	if _, err := Write(zipPath, SHP, Build(testJob(), BuildOptions{})); err != nil {
		t.Fatal(err)
	}
	secs := ogrRows(t, "/vsizip/"+zipPath+"/sections.shp", "sections")
	checkRow(t, "zipped section", secs[0], map[string]string{"WKT": "POINT (-98.42 29.29)", "note": "+1 midspan", "id": "s1"})
}

// An empty job still gives every layer, readable, with zero features.
func TestEmptyJob(t *testing.T) {
	for _, f := range Formats {
		out := filepath.Join(t.TempDir(), "job."+string(f))
		if f == CSV || f == SHP {
			out = filepath.Join(t.TempDir(), "out")
		}
		if _, err := Write(out, f, Build(&Job{ID: "empty"}, BuildOptions{WKT: f.Tabular()})); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		switch f {
		case GPKG, SHP:
			path := out
			if f == SHP {
				path = filepath.Join(out, "connections.shp")
			}
			if rows := ogrRows(t, path, "connections"); len(rows) != 0 {
				t.Errorf("%s: %d rows", f, len(rows))
			}
		}
	}
}

// A mapping that reads its header on row 3 gets it written there.
func TestXLSXHeaderRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.xlsx")
	l := &Layer{Name: "Poles", Columns: []Column{{Name: "Tag", Type: String}}, Len: 1, HeaderRow: 3,
		Features: func(yield func(Feature) bool) { yield(Feature{Values: []any{"P-1"}}) }}
	if _, err := WriteFile(path, XLSX, []*Layer{l}, 0); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Poles")
	if len(rows) != 4 || len(rows[0]) != 0 || rows[2][0] != "Tag" || rows[3][0] != "P-1" {
		t.Errorf("rows %q", rows)
	}
	if p, _ := f.GetPanes("Poles"); p.YSplit != 3 {
		t.Errorf("frozen at %d", p.YSplit)
	}
}
