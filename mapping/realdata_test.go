package mapping_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/mapping"
)

// realdata is the shared real-file set, a sibling of the module root.
var realdata, _ = filepath.Abs("../../shared/realdata")

// buildReal writes a mapping whose sources are absolute paths into the
// shared real data and builds it through the real readers.
func buildReal(t *testing.T, yaml string) (*mapping.Mapping, *mapping.Result) {
	t.Helper()
	if _, err := os.Stat(realdata); err != nil {
		t.Skip("realdata not present: " + realdata)
	}
	path := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(yaml, "REAL/", realdata+"/")), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Build(context.Background(), formats.Open)
	if err != nil {
		t.Fatal(err)
	}
	return m, res
}

// The Seattle City Light CSV repeats a pole once per attachment: 2082
// records of 1991 distinct poles (SOURCES.md), so keying by PoleNum gives 91
// duplicate-key problems, each naming both rows. Poles 3422425 and 3422426
// have no coordinates (two problems each), leaving 1989 entities.
func TestRealSeattleDuplicates(t *testing.T) {
	_, res := buildReal(t, `version: 1
namespace: scl
nodes:
  - name: poles
    source: "REAL/poles_seattle_city_light/JU ATT New in 2021 (updated 2022-08-05).csv"
    key: "{PoleNum}"
    latitude: "{Latitude}"
    longitude: "{Longitude}"
    attributes:
      node_type: pole
      owner: "{Owner1}"
      attacher: "{Renter Company}"
`)
	sr := res.Sets[0]
	if sr.Rows != 2082 || len(sr.Entities) != 1989 || len(res.Problems) != 95 {
		t.Fatalf("rows %d entities %d problems %d", sr.Rows, len(sr.Entities), len(res.Problems))
	}
	dups, empty := 0, map[string]int{}
	for _, p := range res.Problems {
		switch {
		case p.Column == "PoleNum" && strings.Contains(p.Msg, `duplicate key in set "poles": row `):
			dups++
		case p.Msg == "latitude is empty" || p.Msg == "longitude is empty":
			empty[p.Column]++
		default:
			t.Errorf("unexpected problem %s", p)
		}
	}
	if dups != 91 || empty["Latitude"] != 2 || empty["Longitude"] != 2 {
		t.Errorf("duplicates %d, empty coordinates %v", dups, empty)
	}
	if len(sr.Rejects) != 93 {
		t.Errorf("rejects %d", len(sr.Rejects))
	}
	e := sr.Entities[0]
	if e.Key != "1334828" || e.Location.Lat != 47.666355573704 || e.Location.Lon != -122.3172902978 || e.Source.Row != 2 {
		t.Errorf("first pole %+v %+v", e, e.Location)
	}
}

