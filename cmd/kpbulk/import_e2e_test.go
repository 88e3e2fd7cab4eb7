package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/importer/plan"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// The end-to-end tests drive the CLI in-process (run) against a sandbox
// served over real HTTP on 127.0.0.1, with its limits scaled down in time
// (2ms general interval, 1s refill) so runs stay short.

const testNamespace = "e2e-survey"

func testSandboxOptions() sandbox.Options {
	o := sandbox.DefaultOptions()
	o.MinInterval = 2 * time.Millisecond
	o.Refill = time.Second
	return o
}

type fixture struct {
	t       *testing.T
	dir     string
	srv     *sandbox.Running
	keyFile string
	mapping string
}

func newFixture(t *testing.T, opts sandbox.Options) *fixture {
	t.Helper()
	srv, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	fx := &fixture{t: t, dir: dir, srv: srv, keyFile: filepath.Join(dir, "key"), mapping: filepath.Join(dir, "mapping.yaml")}
	fx.write("key", srv.Key)
	fx.write("mapping.yaml", testMapping)
	fx.writeSurvey(12, nil)
	return fx
}

func (fx *fixture) write(name, content string) {
	fx.t.Helper()
	if err := os.WriteFile(filepath.Join(fx.dir, name), []byte(content), 0o644); err != nil {
		fx.t.Fatal(err)
	}
}

const testMapping = `version: 1
namespace: ` + testNamespace + `
job:
  name: E2E survey
  model: test
  metadata: {client: ACME}
nodes:
  - name: poles
    source: poles.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      node_type: pole
      pole_tag: "{Tag}"
      pole_height: {value: "{Height}", type: number}
      note: {value: "{Note}", empty: skip}
connections:
  - name: spans
    source: spans.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable
sections:
  - name: mid
    source: spans.csv
    connection: {set: spans, key: "{From}->{To}"}
    key: "{From}->{To}"
    midpoint: true
    attributes:
      note: "midspan {From}"
`

// writeSurvey writes n poles in a row and the spans between neighbours;
// edit may change a pole's CSV line.
func (fx *fixture) writeSurvey(n int, edit func(i int, line string) string) {
	var poles, spans strings.Builder
	poles.WriteString("Tag,Lat,Lon,Height,Note\n")
	spans.WriteString("From,To\n")
	for i := range n {
		note := ""
		if i%3 == 0 {
			note = "leaning"
		}
		line := fmt.Sprintf("P%03d,%.6f,%.6f,%d,%s", i, 40.1+float64(i)*0.0005, -88.25, 35+i%4*5, note)
		if edit != nil {
			line = edit(i, line)
		}
		poles.WriteString(line + "\n")
		if i > 0 {
			fmt.Fprintf(&spans, "P%03d,P%03d\n", i-1, i)
		}
	}
	fx.write("poles.csv", poles.String())
	fx.write("spans.csv", spans.String())
}

// kp runs the CLI in-process against the fixture's sandbox.
func (fx *fixture) kp(args ...string) (code int, stdout, stderr string) {
	fx.t.Helper()
	var out, errOut bytes.Buffer
	all := append(args, "--base-url", fx.srv.URL, "--api-key-file", fx.keyFile, "--min-interval", "2ms", "--refill", "1s")
	code = run(context.Background(), all, &streams{in: strings.NewReader(""), out: &out, errOut: &errOut})
	return code, out.String(), errOut.String()
}

func (fx *fixture) client() *katapult.Client {
	th := throttle.New(throttle.Config{MinInterval: 2 * time.Millisecond, Refill: time.Second})
	return katapult.New(fx.srv.URL, fx.srv.Key, katapult.WithThrottle(th))
}

