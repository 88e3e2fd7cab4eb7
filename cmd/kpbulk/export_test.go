package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/sandbox"
)

// realJob is Katapult's own JSON of job CPS_6457E_03 (see
// shared/realdata/SOURCES.md), read in place next to the module.
const realJob = "../../../shared/realdata/poles_katapult/ryantest123_1.json"

// katapultExport is Katapult's "Node Attributes" XLSX export of that job.
const katapultExport = "../../../shared/realdata/poles_katapult/CPS_6457E_03_Node_Attributes_XLSX.xlsx"

// startSandbox runs a sandbox with its limits off on loopback, loads the real
// job and returns the CLI arguments that reach it.
func startSandbox(t *testing.T) (args []string, jobID string, raw map[string]any) {
	t.Helper()
	data, err := os.ReadFile(realJob)
	if err != nil {
		t.Skip("realdata not present: ", err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	// Katapult names every connection's midpoint "midpoint_section"; the
	// sandbox wants ids unique within the job (PRODUCT.md 7, decision 5), so
	// repeated section ids get their connection's id in front.
	seen := map[string]bool{}
	for cid, c := range raw["connections"].(map[string]any) {
		secs, _ := c.(map[string]any)["sections"].(map[string]any)
		for sid, sec := range secs {
			if seen[sid] {
				delete(secs, sid)
				secs[cid+"_"+sid] = sec
			}
			seen[sid] = true
		}
	}
	if data, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	opts := sandbox.DefaultOptions()
	opts.Key, opts.MinInterval = "export-test-key", 0
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	if jobID, err = run.Server.LoadJobJSON(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(run.Key), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--base-url", run.URL, "--api-key-file", keyFile, "--min-interval", "1ms"}, jobID, raw
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestExportRealJobMatchesKatapultLayout(t *testing.T) {
	conn, jobID, raw := startSandbox(t)
	out := filepath.Join(t.TempDir(), "job.xlsx")
	code, stdout, stderr := runCLI(t, append([]string{"export", "--job", jobID, "-o", out, "--json"}, conn...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "export-test-key") {
		t.Fatal("the API key appears in the output")
	}
	var sum exportSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	nodes := raw["nodes"].(map[string]any)
	conns := raw["connections"].(map[string]any)
	sections := 0
	for _, c := range conns {
		s, _ := c.(map[string]any)["sections"].(map[string]any)
		sections += len(s)
	}
	if sum.Layers["nodes"] != len(nodes) || sum.Layers["connections"] != len(conns) || sum.Layers["sections"] != sections {
		t.Errorf("summary layers %v, want nodes %d connections %d sections %d", sum.Layers, len(nodes), len(conns), sections)
	}
	if sum.Calls > 3 {
		t.Errorf("export made %d calls, want the two lists", sum.Calls)
	}

	// Every cell of Katapult's own export whose column we also write must
	// hold the same value in ours (rows matched by position). The XLSX and
	// the JSON are two snapshots of the job: the JSON's copy rewrote every
	// internal_note, and one scid changed in between.
	snapshotDiffs := map[string]bool{"-OJj-TXvWyjgsyrmLNbB scid": true}
	theirs := sheetMaps(t, katapultExport, "Sheet 1")
	ours := sheetMaps(t, out, "nodes")
	if len(theirs) != len(ours) {
		t.Fatalf("katapult export has %d nodes, ours %d", len(theirs), len(ours))
	}
	byPos := map[string]map[string]string{}
	for _, r := range ours {
		byPos[posKey(t, r)] = r
	}
	compared := 0
	for _, want := range theirs {
		got, ok := byPos[posKey(t, want)]
		if !ok {
			t.Errorf("no exported node at %s,%s", want["latitude"], want["longitude"])
			continue
		}
		for col, v := range want {
			if col == "latitude" || col == "longitude" || col == "internal_note" || snapshotDiffs[got["id"]+" "+col] {
				continue
			}
			g, present := got[col]
			if !present {
				continue // Katapult's derived columns (photos, time buckets)
			}
			compared++
			// Katapult's sheet joins this job's instances with "; ";
			// PRODUCT.md section 6 fixes "," for kpbulk.
			if g != v && g != strings.ReplaceAll(v, "; ", ",") {
				t.Errorf("node %s column %s: ours %q, katapult %q", got["id"], col, g, v)
			}
		}
	}
	if compared < 500 {
		t.Errorf("only %d cells compared", compared)
	}
	// Column order: latitude, longitude, then Katapult's leading attributes.
	f, _ := excelize.OpenFile(out)
	defer f.Close()
	rows, _ := f.GetRows("nodes")
	// (This job has no feedback attribute; its pole_tag is an object.)
	if got := strings.Join(rows[0][:5], ","); got != "latitude,longitude,scid,node_type,pole_tag::company" {
		t.Errorf("header starts %s", got)
	}
}

// sheetMaps reads a sheet as header → cell text maps, skipping empty cells.
func sheetMaps(t *testing.T, path, sheet string) []map[string]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, v := range r {
			if v != "" {
				m[rows[0][i]] = v
			}
		}
		out = append(out, m)
	}
	return out
}

func posKey(t *testing.T, r map[string]string) string {
	lat, err1 := strconv.ParseFloat(r["latitude"], 64)
	lon, err2 := strconv.ParseFloat(r["longitude"], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad position %q,%q", r["latitude"], r["longitude"])
	}
	return strconv.FormatFloat(math.Round(lat*1e7), 'f', 0, 64) + "," + strconv.FormatFloat(math.Round(lon*1e7), 'f', 0, 64)
}

func TestExportGeoPackageReadByGDAL(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed (apt-get install gdal-bin)")
	}
	conn, jobID, _ := startSandbox(t)
	out := filepath.Join(t.TempDir(), "job.gpkg")
	if code, _, stderr := runCLI(t, append([]string{"export", "--job", jobID, "-o", out}, conn...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	info, err := exec.Command("ogrinfo", "-ro", "-so", "-al", out).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, info)
	}
	for _, want := range []string{"Layer name: nodes", "Feature Count: 43", "Layer name: connections", "Feature Count: 44", "Geometry: Line String", `ID["EPSG",4326]`} {
		if !strings.Contains(string(info), want) {
			t.Errorf("ogrinfo lacks %q", want)
		}
	}
}

func TestExportSince(t *testing.T) {
	conn, jobID, _ := startSandbox(t)
	dir := t.TempDir()
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	code, stdout, stderr := runCLI(t, append([]string{"export", "--job", jobID, "-o", filepath.Join(dir, "new.csv"), "--since", future, "--json"}, conn...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var sum exportSummary
	json.Unmarshal([]byte(stdout), &sum)
	if len(sum.Layers) != 1 || sum.Layers["nodes"] != 0 {
		t.Errorf("--since in the future: layers %v", sum.Layers)
	}
	code, stdout, _ = runCLI(t, append([]string{"export", "--job", jobID, "-o", filepath.Join(dir, "all.csv"), "--since", "2000-01-01", "--json"}, conn...)...)
	json.Unmarshal([]byte(stdout), &sum)
	if code != 0 || sum.Layers["nodes"] != 43 {
		t.Errorf("--since 2000-01-01: exit %d, layers %v", code, sum.Layers)
	}
	if _, err := os.Stat(filepath.Join(dir, "all_nodes.csv")); err != nil {
		t.Error(err)
	}
}

func TestExportUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"export", "-o", "x.gpkg"},                                   // no job
		{"export", "--job", "j", "-o", "out"},                        // no extension, no --format
		{"export", "--job", "j", "-o", "x.gpkg", "--format", "dxf"},  // unknown format
		{"export", "--job", "j", "-o", "x.gpkg", "--since", "often"}, // bad time
		{"export", "--job", "j"},                                     // no output
	} {
		if code, _, stderr := runCLI(t, args...); code != exitInvalid {
			t.Errorf("%v: exit %d (%s), want %d", args, code, stderr, exitInvalid)
		}
	}
}

// TestExportWithMapping imports the pole-survey example with the CLI, then
// exports it with the same mapping (job found by the mapping's job block)
// and checks the workbook comes back with its sheets and columns.
func TestExportWithMapping(t *testing.T) {
	opts := sandbox.DefaultOptions()
	opts.MinInterval, opts.Bucket = 0, 1<<30
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	os.WriteFile(keyFile, []byte(run.Key), 0o600)
	conn := []string{"--base-url", run.URL, "--api-key-file", keyFile, "--min-interval", "1ms"}

	dir := t.TempDir()
	for _, name := range []string{"mapping.yaml", "survey.xlsx"} {
		b, err := os.ReadFile(filepath.Join("../../examples/pole-survey", name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	mpath := filepath.Join(dir, "mapping.yaml")
	if code, _, stderr := runCLI(t, append([]string{"import", "-m", mpath, "--yes"}, conn...)...); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	out := filepath.Join(t.TempDir(), "returned")
	code, stdout, stderr := runCLI(t, append([]string{"export", "-m", mpath, "-o", out, "--json"}, conn...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	var sum exportSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Layers["Poles"] != 288 || sum.Layers["Spans"] != 283 || sum.Layers["Midspans"] != 98 {
		t.Errorf("layers %v", sum.Layers)
	}
	if !slices.Contains(sheetHeaders(t, filepath.Join(out, "survey.xlsx"))["Poles"], "Pole Tag") {
		t.Error("Poles sheet lacks its key column")
	}
	theirs, ours := sheetHeaders(t, filepath.Join(dir, "survey.xlsx")), sheetHeaders(t, filepath.Join(out, "survey.xlsx"))
	for sheet, cols := range ours {
		for _, c := range cols {
			if !slices.Contains(theirs[sheet], c) {
				t.Errorf("sheet %s: column %q is not in the source", sheet, c)
			}
		}
	}
	if code, _, stderr := runCLI(t, append([]string{"export", "-m", mpath, "-o", out, "--format", "gpkg"}, conn...)...); code != exitInvalid {
		t.Errorf("-m with --format: exit %d (%s)", code, stderr)
	}
}

func sheetHeaders(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	for _, s := range f.GetSheetList() {
		rows, _ := f.GetRows(s)
		if len(rows) > 0 {
			out[s] = rows[0]
		}
	}
	return out
}
