package exporter

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

// benchJob is n poles and n spans with attributes shaped like a real job's.
func benchJob(n int) *Job {
	job := NewJob("bench")
	for i := range n {
		attrs := katapult.Attributes{
			"node_type":       {"-a": "pole"},
			"pole_tag":        {"-a": map[string]any{"tagtext": fmt.Sprintf("PL%06d", i), "company": "ACME", "owner": false}},
			"scid":            {"auto_button": fmt.Sprintf("%03d", i%1000)},
			"pole_height":     {"-a": float64(30 + i%40)},
			"pole_class":      {"-a": fmt.Sprintf("Class %d", 1+i%5)},
			"birthmark_brand": {"-a": map[string]any{"pole_class": "3", "pole_height": "45", "pole_species": "SP"}},
			"attachers":       {"-a": "AT&T", "-b": "Spectrum"},
		}
		job.AddNode(&katapult.Node{ID: fmt.Sprintf("-N%018d", i), Latitude: 40 + float64(i/300)*0.0004, Longitude: -88.3 + float64(i%300)*0.0005, Attributes: attrs})
		c := katapult.Connection{ID: fmt.Sprintf("-C%018d", i), NodeID1: fmt.Sprintf("-N%018d", i), NodeID2: fmt.Sprintf("-N%018d", (i+1)%n),
			Attributes: katapult.Attributes{"connection_type": {"-a": "aerial cable"}, "span_length": {"-a": 130.0 + float64(i%100)}}}
		if i%10 == 0 {
			c.Sections = map[string]katapult.Section{fmt.Sprintf("-S%018d", i): {Latitude: 40, Longitude: -88, Attributes: katapult.Attributes{"note": {"-a": "midspan"}}}}
		}
		job.AddConnection(&c)
	}
	return job
}

// BenchmarkWrite measures the writers alone (no API): one op writes a
// 10,000-node, 10,000-connection job.
//
//	go test -run '^$' -bench Write -benchmem ./exporter
func BenchmarkWrite(b *testing.B) {
	job := benchJob(10_000)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			dir := b.TempDir()
			out := filepath.Join(dir, "job."+string(f))
			if f == CSV || f == SHP {
				out = filepath.Join(dir, "out")
			}
			for b.Loop() {
				if _, err := Write(out, f, Build(job, BuildOptions{WKT: f.Tabular()})); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
