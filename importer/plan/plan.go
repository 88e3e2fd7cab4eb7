// Package plan diffs the entities a mapping built against the live job and
// produces the ordered list of API writes that makes the job match: the
// plan. It is pure (no I/O): the live job comes in as data, the plan goes out
// as data; pricing, storage and execution happen elsewhere.
//
// Writes are minimal: an update names only the coordinates and attribute
// instances that differ, always at kpbulk's deterministic instance ids
// (mapping.InstanceID), so instances that others created are never touched.
// Order is by dependency: nodes, connections, sections, photos; deletes
// (with --prune) come last, sections before connections before nodes.
package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
)

// Action is what an op does; its symbol is the diff symbol.
type Action string

// Actions.
const (
	Create    Action = "create"
	Update    Action = "update"
	Delete    Action = "delete"
	Unchanged Action = "unchanged"
)

// Symbol is the one-character diff marker (+ ~ - =).
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	}
	return "="
}

// Phases: every op of a phase runs after all ops of earlier phases.
const (
	PhaseNodes = iota
	PhaseConnections
	PhaseSections
	PhaseDeleteSections
	PhaseDeleteConnections
	PhaseDeleteNodes
)

// PruneSet is the set name of ops that --prune adds.
const PruneSet = "(prune)"

// Op is one API write.
type Op struct {
	Phase    int
	Set      string
	Kind     mapping.Kind
	Action   Action
	EntityID string
	ParentID string          // sections: their connection
	Body     json.RawMessage // katapult.NodeWrite, ConnectionWrite or SectionWrite; empty for deletes
	Key      string          // natural key, for people
	Changes  []string        // what differs, for people ("pole_height: 40 → 45")
	Source   mapping.Loc
}

// Cost is the op's token cost (the API's table: POST and DELETE cost 10).
func (Op) Cost() int64 { return 10 }

// Summary is a one-line description of the op.
func (o Op) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", o.Action.Symbol(), o.Set, o.Kind)
	if o.Key != "" {
		fmt.Fprintf(&b, " %q", o.Key)
	}
	fmt.Fprintf(&b, " (%s)", o.EntityID)
	if len(o.Changes) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(o.Changes, "; "))
	}
	return b.String()
}

// SetCount counts one set's outcome.
type SetCount struct {
	Name      string
	Kind      mapping.Kind
	Creates   int
	Updates   int
	Deletes   int
	Unchanged int
}

// Plan is the diff of a mapping's entities against the live job.
type Plan struct {
	Sets []SetCount
	Ops  []Op
	// Problems are references that cannot be resolved against the live job
	// (a match with no live entity, an ambiguous endpoint match). Match
	// rows of enrichment sets with no live entity are Unmatched instead:
	// they are reported but do not stop the import.
	Problems  []mapping.Problem
	Unmatched []mapping.Problem
}

// Tokens is the write cost of the plan.
func (p *Plan) Tokens() int64 {
	var t int64
	for _, o := range p.Ops {
		t += o.Cost()
	}
	return t
}

// Live is the job as the list calls returned it.
type Live struct {
	Nodes       []katapult.Node
	Connections []katapult.Connection // with their sections embedded
}

// Options tune the diff.
type Options struct {
	Namespace string
	// Prune deletes entities of Namespace that the sets no longer produce.
	Prune bool
}

// CoordTolerance is how far apart (degrees) two coordinates may be and
// still count as equal: JSON round trips may change the last bit.
const CoordTolerance = 1e-9

type differ struct {
	opts  Options
	nodes map[string]*katapult.Node
	conns map[string]*katapult.Connection
	// sectionConn maps a live section id to its connection id.
	sectionConn map[string]string
	// desiredLoc holds the coordinates this plan gives nodes, for midpoints.
	desiredLoc map[string]mapping.LatLon
	// desiredEnds holds the node ids this plan gives connections.
	desiredEnds map[string][2]string
	// byAttr indexes live entities by attribute value, built per
	// (kind, attribute) on first use by a match.
	byAttr map[string]map[string][]string
	plan   *Plan
	wanted map[string]bool // entity ids the sets produce
}

