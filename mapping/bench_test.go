package mapping_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/mapping"
)

const benchMapping = `version: 1
namespace: bench
nodes:
  - name: poles
    source: poles.csv
    key: "{Pole Tag}"
    latitude: "{Latitude}"
    longitude: "{Longitude}"
    attributes:
      node_type: pole
      pole_tag: "{Pole Tag}"
      scid: "{Seq}"
      pole_height: {value: "{Height}", unit: ft-in}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2", "3": "Class 3", "H1": "Class H1"}}
      owner: "{Owner}"
      note: "{Notes}"
      birthmark_brand: {fields: {pole_class: "{Class}", pole_height: "{Height}"}}
      attachers: {value: "{Attachers}", split: ","}
      count: {value: "{Count}", type: integer}
      ground: {value: "{Grounded}", type: boolean}
      label: "{Owner}/{Pole Tag}"
connections:
  - name: spans
    source: spans.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable
`

// productBenchMapping is the PRODUCT.md example's poles and spans over
// the benchmark's CSV files: a typical survey.
const productBenchMapping = `version: 1
namespace: bench
nodes:
  - name: poles
    source: poles.csv
    key: "{Pole Tag}"
    latitude: "{Latitude}"
    longitude: "{Longitude}"
    attributes:
      node_type: pole
      pole_tag: "{Pole Tag}"
      scid: "{Seq}"
      pole_height: {value: "{Height}", unit: ft-in}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2", "3": "Class 3", "H1": "Class H1"}}
      note: {value: "{Notes}", empty: skip}
connections:
  - name: spans
    source: spans.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable
`

// writeBenchSources writes n poles (15 columns) and n-1 spans, and the
// mapping text as m.yaml.
func writeBenchSources(b *testing.B, dir string, n int, mappingText string) string {
	b.Helper()
	f, _ := os.Create(filepath.Join(dir, "poles.csv"))
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "Pole Tag,Latitude,Longitude,Seq,Height,Class,Owner,Notes,Attachers,Count,Grounded,Extra1,Extra2,Extra3,Extra4")
	classes := []string{"1", "2", "3", "H1"}
	for i := range n {
		fmt.Fprintf(w, "P-%d,%.7f,%.7f,%d,%d-%d,%s,ACME,note %d,\"AT&T, Comcast\",%d,%v,a,b,c,d\n",
			i, 29.4+float64(i%1000)*1e-4, -98.5+float64(i/1000)*1e-4, i, 30+i%20, i%12, classes[i%4], i, i%7, i%2 == 0)
	}
	w.Flush()
	f.Close()
	f, _ = os.Create(filepath.Join(dir, "spans.csv"))
	w = bufio.NewWriter(f)
	fmt.Fprintln(w, "From,To")
	for i := 1; i < n; i++ {
		fmt.Fprintf(w, "P-%d,P-%d\n", i-1, i)
	}
	w.Flush()
	f.Close()
	path := filepath.Join(dir, "m.yaml")
	os.WriteFile(path, []byte(mappingText), 0o644)
	return path
}

// BenchmarkBuildCSV100k reads 100,000 poles (15 columns) and 99,999 spans
// from CSV through the real reader and maps them to entities with a heavy
// mapping (12 attributes: units, map, split, fields, typed values). It
// reports rows/s and the heap in use after the build (the entities held).
func BenchmarkBuildCSV100k(b *testing.B) { benchBuild(b, benchMapping) }

// BenchmarkBuildProductCSV100k is the same with the PRODUCT.md example's
// mapping of poles (6 attributes) and spans.
func BenchmarkBuildProductCSV100k(b *testing.B) { benchBuild(b, productBenchMapping) }

func benchBuild(b *testing.B, mappingText string) {
	const n = 100_000
	path := writeBenchSources(b, b.TempDir(), n, mappingText)
	m, err := mapping.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var heap uint64
	for b.Loop() {
		res, err := m.Build(context.Background(), formats.Open)
		if err != nil || !res.OK() {
			b.Fatalf("%v %v", err, res.Problems[:min(3, len(res.Problems))])
		}
		if res.Entities() != 2*n-1 {
			b.Fatalf("%d entities", res.Entities())
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
		runtime.KeepAlive(res)
	}
	b.ReportMetric(float64(2*n-1)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(heap)/(1<<20), "heapMB")
}
