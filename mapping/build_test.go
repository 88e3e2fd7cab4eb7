package mapping

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/rows"
)

func TestBuildRowProblems(t *testing.T) {
	m := parse(t, `version: 1
namespace: t
nodes:
  - name: poles
    source: p.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      pole_class: {value: "{Class}", map: {"1": "Class 1"}}
      h: {value: "{H}", type: number, required: true}
connections:
  - name: spans
    source: s.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
`)
	res := build(t, m, sources{
		"p.csv": table("Tag|Lat|Lon|Class|H",
			"A|10|20|1|30",      // row 2 ok
			"B|95|20|1|30",      // row 3 latitude out of range
			"C|10|abc|1|30",     // row 4 longitude not a number
			"A|10|20|1|30",      // row 5 duplicate of row 2
			"D|10|20|7|30",      // row 6 unmapped class
			"E|10|20|1|",        // row 7 required empty
			"|10|20|1|3",        // row 8 empty key
			"F| 10.5 |-20 |1|3", // row 9 ok: numbers ignore spaces
		),
		"s.csv": table("From|To", "A|F", "A|B", "A|Z", "A|A"),
	})
	want := []string{
		`p.csv::3:Lat: latitude 95 is out of range -90..90 (value "95")`,
		`p.csv::4:Lon: longitude is not a number (value "abc")`,
		`p.csv::5:Tag: duplicate key in set "poles": row 2 has the same key (value "A")`,
		`p.csv::6:Class: attribute pole_class: no map entry for this value (the map has "1") and no default (value "7")`,
		`p.csv::7:H: attribute h: required value is empty`,
		`p.csv::8:Tag: the key "{Tag}" is empty`,
		`s.csv::3:To: node_2: the node with this key in set "poles" is invalid (its row 3) (value "B")`,
		`s.csv::4:To: node_2: no node with this key in set "poles" (value "Z")`,
		`s.csv::5:To: node_1 and node_2 are the same node (value "A")`,
	}
	got := problems(res)
	if got != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	poles, spans := res.Sets[0], res.Sets[1]
	if poles.Rows != 8 || len(poles.Entities) != 2 || len(poles.Rejects) != 6 || poles.Errors != 6 {
		t.Errorf("poles rows %d entities %d rejects %d errors %d", poles.Rows, len(poles.Entities), len(poles.Rejects), poles.Errors)
	}
	if loc := poles.Entities[1].Location; *loc != (LatLon{10.5, -20}) {
		t.Errorf("F location %+v", loc)
	}
	rj := poles.Rejects[0]
	if rj.Source.Row != 3 || strings.Join(rj.Values, "|") != "B|95|20|1|30" || len(rj.Errors) != 1 || rj.Columns[0] != "Tag" {
		t.Errorf("reject %+v", rj)
	}
	if len(spans.Entities) != 1 || spans.Entities[0].Key != "A->F" {
		t.Errorf("spans %+v", spans.Entities)
	}
}

