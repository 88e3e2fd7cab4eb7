package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sandboxBuf is a buffer the command writes while the test reads it.
type sandboxBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *sandboxBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sandboxBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var servingRe = regexp.MustCompile(`(?:Sandbox serving |"url":")([^"\s]+)`)

// startSandboxCmd runs `kpbulk sandbox args...` in-process until stop is
// called, and returns its base URL once it is listening.
func startSandboxCmd(t *testing.T, args ...string) (url string, out *sandboxBuf, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &sandboxBuf{}, &sandboxBuf{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...), &streams{in: strings.NewReader(""), out: out, errOut: errOut})
	}()
	stop = func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, errOut.String()
		case <-time.After(10 * time.Second):
			t.Fatal("kpbulk sandbox did not stop within 10s of Ctrl-C")
			return 0, ""
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, stop
		}
		select {
		case code := <-done:
			t.Fatalf("kpbulk sandbox exited %d: %s %s", code, out.String(), errOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("kpbulk sandbox printed no URL: %q", out.String())
	return
}

func sandboxGet(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %s", url, b)
		}
	}
	return res.StatusCode
}

func TestSandboxCommandLoadsServesAndPersists(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state", "sandbox.db")
	job := filepath.Join(dir, "job.json")
	const nodeID = "-Ocmdtestnode0000001"
	if err := os.WriteFile(job, []byte(`{"name":"cli job","nodes":{"`+nodeID+`":{"latitude":29.29,"longitude":-98.41,"attributes":{"node_type":{"-Imported":"pole"}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--db", db, "--min-interval", "0", "--key", "k3y", "--load", job}
	url, out, stop := startSandboxCmd(t, args...)
	if !strings.Contains(out.String(), "API key: k3y") {
		t.Errorf("output does not name the key: %q", out.String())
	}
	m := regexp.MustCompile(`Job (\S+) loaded from`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output does not name the loaded job: %q", out.String())
	}
	jobID := m[1]
	var env struct {
		Data []struct{ ID string } `json:"data"`
	}
	if code := sandboxGet(t, url+"/jobs/"+jobID+"/nodes?api_key=k3y", &env); code != 200 || len(env.Data) != 1 || env.Data[0].ID != nodeID {
		t.Fatalf("GET nodes: %d %+v", code, env)
	}
	if code := sandboxGet(t, url+"/jobs?api_key=wrong", nil); code != 401 {
		t.Errorf("wrong key: %d", code)
	}
	res, err := http.Post(url+"/jobs/"+jobID+"/nodes?api_key=k3y", "application/json", strings.NewReader(`{"latitude":1,"longitude":2}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("POST node: %v %v", res, err)
	}
	res.Body.Close()
	code, stderr := stop()
	if code != 0 || !strings.Contains(stderr, "Sandbox stopped: 2 calls (1 writes") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	// Restarted with the same --load, the job keeps what was written.
	url, out, stop = startSandboxCmd(t, args...)
	defer stop()
	if !strings.Contains(out.String(), "Job "+jobID+" already loaded (kept as it is)") {
		t.Errorf("restart output %q", out.String())
	}
	if code := sandboxGet(t, url+"/jobs/"+jobID+"/nodes?api_key=k3y", &env); code != 200 || len(env.Data) != 2 {
		t.Errorf("after restart: %d, %d nodes, want 2", code, len(env.Data))
	}
}

func TestSandboxCommandJSONAndLimits(t *testing.T) {
	_, out, stop := startSandboxCmd(t, "--db", ":memory:", "--json", "--bucket", "5", "--bucket-schedule", "3,2", "--refill", "1h")
	defer stop()
	var ev struct {
		Event, URL, Key string
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &ev); err != nil || ev.Event != "listening" || ev.Key != "sandbox" {
		t.Fatalf("first line %q: %v", out.String(), err)
	}
	if !strings.HasSuffix(ev.URL, "/api/v3") {
		t.Errorf("url %q", ev.URL)
	}
	// The schedule's first size is the starting balance.
	var env struct {
		Meta struct {
			TokenCount int `json:"token_count"`
		} `json:"meta"`
	}
	sandboxGet(t, ev.URL+"/jobs?api_key=sandbox", &env)
	if env.Meta.TokenCount != 2 {
		t.Errorf("token_count %d after one GET with --bucket-schedule 3,2, want 2", env.Meta.TokenCount)
	}
}

func TestSandboxCommandUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"nodes":[`), 0o644)
	for name, args := range map[string][]string{
		"schedule":  {"--bucket-schedule", "10,x"},
		"no file":   {"--load", filepath.Join(dir, "missing.json")},
		"bad json":  {"--load", bad},
		"fail rate": {"--fail-rate", "2"},
		"args":      {"extra"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"sandbox", "--addr", "127.0.0.1:0", "--db", ":memory:"}, args...),
			&streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
		if code != exitInvalid {
			t.Errorf("%s: exit %d, want %d (stderr %q)", name, code, exitInvalid, errOut.String())
		}
	}
}

func TestSandboxCommandLoadsRealJob(t *testing.T) {
	real := filepath.Join("..", "..", "..", "shared", "realdata", "poles_katapult", "ryantest123_1.json")
	if _, err := os.Stat(real); err != nil {
		t.Skip("realdata not present: " + real)
	}
	url, out, stop := startSandboxCmd(t, "--db", ":memory:", "--min-interval", "0", "--load", real)
	defer stop()
	m := regexp.MustCompile(`Job (\S+) loaded from`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q", out.String())
	}
	var env struct {
		Data []struct {
			ID       string         `json:"id"`
			Sections map[string]any `json:"sections"`
		} `json:"data"`
	}
	if code := sandboxGet(t, url+"/jobs/"+m[1]+"/connections?api_key=sandbox", &env); code != 200 || len(env.Data) != 44 {
		t.Fatalf("GET connections: %d, %d connections, want 44", code, len(env.Data))
	}
	if sandboxGet(t, url+"/jobs/"+m[1]+"/nodes/-OJ_PMjpiNrD4UyT0JSz?api_key=sandbox", nil) != 200 {
		t.Error("a node of the file is missing")
	}
}
