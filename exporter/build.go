package exporter

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/wkt"
)

// Layer names of an export without a mapping.
const (
	NodesLayer       = "nodes"
	ConnectionsLayer = "connections"
	SectionsLayer    = "sections"
)

// leadingAttributes come right after latitude/longitude, in this order, as
// in Katapult's own "Node Attributes" export; the other attributes follow in
// byte order (upper case first), as there too.
var leadingAttributes = []string{"feedback", "scid", "node_type", "pole_tag"}

// BuildOptions tune the layers of an export without a mapping.
type BuildOptions struct {
	// WKT adds a "wkt" text column holding each connection's line, for
	// formats without a geometry (CSV, XLSX). Point layers already carry
	// latitude and longitude columns.
	WKT bool
	// NodesOnly leaves out connections and sections (an incremental export
	// with --since: the API has no update time for them, and their lines
	// need nodes the incremental list does not hold).
	NodesOnly bool
}

// Build turns a job into the layers nodes, connections and sections. Columns
// follow Katapult's "Node Attributes" layout: latitude, longitude, then one
// column per attribute, attribute::field for object-valued attributes,
// several instances joined with ","; then the ids that tie the layers
// together.
func Build(job *Job, o BuildOptions) []*Layer {
	layers := []*Layer{buildNodes(job.nodes)}
	if o.NodesOnly {
		return layers
	}
	return append(layers, buildConnections(job.conns, job.coords(), o.WKT), buildSections(job.conns))
}

func buildNodes(nodes []node) *Layer {
	var cs columnSet
	for i := range nodes {
		cs.add(nodes[i].attrs)
	}
	idWidth := 0
	for i := range nodes {
		idWidth = max(idWidth, len(nodes[i].id))
	}
	attrCols := cs.columns()
	cols := append([]Column{{Name: "latitude", Type: Real}, {Name: "longitude", Type: Real}}, attrCols...)
	cols = append(cols, Column{Name: "id", Type: String, Width: idWidth}, Column{Name: "last_updated", Type: DateTime, Width: len(time.RFC3339) - 5})
	return &Layer{
		Name: NodesLayer, Columns: cols, Geom: Point, Len: len(nodes), WidthsKnown: true,
		Features: func(yield func(Feature) bool) {
			for i := range nodes {
				n := &nodes[i]
				vals := make([]any, 0, len(cols))
				vals = append(vals, n.lat, n.lon)
				vals = cs.appendValues(vals, attrCols, n.attrs)
				vals = append(vals, n.id, parseTime(n.updated))
				if !yield(Feature{Geom: point(n.lon, n.lat), Values: vals}) {
					return
				}
			}
		},
	}
}

func buildConnections(conns []connection, coords map[string][2]float64, withWKT bool) *Layer {
	var cs columnSet
	for i := range conns {
		cs.add(conns[i].attrs)
	}
	var w1, w2, idWidth int
	for i := range conns {
		w1, w2, idWidth = max(w1, len(conns[i].node1)), max(w2, len(conns[i].node2)), max(idWidth, len(conns[i].id))
	}
	attrCols := cs.columns()
	cols := append([]Column{{Name: "node_id_1", Type: String, Width: w1}, {Name: "node_id_2", Type: String, Width: w2}}, attrCols...)
	cols = append(cols, Column{Name: "id", Type: String, Width: idWidth})
	if withWKT {
		cols = append(cols, Column{Name: "wkt", Type: String})
	}
	return &Layer{
		Name: ConnectionsLayer, Columns: cols, Geom: LineString, Len: len(conns), WidthsKnown: !withWKT,
		Features: func(yield func(Feature) bool) {
			for i := range conns {
				c := &conns[i]
				vals := make([]any, 0, len(cols))
				vals = append(vals, c.node1, c.node2)
				vals = cs.appendValues(vals, attrCols, c.attrs)
				vals = append(vals, c.id)
				g := line(c, coords)
				if withWKT {
					vals = append(vals, wktOf(g))
				}
				if !yield(Feature{Geom: g, Values: vals}) {
					return
				}
			}
		},
	}
}

