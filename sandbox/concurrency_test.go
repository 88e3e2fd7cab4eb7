package sandbox

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentClients has 16 clients hammer one job with overlapping
// upserts, attribute adds, connection creates and deletes, and lists, then
// checks the job is consistent: every add landed exactly once and every
// connection joins existing nodes.
func TestConcurrentClients(t *testing.T) {
	h := newHarness(t, nil)
	job := h.newJob()
	const clients, ops, nodes = 16, 40, 10
	ids := make([]string, nodes)
	for i := range ids {
		ids[i] = nid(fmt.Sprintf("cc%d", i))
		h.putNode(job, ids[i], 1, 1, nil)
	}
	var mu sync.Mutex
	adds := map[string]int{}
	created := map[string]bool{}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				target := ids[(c+i)%nodes]
				switch i % 4 {
				case 0, 1:
					r := h.do("POST", "/jobs/"+job+"/nodes/"+target, map[string]any{
						"latitude": float64(c), "add_attributes": map[string]any{"hit": fmt.Sprintf("%d-%d", c, i)}})
					if r.status == 200 {
						mu.Lock()
						adds[target]++
						mu.Unlock()
					}
				case 2:
					cid := nid(fmt.Sprintf("c%d_%d", c, i))
					r := h.do("POST", "/jobs/"+job+"/connections/"+cid, map[string]any{
						"node_id_1": target, "node_id_2": ids[(c+i+1)%nodes]})
					if r.status == 200 {
						mu.Lock()
						created[cid] = true
						mu.Unlock()
					}
				case 3:
					// A node made, joined and deleted while others list:
					// its connection must go with it.
					v, vc := nid(fmt.Sprintf("v%d_%d", c, i)), nid(fmt.Sprintf("vc%d_%d", c, i))
					h.do("POST", "/jobs/"+job+"/nodes/"+v, map[string]any{"latitude": 1, "longitude": 1})
					h.do("POST", "/jobs/"+job+"/connections/"+vc, map[string]any{"node_id_1": v, "node_id_2": target})
					h.do("GET", "/jobs/"+job+"/nodes", nil)
					h.do("DELETE", "/jobs/"+job+"/nodes/"+v, nil)
					h.do("GET", "/jobs/"+job+"/connections", nil)
				}
			}
		}()
	}
	wg.Wait()

	var ns []wireNode
	h.ok("GET", "/jobs/"+job+"/nodes", nil).data(t, &ns)
	if len(ns) != nodes {
		t.Fatalf("%d nodes, want %d", len(ns), nodes)
	}
	for _, n := range ns {
		if got := len(n.Attributes["hit"]); got != adds[n.ID] {
			t.Errorf("node %s has %d hit instances, %d adds succeeded", n.ID, got, adds[n.ID])
		}
	}
	var cs []wireConn
	h.ok("GET", "/jobs/"+job+"/connections", nil).data(t, &cs)
	if len(cs) != len(created) {
		t.Errorf("%d connections, %d creates succeeded", len(cs), len(created))
	}
	for _, c := range cs {
		if !created[c.ID] {
			t.Errorf("unexpected connection %s", c.ID)
		}
	}
	if st := h.srv.Stats(); st.Writes != int64(1+nodes+clients*ops/2+len(created)+3*clients*ops/4) {
		t.Errorf("Stats.Writes = %d", st.Writes)
	}
	h.srv.mu.RLock()
	checkIndex(t, h.srv.jobs[job])
	h.srv.mu.RUnlock()
}
