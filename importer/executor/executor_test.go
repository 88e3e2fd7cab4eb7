package executor

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// start runs a sandbox over real HTTP with scaled-down limits and returns a
// client for it and a fresh job.
func start(t *testing.T, opts sandbox.Options) (*sandbox.Running, *katapult.Client, string) {
	t.Helper()
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	th := throttle.New(throttle.Config{MinInterval: opts.MinInterval, Refill: opts.Refill})
	c := katapult.New(run.URL, run.Key, katapult.WithThrottle(th),
		katapult.WithRetryPolicy(katapult.RetryPolicy{MaxFailures: 20, MaxLimited: 50, Base: time.Millisecond, Max: 20 * time.Millisecond}))
	job, err := c.CreateJob(context.Background(), katapult.JobWrite{Name: "t", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	return run, c, job.ID
}

func testOptions() sandbox.Options {
	o := sandbox.DefaultOptions()
	o.MinInterval = 2 * time.Millisecond
	o.Refill = time.Second
	return o
}

func body(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func f(v float64) *float64 { return &v }

const (
	n1 = "kaaaaaaa_nnode1xxxxxxxxxxxxxxxxxxxx"
	n2 = "kaaaaaaa_nnode2xxxxxxxxxxxxxxxxxxxx"
	c1 = "kaaaaaaa_cconn1xxxxxxxxxxxxxxxxxxxx"
	c2 = "kaaaaaaa_cconn2xxxxxxxxxxxxxxxxxxxx"
)

func plan(t *testing.T) []state.Op {
	attrs := katapult.AttributePatch{}
	attrs.Set("node_type", "kaaaaaaa_iinst1xxxxxxxxxxxxxxxxxxxx", "pole")
	return []state.Op{
		{Phase: 0, Set: "poles", Kind: "node", Action: "create", EntityID: n1, Body: body(t, katapult.NodeWrite{Latitude: f(47), Longitude: f(-122), Attributes: attrs}), Row: 2},
		{Phase: 0, Set: "poles", Kind: "node", Action: "create", EntityID: n2, Body: body(t, katapult.NodeWrite{Latitude: f(47.001), Longitude: f(-122)}), Row: 3},
		{Phase: 1, Set: "spans", Kind: "connection", Action: "create", EntityID: c1, Body: body(t, katapult.ConnectionWrite{NodeID1: n1, NodeID2: n2}), Row: 2},
		// Dangling endpoint: the API answers 400 invalid_field.
		{Phase: 1, Set: "spans", Kind: "connection", Action: "create", EntityID: c2, Body: body(t, katapult.ConnectionWrite{NodeID1: n1, NodeID2: "kaaaaaaa_nmissingxxxxxxxxxxxxxxxxxx"}), Sheet: "Spans", Row: 3},
		// Deleting what is already gone counts as done (resume after a crash).
		{Phase: 5, Set: "(prune)", Kind: "node", Action: "delete", EntityID: "kaaaaaaa_ngonexxxxxxxxxxxxxxxxxxxxx"},
	}
}

func TestRunRecordsOutcomes(t *testing.T) {
	run, c, job := start(t, testOptions())
	st, err := state.Create(filepath.Join(t.TempDir(), "s.db"), state.Meta{JobID: job}, nil, slices.Values(plan(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ops, _ := st.Unfinished()
	before := run.Server.Stats().Writes
	var seen int
	x := &Executor{Client: c, JobID: job, State: st, Workers: 4, Observe: func(Outcome) { seen++ }}
	res, err := x.Run(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	if res.Done != 4 || res.Failed != 1 || res.Pending != 0 || seen != 5 {
		t.Errorf("result %+v, observed %d", res, seen)
	}
	failed, _ := st.Ops(state.Failed)
	if len(failed) != 1 || failed[0].EntityID != c2 || failed[0].HTTPStatus != 400 || failed[0].Message == "" || failed[0].Row != 3 {
		t.Errorf("failed ops = %+v", failed)
	}
	conn, err := c.GetConnection(context.Background(), job, c1)
	if err != nil || conn.NodeID1 != n1 || conn.NodeID2 != n2 {
		t.Errorf("connection %+v, %v", conn, err)
	}
	node, err := c.GetNode(context.Background(), job, n1)
	if err != nil || node.Attributes["node_type"]["kaaaaaaa_iinst1xxxxxxxxxxxxxxxxxxxx"] != "pole" {
		t.Errorf("node %+v, %v", node, err)
	}
	// 3 applied writes (the 400 and the 404 apply nothing).
	if w := run.Server.Stats().Writes - before; w != 3 {
		t.Errorf("sandbox writes = %d, want 3", w)
	}

	// Resume sends only what is not done: the failed op again.
	ops, _ = st.Unfinished()
	if len(ops) != 1 || ops[0].EntityID != c2 {
		t.Fatalf("unfinished after run = %+v", ops)
	}
}

func TestCancelLeavesPending(t *testing.T) {
	opts := testOptions()
	opts.Latency = 20 * time.Millisecond
	_, c, job := start(t, opts)
	var ops []state.Op
	for i := range 200 {
		id := "kaaaaaaa_nbulk" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "xxxxxxxxxxxxxxxxxxx"
		ops = append(ops, state.Op{Phase: 0, Set: "poles", Kind: "node", Action: "create", EntityID: id,
			Body: body(t, katapult.NodeWrite{Latitude: f(47), Longitude: f(-122)})})
	}
	st, err := state.Create(filepath.Join(t.TempDir(), "s.db"), state.Meta{JobID: job}, nil, slices.Values(ops))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ops, _ = st.Unfinished()
	ctx, cancel := context.WithCancel(context.Background())
	done := 0
	x := &Executor{Client: c, JobID: job, State: st, Workers: 4, Observe: func(o Outcome) {
		if o.Status == state.Done {
			done++
			if done == 20 {
				cancel()
			}
		}
	}}
	res, err := x.Run(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Done < 20 || res.Done+res.Pending != 200 {
		t.Errorf("result = %+v", res)
	}
	left, _ := st.Unfinished()
	if len(left) != res.Pending {
		t.Errorf("state has %d unfinished, result says %d pending", len(left), res.Pending)
	}
	// In-flight calls finished and were recorded, so the state matches the
	// server exactly.
	nodes, err := c.ListNodes(context.Background(), job, katapult.ListNodesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != res.Done {
		t.Errorf("server has %d nodes, state says %d done", len(nodes), res.Done)
	}
}
