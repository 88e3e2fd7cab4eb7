package sandbox

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// realJob is the real Katapult job export, read in place from the shared
// data next to the module root.
var realJob = filepath.Join("..", "..", "shared", "realdata", "poles_katapult", "ryantest123_1.json")

func TestLoadRealJob(t *testing.T) {
	raw, err := os.ReadFile(realJob)
	if err != nil {
		t.Skip("realdata not present: " + realJob)
	}
	var src struct {
		Nodes       map[string]map[string]any `json:"nodes"`
		Connections map[string]struct {
			NodeID1  string                    `json:"node_id_1"`
			NodeID2  string                    `json:"node_id_2"`
			Attrs    map[string]map[string]any `json:"attributes"`
			Sections map[string]map[string]any `json:"sections"`
		} `json:"connections"`
		Photos map[string]any `json:"photos"`
		Traces struct {
			Data map[string]map[string]any `json:"trace_data"`
		} `json:"traces"`
	}
	if err := json.Unmarshal(raw, &src); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, nil)
	job, err := h.srv.LoadJobJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}

	var nodes []map[string]any
	h.ok("GET", "/jobs/"+job+"/nodes", nil).data(t, &nodes)
	if len(nodes) != len(src.Nodes) || len(nodes) != 43 {
		t.Fatalf("%d nodes, file has %d (SOURCES.md says 43)", len(nodes), len(src.Nodes))
	}
	for _, n := range nodes {
		want := src.Nodes[n["id"].(string)]
		if want == nil {
			t.Fatalf("node %v is not in the file", n["id"])
		}
		for _, k := range []string{"latitude", "longitude", "attributes", "photos", "_created", "button"} {
			if w, ok := want[k]; ok && !reflect.DeepEqual(n[k], w) {
				t.Errorf("node %s: %s = %v, file has %v", n["id"], k, n[k], w)
			}
		}
	}

	var conns []wireConn
	h.ok("GET", "/jobs/"+job+"/connections", nil).data(t, &conns)
	if len(conns) != len(src.Connections) {
		t.Fatalf("%d connections, file has %d", len(conns), len(src.Connections))
	}
	withSections := 0
	for _, c := range conns {
		want := src.Connections[c.ID]
		if c.NodeID1 != want.NodeID1 || c.NodeID2 != want.NodeID2 || !reflect.DeepEqual(c.Attributes, want.Attrs) {
			t.Errorf("connection %s differs from the file", c.ID)
		}
		if len(want.Sections) > 0 {
			withSections++
		}
		for sid, ws := range want.Sections {
			got, ok := c.Sections[sid]
			if !ok {
				t.Errorf("connection %s lost section %s", c.ID, sid)
				continue
			}
			// Sections keep their attributes under multi_attributes in
			// the raw shape; the API shows them as attributes.
			if ma, ok := ws["multi_attributes"]; ok && !reflect.DeepEqual(toAnyMap(got.Attributes), ma) {
				t.Errorf("section %s attributes %v, file multi_attributes %v", sid, got.Attributes, ma)
			}
			if got.Latitude != ws["latitude"] {
				t.Errorf("section %s latitude %v, file %v", sid, got.Latitude, ws["latitude"])
			}
		}
	}
	if withSections != 21 {
		t.Errorf("%d connections with sections, SOURCES.md says 21", withSections)
	}

	var photos []map[string]any
	h.ok("GET", "/jobs/"+job+"/photos", nil).data(t, &photos)
	if len(photos) != len(src.Photos) {
		t.Errorf("%d photos, file has %d", len(photos), len(src.Photos))
	}
	var traces []map[string]any
	h.ok("GET", "/jobs/"+job+"/traces", nil).data(t, &traces)
	if len(traces) != len(src.Traces.Data) {
		t.Errorf("%d traces, file has %d", len(traces), len(src.Traces.Data))
	}
	var meta map[string]any
	h.ok("GET", "/jobs/"+job+"?paths=name,job_creator", nil).data(t, &meta)
	if meta["name"] != "ryantest123" || meta["job_creator"] != "techserv" {
		t.Errorf("job data %v", meta)
	}

	// The loaded ids are claimed: the job can be written like any other.
	some := conns[0].ID
	h.fails("POST", "/jobs/"+job+"/nodes/"+some, map[string]any{"latitude": 1, "longitude": 1}, 400, "invalid_id")
	h.ok("POST", "/jobs/"+job+"/nodes/"+nodes[0]["id"].(string), map[string]any{"add_attributes": map[string]any{"note": "rehearsal"}})
}

func toAnyMap(a map[string]map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	return out
}

func TestLoadRejectsBadJobs(t *testing.T) {
	h := newHarness(t, nil)
	a := nid("dup")
	for name, doc := range map[string]string{
		"not json":           `{"nodes":`,
		"nodes not a map":    `{"nodes":[1,2]}`,
		"latitude not num":   `{"nodes":{"` + a + `":{"latitude":"north","longitude":1}}}`,
		"id used twice":      `{"nodes":{"` + a + `":{}},"connections":{"` + a + `":{"node_id_1":"x","node_id_2":"y"}}}`,
		"attributes not obj": `{"nodes":{"` + a + `":{"attributes":[1]}}}`,
	} {
		if _, err := h.srv.LoadJobJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: loaded", name)
		} else if !strings.HasPrefix(err.Error(), "sandbox: load") {
			t.Errorf("%s: error %q does not say it comes from the load", name, err)
		}
	}
	var js []wireJob
	h.ok("GET", "/jobs", nil).data(t, &js)
	if len(js) != 0 {
		t.Errorf("failed loads left %d jobs", len(js))
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	h := newHarness(t, nil)
	doc := `{"name":"x","nodes":{"` + nid("a") + `":{"latitude":1,"longitude":2}}}`
	id1, err := h.srv.LoadJobJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	h.putNode(id1, nid("b"), 3, 4, nil)
	id2, err := h.srv.LoadJobJSON(strings.NewReader(doc))
	if !errors.Is(err, ErrJobExists) || id2 != id1 {
		t.Fatalf("second load = %q, %v; want %q, ErrJobExists", id2, err, id1)
	}
	var ns []wireNode
	h.ok("GET", "/jobs/"+id1+"/nodes", nil).data(t, &ns)
	if len(ns) != 2 {
		t.Errorf("reloading reset the job: %d nodes", len(ns))
	}
	// A file with its own valid id keeps it.
	own := nid("ownjobid")
	if id, err := h.srv.LoadJobJSON(strings.NewReader(`{"id":"` + own + `","name":"y"}`)); err != nil || id != own {
		t.Errorf("load with id = %q, %v", id, err)
	}
}