// Diff computes the plan that makes live match the sets' entities.
func Diff(sets []*mapping.SetResult, live Live, opts Options) *Plan {
	d := &differ{
		opts:        opts,
		nodes:       make(map[string]*katapult.Node, len(live.Nodes)),
		conns:       make(map[string]*katapult.Connection, len(live.Connections)),
		sectionConn: map[string]string{},
		desiredLoc:  map[string]mapping.LatLon{},
		desiredEnds: map[string][2]string{},
		byAttr:      map[string]map[string][]string{},
		plan:        &Plan{},
		wanted:      map[string]bool{},
	}
	for i := range live.Nodes {
		d.nodes[live.Nodes[i].ID] = &live.Nodes[i]
	}
	for i := range live.Connections {
		c := &live.Connections[i]
		d.conns[c.ID] = c
		for sid := range c.Sections {
			d.sectionConn[sid] = c.ID
		}
	}
	// Node coordinates first, so midpoints of any set see them.
	for _, sr := range sets {
		if sr.Set.Kind != mapping.Node {
			continue
		}
		for _, e := range sr.Entities {
			if e.ID != "" && e.Location != nil {
				d.desiredLoc[e.ID] = *e.Location
			}
		}
	}
	byKind := map[mapping.Kind]int{mapping.Node: PhaseNodes, mapping.Connection: PhaseConnections, mapping.Section: PhaseSections}
	ordered := slices.Clone(sets)
	slices.SortStableFunc(ordered, func(a, b *mapping.SetResult) int {
		return cmp.Compare(byKind[a.Set.Kind], byKind[b.Set.Kind])
	})
	for _, sr := range ordered {
		d.diffSet(sr, byKind[sr.Set.Kind])
	}
	if opts.Prune {
		d.prune()
	}
	slices.SortStableFunc(d.plan.Ops, func(a, b Op) int { return cmp.Compare(a.Phase, b.Phase) })
	return d.plan
}

func (d *differ) diffSet(sr *mapping.SetResult, phase int) {
	count := SetCount{Name: sr.Set.Name, Kind: sr.Set.Kind}
	for _, e := range sr.Entities {
		ids := []string{e.ID}
		if e.Match != nil {
			ids = d.match(e.Kind, *e.Match)
			if len(ids) == 0 {
				d.plan.Unmatched = append(d.plan.Unmatched, problemAt(e.Source, sr.Set.Name,
					fmt.Sprintf("no %s of the job has %s = %q", e.Kind, e.Match.Attribute, e.Match.Value), e.Match.Value))
				continue
			}
		}
		for _, id := range ids {
			d.wanted[id] = true
			op, ok := d.diffEntity(sr.Set.Name, e, id)
			if !ok {
				continue
			}
			switch op.Action {
			case Create:
				count.Creates++
			case Update:
				count.Updates++
			default:
				count.Unchanged++
				continue
			}
			op.Phase = phase
			d.plan.Ops = append(d.plan.Ops, op)
		}
	}
	d.plan.Sets = append(d.plan.Sets, count)
}

func problemAt(l mapping.Loc, set, msg, value string) mapping.Problem {
	return mapping.Problem{File: l.File, Sheet: l.Sheet, Row: l.Row, Msg: msg, Value: value, Set: set}
}

