package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

// TestExamplePoleSurvey imports the shipped example (workstream 8's
// examples/pole-survey) into a fast sandbox, then again: zero writes.
func TestExamplePoleSurvey(t *testing.T) {
	m, err := filepath.Abs(filepath.Join("..", "..", "examples", "pole-survey", "mapping.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m); err != nil {
		t.Skip("examples/pole-survey not present: ", err)
	}
	fx := newFixture(t, testSandboxOptions())
	state := filepath.Join(fx.dir, "s.db")
	code, out, errOut := fx.kp("import", "-m", m, "--yes", "--state", state)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	writes := fx.srv.Server.Stats().Writes
	jobs, err := fx.client().ListJobs(context.Background(), katapult.ListJobsOptions{})
	if err != nil || len(jobs) != 1 || jobs[0].Name != "Pole survey example" {
		t.Fatalf("jobs %+v, %v", jobs, err)
	}
	nodes, err := fx.client().ListNodes(context.Background(), jobs[0].ID, katapult.ListNodesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Every pole of the plan is in the job; every write was a planned op.
	if !strings.Contains(out, "created 669") || len(nodes) != 288 || writes != 670 {
		t.Errorf("%d nodes, %d writes; summary: %s", len(nodes), writes, out)
	}
	code, out, errOut = fx.kp("import", "-m", m, "--yes", "--state", state)
	if code != 0 || fx.srv.Server.Stats().Writes != writes || !strings.Contains(out, "No changes") {
		t.Errorf("re-import: exit %d, %d writes\n%s\n%s", code, fx.srv.Server.Stats().Writes-writes, out, errOut)
	}
}

// TestQuickStartEmbeddedSandbox runs the quick start's shape with the built
// binary: `kpbulk import --sandbox -m MAPPING --yes` in a fresh directory
// twice; the embedded sandbox persists in .kpbulk/sandbox.db, so the second
// run plans zero writes. (A small survey keeps it fast under the sandbox's
// real 50 ms limit.)
func TestQuickStartEmbeddedSandbox(t *testing.T) {
	bin := kpbulkBinary(t)
	fx := newFixture(t, testSandboxOptions())
	fx.writeSurvey(6, nil)
	work := t.TempDir()
	runIt := func() string {
		cmd := exec.Command(bin, "import", "--sandbox", "-m", fx.mapping, "--yes")
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kpbulk import --sandbox: %v\n%s", err, out)
		}
		return string(out)
	}
	first := runIt()
	if !strings.Contains(first, "created 16") {
		t.Errorf("first run:\n%s", first)
	}
	if _, err := os.Stat(filepath.Join(work, ".kpbulk", "sandbox.db")); err != nil {
		t.Errorf("sandbox not persisted: %v", err)
	}
	second := runIt()
	if !strings.Contains(second, "No changes") || !strings.Contains(second, "created 0") {
		t.Errorf("second run:\n%s", second)
	}
	// The state file defaults to .kpbulk/<job id>-<namespace>.db next to the mapping.
	matches, _ := filepath.Glob(filepath.Join(fx.dir, ".kpbulk", "*-"+testNamespace+".db"))
	if len(matches) != 1 {
		t.Errorf("default state files: %v", matches)
	}
}
