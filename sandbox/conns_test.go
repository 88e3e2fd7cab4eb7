package sandbox

import (
	"testing"
)

type wireSection struct {
	ID         string                    `json:"id"`
	Latitude   float64                   `json:"latitude"`
	Longitude  float64                   `json:"longitude"`
	Attributes map[string]map[string]any `json:"attributes"`
	Photos     map[string]map[string]any `json:"photos"`
}

type wireConn struct {
	ID          string                    `json:"id"`
	NodeID1     string                    `json:"node_id_1"`
	NodeID2     string                    `json:"node_id_2"`
	Attributes  map[string]map[string]any `json:"attributes"`
	Breakpoints [][2]float64              `json:"breakpoints"`
	Sections    map[string]wireSection    `json:"sections"`
}

// span makes two nodes and a connection between them.
func (h *harness) span(job, name string) (n1, n2, c string) {
	h.t.Helper()
	n1, n2, c = nid(name+"a"), nid(name+"b"), nid(name+"c")
	h.putNode(job, n1, 40, -105, nil)
	h.putNode(job, n2, 41, -104, nil)
	h.ok("POST", "/jobs/"+job+"/connections/"+c, map[string]any{"node_id_1": n1, "node_id_2": n2})
	return
}

func (h *harness) conn(job, id string) wireConn {
	h.t.Helper()
	var c wireConn
	h.ok("GET", "/jobs/"+job+"/connections/"+id, nil).data(h.t, &c)
	return c
}

func TestConnectionCreateAndNodeChecks(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	n1, n2 := nid("a"), nid("b")
	h.putNode(job, n1, 1, 1, nil)
	h.putNode(job, n2, 2, 2, nil)
	base := "/jobs/" + job + "/connections"
	h.fails("POST", base, map[string]any{"node_id_1": n1}, 400, "missing_required_field")
	// A node named in the body that does not exist: 400 invalid_field.
	h.fails("POST", base, map[string]any{"node_id_1": n1, "node_id_2": nid("ghost")}, 400, "invalid_field")
	var c wireConn
	h.ok("POST", base, map[string]any{"node_id_1": n1, "node_id_2": n2,
		"add_attributes": map[string]any{"connection_type": "aerial cable"},
		"breakpoints":    [][]float64{{1.5, 1.5}}}).data(t, &c)
	if !pushIDRe.MatchString(c.ID) || c.NodeID1 != n1 || c.NodeID2 != n2 || len(c.Breakpoints) != 1 {
		t.Errorf("created %+v", c)
	}
	h.fails("POST", base+"/"+c.ID, map[string]any{"breakpoints": [][]float64{{100, 0}}}, 400, "invalid_field")
	// Omitting breakpoints keeps them; [] clears them.
	h.ok("POST", base+"/"+c.ID, map[string]any{"add_attributes": map[string]any{"x": 1}})
	if got := h.conn(job, c.ID); len(got.Breakpoints) != 1 {
		t.Errorf("breakpoints lost on update: %+v", got)
	}
	h.ok("POST", base+"/"+c.ID, map[string]any{"breakpoints": []any{}})
	if got := h.conn(job, c.ID); len(got.Breakpoints) != 0 {
		t.Errorf("breakpoints not cleared: %+v", got)
	}
	// Upsert at an id needs both node ids; onlyIfExists gives 404.
	h.fails("POST", base+"/"+nid("new")+"?onlyIfExists=true", map[string]any{"node_id_1": n1, "node_id_2": n2}, 404, "not_found")
	h.fails("POST", base+"/"+nid("new"), map[string]any{"node_id_1": n1}, 400, "missing_required_field")
	var list []wireConn
	h.ok("GET", base, nil).data(t, &list)
	if len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("list = %+v", list)
	}
}

