package sandbox

import (
	"testing"
	"time"
)

type wireJob struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	JobCreator  string            `json:"job_creator"`
	Status      string            `json:"status"`
	Metadata    map[string]any    `json:"metadata"`
	Sharing     map[string]string `json:"sharing"`
	LastUpdated string            `json:"last_updated"`
}

func TestJobs(t *testing.T) {
	h := newHarness(t, nil)
	h.fails("POST", "/jobs", map[string]any{"model": "m"}, 400, "missing_required_field")
	h.fails("POST", "/jobs", map[string]any{"name": "n"}, 400, "missing_required_field")
	h.fails("POST", "/jobs", map[string]any{"name": "n", "model": "m", "sharing": map[string]any{"x": "admin"}}, 400, "invalid_field")
	var a wireJob
	h.ok("POST", "/jobs", map[string]any{"name": "Pole audit", "model": "m1",
		"metadata": map[string]any{"city": "Buffalo", "phase": 2}, "sharing": map[string]any{"other": "read"}}).data(t, &a)
	if a.Name != "Pole audit" || a.JobCreator != "m1" || a.Status != "active" || a.Sharing["other"] != "read" || a.Sharing[sandboxCompany] != "write" {
		t.Errorf("created job = %+v", a)
	}
	h.clock.Advance(time.Second)
	var b wireJob
	h.ok("POST", "/jobs", map[string]any{"name": "Other", "model": "m1", "metadata": map[string]any{"city": "Denver"}}).data(t, &b)

	list := func(q string) []wireJob {
		t.Helper()
		var js []wireJob
		h.ok("GET", "/jobs"+q, nil).data(t, &js)
		return js
	}
	if js := list(""); len(js) != 2 || js[0].ID != b.ID || js[1].ID != a.ID || js[0].LastUpdated == "" {
		t.Errorf("list = %+v, want newest first", js)
	}
	if js := list("?metadataFilter=city:Buffalo"); len(js) != 1 || js[0].ID != a.ID {
		t.Errorf("filter city:Buffalo = %+v", js)
	}
	if js := list("?metadataFilter=city:Buffalo,phase:2"); len(js) != 1 {
		t.Errorf("filter city:Buffalo,phase:2 = %+v", js)
	}
	if js := list("?metadataFilter=city:Buffalo,phase:3"); len(js) != 0 {
		t.Errorf("filter city:Buffalo,phase:3 = %+v", js)
	}
	h.fails("GET", "/jobs?metadataFilter=nocolon", nil, 400, "invalid_field")
	h.fails("GET", "/jobs?limit=0", nil, 400, "invalid_request")

	// Archive: gone from the default list, back with includeArchived.
	var st struct{ ID, Status string }
	h.ok("POST", "/jobs/"+a.ID+"/status", map[string]any{"status": "archived"}).data(t, &st)
	if st.Status != "archived" {
		t.Errorf("status = %+v", st)
	}
	h.fails("POST", "/jobs/"+a.ID+"/status", map[string]any{"status": "deleted"}, 400, "invalid_field")
	h.fails("POST", "/jobs/"+a.ID+"/status", map[string]any{}, 400, "missing_required_field")
	if js := list(""); len(js) != 1 || js[0].ID != b.ID {
		t.Errorf("list without archived = %+v", js)
	}
	if js := list("?includeArchived=true"); len(js) != 2 {
		t.Errorf("list with archived = %+v", js)
	}
	h.ok("GET", "/jobs/"+a.ID+"/status", nil).data(t, &st)
	if st.Status != "archived" {
		t.Errorf("GET status = %+v", st)
	}

	// paths: only id without it; the named paths with it.
	var partial map[string]any
	h.ok("GET", "/jobs/"+a.ID, nil).data(t, &partial)
	if len(partial) != 1 || partial["id"] != a.ID {
		t.Errorf("GET job without paths = %v, want only id", partial)
	}
	partial = nil
	h.ok("GET", "/jobs/"+a.ID+"?paths=name,metadata", nil).data(t, &partial)
	if len(partial) != 3 || partial["name"] != "Pole audit" || partial["metadata"] == nil {
		t.Errorf("GET job paths=name,metadata = %v", partial)
	}
	h.fails("GET", "/jobs/"+a.ID+"?paths=nodes", nil, 400, "invalid_field")
	h.fails("GET", "/jobs/"+nid("nojob"), nil, 404, "not_found")

	// Metadata is a flat map: null deletes, others merge.
	var u wireJob
	h.ok("POST", "/jobs/"+a.ID, map[string]any{"metadata": map[string]any{"city": nil, "owner": "x"}}).data(t, &u)
	if _, ok := u.Metadata["city"]; ok || u.Metadata["owner"] != "x" || u.Metadata["phase"] != float64(2) {
		t.Errorf("metadata after update = %v", u.Metadata)
	}
}

func TestUsers(t *testing.T) {
	h := newHarness(t, nil)
	var me struct {
		UID       string `json:"uid"`
		UserGroup string `json:"user_group"`
	}
	h.ok("GET", "/users/whoami", nil).data(t, &me)
	if me.UID == "" || me.UserGroup == "" {
		t.Errorf("whoami = %+v", me)
	}
	var users []map[string]any
	h.ok("GET", "/users", nil).data(t, &users)
	if len(users) != 1 || users[0]["uid"] != me.UID {
		t.Errorf("users = %v", users)
	}
	h.ok("GET", "/users/"+me.UID, nil)
	h.fails("GET", "/users/someone-else", nil, 404, "not_found")
}

func TestJobListLightAndIncremental(t *testing.T) {
	h := newHarness(t, nil)
	a := h.newJob()
	h.clock.Advance(time.Second)
	b := h.newJob()
	var light []map[string]any
	h.ok("GET", "/jobs?list=true&metadataFilter=ignored:x", nil).data(t, &light)
	if len(light) != 2 {
		t.Fatalf("list=true ignores metadataFilter: got %v", light)
	}
	if _, ok := light[0]["metadata"]; ok {
		t.Errorf("list=true entry has metadata: %v", light[0])
	}
	var full []wireJob
	h.ok("GET", "/jobs", nil).data(t, &full)
	// Only jobs changed strictly after a's last write.
	var after []wireJob
	h.ok("GET", "/jobs?last_updated="+full[1].LastUpdated, nil).data(t, &after)
	if full[1].ID != a || len(after) != 1 || after[0].ID != b {
		t.Errorf("after %s: %+v", full[1].LastUpdated, after)
	}
	// A write inside a job makes it the most recent.
	h.clock.Advance(time.Second)
	h.putNode(a, nid("touch"), 1, 1, nil)
	h.ok("GET", "/jobs?limit=1", nil).data(t, &after)
	if len(after) != 1 || after[0].ID != a {
		t.Errorf("most recent job %+v, want %s", after, a)
	}
}
