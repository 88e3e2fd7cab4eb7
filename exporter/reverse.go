package exporter

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/mapping"
)

// File is one output file of an export with a mapping: the path relative to
// the output folder (the set's source as the mapping names it), its format
// and its layers (sheets for XLSX; one layer for the other formats).
type File struct {
	Path   string
	Format Format
	Layers []*Layer
	Sets   []string // the sets written into the file
	Delim  rune     // CSV delimiter (0: comma)
}

// Reverse runs the mapping backwards over the job: every set becomes the
// rows of its source, and sets sharing a source file (sheets of one
// workbook) share the file. The problems say which attributes could not be
// inverted (their columns stay empty); they do not stop the export.
func Reverse(m *mapping.Mapping, job *Job) ([]*File, []mapping.Problem, error) {
	live := newLiveIndex(m.Namespace, job)
	var probs []mapping.Problem
	files := map[string]*File{}
	var order []string
	type sheetKey struct{ file, sheet string }
	sheets := map[sheetKey]*sheetBuilder{}
	builders := map[*Layer]*sheetBuilder{}
	for _, s := range m.Sets() {
		inv, p := s.Inverter()
		probs = append(probs, p...)
		rel, err := outputPath(s.Source)
		if err != nil {
			return nil, probs, fmt.Errorf("set %q: %w", s.Name, err)
		}
		f, ok := files[rel]
		if !ok {
			ft, err := sourceFormat(s.Source)
			if err != nil {
				return nil, probs, fmt.Errorf("set %q: %w", s.Name, err)
			}
			f = &File{Path: rel, Format: ft, Delim: s.Delimiter}
			if f.Delim == 0 && strings.EqualFold(filepath.Ext(rel), ".tsv") {
				f.Delim = '\t'
			}
			files[rel] = f
			order = append(order, rel)
		}
		f.Sets = append(f.Sets, s.Name)
		// Single-table formats hold one layer; in a workbook each sheet is
		// one, and a set without a sheet reads the first.
		sheet := ""
		if f.Format == XLSX {
			sheet = cmp.Or(s.Sheet, "\x00first")
		}
		k := sheetKey{rel, sheet}
		sb := sheets[k]
		if sb == nil {
			name := s.Name
			if f.Format == XLSX && s.Sheet != "" {
				name = s.Sheet
			}
			sb = &sheetBuilder{layer: &Layer{Name: name, HeaderRow: s.HeaderRow}, first: sheet == "\x00first"}
			sheets[k] = sb
			builders[sb.layer] = sb
			f.Layers = append(f.Layers, sb.layer)
		}
		sb.add(s, inv, live)
	}
	out := make([]*File, 0, len(order))
	for _, rel := range order {
		f := files[rel]
		// The sheet a set without `sheet:` reads must come first.
		slices.SortStableFunc(f.Layers, func(a, b *Layer) int {
			return boolRank(builders[a].first) - boolRank(builders[b].first)
		})
		for _, l := range f.Layers {
			builders[l].finish()
		}
		out = append(out, f)
	}
	return out, probs, nil
}

func boolRank(first bool) int {
	if first {
		return 0
	}
	return 1
}

// outputPath is where a source is written inside the output folder: its
// path as the mapping writes it, or its base name when that path would
// leave the folder (../data/x.csv).
func outputPath(source string) (string, error) {
	p := filepath.Clean(filepath.FromSlash(source))
	if !filepath.IsLocal(p) {
		p = filepath.Base(p)
	}
	if p == "." || p == "" {
		return "", fmt.Errorf("source %q is not a file name", source)
	}
	return p, nil
}

func sourceFormat(source string) (Format, error) {
	switch strings.ToLower(filepath.Ext(source)) {
	case ".csv", ".txt", ".tsv":
		return CSV, nil
	}
	return DetectFormat(source)
}

// sheetBuilder gathers the sets written into one layer.
type sheetBuilder struct {
	layer *Layer
	first bool
	parts []setPart
	live  *liveIndex
}

type setPart struct {
	inv  *mapping.Inverter
	kind mapping.Kind
	cols []int // this set's columns in the layer
	geom bool
}

func (sb *sheetBuilder) add(s *mapping.Set, inv *mapping.Inverter, live *liveIndex) {
	part := setPart{inv: inv, kind: s.Kind, geom: inv.Geometry()}
	for _, c := range inv.Columns() {
		i := sb.layer.ColumnIndex(c)
		if i < 0 {
			i = len(sb.layer.Columns)
			sb.layer.Columns = append(sb.layer.Columns, Column{Name: c, Type: String})
		}
		part.cols = append(part.cols, i)
	}
	if part.geom {
		kind := Point
		if s.Kind == mapping.Connection {
			kind = LineString
		}
		if sb.layer.Geom != NoGeometry && sb.layer.Geom != kind {
			kind = NoGeometry // mixed: GeometryCollection-free writers take any
		}
		sb.layer.Geom = kind
	}
	sb.parts = append(sb.parts, part)
	sb.layer.Len += live.count(s.Kind)
	sb.live = live
}

