package mapping

import (
	"strings"
	"testing"
)

// TestInverterRoundTrip builds entities from rows, turns them into live
// entities as the API would hold them, and checks that the inverter writes
// the same rows back.
func TestInverterRoundTrip(t *testing.T) {
	m := parse(t, `version: 1
namespace: t
nodes:
  - name: poles
    source: p.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      node_type: pole
      pole_tag: "{Tag}"
      h: {value: "{H}", unit: ft-in}
      cls: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2"}}
      tags: {value: "{Tags}", split: ","}
      bb: {fields: {pole_class: "{BC}", pole_height: {value: "{BH}", type: integer}}}
      ref: "{Owner}/{Num}"
connections:
  - name: spans
    source: s.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable
`)
	src := sources{
		"p.csv": table("Tag|Lat|Lon|H|Class|Tags|BC|BH|Owner|Num",
			"A|29.5|-98.25|35-6|1|x,y|3|40|ACME|7/b",
			"B|29.25|-98.5|40-0|2|z|||CPS|12"),
		"s.csv": table("From|To", "A|B"),
	}
	res := build(t, m, src)
	if !res.OK() {
		t.Fatalf("%s", problems(res))
	}
	live := map[string]LiveEntity{}
	for _, sr := range res.Sets {
		for _, e := range sr.Entities {
			le := LiveEntity{Kind: e.Kind, ID: e.ID, Attrs: map[string][]any{}}
			if e.Location != nil {
				le.Lat, le.Lon, le.HasLocation = e.Location.Lat, e.Location.Lon, true
			}
			for a := range e.Attrs.All() {
				for _, v := range a.Values() {
					// The API returns JSON: integers come back as float64.
					if i, ok := v.(int64); ok {
						v = float64(i)
					}
					if o, ok := v.(map[string]any); ok {
						c := map[string]any{}
						for k, x := range o {
							if i, ok := x.(int64); ok {
								x = float64(i)
							}
							c[k] = x
						}
						v = c
					}
					le.Attrs[a.Name] = append(le.Attrs[a.Name], v)
				}
			}
			if e.Node1 != nil {
				le.Node1, le.Node2 = e.Node1.ID, e.Node2.ID
			}
			live[e.ID] = le
		}
	}
	lookup := func(id string) (LiveEntity, bool) { e, ok := live[id]; return e, ok }

	poles, probs := m.Set("poles").Inverter()
	if len(probs) != 0 {
		t.Fatalf("poles problems: %v", probs)
	}
	if got := strings.Join(poles.Columns(), "|"); got != "Tag|Lat|Lon|H|Class|Tags|BC|BH|Owner|Num" {
		t.Errorf("columns %s", got)
	}
	for i, e := range res.Sets[0].Entities {
		row, ok := poles.Row(live[e.ID], lookup)
		if !ok {
			t.Fatalf("pole %s not in its set", e.Key)
		}
		if got, want := strings.Join(row, "|"), src["p.csv"].rows[i].Values; got != strings.Join(want, "|") {
			t.Errorf("row %d: %s, want %s", i, got, strings.Join(want, "|"))
		}
	}
	spans, probs := m.Set("spans").Inverter()
	if len(probs) != 0 {
		t.Fatalf("spans problems: %v", probs)
	}
	span := live[res.Sets[1].Entities[0].ID]
	if row, ok := spans.Row(span, lookup); !ok || strings.Join(row, "|") != "A|B" {
		t.Errorf("span row %q %v", row, ok)
	}
	// Membership: a span is not a pole; a node with another node_type is not
	// in poles; a connection with another type is not in spans.
	if _, ok := poles.Row(span, lookup); ok {
		t.Error("a connection inverted as a pole")
	}
	if _, ok := poles.Row(LiveEntity{Kind: Node, Attrs: map[string][]any{"node_type": {"anchor"}}}, lookup); ok {
		t.Error("an anchor inverted as a pole")
	}
	span.Attrs["connection_type"] = []any{"underground cable"}
	if _, ok := spans.Row(span, lookup); ok {
		t.Error("underground cable inverted as aerial span")
	}
	if poles.Geometry() {
		t.Error("csv source reported as geometry")
	}
}

func TestInverterProblems(t *testing.T) {
	m := parse(t, `version: 1
namespace: t
nodes:
  - name: poles
    source: p.csv
    key: "{Tag}-{Seq}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      pole_tag: "{Tag}"
      cls: {value: "{Class}", map: {"1": "Class 1", "01": "Class 1"}}
      glued: "{A}{B}"
      pos: "{#3}"
      n: "{_row}"
`)
	inv, probs := m.Set("poles").Inverter()
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, p.String())
	}
	got := strings.Join(msgs, "\n")
	for _, w := range []string{
		`m.yaml:11:7: set "poles": attribute cls cannot be exported: its map is not one-to-one: "1" and "01" both map to "Class 1"`,
		`m.yaml:12:14: set "poles": attribute glued "{A}{B}" cannot be exported: two placeholders with no text between them cannot be told apart`,
		`attribute pos "{#3}" cannot be exported: {#3} names a column by position`,
		`attribute n "{_row}" cannot be exported: {_row} is the row number`,
		`m.yaml:6:10: set "poles": key column "Seq" is not written by any attribute or reference`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if strings.Join(inv.Columns(), "|") != "Tag|Seq|Lat|Lon|Class|A|B" {
		t.Errorf("columns %v", inv.Columns())
	}
}

func TestInvTemplateFill(t *testing.T) {
	tp, _ := ParseTemplate("<{A}->{B}>")
	inv := &Inverter{colIdx: map[string]int{}}
	it, why := inv.invertible(tp)
	if why != "" {
		t.Fatal(why)
	}
	for in, want := range map[string]string{
		"<x->y>":    "x|y",
		"<x->y->z>": "x|y->z", // first separator wins
		"<->>":      "|",
		"x->y":      "|", // prefix does not match: nothing filled
	} {
		vals := make([]string, 2)
		it.fill(in, vals)
		if got := strings.Join(vals, "|"); got != want {
			t.Errorf("fill(%q) = %s, want %s", in, got, want)
		}
	}
}