// diffEntity returns the op for one desired entity at id; ok is false when
// the entity cannot be planned (a problem was recorded).
func (d *differ) diffEntity(set string, e *mapping.Entity, id string) (Op, bool) {
	op := Op{Set: set, Kind: e.Kind, EntityID: id, Key: e.Key, Source: e.Source}
	var liveAttrs katapult.Attributes
	exists := false
	var liveLat, liveLon float64
	switch e.Kind {
	case mapping.Node:
		if n := d.nodes[id]; n != nil {
			exists, liveAttrs, liveLat, liveLon = true, n.Attributes, n.Latitude, n.Longitude
		}
	case mapping.Connection:
		if c := d.conns[id]; c != nil {
			exists, liveAttrs = true, c.Attributes
		}
	case mapping.Section:
		connID, ok := d.resolve(set, e, e.Connection, "connection")
		if !ok {
			return op, false
		}
		op.ParentID = connID
		if c := d.conns[connID]; c != nil {
			if s, ok := c.Sections[id]; ok {
				exists, liveAttrs, liveLat, liveLon = true, s.Attributes, s.Latitude, s.Longitude
			}
		}
		if !exists && d.sectionConn[id] != "" && d.sectionConn[id] != connID {
			d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set,
				fmt.Sprintf("section %s already exists on another connection (%s)", id, d.sectionConn[id]), e.Key))
			return op, false
		}
	}
	if e.Match != nil && !exists {
		return op, false // matched entities exist by construction
	}

	patch := katapult.AttributePatch{}
	d.diffAttrs(e, id, liveAttrs, patch, &op.Changes)

	var body any
	switch e.Kind {
	case mapping.Node, mapping.Section:
		loc := e.Location
		if e.Kind == mapping.Section && e.Midpoint {
			m, ok := d.midpoint(set, e, op.ParentID)
			if !ok {
				return op, false
			}
			loc = &m
		}
		var lat, lon *float64
		if loc != nil && (!exists || !near(loc.Lat, liveLat) || !near(loc.Lon, liveLon)) {
			lat, lon = &loc.Lat, &loc.Lon
			if exists {
				op.Changes = append(op.Changes, fmt.Sprintf("location: %.7f,%.7f → %.7f,%.7f", liveLat, liveLon, loc.Lat, loc.Lon))
			}
		}
		if !exists && loc == nil {
			d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set, "a new "+string(e.Kind)+" needs a location", e.Key))
			return op, false
		}
		if len(patch) == 0 && lat == nil {
			op.Action = Unchanged
			return op, true
		}
		if e.Kind == mapping.Node {
			body = katapult.NodeWrite{Latitude: lat, Longitude: lon, Attributes: nilIfEmpty(patch)}
		} else {
			body = katapult.SectionWrite{Latitude: lat, Longitude: lon, Attributes: nilIfEmpty(patch)}
		}
	case mapping.Connection:
		n1, ok1 := d.resolve(set, e, e.Node1, "node_1")
		n2, ok2 := d.resolve(set, e, e.Node2, "node_2")
		if !ok1 || !ok2 {
			return op, false
		}
		d.desiredEnds[id] = [2]string{n1, n2}
		w := katapult.ConnectionWrite{Attributes: nilIfEmpty(patch)}
		if c := d.conns[id]; c == nil || c.NodeID1 != n1 || c.NodeID2 != n2 {
			w.NodeID1, w.NodeID2 = n1, n2
			if c != nil {
				op.Changes = append(op.Changes, fmt.Sprintf("nodes: %s,%s → %s,%s", c.NodeID1, c.NodeID2, n1, n2))
			}
		}
		if len(patch) == 0 && w.NodeID1 == "" {
			op.Action = Unchanged
			return op, true
		}
		body = w
	}
	op.Action = Update
	if !exists {
		op.Action = Create
		op.Changes = nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		// The bodies are plain data; a failure here is a bug.
		panic(fmt.Sprintf("plan: marshal %s body: %v", e.Kind, err))
	}
	op.Body = raw
	return op, true
}

func nilIfEmpty(p katapult.AttributePatch) katapult.AttributePatch {
	if len(p) == 0 {
		return nil
	}
	return p
}

func near(a, b float64) bool { return math.Abs(a-b) <= CoordTolerance }

// diffAttrs adds to patch what makes the live attributes hold e's values at
// kpbulk's instance ids, and removes kpbulk's instances the entity no longer
// has. Instances kpbulk did not write are left alone.
func (d *differ) diffAttrs(e *mapping.Entity, id string, live katapult.Attributes, patch katapult.AttributePatch, changes *[]string) {
	for a := range e.Attrs.All() {
		liveInst := live[a.Name]
		vals := a.Values()
		mine := make(map[string]bool, len(vals))
		for i, v := range vals {
			inst := mapping.InstanceID(d.opts.Namespace, id, a.Name, i)
			mine[inst] = true
			old, ok := liveInst[inst]
			if ok && Equal(v, old) {
				continue
			}
			patch.Set(a.Name, inst, v)
			if live != nil {
				if ok {
					*changes = append(*changes, fmt.Sprintf("%s: %s → %s", a.Name, show(old), show(v)))
				} else {
					*changes = append(*changes, fmt.Sprintf("%s: + %s", a.Name, show(v)))
				}
			}
		}
		for _, inst := range sortedKeys(liveInst) {
			if !mine[inst] && mapping.Owns(d.opts.Namespace, inst) {
				patch.DeleteInstance(a.Name, inst)
				*changes = append(*changes, fmt.Sprintf("%s: - %s", a.Name, show(liveInst[inst])))
			}
		}
	}
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// resolve turns a reference into an entity id: its id within the import, or
// the one live entity its match selects.
func (d *differ) resolve(set string, e *mapping.Entity, r *mapping.Ref, what string) (string, bool) {
	if r == nil {
		d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set, what+" is missing", e.Key))
		return "", false
	}
	if r.Match == nil {
		return r.ID, true
	}
	kind := mapping.Node
	if what == "connection" {
		kind = mapping.Connection
	}
	ids := d.match(kind, *r.Match)
	switch len(ids) {
	case 1:
		return ids[0], true
	case 0:
		d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set,
			fmt.Sprintf("%s: no %s of the job has %s = %q", what, kind, r.Match.Attribute, r.Match.Value), r.Match.Value))
	default:
		d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set,
			fmt.Sprintf("%s: %d %ss of the job have %s = %q (%s); a reference must select one", what, len(ids), kind,
				r.Match.Attribute, r.Match.Value, strings.Join(ids, ", ")), r.Match.Value))
	}
	return "", false
}

