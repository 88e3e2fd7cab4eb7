package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
)

const ns = "test-ns"

func id(kind mapping.Kind, set, key string) string { return mapping.EntityID(ns, kind, set, key) }
func inst(entity, attr string, i int) string       { return mapping.InstanceID(ns, entity, attr, i) }

// survey is two poles, a span between them and a midpoint section.
func survey() []*mapping.SetResult {
	p1, p2 := id(mapping.Node, "poles", "P1"), id(mapping.Node, "poles", "P2")
	span := id(mapping.Connection, "spans", "P1->P2")
	loc := func(lat, lon float64) *mapping.LatLon { return &mapping.LatLon{Lat: lat, Lon: lon} }
	return []*mapping.SetResult{
		// Sections first: Diff must order by kind, not by input order.
		{Set: &mapping.Set{Kind: mapping.Section, Name: "mid"}, Entities: []*mapping.Entity{{
			Kind: mapping.Section, Set: "mid", Key: "P1->P2", ID: id(mapping.Section, "mid", "P1->P2"), Midpoint: true,
			Connection: &mapping.Ref{Set: "spans", ID: span},
			Attrs:      mapping.MakeAttrs(mapping.NewAttr("note", "mid")),
			Source:     mapping.Loc{File: "s.xlsx", Sheet: "Mid", Row: 2},
		}}},
		{Set: &mapping.Set{Kind: mapping.Node, Name: "poles"}, Entities: []*mapping.Entity{
			{Kind: mapping.Node, Set: "poles", Key: "P1", ID: p1, Location: loc(47.5, -122.25),
				Attrs:  mapping.MakeAttrs(mapping.NewAttr("node_type", "pole"), mapping.NewAttr("pole_height", 40.0), mapping.NewAttr("note")),
				Source: mapping.Loc{File: "s.xlsx", Sheet: "Poles", Row: 2}},
			{Kind: mapping.Node, Set: "poles", Key: "P2", ID: p2, Location: loc(47.5, -122.0),
				Attrs:  mapping.MakeAttrs(mapping.NewAttr("node_type", "pole"), mapping.NewAttr("pole_height", 45.0), mapping.NewAttr("note")),
				Source: mapping.Loc{File: "s.xlsx", Sheet: "Poles", Row: 3}},
		}},
		{Set: &mapping.Set{Kind: mapping.Connection, Name: "spans"}, Entities: []*mapping.Entity{{
			Kind: mapping.Connection, Set: "spans", Key: "P1->P2", ID: span,
			Node1: &mapping.Ref{Set: "poles", ID: p1}, Node2: &mapping.Ref{Set: "poles", ID: p2},
			Attrs:  mapping.MakeAttrs(mapping.NewAttr("connection_type", "aerial cable")),
			Source: mapping.Loc{File: "s.xlsx", Sheet: "Spans", Row: 2},
		}}},
	}
}

// liveOf is the job as the API would return it after the survey was
// applied, written out by hand (numbers as strings, as some API paths do).
func liveOf() Live {
	p1, p2 := id(mapping.Node, "poles", "P1"), id(mapping.Node, "poles", "P2")
	span := id(mapping.Connection, "spans", "P1->P2")
	sec := id(mapping.Section, "mid", "P1->P2")
	return Live{
		Nodes: []katapult.Node{
			{ID: p1, Latitude: 47.5, Longitude: -122.25, Attributes: katapult.Attributes{
				"node_type": {inst(p1, "node_type", 0): "pole"}, "pole_height": {inst(p1, "pole_height", 0): "40"}}},
			{ID: p2, Latitude: 47.5 + 1e-12, Longitude: -122.0, Attributes: katapult.Attributes{
				"node_type": {inst(p2, "node_type", 0): "pole"}, "pole_height": {inst(p2, "pole_height", 0): 45.0}}},
		},
		Connections: []katapult.Connection{{ID: span, NodeID1: p1, NodeID2: p2,
			Attributes: katapult.Attributes{"connection_type": {inst(span, "connection_type", 0): "aerial cable"}},
			Sections: map[string]katapult.Section{sec: {ID: sec, Latitude: 47.5, Longitude: -122.125,
				Attributes: katapult.Attributes{"note": {inst(sec, "note", 0): "mid"}}}}}},
	}
}

