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

	"github.com/kpbulk/kpbulk/katapult"
)

// Job is what an export reads from the API: the node list and the
// connection list with its embedded sections.
type Job struct {
	ID          string
	Nodes       []katapult.Node
	Connections []katapult.Connection
}

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
	layers := []*Layer{buildNodes(job.Nodes)}
	if o.NodesOnly {
		return layers
	}
	coords := make(map[string][2]float64, len(job.Nodes))
	for _, n := range job.Nodes {
		coords[n.ID] = [2]float64{n.Longitude, n.Latitude}
	}
	return append(layers, buildConnections(job.Connections, coords, o.WKT), buildSections(job.Connections))
}

func buildNodes(nodes []katapult.Node) *Layer {
	var cs columnSet
	for i := range nodes {
		cs.add(nodes[i].Attributes)
	}
	attrCols := cs.columns()
	cols := append([]Column{{"latitude", Real}, {"longitude", Real}}, attrCols...)
	cols = append(cols, Column{"id", String}, Column{"last_updated", DateTime})
	return &Layer{
		Name: NodesLayer, Columns: cols, Geom: Point, Len: len(nodes),
		Features: func(yield func(Feature) bool) {
			for i := range nodes {
				n := &nodes[i]
				vals := make([]any, 0, len(cols))
				vals = append(vals, n.Latitude, n.Longitude)
				vals = cs.appendValues(vals, attrCols, n.Attributes)
				vals = append(vals, n.ID, parseTime(n.LastUpdated))
				if !yield(Feature{Geom: point(n.Longitude, n.Latitude), Values: vals}) {
					return
				}
			}
		},
	}
}

func buildConnections(conns []katapult.Connection, coords map[string][2]float64, withWKT bool) *Layer {
	var cs columnSet
	for i := range conns {
		cs.add(conns[i].Attributes)
	}
	attrCols := cs.columns()
	cols := append([]Column{{"node_id_1", String}, {"node_id_2", String}}, attrCols...)
	cols = append(cols, Column{"id", String})
	if withWKT {
		cols = append(cols, Column{"wkt", String})
	}
	return &Layer{
		Name: ConnectionsLayer, Columns: cols, Geom: LineString, Len: len(conns),
		Features: func(yield func(Feature) bool) {
			for i := range conns {
				c := &conns[i]
				vals := make([]any, 0, len(cols))
				vals = append(vals, c.NodeID1, c.NodeID2)
				vals = cs.appendValues(vals, attrCols, c.Attributes)
				vals = append(vals, c.ID)
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

// sectionRef addresses one embedded section without copying it.
type sectionRef struct {
	conn *katapult.Connection
	id   string
}

func buildSections(conns []katapult.Connection) *Layer {
	var cs columnSet
	var refs []sectionRef
	for i := range conns {
		c := &conns[i]
		for _, id := range sortedKeys(c.Sections) {
			refs = append(refs, sectionRef{c, id})
			cs.add(c.Sections[id].Attributes)
		}
	}
	attrCols := cs.columns()
	cols := append([]Column{{"latitude", Real}, {"longitude", Real}}, attrCols...)
	cols = append(cols, Column{"connection_id", String}, Column{"id", String})
	return &Layer{
		Name: SectionsLayer, Columns: cols, Geom: Point, Len: len(refs),
		Features: func(yield func(Feature) bool) {
			for _, r := range refs {
				s := r.conn.Sections[r.id]
				vals := make([]any, 0, len(cols))
				vals = append(vals, s.Latitude, s.Longitude)
				vals = cs.appendValues(vals, attrCols, s.Attributes)
				vals = append(vals, r.conn.ID, cmp.Or(s.ID, r.id))
				if !yield(Feature{Geom: point(s.Longitude, s.Latitude), Values: vals}) {
					return
				}
			}
		},
	}
}

// line runs from node 1 through the breakpoints to node 2. It is nil when an
// end node is not in the job's node list.
func line(c *katapult.Connection, coords map[string][2]float64) geom.T {
	a, ok1 := coords[c.NodeID1]
	b, ok2 := coords[c.NodeID2]
	if !ok1 || !ok2 {
		return nil
	}
	flat := make([]float64, 0, 4+2*len(c.Breakpoints))
	flat = append(flat, a[0], a[1])
	for _, bp := range c.Breakpoints { // [latitude, longitude]
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
	types map[string]ColumnType
	seen  map[string]bool // column has at least one value
}

func (cs *columnSet) note(name string, v any) {
	if cs.types == nil {
		cs.types, cs.seen = map[string]ColumnType{}, map[string]bool{}
	}
	t := typeOf(v)
	if !cs.seen[name] {
		cs.types[name], cs.seen[name] = t, true
		return
	}
	cs.types[name] = widen(cs.types[name], t)
}

// add records the columns and cell types of one entity's attributes.
func (cs *columnSet) add(attrs katapult.Attributes) {
	for name, inst := range attrs {
		scalars := 0
		var last any
		var fields map[string][]any // only for object values
		for _, v := range inst {
			if obj, ok := v.(map[string]any); ok {
				if fields == nil {
					fields = make(map[string][]any, len(obj))
				}
				for f, fv := range obj {
					fields[f] = append(fields[f], fv)
				}
				continue
			}
			scalars++
			last = v
		}
		switch {
		case scalars == 1:
			cs.note(name, last)
		case scalars > 1:
			cs.note(name, "")
		}
		for f, vs := range fields {
			if len(vs) == 1 {
				cs.note(name+"::"+f, vs[0])
			} else {
				cs.note(name+"::"+f, "")
			}
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
		cols[i] = Column{n, cs.types[n]}
	}
	return cols
}

// appendValues appends one entity's cells for cols.
func (cs *columnSet) appendValues(vals []any, cols []Column, attrs katapult.Attributes) []any {
	for _, c := range cols {
		name, field, isField := strings.Cut(c.Name, "::")
		inst, ok := attrs[name]
		if !ok {
			vals = append(vals, nil)
			continue
		}
		if len(inst) == 1 { // the common case, without allocating
			vals = append(vals, single(inst, field, isField, c.Type))
			continue
		}
		var parts []any
		for _, id := range sortedKeys(inst) {
			v := inst[id]
			obj, isObj := v.(map[string]any)
			switch {
			case isField && isObj:
				if fv, ok := obj[field]; ok {
					parts = append(parts, fv)
				}
			case !isField && !isObj:
				parts = append(parts, v)
			}
		}
		vals = append(vals, cell(parts, c.Type))
	}
	return vals
}

// single renders an attribute with one instance, as cell would.
func single(inst map[string]any, field string, isField bool, t ColumnType) any {
	for _, v := range inst {
		obj, isObj := v.(map[string]any)
		switch {
		case isField && isObj:
			fv, ok := obj[field]
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
