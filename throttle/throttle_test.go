package throttle

import (
	"context"
	"testing"
	"time"
)

// fakeClock is a settable clock for driving the throttle's decisions
// without sleeping.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.UnixMilli(1_700_000_000_000)} }
func meta(count int64, refill time.Time) *Meta {
	return &Meta{TokenCount: count, LastRefillTime: refill.UnixMilli()}
}

// take admits one call of cost at the clock's time or fails the test.
func take(t *testing.T, th *Throttle, c *fakeClock, cost int64) *Ticket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	tk, err := th.Acquire(ctx, cost)
	if err != nil {
		t.Fatalf("Acquire at %v: %v", c.t, err)
	}
	return tk
}

func admitted(th *Throttle, c *fakeClock, cost int64) (time.Duration, bool) {
	th.mu.Lock()
	defer th.mu.Unlock()
	return th.admit(c.now(), cost)
}

func TestOneCallInFlightUntilMetaIsKnown(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: 50 * time.Millisecond, Margin: 5 * time.Millisecond, Refill: time.Minute, Now: c.now})
	tk := take(t, th, c, 10)
	c.add(time.Second)
	if _, ok := admitted(th, c, 1); ok {
		t.Fatal("a second call was admitted before any meta was known")
	}
	tk.Done(Result{Kind: OK, Meta: meta(990, c.t)})
	if _, ok := admitted(th, c, 1); !ok {
		t.Fatal("call refused after meta arrived")
	}
	if s := th.Stats(); !s.Known || s.Budget != 990 || s.Available != 990 {
		t.Fatalf("stats after first meta = %+v", s)
	}
}

func TestSpacingHonoursIntervalAndMargin(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: 50 * time.Millisecond, Margin: 5 * time.Millisecond, MaxInFlight: 8, FixedInFlight: 8, Now: c.now})
	take(t, th, c, 1).Done(Result{Kind: OK, Meta: meta(1_000_000, c.t)})
	c.add(time.Second)
	take(t, th, c, 1)
	c.add(54 * time.Millisecond)
	wait, ok := admitted(th, c, 1)
	if ok || wait != time.Millisecond {
		t.Fatalf("54ms after a call: admitted=%v wait=%v, want refused with 1ms to wait", ok, wait)
	}
	c.add(time.Millisecond)
	if _, ok := admitted(th, c, 1); !ok {
		t.Fatal("refused at exactly interval+margin")
	}
}

func TestSpacingCountsFromTheActualSend(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: 50 * time.Millisecond, Margin: 5 * time.Millisecond, FixedInFlight: 8, Now: c.now})
	take(t, th, c, 1).Done(Result{Kind: OK, Meta: meta(1_000_000, c.t)})
	c.add(time.Second)
	tk := take(t, th, c, 1)
	c.add(20 * time.Millisecond) // the request left late
	tk.Sent()
	c.add(40 * time.Millisecond) // 60ms after Acquire, 40ms after the send
	if wait, ok := admitted(th, c, 1); ok || wait != 15*time.Millisecond {
		t.Fatalf("admitted=%v wait=%v, want 15ms more (55ms after the send)", ok, wait)
	}
}

func TestBudgetCountsCallsInFlight(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: time.Millisecond, Margin: time.Millisecond, FixedInFlight: 10, Refill: time.Minute, Now: c.now})
	start := c.t
	take(t, th, c, 10).Done(Result{Kind: OK, Meta: meta(35, start)})
	var tks []*Ticket
	for range 3 {
		c.add(10 * time.Millisecond)
		tks = append(tks, take(t, th, c, 10))
	}
	c.add(10 * time.Millisecond)
	if _, ok := admitted(th, c, 10); ok {
		t.Fatal("admitted a 4th call: 35 tokens minus 30 in flight cannot pay 10")
	}
	if _, ok := admitted(th, c, 5); !ok {
		t.Fatal("refused a call of 5 that the remaining 5 tokens cover")
	}
	// The server reports it processed two of them (35-20 = 15 left); the
	// third is still in flight, so 5 are safely spendable.
	tks[0].Done(Result{Kind: OK, Meta: meta(25, start)})
	tks[1].Done(Result{Kind: OK, Meta: meta(15, start)})
	// Tokens: the window-opening call's 10, then the drop from 35 to 15.
	if s := th.Stats(); s.Available != 5 || s.Tokens != 30 {
		t.Fatalf("available=%d tokens=%d, want 5 and 30", s.Available, s.Tokens)
	}
	// A late answer carrying an older, higher count changes nothing.
	tks[2].Done(Result{Kind: OK, Meta: meta(25, start)})
	if s := th.Stats(); s.Available != 15 {
		t.Fatalf("available=%d after all answers, want 15", s.Available)
	}
}

func TestWaitsForRefillThenProbesAndAdoptsTheNewBudget(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: time.Millisecond, Margin: time.Millisecond, FixedInFlight: 4, Refill: 2 * time.Second, RefillSlack: 5 * time.Millisecond, Now: c.now})
	start := c.t
	take(t, th, c, 10).Done(Result{Kind: OK, Meta: meta(5, start)})
	c.add(500 * time.Millisecond)
	wait, ok := admitted(th, c, 10)
	if ok || wait != 1505*time.Millisecond {
		t.Fatalf("budget spent: admitted=%v wait=%v, want a wait of 1.505s (refill due + slack)", ok, wait)
	}
	c.add(wait)
	probe := take(t, th, c, 10)
	c.add(10 * time.Millisecond)
	if _, ok := admitted(th, c, 10); ok {
		t.Fatal("a second call went out while the probe was unanswered")
	}
	// The bucket came back smaller: 600 tokens (590 after the probe).
	probe.Done(Result{Kind: OK, Meta: meta(590, c.t)})
	s := th.Stats()
	if s.Budget != 590 || s.Windows != 1 || s.Available != 590 {
		t.Fatalf("after refill: %+v", s)
	}
	for range 4 {
		take(t, th, c, 10)
		c.add(10 * time.Millisecond)
	}
	if _, ok := admitted(th, c, 10); ok {
		t.Fatal("more than FixedInFlight calls in flight")
	}
}