func TestFirstImportCreatesInDependencyOrder(t *testing.T) {
	p := Diff(survey(), Live{}, Options{Namespace: ns})
	if len(p.Problems) != 0 {
		t.Fatalf("problems: %v", p.Problems)
	}
	var kinds []string
	for _, o := range p.Ops {
		if o.Action != Create {
			t.Errorf("op %s: action %s, want create", o.EntityID, o.Action)
		}
		kinds = append(kinds, string(o.Kind))
	}
	if got := strings.Join(kinds, ","); got != "node,node,connection,section" {
		t.Errorf("op order = %s", got)
	}
	if p.Tokens() != 40 {
		t.Errorf("Tokens = %d, want 40", p.Tokens())
	}
	var nw katapult.NodeWrite
	if err := json.Unmarshal(p.Ops[0].Body, &nw); err != nil {
		t.Fatal(err)
	}
	p1 := id(mapping.Node, "poles", "P1")
	if nw.Latitude == nil || *nw.Latitude != 47.5 || nw.Attributes["pole_height"][inst(p1, "pole_height", 0)] != 40.0 {
		t.Errorf("node body = %s", p.Ops[0].Body)
	}
	if _, ok := nw.Attributes["note"]; ok {
		t.Errorf("empty-skip attribute written on create: %s", p.Ops[0].Body)
	}
	var cw katapult.ConnectionWrite
	json.Unmarshal(p.Ops[2].Body, &cw)
	if cw.NodeID1 != p1 || cw.NodeID2 != id(mapping.Node, "poles", "P2") {
		t.Errorf("connection body = %s", p.Ops[2].Body)
	}
	var sw katapult.SectionWrite
	json.Unmarshal(p.Ops[3].Body, &sw)
	if sw.MakeMidpoint || sw.Latitude == nil || *sw.Latitude != 47.5 || *sw.Longitude != -122.125 {
		t.Errorf("midpoint section body = %s", p.Ops[3].Body)
	}
	if p.Ops[3].ParentID != id(mapping.Connection, "spans", "P1->P2") {
		t.Errorf("section parent = %s", p.Ops[3].ParentID)
	}
	if p.Ops[0].Source.Row != 2 || p.Ops[0].Source.Sheet != "Poles" {
		t.Errorf("op source = %+v", p.Ops[0].Source)
	}
}

func TestReimportUnchanged(t *testing.T) {
	p := Diff(survey(), liveOf(), Options{Namespace: ns, Prune: true})
	if len(p.Ops) != 0 || len(p.Problems) != 0 {
		t.Fatalf("ops %v problems %v, want none", p.Ops, p.Problems)
	}
	total := 0
	for _, s := range p.Sets {
		total += s.Unchanged
	}
	if total != 4 {
		t.Errorf("unchanged = %d, want 4 (%+v)", total, p.Sets)
	}
}

func TestOneChangedCellIsOneMinimalUpdate(t *testing.T) {
	sets := survey()
	sets[1].Entities[1].Attrs = mapping.MakeAttrs(mapping.NewAttr("node_type", "pole"), mapping.NewAttr("pole_height", 50.0), mapping.NewAttr("note")) // P2: 45 -> 50
	p := Diff(sets, liveOf(), Options{Namespace: ns})
	if len(p.Ops) != 1 {
		t.Fatalf("ops = %v, want one update", p.Ops)
	}
	o := p.Ops[0]
	p2 := id(mapping.Node, "poles", "P2")
	want := `{"attributes":{"pole_height":{"` + inst(p2, "pole_height", 0) + `":50}}}`
	if o.Action != Update || string(o.Body) != want {
		t.Errorf("update = %s %s, want %s", o.Action, o.Body, want)
	}
	if len(o.Changes) != 1 || o.Changes[0] != "pole_height: 45 → 50" {
		t.Errorf("changes = %q", o.Changes)
	}
}

