package sandbox

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrashKeepsFlushedWrites kills a sandbox process with SIGKILL after
// its flusher has saved a write, and checks a new sandbox on the same file
// has it: what was flushed survives a crash without Close.
func TestCrashKeepsFlushedWrites(t *testing.T) {
	if db := os.Getenv("SANDBOX_CRASH_CHILD_DB"); db != "" {
		crashChild(db)
		return
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsFlushedWrites$")
	cmd.Env = append(os.Environ(), "SANDBOX_CRASH_CHILD_DB="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	said := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		said <- line
	}()
	var line string
	select {
	case line = <-said:
	case <-time.After(30 * time.Second):
	}
	if !strings.HasPrefix(line, "flushed ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q within 30s, want \"flushed <job>\"", line)
	}
	job := strings.TrimSpace(strings.TrimPrefix(line, "flushed "))
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	s, err := New(Options{Key: "k", Bucket: 100, Refill: time.Minute, DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := &harness{t: t, srv: s, key: "k"}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	h.url = ts.URL + "/api/v3"
	n := h.node(job, nid("crash"))
	if n.Attributes["note"] == nil {
		t.Errorf("node after the crash = %+v, want its note", n)
	}
}

// crashChild writes one node, waits until the flusher has saved it, says
// so, and waits to be killed.
func crashChild(db string) {
	s, err := New(Options{Key: "k", Bucket: 100, Refill: time.Minute, DBPath: db})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	job, _ := s.LoadJobJSON(strings.NewReader(`{"name":"crash"}`))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/v3/jobs/"+job+"/nodes/"+nid("crash")+"?api_key=k",
		strings.NewReader(`{"latitude":1,"longitude":2,"add_attributes":{"note":"saved"}}`)))
	for {
		s.store.mu.Lock()
		var n int
		s.store.db.QueryRow(`SELECT count(*) FROM entities WHERE kind = 1`).Scan(&n)
		s.store.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Println("flushed", job)
	select {}
}
