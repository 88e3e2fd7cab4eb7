package sandbox

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var pushIDRe = regexp.MustCompile(`^-[A-Za-z0-9_-]{19}$`)

func TestNodeCreateGetDelete(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 1}, 400, "missing_required_field")
	h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 91, "longitude": 0}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": "1", "longitude": 0}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+job+"/nodes", "{not json", 400, "invalid_request")
	h.fails("POST", "/jobs/nosuchjob/nodes", map[string]any{"latitude": 1, "longitude": 2}, 404, "not_found")

	var n wireNode
	h.ok("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 40.5, "longitude": -105.25,
		"add_attributes": map[string]any{"node_type": "pole"}}).data(t, &n)
	if !pushIDRe.MatchString(n.ID) {
		t.Errorf("server id %q is not a 20-character push id", n.ID)
	}
	if want := h.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"); n.LastUpdated != want {
		t.Errorf("last_updated %q, want %q", n.LastUpdated, want)
	}
	got := h.node(job, n.ID)
	if got.Latitude != 40.5 || got.Longitude != -105.25 || len(got.Attributes["node_type"]) != 1 {
		t.Errorf("GET node = %+v", got)
	}
	var del struct{ ID string }
	h.ok("DELETE", "/jobs/"+job+"/nodes/"+n.ID, nil).data(t, &del)
	if del.ID != n.ID {
		t.Errorf("DELETE data id %q", del.ID)
	}
	h.fails("GET", "/jobs/"+job+"/nodes/"+n.ID, nil, 404, "not_found")
	h.fails("DELETE", "/jobs/"+job+"/nodes/"+n.ID, nil, 404, "not_found")
}

func TestAttributeSemantics(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	id := nid("attrs")
	h.ok("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"latitude": 1, "longitude": 2,
		"attributes": map[string]any{
			"node_type": map[string]any{"-a1": "pole"},
			"note":      map[string]any{"-n1": "one", "-n2": "two"},
			"scid":      map[string]any{"-s1": "001"},
			"keep":      map[string]any{"-k1": "kept"},
		}})
	// One request: remove scid, then update/delete instances, then add.
	// remove_attributes runs first, so the scid added afterwards survives;
	// attributes runs before add, so add's new node_type instance is kept.
	var n wireNode
	h.ok("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{
		"remove_attributes": []string{"scid", "unknown_name"},
		"attributes": map[string]any{
			"node_type": map[string]any{"-a1": "reference"},
			"note":      map[string]any{"-n2": nil},
			"keep":      nil,
			"emptied":   map[string]any{},
		},
		"add_attributes": map[string]any{"scid": "002", "node_type": "pole", "skipped": nil},
	}).data(t, &n)
	a := n.Attributes
	if len(a["scid"]) != 1 || first(a["scid"]) != "002" {
		t.Errorf("scid = %v, want only the added 002", a["scid"])
	}
	if a["node_type"]["-a1"] != "reference" || len(a["node_type"]) != 2 {
		t.Errorf("node_type = %v, want -a1=reference plus one added instance", a["node_type"])
	}
	if len(a["note"]) != 1 || a["note"]["-n1"] != "one" {
		t.Errorf("note = %v, want only -n1", a["note"])
	}
	for _, gone := range []string{"keep", "emptied", "skipped", "unknown_name"} {
		if _, ok := a[gone]; ok {
			t.Errorf("attribute %q should not exist: %v", gone, a[gone])
		}
	}
	for inst := range a["scid"] {
		if !pushIDRe.MatchString(inst) {
			t.Errorf("generated instance id %q is not a push id", inst)
		}
	}
	// Deleting the last instance makes the attribute disappear.
	var n2 wireNode
	h.ok("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"attributes": map[string]any{"note": map[string]any{"-n1": nil}}}).data(t, &n2)
	if _, ok := n2.Attributes["note"]; ok {
		t.Errorf("note left with no instances still present: %v", n2.Attributes["note"])
	}
	// Bad shapes are rejected.
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"attributes": map[string]any{"x": "flat"}}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"attributes": map[string]any{"x": map[string]any{"bad id!": 1}}}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"remove_attributes": "scid"}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"add_attributes": []any{1}}, 400, "invalid_field")
}

func first(m map[string]any) any {
	for _, v := range m {
		return v
	}
	return nil
}

func TestUpsertIDRules(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	loc := map[string]any{"latitude": 1, "longitude": 2}
	h.fails("POST", "/jobs/"+job+"/nodes/tooshort", loc, 400, "invalid_id")
	h.fails("POST", "/jobs/"+job+"/nodes/"+strings.Repeat("a", 257), loc, 400, "invalid_id")
	h.fails("POST", "/jobs/"+job+"/nodes/"+strings.Repeat("a", 19)+".", loc, 400, "invalid_id")
	h.ok("POST", "/jobs/"+job+"/nodes/"+strings.Repeat("a", 256), loc)
	// onlyIfExists: a missing id is a 404, not a create.
	id := nid("upsert")
	h.fails("POST", "/jobs/"+job+"/nodes/"+id+"?onlyIfExists=true", loc, 404, "not_found")
	// Creating at an id needs the create's required fields.
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"latitude": 1}, 400, "missing_required_field")
	n := h.putNode(job, id, 1, 2, nil)
	if n.ID != id {
		t.Errorf("upsert created id %q, want %q", n.ID, id)
	}
	// Updating needs nothing and touches only what it names.
	var upd wireNode
	h.ok("POST", "/jobs/"+job+"/nodes/"+id+"?onlyIfExists=true", map[string]any{"longitude": 3}).data(t, &upd)
	if upd.Latitude != 1 || upd.Longitude != 3 {
		t.Errorf("partial update = %+v", upd)
	}
	// Ids are unique across resource types within a job.
	other := nid("other")
	h.putNode(job, other, 1, 1, nil)
	conn := nid("conn")
	h.ok("POST", "/jobs/"+job+"/connections/"+conn, map[string]any{"node_id_1": id, "node_id_2": other})
	h.fails("POST", "/jobs/"+job+"/nodes/"+conn, loc, 400, "invalid_id")
	h.fails("POST", "/jobs/"+job+"/connections/"+id, map[string]any{"node_id_1": id, "node_id_2": other}, 400, "invalid_id")
	// …but not across jobs.
	h.putNode(h.newJob(), id, 1, 2, nil)
}

