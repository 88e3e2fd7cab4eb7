package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWelcomeCostsNothing(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Bucket = 100 })
	r := h.ok("GET", "", nil)
	if r.env.Message != "Welcome to the Katapult Pro API V3" {
		t.Errorf("message = %q", r.env.Message)
	}
	if r.env.Meta.TokenCount != 100 {
		t.Errorf("token_count = %d, want 100 (welcome costs 0)", r.env.Meta.TokenCount)
	}
}

func TestAuthShortShape(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Bucket = 100 })
	r := h.doKey("GET", "/jobs", nil, "")
	if r.status != 400 || r.env.Error != "MISSING API KEY" || r.env.Meta != nil {
		t.Errorf("missing key: got %d %s", r.status, r.raw)
	}
	r = h.doKey("GET", "/jobs", nil, "wrong-key")
	if r.status != 401 || r.env.Error != "INVALID API KEY" || r.env.Meta != nil {
		t.Errorf("wrong key: got %d %s", r.status, r.raw)
	}
	if got := h.tokens(); got != 100 {
		t.Errorf("auth failures spent tokens: balance %d", got)
	}
	if st := h.srv.Stats(); st.Calls != 0 {
		t.Errorf("auth failures counted as calls: %+v", st)
	}
}

func TestGeneralLimit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MinInterval = 50 * time.Millisecond; o.Bucket = 100 })
	h.ok("GET", "/jobs", nil)
	r := h.do("GET", "/jobs", nil)
	if r.status != 429 || r.env.Error != "GENERAL RATE LIMIT EXCEEDED" || r.env.Meta != nil {
		t.Fatalf("second call at once: got %d %s", r.status, r.raw)
	}
	// A rejected call does not restart the interval: 50 ms after the
	// accepted one the next call passes.
	h.clock.Advance(49 * time.Millisecond)
	if r := h.do("GET", "/jobs", nil); r.status != 429 {
		t.Fatalf("49 ms later: got %d", r.status)
	}
	h.clock.Advance(time.Millisecond)
	h.ok("GET", "/jobs", nil)
	// Auth failures do not count as calls for the general limit.
	h.clock.Advance(50 * time.Millisecond)
	h.doKey("GET", "/jobs", nil, "wrong")
	h.ok("GET", "/jobs", nil)
	st := h.srv.Stats()
	if st.GeneralLimited != 2 {
		t.Errorf("GeneralLimited = %d, want 2", st.GeneralLimited)
	}
	if got := h.tokens(); got != 97 {
		t.Errorf("balance %d, want 97: limited calls must not spend tokens", got)
	}
}

func TestTokenBucketAndLazyRefill(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Bucket = 25 })
	start := h.clock.Now().UnixMilli()
	job := h.newJob() // 10
	r := h.ok("GET", "/jobs/"+job, nil)
	if r.env.Meta.TokenCount != 14 || r.env.Meta.LastRefillTime != start {
		t.Fatalf("meta after POST+GET = %+v, want 14 @ %d", *r.env.Meta, start)
	}
	h.ok("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 1, "longitude": 2}) // 4 left
	r = h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 1, "longitude": 2}, 429, "token_rate_limit_exceeded")
	if r.env.Meta.TokenCount != 4 {
		t.Errorf("429 meta token_count = %d, want 4", r.env.Meta.TokenCount)
	}
	if len(h.do("GET", "/jobs/"+job+"/nodes", nil).raw) == 0 {
		t.Fatal("empty answer")
	}
	// Not yet a refill period since last_refill_time: still blocked.
	h.clock.Advance(59 * time.Second)
	h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 1, "longitude": 2}, 429, "token_rate_limit_exceeded")
	// The first call a full period after last_refill_time refills, and
	// last_refill_time becomes that call's time.
	h.clock.Advance(5 * time.Second)
	r = h.ok("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": 1, "longitude": 2})
	if want := h.clock.Now().UnixMilli(); r.env.Meta.LastRefillTime != want || r.env.Meta.TokenCount != 15 {
		t.Errorf("after refill meta = %+v, want 15 @ %d", *r.env.Meta, want)
	}
	if st := h.srv.Stats(); st.TokenLimited != 2 {
		t.Errorf("TokenLimited = %d, want 2", st.TokenLimited)
	}
}

func TestBucketSchedule(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.BucketSchedule = []int{30, 20} })
	want := []int64{29, 19, 29}
	for i, w := range want {
		r := h.ok("GET", "/users/whoami", nil)
		if r.env.Meta.TokenCount != w {
			t.Errorf("window %d: token_count %d, want %d", i, r.env.Meta.TokenCount, w)
		}
		h.clock.Advance(60 * time.Second)
	}
}

func TestCosts(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	cost := func(method, path string, body any) int64 {
		t.Helper()
		before := h.tokens()
		h.ok(method, path, body)
		return before - h.tokens()
	}
	n := nid("costnode")
	for _, c := range []struct {
		method, path string
		body         any
		want         int64
	}{
		{"GET", "", nil, 0},
		{"GET", "/jobs", nil, 1},
		{"POST", "/jobs/" + job + "/nodes/" + n, map[string]any{"latitude": 1, "longitude": 1}, 10},
		{"GET", "/jobs/" + job + "/nodes/" + n, nil, 1},
		{"GET", "/jobs/" + job + "/nodes", nil, 1},
		{"DELETE", "/jobs/" + job + "/nodes/" + n, nil, 10},
	} {
		if got := cost(c.method, c.path, c.body); got != c.want {
			t.Errorf("%s %s cost %d, want %d", c.method, c.path, got, c.want)
		}
	}
	// Failed calls cost nothing.
	before := h.tokens()
	h.fails("GET", "/jobs/"+job+"/nodes/"+nid("nope"), nil, 404, "not_found")
	h.fails("POST", "/jobs/"+job+"/nodes", map[string]any{"latitude": "x"}, 400, "invalid_field")
	if h.tokens() != before {
		t.Errorf("failed calls spent %d tokens", before-h.tokens())
	}
	if st := h.srv.Stats(); st.TokensSpent != 1_000_000-h.tokens() {
		t.Errorf("Stats.TokensSpent = %d, bucket says %d", st.TokensSpent, 1_000_000-h.tokens())
	}
}

func TestOrderOfChecks(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Bucket = 10 })
	job := h.newJob() // bucket now empty
	// Routing comes before the token check: an unknown route is a 404.
	h.fails("GET", "/no/such/route", nil, 404, "not_found")
	// The token check comes before request validation.
	h.fails("POST", "/jobs/"+job+"/nodes", "not json", 429, "token_rate_limit_exceeded")
	// And before the handler's own lookups.
	h.fails("GET", "/jobs/nope", nil, 429, "token_rate_limit_exceeded")
}

func TestNotImplemented(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do("GET", "/models", nil)
	if r.status != 501 || r.env.Error != "NOT IMPLEMENTED" {
		t.Errorf("GET /models: got %d %s", r.status, r.raw)
	}
	h.fails("POST", "/jobs/"+h.newJob()+"/raw", map[string]any{}, 403, "extended_access_required")
}

func TestOutsideAPIPathIsPlain404(t *testing.T) {
	h := newHarness(t, nil)
	for _, p := range []string{"/", "/api/v2/jobs", "/api/v3x/jobs"} {
		res, err := http.Get(strings.TrimSuffix(h.url, "/api/v3") + p + "?api_key=sandbox")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	// The welcome call answers with or without a trailing slash.
	h.ok("GET", "/", nil)
	if st := h.srv.Stats(); st.Calls != 1 {
		t.Errorf("paths outside /api/v3 counted as calls: %+v", st)
	}
}
