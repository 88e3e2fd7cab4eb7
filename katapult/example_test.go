package katapult_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// A Go program scripting the API: create a job, upsert a pole at a
// deterministic id (safe to repeat), connect it, and read the job back. An
// in-process sandbox stands in for https://katapultpro.com/api/v3.
func Example() {
	opts := sandbox.DefaultOptions()
	opts.MinInterval = time.Millisecond // a fast sandbox; the real API needs 50ms
	srv, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// Tell the throttle the server's limits; the bucket size it reads from meta.
	th := throttle.New(throttle.Config{MinInterval: opts.MinInterval, Refill: opts.Refill})
	c := katapult.New(srv.URL, srv.Key, katapult.WithThrottle(th))
	ctx := context.Background()

	job, err := c.CreateJob(ctx, katapult.JobWrite{Name: "Example", Model: "acme"})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []struct {
		id       string
		lat, lon float64
		tag      string
	}{
		{"example-pole-00000001", 40.0001, -80.0001, "P1"},
		{"example-pole-00000002", 40.0002, -80.0002, "P2"},
		{"example-pole-00000001", 40.0001, -80.0001, "P1"}, // a repeat changes nothing
	} {
		attrs := katapult.AttributePatch{}
		attrs.Set("pole_tag", "example-tag", p.tag)
		w := katapult.NodeWrite{Latitude: &p.lat, Longitude: &p.lon, Attributes: attrs}
		if _, err := c.UpsertNode(ctx, job.ID, p.id, w, katapult.UpsertOptions{}); err != nil {
			log.Fatal(err)
		}
	}
	_, err = c.UpsertConnection(ctx, job.ID, "example-span-00000001", katapult.ConnectionWrite{
		NodeID1: "example-pole-00000001", NodeID2: "example-pole-00000002",
	}, katapult.UpsertOptions{})
	if err != nil {
		log.Fatal(err)
	}

	nodes, _ := c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{})
	conns, _ := c.ListConnections(ctx, job.ID)
	fmt.Println("nodes:", len(nodes), "connections:", len(conns))

	_, err = c.GetNode(ctx, job.ID, "example-pole-99999999")
	fmt.Println("missing node is not found:", katapult.IsNotFound(err))
	fmt.Println("tokens spent:", c.Stats().Tokens) // 5 writes × 10 + 2 lists × 1
	// Output:
	// nodes: 2 connections: 1
	// missing node is not found: true
	// tokens spent: 52
}
