package exporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats/csvfile"
	"github.com/kpbulk/kpbulk/formats/rows"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
)

const rtMapping = `version: 1
namespace: rt-test
nodes:
  - name: poles
    source: data/poles.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      node_type: pole
      pole_tag: "{Tag}"
      pole_height: {value: "{Height}", type: number}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "H1": "Class H1"}}
      note: {value: "{Notes}", empty: skip}
connections:
  - name: spans
    source: data/spans.tsv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: {value: "{Type}", map: {Aerial: aerial cable, UG: underground cable}}
sections:
  - name: midspans
    source: data/midspans.csv
    header_row: 3
    connection: {set: spans, key: "{From}->{To}"}
    key: "{From}->{To}#{Seq}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      seq: "{Seq}"
      note: "{Remarks}"
`

var rtSources = map[string]string{
	"data/poles.csv": "Tag,Lat,Lon,Height,Class,Notes\n" +
		"P-1,40.1,-88.2,45,1,\"=SUM(A1), quoted \"\"x\"\"\nline 2\"\n" +
		"P-2,40.1005,-88.2005,40.5,H1,\n" +
		"P-3,40.101,-88.201,35,1,+ok\n",
	"data/spans.tsv":    "From\tTo\tType\nP-1\tP-2\tAerial\nP-2\tP-3\tUG\n",
	"data/midspans.csv": "Midspan survey\n\nFrom,To,Seq,Lat,Lon,Remarks\nP-1,P-2,1,40.10025,-88.20025,low wire\n",
}

func openCSV(path string, o rows.Options) (rows.Reader, error) { return csvfile.Open(path, o) }

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func build(t *testing.T, path string) *mapping.Result {
	t.Helper()
	m, err := mapping.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Build(context.Background(), openCSV)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("build %s: %v", path, res.Problems)
	}
	return res
}

// liveJob plays the importer: every entity is stored the way the API keeps
// it (instance ids, JSON numbers), plus one node of another set's kind that
// the mapping must not export.
func liveJob(res *mapping.Result, ns string) *Job {
	var nodes []katapult.Node
	var conns []katapult.Connection
	attrs := func(id string, as mapping.Attrs) katapult.Attributes {
		out := katapult.Attributes{}
		for a := range as.All() {
			for i, v := range a.Values() {
				if n, ok := v.(int64); ok {
					v = float64(n)
				}
				if out[a.Name] == nil {
					out[a.Name] = map[string]any{}
				}
				out[a.Name][mapping.InstanceID(ns, id, a.Name, i)] = v
			}
		}
		return out
	}
	connAt := map[string]int{}
	for _, sr := range res.Sets {
		for _, e := range sr.Entities {
			switch e.Kind {
			case mapping.Node:
				nodes = append(nodes, katapult.Node{ID: e.ID, Latitude: e.Location.Lat, Longitude: e.Location.Lon, Attributes: attrs(e.ID, e.Attrs)})
			case mapping.Connection:
				connAt[e.ID] = len(conns)
				conns = append(conns, katapult.Connection{ID: e.ID, NodeID1: e.Node1.ID, NodeID2: e.Node2.ID, Attributes: attrs(e.ID, e.Attrs)})
			case mapping.Section:
				c := &conns[connAt[e.Connection.ID]]
				if c.Sections == nil {
					c.Sections = map[string]katapult.Section{}
				}
				c.Sections[e.ID] = katapult.Section{ID: e.ID, Latitude: e.Location.Lat, Longitude: e.Location.Lon, Attributes: attrs(e.ID, e.Attrs)}
			}
		}
	}
	nodes = append(nodes, katapult.Node{ID: "-Oforeign0000000000", Latitude: 40, Longitude: -88,
		Attributes: katapult.Attributes{"node_type": {"-x": "reference"}, "pole_tag": {"-x": "REF"}}})
	return JobOf("j", nodes, conns)
}

// entitiesByID flattens a build result for comparison.
func entitiesByID(res *mapping.Result) map[string]string {
	out := map[string]string{}
	for _, sr := range res.Sets {
		for _, e := range sr.Entities {
			ref := func(r *mapping.Ref) string {
				if r == nil {
					return ""
				}
				return r.ID
			}
			out[e.ID] = fmt.Sprintf("%s %s key=%q attrs=%v refs=%s,%s,%s", e.Kind, e.Set, e.Key, e.Attrs, ref(e.Node1), ref(e.Node2), ref(e.Connection))
			if e.Location != nil {
				out[e.ID] += fmt.Sprintf(" at %v,%v", e.Location.Lat, e.Location.Lon)
			}
		}
	}
	return out
}

// TestReverseRoundTrip exports a job with a mapping and builds the exported
// files with the same mapping: the entities (ids, keys, attributes,
// locations, references) must be the job's.
func TestReverseRoundTrip(t *testing.T) {
	src := t.TempDir()
	writeTree(t, src, rtSources)
	writeTree(t, src, map[string]string{"mapping.yaml": rtMapping})
	orig := build(t, filepath.Join(src, "mapping.yaml"))

	m, err := mapping.Load(filepath.Join(src, "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files, probs, err := Reverse(m, liveJob(orig, m.Namespace))
	if err != nil || len(probs) > 0 {
		t.Fatalf("reverse: %v %v", err, probs)
	}
	out := t.TempDir()
	written := map[string]int{}
	for _, f := range files {
		layers, counts := Tally(f.Layers)
		if _, err := WriteFile(filepath.Join(out, f.Path), f.Format, layers, f.Delim); err != nil {
			t.Fatal(err)
		}
		for i, l := range layers {
			written[l.Name] += counts[i]
		}
	}
	// The job's reference node is not a pole: the constant node_type
	// keeps it out of the poles file.
	if written["poles"] != 3 || written["spans"] != 2 || written["midspans"] != 1 {
		t.Errorf("rows written %v", written)
	}
	writeTree(t, out, map[string]string{"mapping.yaml": rtMapping})
	again := build(t, filepath.Join(out, "mapping.yaml"))

	want, got := entitiesByID(orig), entitiesByID(again)
	if len(want) != 3+2+1 {
		t.Fatalf("source built %d entities", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for id, w := range want {
			if got[id] != w {
				t.Errorf("entity %s\n got %s\nwant %s", id, got[id], w)
			}
		}
		for id, g := range got {
			if _, ok := want[id]; !ok {
				t.Errorf("extra entity %s: %s", id, g)
			}
		}
	}
	tsv, _ := os.ReadFile(filepath.Join(out, "data", "spans.tsv"))
	if !strings.HasPrefix(string(tsv), "From\tTo\tType\n") {
		t.Errorf("spans.tsv not tab-separated:\n%s", tsv)
	}
}
