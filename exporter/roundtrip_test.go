package exporter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/plan"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// TestRoundTripThroughImporter is the export contract with a mapping: import
// an example into the sandbox with the real importer, export the job with
// the same mapping, and plan an import of the exported files with that
// mapping: the plan must have zero writes.
func TestRoundTripThroughImporter(t *testing.T) {
	cases := map[string]struct {
		mapping string
		files   map[string]string // extra files copied next to the mapping: name → source
	}{
		"pole-survey": {mapping: "../examples/pole-survey/mapping.yaml"},
		"gis":         {mapping: "../examples/gis/mapping.yaml"},
		"katapult-export": {mapping: "../examples/katapult-export/mapping.yaml", files: map[string]string{
			"Node_Attributes.xlsx": "../../shared/realdata/poles_katapult/CPS_6457E_03_Node_Attributes_XLSX.xlsx"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mpath := tc.mapping
			if len(tc.files) > 0 {
				dir := t.TempDir()
				for dst, src := range tc.files {
					b, err := os.ReadFile(src)
					if err != nil {
						t.Skip("realdata not present: ", err)
					}
					if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				b, err := os.ReadFile(tc.mapping)
				if err != nil {
					t.Fatal(err)
				}
				mpath = filepath.Join(dir, "mapping.yaml")
				if err := os.WriteFile(mpath, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			roundTrip(t, mpath)
		})
	}
}

func buildWith(t *testing.T, path string) (*mapping.Mapping, *mapping.Result) {
	t.Helper()
	m, err := mapping.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Build(context.Background(), formats.Open)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		if strings.Contains(res.Problems[0].Msg, "not available in this build") {
			t.Skip("reader missing: ", res.Problems[0])
		}
		t.Fatalf("%s: %d problems, first: %v", path, len(res.Problems), res.Problems[0])
	}
	return m, res
}

func roundTrip(t *testing.T, mpath string) {
	ctx := context.Background()
	m, res := buildWith(t, mpath)

	opts := sandbox.DefaultOptions()
	opts.MinInterval, opts.Bucket = 0, 1<<30
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	c := katapult.New(run.URL, run.Key, katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond, Refill: time.Minute})))
	lim := throttle.Limits{MinInterval: time.Millisecond, Refill: time.Minute}

	job, err := importer.ResolveJob(ctx, c, m, "", true)
	if err != nil {
		t.Fatal(err)
	}
	planned, err := importer.Make(ctx, c, m, res.Sets, job, false, lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(planned.Ops) == 0 {
		t.Fatal("the first import plans no writes")
	}
	st, err := importer.Save(filepath.Join(t.TempDir(), "state.db"), planned)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := importer.Execute(ctx, c, st, "import", 8, nil)
	st.Close()
	if err != nil || sum.Failed > 0 {
		t.Fatalf("import: %+v, %v", sum, err)
	}

	live, err := Fetch(ctx, c, job.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	files, probs, err := Reverse(m, live)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Logf("not invertible: %v", p)
	}
	out := t.TempDir()
	for _, f := range files {
		if _, err := WriteFile(filepath.Join(out, f.Path), f.Format, f.Layers, f.Delim); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "mapping.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, again := buildWith(t, filepath.Join(out, "mapping.yaml"))
	if got, want := again.Entities(), res.Entities(); got != want {
		t.Errorf("exported files build %d entities, the sources %d", got, want)
	}
	nodes, err := c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conns, err := c.ListConnections(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Diff(again.Sets, plan.Live{Nodes: nodes, Connections: conns}, plan.Options{Namespace: m.Namespace})
	if len(p.Ops) != 0 || len(p.Problems) != 0 {
		for i, o := range p.Ops {
			if i == 10 {
				break
			}
			t.Errorf("re-import writes: %s", o.Summary())
		}
		t.Fatalf("re-import of the export plans %d writes (%d problems), want 0", len(p.Ops), len(p.Problems))
	}
}
