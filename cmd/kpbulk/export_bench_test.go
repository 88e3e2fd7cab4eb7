//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/sandbox"
)

// TestExportBenchmark prints the export benchmark table: a 100,000-node,
// 100,000-connection job served by the sandbox (limits off) exported to
// every format by the kpbulk binary, side by side with ogr2ogr converting
// kpbulk's GeoJSON export to the same formats. Seconds are wall time, memory
// is the process's peak RSS. It runs only with KPBULK_EXPORT_BENCH=1:
//
//	KPBULK_EXPORT_BENCH=1 go test -run ExportBenchmark -v -timeout 30m ./cmd/kpbulk
//
// KPBULK_EXPORT_BENCH_N overrides the size (nodes = connections).
func TestExportBenchmark(t *testing.T) {
	if os.Getenv("KPBULK_EXPORT_BENCH") == "" {
		t.Skip("set KPBULK_EXPORT_BENCH=1 to run the export benchmark")
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Skip("GNU time (/usr/bin/time) measures peak memory: apt-get install time")
	}
	n := 100_000
	if s := os.Getenv("KPBULK_EXPORT_BENCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kpbulk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	opts := sandbox.DefaultOptions()
	opts.MinInterval, opts.Bucket = 0, 1<<30
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	jobID, err := run.Server.LoadJobJSON(bytes.NewReader(syntheticJob(n)))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte(run.Key), 0o600)
	conn := []string{"--base-url", run.URL, "--api-key-file", keyFile, "--min-interval", "1ms"}

	// kpbulk's GeoJSON, one file per layer, is ogr2ogr's input.
	src := filepath.Join(dir, "src")
	os.Mkdir(src, 0o755)
	if _, _, _, err := measure(bin, append([]string{"export", "--job", jobID, "-o", src, "--format", "geojson"}, conn...)...); err != nil {
		t.Fatal(err)
	}
	layers := []string{"nodes", "connections", "sections"}
	_, haveOGR := exec.LookPath("ogr2ogr")

	type target struct {
		format, out string
		ogr         func(out string) [][]string // ogr2ogr runs, one per layer
	}
	perLayer := func(driver, ext string, extra ...string) func(string) [][]string {
		return func(out string) [][]string {
			var runs [][]string
			for _, l := range layers {
				runs = append(runs, append([]string{"-f", driver, filepath.Join(out, l+ext), filepath.Join(src, l+".geojson")}, extra...))
			}
			return runs
		}
	}
	oneFile := func(driver string) func(string) [][]string {
		return func(out string) [][]string {
			var runs [][]string
			for i, l := range layers {
				args := []string{"-f", driver, out, filepath.Join(src, l+".geojson"), "-nln", l}
				if i > 0 {
					args = append(args, "-update")
				}
				runs = append(runs, args)
			}
			return runs
		}
	}
	targets := []target{
		{"gpkg", "job.gpkg", oneFile("GPKG")},
		{"geojson", "job.geojson", perLayer("GeoJSON", ".geojson")},
		{"shp", "shp", perLayer("ESRI Shapefile", ".shp")},
		{"kml", "job.kml", perLayer("KML", ".kml")},
		{"xlsx", "job.xlsx", oneFile("XLSX")},
		{"csv", "csv", perLayer("CSV", ".csv", "-lco", "GEOMETRY=AS_WKT")},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%d nodes, %d connections, %d sections\n", n, n, n/10)
	fmt.Fprintf(&table, "%-8s %9s %9s %9s   %9s %9s %9s   %s\n", "format", "kpbulk s", "cpu s", "MB", "ogr2ogr s", "cpu s", "MB", "wall ratio, cpu ratio")
	for _, tg := range targets {
		out := filepath.Join(dir, "kp", tg.out)
		os.MkdirAll(filepath.Dir(out), 0o755)
		args := append([]string{"export", "--job", jobID, "-o", out, "--format", tg.format}, conn...)
		secs, cpu, mb, err := measure(bin, args...)
		if err != nil {
			t.Fatalf("%s: %v", tg.format, err)
		}
		oSecs, oCPU, oMB := 0.0, 0.0, 0.0
		if haveOGR == nil {
			oOut := filepath.Join(dir, "ogr", tg.out)
			os.MkdirAll(oOut, 0o755)
			if !strings.Contains(tg.out, ".") || tg.format == "geojson" || tg.format == "kml" {
				// per-layer outputs go into the folder
			} else {
				os.Remove(oOut)
			}
			for _, a := range tg.ogr(oOut) {
				s, c, m, err := measure("ogr2ogr", a...)
				if err != nil {
					t.Fatalf("ogr2ogr %v: %v", a, err)
				}
				oSecs, oCPU = oSecs+s, oCPU+c
				oMB = max(oMB, m)
			}
		}
		fmt.Fprintf(&table, "%-8s %9.2f %9.2f %9.0f   %9.2f %9.2f %9.0f   %.2f, %.2f\n",
			tg.format, secs, cpu, mb, oSecs, oCPU, oMB, secs/max(oSecs, 1e-9), cpu/max(oCPU, 1e-9))
	}
	t.Log(table.String())
}

// measure runs a command under GNU time and returns its wall time, CPU
// time (user + system: steadier than wall time on a busy machine) and peak
// RSS (MB). (The rusage Go reports for its own children would include this
// test process's memory: Linux carries the peak RSS across the vfork+exec
// Go uses.)
func measure(name string, args ...string) (secs, cpu, mb float64, err error) {
	stats, err := os.CreateTemp("", "time-*")
	if err != nil {
		return 0, 0, 0, err
	}
	stats.Close()
	defer os.Remove(stats.Name())
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%e %U %S %M", "-o", stats.Name(), name}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, 0, fmt.Errorf("%s %v: %v: %s", name, args, err, stderr.String())
	}
	b, err := os.ReadFile(stats.Name())
	if err != nil {
		return 0, 0, 0, err
	}
	var user, sys, kb float64
	if _, err := fmt.Sscan(string(b), &secs, &user, &sys, &kb); err != nil {
		return 0, 0, 0, fmt.Errorf("time output %q: %w", b, err)
	}
	return secs, user + sys, kb / 1024, nil
}

