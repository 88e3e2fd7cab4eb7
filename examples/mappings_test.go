package examples_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/examples/internal/gen"
	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/mapping"
)

// build loads a mapping and builds it through the real readers, failing the
// test on any problem. It returns the result and, per set, the entities by
// key (match sets, which have no key, only in the result).
func build(t *testing.T, path string) (*mapping.Mapping, *mapping.Result, map[string]map[string]*mapping.Entity) {
	t.Helper()
	m, err := mapping.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	res, err := m.Build(context.Background(), formats.Open)
	if err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
	for _, p := range res.Problems {
		t.Errorf("%s: %s", path, p)
	}
	sets := map[string]map[string]*mapping.Entity{}
	for _, sr := range res.Sets {
		byKey := map[string]*mapping.Entity{}
		for _, e := range sr.Entities {
			if e.Match != nil {
				continue
			}
			if byKey[e.Key] != nil {
				t.Errorf("%s: set %s has key %q twice", path, sr.Set.Name, e.Key)
			}
			byKey[e.Key] = e
		}
		sets[sr.Set.Name] = byKey
	}
	return m, res, sets
}

// attr returns the values of an entity's attribute (nil when absent or
// skipped).
func attr(e *mapping.Entity, name string) []any {
	for a := range e.Attrs.All() {
		if a.Name == name && !a.Skip() {
			return a.Values()
		}
	}
	return nil
}

// checkCount stops the test when a set has the wrong number of entities:
// the per-entity checks after it would only repeat that.
func checkCount(t *testing.T, sets map[string]map[string]*mapping.Entity, set string, want int) {
	t.Helper()
	if got := len(sets[set]); got != want {
		t.Fatalf("set %s: %d entities, want %d", set, got, want)
	}
}

func near(a, b float64, tol float64) bool { return math.Abs(a-b) <= tol }

func TestPoleSurveyMapping(t *testing.T) {
	m, _, sets := build(t, "pole-survey/mapping.yaml")
	if m.Job == nil || m.Job.Name != "Pole survey example" || m.Job.Model != "example" {
		t.Errorf("job block = %+v, want name %q, model %q", m.Job, "Pole survey example", "example")
	}
	s := gen.PoleSurvey()
	checkCount(t, sets, "poles", len(s.Poles))
	checkCount(t, sets, "spans", len(s.Spans))
	checkCount(t, sets, "midspans", len(s.Midspans))

	for _, p := range s.Poles {
		e := sets["poles"][p.Tag]
		if e == nil {
			t.Errorf("pole %s missing", p.Tag)
			continue
		}
		if e.Location == nil || e.Location.Lat != p.At.Lat || e.Location.Lon != p.At.Lon {
			t.Errorf("pole %s at %+v, want %+v", p.Tag, e.Location, p.At)
		}
		want := map[string][]any{
			"node_type":   {"pole"},
			"pole_tag":    {p.Tag},
			"pole_height": {float64(p.HeightFt)},
			"pole_class":  {"Class " + p.Class},
			"address":     {p.Street + ", Champaign, IL"},
		}
		if p.Notes != "" {
			want["note"] = []any{p.Notes}
		}
		if !p.Installed.IsZero() {
			want["install_date"] = []any{p.Installed.Format("2006-01-02")}
		}
		for name, w := range want {
			if got := attr(e, name); !reflect.DeepEqual(got, w) {
				t.Errorf("pole %s (row %d): %s = %#v, want %#v", p.Tag, e.Source.Row, name, got, w)
			}
		}
		if p.Notes == "" && attr(e, "note") != nil {
			t.Errorf("pole %s: empty note written as %#v", p.Tag, attr(e, "note"))
		}
	}

	for _, sp := range s.Spans {
		e := sets["spans"][sp.From.Tag+"->"+sp.To.Tag]
		if e == nil {
			t.Errorf("span %s->%s missing", sp.From.Tag, sp.To.Tag)
			continue
		}
		from, to := sets["poles"][sp.From.Tag], sets["poles"][sp.To.Tag]
		if e.Node1 == nil || e.Node2 == nil || from == nil || to == nil || e.Node1.ID != from.ID || e.Node2.ID != to.ID {
			t.Errorf("span %s->%s does not join its poles: %+v %+v", sp.From.Tag, sp.To.Tag, e.Node1, e.Node2)
		}
		if got := attr(e, "span_length"); len(got) != 1 || !near(got[0].(float64), sp.LengthM/0.3048, 1e-6) {
			t.Errorf("span %s->%s: span_length = %#v, want %.4f ft", sp.From.Tag, sp.To.Tag, got, sp.LengthM/0.3048)
		}
	}

	for _, ms := range s.Midspans {
		key := ms.Span.From.Tag + "->" + ms.Span.To.Tag + "#" + strconv.Itoa(ms.Seq)
		e := sets["midspans"][key]
		if e == nil {
			t.Errorf("midspan %s missing", key)
			continue
		}
		span := sets["spans"][ms.Span.From.Tag+"->"+ms.Span.To.Tag]
		if e.Connection == nil || span == nil || e.Connection.ID != span.ID {
			t.Errorf("midspan %s is not on its span: %+v", key, e.Connection)
		}
		if got := attr(e, "midspan_number"); !reflect.DeepEqual(got, []any{int64(ms.Seq)}) {
			t.Errorf("midspan %s: midspan_number = %#v, want %d", key, got, ms.Seq)
		}
		if got := attr(e, "lowest_wire_height"); len(got) != 1 || !near(got[0].(float64), float64(ms.LowestWireIn)/12, 1e-9) {
			t.Errorf("midspan %s: lowest_wire_height = %#v, want %g ft", key, got, float64(ms.LowestWireIn)/12)
		}
	}
}

