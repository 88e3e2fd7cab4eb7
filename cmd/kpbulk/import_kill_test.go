package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/importer/plan"
)

// TestKillNineThenResume builds the kpbulk binary, starts an import against
// a sandbox with latency and faults, kills the process with SIGKILL at a
// random moment, and finishes with resume (or a new import when the kill
// came before the plan was saved). The job must end identical to an
// uninterrupted import: same entities, same attribute instances, no
// duplicates.
func TestKillNineThenResume(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics are POSIX")
	}
	const poles = 40
	bin := kpbulkBinary(t)
	want := referenceJob(t, poles)
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	for trial := range 5 {
		opts := testSandboxOptions()
		opts.Latency, opts.LatencyJitter = 4*time.Millisecond, 3*time.Millisecond
		opts.FailRate, opts.DropRate = 0.02, 0.02
		opts.Seed = int64(trial)
		fx := newFixture(t, opts)
		fx.writeSurvey(poles, nil)
		state := filepath.Join(fx.dir, "s.db")
		args := []string{"import", "-m", fx.mapping, "--yes", "--state", state,
			"--base-url", fx.srv.URL, "--api-key-file", fx.keyFile, "--min-interval", "2ms", "--refill", "1s"}
		cmd := exec.Command(bin, args...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(20+rnd.IntN(750)) * time.Millisecond
		time.Sleep(delay)
		_ = cmd.Process.Kill() // SIGKILL: no chance to clean up
		_ = cmd.Wait()
		killedAt := fx.srv.Server.Stats().Writes

		var code int
		var stdout, stderr string
		if _, err := os.Stat(state); err == nil {
			code, stdout, stderr = fx.kp("resume", "--state", state)
		} else {
			code, stdout, stderr = fx.kp("import", "-m", fx.mapping, "--yes", "--state", state)
		}
		for i := 0; code == exitFailed && i < 3; i++ {
			code, stdout, stderr = fx.kp("resume", "--state", state)
		}
		if code != 0 {
			t.Fatalf("trial %d (killed after %s, %d writes): finish exit %d\n%s\n%s\n%s", trial, delay, killedAt, code, out.String(), stdout, stderr)
		}
		_, live := fx.job()
		if plan.Fingerprint(live) != want {
			t.Errorf("trial %d (killed after %s, %d writes): job differs from an uninterrupted import", trial, delay, killedAt)
		}
		fx.checkSurvey(poles)
		// And nothing is left to do.
		code, stdout, _ = fx.kp("plan", "-m", fx.mapping, "--state", filepath.Join(fx.dir, "after.db"))
		if code != 0 || !strings.Contains(stdout, "No changes") {
			t.Errorf("trial %d: plan after resume:\n%s", trial, stdout)
		}
		t.Logf("trial %d: killed after %s with %d writes applied", trial, delay, killedAt)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildOut  []byte
)

// kpbulkBinary builds the kpbulk command once per test run.
func kpbulkBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kpbulk-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "kpbulk")
		if runtime.GOOS == "windows" {
			builtBin += ".exe"
		}
		buildOut, buildErr = exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return builtBin
}

// TestInterruptIsResumable sends SIGINT (Ctrl-C) mid-run: kpbulk stops
// dispatching, records what was in flight, exits 1 naming the resume
// command; the state file then matches the server exactly.
func TestInterruptIsResumable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT delivery to a child on Windows")
	}
	const poles = 40
	bin := kpbulkBinary(t)
	opts := testSandboxOptions()
	opts.Latency = 5 * time.Millisecond
	fx := newFixture(t, opts)
	fx.writeSurvey(poles, nil)
	state := filepath.Join(fx.dir, "s.db")
	cmd := exec.Command(bin, "import", "-m", fx.mapping, "--yes", "--state", state,
		"--base-url", fx.srv.URL, "--api-key-file", fx.keyFile, "--min-interval", "2ms", "--refill", "1s")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once the run is under way (the state file exists).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(state); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code == 0 {
		t.Skipf("the import finished before the interrupt: %s", out.String())
	}
	if code != exitFailed || !strings.Contains(out.String(), "interrupted") || !strings.Contains(out.String(), "kpbulk resume --state") {
		t.Fatalf("exit %d (%v):\n%s", code, err, out.String())
	}
	// Every write the server applied is recorded as done: nothing was lost
	// in flight.
	f, serr := openState(state)
	if serr != nil {
		t.Fatal(serr)
	}
	done, _ := f.Ops("done")
	f.Close()
	if w := fx.srv.Server.Stats().Writes - 1; int(w) != len(done) { // minus the job
		t.Errorf("server applied %d writes, state records %d done", w, len(done))
	}
	if code, stdout, stderr := fx.kp("resume", "--state", state); code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
	fx.checkSurvey(poles)
}