func buildSections(conns []connection) *Layer {
	var cs columnSet
	var count, connWidth, idWidth int
	for i := range conns {
		c := &conns[i]
		for j := range c.sections {
			count++
			cs.add(c.sections[j].attrs)
			connWidth, idWidth = max(connWidth, len(c.id)), max(idWidth, len(c.sections[j].id))
		}
	}
	attrCols := cs.columns()
	cols := append([]Column{{Name: "latitude", Type: Real}, {Name: "longitude", Type: Real}}, attrCols...)
	cols = append(cols, Column{Name: "connection_id", Type: String, Width: connWidth}, Column{Name: "id", Type: String, Width: idWidth})
	return &Layer{
		Name: SectionsLayer, Columns: cols, Geom: Point, Len: count, WidthsKnown: true,
		Features: func(yield func(Feature) bool) {
			for i := range conns {
				c := &conns[i]
				for j := range c.sections {
					s := &c.sections[j]
					vals := make([]any, 0, len(cols))
					vals = append(vals, s.lat, s.lon)
					vals = cs.appendValues(vals, attrCols, s.attrs)
					vals = append(vals, c.id, s.id)
					if !yield(Feature{Geom: point(s.lon, s.lat), Values: vals}) {
						return
					}
				}
			}
		},
	}
}

// line runs from node 1 through the breakpoints to node 2. It is nil when an
// end node is not in the job's node list.
func line(c *connection, coords map[string][2]float64) geom.T {
	a, ok1 := coords[c.node1]
	b, ok2 := coords[c.node2]
	if !ok1 || !ok2 {
		return nil
	}
	flat := make([]float64, 0, 4+2*len(c.breakpoints))
	flat = append(flat, a[0], a[1])
	for _, bp := range c.breakpoints { // [latitude, longitude]
		flat = append(flat, bp[1], bp[0])
	}
	flat = append(flat, b[0], b[1])
	return geom.NewLineStringFlat(geom.XY, flat)
}

func point(lon, lat float64) geom.T {
	return geom.NewPointFlat(geom.XY, []float64{lon, lat})
}

func wktOf(g geom.T) any {
	if g == nil {
		return nil
	}
	s, err := wkt.Marshal(g)
	if err != nil {
		return nil
	}
	return s
}

func parseTime(s string) any {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil
	}
	return t.UTC()
}

// columnSet collects the attribute columns of a layer and the narrowest type
// that holds every cell of each.
type columnSet struct {
	types  map[string]ColumnType
	seen   map[string]bool // column has at least one value
	widths map[string]int  // longest cell text in bytes (an upper bound)
	num    []byte          // scratch for number widths
	fields []field         // scratch for the members of several objects
}

// note records one cell: its type (v is the value of a single instance, or
// "" for joined instances) and the length of its text.
func (cs *columnSet) note(name string, v any, width int) {
	if cs.types == nil {
		cs.types, cs.seen, cs.widths = map[string]ColumnType{}, map[string]bool{}, map[string]int{}
	}
	cs.widths[name] = max(cs.widths[name], width)
	t := typeOf(v)
	if !cs.seen[name] {
		cs.types[name], cs.seen[name] = t, true
		return
	}
	cs.types[name] = widen(cs.types[name], t)
}

// textLen is len(text(v)) without allocating for the common types.
func (cs *columnSet) textLen(v any) int {
	switch v := v.(type) {
	case string:
		return len(v)
	case float64:
		cs.num = strconv.AppendFloat(cs.num[:0], v, 'f', -1, 64)
		return len(cs.num)
	case bool:
		if v {
			return 4
		}
		return 5
	case nil:
		return 0
	}
	return len(text(v))
}

