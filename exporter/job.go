package exporter

import (
	"cmp"
	"iter"
	"slices"

	"github.com/kpbulk/kpbulk/katapult"
)

// Job is what an export reads from the API: the node list and the
// connection list with its embedded sections. It holds them compactly (a
// 100,000-pole job in well under 200 MB): Fetch converts every node and
// connection as the API client streams it in, so the decoded lists are never
// held whole. Build one with NewJob, AddNode and AddConnection.
type Job struct {
	ID    string
	nodes []node
	conns []connection
	in    interner
}

// NewJob returns an empty job.
func NewJob(id string) *Job { return &Job{ID: id} }

// JobOf is a job holding the given lists.
func JobOf(id string, nodes []katapult.Node, conns []katapult.Connection) *Job {
	j := NewJob(id)
	for i := range nodes {
		j.AddNode(&nodes[i])
	}
	for i := range conns {
		j.AddConnection(&conns[i])
	}
	return j
}

// AddNode appends a node. The job keeps nothing n points to.
func (j *Job) AddNode(n *katapult.Node) {
	j.nodes = append(j.nodes, node{id: n.ID, lat: n.Latitude, lon: n.Longitude, updated: n.LastUpdated, attrs: j.in.attrs(n.Attributes)})
}

// AddConnection appends a connection and its sections. The job keeps
// nothing c points to.
func (j *Job) AddConnection(c *katapult.Connection) {
	k := connection{id: c.ID, node1: j.in.str(c.NodeID1), node2: j.in.str(c.NodeID2), attrs: j.in.attrs(c.Attributes)}
	if len(c.Breakpoints) > 0 {
		k.breakpoints = slices.Clone(c.Breakpoints)
	}
	if len(c.Sections) > 0 {
		k.sections = make([]section, 0, len(c.Sections))
		for _, id := range sortedKeys(c.Sections) {
			s := c.Sections[id]
			k.sections = append(k.sections, section{id: cmp.Or(s.ID, id), lat: s.Latitude, lon: s.Longitude, attrs: j.in.attrs(s.Attributes)})
		}
	}
	j.conns = append(j.conns, k)
}

type node struct {
	id       string
	lat, lon float64
	updated  string // last_updated, as the API gives it
	attrs    attrs
}

type connection struct {
	id, node1, node2 string
	attrs            attrs
	breakpoints      [][2]float64 // [latitude, longitude] pairs
	sections         []section    // by section id
}

type section struct {
	id       string
	lat, lon float64
	attrs    attrs
}

// attrs is an attribute list flattened to one entry per instance, sorted by
// attribute name, then instance id: one allocation per entity where the
// API's shape (katapult.Attributes) takes a map per attribute. The
// instances of one attribute are a run of entries with the same name.
type attrs []attrValue

type attrValue struct {
	name, inst string
	// v is the instance's value as JSON decodes it, except that an object
	// is an object rather than a map[string]any.
	v any
}

// object is an object-valued instance: its members sorted by name.
type object []field

type field struct {
	name string
	v    any
}

// get returns the member called name.
func (o object) get(name string) (any, bool) {
	i, ok := slices.BinarySearchFunc(o, name, func(f field, n string) int { return cmp.Compare(f.name, n) })
	if !ok {
		return nil, false
	}
	return o[i].v, true
}

// asMap is the object as JSON decodes it.
func (o object) asMap() map[string]any {
	m := make(map[string]any, len(o))
	for _, f := range o {
		m[f.name] = f.v
	}
	return m
}

// run returns the instances of the attribute called name (nil when none).
func (a attrs) run(name string) attrs {
	i, _ := slices.BinarySearchFunc(a, name, func(v attrValue, n string) int { return cmp.Compare(v.name, n) })
	j := i
	for j < len(a) && a[j].name == name {
		j++
	}
	return a[i:j]
}

// byName yields the instances of every attribute in turn.
func (a attrs) byName() iter.Seq[attrs] {
	return func(yield func(attrs) bool) {
		for i := 0; i < len(a); {
			j := i + 1
			for j < len(a) && a[j].name == a[i].name {
				j++
			}
			if !yield(a[i:j]) {
				return
			}
			i = j
		}
	}
}

// coords maps every node's id to its [longitude, latitude].
func (j *Job) coords() map[string][2]float64 {
	m := make(map[string][2]float64, len(j.nodes))
	for i := range j.nodes {
		m[j.nodes[i].id] = [2]float64{j.nodes[i].lon, j.nodes[i].lat}
	}
	return m
}

// interner shares the strings and values a job repeats (attribute names,
// instance ids, object members, "pole", "aerial cable"…) so each is held
// once. It stops taking new entries at a bound, so a job whose values are
// all different costs a bounded table on top of the values themselves.
type interner struct {
	strs map[string]string
	vals map[any]any // string and float64 values, boxed once
}

const maxInterned = 1 << 16

func (in *interner) str(s string) string { return share(&in.strs, s) }

// share returns the entry of *m equal to k, adding k while *m is under
// its bound.
func share[K comparable](m *map[K]K, k K) K {
	if t, ok := (*m)[k]; ok {
		return t
	}
	if *m == nil {
		*m = map[K]K{}
	}
	if len(*m) < maxInterned {
		(*m)[k] = k
	}
	return k
}

// value returns v (a decoded JSON value) in the job's form: objects become
// objects, repeated strings and numbers are shared.
func (in *interner) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := make(object, 0, len(x))
		for k, fv := range x {
			o = append(o, field{in.str(k), in.scalar(fv)})
		}
		slices.SortFunc(o, func(a, b field) int { return cmp.Compare(a.name, b.name) })
		return o
	default:
		return in.scalar(v)
	}
}

// scalar shares a string or number; other values are returned as they are.
func (in *interner) scalar(v any) any {
	switch x := v.(type) {
	case string:
	case float64:
		if x == 0 {
			return v // -0 == 0 as a map key, but they print differently
		}
	default:
		return v
	}
	return share(&in.vals, v)
}

// attrs converts an attribute list.
func (in *interner) attrs(a katapult.Attributes) attrs {
	n := 0
	for _, inst := range a {
		n += len(inst)
	}
	if n == 0 {
		return nil
	}
	out := make(attrs, 0, n)
	for name, inst := range a {
		name = in.str(name)
		for id, v := range inst {
			out = append(out, attrValue{name: name, inst: in.str(id), v: in.value(v)})
		}
	}
	slices.SortFunc(out, func(a, b attrValue) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.inst, b.inst))
	})
	return out
}
