package sandbox

import (
	"cmp"
	"encoding/json"
	"math"
)

// removeConn deletes a connection and its sections. The caller holds s.mu.
func (s *Server) removeConn(j *job, cn *conn) {
	for sid := range cn.sections {
		j.unindexSection(cn.id, sid)
	}
	delete(j.conns, cn.id)
	delete(j.index, cn.id)
	s.markDirty(j.id, kConn, cn.id)
}

// unindexSection frees a section id, unless it is a loaded section key
// that another connection holds.
func (j *job) unindexSection(connID, sid string) {
	if r := j.index[sid]; r.kind == kSection && r.parent == connID {
		delete(j.index, sid)
	}
}

// connWrite is a validated connection write.
type connWrite struct {
	n1, n2      string
	has1, has2  bool
	bpSet       bool // breakpoints present (null or [] clears)
	breakpoints [][2]float64
	attrs       *attrPatch
}

func parseConnWrite(c *call) (*connWrite, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	w := &connWrite{}
	if w.n1, w.has1, e = b.str("node_id_1"); e != nil {
		return nil, e
	}
	if w.n2, w.has2, e = b.str("node_id_2"); e != nil {
		return nil, e
	}
	if raw, ok := b["breakpoints"]; ok {
		w.bpSet = true
		if !isNull(raw) {
			var pts [][]float64
			if err := json.Unmarshal(raw, &pts); err != nil {
				return nil, errField("breakpoints must be an array of [latitude, longitude] pairs")
			}
			for i, p := range pts {
				if len(p) != 2 || math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -90 || p[0] > 90 || p[1] < -180 || p[1] > 180 {
					return nil, errField("breakpoints[" + itoa(i) + "] must be a [latitude, longitude] pair in range")
				}
				w.breakpoints = append(w.breakpoints, [2]float64{p[0], p[1]})
			}
		}
	}
	if w.attrs, e = parseAttrPatch(b); e != nil {
		return nil, e
	}
	return w, nil
}

// checkNodes checks that the node ids the body names exist (400
// invalid_field, decision 3).
func (w *connWrite) checkNodes(j *job) *apiError {
	if w.has1 && j.nodes[w.n1] == nil {
		return errField("node_id_1: node " + quoteShort(w.n1) + " does not exist in this job")
	}
	if w.has2 && j.nodes[w.n2] == nil {
		return errField("node_id_2: node " + quoteShort(w.n2) + " does not exist in this job")
	}
	return nil
}

func (w *connWrite) needNodes() *apiError {
	return cmp.Or(required("node_id_1", w.has1), required("node_id_2", w.has2))
}

func (w *connWrite) applyTo(s *Server, c *call, id string, cur *conn) *conn {
	var n *conn
	if cur != nil {
		n = cur.clone()
	} else {
		n = &conn{sections: map[string]*point{}}
	}
	n.id = id
	if w.has1 {
		n.n1 = w.n1
	}
	if w.has2 {
		n.n2 = w.n2
	}
	if w.bpSet {
		n.breakpoints = w.breakpoints
	}
	n.attrs = w.attrs.apply(n.attrs, s.ids, c.now)
	return n
}

func hListConns(c *call) (any, *apiError) {
	items, e := viewJob(c, func(j *job) ([]*conn, *apiError) {
		items := make([]*conn, 0, len(j.conns))
		for _, id := range sortedKeys(j.conns) {
			items = append(items, j.conns[id])
		}
		return items, nil
	})
	if e != nil {
		return nil, e
	}
	return listStream[*conn]{items, appendConn}, nil
}

func hGetConn(c *call) (any, *apiError) {
	cn, e := connSnapshot(c)
	if e != nil {
		return nil, e
	}
	return rawJSON(appendConn(nil, cn)), nil
}

func hCreateConn(c *call) (any, *apiError) {
	w, e := parseConnWrite(c)
	if e != nil {
		return nil, e
	}
	if e := w.needNodes(); e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		return w.put(j, c, "", nil)
	})
}

func hUpsertConn(c *call) (any, *apiError) {
	w, e := parseConnWrite(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		id := c.arg(1)
		cur, gone := find(j.conns, "Connection", id)
		if e := c.vetNew(j, id, gone, w.needNodes()); e != nil {
			return nil, e
		}
		return w.put(j, c, id, cur)
	})
}

// put checks the nodes the write names and stores the connection it makes
// of cur (nil for a new one) at id ("" for a fresh server id, taken only
// once the write is valid). The caller holds s.mu.
func (w *connWrite) put(j *job, c *call, id string, cur *conn) (any, *apiError) {
	if e := w.checkNodes(j); e != nil {
		return nil, e
	}
	if id == "" {
		id = c.s.ids.next(c.now)
	}
	cn := w.applyTo(c.s, c, id, cur)
	j.conns[id] = cn
	j.index[id] = ref{kind: kConn}
	c.s.touch(j, c.now, kConn, id)
	return rawJSON(appendConn(nil, cn)), nil
}

