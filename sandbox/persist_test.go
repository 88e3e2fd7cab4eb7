package sandbox

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// snapshot reads everything a client can see of a job, as raw JSON.
func (h *harness) snapshot(job, photo string) []string {
	h.t.Helper()
	var out []string
	for _, p := range []string{"/jobs/" + job + "?paths=name,metadata,status,sharing", "/jobs/" + job + "/nodes",
		"/jobs/" + job + "/connections", "/jobs/" + job + "/photos", "/jobs/" + job + "/traces",
		"/jobs/" + job + "/photos/" + photo + "/photo_elements", "/jobs/" + job + "/photos/" + photo + "/calibration_anchors"} {
		out = append(out, string(h.ok("GET", p, nil).env.Data))
	}
	return out
}

func TestRestartKeepsState(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	clock := newFakeClock()
	open := func() (*Server, *harness) {
		s, err := New(Options{Key: "k", Bucket: 1000, Refill: time.Minute, DBPath: db, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(s.Handler())
		t.Cleanup(ts.Close)
		return s, &harness{t: t, srv: s, url: ts.URL + "/api/v3", clock: clock, key: "k"}
	}
	s1, h := open()
	job := h.newJob()
	_, n2, c := h.span(job, "r")
	h.ok("POST", "/jobs/"+job+"/nodes/"+n2, map[string]any{"add_attributes": map[string]any{"pole_tag": "410620"}})
	h.ok("POST", "/jobs/"+job+"/connections/"+c+"/sections", map[string]any{"make_midpoint": true})
	var ph struct{ ID string }
	h.ok("POST", "/jobs/"+job+"/nodes/"+n2+"/photos?association_value=main", jpeg).data(t, &ph)
	var tr struct{ ID string }
	h.ok("POST", "/jobs/"+job+"/traces", map[string]any{"trace_type": "cable"}).data(t, &tr)
	h.ok("POST", "/jobs/"+job+"/photos/"+ph.ID+"/photo_elements", map[string]any{"element_type": "wire", "trace_id": tr.ID})
	h.ok("POST", "/jobs/"+job+"/photos/"+ph.ID+"/calibration_anchors", map[string]any{"height": 2.5, "pixel_selection": map[string]any{"percentX": 0.5, "percentY": 0.5}})
	gone := nid("gone")
	h.putNode(job, gone, 5, 5, nil)
	h.ok("DELETE", "/jobs/"+job+"/nodes/"+gone, nil)
	want := h.snapshot(job, ph.ID)
	tokens := h.tokens()

	// A second sandbox cannot open the file while the first has it.
	if s, err := New(Options{Key: "k", Bucket: 1, Refill: time.Minute, DBPath: db}); err == nil {
		s.Close()
		t.Error("two sandboxes opened the same database")
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, h2 := open()
	defer s2.Close()
	// The bucket survives too (the snapshot GETs above cost 7 tokens).
	if got := h2.tokens(); got != tokens {
		t.Errorf("bucket after restart %d, want %d", got, tokens)
	}
	got := h2.snapshot(job, ph.ID)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("after restart, read %d differs:\nbefore %s\nafter  %s", i, want[i], got[i])
		}
	}
	h2.fails("GET", "/jobs/"+job+"/nodes/"+gone, nil, 404, "not_found")
	// Ids stay claimed across a restart.
	h2.fails("POST", "/jobs/"+job+"/nodes/"+c, map[string]any{"latitude": 1, "longitude": 1}, 400, "invalid_id")
}

func TestFlusherSavesWithoutClose(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	s, err := New(Options{Key: "k", Bucket: 1000, Refill: time.Minute, DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.LoadJobJSON(strings.NewReader(`{"name":"x","nodes":{"` + nid("a") + `":{"latitude":1,"longitude":2}}}`)); err != nil {
		t.Fatal(err)
	}
	// The write-behind flusher runs every flushInterval; wait for the WAL
	// to show the node rather than sleeping a fixed time.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.store.mu.Lock()
		var n int
		err := s.store.db.QueryRow(`SELECT count(*) FROM entities`).Scan(&n)
		s.store.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the node was not saved within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal(err)
	}
}
