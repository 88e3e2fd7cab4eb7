package sandbox

import (
	"math/rand"
	"sync"
	"time"
)

// limiter holds the key's general limit and token bucket. The sandbox
// serves one key, so there is one of each.
type limiter struct {
	mu sync.Mutex

	minInterval  time.Duration
	lastAccepted time.Time
	accepted     bool // lastAccepted is set

	refill     time.Duration
	sizes      []int // bucket sizes for successive refills, cycling
	next       int   // index into sizes of the next refill
	count      int64
	lastRefill time.Time
}

func newLimiter(sizes []int, refill, minInterval time.Duration, now time.Time) *limiter {
	return &limiter{
		minInterval: minInterval,
		refill:      refill,
		sizes:       sizes,
		next:        1 % len(sizes),
		count:       int64(sizes[0]),
		lastRefill:  now,
	}
}

// admit applies the general limit: it reports whether a call at now is
// accepted, and only accepted calls restart the interval.
func (l *limiter) admit(now time.Time) bool {
	if l.minInterval <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.accepted && now.Sub(l.lastAccepted) < l.minInterval {
		return false
	}
	l.lastAccepted, l.accepted = now, true
	return true
}

// meta is the bucket state reported to callers.
type meta struct {
	TokenCount     int64 `json:"token_count"`
	LastRefillTime int64 `json:"last_refill_time"`
}

// refillLocked refills the bucket lazily: the first look at least one
// refill period after the last refill resets it.
func (l *limiter) refillLocked(now time.Time) {
	if now.Sub(l.lastRefill) >= l.refill {
		l.count = int64(l.sizes[l.next])
		l.next = (l.next + 1) % len(l.sizes)
		l.lastRefill = now
	}
}

// reserve takes cost tokens if the balance covers them. It returns the
// state after the call either way.
func (l *limiter) reserve(now time.Time, cost int64) (meta, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refillLocked(now)
	ok := cost <= l.count
	if ok {
		l.count -= cost
	}
	return l.metaLocked(), ok
}

// refund gives back the tokens of a call that did not succeed.
func (l *limiter) refund(cost int64) meta {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count += cost
	return l.metaLocked()
}

func (l *limiter) meta() meta {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.metaLocked()
}

func (l *limiter) metaLocked() meta {
	return meta{TokenCount: l.count, LastRefillTime: l.lastRefill.UnixMilli()}
}

// bucketState is what survives a restart.
type bucketState struct {
	Count      int64 `json:"count"`
	LastRefill int64 `json:"last_refill"` // epoch ms
	Next       int   `json:"next"`
}

func (l *limiter) state() bucketState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bucketState{Count: l.count, LastRefill: l.lastRefill.UnixMilli(), Next: l.next}
}

func (l *limiter) restore(b bucketState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count = b.Count
	l.lastRefill = time.UnixMilli(b.LastRefill)
	l.next = b.Next % len(l.sizes)
	// A bucket saved with a larger size than configured now is capped.
	if max := int64(l.sizes[(l.next+len(l.sizes)-1)%len(l.sizes)]); l.count > max {
		l.count = max
	}
}

// faults draws the injected failures from one seeded source.
type faults struct {
	mu   sync.Mutex
	rng  *rand.Rand
	opts Options
}

func (f *faults) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < rate
}

// latency is the delay added to one response.
func (f *faults) latency() time.Duration {
	d := f.opts.Latency
	if j := f.opts.LatencyJitter; j > 0 {
		f.mu.Lock()
		d += time.Duration(f.rng.Int63n(int64(2*j)+1)) - j
		f.mu.Unlock()
	}
	return max(d, 0)
}
