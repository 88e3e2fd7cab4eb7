package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/shapefile"
)

// validateProductMapping is PRODUCT.md section 2's example, as written.
const validateProductMapping = `version: 1
namespace: acme-make-ready-2026      # seeds every deterministic id; required

job:                                 # used when --job is not given
  name: ACME make-ready 2026         # found by exact name among active jobs, created if missing
  model: acme                        # the company model a new job is created with (required to create)
  metadata: {client: ACME}

nodes:
  - name: poles                      # entity set name: reports, export layer/sheet name
    source: survey.xlsx              # .csv .xlsx .geojson .json .shp .zip(shapefile)
    sheet: Poles                     # xlsx: sheet name (default: first sheet)
    key: "{Pole Tag}"                # natural key template; unique within the set
    latitude: "{Latitude}"           # tabular sources; geometry sources use their Point
    longitude: "{Longitude}"
    attributes:
      node_type: pole                # constant
      pole_tag: "{Pole Tag}"         # a column
      scid: "{Seq}"
      pole_height: {value: "{Height (ft)}", type: number}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2", "H1": "Class H1"}}
      note: {value: "{Notes}", empty: skip}

connections:
  - name: spans
    source: survey.xlsx
    sheet: Spans
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable

  - name: fiber
    source: fiber_routes.shp         # LineString / MultiLineString geometry
    key: "{ROUTE_ID}"
    endpoints: {set: poles, snap_m: 3}   # each line end joins the nearest pole within 3 m
    attributes:
      connection_type: aerial cable
      note: "{OWNER}"

sections:
  - name: midspans
    source: survey.xlsx
    sheet: Midspans
    connection: {set: spans, key: "{From}->{To}"}
    key: "{From}->{To}#{Seq}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      note: "{Remarks}"
`

