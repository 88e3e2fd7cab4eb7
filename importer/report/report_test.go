package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/executor"
	"github.com/kpbulk/kpbulk/importer/plan"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/mapping"
)

func planned(ops int) *importer.Planned {
	p := &plan.Plan{Sets: []plan.SetCount{{Name: "poles", Kind: mapping.Node, Creates: ops - 1, Updates: 1, Unchanged: 5}}}
	for i := range ops {
		o := plan.Op{Set: "poles", Kind: mapping.Node, Action: plan.Create, EntityID: "id", Key: "P"}
		if i == 0 {
			o.Action, o.Changes = plan.Update, []string{"pole_height: 40 → 45"}
		}
		p.Ops = append(p.Ops, o)
	}
	p.Unmatched = []mapping.Problem{{File: "e.csv", Row: 3, Msg: `no node of the job has scid = "8"`}}
	return &importer.Planned{Plan: p, Job: importer.Job{ID: "J1", Name: "Survey"}, Namespace: "ns", Gets: 3, ETA: 90 * time.Second}
}

func TestPlanText(t *testing.T) {
	var b bytes.Buffer
	Plan(&b, planned(12))
	out := b.String()
	for _, want := range []string{
		"Plan for job J1 (Survey), namespace ns",
		"poles  node        +11     ~1      -0      =5",
		"Writes: 12 (120 tokens); reads: 3 GET calls (3 tokens); estimated time: 1m30s",
		`~ poles node "P" (id): pole_height: 40 → 45`,
		"... and 2 more",
		`unmatched: e.csv::3:: no node of the job has scid = "8"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	PlanJSON(&b, planned(12))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last["event"] != "plan" || last["tokens"] != 120.0 || last["gets"] != 3.0 || last["eta_seconds"] != 90.0 {
		t.Errorf("plan JSON = %v", last)
	}
	if n := len(lines); n != 1+DetailOps+1+1 { // set, ops, unmatched, plan
		t.Errorf("%d JSON lines:\n%s", n, b.String())
	}
}

func TestStatus(t *testing.T) {
	ops := []state.Op{
		{Set: "poles", Kind: "node", Action: "create", EntityID: "a"},
		{Set: "poles", Kind: "node", Action: "create", EntityID: "b", File: "p.csv", Row: 3},
		{Set: "spans", Kind: "connection", Action: "create", EntityID: "c"},
	}
	f, err := state.Create(filepath.Join(t.TempDir(), "s.db"), state.Meta{JobID: "J1", Namespace: "ns"}, nil, slices.Values(ops))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Record(1, state.Done, 200, "")
	f.Record(2, state.Failed, 400, "invalid_field: latitude")
	id, _ := f.StartRun("import")
	f.FinishRun(id, importer.Summary{Created: 1, Failed: 1, Pending: 1, Tokens: 10, Wall: 1500 * time.Millisecond, Interrupted: true}.JSON())
	f.StartRun("resume") // killed: never finished
	var b bytes.Buffer
	if err := Status(&b, false, f, 20); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"poles", "done 1, pending 0, failed 1", "spans", "done 0, pending 1, failed 0",
		"Total: done 1, pending 1, failed 1", "resume --state", "failed: p.csv::3: create node b: 400 invalid_field: latitude",
		"run 1: import at", "created 1, updated 0, deleted 0, failed 1, not sent 1; 10 tokens, 0 429s, 1.5s (interrupted)",
		"run 2: resume at", "did not finish (killed)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

func TestProgressPlainLines(t *testing.T) {
	var errOut bytes.Buffer
	p := NewProgress(&errOut, nil, false, false, 4)
	p.every = 0 // a line per outcome
	p.Observe(executor.Outcome{Status: state.Done})
	p.Observe(executor.Outcome{Status: state.Failed})
	p.Finish()
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "kpbulk: 2/4 ops (50%), 1 failed,") {
		t.Errorf("plain progress:\n%s", errOut.String())
	}
}
