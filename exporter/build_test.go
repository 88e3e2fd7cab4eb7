package exporter

import (
	"slices"
	"testing"
	"time"
)

func collect(l *Layer) []Feature {
	var fs []Feature
	for f := range l.Features {
		fs = append(fs, f)
	}
	return fs
}

func TestBuildLayout(t *testing.T) {
	layers := Build(testJob(), BuildOptions{})
	if len(layers) != 3 || layers[0].Name != "nodes" || layers[1].Name != "connections" || layers[2].Name != "sections" {
		t.Fatalf("layers %v", layers)
	}
	nodes := layers[0]
	var names []string
	for _, c := range nodes.Columns {
		names = append(names, c.Name)
	}
	want := []string{"latitude", "longitude", "scid", "node_type", "pole_tag",
		"Address", "birthmark_brand::pole_class", "birthmark_brand::pole_height", "grounded", "note", "pole_height", "size",
		"id", "last_updated"}
	if !slices.Equal(names, want) {
		t.Fatalf("node columns\n got %q\nwant %q", names, want)
	}
	types := map[string]ColumnType{}
	for _, c := range nodes.Columns {
		types[c.Name] = c.Type
	}
	if types["pole_height"] != Real || types["grounded"] != Bool || types["scid"] != String || types["size"] != String || types["last_updated"] != DateTime {
		t.Errorf("column types %v", types)
	}
	fs := collect(nodes)
	if len(fs) != 3 || nodes.Len != 3 {
		t.Fatalf("%d features, Len %d", len(fs), nodes.Len)
	}
	at := func(f Feature, col string) any { return f.Values[slices.Index(names, col)] }
	if at(fs[0], "size") != "7.7M,10M" {
		t.Errorf("instances not joined in instance-id order: %q", at(fs[0], "size"))
	}
	if at(fs[0], "birthmark_brand::pole_class") != "2" || at(fs[0], "pole_height") != 45.0 || at(fs[2], "pole_height") != 12.5 {
		t.Errorf("values %v", fs[0].Values)
	}
	if at(fs[1], "scid") != nil || at(fs[1], "grounded") != true {
		t.Errorf("missing attribute must be nil, bool typed: %v", fs[1].Values)
	}
	if at(fs[0], "last_updated") != time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) || at(fs[1], "last_updated") != nil {
		t.Errorf("last_updated %v %v", at(fs[0], "last_updated"), at(fs[1], "last_updated"))
	}

	conns := collect(layers[1])
	if got := conns[0].Geom.FlatCoords(); !slices.Equal(got, []float64{-98.4, 29.3, -98.43, 29.28, -98.5, 29.2}) {
		t.Errorf("line through breakpoint: %v", got)
	}
	if conns[1].Geom != nil {
		t.Errorf("a connection to a node not in the job has no line, got %v", conns[1].Geom)
	}
	secs := collect(layers[2])
	if len(secs) != 1 || secs[0].Values[len(secs[0].Values)-1] != "s1" || secs[0].Values[len(secs[0].Values)-2] != "c1" {
		t.Errorf("sections %v", secs)
	}

	if l := Build(testJob(), BuildOptions{NodesOnly: true}); len(l) != 1 {
		t.Errorf("NodesOnly gave %d layers", len(l))
	}
	withWKT := Build(testJob(), BuildOptions{WKT: true})[1]
	c := collect(withWKT)
	if w := c[0].Values[len(c[0].Values)-1]; w != "LINESTRING (-98.4 29.3, -98.43 29.28, -98.5 29.2)" {
		t.Errorf("wkt %q", w)
	}
}
