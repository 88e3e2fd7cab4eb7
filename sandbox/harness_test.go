package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock so the limits can be tested without
// sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a sandbox served over real HTTP on loopback.
type harness struct {
	t     *testing.T
	srv   *Server
	url   string
	clock *fakeClock
	key   string
}

// newHarness starts a sandbox with limits off (no general limit, a large
// bucket) unless tune changes them.
func newHarness(t *testing.T, tune func(*Options)) *harness {
	t.Helper()
	clock := newFakeClock()
	o := DefaultOptions()
	o.MinInterval = 0
	o.Bucket = 1_000_000
	o.Now = clock.Now
	if tune != nil {
		tune(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &harness{t: t, srv: s, url: ts.URL + "/api/v3", clock: clock, key: o.Key}
}

// resp is one answer: the status, the raw body and its decoded envelope.
type resp struct {
	status int
	raw    []byte
	env    struct {
		Status  string          `json:"status"`
		Data    json.RawMessage `json:"data"`
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Meta    *meta           `json:"meta"`
		Error   string          `json:"error"`
	}
}

// data decodes the envelope's data into v.
func (r resp) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.env.Data, v); err != nil {
		t.Fatalf("data %s: %v", r.env.Data, err)
	}
}

// do sends a call with the harness key. body is JSON-encoded unless it is
// a []byte (sent raw) or nil.
func (h *harness) do(method, path string, body any) resp {
	return h.doKey(method, path, body, h.key)
}

func (h *harness) doKey(method, path string, body any, key string) resp {
	h.t.Helper()
	u := h.url + path
	if key != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "api_key=" + key
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var r resp
	r.status = res.StatusCode
	if r.raw, err = io.ReadAll(res.Body); err != nil {
		h.t.Fatal(err)
	}
	if err := json.Unmarshal(r.raw, &r.env); err != nil {
		h.t.Fatalf("%s %s: answer is not JSON: %s", method, path, r.raw)
	}
	return r
}

// ok asserts a 200 success envelope with meta.
func (h *harness) ok(method, path string, body any) resp {
	h.t.Helper()
	r := h.do(method, path, body)
	if r.status != 200 || r.env.Status != "success" || r.env.Meta == nil {
		h.t.Fatalf("%s %s: want 200 success with meta, got %d %s", method, path, r.status, r.raw)
	}
	return r
}

// fails asserts a standard error envelope with the given status and type.
func (h *harness) fails(method, path string, body any, status int, typ string) resp {
	h.t.Helper()
	r := h.do(method, path, body)
	if r.status != status || r.env.Status != "error" || r.env.Type != typ || r.env.Meta == nil || r.env.Message == "" {
		h.t.Fatalf("%s %s: want %d %s error envelope with meta, got %d %s", method, path, status, typ, r.status, r.raw)
	}
	return r
}

// newJob creates a job and returns its id.
func (h *harness) newJob() string {
	h.t.Helper()
	var j struct{ ID string }
	h.ok("POST", "/jobs", map[string]any{"name": "test job", "model": "test_model"}).data(h.t, &j)
	return j.ID
}

// wireNode is a node as the API returns it.
type wireNode struct {
	ID          string                    `json:"id"`
	Latitude    float64                   `json:"latitude"`
	Longitude   float64                   `json:"longitude"`
	Attributes  map[string]map[string]any `json:"attributes"`
	LastUpdated string                    `json:"last_updated"`
	Photos      map[string]map[string]any `json:"photos"`
}

func (h *harness) node(jobID, id string) wireNode {
	h.t.Helper()
	var n wireNode
	h.ok("GET", "/jobs/"+jobID+"/nodes/"+id, nil).data(h.t, &n)
	return n
}

// putNode upserts a node at id with coordinates and attributes to add.
func (h *harness) putNode(jobID, id string, lat, lon float64, add map[string]any) wireNode {
	h.t.Helper()
	var n wireNode
	h.ok("POST", "/jobs/"+jobID+"/nodes/"+id, map[string]any{"latitude": lat, "longitude": lon, "add_attributes": add}).data(h.t, &n)
	return n
}

func (h *harness) tokens() int64 { return h.srv.limits.meta().TokenCount }

// nid makes a valid 20+ character id from a short name.
func nid(name string) string { return "test_" + name + strings.Repeat("0", max(0, 15-len(name))) }
