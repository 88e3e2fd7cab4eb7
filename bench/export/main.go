// Command export benchmarks kpbulk's export: a 100,000-node,
// 100,000-connection job served by the sandbox (limits off) is exported to
// every format by the kpbulk binary, side by side with GDAL's ogr2ogr
// converting kpbulk's GeoJSON export to the same formats, and a table of
// wall time, CPU time and peak memory is printed.
//
//	go run ./bench/export [-n 100000] [-formats gpkg,shp]
//
// Peak memory is each process's maximum RSS as GNU time reports it
// (/usr/bin/time; Debian package time). ogr2ogr (Debian's gdal-bin) is
// optional: without it only kpbulk's columns are filled. Targets (issue 6):
// no format slower than ogr2ogr by more than 1.5x, memory under 500 MB.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kpbulk/kpbulk/sandbox"
)

func main() {
	n := flag.Int("n", 100_000, "nodes (and as many connections) in the job")
	only := flag.String("formats", "", "comma-separated formats to run (default: all)")
	flag.Parse()
	if err := run(*n, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// target is one format: kpbulk's output name, and ogr2ogr's runs (one per
// layer) that produce the same from the GeoJSON layers in src.
type target struct {
	format, out string
	ogr         func(src, out string) [][]string
}

var layers = []string{"nodes", "connections", "sections"}

// perLayer converts each layer to its own file in the folder out.
func perLayer(driver, ext string, extra ...string) func(src, out string) [][]string {
	return func(src, out string) [][]string {
		var runs [][]string
		for _, l := range layers {
			runs = append(runs, append([]string{"-f", driver, filepath.Join(out, l+ext), filepath.Join(src, l+".geojson")}, extra...))
		}
		return runs
	}
}

// oneFile appends every layer to the one file out.
func oneFile(driver string) func(src, out string) [][]string {
	return func(src, out string) [][]string {
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

var targets = []target{
	{"gpkg", "job.gpkg", oneFile("GPKG")},
	{"geojson", "job.geojson", perLayer("GeoJSON", ".geojson")},
	{"shp", "shp", perLayer("ESRI Shapefile", ".shp")},
	{"kml", "job.kml", perLayer("KML", ".kml")},
	{"xlsx", "job.xlsx", oneFile("XLSX")},
	{"csv", "csv", perLayer("CSV", ".csv", "-lco", "GEOMETRY=AS_WKT")},
}

func run(n int, only string) error {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return fmt.Errorf("GNU time (/usr/bin/time) measures peak memory: apt-get install time")
	}
	dir, err := os.MkdirTemp("", "kpbulk-export-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "kpbulk")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kpbulk/kpbulk/cmd/kpbulk").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	opts := sandbox.DefaultOptions()
	opts.MinInterval, opts.Bucket = 0, 1<<30
	srv, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()
	jobID, err := srv.Server.LoadJobJSON(bytes.NewReader(syntheticJob(n)))
	if err != nil {
		return err
	}
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(srv.Key), 0o600); err != nil {
		return err
	}
	conn := []string{"--base-url", srv.URL, "--api-key-file", keyFile, "--min-interval", "1ms"}

	// kpbulk's GeoJSON, one file per layer, is ogr2ogr's input.
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		return err
	}
	if _, _, _, err := measure(bin, append([]string{"export", "--job", jobID, "-o", src, "--format", "geojson"}, conn...)...); err != nil {
		return err
	}
	_, noOGR := exec.LookPath("ogr2ogr")

	fmt.Printf("%d nodes, %d connections, %d sections\n\n", n, n, n/10)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "format\tkpbulk s\tcpu s\tMB\togr2ogr s\tcpu s\tMB\twall ratio\tcpu ratio\t")
	for _, tg := range targets {
		if only != "" && !slices.Contains(strings.Split(only, ","), tg.format) {
			continue
		}
		out := filepath.Join(dir, "kp", tg.out)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		secs, cpu, mb, err := measure(bin, append([]string{"export", "--job", jobID, "-o", out, "--format", tg.format}, conn...)...)
		if err != nil {
			return fmt.Errorf("%s: %w", tg.format, err)
		}
		if noOGR != nil {
			fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t-\t-\t-\t-\t-\t\n", tg.format, secs, cpu, mb)
			continue
		}
		oOut := filepath.Join(dir, "ogr", tg.out)
		if err := os.MkdirAll(oOut, 0o755); err != nil {
			return err
		}
		if strings.Contains(tg.out, ".") && tg.format != "geojson" && tg.format != "kml" {
			os.Remove(oOut) // a single file, not a folder
		}
		var oSecs, oCPU, oMB float64
		for _, a := range tg.ogr(src, oOut) {
			s, c, m, err := measure("ogr2ogr", a...)
			if err != nil {
				return err
			}
			oSecs, oCPU, oMB = oSecs+s, oCPU+c, max(oMB, m)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t\n",
			tg.format, secs, cpu, mb, oSecs, oCPU, oMB, secs/max(oSecs, 1e-9), cpu/max(oCPU, 1e-9))
	}
	return tw.Flush()
}

// measure runs a command under GNU time and returns its wall time, CPU
// time (user + system: steadier than wall time on a busy machine) and peak
// RSS (MB). (The rusage Go reports for its own children would include this
// process's memory: Linux carries the peak RSS across the vfork+exec
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
