package sandbox

import (
	"testing"
)

// jpeg is the smallest body that passes the JPEG signature check.
var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 0xFF, 0xD9}

func TestPhotoUploadAndAssociations(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	_, _, c := h.span(job, "p")
	node := nid("pa")
	base := "/jobs/" + job

	h.fails("POST", base+"/photos", []byte("\x89PNG\r\n"), 400, "invalid_file_type")
	h.fails("POST", base+"/nodes/"+node+"/photos", []byte("GIF89a"), 400, "invalid_file_type")
	h.fails("POST", base+"/nodes/"+nid("ghost")+"/photos", jpeg, 404, "not_found")
	h.fails("POST", base+"/nodes/"+node+"/photos?association_value=false", jpeg, 400, "invalid_field")

	var p1, p2, loose struct{ ID string }
	h.ok("POST", base+"/nodes/"+node+"/photos?association_value=main", jpeg).data(t, &p1)
	if n := h.node(job, node); n.Photos[p1.ID]["association"] != "main" {
		t.Fatalf("node photos = %v", n.Photos)
	}
	// A new main photo demotes the old one.
	h.ok("POST", base+"/nodes/"+node+"/photos?association_value=main", jpeg).data(t, &p2)
	n := h.node(job, node)
	if n.Photos[p2.ID]["association"] != "main" || n.Photos[p1.ID]["association"] != true {
		t.Errorf("after second main: %v", n.Photos)
	}
	h.ok("POST", base+"/photos", jpeg).data(t, &loose)
	var rec map[string]any
	h.ok("GET", base+"/photos/"+loose.ID, nil).data(t, &rec)
	if rec["id"] != loose.ID {
		t.Errorf("photo record %v", rec)
	}
	var all []map[string]any
	h.ok("GET", base+"/photos", nil).data(t, &all)
	if len(all) != 3 {
		t.Errorf("%d photos, want 3", len(all))
	}
	h.fails("GET", base+"/photos/"+nid("nophoto"), nil, 404, "not_found")

	// Associate to a section, then unassociate from the node.
	var sec wireSection
	h.ok("POST", base+"/connections/"+c+"/sections", map[string]any{"latitude": 40.5, "longitude": -104.5}).data(t, &sec)
	assoc := base + "/photos/" + loose.ID + "/associate"
	h.ok("POST", assoc, map[string]any{"connection_id": c, "section_id": sec.ID, "association_value": true})
	if got := h.conn(job, c).Sections[sec.ID].Photos; got[loose.ID]["association"] != true {
		t.Errorf("section photos = %v", got)
	}
	h.ok("POST", base+"/photos/"+p1.ID+"/associate", map[string]any{"node_id": node, "association_value": nil})
	if n := h.node(job, node); n.Photos[p1.ID] != nil || n.Photos[p2.ID] == nil {
		t.Errorf("after unassociate: %v", n.Photos)
	}

	// Codependent fields and missing targets.
	h.fails("POST", assoc, map[string]any{"node_id": node, "section_id": sec.ID, "association_value": true}, 400, "invalid_request")
	h.fails("POST", assoc, map[string]any{"section_id": sec.ID, "association_value": true}, 400, "invalid_request")
	h.fails("POST", assoc, map[string]any{"node_id": node}, 400, "missing_required_field")
	h.fails("POST", assoc, map[string]any{"node_id": node, "association_value": false}, 400, "invalid_field")
	h.fails("POST", assoc, map[string]any{"node_id": nid("ghost"), "association_value": true}, 400, "invalid_field")
	h.fails("POST", assoc, map[string]any{"connection_id": c, "section_id": nid("ghost"), "association_value": true}, 400, "invalid_field")
	h.fails("POST", base+"/photos/"+nid("nophoto")+"/associate", map[string]any{"node_id": node, "association_value": true}, 404, "not_found")

	var url struct{ URL string }
	h.ok("GET", base+"/photos/"+p1.ID+"/url", nil).data(t, &url)
	if url.URL == "" {
		t.Error("no url")
	}
}

