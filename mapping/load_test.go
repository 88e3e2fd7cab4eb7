package mapping

import (
	"strings"
	"testing"
)

const minimal = `version: 1
namespace: t
nodes:
  - name: poles
    source: p.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
`

func TestLoadProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // substrings, each must appear
	}{
		{"not yaml", "version: [1\n", []string{"m.yaml:", "not valid YAML"}},
		{"empty", "", []string{"the file is empty"}},
		{"missing namespace and version", "nodes: []\n", []string{"m.yaml:1:1: missing key version", "missing key namespace"}},
		{"unknown top key with suggestion", minimal + "conections: []\n", []string{`m.yaml:9:1: unknown key "conections" in the mapping file (did you mean "connections"?)`}},
		{"unknown set key with suggestion", strings.Replace(minimal, "key:", "kye:", 1), []string{`m.yaml:6:5: unknown key "kye" in a node set (did you mean "key"?)`}},
		{"unknown key without suggestion", minimal + "    colour: red\n", []string{`unknown key "colour" in a node set; expected one of: name, source`}},
		{"wrong version", strings.Replace(minimal, "version: 1", "version: 2", 1), []string{"m.yaml:1:10: unsupported version 2"}},
		{"version type", strings.Replace(minimal, "version: 1", "version: one", 1), []string{`version must be a whole number, not "one"`}},
		{"bad namespace", strings.Replace(minimal, "namespace: t", "namespace: a/b", 1), []string{`m.yaml:2:12: namespace "a/b"`}},
		{"bad template", strings.Replace(minimal, `"{Tag}"`, `"{Tag"`, 1), []string{`m.yaml:6:10: key "{Tag": unclosed "{"`}},
		{"constant key", strings.Replace(minimal, `"{Tag}"`, `pole`, 1), []string{`key "pole" has no {column}`}},
		{"no coordinates", strings.Replace(strings.Replace(minimal, "    latitude: \"{Lat}\"\n", "", 1), "    longitude: \"{Lon}\"\n", "", 1), []string{"give latitude and longitude"}},
		{"unknown source type", strings.Replace(minimal, "p.csv", "p.dbf", 1), []string{`source "p.dbf": unknown file type`}},
		{"sheet on csv", minimal + "    sheet: Poles\n", []string{"sheet applies to .xlsx sources (and to the layer of a .zip"}},
		{"bad type", minimal + "    attributes:\n      h: {value: \"{H}\", type: float}\n", []string{`m.yaml:10:31: type "float": expected string, number, integer or boolean`}},
		{"bad unit", minimal + "    attributes:\n      h: {value: \"{H}\", unit: yd}\n", []string{`unit "yd": expected ft, m, in or ft-in`}},
		{"unit with string type", minimal + "    attributes:\n      h: {value: \"{H}\", unit: m, type: string}\n", []string{"converted to decimal feet"}},
		{"bad default for type", minimal + "    attributes:\n      h: {value: \"{H}\", type: number, default: tall}\n", []string{`default "tall": not a number`}},
		{"bad map target", minimal + "    attributes:\n      h: {value: \"{H}\", type: integer, map: {a: 1, b: x}}\n", []string{`map value "x": not a whole number`}},
		{"duplicate attribute", minimal + "    attributes:\n      a: x\n      a: y\n", []string{`m.yaml:11:7: attribute "a" appears twice`}},
		{"attribute without value", minimal + "    attributes:\n      a:\n", []string{`attribute "a" has no value`}},
		{"list as attribute", minimal + "    attributes:\n      a: [1, 2]\n", []string{`must be text (a template or constant) or a mapping with value:, not a list`}},
		{"fields mixed", minimal + "    attributes:\n      bb: {fields: {x: \"{A}\"}, type: number}\n", []string{"fields cannot be combined with type"}},
		{"split in fields", minimal + "    attributes:\n      bb: {fields: {x: {value: \"{A}\", split: \",\"}}}\n", []string{"split is not allowed inside fields"}},
		{"connection needs nodes", minimal + "connections:\n  - name: spans\n    source: s.csv\n    key: \"{A}\"\n", []string{`connection set "spans" needs node_1 and node_2`}},
		{"unknown set", minimal + "connections:\n  - name: spans\n    source: s.csv\n    key: \"{A}\"\n    node_1: {set: pole, key: \"{A}\"}\n    node_2: {set: things, key: \"{B}\"}\n",
			[]string{`m.yaml:13:13: node_1: unknown entity set "pole" (did you mean "poles"?)`, `node_2: unknown entity set "things"; the sets are: poles, spans`}},
		{"ref to wrong kind", minimal + "connections:\n  - name: spans\n    source: s.csv\n    key: \"{A}\"\n    node_1: {set: spans, key: \"{A}\"}\n    node_2: {set: poles, key: \"{B}\"}\n",
			[]string{`node_1: set "spans" makes connections, not nodes`}},
		{"endpoints on table", minimal + "connections:\n  - name: f\n    source: s.csv\n    key: \"{A}\"\n    endpoints: {set: poles, snap_m: 3}\n", []string{"endpoints needs a line geometry source"}},
		{"bad snap", minimal + "connections:\n  - name: f\n    source: s.geojson\n    key: \"{A}\"\n    endpoints: {set: poles, snap_m: -1}\n", []string{"snap_m must be a distance in metres above 0"}},
		{"duplicate set name", minimal + "sections:\n  - name: poles\n    source: s.csv\n    key: \"{A}\"\n    midpoint: true\n    connection: {set: x, key: \"{A}\"}\n", []string{`set name "poles" is already used by the node set at line 4`}},
		{"key and match", minimal + "    match: {attribute: scid, value: \"{A}\"}\n", []string{"either key (create and update) or match"}},
		{"midpoint with coords", minimal + "connections:\n  - name: spans\n    source: s.csv\n    key: \"{A}\"\n    node_1: {set: poles, key: \"{A}\"}\n    node_2: {set: poles, key: \"{B}\"}\nsections:\n  - name: mid\n    source: s.csv\n    midpoint: true\n    latitude: \"{Lat}\"\n    longitude: \"{Lon}\"\n    connection: {set: spans, key: \"{A}\"}\n",
			[]string{"remove latitude and longitude"}},
		{"ref to match set by key", "version: 1\nnamespace: t\nnodes:\n  - name: poles\n    source: p.csv\n    match: {attribute: scid, value: \"{S}\"}\nconnections:\n  - name: spans\n    source: s.csv\n    key: \"{A}\"\n    node_1: {set: poles, key: \"{A}\"}\n    node_2: {match: {attribute: scid, value: \"{B}\"}}\n",
			[]string{`node_1: set "poles" is a match set`}},
		{"crs format", "version: 1\nnamespace: t\nnodes:\n  - name: p\n    source: p.shp\n    key: \"{A}\"\n    crs: 3435\n", []string{`crs "3435": write it as EPSG:NNNN`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := loadErr(t, c.yaml)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not contain %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestLoadAllProblemsAtOnce(t *testing.T) {
	got := loadErr(t, `version: 1
namespace: t
nodes:
  - name: poles
    source: p.csv
    key: "{Tag}"
    lattitude: "{Lat}"
    attributes:
      h: {value: "{H}", typ: number}
`)
	if n := strings.Count(got, "\n") + 1; n < 3 {
		t.Errorf("want at least 3 problems in one pass, got %d:\n%s", n, got)
	}
	for _, w := range []string{`m.yaml:7:5: unknown key "lattitude" in a node set (did you mean "latitude"?)`, `m.yaml:9:25: unknown key "typ"`, "give latitude and longitude"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}

func TestLoadForms(t *testing.T) {
	m := parse(t, minimal+`    header_row: 2
    attributes:
      flag: true
      count: 3
      ratio: 0.5
      text: "3"
      h: {value: "{H}", unit: ft-in}
      bb: {fields: {pole_class: "{C}", pole_height: {value: "{H}", type: integer}}}
      tags: {value: "{T}", split: ",", required: true}
      w: {value: "{W}", empty: write, default: none}
`)
	s := m.Nodes[0]
	if s.HeaderRow != 2 || s.Path != m.Dir+"/p.csv" {
		t.Errorf("header %d path %q", s.HeaderRow, s.Path)
	}
	want := []ValueType{Boolean, Integer, Number, String, Number}
	for i, w := range want {
		if got := s.Attributes[i].Value.Type; got != w {
			t.Errorf("%s type %s, want %s", s.Attributes[i].Name, got, w)
		}
	}
	if s.Attributes[4].Value.Unit != FeetInches {
		t.Error("unit")
	}
	bb := s.Attributes[5]
	if bb.Value != nil || len(bb.Fields) != 2 || bb.Fields[1].Value.Type != Integer {
		t.Errorf("fields %+v", bb)
	}
	tags := s.Attributes[6].Value
	if tags.Split != "," || !tags.Required {
		t.Errorf("tags %+v", tags)
	}
	w := s.Attributes[7].Value
	if w.Empty != EmptyWrite || w.Default == nil || *w.Default != "none" {
		t.Errorf("w %+v", w)
	}
}

func TestParseTemplate(t *testing.T) {
	cases := []struct {
		in   string
		want string // parts rendered: literal as-is, placeholders as {..}
		err  string
	}{
		{"{Pole Tag}", "[{Pole Tag}]", ""},
		{"{From}->{To}", "[{From}][->][{To}]", ""},
		{"a{{b}}c", "[a{b}c]", ""},
		{"{{{A}}}", "[{][{A}][}]", ""},
		{"{#3}-{_row}", "[{#3}][-][{_row}]", ""},
		{"{birthmark_brand::pole_class}", "[{birthmark_brand::pole_class}]", ""},
		{"", "", ""},
		{"{", "", "unclosed"},
		{"a}b", "", "unmatched"},
		{"{}", "", "empty placeholder"},
		{"{#0}", "", "whole number from 1"},
		{"{#x}", "", "whole number from 1"},
		{"{a{b}}", "", "unclosed"},
	}
	for _, c := range cases {
		tp, err := ParseTemplate(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var b strings.Builder
		for _, p := range tp.parts {
			b.WriteByte('[')
			if p.ph != nil {
				b.WriteString(p.ph.String())
			} else {
				b.WriteString(p.lit)
			}
			b.WriteByte(']')
		}
		if b.String() != c.want {
			t.Errorf("%q parsed to %s, want %s", c.in, b.String(), c.want)
		}
	}
}

func TestLoadCoordinateForms(t *testing.T) {
	got := loadErr(t, strings.Replace(minimal, `longitude: "{Lon}"`, `longitude: {value: "{Lon}", unit: m}`, 1))
	if !strings.Contains(got, "m.yaml:8:16: coordinates are decimal degrees") {
		t.Errorf("got %s", got)
	}
	m := parse(t, strings.Replace(minimal, `latitude: "{Lat}"`, `latitude: {value: "{Lat}", required: true}`, 1))
	if m.Nodes[0].Latitude.Type != Number || !m.Nodes[0].Latitude.Required {
		t.Errorf("latitude %+v", m.Nodes[0].Latitude)
	}
}