// The Katapult "Node Attributes" export: text kept as text ("001"),
// nested names as object fields, and the inverter writes the same cells
// back.
func TestRealKatapultExportRoundTrip(t *testing.T) {
	m, res := buildReal(t, `version: 1
namespace: cps
nodes:
  - name: nodes
    source: REAL/poles_katapult/CPS_6457E_03_Node_Attributes_XLSX.xlsx
    key: "{latitude},{longitude}"
    latitude: "{latitude}"
    longitude: "{longitude}"
    attributes:
      node_type: "{node_type}"
      scid: "{scid}"
      pole_tag: "{pole_tag}"
      birthmark_brand: {fields: {pole_class: "{birthmark_brand::pole_class}", pole_height: "{birthmark_brand::pole_height}"}}
`)
	if !res.OK() {
		t.Fatalf("problems:\n%v", res.Problems)
	}
	sr := res.Sets[0]
	if sr.Rows != 43 || len(sr.Entities) != 43 {
		t.Fatalf("rows %d entities %d", sr.Rows, len(sr.Entities))
	}
	first := sr.Entities[0]
	attr := func(e *mapping.Entity, name string) []any {
		for a := range e.Attrs.All() {
			if a.Name == name {
				return a.Values()
			}
		}
		return nil
	}
	if v := attr(first, "scid"); len(v) != 1 || v[0] != "001" {
		t.Errorf("scid %v", v)
	}
	if v := attr(first, "pole_tag"); len(v) != 1 || v[0] != "410620" {
		t.Errorf("pole_tag %v", v)
	}
	if first.Location.Lat != 29.294378991748594 || first.Location.Lon != -98.4166132708224 {
		t.Errorf("location %+v", first.Location)
	}

	inv, probs := m.Set("nodes").Inverter()
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	cols := inv.Columns()
	srcIdx := map[string]int{}
	for i, c := range sr.Columns {
		srcIdx[c] = i
	}
	r, err := formats.Open(m.Set("nodes").Path, m.Set("nodes").ReaderOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, e := range sr.Entities {
		row, _ := r.Next()
		le := mapping.LiveEntity{Kind: mapping.Node, ID: e.ID, Lat: e.Location.Lat, Lon: e.Location.Lon, HasLocation: true, Attrs: map[string][]any{}}
		for a := range e.Attrs.All() {
			le.Attrs[a.Name] = a.Values()
		}
		got, ok := inv.Row(le, nil)
		if !ok {
			t.Fatalf("row %d not in its set", e.Source.Row)
		}
		for i, c := range cols {
			want := row.Values[srcIdx[c]]
			if c == "latitude" || c == "longitude" {
				continue // floats are written shortest; checked above
			}
			if got[i] != want {
				t.Errorf("row %d column %s: exported %q, source %q", e.Source.Row, c, got[i], want)
			}
		}
	}
}

// MassGIS train stations: a zipped shapefile in Massachusetts State Plane
// metres, reprojected by the reader; the mapping keys points by objectid.
func TestRealShapefilePoints(t *testing.T) {
	_, res := buildReal(t, `version: 1
namespace: mbta
nodes:
  - name: stations
    source: REAL/shapefile_projected/train_stations.zip
    key: "{objectid}"
    attributes:
      node_type: station
      name: "{station}"
      amtrak: {value: "{amtrak}", type: boolean, empty: skip}
`)
	if !res.OK() {
		t.Fatalf("problems:\n%v", res.Problems[:min(5, len(res.Problems))])
	}
	sr := res.Sets[0]
	if len(sr.Entities) != 361 {
		t.Fatalf("entities %d", len(sr.Entities))
	}
	for _, e := range sr.Entities {
		if l := e.Location; l.Lat < 41 || l.Lat > 43.5 || l.Lon < -74 || l.Lon > -69.5 {
			t.Fatalf("%s outside Massachusetts: %+v", e.Key, l)
		}
	}
}

// Sabah network: 1305 pole Points and 78 MultiLineStrings whose vertices are
// poles (SOURCES.md); each line's ends snap to the poles under them.
func TestRealGeoJSONEndpoints(t *testing.T) {
	_, res := buildReal(t, `version: 1
namespace: sesb
nodes:
  - name: poles
    source: REAL/poles_sesb_sabah/poles.geojson
    key: "{gid}"
    attributes:
      node_type: pole
connections:
  - name: lines
    source: REAL/poles_sesb_sabah/transmission_line.geojson
    key: "{gid}"
    endpoints: {set: poles, snap_m: 1}
    attributes:
      connection_type: overhead line
`)
	poles, lines := res.Sets[0], res.Sets[1]
	if len(poles.Entities) != 1305 || lines.Rows != 78 || len(lines.Entities) != 75 || len(res.Problems) != 3 {
		t.Fatalf("poles %d lines %d/%d problems %v", len(poles.Entities), len(lines.Entities), lines.Rows, res.Problems)
	}
	// Poles 815, 1154 and 1157 are one point three times: lines 37, 48 and
	// 49 end there, and cannot tell which pole they join.
	for i, row := range []int{37, 48, 49} {
		p := res.Problems[i]
		if p.Row != row || !strings.Contains(p.Msg, `is ambiguous: 3 nodes of set "poles" within 1 m ("815" at 0.00 m, "1154" at 0.00 m, "1157" at 0.00 m)`) {
			t.Errorf("problem %d: %s", i, p)
		}
	}
	for _, l := range lines.Entities {
		if l.Node1 == nil || l.Node2 == nil || l.Node1.ID == l.Node2.ID {
			t.Fatalf("line %s: %+v %+v", l.Key, l.Node1, l.Node2)
		}
	}
}