// writeSurvey writes the example's sources into dir: survey.xlsx with
// Poles, Spans and Midspans sheets (poles given as rows of cells) and
// fiber_routes.shp with one route from P-1 to P-3.
func writeProductSurvey(t *testing.T, dir string, poles [][]any) {
	t.Helper()
	f := excelize.NewFile()
	sheets := map[string][][]any{
		"Poles":    append([][]any{{"Pole Tag", "Latitude", "Longitude", "Seq", "Height (ft)", "Class", "Notes"}}, poles...),
		"Spans":    {{"From", "To"}, {"P-1", "P-2"}, {"P-2", "P-3"}},
		"Midspans": {{"From", "To", "Seq", "Lat", "Lon", "Remarks"}, {"P-1", "P-2", 1, 29.4243, -98.4933, "tree"}, {"P-2", "P-3", 1, 29.4247, -98.4928, ""}},
	}
	for i, name := range []string{"Poles", "Spans", "Midspans"} {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.SaveAs(filepath.Join(dir, "survey.xlsx")); err != nil {
		t.Fatal(err)
	}
	w, err := shapefile.Create(filepath.Join(dir, "fiber_routes"), shapefile.PolyLine,
		[]shapefile.Field{{Name: "ROUTE_ID", Type: 'C', Length: 20}, {Name: "OWNER", Type: 'C', Length: 40}})
	if err != nil {
		t.Fatal(err)
	}
	line := geom.NewLineStringFlat(geom.XY, []float64{-98.49361, 29.42411, -98.4928, 29.4248, -98.49251, 29.42499})
	if err := w.Write(line, []any{"R-7", "ACME Fiber"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), []byte(validateProductMapping), 0o644); err != nil {
		t.Fatal(err)
	}
}

var validateProductPoles = [][]any{
	{"P-1", 29.4241, -98.4936, 1, 45, "1", ""},
	{"P-2", 29.4245, -98.4930, 2, 40.5, "H1", "leaning"},
	{"P-3", 29.4250, -98.4925, 3, 35, 2, "line 1\nline 2"},
}

func validateCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestValidateProductExample(t *testing.T) {
	dir := t.TempDir()
	writeProductSurvey(t, dir, validateProductPoles)
	code, out, errOut := validateCLI(t, "validate", "-m", filepath.Join(dir, "mapping.yaml"))
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"poles     node        survey.xlsx:Poles     3     3         0",
		"spans     connection  survey.xlsx:Spans     2     2         0",
		"fiber     connection  fiber_routes.shp      1     1         0",
		"midspans  section     survey.xlsx:Midspans  2     2         0",
		"ok: 4 sets, 8 rows, 8 entities; nothing was sent",
		// Export cannot rebuild keys from ids: warnings, not problems.
		`warning: export: ` + filepath.Join(dir, "mapping.yaml") + `:36:10: set "fiber": key column "ROUTE_ID" is not written by any attribute or reference`,
		`set "midspans": key column "Seq" is not written`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	writeProductSurvey(t, dir, [][]any{
		{"P-1", 29.4241, -98.4936, 1, 45, "1", ""},
		{"P-2", 95, -98.4930, 2, "tall", "H1", ""}, // row 3: latitude, height
		{"P-3", 29.4250, -98.4925, 3, 35, "X", ""}, // row 4: class not in map
		{"P-1", 29.4250, -98.4925, 4, 35, "2", ""}, // row 5: duplicate key
	})
	code, out, _ := validateCLI(t, "validate", "-m", filepath.Join(dir, "mapping.yaml"))
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, exitInvalid, out)
	}
	for _, want := range []string{
		`survey.xlsx:Poles:3:Latitude: latitude 95 is out of range -90..90 (value "95")`,
		`survey.xlsx:Poles:3:Height (ft): attribute pole_height: not a number (value "tall")`,
		`survey.xlsx:Poles:4:Class: attribute pole_class: no map entry for this value (the map has "1", "2", "H1") and no default (value "X")`,
		`survey.xlsx:Poles:5:Pole Tag: duplicate key in set "poles": row 2 has the same key (value "P-1")`,
		`survey.xlsx:Spans:2:To: node_2: the node with this key in set "poles" is invalid (its row 3) (value "P-2")`,
		`survey.xlsx:Spans:3:From: node_1: the node with this key in set "poles" is invalid (its row 3) (value "P-2")`,
		`fiber_routes.shp::1:: the line's end has no node of set "poles" within 3 m`,
		"poles     node        survey.xlsx:Poles     4     1         4",
		"problems; nothing was sent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	dir := t.TempDir()
	writeProductSurvey(t, dir, [][]any{{"P-1", 29.4241, 200, 1, 45, "1", ""}})
	code, out, _ := validateCLI(t, "validate", "--json", "-m", filepath.Join(dir, "mapping.yaml"))
	if code != exitInvalid {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		events = append(events, o)
	}
	first, last := events[0], events[len(events)-1]
	if first["event"] != "problem" || first["sheet"] != "Poles" || first["row"] != 2.0 || first["column"] != "Longitude" || first["value"] != "200" {
		t.Errorf("first problem %v", first)
	}
	if last["event"] != "summary" || last["ok"] != false || last["sets"] != 4.0 {
		t.Errorf("summary %v", last)
	}
}

func TestValidateMappingFileProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	bad := strings.Replace(strings.Replace(validateProductMapping, "snap_m: 3", "snap_m: 3, snapm: 1", 1), "set: poles, key: \"{To}\"", "set: pole, key: \"{To}\"", 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := validateCLI(t, "validate", "-m", path)
	if code != exitInvalid {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{
		path + `:30:13: node_2: unknown entity set "pole" (did you mean "poles"?)`,
		path + `:37:40: unknown key "snapm" in endpoints (did you mean "snap_m"?)`,
		"2 problems in the mapping file; nothing was sent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := validateCLI(t, "validate", "-m", filepath.Join(dir, "nope.yaml")); code != exitInvalid || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("missing mapping: exit %d, %q", code, errOut)
	}
	if code, _, _ := validateCLI(t, "validate"); code != exitInvalid {
		t.Errorf("no -m: exit %d", code)
	}
}