// match returns the live entities of kind whose attribute has an instance
// equal to value, in id order.
func (d *differ) match(kind mapping.Kind, m mapping.Match) []string {
	k := string(kind) + "\x00" + m.Attribute
	idx, ok := d.byAttr[k]
	if !ok {
		idx = map[string][]string{}
		add := func(id string, attrs katapult.Attributes) {
			for _, v := range attrs[m.Attribute] {
				s := Text(v)
				idx[s] = append(idx[s], id)
			}
		}
		switch kind {
		case mapping.Node:
			for _, id := range sortedKeys(d.nodes) {
				add(id, d.nodes[id].Attributes)
			}
		case mapping.Connection:
			for _, id := range sortedKeys(d.conns) {
				add(id, d.conns[id].Attributes)
			}
		}
		for v, ids := range idx {
			idx[v] = slices.Compact(ids)
		}
		d.byAttr[k] = idx
	}
	return idx[m.Value]
}

// midpoint is the middle of the connection's two nodes: the coordinates
// this plan gives them, else their live ones.
func (d *differ) midpoint(set string, e *mapping.Entity, connID string) (mapping.LatLon, bool) {
	var n1, n2 string
	if c := d.conns[connID]; c != nil {
		n1, n2 = c.NodeID1, c.NodeID2
	}
	// A connection of this import may be new or re-pointed: its desired
	// endpoints win.
	if ends, ok := d.desiredEnds[connID]; ok {
		n1, n2 = ends[0], ends[1]
	}
	p1, ok1 := d.nodeLoc(n1)
	p2, ok2 := d.nodeLoc(n2)
	if !ok1 || !ok2 {
		d.plan.Problems = append(d.plan.Problems, problemAt(e.Source, set,
			"midpoint: the connection's nodes have no known location", connID))
		return mapping.LatLon{}, false
	}
	return mapping.LatLon{Lat: (p1.Lat + p2.Lat) / 2, Lon: (p1.Lon + p2.Lon) / 2}, true
}

func (d *differ) nodeLoc(id string) (mapping.LatLon, bool) {
	if p, ok := d.desiredLoc[id]; ok {
		return p, true
	}
	if n := d.nodes[id]; n != nil {
		return mapping.LatLon{Lat: n.Latitude, Lon: n.Longitude}, true
	}
	return mapping.LatLon{}, false
}

// prune deletes the namespace's live entities the sets no longer produce:
// sections, then connections, then nodes. Sections of a deleted connection
// and connections of a deleted node go with it (the API cascades), so they
// get no op of their own.
func (d *differ) prune() {
	ns := d.opts.Namespace
	count := SetCount{Name: PruneSet}
	var nodeDel = map[string]bool{}
	for _, id := range sortedKeys(d.nodes) {
		if mapping.Owns(ns, id) && !d.wanted[id] {
			nodeDel[id] = true
		}
	}
	connDel := map[string]bool{}
	for _, id := range sortedKeys(d.conns) {
		c := d.conns[id]
		if mapping.Owns(ns, id) && !d.wanted[id] {
			connDel[id] = true
			if nodeDel[c.NodeID1] || nodeDel[c.NodeID2] {
				count.Deletes++ // cascades with its node
				continue
			}
			d.plan.Ops = append(d.plan.Ops, Op{Phase: PhaseDeleteConnections, Set: PruneSet, Kind: mapping.Connection, Action: Delete, EntityID: id})
			count.Deletes++
		}
	}
	for _, id := range sortedKeys(d.conns) {
		c := d.conns[id]
		cascades := connDel[id] || nodeDel[c.NodeID1] || nodeDel[c.NodeID2]
		for _, sid := range sortedKeys(c.Sections) {
			if mapping.Owns(ns, sid) && !d.wanted[sid] {
				count.Deletes++
				if !cascades {
					d.plan.Ops = append(d.plan.Ops, Op{Phase: PhaseDeleteSections, Set: PruneSet, Kind: mapping.Section, Action: Delete, EntityID: sid, ParentID: id})
				}
			}
		}
	}
	for _, id := range sortedKeys(nodeDel) {
		d.plan.Ops = append(d.plan.Ops, Op{Phase: PhaseDeleteNodes, Set: PruneSet, Kind: mapping.Node, Action: Delete, EntityID: id})
		count.Deletes++
	}
	if count.Deletes > 0 {
		d.plan.Sets = append(d.plan.Sets, count)
	}
}
