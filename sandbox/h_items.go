package sandbox

import (
	"cmp"
	"encoding/json"
	"slices"
)

// Photo elements, calibration anchors and traces: flat records whose
// attributes sit at the root beside their own fields.

var (
	elementFields = []string{"id", "element_type", "pixel_selection", "manual_height", "parent_id", "trace_id"}
	traceFields   = []string{"id", "_trace_type", "items"}
)

// mergeAttributes puts a flat attribute patch at the record's root,
// refusing names that would overwrite the record's own fields.
func mergeAttributes(rec flat, patch flat, reserved []string) *apiError {
	for k := range patch {
		if slices.Contains(reserved, k) {
			return errField("attributes: " + quoteShort(k) + " is a field of the record, not an attribute")
		}
	}
	applyFlat(rec, patch)
	return nil
}

func pixelSelection(b body) (json.RawMessage, *apiError) {
	ps, ok, e := b.object("pixel_selection")
	if e != nil || !ok {
		return nil, e
	}
	for _, k := range []string{"percentX", "percentY"} {
		var v float64
		if raw, ok := ps[k]; !ok || json.Unmarshal(raw, &v) != nil {
			return nil, errField("pixel_selection." + k + " must be a number")
		}
	}
	return b["pixel_selection"], nil
}

func listFlat(items map[string]flat) []rawJSON {
	out := make([]rawJSON, 0, len(items))
	for _, id := range sortedKeys(items) {
		out = append(out, appendFlat(nil, id, items[id]))
	}
	return out
}

func getFlat(items map[string]flat, what, id string) (any, *apiError) {
	rec, e := findFlat(items, what, id)
	if e != nil {
		return nil, e
	}
	return rawJSON(appendFlat(nil, id, rec)), nil
}

// flatTarget picks the record a flat write goes to: for a create, a fresh
// server id; else the URL's id (parameter arg) and the record there, if
// any. missing is the error for a new record lacking a required field.
func (c *call) flatTarget(j *job, items map[string]flat, what string, arg int, create bool, missing *apiError) (string, flat, *apiError) {
	if create {
		return c.s.ids.next(c.now), nil, missing
	}
	id := c.arg(arg)
	cur, gone := findFlat(items, what, id)
	return id, cur, c.vetNew(j, id, gone, missing)
}

// putPhoto stores a changed copy of a photo. The caller holds s.mu.
func (s *Server) putPhoto(j *job, np *photo, c *call) {
	j.photos[np.id] = np
	s.touch(j, c.now, kPhoto, np.id)
}

// Elements.

func hListElements(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(_ *job, p *photo) (any, *apiError) { return listFlat(p.elements), nil }))
}

func hGetElement(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(_ *job, p *photo) (any, *apiError) { return getFlat(p.elements, "Photo element", c.arg(2)) }))
}

func hCreateElement(c *call) (any, *apiError) { return writeElement(c, true) }
func hUpsertElement(c *call) (any, *apiError) { return writeElement(c, false) }

func writeElement(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	etype, hasType, e := b.str("element_type")
	if e != nil {
		return nil, e
	}
	ps, e := pixelSelection(b)
	if e != nil {
		return nil, e
	}
	mh, hasMH, e := b.str("manual_height")
	if e != nil {
		return nil, e
	}
	parent, hasParent, e := b.str("parent_id")
	if e != nil {
		return nil, e
	}
	trace, hasTrace, e := b.str("trace_id")
	if e != nil {
		return nil, e
	}
	attrs, e := b.flatPatch("attributes")
	if e != nil {
		return nil, e
	}
	return updateJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		id, cur, e := c.flatTarget(j, p.elements, "Photo element", 2, create, required("element_type", hasType))
		if e != nil {
			return nil, e
		}
		if cur != nil && hasType && string(cur["element_type"]) != string(appendString(nil, etype)) {
			return nil, errField("element_type can only be set when the element is created")
		}
		rec := cloneFlat(cur)
		if cur == nil {
			rec["element_type"] = appendString(nil, etype)
		}
		if hasParent {
			if parent == id || p.elements[parent] == nil {
				return nil, errField("parent_id: element " + quoteShort(parent) + " does not exist on this photo")
			}
			rec["parent_id"] = appendString(nil, parent)
		} else if raw, ok := b["parent_id"]; ok && isNull(raw) {
			delete(rec, "parent_id")
		}
		if hasTrace {
			if j.traces[trace] == nil {
				return nil, errField("trace_id: trace " + quoteShort(trace) + " does not exist in this job")
			}
			rec["trace_id"] = appendString(nil, trace)
		}
		if ps != nil {
			if _, nested := rec["parent_id"]; nested {
				return nil, errRequest("pixel_selection may only be set on top-level (un-nested) elements")
			}
			rec["pixel_selection"] = ps
		}
		if hasMH {
			rec["manual_height"] = appendString(nil, mh)
		}
		if e := mergeAttributes(rec, attrs, elementFields); e != nil {
			return nil, e
		}
		np := p.clone()
		np.elements[id] = rec
		j.index[id] = ref{kind: kElement, parent: p.id}
		c.s.putPhoto(j, np, c)
		return rawJSON(appendFlat(nil, id, rec)), nil
	}))
}