// syntheticJob is a Katapult job JSON of n poles on a grid, n spans (each
// pole to its east and, every other one, north neighbour; some through a
// breakpoint) and a midspan section on every tenth span, with attribute
// shapes like the real job's: text, numbers, an object value, several
// instances.
func syntheticJob(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	side := 1
	for side*side < n {
		side++
	}
	id := func(prefix string, i int) string { return fmt.Sprintf("-%s%018d", prefix, i) }
	nodes := make(map[string]any, n)
	for i := range n {
		attrs := map[string]any{
			"node_type":       map[string]any{"-a": "pole"},
			"pole_tag":        map[string]any{"-a": map[string]any{"tagtext": fmt.Sprintf("PL%06d", i), "company": "ACME", "owner": false}},
			"scid":            map[string]any{"auto_button": fmt.Sprintf("%03d", i%1000)},
			"pole_height":     map[string]any{"-a": float64(30 + rng.IntN(40))},
			"pole_class":      map[string]any{"-a": fmt.Sprintf("Class %d", 1+rng.IntN(5))},
			"birthmark_brand": map[string]any{"-a": map[string]any{"pole_class": "3", "pole_height": "45", "pole_species": "SP"}},
			"attachers":       map[string]any{"-a": "AT&T", "-b": "Spectrum"},
		}
		if i%7 == 0 {
			attrs["note"] = map[string]any{"-a": "Needs trim, see photo; owner notified"}
		}
		nodes[id("N", i)] = map[string]any{
			"latitude": 40.0 + float64(i/side)*0.0004, "longitude": -88.3 + float64(i%side)*0.0005, "attributes": attrs,
		}
	}
	conns := make(map[string]any, n)
	for i := range n {
		a, b := i%n, (i+1)%n
		c := map[string]any{
			"node_id_1": id("N", a), "node_id_2": id("N", b),
			"attributes": map[string]any{
				"connection_type": map[string]any{"-a": "aerial cable"},
				"span_length":     map[string]any{"-a": 130.0 + float64(rng.IntN(100))},
			},
		}
		if i%5 == 0 {
			c["breakpoints"] = [][2]float64{{40.0 + float64(a/side)*0.0004 + 0.0001, -88.3 + float64(a%side)*0.0005 + 0.0002}}
		}
		if i%10 == 0 {
			c["sections"] = map[string]any{id("S", i): map[string]any{
				"latitude": 40.0 + float64(a/side)*0.0004, "longitude": -88.3 + float64(a%side)*0.0005 + 0.00025,
				"attributes": map[string]any{"lowest_wire_height": map[string]any{"-a": 17.5}, "note": map[string]any{"-a": "midspan"}},
			}}
		}
		conns[id("C", i)] = c
	}
	b, err := json.Marshal(map[string]any{"name": "benchmark job", "nodes": nodes, "connections": conns})
	if err != nil {
		panic(err)
	}
	return b
}
