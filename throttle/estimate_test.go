package throttle

import (
	"testing"
	"time"
)

func TestEstimate(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	ms := time.Millisecond
	lim := Limits{MinInterval: 50 * ms, Refill: 60 * time.Second, Bucket: 10000}
	uniform := func(n int, cost int64) []int64 {
		c := make([]int64, n)
		for i := range c {
			c[i] = cost
		}
		return c
	}
	cases := []struct {
		name  string
		start Meta
		lim   Limits
		costs []int64
		want  time.Duration
	}{
		{"nothing", Meta{10000, now.UnixMilli()}, lim, nil, 0},
		{"one call", Meta{10000, now.UnixMilli()}, lim, []int64{10}, 0},
		// 1000 writes fit one 10,000-token window: 999 intervals.
		{"interval bound", Meta{10000, now.UnixMilli()}, lim, uniform(1000, 10), 999 * 50 * ms},
		// The 1001st write waits for the refill at 60s.
		{"token bound", Meta{10000, now.UnixMilli()}, lim, uniform(1001, 10), 60 * time.Second},
		// Refill due 10s from now with 100 tokens left: 10 writes, then
		// wait for the refill.
		{"partial window", Meta{100, now.Add(-50 * time.Second).UnixMilli()}, lim, uniform(11, 10), 10 * time.Second},
		// A refill already due happens at the first call.
		{"refill overdue", Meta{0, now.Add(-2 * time.Minute).UnixMilli()}, lim, uniform(2, 10), 50 * ms},
		// Bucket 0 falls back to the start count; latency is added once.
		{"default bucket", Meta{20, now.UnixMilli()}, Limits{MinInterval: 50 * ms, Refill: time.Second, Latency: 300 * ms}, uniform(3, 10), time.Second + 300*ms},
		// A call dearer than any bucket costs a window instead of hanging.
		{"unpayable", Meta{100, now.UnixMilli()}, Limits{Bucket: 100}, []int64{1000, 10}, 60*time.Second + 50*ms},
	}
	for _, c := range cases {
		if got := Estimate(c.start, now, c.lim, c.costs); got != c.want {
			t.Errorf("%s: Estimate = %v, want %v", c.name, got, c.want)
		}
	}
	if got, want := EstimateUniform(Meta{10000, now.UnixMilli()}, now, lim, 1001, 10), 60*time.Second; got != want {
		t.Errorf("EstimateUniform = %v, want %v", got, want)
	}
}