func TestOthersInstancesLeftAlone(t *testing.T) {
	live := liveOf()
	p1 := live.Nodes[0].ID
	// A field crew's note, and a note kpbulk wrote earlier that is now empty.
	live.Nodes[0].Attributes["note"] = map[string]any{"-Ocrew0000000000000": "leaning", inst(p1, "note", 0): "old"}
	live.Nodes[0].Attributes["pole_height"]["-Ocrew0000000000001"] = "41"
	p := Diff(survey(), live, Options{Namespace: ns})
	if len(p.Ops) != 1 {
		t.Fatalf("ops = %v", p.Ops)
	}
	want := `{"attributes":{"note":{"` + inst(p1, "note", 0) + `":null}}}`
	if string(p.Ops[0].Body) != want {
		t.Errorf("body = %s, want %s", p.Ops[0].Body, want)
	}
}

func TestMovedNodeAndMidpointFollow(t *testing.T) {
	sets := survey()
	sets[1].Entities[0].Location = &mapping.LatLon{Lat: 47.6, Lon: -122.25}
	p := Diff(sets, liveOf(), Options{Namespace: ns})
	if len(p.Ops) != 2 || p.Ops[0].Kind != mapping.Node || p.Ops[1].Kind != mapping.Section {
		t.Fatalf("ops = %v", p.Ops)
	}
	var sw katapult.SectionWrite
	json.Unmarshal(p.Ops[1].Body, &sw)
	if sw.Latitude == nil || *sw.Latitude != (47.6+47.5)/2 {
		t.Errorf("section body = %s", p.Ops[1].Body)
	}
}

func TestMatch(t *testing.T) {
	live := liveOf()
	crew := katapult.Node{ID: "-Ocrewnode000000000a", Latitude: 1, Longitude: 2,
		Attributes: katapult.Attributes{"scid": {"-Oi0000000000000000": 7.0}}}
	live.Nodes = append(live.Nodes, crew)
	sets := []*mapping.SetResult{{Set: &mapping.Set{Kind: mapping.Node, Name: "enrich"}, Entities: []*mapping.Entity{
		{Kind: mapping.Node, Set: "enrich", Match: &mapping.Match{Attribute: "scid", Value: "7"},
			Attrs: mapping.MakeAttrs(mapping.NewAttr("owner", "ACME")), Source: mapping.Loc{File: "e.csv", Row: 2}},
		{Kind: mapping.Node, Set: "enrich", Match: &mapping.Match{Attribute: "scid", Value: "8"},
			Attrs: mapping.MakeAttrs(mapping.NewAttr("owner", "ACME")), Source: mapping.Loc{File: "e.csv", Row: 3}},
	}}}
	p := Diff(sets, live, Options{Namespace: ns})
	if len(p.Ops) != 1 || p.Ops[0].EntityID != crew.ID || p.Ops[0].Action != Update {
		t.Fatalf("ops = %v", p.Ops)
	}
	if !strings.Contains(string(p.Ops[0].Body), inst(crew.ID, "owner", 0)) {
		t.Errorf("body = %s", p.Ops[0].Body)
	}
	if len(p.Unmatched) != 1 || p.Unmatched[0].Row != 3 || !strings.Contains(p.Unmatched[0].String(), `scid = "8"`) {
		t.Errorf("unmatched = %v", p.Unmatched)
	}

	// A connection whose end is matched by scid.
	conn := []*mapping.SetResult{{Set: &mapping.Set{Kind: mapping.Connection, Name: "drops"}, Entities: []*mapping.Entity{{
		Kind: mapping.Connection, Set: "drops", Key: "d", ID: id(mapping.Connection, "drops", "d"),
		Node1: &mapping.Ref{ID: live.Nodes[0].ID}, Node2: &mapping.Ref{Match: &mapping.Match{Attribute: "scid", Value: "7"}},
	}}}}
	p = Diff(conn, live, Options{Namespace: ns})
	var cw katapult.ConnectionWrite
	if len(p.Ops) != 1 || json.Unmarshal(p.Ops[0].Body, &cw) != nil || cw.NodeID2 != crew.ID {
		t.Errorf("matched endpoint: ops %v problems %v", p.Ops, p.Problems)
	}
	conn[0].Entities[0].Node2.Match.Value = "9"
	p = Diff(conn, live, Options{Namespace: ns})
	if len(p.Ops) != 0 || len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Msg, "node_2") {
		t.Errorf("dangling match: ops %v problems %v", p.Ops, p.Problems)
	}
}

