// Package throttle paces calls to a rate-limited API that has two limits:
// a general limit (at most one call per MinInterval) and a token bucket that
// refills to full one Refill period after its last refill, with the bucket's
// state reported by the server after every call (Meta).
//
// The throttle knows nothing of HTTP. A caller asks for permission with
// Acquire (giving the call's token cost), makes the call, and reports the
// outcome with Ticket.Done, passing the server's Meta when the response had
// one. From those reports the throttle mirrors the server's budget:
//
//   - A refill is seen when Meta.LastRefillTime changes; the window's budget
//     is whatever TokenCount the server then reports. Nothing assumes a bucket
//     size: it may shrink or grow from one window to the next.
//   - Before the first Meta arrives, and again after a refill is due but not
//     yet seen, only one call is in flight (a probe), so an unknown budget is
//     never overrun.
//   - Within a window, a call is dispatched only when the lowest TokenCount
//     seen, minus the cost of every call still in flight, covers it. Calls in
//     flight may already be counted by the server, so this errs on the safe
//     side and never causes a token 429 when the key has no other user.
//   - Calls are spaced at least MinInterval+Margin apart, and as many are kept
//     in flight as it takes to hide the observed latency (bounded by
//     MaxInFlight). A general-limit rejection widens the margin; successes
//     narrow it again slowly. (Calls are not spread over the window: a
//     window spent early leaves slack for late dispatches on a busy machine,
//     which spreading would turn into forfeited tokens.)
//
// When the budget is spent, Acquire blocks until LastRefillTime+Refill (plus
// RefillSlack) and then lets one probe through; if the server answers the
// probe with a token 429 (its clock is behind ours), the throttle waits a
// further Refill/50 and probes again. Acquire always honours its context.
// Ticket.Sent, when the caller can tell the moment a request left, spaces the
// next call from then.
//
// The pacing rules are pure functions tested without a clock: NextMargin
// (jitter margin), Backoff (retry delay), InFlightFor (calls to keep in
// flight). Estimate runs the throttle's rules over a list of call costs,
// also without a clock, to predict the wall time of a plan.
package throttle

import (
	"context"
	"math"
	"sync"
	"time"
)

// Meta is the server's token-bucket state after a call.
type Meta struct {
	TokenCount     int64 `json:"token_count"`      // tokens left after the call
	LastRefillTime int64 `json:"last_refill_time"` // epoch milliseconds of the bucket's last refill
}

// Kind classifies the outcome of a call.
type Kind int

const (
	// OK: the server handled the call (any status from a route handler
	// other than a token 429, including 4xx errors with meta).
	OK Kind = iota
	// GeneralLimited: rejected by the general (interval) limit.
	GeneralLimited
	// TokenLimited: rejected because the bucket could not cover the cost.
	TokenLimited
	// Failed: no usable answer (5xx, reset, timeout, dropped connection).
	Failed
	// Canceled: the caller gave up before an answer; says nothing about
	// the server.
	Canceled
)

func (k Kind) String() string {
	switch k {
	case OK:
		return "ok"
	case GeneralLimited:
		return "general-limited"
	case TokenLimited:
		return "token-limited"
	case Failed:
		return "failed"
	case Canceled:
		return "canceled"
	}
	return "unknown"
}

// Result is what the caller reports when a call ends.
type Result struct {
	Kind Kind
	Meta *Meta // nil when the response carried none
}

