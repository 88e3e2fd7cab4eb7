package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFailBeforeApply(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.FailRate = 1 })
	job, err := h.srv.LoadJobJSON(strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	before := h.tokens()
	h.fails("POST", "/jobs/"+job+"/nodes/"+nid("f"), map[string]any{"latitude": 1, "longitude": 1}, 500, "internal_error")
	h.fails("GET", "/jobs", nil, 500, "internal_error")
	h.srv.mu.RLock()
	n := len(h.srv.jobs[job].nodes)
	h.srv.mu.RUnlock()
	if n != 0 {
		t.Errorf("a write that failed before applying created %d nodes", n)
	}
	if h.tokens() != before {
		t.Errorf("failed calls spent %d tokens", before-h.tokens())
	}
	if st := h.srv.Stats(); st.Failed5xx != 2 || st.Writes != 0 || st.Reads != 0 {
		t.Errorf("stats %+v, want 2 failures and nothing applied", st)
	}
}

func TestFailAfterApply(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.FailAfterApplyRate = 1 })
	r := h.do("POST", "/jobs", map[string]any{"name": "x", "model": "m"})
	if r.status != 500 || r.env.Type != "internal_error" {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	var js []wireJob
	h.ok("GET", "/jobs", nil).data(t, &js)
	if len(js) != 1 {
		t.Errorf("the write was not applied: %d jobs", len(js))
	}
	if st := h.srv.Stats(); st.Failed5xx != 1 || st.Writes != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDropAfterApply(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.DropRate = 1 })
	res, err := http.Post(h.url+"/jobs?api_key=sandbox", "application/json", strings.NewReader(`{"name":"x","model":"m"}`))
	if err == nil {
		res.Body.Close()
		t.Fatalf("got an answer (%d), want the connection dropped", res.StatusCode)
	}
	var js []wireJob
	h.ok("GET", "/jobs", nil).data(t, &js)
	if len(js) != 1 {
		t.Errorf("the write was not applied: %d jobs", len(js))
	}
	if st := h.srv.Stats(); st.Dropped != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestSeedReproducible(t *testing.T) {
	seq := func(seed int64) string {
		h := newHarness(t, func(o *Options) { o.FailRate = 0.5; o.Seed = seed })
		var b strings.Builder
		for range 32 {
			fmt.Fprint(&b, h.do("GET", "/users/whoami", nil).status/100)
		}
		return b.String()
	}
	a, b := seq(7), seq(7)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "5") || !strings.Contains(a, "2") {
		t.Errorf("rate 0.5 gave %s", a)
	}
	if c := seq(8); c == a {
		t.Errorf("seeds 7 and 8 gave the same 32 draws: %s", c)
	}
}

func TestLatency(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Latency = 40 * time.Millisecond; o.LatencyJitter = 10 * time.Millisecond })
	start := time.Now()
	h.ok("GET", "/users/whoami", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("answer after %v, want at least latency - jitter = 30ms", d)
	}
}

func TestOptionsValidated(t *testing.T) {
	for name, o := range map[string]Options{
		"no key":        {Bucket: 1, Refill: time.Second},
		"zero bucket":   {Key: "k", Refill: time.Second},
		"bad schedule":  {Key: "k", Bucket: 1, BucketSchedule: []int{5, 0}, Refill: time.Second},
		"no refill":     {Key: "k", Bucket: 1},
		"rate above 1":  {Key: "k", Bucket: 1, Refill: time.Second, DropRate: 1.5},
		"negative wait": {Key: "k", Bucket: 1, Refill: time.Second, MinInterval: -1},
	} {
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}