func hDeleteElement(c *call) (any, *apiError) {
	return updateJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		id := c.arg(2)
		if _, e := findFlat(p.elements, "Photo element", id); e != nil {
			return nil, e
		}
		np := p.clone()
		delete(np.elements, id)
		// Children of a deleted element are de-nested, not deleted.
		pid := appendString(nil, id)
		for cid, el := range np.elements {
			if string(el["parent_id"]) == string(pid) {
				ne := cloneFlat(el)
				delete(ne, "parent_id")
				np.elements[cid] = ne
			}
		}
		delete(j.index, id)
		c.s.putPhoto(j, np, c)
		return idData{id}, nil
	}))
}

// Calibration anchors.

func hListAnchors(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(_ *job, p *photo) (any, *apiError) { return listFlat(p.anchors), nil }))
}

func hGetAnchor(c *call) (any, *apiError) {
	return viewJob(c, inPhoto(c, func(_ *job, p *photo) (any, *apiError) { return getFlat(p.anchors, "Calibration anchor", c.arg(2)) }))
}

func hCreateAnchor(c *call) (any, *apiError) { return writeAnchor(c, true) }
func hUpsertAnchor(c *call) (any, *apiError) { return writeAnchor(c, false) }

func writeAnchor(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	ps, e := pixelSelection(b)
	if e != nil {
		return nil, e
	}
	h, hasH, e := b.float("height")
	if e != nil {
		return nil, e
	}
	return updateJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		missing := cmp.Or(required("pixel_selection", ps != nil), required("height", hasH))
		id, cur, e := c.flatTarget(j, p.anchors, "Calibration anchor", 2, create, missing)
		if e != nil {
			return nil, e
		}
		rec := cloneFlat(cur)
		if ps != nil {
			rec["pixel_selection"] = ps
		}
		if hasH {
			rec["height"] = appendFloat(nil, h)
		}
		np := p.clone()
		np.anchors[id] = rec
		delete(np.rec, "stick_align") // changing anchors un-calibrates the photo
		j.index[id] = ref{kind: kAnchor, parent: p.id}
		c.s.putPhoto(j, np, c)
		return rawJSON(appendFlat(nil, id, rec)), nil
	}))
}

func hDeleteAnchor(c *call) (any, *apiError) {
	return updateJob(c, inPhoto(c, func(j *job, p *photo) (any, *apiError) {
		id := c.arg(2)
		if _, e := findFlat(p.anchors, "Calibration anchor", id); e != nil {
			return nil, e
		}
		np := p.clone()
		delete(np.anchors, id)
		delete(np.rec, "stick_align")
		delete(j.index, id)
		c.s.putPhoto(j, np, c)
		return idData{id}, nil
	}))
}

// Traces.

func hListTraces(c *call) (any, *apiError) {
	return viewJob(c, func(j *job) (any, *apiError) { return listFlat(j.traces), nil })
}

func hGetTrace(c *call) (any, *apiError) {
	return viewJob(c, func(j *job) (any, *apiError) { return getFlat(j.traces, "Trace", c.arg(1)) })
}

func hCreateTrace(c *call) (any, *apiError) { return writeTrace(c, true) }
func hUpsertTrace(c *call) (any, *apiError) { return writeTrace(c, false) }

func writeTrace(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	tt, hasType, e := b.str("trace_type")
	if e != nil {
		return nil, e
	}
	attrs, e := b.flatPatch("attributes")
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		id, cur, e := c.flatTarget(j, j.traces, "Trace", 1, create, required("trace_type", hasType))
		if e != nil {
			return nil, e
		}
		rec := cloneFlat(cur)
		if hasType {
			rec["_trace_type"] = appendString(nil, tt)
		}
		if e := mergeAttributes(rec, attrs, traceFields); e != nil {
			return nil, e
		}
		j.traces[id] = rec
		j.index[id] = ref{kind: kTrace}
		c.s.touch(j, c.now, kTrace, id)
		return rawJSON(appendFlat(nil, id, rec)), nil
	})
}

func hDeleteTrace(c *call) (any, *apiError) {
	return updateJob(c, func(j *job) (any, *apiError) {
		id := c.arg(1)
		if _, e := findFlat(j.traces, "Trace", id); e != nil {
			return nil, e
		}
		delete(j.traces, id)
		delete(j.index, id)
		// Elements on the trace leave it.
		tid := appendString(nil, id)
		for pid, p := range j.photos {
			var np *photo
			for eid, el := range p.elements {
				if string(el["trace_id"]) == string(tid) {
					if np == nil {
						np = p.clone()
					}
					ne := cloneFlat(el)
					delete(ne, "trace_id")
					np.elements[eid] = ne
				}
			}
			if np != nil {
				j.photos[pid] = np
				c.s.markDirty(j.id, kPhoto, pid)
			}
		}
		c.s.touch(j, c.now, kTrace, id)
		return idData{id}, nil
	})
}