// Config sets the limits the throttle paces against. Zero values take the
// defaults of the public Katapult Pro API.
type Config struct {
	// MinInterval is the server's general limit (default 50ms).
	MinInterval time.Duration
	// Margin is added to MinInterval to absorb network jitter (default
	// MinInterval/10, at least 1ms). It grows after general-limit 429s.
	Margin time.Duration
	// Refill is the bucket's refill period (default 60s).
	Refill time.Duration
	// MaxInFlight caps concurrent calls (default 16). The throttle uses
	// fewer when fewer hide the latency or the budget allows fewer.
	MaxInFlight int
	// FixedInFlight, when > 0, keeps exactly this many calls in flight
	// (budget permitting) instead of adapting to latency.
	FixedInFlight int
	// RefillSlack is waited past LastRefillTime+Refill before probing, for
	// clock skew between client and server and the millisecond rounding of
	// LastRefillTime (default 5ms; raise it for a server whose clock may
	// differ from ours).
	RefillSlack time.Duration

	// Now replaces the clock in tests; nil means the real clock.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.MinInterval <= 0 {
		c.MinInterval = 50 * time.Millisecond
	}
	if c.Margin <= 0 {
		c.Margin = max(c.MinInterval/10, time.Millisecond)
	}
	if c.Refill <= 0 {
		c.Refill = 60 * time.Second
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 16
	}
	if c.RefillSlack <= 0 {
		c.RefillSlack = 5 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Stats are the throttle's counters and its view of the budget.
type Stats struct {
	Acquired       int64 // calls let through
	Tokens         int64 // tokens spent, from the drops of token_count reported by meta
	GeneralLimited int64
	TokenLimited   int64
	Failed         int64
	InFlight       int   // calls in flight now
	MaxInFlight    int   // the most ever in flight at once
	Budget         int64 // token_count at the start of the current window
	Available      int64 // tokens the throttle may still spend this window
	Windows        int64 // refills seen
	Known          bool  // whether any meta has been seen
	Margin         time.Duration
	Latency        time.Duration // smoothed call latency
}

// Throttle paces calls. It is safe for concurrent use.
type Throttle struct {
	cfg Config

	mu     sync.Mutex
	wake   chan struct{} // closed and replaced whenever state changes
	margin time.Duration
	next   time.Time // earliest next dispatch
	lat    time.Duration

	known      bool
	lastRefill int64 // ms, current window
	minSeen    int64 // lowest token_count seen in the current window
	reserved   int64 // cost of calls in flight
	inFlight   int
	probing    bool // the refill is due: one call in flight until a new window is seen
	backoff    time.Time

	stats Stats
}

// New returns a throttle for the given limits.
func New(cfg Config) *Throttle {
	cfg = cfg.withDefaults()
	return &Throttle{cfg: cfg, margin: cfg.Margin, wake: make(chan struct{})}
}

// Config returns the effective configuration (defaults filled in).
func (t *Throttle) Config() Config { return t.cfg }

// Ticket is the permission for one call. Call Done exactly once.
type Ticket struct {
	t     *Throttle
	cost  int64
	start time.Time
	done  bool
}

// Acquire blocks until a call of the given cost may be sent, or ctx ends.
func (t *Throttle) Acquire(ctx context.Context, cost int64) (*Ticket, error) {
	for {
		t.mu.Lock()
		now := t.cfg.Now()
		wait, ok := t.admit(now, cost)
		if ok {
			t.inFlight++
			t.reserved += cost
			t.next = now.Add(t.cfg.MinInterval + t.margin)
			t.stats.Acquired++
			t.stats.MaxInFlight = max(t.stats.MaxInFlight, t.inFlight)
			t.mu.Unlock()
			return &Ticket{t: t, cost: cost, start: now}, nil
		}
		wake := t.wake
		t.mu.Unlock()

		if err := sleepUntil(ctx, wake, wait); err != nil {
			return nil, err
		}
	}
}

// admit decides whether a call may go now; if not, it returns how long to
// wait at most before asking again (0: until something changes).
func (t *Throttle) admit(now time.Time, cost int64) (time.Duration, bool) {
	if d := t.backoff.Sub(now); d > 0 {
		return d, false
	}
	if d := t.next.Sub(now); d > 0 {
		return d, false
	}
	if !t.known || t.probing {
		if t.inFlight > 0 {
			return 0, false
		}
		return 0, true
	}
	if t.inFlight >= t.window() {
		return 0, false
	}
	if t.minSeen-t.reserved >= cost {
		return 0, true
	}
	if t.inFlight > 0 {
		// Responses in flight may correct the estimate.
		return 0, false
	}
	refillAt := time.UnixMilli(t.lastRefill).Add(t.cfg.Refill + t.cfg.RefillSlack)
	if d := refillAt.Sub(now); d > 0 {
		return d, false
	}
	t.probing = true
	return 0, true
}

// window is how many calls to keep in flight: enough to cover the latency
// at the dispatch interval, within MaxInFlight.
func (t *Throttle) window() int {
	if t.cfg.FixedInFlight > 0 {
		return t.cfg.FixedInFlight
	}
	return InFlightFor(t.lat, t.cfg.MinInterval+t.margin, t.cfg.MaxInFlight)
}

// InFlightFor is how many calls must be in flight to keep one leaving every
// interval when each takes latency: ceil(latency/interval)+1, within [1, limit].
func InFlightFor(latency, interval time.Duration, limit int) int {
	if interval <= 0 {
		return limit
	}
	n := int(math.Ceil(float64(latency)/float64(interval))) + 1
	return min(max(n, 1), limit)
}

// Sent tells the throttle when the request actually left (for example from
// net/http/httptrace's WroteRequest): the next call is spaced from then, so
// a request that was slow to go out cannot end up closer than the general
// limit to the one after it. Optional; safe from any goroutine.
func (tk *Ticket) Sent() {
	if tk == nil {
		return
	}
	t := tk.t
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next = laterOf(t.next, t.cfg.Now().Add(t.cfg.MinInterval+t.margin))
}

// Done reports the outcome of the call. Extra calls are ignored.
func (tk *Ticket) Done(r Result) {
	if tk == nil || tk.done {
		return
	}
	tk.done = true
	t := tk.t
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	t.inFlight--
	t.reserved -= tk.cost

	switch r.Kind {
	case OK, TokenLimited:
		t.lat = smooth(t.lat, now.Sub(tk.start))
		t.margin = NextMargin(t.margin, t.cfg.Margin, t.cfg.MinInterval, false)
	case GeneralLimited:
		t.stats.GeneralLimited++
		t.margin = NextMargin(t.margin, t.cfg.Margin, t.cfg.MinInterval, true)
		// Let the server's interval clock settle before the next call.
		t.next = laterOf(t.next, now.Add(t.cfg.MinInterval+t.margin))
	case Failed:
		t.stats.Failed++
	}
	if r.Kind == TokenLimited {
		t.stats.TokenLimited++
	}
	if r.Meta != nil {
		t.observe(*r.Meta, r.Kind, tk.cost)
	} else if r.Kind == TokenLimited && t.known {
		// A token 429 without meta: treat the window as spent.
		t.minSeen = 0
	}
	t.stats.InFlight = t.inFlight
	t.broadcast()
}

// observe folds one response's meta into the mirrored budget.
func (t *Throttle) observe(m Meta, kind Kind, cost int64) {
	switch {
	// While probing, the one call in flight speaks for the server, even if
	// its refill time went backwards (a restarted or different server).
	case !t.known || m.LastRefillTime > t.lastRefill || t.probing && m.LastRefillTime != t.lastRefill:
		if t.known {
			t.stats.Windows++
		}
		if kind == OK {
			// The call that opened the window spent its cost from it.
			t.stats.Tokens += cost
		}
		t.known = true
		t.lastRefill = m.LastRefillTime
		t.minSeen = m.TokenCount
		t.stats.Budget = m.TokenCount
		t.probing = false
	case m.LastRefillTime == t.lastRefill:
		if m.TokenCount < t.minSeen {
			if kind == OK {
				t.stats.Tokens += t.minSeen - m.TokenCount
			}
			t.minSeen = m.TokenCount
		}
		if t.probing && kind == TokenLimited {
			// The refill is due by our clock but has not happened by the
			// server's (clock skew): wait a little and probe again.
			t.backoff = laterOf(t.backoff, t.cfg.Now().Add(max(t.cfg.RefillSlack, t.cfg.Refill/50)))
		} else if kind == OK {
			// The server still had tokens: the mirror is exact again.
			t.probing = false
		}
	default:
		// A late answer from an earlier window says nothing new.
	}
}

// Backoff makes every caller wait d before the next dispatch (used by the
// client for 5xx and network failures).
func (t *Throttle) Backoff(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.backoff = laterOf(t.backoff, t.cfg.Now().Add(d))
	t.broadcast()
}

// Meta returns the throttle's mirror of the server's bucket: the tokens it
// may still spend this window (calls in flight deducted) and the window's
// LastRefillTime. ok is false before any meta was seen.
func (t *Throttle) Meta() (m Meta, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Meta{TokenCount: max(t.minSeen-t.reserved, 0), LastRefillTime: t.lastRefill}, t.known
}

// Limits returns the limits the throttle paces against, for Estimate.
func (t *Throttle) Limits() Limits {
	return Limits{MinInterval: t.cfg.MinInterval, Refill: t.cfg.Refill}
}

// RefillAt is when the current window's refill is due (zero before any
// meta).
func (t *Throttle) RefillAt() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.known {
		return time.Time{}
	}
	return time.UnixMilli(t.lastRefill).Add(t.cfg.Refill)
}