func TestTokenLimitedProbeBacksOffUntilServerRefills(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: time.Millisecond, Margin: time.Millisecond, FixedInFlight: 4, Refill: time.Second, RefillSlack: 5 * time.Millisecond, Now: c.now})
	start := c.t
	take(t, th, c, 10).Done(Result{Kind: OK, Meta: meta(0, start)})
	c.add(time.Second + 5*time.Millisecond)
	probe := take(t, th, c, 10)
	// The server's clock lags: it has not refilled yet.
	probe.Done(Result{Kind: TokenLimited, Meta: meta(0, start)})
	wait, ok := admitted(th, c, 10)
	if ok || wait != 20*time.Millisecond {
		t.Fatalf("after a token 429 on the probe: admitted=%v wait=%v, want 20ms (Refill/50)", ok, wait)
	}
	if s := th.Stats(); s.TokenLimited != 1 {
		t.Fatalf("TokenLimited = %d", s.TokenLimited)
	}
}

func TestGeneralLimitWidensMargin(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: 40 * time.Millisecond, Margin: 2 * time.Millisecond, FixedInFlight: 4, Now: c.now})
	take(t, th, c, 1).Done(Result{Kind: OK, Meta: meta(1_000_000, c.t)})
	c.add(time.Second)
	take(t, th, c, 1).Done(Result{Kind: GeneralLimited})
	s := th.Stats()
	if s.GeneralLimited != 1 || s.Margin != 7*time.Millisecond {
		t.Fatalf("after a general 429: %+v, want margin 7ms", s)
	}
	wait, ok := admitted(th, c, 1)
	if ok || wait != 47*time.Millisecond {
		t.Fatalf("admitted=%v wait=%v, want a 47ms pause", ok, wait)
	}
}

func TestAcquireHonoursContext(t *testing.T) {
	th := New(Config{})
	tk, err := th.Acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer tk.Done(Result{Kind: Canceled})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := th.Acquire(ctx, 1); err != context.Canceled {
		t.Fatalf("Acquire with a canceled context = %v, want context.Canceled", err)
	}
}

func TestNextMargin(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		cur     time.Duration
		limited bool
		want    time.Duration
	}{
		{5 * ms, true, 5*ms + 50*ms/8},             // +interval/8
		{20 * ms, true, 25 * ms},                   // capped at interval/2
		{32 * ms, false, 31750 * time.Microsecond}, // shrinks by 1/128
		{5 * ms, false, 5 * ms},                    // never below the floor
		{5*ms + 1, false, 5 * ms},
	}
	for _, c := range cases {
		if got := NextMargin(c.cur, 5*ms, 50*ms, c.limited); got != c.want {
			t.Errorf("NextMargin(%v, limited=%v) = %v, want %v", c.cur, c.limited, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 50 * ms},         // base × 0.5
		{1, 0.999999, 100 * ms}, // almost base
		{3, 0, 200 * ms},        // 400ms × 0.5
		{10, 0, 5 * time.Second},
		{100, 0, 5 * time.Second}, // no overflow
		{0, 0, 50 * ms},
	}
	for _, c := range cases {
		got := Backoff(c.attempt, 100*ms, 10*time.Second, c.rnd)
		if got.Round(ms) != c.want {
			t.Errorf("Backoff(%d, rnd=%v) = %v, want %v", c.attempt, c.rnd, got, c.want)
		}
	}
}

func TestInFlightFor(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		lat, interval time.Duration
		limit, want   int
	}{
		{0, 50 * ms, 16, 1},
		{300 * ms, 55 * ms, 16, 7}, // the API's 20 calls/s at 300ms latency
		{60 * ms, 5 * ms, 16, 13},
		{60 * ms, 5 * ms, 8, 8},
	} {
		if got := InFlightFor(c.lat, c.interval, c.limit); got != c.want {
			t.Errorf("InFlightFor(%v, %v, %d) = %d, want %d", c.lat, c.interval, c.limit, got, c.want)
		}
	}
}

func TestProbeAdoptsAnOlderRefillTime(t *testing.T) {
	c := newClock()
	th := New(Config{MinInterval: time.Millisecond, Margin: time.Millisecond, FixedInFlight: 4, Refill: time.Second, Now: c.now})
	take(t, th, c, 10).Done(Result{Kind: OK, Meta: meta(0, c.t)})
	c.add(2 * time.Second)
	// The server restarted with a bucket state saved earlier.
	take(t, th, c, 10).Done(Result{Kind: OK, Meta: meta(500, c.t.Add(-time.Hour))})
	if m, _ := th.Meta(); m.TokenCount != 500 {
		t.Fatalf("after the probe: %+v, want the server's 500 tokens", m)
	}
	c.add(10 * time.Millisecond)
	take(t, th, c, 10) // one in flight…
	c.add(10 * time.Millisecond)
	if _, ok := admitted(th, c, 10); !ok { // …and another may follow
		t.Fatal("still probing one call at a time")
	}
}