func TestSectionsEmbeddedAndDeletes(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	n1, n2, c := h.span(job, "s")
	base := "/jobs/" + job + "/connections/" + c + "/sections"
	h.fails("POST", base, map[string]any{"latitude": 40.5}, 400, "missing_required_field")
	h.fails("POST", "/jobs/"+job+"/connections/"+nid("ghost")+"/sections", map[string]any{"latitude": 1, "longitude": 1}, 404, "not_found")
	var s1 wireSection
	h.ok("POST", base, map[string]any{"latitude": 40.2, "longitude": -104.8, "add_attributes": map[string]any{"note": "x"}}).data(t, &s1)
	sid := nid("sec")
	h.fails("POST", base+"/"+sid+"?onlyIfExists=true", map[string]any{"latitude": 1, "longitude": 1}, 404, "not_found")
	h.ok("POST", base+"/"+sid, map[string]any{"latitude": 40.7, "longitude": -104.3})

	got := h.conn(job, c)
	if len(got.Sections) != 2 || got.Sections[s1.ID].Latitude != 40.2 || got.Sections[sid].Longitude != -104.3 {
		t.Fatalf("embedded sections = %+v", got.Sections)
	}
	var list []wireSection
	h.ok("GET", base, nil).data(t, &list)
	if len(list) != 2 {
		t.Errorf("section list = %+v", list)
	}
	var one wireSection
	h.ok("GET", base+"/"+s1.ID, nil).data(t, &one)
	if one.ID != s1.ID || one.Attributes["note"] == nil {
		t.Errorf("GET section = %+v", one)
	}
	// Section ids are job-unique too.
	h.fails("POST", "/jobs/"+job+"/nodes/"+sid, map[string]any{"latitude": 1, "longitude": 1}, 400, "invalid_id")

	h.ok("DELETE", base+"/"+s1.ID, nil)
	h.fails("GET", base+"/"+s1.ID, nil, 404, "not_found")

	// Deleting a connection deletes its sections.
	h.ok("DELETE", "/jobs/"+job+"/connections/"+c, nil)
	h.fails("GET", "/jobs/"+job+"/connections/"+c, nil, 404, "not_found")
	h.fails("GET", base+"/"+sid, nil, 404, "not_found")
	// The freed ids can be used again.
	h.putNode(job, sid, 1, 1, nil)

	// Deleting a node deletes the connections that use it, and their sections.
	c2 := nid("c2")
	h.ok("POST", "/jobs/"+job+"/connections/"+c2, map[string]any{"node_id_1": n1, "node_id_2": n2})
	h.ok("POST", "/jobs/"+job+"/connections/"+c2+"/sections", map[string]any{"latitude": 1, "longitude": 1})
	h.ok("DELETE", "/jobs/"+job+"/nodes/"+n2, nil)
	h.fails("GET", "/jobs/"+job+"/connections/"+c2, nil, 404, "not_found")
	var conns []wireConn
	h.ok("GET", "/jobs/"+job+"/connections", nil).data(t, &conns)
	if len(conns) != 0 {
		t.Errorf("connections left after deleting their node: %+v", conns)
	}
	h.node(job, n1) // the other end stays
}

func TestMakeMidpoint(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	_, _, c := h.span(job, "m") // nodes at (40,-105) and (41,-104)
	base := "/jobs/" + job + "/connections/" + c + "/sections"
	var m1 wireSection
	h.ok("POST", base, map[string]any{"make_midpoint": true, "add_attributes": map[string]any{"note": "first"}}).data(t, &m1)
	if m1.Latitude != 40.5 || m1.Longitude != -104.5 {
		t.Errorf("midpoint at %v,%v, want 40.5,-104.5", m1.Latitude, m1.Longitude)
	}
	// A second midpoint replaces the first at the same id, data cleared.
	var m2 wireSection
	h.ok("POST", base, map[string]any{"make_midpoint": true}).data(t, &m2)
	if m2.ID != m1.ID || len(m2.Attributes) != 0 {
		t.Errorf("second midpoint = %+v, want id %s and no attributes", m2, m1.ID)
	}
	if got := h.conn(job, c); len(got.Sections) != 1 {
		t.Errorf("sections after two midpoints: %+v", got.Sections)
	}
	h.fails("POST", base, map[string]any{"make_midpoint": "yes"}, 400, "invalid_field")
}
