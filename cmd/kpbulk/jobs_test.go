package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

const jobsTestKey = "jobs-test-KEY-5b1e77"

// jobsSandbox starts a sandbox with two active jobs (one with metadata
// city=Buffalo) and one archived job, and points the environment at it.
func jobsSandbox(t *testing.T) {
	t.Helper()
	opts := sandbox.DefaultOptions()
	opts.Key, opts.MinInterval = jobsTestKey, time.Millisecond
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	c := katapult.New(run.URL, run.Key, katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	ctx := context.Background()
	for _, w := range []katapult.JobWrite{
		{Name: "Buffalo poles", Model: "m", Metadata: map[string]any{"city": "Buffalo"}},
		{Name: "Erie\tpoles", Model: "m", Metadata: map[string]any{"city": "Erie"}},
		{Name: "Old job", Model: "m"},
	} {
		j, err := c.CreateJob(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if w.Name == "Old job" {
			if err := c.SetJobStatus(ctx, j.ID, "archived"); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("KATAPULT_BASE_URL", run.URL)
	t.Setenv("KATAPULT_API_KEY", jobsTestKey)
}

func jobsRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append(args, "--min-interval", "1ms"), &streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func TestJobsListsAsJSONLinesAndTable(t *testing.T) {
	jobsSandbox(t)

	code, out, errOut := jobsRun(t, "jobs", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("--json printed %d lines, want 2 active jobs:\n%s", len(lines), out)
	}
	names := map[string]string{}
	for _, l := range lines {
		var j jobLine
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		names[j.Name] = j.Status
	}
	if names["Buffalo poles"] != "active" || names["Erie\tpoles"] != "active" {
		t.Errorf("jobs = %v", names)
	}

	_, out, _ = jobsRun(t, "jobs", "--json", "--archived")
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("--archived listed %d jobs, want 3", n)
	}

	code, out, _ = jobsRun(t, "jobs", "--filter", "city:Buffalo")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "ID") || !strings.Contains(rows[1], "Buffalo poles") || !strings.Contains(rows[1], "city=Buffalo") {
		t.Errorf("filtered table:\n%s", out)
	}
	_, out, _ = jobsRun(t, "jobs")
	if strings.Contains(out, "Erie\tpoles") || !strings.Contains(out, "Erie poles") {
		t.Errorf("a tab in a name must not break the table:\n%s", out)
	}

	code, _, errOut = jobsRun(t, "jobs", "--filter", "nocolon")
	if code != exitInvalid || !strings.Contains(errOut, "attribute:value") {
		t.Errorf("bad filter: exit %d, %q", code, errOut)
	}
}

func TestConnectKeyAndURLSources(t *testing.T) {
	jobsSandbox(t)
	dir := t.TempDir()

	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("  "+jobsTestKey+"\n"), 0o600)
	t.Setenv("KATAPULT_API_KEY", "")
	if code, _, errOut := jobsRun(t, "jobs", "--api-key-file", keyFile); code != 0 {
		t.Errorf("key file with whitespace: exit %d: %s", code, errOut)
	}

	code, _, errOut := jobsRun(t, "jobs")
	if code != exitInvalid || !strings.Contains(errOut, "KATAPULT_API_KEY") || !strings.Contains(errOut, "--api-key-file") {
		t.Errorf("no key: exit %d, %q; want exit 2 naming both sources", code, errOut)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if code, _, errOut := jobsRun(t, "jobs", "--api-key-file", empty); code != exitInvalid || !strings.Contains(errOut, "empty") {
		t.Errorf("empty key file: exit %d, %q", code, errOut)
	}
	if code, _, _ := jobsRun(t, "jobs", "--api-key-file", filepath.Join(dir, "missing")); code != exitInvalid {
		t.Errorf("missing key file: exit %d, want 2", code)
	}

	t.Setenv("KATAPULT_API_KEY", "wrong-"+jobsTestKey)
	code, out, errOut := jobsRun(t, "jobs")
	if code != exitFailed || !strings.Contains(errOut, "INVALID API KEY") {
		t.Errorf("wrong key: exit %d, %q", code, errOut)
	}
	if strings.Contains(out+errOut, jobsTestKey) {
		t.Errorf("the key appears in the output: %q", out+errOut)
	}

	t.Setenv("KATAPULT_API_KEY", jobsTestKey)
	if code, _, errOut := jobsRun(t, "jobs", "--base-url", "ftp://example.com"); code != exitInvalid || !strings.Contains(errOut, "base URL") {
		t.Errorf("bad base URL: exit %d, %q", code, errOut)
	}
}

func TestJobsAgainstEmbeddedSandbox(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("KATAPULT_API_KEY", "")
	code, out, errOut := jobsRun(t, "jobs", "--sandbox", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.TrimSpace(out) != "" {
		t.Errorf("a fresh sandbox listed jobs: %q", out)
	}
	if _, err := os.Stat(filepath.Join(".kpbulk", "sandbox.db")); err != nil {
		t.Errorf("sandbox database not created: %v", err)
	}
}