func TestListNodesLastUpdatedAndLimit(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	ids := []string{nid("n0"), nid("n1"), nid("n2"), nid("n3")}
	var stamps []string
	for _, id := range ids {
		stamps = append(stamps, h.putNode(job, id, 1, 1, nil).LastUpdated)
		h.clock.Advance(time.Second)
	}
	list := func(q string) []string {
		t.Helper()
		var ns []wireNode
		h.ok("GET", "/jobs/"+job+"/nodes"+q, nil).data(t, &ns)
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	if got := list(""); strings.Join(got, ",") != strings.Join([]string{ids[3], ids[2], ids[1], ids[0]}, ",") {
		t.Errorf("order = %v, want most recent first", got)
	}
	// Strictly after: the node stamped exactly at the bound is left out.
	if got := list("?last_updated=" + stamps[1]); len(got) != 2 || got[0] != ids[3] || got[1] != ids[2] {
		t.Errorf("after %s: %v", stamps[1], got)
	}
	if got := list("?limit=1"); len(got) != 1 || got[0] != ids[3] {
		t.Errorf("limit=1: %v", got)
	}
	// Updating a node moves it to the front.
	h.clock.Advance(time.Second)
	h.ok("POST", "/jobs/"+job+"/nodes/"+ids[0], map[string]any{"add_attributes": map[string]any{"a": 1}})
	if got := list("?limit=1"); got[0] != ids[0] {
		t.Errorf("after update, first = %v", got)
	}
	for _, bad := range []string{"?limit=0", "?limit=-1", "?limit=x", "?limit=", "?last_updated=yesterday"} {
		h.fails("GET", "/jobs/"+job+"/nodes"+bad, nil, 400, "invalid_request")
	}
	var empty []wireNode
	h.ok("GET", "/jobs/"+h.newJob()+"/nodes", nil).data(t, &empty)
	if empty == nil || len(empty) != 0 {
		t.Errorf("empty job lists %v, want []", empty)
	}
}

func TestFailedValidationChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	id := nid("stable")
	h.putNode(job, id, 1, 2, map[string]any{"a": "x"})
	before := h.do("GET", "/jobs/"+job+"/nodes/"+id, nil).env.Data
	// Valid attribute changes alongside an invalid field: nothing applies.
	h.fails("POST", "/jobs/"+job+"/nodes/"+id, map[string]any{"remove_attributes": []string{"a"},
		"add_attributes": map[string]any{"b": 1}, "latitude": 100}, 400, "invalid_field")
	after := h.do("GET", "/jobs/"+job+"/nodes/"+id, nil).env.Data
	if string(before) != string(after) {
		t.Errorf("failed write changed the node:\n%s\n%s", before, after)
	}
	other := nid("other")
	h.putNode(job, other, 1, 1, nil)
	cid := nid("conn")
	h.ok("POST", "/jobs/"+job+"/connections/"+cid, map[string]any{"node_id_1": id, "node_id_2": other})
	cBefore := h.do("GET", "/jobs/"+job+"/connections/"+cid, nil).env.Data
	h.fails("POST", "/jobs/"+job+"/connections/"+cid, map[string]any{"node_id_2": nid("missing"),
		"add_attributes": map[string]any{"x": 1}}, 400, "invalid_field")
	if cAfter := h.do("GET", "/jobs/"+job+"/connections/"+cid, nil).env.Data; string(cBefore) != string(cAfter) {
		t.Errorf("failed write changed the connection:\n%s\n%s", cBefore, cAfter)
	}
}

func TestBodyMustBeOneObject(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	for _, body := range []string{`[1]`, `"x"`, `{"latitude":1,"longitude":2} {"x":1}`, `{"latitude":1,`} {
		h.fails("POST", "/jobs/"+job+"/nodes", body, 400, "invalid_request")
	}
}

// TestAddedInstanceIDsInNameOrder: add_attributes hands out instance ids
// in attribute-name order (push ids increase), not in map order, so a
// rehearsal's ids do not depend on Go's map iteration.
func TestAddedInstanceIDsInNameOrder(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	add := map[string]any{"h": 8, "a": 1, "f": 6, "c": 3, "b": 2, "g": 7, "e": 5, "d": 4}
	attrs := h.putNode(job, "node-0000000000000000001", 1, 2, add).Attributes
	prev := ""
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		if len(attrs[name]) != 1 {
			t.Fatalf("%s: %v", name, attrs[name])
		}
		for id := range attrs[name] {
			if id <= prev {
				t.Errorf("%s got instance %s, not after %s", name, id, prev)
			}
			prev = id
		}
	}
}