func TestPrune(t *testing.T) {
	live := liveOf()
	gone := id(mapping.Node, "poles", "P9")
	goneSpan := id(mapping.Connection, "spans", "P1->P9")
	crewSpan := "-Ocrewspan00000000000"
	live.Nodes = append(live.Nodes,
		katapult.Node{ID: gone, Latitude: 1, Longitude: 1},
		katapult.Node{ID: "-Ocrewnode000000000b", Latitude: 1, Longitude: 1})
	p1 := live.Nodes[0].ID
	live.Connections = append(live.Connections,
		katapult.Connection{ID: goneSpan, NodeID1: p1, NodeID2: gone}, // cascades with P9
		katapult.Connection{ID: crewSpan, NodeID1: p1, NodeID2: live.Nodes[1].ID, Sections: map[string]katapult.Section{
			id(mapping.Section, "mid", "old"): {Latitude: 1, Longitude: 1}}})
	p := Diff(survey(), live, Options{Namespace: ns, Prune: true})
	var got []string
	for _, o := range p.Ops {
		got = append(got, string(o.Action)+" "+string(o.Kind)+" "+o.EntityID)
	}
	want := []string{
		"delete section " + id(mapping.Section, "mid", "old"),
		"delete node " + gone,
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("prune ops =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Ops[0].ParentID != crewSpan {
		t.Errorf("section delete parent = %s", p.Ops[0].ParentID)
	}
	last := p.Sets[len(p.Sets)-1]
	if last.Name != PruneSet || last.Deletes != 3 {
		t.Errorf("prune count = %+v, want 3 deletes (one cascades)", last)
	}
	if q := Diff(survey(), live, Options{Namespace: ns}); len(q.Ops) != 0 {
		t.Errorf("without --prune: %v", q.Ops)
	}
}

func TestEqual(t *testing.T) {
	cases := []struct {
		want, got any
		eq        bool
	}{
		{40.0, "40", true}, {40.0, " 40.0 ", true}, {40.0, 40.0, true}, {40.0, "41", false}, {40.0, "x", false},
		{int64(3), 3.0, true}, {"001", 1.0, false}, {"1", 1.0, true}, {"a", "a", true}, {"a", "a ", false},
		{true, true, true}, {true, "true", true}, {false, "true", false},
		{map[string]any{"h": "45"}, map[string]any{"h": "45"}, true},
		{map[string]any{"h": "45"}, map[string]any{"h": "45", "c": "2"}, false},
	}
	for _, c := range cases {
		if got := Equal(c.want, c.got); got != c.eq {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", c.want, c.got, got, c.eq)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a, b := liveOf(), liveOf()
	b.Nodes[0], b.Nodes[1] = b.Nodes[1], b.Nodes[0]
	b.Nodes[0].LastUpdated = "2026-01-01T00:00:00Z"
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("fingerprint depends on order or timestamps")
	}
	b.Nodes[1].Attributes["pole_height"][inst(b.Nodes[1].ID, "pole_height", 0)] = "41"
	if Fingerprint(a) == Fingerprint(b) {
		t.Error("fingerprint ignores an attribute change")
	}
}