func (sb *sheetBuilder) finish() {
	l, parts, live := sb.layer, sb.parts, sb.live
	width := len(l.Columns)
	l.Features = func(yield func(Feature) bool) {
		for _, p := range parts {
			for e := range live.entities(p.kind) {
				row, ok := p.inv.Row(e, live.lookup)
				if !ok {
					continue
				}
				vals := make([]any, width)
				for i, v := range row {
					if v != "" {
						vals[p.cols[i]] = v
					}
				}
				var g geom.T
				if p.geom {
					g = live.geometry(e)
				}
				if !yield(Feature{Geom: g, Values: vals}) {
					return
				}
			}
		}
	}
}

// liveIndex presents the job's lists as mapping.LiveEntity values, built on
// demand so the job is not held twice.
type liveIndex struct {
	ns     string // the mapping's namespace: its instance ids give the order
	job    *Job
	nodes  map[string]int // id → index in job.nodes
	conns  map[string]int // id → index in job.conns
	coords map[string][2]float64
}

func newLiveIndex(ns string, job *Job) *liveIndex {
	x := &liveIndex{ns: ns, job: job, nodes: make(map[string]int, len(job.nodes)), conns: make(map[string]int, len(job.conns))}
	for i := range job.nodes {
		x.nodes[job.nodes[i].id] = i
	}
	for i := range job.conns {
		x.conns[job.conns[i].id] = i
	}
	return x
}

func (x *liveIndex) count(k mapping.Kind) int {
	switch k {
	case mapping.Node:
		return len(x.job.nodes)
	case mapping.Connection:
		return len(x.job.conns)
	}
	n := 0
	for i := range x.job.conns {
		n += len(x.job.conns[i].sections)
	}
	return n
}

func (x *liveIndex) entities(k mapping.Kind) func(yield func(mapping.LiveEntity) bool) {
	return func(yield func(mapping.LiveEntity) bool) {
		switch k {
		case mapping.Node:
			for i := range x.job.nodes {
				if !yield(x.liveNode(&x.job.nodes[i])) {
					return
				}
			}
		case mapping.Connection:
			for i := range x.job.conns {
				if !yield(x.liveConnection(&x.job.conns[i])) {
					return
				}
			}
		case mapping.Section:
			for i := range x.job.conns {
				c := &x.job.conns[i]
				for j := range c.sections {
					s := &c.sections[j]
					if !yield(mapping.LiveEntity{Kind: mapping.Section, ID: s.id, Lat: s.lat, Lon: s.lon,
						HasLocation: true, Attrs: liveAttrs(x.ns, s.id, s.attrs), Connection: c.id}) {
						return
					}
				}
			}
		}
	}
}

func (x *liveIndex) lookup(id string) (mapping.LiveEntity, bool) {
	if i, ok := x.nodes[id]; ok {
		return x.liveNode(&x.job.nodes[i]), true
	}
	if i, ok := x.conns[id]; ok {
		return x.liveConnection(&x.job.conns[i]), true
	}
	return mapping.LiveEntity{}, false
}

// geometry is the entity's point, or a connection's line between its
// nodes through its breakpoints.
func (x *liveIndex) geometry(e mapping.LiveEntity) geom.T {
	if e.Kind != mapping.Connection {
		if !e.HasLocation {
			return nil
		}
		return point(e.Lon, e.Lat)
	}
	i, ok := x.conns[e.ID]
	if !ok {
		return nil
	}
	if x.coords == nil {
		x.coords = x.job.coords()
	}
	return line(&x.job.conns[i], x.coords)
}

func (x *liveIndex) liveNode(n *node) mapping.LiveEntity {
	return mapping.LiveEntity{Kind: mapping.Node, ID: n.id, Lat: n.lat, Lon: n.lon, HasLocation: true, Attrs: liveAttrs(x.ns, n.id, n.attrs)}
}

func (x *liveIndex) liveConnection(c *connection) mapping.LiveEntity {
	return mapping.LiveEntity{Kind: mapping.Connection, ID: c.id, Node1: c.node1, Node2: c.node2, Attrs: liveAttrs(x.ns, c.id, c.attrs)}
}

// liveAttrs lists each attribute's values: first the instances the mapping's
// namespace wrote, by their index (so split values come back in the order
// they were imported), then every other instance in instance-id order.
// Object values are maps, as JSON decodes them.
func liveAttrs(ns, entityID string, a attrs) map[string][]any {
	out := map[string][]any{}
	for run := range a.byName() {
		name := run[0].name
		vals := make([]any, 0, len(run))
		if len(run) == 1 {
			out[name] = append(vals, liveValue(run[0].v))
			continue
		}
		own := map[string]bool{}
		for i := 0; len(own) < len(run); i++ {
			id := mapping.InstanceID(ns, entityID, name, i)
			k, ok := slices.BinarySearchFunc(run, id, func(v attrValue, id string) int { return strings.Compare(v.inst, id) })
			if !ok {
				break
			}
			own[id] = true
			vals = append(vals, liveValue(run[k].v))
		}
		for _, iv := range run {
			if !own[iv.inst] {
				vals = append(vals, liveValue(iv.v))
			}
		}
		out[name] = vals
	}
	return out
}

func liveValue(v any) any {
	if o, ok := v.(object); ok {
		return o.asMap()
	}
	return v
}
