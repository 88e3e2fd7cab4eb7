package katapult_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/throttle"
	"golang.org/x/sync/errgroup"
)

// writeAll runs fn for 0..n-1 on workers goroutines and returns the first error.
func writeAll(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}

func nodeID(i int) string { return fmt.Sprintf("kp-load-node-%08d", i) }

// TestFaultyServerLosesNothing writes 2,000 entities through injected 500s
// (before and after applying), dropped connections and latency: every
// entity must exist exactly once.
func TestFaultyServerLosesNothing(t *testing.T) {
	opts := fastOptions()
	opts.FailRate, opts.FailAfterApplyRate, opts.DropRate = 0.05, 0.05, 0.05
	opts.Latency, opts.LatencyJitter = 5*time.Millisecond, 5*time.Millisecond
	opts.Seed = 7
	run, c := startSandbox(t, opts, katapult.WithRetryPolicy(katapult.RetryPolicy{MaxFailures: 12, MaxLimited: 50, MaxTokenLimited: 5, Base: 5 * time.Millisecond, Max: 200 * time.Millisecond}))
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "faults", Model: "m"}))(t)

	const nodes, conns = 1600, 400
	err := writeAll(ctx, nodes, 16, func(ctx context.Context, i int) error {
		a := katapult.AttributePatch{}
		a.Set("scid", "kp-scid", fmt.Sprint(i))
		_, err := c.UpsertNode(ctx, job.ID, nodeID(i), katapult.NodeWrite{Latitude: ptr(40 + float64(i)/1e4), Longitude: ptr(-80.0), Attributes: a}, katapult.UpsertOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = writeAll(ctx, conns, 16, func(ctx context.Context, i int) error {
		_, err := c.UpsertConnection(ctx, job.ID, fmt.Sprintf("kp-load-conn-%08d", i), katapult.ConnectionWrite{NodeID1: nodeID(i), NodeID2: nodeID(i + 1)}, katapult.UpsertOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	gotNodes := must(c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{}))(t)
	gotConns := must(c.ListConnections(ctx, job.ID))(t)
	seen := map[string]int{}
	for _, n := range gotNodes {
		seen[n.ID]++
		if len(n.Attributes["scid"]) != 1 {
			t.Errorf("node %s has %d scid instances, want 1", n.ID, len(n.Attributes["scid"]))
		}
	}
	for _, c := range gotConns {
		seen[c.ID]++
	}
	if len(gotNodes) != nodes || len(gotConns) != conns {
		t.Errorf("job holds %d nodes and %d connections, want %d and %d", len(gotNodes), len(gotConns), nodes, conns)
	}
	for i := range nodes {
		if seen[nodeID(i)] != 1 {
			t.Errorf("node %d present %d times", i, seen[nodeID(i)])
		}
	}
	ss, cs := run.Server.Stats(), c.Stats()
	if ss.Failed5xx == 0 || ss.Dropped == 0 || cs.Retries == 0 {
		t.Fatalf("no faults were injected (server %+v, client %+v): the test proves nothing", ss, cs)
	}
	t.Logf("server %+v; client %+v", ss, cs)
}

// TestAdaptsToChangingBucket runs through windows of 2000, 600 and 2000
// tokens: the client must follow each window's budget with at most one
// token 429 per window change.
func TestAdaptsToChangingBucket(t *testing.T) {
	opts := fastOptions()
	opts.BucketSchedule = []int{2000, 600, 2000}
	opts.Refill = 700 * time.Millisecond
	opts.MinInterval = 2 * time.Millisecond
	run, c := startSandbox(t, opts)
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "schedule", Model: "m"}))(t)

	// Record the budget the client adopted in each window.
	var mu sync.Mutex
	budgets := map[int64]bool{}
	const n = 480 // 199 + 60 + 200 + the rest in a fourth window
	err := writeAll(ctx, n, 32, func(ctx context.Context, i int) error {
		_, err := c.UpsertNode(ctx, job.ID, nodeID(i), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{})
		mu.Lock()
		budgets[c.Stats().Budget] = true
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ss, cs := run.Server.Stats(), c.Stats()
	t.Logf("server %+v; client %+v; budgets seen %v", ss, cs, budgets)
	if cs.Windows < 3 {
		t.Fatalf("client saw %d refills, want ≥ 3", cs.Windows)
	}
	if ss.TokenLimited > cs.Windows {
		t.Errorf("%d token 429s over %d window changes", ss.TokenLimited, cs.Windows)
	}
	// The budget is the token_count of the window's first answer: 590,
	// less 10 per call the server took before that answer came back.
	small := false
	for b := range budgets {
		small = small || b <= 590 && b >= 590-10*int64(cs.MaxInFlight)
	}
	if !small {
		t.Errorf("the 600-token window was never adopted as a budget (saw %v)", budgets)
	}
	if got := len(must(c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{}))(t)); got != n {
		t.Errorf("%d nodes written, want %d", got, n)
	}
}

// TestWaitingForRefillHonoursContext: with the bucket spent and the refill a
// minute away, a write waits in the throttle and returns as soon as its
// context ends, without sending anything.
func TestWaitingForRefillHonoursContext(t *testing.T) {
	opts := fastOptions()
	opts.Bucket = 25
	run, c := startSandbox(t, opts)
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "tiny", Model: "m"}))(t)
	must(c.UpsertNode(ctx, job.ID, nodeID(1), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{}))(t)
	before := run.Server.Stats().Calls

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.UpsertNode(short, job.ID, nodeID(2), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v, want promptly after the 100ms deadline", d)
	}
	if got := run.Server.Stats().Calls; got != before {
		t.Errorf("the server saw %d more calls, want none (the budget was known to be spent)", got-before)
	}
}

// TestTokenLimitWaitsForTheRefill: another user of the key spends the
// bucket behind the client's back; the client's next write gets a token
// 429, waits until last_refill_time + refill, and then succeeds.
func TestTokenLimitWaitsForTheRefill(t *testing.T) {
	opts := fastOptions()
	opts.Bucket, opts.Refill = 100, 600*time.Millisecond
	run, c := startSandbox(t, opts)
	ctx := testContext(t)
	other := katapult.New(run.URL, run.Key, katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond, Refill: opts.Refill})))

	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "shared key", Model: "m"}))(t) // 90 left
	for i := range 9 {
		must(other.UpsertNode(ctx, job.ID, nodeID(100+i), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{}))(t)
	}
	refillDue := c.Throttle().RefillAt()
	if refillDue.IsZero() {
		t.Fatal("no refill time known after a call")
	}
	must(c.UpsertNode(ctx, job.ID, nodeID(1), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{}))(t)
	if now := time.Now(); now.Before(refillDue) {
		t.Errorf("the write succeeded %v before the refill was due", refillDue.Sub(now))
	}
	// (Two clients on one key may also trip the general limit: those
	// retries are counted apart.)
	s := c.Stats()
	if s.TokenLimited != 1 || s.Retries != 1+s.GeneralLimited || s.Windows != 1 {
		t.Errorf("stats = %+v, want one token 429, one retry for it, one refill", s)
	}
}