// job returns the id of the fixture's job and its live content.
func (fx *fixture) job() (string, plan.Live) {
	fx.t.Helper()
	ctx := context.Background()
	c := fx.client()
	jobs, err := c.ListJobs(ctx, katapult.ListJobsOptions{})
	if err != nil {
		fx.t.Fatal(err)
	}
	var id string
	for _, j := range jobs {
		if j.Name == "E2E survey" {
			if id != "" {
				fx.t.Fatalf("two jobs named E2E survey")
			}
			id = j.ID
		}
	}
	if id == "" {
		fx.t.Fatal("no job named E2E survey")
	}
	nodes, err := c.ListNodes(ctx, id, katapult.ListNodesOptions{})
	if err != nil {
		fx.t.Fatal(err)
	}
	conns, err := c.ListConnections(ctx, id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return id, plan.Live{Nodes: nodes, Connections: conns}
}

// checkSurvey asserts the job holds exactly the survey of n poles: every
// entity at its deterministic id, right coordinates and attributes, one
// instance per attribute.
func (fx *fixture) checkSurvey(n int) {
	fx.t.Helper()
	_, live := fx.job()
	t := fx.t
	if len(live.Nodes) != n || len(live.Connections) != n-1 {
		t.Fatalf("job has %d nodes and %d connections, want %d and %d", len(live.Nodes), len(live.Connections), n, n-1)
	}
	byID := map[string]katapult.Node{}
	for _, nd := range live.Nodes {
		byID[nd.ID] = nd
		for name, inst := range nd.Attributes {
			if len(inst) != 1 {
				t.Errorf("node %s attribute %s has %d instances", nd.ID, name, len(inst))
			}
		}
	}
	one := func(a katapult.Attributes, name string) any {
		for _, v := range a[name] {
			return v
		}
		return nil
	}
	for i := range n {
		tag := fmt.Sprintf("P%03d", i)
		nd, ok := byID[mapping.EntityID(testNamespace, mapping.Node, "poles", tag)]
		if !ok {
			t.Errorf("pole %s missing", tag)
			continue
		}
		if !near(nd.Latitude, 40.1+float64(i)*0.0005) || !near(nd.Longitude, -88.25) {
			t.Errorf("pole %s at %v,%v", tag, nd.Latitude, nd.Longitude)
		}
		if !plan.Equal(float64(35+i%4*5), one(nd.Attributes, "pole_height")) || one(nd.Attributes, "pole_tag") != tag || one(nd.Attributes, "node_type") != "pole" {
			t.Errorf("pole %s attributes %v", tag, nd.Attributes)
		}
		if (i%3 == 0) != (one(nd.Attributes, "note") == "leaning") {
			t.Errorf("pole %s note %v", tag, nd.Attributes["note"])
		}
	}
	for _, c := range live.Connections {
		if len(c.Sections) != 1 {
			t.Errorf("connection %s has %d sections", c.ID, len(c.Sections))
		}
		for _, s := range c.Sections {
			a, b := byID[c.NodeID1], byID[c.NodeID2]
			if !near(s.Latitude, (a.Latitude+b.Latitude)/2) || !near(s.Longitude, (a.Longitude+b.Longitude)/2) {
				t.Errorf("section of %s not at the midpoint", c.ID)
			}
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-7 && b-a < 1e-7 }

func TestImportFirstAgainAndOneChange(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	state := filepath.Join(fx.dir, "run.db")

	code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", state)
	if code != 0 {
		t.Fatalf("first import: exit %d\n%s\n%s", code, out, errOut)
	}
	st := fx.srv.Server.Stats()
	// 12 poles, 11 spans, 11 sections, and the job.
	if st.Writes != 12+11+11+1 {
		t.Errorf("first import: %d writes, want 35", st.Writes)
	}
	if st.TokensSpent != 10*st.Writes+st.Reads {
		t.Errorf("first import: %d tokens for %d writes and %d reads", st.TokensSpent, st.Writes, st.Reads)
	}
	// The summary's tokens are what the key paid: writes, the job and the
	// plan's reads.
	if !strings.Contains(out, "created 34") || !strings.Contains(out, fmt.Sprintf("tokens spent %d;", st.TokensSpent)) {
		t.Errorf("summary (sandbox counted %d tokens): %s", st.TokensSpent, out)
	}
	fx.checkSurvey(12)
	st = fx.srv.Server.Stats() // after checkSurvey's own reads

	code, out, errOut = fx.kp("import", "-m", fx.mapping, "--yes", "--state", state)
	st2 := fx.srv.Server.Stats()
	if code != 0 || st2.Writes != st.Writes {
		t.Fatalf("second import: exit %d, %d writes\n%s\n%s", code, st2.Writes-st.Writes, out, errOut)
	}
	if spent := st2.TokensSpent - st.TokensSpent; spent > 5 {
		t.Errorf("second import spent %d tokens, want ≤ 5", spent)
	}
	if !strings.Contains(out, "No changes") || !strings.Contains(out, fmt.Sprintf("tokens spent %d;", st2.TokensSpent-st.TokensSpent)) {
		t.Errorf("second plan (sandbox counted %d tokens): %s", st2.TokensSpent-st.TokensSpent, out)
	}

	// One changed cell: pole 4's height.
	fx.writeSurvey(12, func(i int, line string) string {
		if i == 4 {
			return strings.Replace(line, ",35,", ",36,", 1)
		}
		return line
	})
	code, out, errOut = fx.kp("import", "-m", fx.mapping, "--yes", "--state", state)
	st3 := fx.srv.Server.Stats()
	if code != 0 || st3.Writes-st2.Writes != 1 {
		t.Fatalf("changed cell: exit %d, %d writes\n%s\n%s", code, st3.Writes-st2.Writes, out, errOut)
	}
	if !strings.Contains(out, "pole_height: 35 → 36") {
		t.Errorf("plan detail: %s", out)
	}
	_, live := fx.job()
	p4 := mapping.EntityID(testNamespace, mapping.Node, "poles", "P004")
	for _, n := range live.Nodes {
		if n.ID == p4 && len(n.Attributes["pole_height"]) != 1 {
			t.Errorf("P004 pole_height instances: %v", n.Attributes["pole_height"])
		}
	}

	code, out, _ = fx.kp("status", "--state", state)
	if code != 0 || !strings.Contains(out, "complete") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
}

func TestImportBadInputsSendNothing(t *testing.T) {
	cases := []struct {
		name string
		edit func(fx *fixture)
		want []string
	}{
		{"missing column", func(fx *fixture) {
			fx.write("mapping.yaml", strings.Replace(testMapping, `"{Height}"`, `"{Hieght}"`, 1))
		}, []string{"Hieght"}},
		{"duplicate key", func(fx *fixture) {
			fx.writeSurvey(12, func(i int, l string) string {
				if i == 7 {
					return strings.Replace(l, "P007", "P006", 1)
				}
				return l
			})
		}, []string{"poles.csv", ":8:", "P006"}},
		{"dangling span endpoint", func(fx *fixture) {
			fx.write("spans.csv", "From,To\nP000,P001\nP001,P999\n")
		}, []string{"spans.csv", ":3:", "P999"}},
		{"latitude 123", func(fx *fixture) {
			fx.writeSurvey(12, func(i int, l string) string {
				if i == 2 {
					return strings.Replace(l, "40.101000", "123", 1)
				}
				return l
			})
		}, []string{"poles.csv", ":4:", "Lat", "123"}},
		{"non-numeric height", func(fx *fixture) {
			fx.writeSurvey(12, func(i int, l string) string {
				if i == 5 {
					return strings.Replace(l, ",40,", ",forty,", 1)
				}
				return l
			})
		}, []string{"poles.csv", ":7:", "Height", "forty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, testSandboxOptions())
			tc.edit(fx)
			code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", filepath.Join(fx.dir, "s.db"))
			if code != exitInvalid {
				t.Errorf("exit %d, want 2\n%s\n%s", code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if st := fx.srv.Server.Stats(); st.Writes != 0 || st.Calls != 0 {
				t.Errorf("sandbox saw %d calls, %d writes; want none", st.Calls, st.Writes)
			}
		})
	}
}

func TestImportSkipInvalid(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	fx.writeSurvey(12, func(i int, l string) string {
		if i == 11 {
			return strings.Replace(l, ",50,", ",tall,", 1)
		}
		return l
	})
	code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--skip-invalid", "--state", filepath.Join(fx.dir, "s.db"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	rej, err := os.ReadFile(filepath.Join(fx.dir, "mapping.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rej), "Tag,Lat,Lon,Height,Note") || !strings.Contains(string(rej), "P011") || !strings.Contains(string(rej), "tall") {
		t.Errorf("rejects:\n%s", rej)
	}
	_, live := fx.job()
	if len(live.Nodes) != 11 {
		t.Errorf("%d nodes imported, want the 11 valid ones", len(live.Nodes))
	}
}

func TestImportWithoutTerminalNeedsYes(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	code, _, errOut := fx.kp("import", "-m", fx.mapping, "--state", filepath.Join(fx.dir, "s.db"))
	if code != exitInvalid || !strings.Contains(errOut, "--yes") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if st := fx.srv.Server.Stats(); st.Writes != 0 {
		t.Errorf("%d writes without confirmation", st.Writes)
	}
}

func TestPlanThenApply(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	// A plan for a job that does not exist yet is a plan, not a job.
	code, out, errOut := fx.kp("plan", "-m", fx.mapping, "--state", filepath.Join(fx.dir, "new.db"))
	if code != 0 || !strings.Contains(out, "new job") || fx.srv.Server.Stats().Writes != 0 {
		t.Fatalf("plan of a new job: exit %d, %d writes\n%s\n%s", code, fx.srv.Server.Stats().Writes, out, errOut)
	}
	job, err := fx.client().CreateJob(context.Background(), katapult.JobWrite{Name: "E2E survey", Model: "test"})
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(fx.dir, "plan.db")
	code, out, errOut = fx.kp("plan", "-m", fx.mapping, "--job", job.ID, "--json", "--state", state)
	if code != 0 || !strings.Contains(out, `"event":"plan"`) || !strings.Contains(out, `"tokens":340`) {
		t.Fatalf("plan --json: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = fx.kp("plan", "-m", fx.mapping, "--job", job.ID, "--max-tokens", "339", "--state", filepath.Join(fx.dir, "x.db"))
	if code != exitInvalid || !strings.Contains(errOut, "340 tokens") {
		t.Errorf("--max-tokens: exit %d %s", code, errOut)
	}

	// Someone edits the job after the plan: apply refuses, --force applies.
	writes := fx.srv.Server.Stats().Writes
	lat, lon := 40.0, -88.0
	if _, err := fx.client().UpsertNode(context.Background(), job.ID, "-Ocrewnode00000000001", katapult.NodeWrite{Latitude: &lat, Longitude: &lon}, katapult.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = fx.kp("apply", "--state", state)
	if code != exitInvalid || !strings.Contains(errOut, "changed since the plan") {
		t.Errorf("stale apply: exit %d %s", code, errOut)
	}
	if fx.srv.Server.Stats().Writes != writes+1 {
		t.Errorf("stale apply wrote")
	}
	code, out, errOut = fx.kp("apply", "--state", state, "--force")
	if code != 0 {
		t.Fatalf("apply --force: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := fx.srv.Server.Stats().Writes - writes - 1; got != 34 {
		t.Errorf("apply wrote %d, want 34", got)
	}
	code, _, errOut = fx.kp("apply", "--state", state)
	if code != exitInvalid || !strings.Contains(errOut, "resume") {
		t.Errorf("second apply of the same plan: exit %d %s", code, errOut)
	}
}

func TestImportUnderFaults(t *testing.T) {
	want := referenceJob(t, 12)
	opts := testSandboxOptions()
	opts.FailRate, opts.FailAfterApplyRate, opts.DropRate = 0.1, 0.1, 0.05
	opts.Latency, opts.LatencyJitter = 2*time.Millisecond, 2*time.Millisecond
	opts.Seed = 7
	fx := newFixture(t, opts)
	state := filepath.Join(fx.dir, "s.db")
	code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", state)
	for i := 0; code == exitFailed && i < 5; i++ { // retries may run out under 25% faults; resume continues
		code, out, errOut = fx.kp("resume", "--state", state)
	}
	if code != 0 {
		t.Fatalf("import under faults: exit %d\n%s\n%s", code, out, errOut)
	}
	if st := fx.srv.Server.Stats(); st.Failed5xx+st.Dropped == 0 {
		t.Errorf("no faults were injected: %+v", st)
	}
	_, live := fx.job()
	if got := plan.Fingerprint(live); got != want {
		t.Errorf("job under faults differs from the uninterrupted import")
	}
	fx.checkSurvey(12)
}

// referenceJob imports the fixture into a fault-free sandbox and returns the
// job's fingerprint (ids, instances, values, coordinates).
func referenceJob(t *testing.T, poles int) string {
	t.Helper()
	fx := newFixture(t, testSandboxOptions())
	fx.writeSurvey(poles, nil)
	if code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", filepath.Join(fx.dir, "s.db")); code != 0 {
		t.Fatalf("reference import: exit %d\n%s\n%s", code, out, errOut)
	}
	_, live := fx.job()
	return plan.Fingerprint(live)
}

func TestPruneDeletesWhatTheSourceDropped(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	state := filepath.Join(fx.dir, "s.db")
	if code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", state); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	// A pole the field crew added by hand is not ours: prune leaves it.
	id, _ := fx.job()
	lat, lon := 40.0, -88.0
	if _, err := fx.client().UpsertNode(context.Background(), id, "-Ocrewnode00000000001", katapult.NodeWrite{Latitude: &lat, Longitude: &lon}, katapult.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
	fx.writeSurvey(10, nil)
	before := fx.srv.Server.Stats().Writes
	code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--prune", "--state", state)
	if code != 0 {
		t.Fatalf("import --prune: exit %d\n%s\n%s", code, out, errOut)
	}
	// Two node deletes; their spans and sections go with them.
	if w := fx.srv.Server.Stats().Writes - before; w != 2 {
		t.Errorf("prune wrote %d, want 2\n%s", w, out)
	}
	_, live := fx.job()
	if len(live.Nodes) != 11 || len(live.Connections) != 9 {
		t.Errorf("after prune: %d nodes, %d connections; want 11 (10 + the crew's) and 9", len(live.Nodes), len(live.Connections))
	}
}

func TestFailedWritesExitThreeWithSourceRows(t *testing.T) {
	fx := newFixture(t, testSandboxOptions())
	if code, out, errOut := fx.kp("import", "-m", fx.mapping, "--yes", "--state", filepath.Join(fx.dir, "first.db")); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	fx.writeSurvey(12, func(i int, l string) string {
		if i == 4 || i == 5 {
			return strings.Replace(l, "leaning", "", 1) + "x" // a changed note on rows 6 and 7
		}
		return l
	})
	id, _ := fx.job()
	state := filepath.Join(fx.dir, "s.db")
	if code, out, errOut := fx.kp("plan", "-m", fx.mapping, "--state", state); code != 0 || !strings.Contains(out, "~2") {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	// Someone deletes pole P004 between plan and apply: its update fails
	// (onlyIfExists), the other goes through.
	if err := fx.client().DeleteNode(context.Background(), id, mapping.EntityID(testNamespace, mapping.Node, "poles", "P004")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := fx.kp("apply", "--state", state, "--force")
	if code != exitPartial || !strings.Contains(out, "updated 1") || !strings.Contains(out, "failed 1") {
		t.Fatalf("apply: exit %d, want 3\n%s\n%s", code, out, errOut)
	}
	code, out, _ = fx.kp("status", "--state", state)
	if code != 0 || !strings.Contains(out, "failed: poles.csv::6: update node") || !strings.Contains(out, "404") {
		t.Errorf("status:\n%s", out)
	}
}
