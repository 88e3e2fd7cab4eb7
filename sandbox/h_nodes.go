package sandbox

import (
	"cmp"
	"encoding/json"
	"slices"
)

func pointData(p *point, withUpdated bool) rawJSON {
	return appendPoint(nil, p, true, withUpdated)
}

func hListNodes(c *call) (any, *apiError) {
	after, hasAfter, limit, e := listParams(c)
	if e != nil {
		return nil, e
	}
	items, e := viewJob(c, func(j *job) ([]*point, *apiError) {
		items := make([]*point, 0, len(j.nodes))
		for _, n := range j.nodes {
			if !hasAfter || n.updated > after {
				items = append(items, n)
			}
		}
		return items, nil
	})
	if e != nil {
		return nil, e
	}
	// Nodes are copy-on-write: the snapshot stays valid without the lock.
	slices.SortFunc(items, func(a, b *point) int { return byNewest(a.updated, a.id, b.updated, b.id) })
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	return listStream[*point]{items, func(b []byte, p *point) []byte { return appendPoint(b, p, true, true) }}, nil
}

func hGetNode(c *call) (any, *apiError) {
	n, e := viewJob(c, func(j *job) (*point, *apiError) { return find(j.nodes, "Node", c.arg(1)) })
	if e != nil {
		return nil, e
	}
	return pointData(n, true), nil
}

// pointWrite is a validated node or section write.
type pointWrite struct {
	lat, lon       float64
	hasLat, hasLon bool
	attrs          *attrPatch
}

func parsePointWrite(c *call) (*pointWrite, body, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, nil, e
	}
	w := &pointWrite{}
	if w.lat, w.lon, w.hasLat, w.hasLon, e = b.latLon(); e != nil {
		return nil, nil, e
	}
	if w.attrs, e = parseAttrPatch(b); e != nil {
		return nil, nil, e
	}
	return w, b, nil
}

// needLocation enforces that a create names both coordinates.
func (w *pointWrite) needLocation() *apiError {
	return cmp.Or(required("latitude", w.hasLat), required("longitude", w.hasLon))
}

// applyTo builds the written point from cur (nil for a create).
func (w *pointWrite) applyTo(s *Server, c *call, id string, cur *point) *point {
	var p point
	if cur != nil {
		p = *cur
	}
	p.id = id
	if w.hasLat {
		p.lat = w.lat
	}
	if w.hasLon {
		p.lon = w.lon
	}
	p.attrs = w.attrs.apply(p.attrs, s.ids, c.now)
	return &p
}

func hCreateNode(c *call) (any, *apiError) {
	w, _, e := parsePointWrite(c)
	if e != nil {
		return nil, e
	}
	if e := w.needLocation(); e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		n := w.applyTo(c.s, c, c.s.ids.next(c.now), nil)
		c.s.putNode(j, n, c)
		return pointData(n, true), nil
	})
}

func hUpsertNode(c *call) (any, *apiError) {
	w, _, e := parsePointWrite(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		id := c.arg(1)
		cur, gone := find(j.nodes, "Node", id)
		if e := c.vetNew(j, id, gone, w.needLocation()); e != nil {
			return nil, e
		}
		n := w.applyTo(c.s, c, id, cur)
		c.s.putNode(j, n, c)
		return pointData(n, true), nil
	})
}

// putNode stores a written node, which moves its last_updated. The caller
// holds s.mu.
func (s *Server) putNode(j *job, n *point, c *call) {
	n.updated = c.now.UnixMilli()
	j.nodes[n.id] = n
	j.index[n.id] = ref{kind: kNode}
	s.touch(j, c.now, kNode, n.id)
}

type idData struct {
	ID string `json:"id"`
}

func hDeleteNode(c *call) (any, *apiError) {
	return updateJob(c, func(j *job) (any, *apiError) {
		id := c.arg(1)
		if _, e := find(j.nodes, "Node", id); e != nil {
			return nil, e
		}
		// A connection cannot outlive its nodes: delete them and their sections.
		for _, cn := range j.conns {
			if cn.n1 == id || cn.n2 == id {
				c.s.removeConn(j, cn)
			}
		}
		delete(j.nodes, id)
		delete(j.index, id)
		c.s.touch(j, c.now, kNode, id)
		return idData{id}, nil
	})
}

// setAssociation sets (value "main" or true) or removes (nil) photo pid in
// an entity's photos map. A new main photo demotes the old one to true.
func setAssociation(photos json.RawMessage, pid string, value any) json.RawMessage {
	m := map[string]map[string]json.RawMessage{}
	if len(photos) > 0 {
		_ = json.Unmarshal(photos, &m)
	}
	if value == nil {
		delete(m, pid)
	} else {
		if value == "main" {
			for _, a := range m {
				if string(a["association"]) == `"main"` {
					a["association"] = json.RawMessage("true")
				}
			}
		}
		v, _ := json.Marshal(value)
		a := m[pid]
		if a == nil {
			a = map[string]json.RawMessage{}
			m[pid] = a
		}
		a["association"] = v
	}
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	return b
}