func TestBuildMissingColumnAndSource(t *testing.T) {
	m := parse(t, minimal+`    attributes:
      h: "{Heigth}"
connections:
  - name: spans
    source: missing.csv
    key: "{A}"
    node_1: {set: poles, key: "{A}"}
    node_2: {set: poles, key: "{B}"}
`)
	res := build(t, m, sources{"p.csv": table("Tag|Lat|Lon|Height", "A|1|2|3")})
	got := problems(res)
	for _, w := range []string{
		`m.yaml:10:10: set "poles", attribute h: column "Heigth" not found; the columns are: "Tag", "Lat", "Lon", "Height" (in p.csv)`,
		`missing.csv:::: no such file`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if res.Sets[0].Rows != 1 || len(res.Sets[0].Entities) != 0 {
		t.Errorf("a set with a bad template reads rows but makes no entities: %+v", res.Sets[0])
	}
}

func TestBuildValues(t *testing.T) {
	m := parse(t, minimal+`    attributes:
      node_type: pole
      has_power: true
      h_m: {value: "{M}", unit: m}
      h_in: {value: "{In}", unit: in}
      h_ftin: {value: "{FtIn}", unit: ft-in}
      count: {value: "{N}", type: integer}
      flag: {value: "{B}", type: boolean}
      tags: {value: "{Tags}", split: ","}
      note: {value: "{Note}", empty: write}
      cls: {value: "{C}", map: {"": unknown, "1": "Class 1"}, default: other}
      label: "{Tag} / {{row {_row}}} / {#5}"
      birthmark_brand: {fields: {pole_class: "{C}", pole_height: {value: "{N}", type: integer}}}
`)
	res := build(t, m, sources{"p.csv": table("Tag|Lat|Lon|M|In|FtIn|N|B|Tags|Note|C",
		`A|1|2|10|54|35' 6"|45.0|yes|x, y ,,z| |`,
		`B|1|2|3.048|12|35-6|7|0|solo||9`,
	)})
	if !res.OK() {
		t.Fatalf("problems:\n%s", problems(res))
	}
	get := func(e *Entity, name string) Attr {
		for a := range e.Attrs.All() {
			if a.Name == name {
				return a
			}
		}
		t.Fatalf("no attribute %s", name)
		return Attr{}
	}
	a, b := res.Sets[0].Entities[0], res.Sets[0].Entities[1]
	checks := []struct {
		e    *Entity
		name string
		want []any
	}{
		{a, "node_type", []any{"pole"}},
		{a, "has_power", []any{true}},
		{a, "h_m", []any{10 / 0.3048}},
		{b, "h_m", []any{10.0}},
		{a, "h_in", []any{4.5}},
		{a, "h_ftin", []any{35.5}},
		{b, "h_ftin", []any{35.5}},
		{a, "count", []any{int64(45)}},
		{a, "flag", []any{true}},
		{b, "flag", []any{false}},
		{a, "tags", []any{"x", "y", "z"}},
		{b, "tags", []any{"solo"}},
		{a, "note", []any{""}},
		{a, "cls", []any{"unknown"}},
		{b, "cls", []any{"other"}},
		{a, "label", []any{"A / {row 2} / 54"}},
		{b, "label", []any{"B / {row 3} / 12"}},
	}
	for _, c := range checks {
		got := get(c.e, c.name).Values()
		if len(got) != len(c.want) {
			t.Errorf("%s %s = %#v, want %#v", c.e.Key, c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s %s = %#v, want %#v", c.e.Key, c.name, got, c.want)
			}
		}
	}
	obj := get(a, "birthmark_brand").Values()[0].(map[string]any)
	if len(obj) != 1 || obj["pole_height"] != int64(45) {
		t.Errorf("object with an empty field: %#v", obj)
	}
	obj = get(b, "birthmark_brand").Values()[0].(map[string]any)
	if obj["pole_class"] != "9" || obj["pole_height"] != int64(7) {
		t.Errorf("object %#v", obj)
	}
	// Values of one entity never alias another attribute's values.
	tags := get(a, "tags").Values()
	if cap(tags) != len(tags) {
		t.Errorf("split values share capacity with later attributes: len %d cap %d", len(tags), cap(tags))
	}
}

func TestBuildUnitErrors(t *testing.T) {
	m := parse(t, minimal+`    attributes:
      h: {value: "{H}", unit: ft-in}
`)
	res := build(t, m, sources{"p.csv": table("Tag|Lat|Lon|H", "A|1|2|35-13", "B|1|2|tall", "C|1|2|35-")})
	got := problems(res)
	for _, w := range []string{
		`p.csv::2:H: attribute h: inches must be less than 12 (value "35-13")`,
		`p.csv::3:H: attribute h: not a feet-inches length`,
		`p.csv::4:H: attribute h: not a feet-inches length`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

func TestBuildMatchAndMidpoint(t *testing.T) {
	m := parse(t, `version: 1
namespace: t
nodes:
  - name: existing
    source: e.csv
    match: {attribute: scid, value: "{Pole #}"}
    attributes:
      note: "{Note}"
connections:
  - name: spans
    source: s.csv
    key: "{A}-{B}"
    node_1: {match: {attribute: scid, value: "{A}"}}
    node_2: {match: {attribute: scid, value: "{B}"}}
sections:
  - name: mids
    source: s.csv
    midpoint: true
    connection: {set: spans, key: "{A}-{B}"}
    attributes:
      note: "{Note}"
`)
	res := build(t, m, sources{
		"e.csv": table("Pole #|Note", "101|checked", "102|", "101|again"),
		"s.csv": table("A|B|Note", "101|102|mid"),
	})
	if got := problems(res); got != `e.csv::4:Pole #: duplicate match value in set "existing": row 2 has the same match value (value "101")` {
		t.Errorf("problems:\n%s", got)
	}
	e := res.Sets[0].Entities[0]
	if e.ID != "" || e.Key != "" || *e.Match != (Match{"scid", "101"}) || e.Location != nil {
		t.Errorf("match entity %+v", e)
	}
	span := res.Sets[1].Entities[0]
	if span.Node1.Match == nil || *span.Node1.Match != (Match{"scid", "101"}) || span.Node1.ID != "" {
		t.Errorf("span node_1 %+v", span.Node1)
	}
	mid := res.Sets[2].Entities[0]
	if !mid.Midpoint || mid.Location != nil || mid.Key != "101-102" || mid.Connection.ID != span.ID ||
		mid.ID != EntityID("t", Section, "mids", "101-102") {
		t.Errorf("midpoint %+v", mid)
	}
}

func TestBuildEndpoints(t *testing.T) {
	m := parse(t, `version: 1
namespace: t
nodes:
  - name: poles
    source: p.geojson
    key: "{id}"
connections:
  - name: lines
    source: l.geojson
    key: "{id}"
    endpoints: {set: poles, snap_m: 5}
`)
	// Poles at 60°N (longitude degrees are short there); p3 and p4 are 2 m
	// apart, so a line ending between them is ambiguous.
	pt := func(lon, lat float64) geom.T { return geom.NewPointFlat(geom.XY, []float64{lon, lat}) }
	line := func(c ...float64) geom.T { return geom.NewLineStringFlat(geom.XY, c) }
	const dLon1m = 1 / 55597.0 // ≈ 1 m of longitude at 60°N
	res := build(t, m, sources{
		"p.geojson": features([]string{"id"},
			[]geom.T{pt(10, 60), pt(10+100*dLon1m, 60), pt(10+200*dLon1m, 60), pt(10+202*dLon1m, 60), geom.NewLineStringFlat(geom.XY, []float64{0, 0, 1, 1})},
			[]string{"p1"}, []string{"p2"}, []string{"p3"}, []string{"p4"}, []string{"bad"}),
		"l.geojson": features([]string{"id"},
			[]geom.T{
				line(10+4*dLon1m, 60, 10+97*dLon1m, 60), // p1 → p2 (4 m and 3 m off)
				geom.NewMultiLineStringFlat(geom.XY, []float64{10, 60, 10.0005, 60, 10.0005, 60, 10 + 100*dLon1m, 60}, []int{4, 8}),
				line(10, 60, 10+150*dLon1m, 60), // end near nothing
				line(10, 60, 10+201*dLon1m, 60), // end ambiguous
				pt(10, 60),                      // not a line
				line(10, 60, 10+1*dLon1m, 60),   // both ends on p1
			},
			[]string{"L1"}, []string{"L2"}, []string{"L3"}, []string{"L4"}, []string{"L5"}, []string{"L6"}),
	})
	got := problems(res)
	for _, w := range []string{
		`p.geojson::5:: the geometry is a LineString; node sets need a Point`,
		`l.geojson::3:: the line's end has no node of set "poles" within 5 m`,
		`l.geojson::4:: the line's end is ambiguous: 2 nodes of set "poles" within 5 m ("p3" at 1.00 m, "p4" at 1.00 m)`,
		`l.geojson::5:: the geometry is a Point; endpoints needs a LineString or MultiLineString`,
		`l.geojson::6:: both ends of the line snap to the same node (value "p1")`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	lines := res.Sets[1].Entities
	if len(lines) != 2 {
		t.Fatalf("lines %d", len(lines))
	}
	p := res.Sets[0].Entities
	for _, l := range lines {
		if l.Node1.ID != p[0].ID || l.Node2.ID != p[1].ID {
			t.Errorf("%s: %s → %s", l.Key, l.Node1.Key, l.Node2.Key)
		}
	}
}

func TestBuildReaderErrorsAndNotes(t *testing.T) {
	m := parse(t, minimal)
	r := &errReader{sliceReader: table("Tag|Lat|Lon", "A|1|2", "B|1|2"), notes: []string{"encoding: windows-1252 (detected)"}}
	res, err := m.Build(context.Background(), func(string, rows.Options) (rows.Reader, error) { return r, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := problems(res); got != `p.csv::3:: ragged row: 4 cells, header has 3` {
		t.Errorf("problems %q", got)
	}
	if len(res.Sets[0].Entities) != 2 || len(res.Notes) != 1 || res.Notes[0] != "p.csv: encoding: windows-1252 (detected)" {
		t.Errorf("entities %d notes %q", len(res.Sets[0].Entities), res.Notes)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Build(ctx, sources{"p.csv": table("Tag|Lat|Lon")}.open(m.Dir)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: %v", err)
	}
}

// errReader yields a non-fatal row error between its rows.
type errReader struct {
	*sliceReader
	notes  []string
	failed bool
}

func (r *errReader) Notes() []string { return r.notes }
func (r *errReader) Next() (rows.Row, error) {
	if r.i == 1 && !r.failed {
		r.failed = true
		return rows.Row{}, &rows.Error{File: "p.csv", Row: 3, Msg: "ragged row: 4 cells, header has 3"}
	}
	return r.sliceReader.Next()
}