func TestElementsAnchorsTraces(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	base := "/jobs/" + job
	var ph struct{ ID string }
	h.ok("POST", base+"/photos", jpeg).data(t, &ph)

	h.fails("POST", base+"/traces", map[string]any{"attributes": map[string]any{"company": "X"}}, 400, "missing_required_field")
	var tr map[string]any
	h.ok("POST", base+"/traces", map[string]any{"trace_type": "cable", "attributes": map[string]any{"company": "X", "label": ""}}).data(t, &tr)
	if tr["_trace_type"] != "cable" || tr["company"] != "X" {
		t.Errorf("trace = %v (attributes belong at the root)", tr)
	}
	trID := tr["id"].(string)
	tr = nil
	h.ok("POST", base+"/traces/"+trID, map[string]any{"attributes": map[string]any{"label": nil}}).data(t, &tr)
	if _, ok := tr["label"]; ok {
		t.Errorf("null did not delete the trace attribute: %v", tr)
	}

	els := base + "/photos/" + ph.ID + "/photo_elements"
	h.fails("POST", els, map[string]any{"attributes": map[string]any{"a": 1}}, 400, "missing_required_field")
	h.fails("POST", els, map[string]any{"element_type": "wire", "trace_id": nid("notrace")}, 400, "invalid_field")
	var parent, child map[string]any
	h.ok("POST", els, map[string]any{"element_type": "wire", "pixel_selection": map[string]any{"percentX": 0.5, "percentY": 0.25},
		"trace_id": trID, "attributes": map[string]any{"height": "25-6"}}).data(t, &parent)
	pid := parent["id"].(string)
	if parent["height"] != "25-6" || parent["trace_id"] != trID {
		t.Errorf("element = %v", parent)
	}
	h.fails("POST", els, map[string]any{"element_type": "insulator", "parent_id": nid("noparent")}, 400, "invalid_field")
	h.fails("POST", els, map[string]any{"element_type": "insulator", "parent_id": pid, "pixel_selection": map[string]any{"percentX": 0.1, "percentY": 0.1}}, 400, "invalid_request")
	cid := nid("child")
	h.ok("POST", els+"/"+cid, map[string]any{"element_type": "insulator", "parent_id": pid}).data(t, &child)
	h.fails("POST", els+"/"+cid, map[string]any{"element_type": "wire"}, 400, "invalid_field")
	child = nil
	h.ok("POST", els+"/"+cid, map[string]any{"parent_id": nil}).data(t, &child)
	if _, nested := child["parent_id"]; nested {
		t.Errorf("parent_id null did not de-nest: %v", child)
	}
	h.fails("POST", els+"/"+nid("nochild")+"?onlyIfExists=true", map[string]any{"element_type": "x"}, 404, "not_found")
	var list []map[string]any
	h.ok("GET", els, nil).data(t, &list)
	if len(list) != 2 {
		t.Errorf("%d elements, want 2", len(list))
	}
	// Deleting the trace takes elements off it.
	h.ok("DELETE", base+"/traces/"+trID, nil)
	parent = nil
	h.ok("GET", els+"/"+pid, nil).data(t, &parent)
	if _, ok := parent["trace_id"]; ok {
		t.Errorf("element still on a deleted trace: %v", parent)
	}
	h.ok("DELETE", els+"/"+cid, nil)
	h.fails("GET", els+"/"+cid, nil, 404, "not_found")

	an := base + "/photos/" + ph.ID + "/calibration_anchors"
	h.fails("POST", an, map[string]any{"height": 10}, 400, "missing_required_field")
	var a map[string]any
	h.ok("POST", an, map[string]any{"height": 16.5, "pixel_selection": map[string]any{"percentX": 0.5, "percentY": 0.3}}).data(t, &a)
	aid := a["id"].(string)
	h.ok("POST", an+"/"+aid, map[string]any{"height": 14.5}).data(t, &a)
	if a["height"] != 14.5 {
		t.Errorf("anchor = %v", a)
	}
	h.ok("DELETE", an+"/"+aid, nil)
	h.fails("GET", an+"/"+aid, nil, 404, "not_found")
}

func TestSectionPhotoUpload(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	_, _, c := h.span(job, "sp")
	var sec wireSection
	h.ok("POST", "/jobs/"+job+"/connections/"+c+"/sections", map[string]any{"latitude": 40.5, "longitude": -104.5}).data(t, &sec)
	base := "/jobs/" + job + "/connections/" + c + "/sections/" + sec.ID + "/photos"
	h.fails("POST", base, []byte("not a jpeg"), 400, "invalid_file_type")
	h.fails("POST", "/jobs/"+job+"/connections/"+c+"/sections/"+nid("nosec")+"/photos", jpeg, 404, "not_found")
	var p1, p2 struct{ ID string }
	h.ok("POST", base, jpeg).data(t, &p1)
	h.ok("POST", base+"?association_value=main", jpeg).data(t, &p2)
	got := h.conn(job, c).Sections[sec.ID].Photos
	if got[p1.ID]["association"] != true || got[p2.ID]["association"] != "main" {
		t.Errorf("section photos = %v", got)
	}
}

func TestOnlyIfExistsOnTracesAndAnchors(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	var ph struct{ ID string }
	h.ok("POST", "/jobs/"+job+"/photos", jpeg).data(t, &ph)
	tid := nid("trace")
	h.fails("POST", "/jobs/"+job+"/traces/"+tid+"?onlyIfExists=true", map[string]any{"trace_type": "cable"}, 404, "not_found")
	h.fails("POST", "/jobs/"+job+"/traces/short", map[string]any{"trace_type": "cable"}, 400, "invalid_id")
	h.ok("POST", "/jobs/"+job+"/traces/"+tid, map[string]any{"trace_type": "cable"})
	h.ok("POST", "/jobs/"+job+"/traces/"+tid+"?onlyIfExists=true", map[string]any{"attributes": map[string]any{"company": "x"}})
	aid := nid("anchor")
	an := "/jobs/" + job + "/photos/" + ph.ID + "/calibration_anchors/" + aid
	body := map[string]any{"height": 1, "pixel_selection": map[string]any{"percentX": 0.1, "percentY": 0.2}}
	h.fails("POST", an+"?onlyIfExists=true", body, 404, "not_found")
	h.ok("POST", an, body)
	h.fails("POST", "/jobs/"+job+"/photos/"+ph.ID+"/calibration_anchors/"+tid, body, 400, "invalid_id")
}