// Stats returns a snapshot of the counters.
func (t *Throttle) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.InFlight = t.inFlight
	s.Known = t.known
	s.Available = max(t.minSeen-t.reserved, 0)
	s.Margin = t.margin
	s.Latency = t.lat
	return s
}

// sleepUntil waits for wake, for d (when > 0) or for ctx, whichever is first.
func sleepUntil(ctx context.Context, wake <-chan struct{}, d time.Duration) error {
	var timer <-chan time.Time
	if d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		timer = tm.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-timer:
	}
	return nil
}

func (t *Throttle) broadcast() {
	close(t.wake)
	t.wake = make(chan struct{})
}

// NextMargin is the pacing rule for the jitter margin: a general-limit
// rejection adds interval/8 (at most up to interval/2, or the floor if
// that is larger); each success takes 1/128 off, down to the floor. Growth
// is bounded so a burst of rejections (a busy machine, a network hiccup)
// cannot halve the call rate for long.
func NextMargin(cur, floor, interval time.Duration, limited bool) time.Duration {
	if limited {
		return min(cur+max(interval/8, time.Millisecond), max(interval/2, floor))
	}
	if cur <= floor {
		return floor
	}
	return max(cur-cur/128, floor)
}

// Backoff is the delay before retry number attempt (1-based) of a failed
// call: base·2^(attempt-1), capped at limit, scaled by a jitter factor in
// [0.5, 1.0) taken from rnd ∈ [0, 1).
func Backoff(attempt int, base, limit time.Duration, rnd float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := limit
	if attempt <= 32 {
		if x := base << (attempt - 1); x > 0 && x < limit {
			d = x
		}
	}
	return time.Duration(float64(d) * (0.5 + rnd/2))
}

func smooth(avg, sample time.Duration) time.Duration {
	if avg == 0 {
		return sample
	}
	return avg + (sample-avg)/8
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