func hDeleteConn(c *call) (any, *apiError) {
	return updateJob(c, inConn(c, func(j *job, cn *conn) (any, *apiError) {
		c.s.removeConn(j, cn)
		c.s.touch(j, c.now, 0, "")
		return idData{cn.id}, nil
	}))
}

// Sections.

func hListSections(c *call) (any, *apiError) {
	cn, e := connSnapshot(c)
	if e != nil {
		return nil, e
	}
	items := make([]*point, 0, len(cn.sections))
	for _, id := range sortedKeys(cn.sections) {
		items = append(items, cn.sections[id])
	}
	return listStream[*point]{items, func(b []byte, p *point) []byte { return appendPoint(b, p, true, false) }}, nil
}

// findSection is find for a section the URL names, whose 404 names its
// connection too.
func findSection(cn *conn, id string) (*point, *apiError) {
	sec := cn.sections[id]
	if sec == nil {
		return nil, errNotFound("Section " + quoteShort(id) + " not found on connection " + quoteShort(cn.id))
	}
	return sec, nil
}

func hGetSection(c *call) (any, *apiError) {
	cn, e := connSnapshot(c)
	if e != nil {
		return nil, e
	}
	sec, e := findSection(cn, c.arg(2))
	if e != nil {
		return nil, e
	}
	return pointData(sec, false), nil
}

// putSection stores sec on a copy of cn. The caller holds s.mu.
func (s *Server) putSection(j *job, cn *conn, sec *point, c *call) {
	n := cn.clone()
	n.sections[sec.id] = sec
	j.conns[cn.id] = n
	j.index[sec.id] = ref{kind: kSection, parent: cn.id}
	s.touch(j, c.now, kConn, cn.id)
}

// midpoint is halfway along the connection between its nodes.
func midpoint(j *job, cn *conn) (lat, lon float64) {
	a, b := j.nodes[cn.n1], j.nodes[cn.n2]
	if a == nil || b == nil {
		return 0, 0
	}
	return (a.lat + b.lat) / 2, (a.lon + b.lon) / 2
}

func hCreateSection(c *call) (any, *apiError) {
	w, b, e := parsePointWrite(c)
	if e != nil {
		return nil, e
	}
	var makeMid bool
	if b.has("make_midpoint") {
		if err := json.Unmarshal(b["make_midpoint"], &makeMid); err != nil {
			return nil, errField("make_midpoint must be a boolean")
		}
	}
	if !makeMid {
		if e := w.needLocation(); e != nil {
			return nil, e
		}
	}
	return updateJob(c, inConn(c, func(j *job, cn *conn) (any, *apiError) {
		var sec *point
		if makeMid {
			// Replace an existing midpoint section at its id, its data cleared.
			id := ""
			for sid, sp := range cn.sections {
				if sp.midpoint {
					id = sid
				}
			}
			if id == "" {
				id = c.s.ids.next(c.now)
			}
			w.hasLat, w.hasLon = true, true
			w.lat, w.lon = midpoint(j, cn)
			sec = w.applyTo(c.s, c, id, nil)
			sec.midpoint = true
		} else {
			sec = w.applyTo(c.s, c, c.s.ids.next(c.now), nil)
		}
		c.s.putSection(j, cn, sec, c)
		return pointData(sec, false), nil
	}))
}

func hUpsertSection(c *call) (any, *apiError) {
	w, _, e := parsePointWrite(c)
	if e != nil {
		return nil, e
	}
	return updateJob(c, inConn(c, func(j *job, cn *conn) (any, *apiError) {
		id := c.arg(2)
		cur, gone := findSection(cn, id)
		if e := c.vetNew(j, id, gone, w.needLocation()); e != nil {
			return nil, e
		}
		sec := w.applyTo(c.s, c, id, cur)
		c.s.putSection(j, cn, sec, c)
		return pointData(sec, false), nil
	}))
}

func hDeleteSection(c *call) (any, *apiError) {
	return updateJob(c, inConn(c, func(j *job, cn *conn) (any, *apiError) {
		id := c.arg(2)
		if _, e := findSection(cn, id); e != nil {
			return nil, e
		}
		n := cn.clone()
		delete(n.sections, id)
		j.conns[cn.id] = n
		j.unindexSection(cn.id, id)
		c.s.touch(j, c.now, kConn, cn.id)
		return idData{id}, nil
	}))
}