// add records the columns and cell types of one entity's attributes.
func (cs *columnSet) add(a attrs) {
	for run := range a.byName() {
		name := run[0].name
		scalars, width := 0, -1 // width: joined text, commas included
		var last any
		cs.fields = cs.fields[:0] // the members of object values
		for _, iv := range run {
			if obj, ok := iv.v.(object); ok {
				cs.fields = append(cs.fields, obj...)
				continue
			}
			scalars++
			last = iv.v
			width += 1 + cs.textLen(iv.v)
		}
		switch {
		case scalars == 1:
			cs.note(name, last, width)
		case scalars > 1:
			cs.note(name, "", width)
		}
		// One column per member name; several objects may each have it.
		slices.SortStableFunc(cs.fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
		for i := 0; i < len(cs.fields); {
			j, width := i, -1
			for ; j < len(cs.fields) && cs.fields[j].name == cs.fields[i].name; j++ {
				width += 1 + cs.textLen(cs.fields[j].v)
			}
			if j-i == 1 {
				cs.note(name+"::"+cs.fields[i].name, cs.fields[i].v, width)
			} else {
				cs.note(name+"::"+cs.fields[i].name, "", width)
			}
			i = j
		}
	}
}

// columns returns the collected columns in Katapult's order.
func (cs *columnSet) columns() []Column {
	names := make([]string, 0, len(cs.types))
	for n := range cs.types {
		names = append(names, n)
	}
	rank := func(n string) int {
		base, _, _ := strings.Cut(n, "::")
		if i := slices.Index(leadingAttributes, base); i >= 0 {
			return i
		}
		return len(leadingAttributes)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: cs.types[n], Width: cs.widths[n]}
	}
	return cols
}

// appendValues appends one entity's cells for cols.
func (cs *columnSet) appendValues(vals []any, cols []Column, a attrs) []any {
	for _, c := range cols {
		name, field, isField := strings.Cut(c.Name, "::")
		run := a.run(name)
		if len(run) == 0 {
			vals = append(vals, nil)
			continue
		}
		if len(run) == 1 { // the common case, without allocating
			vals = append(vals, single(run[0].v, field, isField, c.Type))
			continue
		}
		var parts []any
		for _, iv := range run { // in instance-id order
			obj, isObj := iv.v.(object)
			switch {
			case isField && isObj:
				if fv, ok := obj.get(field); ok {
					parts = append(parts, fv)
				}
			case !isField && !isObj:
				parts = append(parts, iv.v)
			}
		}
		vals = append(vals, cell(parts, c.Type))
	}
	return vals
}

// single renders an attribute with one instance, of value v, as cell would.
func single(v any, field string, isField bool, t ColumnType) any {
	obj, isObj := v.(object)
	switch {
	case isField && isObj:
		fv, ok := obj.get(field)
		if !ok {
			return nil
		}
		v = fv
	case isField || isObj:
		return nil
	}
	if t != String {
		return typed(v, t)
	}
	if s := text(v); s != "" {
		return s
	}
	return nil
}

// cell renders the instances of one attribute as one value of type t.
func cell(parts []any, t ColumnType) any {
	switch {
	case len(parts) == 0:
		return nil
	case len(parts) == 1 && t != String:
		return typed(parts[0], t)
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		// An empty instance adds nothing but a stray comma.
		if t := text(p); t != "" {
			texts = append(texts, t)
		}
	}
	if len(texts) == 0 {
		return nil
	}
	return strings.Join(texts, ",")
}

func typed(v any, t ColumnType) any {
	switch t {
	case Integer:
		if f, ok := v.(float64); ok {
			return int64(f)
		}
	case Real:
		if f, ok := v.(float64); ok {
			return f
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return b
		}
	}
	if v == nil {
		return nil
	}
	return text(v)
}

// text renders a JSON value the way Katapult's export does: numbers in
// plain decimal, objects and lists as JSON.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// typeOf is the narrowest column type for one JSON value.
func typeOf(v any) ColumnType {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return Integer
		}
		return Real
	case bool:
		return Bool
	default:
		return String
	}
}

func widen(a, b ColumnType) ColumnType {
	switch {
	case a == b:
		return a
	case (a == Integer && b == Real) || (a == Real && b == Integer):
		return Real
	default:
		return String
	}
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 1 { // the common case: one instance, nothing to sort
		for k := range m {
			return []string{k}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
