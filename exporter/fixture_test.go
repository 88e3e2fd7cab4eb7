package exporter

import (
	"bytes"
	"encoding/csv"
	"os/exec"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

// testJob is a small job with the shapes export must handle: typed and
// multi-instance attributes, an object-valued attribute, text that looks
// like a formula, a connection with breakpoints, one whose node is missing,
// and sections.
func testJob() *Job {
	nodes, conns := testLists()
	return JobOf("job1", nodes, conns)
}

// testLists are testJob's node and connection lists.
func testLists() ([]katapult.Node, []katapult.Connection) {
	return []katapult.Node{
			{ID: "n1", Latitude: 29.3, Longitude: -98.4, LastUpdated: "2026-03-04T05:06:07Z", Attributes: katapult.Attributes{
				"node_type":       {"-a": "pole"},
				"pole_tag":        {"-a": "T-1"},
				"scid":            {"-a": "001"},
				"pole_height":     {"-a": 45.0},
				"note":            {"-a": "=HYPERLINK(\"x\")"},
				"size":            {"-b": "10M", "-a": "7.7M"},
				"birthmark_brand": {"-a": map[string]any{"pole_class": "2", "pole_height": "45"}},
				"Address":         {"-a": "Ünïcode, \"quoted\"\nsecond line"},
			}},
			{ID: "n2", Latitude: 29.2, Longitude: -98.5, Attributes: katapult.Attributes{
				"node_type":   {"-a": "pole"},
				"pole_tag":    {"-a": "T-2"},
				"pole_height": {"-a": 40.0},
				"grounded":    {"-a": true},
			}},
			{ID: "n3", Latitude: 29.25, Longitude: -98.45, Attributes: katapult.Attributes{
				"node_type":   {"-a": "reference"},
				"pole_height": {"-a": 12.5},
			}},
		}, []katapult.Connection{
			{ID: "c1", NodeID1: "n1", NodeID2: "n2", Breakpoints: [][2]float64{{29.28, -98.43}},
				Attributes: katapult.Attributes{"connection_type": {"-a": "aerial cable"}},
				Sections: map[string]katapult.Section{
					"s1": {Latitude: 29.29, Longitude: -98.42, Attributes: katapult.Attributes{"note": {"-a": "+1 midspan"}}},
				}},
			{ID: "c2", NodeID1: "n2", NodeID2: "gone", Attributes: katapult.Attributes{"connection_type": {"-a": "underground"}}},
		}
}

// ogrRows reads one layer back with GDAL (ogr2ogr to CSV on stdout, the
// geometry as WKT), skipping the test when GDAL is not installed.
func ogrRows(t *testing.T, path, layer string) []map[string]string {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Skip("ogr2ogr not installed (apt-get install gdal-bin)")
	}
	cmd := exec.Command("ogr2ogr", "-f", "CSV", "/vsistdout/", path, layer, "-lco", "GEOMETRY=AS_WKT")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ogr2ogr %s %s: %v\n%s", path, layer, err, stderr.String())
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("ogr2ogr output: %v\n%s", err, out)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// ogrInfo returns `ogrinfo -so` for one layer.
func ogrInfo(t *testing.T, path, layer string) string {
	t.Helper()
	out, err := exec.Command("ogrinfo", "-ro", "-so", path, layer).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
	}
	return string(out)
}

// checkRow compares the fields named in want.
func checkRow(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got[k], v)
		}
	}
}
