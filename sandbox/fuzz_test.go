package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkIndex verifies that a job's id index and its resources agree.
func checkIndex(t *testing.T, j *job) {
	t.Helper()
	count := 0
	for id := range j.nodes {
		if j.index[id].kind != kNode {
			t.Fatalf("node %s indexed as %v", id, j.index[id])
		}
		count++
	}
	for id, c := range j.conns {
		if j.index[id].kind != kConn {
			t.Fatalf("connection %s indexed as %v", id, j.index[id])
		}
		if j.nodes[c.n1] == nil || j.nodes[c.n2] == nil {
			t.Fatalf("connection %s joins a missing node", id)
		}
		count++
		for sid := range c.sections {
			if r := j.index[sid]; r.kind != kSection || r.parent != id {
				t.Fatalf("section %s indexed as %v", sid, r)
			}
			count++
		}
	}
	for id, p := range j.photos {
		if j.index[id].kind != kPhoto {
			t.Fatalf("photo %s indexed as %v", id, j.index[id])
		}
		count += 1 + len(p.elements) + len(p.anchors)
	}
	for id := range j.traces {
		if j.index[id].kind != kTrace {
			t.Fatalf("trace %s indexed as %v", id, j.index[id])
		}
		count++
	}
	if count != len(j.index) {
		t.Fatalf("index has %d ids, the job %d resources", len(j.index), count)
	}
}

// FuzzWrites sends arbitrary bodies to the write endpoints: every answer
// must be a JSON envelope with meta and a 200 or 4xx status, and the job
// must stay consistent.
func FuzzWrites(f *testing.F) {
	f.Add(uint8(0), []byte(`{"latitude":1,"longitude":2,"add_attributes":{"a":1}}`))
	f.Add(uint8(1), []byte(`{"remove_attributes":["a"],"attributes":{"a":{"-x":null},"b":null}}`))
	f.Add(uint8(2), []byte(`{"node_id_1":"fuzz_node_a_000000000","node_id_2":"fuzz_node_b_000000000","breakpoints":[[1,2]]}`))
	f.Add(uint8(3), []byte(`{"make_midpoint":true}`))
	f.Add(uint8(4), []byte(`{"latitude":1,"longitude":2}`))
	f.Add(uint8(5), []byte(`{"element_type":"wire","pixel_selection":{"percentX":0.5,"percentY":0.5}}`))
	f.Add(uint8(6), []byte(`{"trace_type":"cable","attributes":{"company":"x"}}`))
	f.Add(uint8(7), []byte(`{"node_id":"fuzz_node_a_000000000","association_value":"main"}`))
	f.Add(uint8(8), []byte(`{"name":"n","model":"m","metadata":{"a":null}}`))
	const a, b, c, p = "fuzz_node_a_000000000", "fuzz_node_b_000000000", "fuzz_conn_0000000000", "fuzz_photo_000000000"
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		s, err := New(Options{Key: "k", Bucket: 1 << 30, Refill: 1 << 40})
		if err != nil {
			t.Fatal(err)
		}
		job, err := s.LoadJobJSON(strings.NewReader(`{"name":"f","nodes":{"` + a + `":{"latitude":1,"longitude":1},"` + b + `":{"latitude":2,"longitude":2}},` +
			`"connections":{"` + c + `":{"node_id_1":"` + a + `","node_id_2":"` + b + `"}},"photos":{"` + p + `":{}}}`))
		if err != nil {
			t.Fatal(err)
		}
		paths := []string{"/nodes", "/nodes/" + a, "/connections/" + c, "/connections/" + c + "/sections",
			"/connections/" + c + "/sections/fuzz_section_00000000", "/photos/" + p + "/photo_elements",
			"/traces/fuzz_trace_0000000000", "/photos/" + p + "/associate", ""}
		path := "/api/v3/jobs/" + job + paths[int(route)%len(paths)] + "?api_key=k"
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", path, bytes.NewReader(body)))
		var env struct {
			Status string
			Meta   *meta
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Meta == nil {
			t.Fatalf("%s: answer %d %q is not an envelope with meta", path, rec.Code, rec.Body.String())
		}
		if rec.Code != 200 && (rec.Code < 400 || rec.Code >= 500) {
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body.String())
		}
		s.mu.RLock()
		checkIndex(t, s.jobs[job])
		s.mu.RUnlock()
	})
}

// FuzzLoadJobJSON feeds arbitrary documents to the loader: it either
// loads a consistent job or returns an error.
func FuzzLoadJobJSON(f *testing.F) {
	f.Add([]byte(`{"name":"x","nodes":{"a":{"latitude":1,"longitude":2,"attributes":{"t":{"button_added":"pole"}}}}}`))
	f.Add([]byte(`{"connections":{"c":{"node_id_1":"a","node_id_2":"b","sections":{"midpoint_section":{"multi_attributes":{"x":{"value":true}}}}}}}`))
	f.Add([]byte(`{"traces":{"trace_data":{"t":{"_trace_type":"cable"}},"trace_items":{"t":{}}},"photos":{"p":{"filename":"x"}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := New(Options{Key: "k", Bucket: 1, Refill: 1})
		if err != nil {
			t.Fatal(err)
		}
		job, err := s.LoadJobJSON(bytes.NewReader(doc))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v3/jobs/"+job+"/connections?api_key=k", nil))
		if rec.Code != 200 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("listing a loaded job: %d %s", rec.Code, rec.Body.String())
		}
	})
}