// TestKatapultExportMapping runs the katapult-export mapping on a real Node
// Attributes export, copied beside a copy of the mapping as the README
// tells users to do.
func TestKatapultExportMapping(t *testing.T) {
	src := filepath.Join(moduleRoot(t), "..", "shared", "realdata", "poles_katapult", "CPS_6457E_03_Node_Attributes_XLSX.xlsx")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Skip("realdata not present: " + src)
	}
	dir := t.TempDir()
	mp, err := os.ReadFile("katapult-export/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mapping.yaml"), mp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Node_Attributes.xlsx"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, sets := build(t, filepath.Join(dir, "mapping.yaml"))
	checkCount(t, sets, "nodes", 43)
	byRow := map[int]*mapping.Entity{}
	for _, e := range sets["nodes"] {
		byRow[e.Source.Row] = e
	}

	// Values read off the export by hand (rows 4, 12 and 33).
	pole := byRow[4]
	if pole == nil {
		t.Fatal("node of row 4 (scid 002) missing")
	}
	for name, want := range map[string][]any{
		"node_type":         {"pole"},
		"scid":              {"002"},
		"pole_tag":          {map[string]any{"tagtext": "398491"}},
		"birthmark_brand":   {map[string]any{"measured_groundline_circumference": "34", "pole_class": "2", "pole_height": "45", "pole_species*": "SPC"}},
		"kat_power_MR_type": {"Move Power Wire", "Move Comm Wire"},
		"field_completed":   {true},
		"MR_clearance":      nil, // false in Katapult: an empty cell
	} {
		if got := attr(pole, name); !reflect.DeepEqual(got, want) {
			t.Errorf("row 4: %s = %#v, want %#v", name, got, want)
		}
	}
	if pole.Location == nil || !near(pole.Location.Lat, 29.2941155389155, 1e-12) || !near(pole.Location.Lon, -98.4162233446869, 1e-12) {
		t.Errorf("row 4 at %+v", pole.Location)
	}
	if got := attr(byRow[12], "kat_power_MR_type"); len(got) != 4 {
		t.Errorf("row 12: kat_power_MR_type = %#v, want 4 instances", got)
	}
	guy := byRow[33]
	if guy == nil {
		t.Fatal("node of row 33 (a down guy without scid) missing")
	}
	if got := attr(guy, "node_type"); !reflect.DeepEqual(got, []any{"Down Guy"}) {
		t.Errorf("row 33: node_type = %#v", got)
	}
	if got := attr(guy, "sizes_of_attached_dn_guys"); !reflect.DeepEqual(got, []any{"7.7M,10M"}) {
		t.Errorf("row 33: sizes_of_attached_dn_guys = %#v, want one value with its comma", got)
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// TestReadmeCounts keeps the counts the README and the mapping's comment
// quote in step with the generator.
func TestReadmeCounts(t *testing.T) {
	s := gen.PoleSurvey()
	for _, c := range []struct{ file, want string }{
		{"README.md", fmt.Sprintf("Poles (%d), Spans (%d), Midspans (%d)", len(s.Poles), len(s.Spans), len(s.Midspans))},
		{"README.md", fmt.Sprintf("`inspections.csv` (%d rows)", len(gen.Inspections(s)))},
		{"pole-survey/mapping.yaml", fmt.Sprintf("holds %d poles", len(s.Poles))},
	} {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s should say %q", c.file, c.want)
		}
	}
}

func TestEnrichMapping(t *testing.T) {
	m, res, _ := build(t, "enrich/mapping.yaml")
	if m.Job == nil || m.Job.Name != "Pole survey example" {
		t.Errorf("job block = %+v, want the pole survey's job", m.Job)
	}
	ins := gen.Inspections(gen.PoleSurvey())
	got := res.Sets[0].Entities
	if len(got) != len(ins) {
		t.Fatalf("%d entities, want %d", len(got), len(ins))
	}
	for i, e := range got {
		in := ins[i]
		want := mapping.Match{Attribute: "scid", Value: strconv.Itoa(in.Pole.Seq)}
		if e.ID != "" || e.Match == nil || *e.Match != want {
			t.Errorf("row %d: id %q, match %+v, want no id and match %+v", e.Source.Row, e.ID, e.Match, want)
		}
		if g := attr(e, "pole_condition"); !reflect.DeepEqual(g, []any{in.Condition}) {
			t.Errorf("row %d: pole_condition = %#v, want %q", e.Source.Row, g, in.Condition)
		}
		if g := attr(e, "inspection_note"); in.Remarks == "" && g != nil || in.Remarks != "" && !reflect.DeepEqual(g, []any{in.Remarks}) {
			t.Errorf("row %d: inspection_note = %#v, want %q", e.Source.Row, g, in.Remarks)
		}
	}
}
