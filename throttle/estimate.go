package throttle

import "time"

// Limits describe the server for Estimate.
type Limits struct {
	MinInterval time.Duration // general limit (default 50ms)
	Refill      time.Duration // refill period (default 60s)
	// Bucket is the budget assumed for each window after a refill; the
	// server's bucket size is dynamic, so this is a guess. Zero uses the
	// start meta's TokenCount (a planner reading meta after its first
	// calls of a window sees nearly the whole bucket).
	Bucket int64
	// Latency is one call's round trip, added once at the end (the calls
	// themselves overlap).
	Latency time.Duration
}

// Estimate simulates the two limits over calls of the given costs, sent in
// order as fast as the limits allow, starting at now with the server state
// start, and returns the wall time until the last call completes. It is a
// pure function of its arguments (no clock), so plans can be priced and
// tests can pin the numbers.
//
// The rules are those the throttle follows: one call per MinInterval; a
// call whose cost the remaining tokens cannot cover waits until the refill
// is due (LastRefillTime+Refill) and the window then restarts with Bucket
// tokens; a call made at or after the due time also restarts the window
// (the server refills lazily, on the first call after the period).
func Estimate(start Meta, now time.Time, lim Limits, costs []int64) time.Duration {
	if len(costs) == 0 {
		return 0
	}
	if lim.MinInterval <= 0 {
		lim.MinInterval = 50 * time.Millisecond
	}
	if lim.Refill <= 0 {
		lim.Refill = 60 * time.Second
	}
	bucket := lim.Bucket
	if bucket <= 0 {
		bucket = start.TokenCount
	}
	tokens := start.TokenCount
	refillAt := time.UnixMilli(start.LastRefillTime).Add(lim.Refill).Sub(now)
	var t, last time.Duration
	for i, c := range costs {
		if i > 0 {
			t = max(t, last+lim.MinInterval)
		}
		if t >= refillAt {
			tokens, refillAt = bucket, t+lim.Refill
		}
		if tokens < c {
			if c > bucket {
				// No window can pay for the call (the server will refuse
				// it): count a wait for one refill rather than looping.
				t = max(t, refillAt)
				tokens, refillAt = bucket, t+lim.Refill
				last = t
				continue
			}
			t = max(t, refillAt)
			tokens, refillAt = bucket, t+lim.Refill
		}
		tokens -= c
		last = t
	}
	return last + lim.Latency
}

// EstimateUniform is Estimate for n calls of the same cost.
func EstimateUniform(start Meta, now time.Time, lim Limits, n int, cost int64) time.Duration {
	if n <= 0 {
		return 0
	}
	all := make([]int64, n)
	for i := range all {
		all[i] = cost
	}
	return Estimate(start, now, lim, all)
}
