package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/internal/testdatagen"
)

// productExampleDir holds PRODUCT.md section 2's example mapping and its
// sources (see testdata/README.md).
const productExampleDir = "../../testdata/product-example"

// productExampleWith copies the example into a temp dir and rewrites
// survey.xlsx with the given Poles rows; it returns the copy's mapping.
func productExampleWith(t *testing.T, poles [][]any) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(productExampleDir)); err != nil {
		t.Fatal(err)
	}
	if err := testdatagen.WriteProductSurvey(dir, poles); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "mapping.yaml")
}

func validateCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestValidateProductExample(t *testing.T) {
	path := filepath.Join(productExampleDir, "mapping.yaml")
	code, out, errOut := validateCLI(t, "validate", "-m", path)
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
		`warning: export: ` + path + `:36:10: set "fiber": key column "ROUTE_ID" is not written by any attribute or reference`,
		`set "midspans": key column "Seq" is not written`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	path := productExampleWith(t, [][]any{
		{"P-1", 29.4241, -98.4936, 1, 45, "1", ""},
		{"P-2", 95, -98.4930, 2, "tall", "H1", ""}, // row 3: latitude, height
		{"P-3", 29.4250, -98.4925, 3, 35, "X", ""}, // row 4: class not in map
		{"P-1", 29.4250, -98.4925, 4, 35, "2", ""}, // row 5: duplicate key
	})
	code, out, _ := validateCLI(t, "validate", "-m", path)
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
	path := productExampleWith(t, [][]any{{"P-1", 29.4241, 200, 1, 45, "1", ""}})
	code, out, _ := validateCLI(t, "validate", "--json", "-m", path)
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
	example, err := os.ReadFile(filepath.Join(productExampleDir, "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(strings.Replace(string(example), "snap_m: 3", "snap_m: 3, snapm: 1", 1), "set: poles, key: \"{To}\"", "set: pole, key: \"{To}\"", 1)
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
